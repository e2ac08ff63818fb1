//! One file per panel. A panel reads the document (and its own form state) and pushes
//! commands; it never changes the document or starts a job itself.

pub mod axes;
pub mod compare;
pub mod diagnostics;
pub mod model;
pub mod node;
pub mod run;
pub mod search;
pub mod tensor;
