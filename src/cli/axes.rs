//! `onnx-lens axes FILE [--format text|json|sarif|github] [--no-run]`: which declared dynamic dims
//! stay dynamic; a lost one is a finding.

use std::path::{Path, PathBuf};

use crate::jobs::Progress;
use crate::shapes::{analyse, axes_report, AxesReport, AxisStatus};

use super::findings::{axes_findings, github, sarif, Format, LOST_AXIS};
use super::info::open_or_report;
use super::{print_json, EXIT_OK, EXIT_PROBLEMS};

/// One file's axes report, or the exit code it failed with (printed already).
fn axes_of(file: &Path, format: Format, no_run: bool) -> Result<AxesReport, i32> {
    let model = open_or_report(file, format == Format::Json)?;
    let analysis = analyse(&model);
    let mut report = axes_report(&model, &analysis);
    if !no_run {
        crate::run::confirm::confirm(&model, &mut report, &Progress::detached());
    }
    Ok(report)
}

/// Reports every file; the exit code is the worst (2 unreadable, 1 a lost axis, 0 fine).
pub fn run(files: &[PathBuf], format: Format, no_run: bool) -> i32 {
    let mut code = EXIT_OK;
    let mut reports: Vec<(&Path, AxesReport)> = Vec::new();
    for f in files {
        match axes_of(f, format, no_run) {
            Ok(r) => {
                // A declared dynamic dim that is not dynamic is a problem worth failing CI for.
                if r.axes.iter().any(|e| e.status == AxisStatus::Lost) {
                    code = code.max(EXIT_PROBLEMS);
                }
                reports.push((f.as_path(), r));
            }
            Err(c) => code = code.max(c),
        }
    }
    match format {
        Format::Json if files.len() == 1 => {
            if let Some((_, r)) = reports.first() {
                print_json(r);
            }
        }
        Format::Json => print_json(&serde_json::json!({
            "files": reports
                .iter()
                .map(|(f, r)| serde_json::json!({
                    "file": f.to_string_lossy(),
                    "axes": r.axes,
                    "notes": r.notes,
                }))
                .collect::<Vec<_>>()
        })),
        Format::Sarif => {
            let per_file: Vec<(&Path, Vec<_>)> = reports
                .iter()
                .map(|(f, r)| (*f, axes_findings(r)))
                .collect();
            print_json(&sarif(&[LOST_AXIS], &per_file));
        }
        Format::Github => {
            for (f, r) in &reports {
                for line in github(f, &axes_findings(r)) {
                    println!("{line}");
                }
            }
        }
        Format::Text => {
            for (f, r) in &reports {
                if files.len() > 1 {
                    println!("{}", f.display());
                }
                print_text(r);
            }
        }
    }
    code
}

fn print_text(report: &AxesReport) {
    for e in &report.axes {
        let status = match e.status {
            AxisStatus::Dynamic => "dynamic".to_string(),
            AxisStatus::Fixed => format!("fixed at {}", e.fixed_value.unwrap_or_default()),
            AxisStatus::Lost => format!("LOST at {}", e.lost_at_node.as_deref().unwrap_or("?")),
            AxisStatus::Unknown => format!(
                "unknown (blocked at {})",
                e.lost_at_node.as_deref().unwrap_or("?")
            ),
        };
        let basis = match e.basis {
            crate::shapes::Basis::Static => "static analysis",
            crate::shapes::Basis::ConcreteShape => "shapes at concrete values",
            crate::shapes::Basis::Run => "runs",
        };
        println!(
            "{}[{}] {}  {status}  (evidence: {basis})",
            e.input, e.dim_index, e.written
        );
        println!("    {}", e.reason);
        if let Some(d) = &e.run_detail {
            let verdict = match e.confirmed_by_run {
                Some(true) => "run agrees",
                Some(false) => "runs overrule static analysis",
                None => "run inconclusive",
            };
            println!("    {verdict}: {d}");
        }
    }
    if report.axes.is_empty() {
        println!("no input dim could be dynamic (no inputs with shapes)");
    }
    if !report.held_at.is_empty() {
        let held: Vec<String> = report
            .held_at
            .iter()
            .map(|(k, v)| format!("{k} = {v}"))
            .collect();
        println!(
            "each symbol examined with the others held at {}",
            held.join(", ")
        );
    }
    for n in &report.notes {
        println!("note: {n}");
    }
}
