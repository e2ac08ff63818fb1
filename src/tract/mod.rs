//! The only place that talks to tract. What tract is handed (the proto, vetted: `proto`), how
//! input dims become its symbols (`symbols`), its shape analysis read back as plain facts
//! (`facts`), model-local functions inlined (`inline`), ai.onnx.ml ops rewritten where tract lacks them or gets them wrong (`lower`, with ops of our own in `ml_ops`),
//! runnable plans (`plan`), tensors to and from it (`convert`), and its failures
//! parsed once into a `TractFailure` (`failure`). Nothing else parses tract's text.

pub mod convert;
pub mod facts;
pub mod failure;
pub mod inline;
pub mod lower;
pub mod ml_ops;
pub mod plan;
pub mod proto;
pub mod symbols;

pub use convert::ConvertError;
pub use facts::{analyse, ConstInput, Dims, NodeFacts, SymDim, TractAnalysis, ValueFact, Weights};
pub use failure::{catch_quietly, FailureKind, FailureParts, TractFailure};
pub use lower::{lower, Lowering, Refusal, Rewrite};
pub use plan::{NonFinite, Plan, PlanError, PlanOptions};
pub use proto::{analysis_proto, tract_proto, tract_proto_inlined};
pub use symbols::{
    bind_input_symbols, fix_input_dims, input_symbols, is_named_dim, is_placeholder_dim,
    InputSymbol,
};
