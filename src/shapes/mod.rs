//! Model → the type and shape of every value (symbolic, from tract) and the dynamic-axes report.

pub mod infer;

pub use infer::{analyse, InputSymbol, ShapeAnalysis, ShapeOrigin, ValueShape};
