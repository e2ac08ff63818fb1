//! Test inference with tract: inputs, symbol values, outputs, latency, per-node times,
//! comparison with expected outputs.

pub mod compare;
pub mod confirm;
pub mod engine;
pub mod image;
pub mod inputs;
pub mod labels;
pub mod save;

pub use compare::{compare, top_k, Comparison, OutputComparison, Tolerance};
pub use engine::{
    default_threads, run, Capture, Latency, NodeTime, OptimizerMismatch, RunError, RunOutcome,
    RunRequest, ShapeMismatch,
};
pub use inputs::{
    default_source, feed_test_set, input_specs, load_tensor_file, load_test_data_set,
    main_graph_values, test_data_sets_beside, InputError, InputSource, InputSpec, TestDataSet,
};
