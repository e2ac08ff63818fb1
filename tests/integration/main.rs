//! One integration-test binary (one link of tract + egui for all of them).

mod check;
mod ci_output;
mod common;
mod compare;
mod cost;
#[cfg(feature = "gui")]
mod gui;
mod model;
mod robust;
mod run;
mod shapes;
mod tutorial;
#[cfg(feature = "gui")]
mod viewer;
