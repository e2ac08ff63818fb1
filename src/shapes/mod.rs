//! Model → the type and shape of every value (symbolic, from tract) and the dynamic-axes report.

pub mod axes;
pub mod infer;

pub use axes::{report as axes_report, AxesReport, AxisEntry, AxisStatus};
pub use infer::{
    analyse, analyse_with, bind_input_symbols, failing_node, tract_proto, InputSymbol,
    ShapeAnalysis, ShapeOrigin, ValueShape, Weights,
};
