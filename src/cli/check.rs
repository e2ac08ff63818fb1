//! `onnx-lens check FILE [--json]`: every problem at once; exit 0 clean, 1 errors, 2 unreadable.

use std::path::Path;

use crate::check::{check_model, Code, Diagnostic, Report, Severity};
use crate::model::load_path;

use super::{print_json, EXIT_OK, EXIT_PROBLEMS, EXIT_UNREADABLE};

pub fn run(file: &Path, json: bool) -> i32 {
    let model = match load_path(file) {
        Ok(m) => m,
        Err(e) => {
            if json {
                print_json(&Report::from_diagnostics(vec![unreadable(e.to_string())]));
            } else {
                eprintln!("error[unreadable]: {e}");
            }
            return EXIT_UNREADABLE;
        }
    };
    let report = check_model(&model);
    if json {
        print_json(&report);
    } else {
        for d in &report.diagnostics {
            println!("{}", d.render());
        }
        println!(
            "{}: {} error{}, {} warning{}",
            file.display(),
            report.errors,
            if report.errors == 1 { "" } else { "s" },
            report.warnings,
            if report.warnings == 1 { "" } else { "s" }
        );
    }
    let code = if report.has_errors() {
        EXIT_PROBLEMS
    } else {
        EXIT_OK
    };
    // The process ends next: freeing a 100k-node model piece by piece took longer than checking it.
    std::mem::forget(model);
    code
}

fn unreadable(message: String) -> Diagnostic {
    Diagnostic {
        code: Code::Unreadable,
        severity: Severity::Error,
        node: None,
        op_type: None,
        graph: String::new(),
        message,
        graph_id: None,
        node_index: None,
    }
}
