//! `onnx-lens axes FILE [--json] [--no-run]`: which declared dynamic dims stay dynamic.

use std::path::Path;

use crate::jobs::Progress;
use crate::shapes::{analyse, axes_report, AxisStatus};

use super::info::open_or_report;
use super::{print_json, EXIT_OK, EXIT_PROBLEMS};

pub fn run(file: &Path, json: bool, no_run: bool) -> i32 {
    let model = match open_or_report(file, json) {
        Ok(m) => m,
        Err(code) => return code,
    };
    let analysis = analyse(&model);
    let mut report = axes_report(&model, &analysis);
    if !no_run {
        crate::run::confirm::confirm(&model, &mut report, &Progress::detached());
    }
    if json {
        print_json(&report);
    } else {
        for e in &report.axes {
            let status = match e.status {
                AxisStatus::Dynamic => "dynamic".to_string(),
                AxisStatus::Fixed => format!("fixed at {}", e.fixed_value.unwrap_or_default()),
                AxisStatus::Lost => format!("LOST at {}", e.lost_at_node.as_deref().unwrap_or("?")),
            };
            println!("{}[{}] {}  {status}", e.input, e.dim_index, e.written);
            println!("    {}", e.reason);
            if let Some(d) = &e.run_detail {
                let verdict = match e.confirmed_by_run {
                    Some(true) => "run agrees",
                    Some(false) => "run DISAGREES",
                    None => "run inconclusive",
                };
                println!("    {verdict}: {d}");
            }
        }
        if report.axes.is_empty() {
            println!("no input dim could be dynamic (no inputs with shapes)");
        }
        for n in &report.notes {
            println!("note: {n}");
        }
    }
    // A declared dynamic dim that is not dynamic is a problem worth failing CI for.
    if report.axes.iter().any(|e| e.status == AxisStatus::Lost) {
        EXIT_PROBLEMS
    } else {
        EXIT_OK
    }
}
