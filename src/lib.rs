//! onnx-lens: validate, view, shape-check and run ONNX models.
//!
//! The pipeline is the module layout: `model` (load, index, tensors) → `check` → `shapes` →
//! `layout` → `run`, with `tract` the one seam to tract; `document` holds one opened model and
//! its jobs; `ui` (feature `gui`) and `cli` are thin shells over it. Core modules never touch egui.

pub mod check;
pub mod cli;
pub mod compare;
pub mod cost;
pub mod document;
pub mod fuzzing;
pub mod jobs;
pub mod layout;
pub mod model;
pub mod run;
pub mod shapes;
pub mod tract;
#[cfg(feature = "gui")]
pub mod ui;
