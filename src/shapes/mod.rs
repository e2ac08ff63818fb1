//! Model → the type and shape of every value (symbolic, from tract) and the dynamic-axes report.

pub mod axes;
pub mod engine;
pub mod infer;

pub use crate::tract::{InputSymbol, Weights};
pub use axes::{report as axes_report, AxesReport, AxisEntry, AxisEvidence, AxisStatus};
pub use infer::{
    analyse, analyse_with, type_text, ScopedShape, ShapeAnalysis, ShapeOrigin, ShapeSource,
    ValueShape,
};
