//! `onnx-lens check FILE [--format text|json|sarif|github]`: every problem at once; exit 0 clean,
//! 1 errors, 2 unreadable.

use std::path::Path;

use crate::check::{check_model, Code, Diagnostic, Report, Severity};
use crate::model::load_path;

use super::findings::{check_rules, github, sarif, Finding, Format};
use super::{print_json, EXIT_OK, EXIT_PROBLEMS, EXIT_UNREADABLE};

/// One file's report and exit code (2 when it cannot be read).
fn check_file(file: &Path) -> (Report, i32) {
    match load_path(file) {
        Ok(model) => {
            let report = check_model(&model);
            // The process ends soon: freeing a 100k-node model piece by piece took longer than
            // checking it.
            std::mem::forget(model);
            let code = if report.has_errors() {
                EXIT_PROBLEMS
            } else {
                EXIT_OK
            };
            (report, code)
        }
        Err(e) => (
            Report::from_diagnostics(vec![unreadable(e.to_string())]),
            EXIT_UNREADABLE,
        ),
    }
}

/// Checks every file; the exit code is the worst one (2 unreadable, 1 errors, 0 clean).
pub fn run(files: &[std::path::PathBuf], format: Format) -> i32 {
    let reports: Vec<(&Path, Report, i32)> = files
        .iter()
        .map(|f| {
            let (r, c) = check_file(f);
            (f.as_path(), r, c)
        })
        .collect();
    match format {
        // One file keeps the report contract; several are listed with their paths.
        Format::Json if reports.len() == 1 => print_json(&reports[0].1),
        Format::Json => print_json(&serde_json::json!({
            "files": reports
                .iter()
                .map(|(f, r, _)| serde_json::json!({
                    "file": f.to_string_lossy(),
                    "errors": r.errors,
                    "warnings": r.warnings,
                    "diagnostics": r.diagnostics,
                }))
                .collect::<Vec<_>>()
        })),
        Format::Sarif => {
            let per_file: Vec<(&Path, Vec<Finding>)> = reports
                .iter()
                .map(|(f, r, _)| (*f, r.diagnostics.iter().map(Finding::of).collect()))
                .collect();
            print_json(&sarif(&check_rules(), &per_file));
        }
        Format::Github => {
            for (f, r, _) in &reports {
                let findings: Vec<Finding> = r.diagnostics.iter().map(Finding::of).collect();
                for line in github(f, &findings) {
                    println!("{line}");
                }
            }
        }
        Format::Text => {
            for (file, report, code) in &reports {
                if *code == EXIT_UNREADABLE {
                    for d in &report.diagnostics {
                        eprintln!("error[unreadable]: {}", d.message);
                    }
                    continue;
                }
                for d in &report.diagnostics {
                    println!("{}", d.render());
                }
                println!("{}: {}", file.display(), report.tally());
            }
        }
    }
    reports.iter().map(|(_, _, c)| *c).max().unwrap_or(EXIT_OK)
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
