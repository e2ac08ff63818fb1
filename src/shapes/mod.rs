//! Model → the type and shape of every value (symbolic, from tract) and the dynamic-axes report.

pub mod axes;
mod axes_probe;
pub mod elem_types;
pub mod engine;
pub mod infer;
pub mod probe;

pub use crate::tract::{InputSymbol, Weights};
pub use axes::{
    report as axes_report, AxesReport, AxisEntry, AxisEvidence, AxisStatus, Basis, Trial,
};
pub use axes_probe::run_dims;
pub use infer::{
    analyse, analyse_shapes, analyse_with, type_text, ScopedShape, ShapeAnalysis, ShapeOrigin,
    ShapeSource, ValueShape,
};
