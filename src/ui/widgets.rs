//! Small pieces several panels draw the same way.

use egui::{RichText, Ui};

use super::commands::Command;
use super::style;
pub use crate::check::diagnostic::count;
use crate::check::{Diagnostic, Severity};
use crate::jobs::JobStatus;
use crate::model::{GraphId, NodeId};

/// A running job's progress bar with a cancel button (which pushes `cancel`), or nothing.
/// True while the job runs.
pub fn job_progress(
    ui: &mut Ui,
    status: JobStatus,
    cancel: Command,
    out: &mut Vec<Command>,
) -> bool {
    let JobStatus::Running { progress, stage } = status else {
        return false;
    };
    ui.horizontal(|ui| {
        ui.add(
            egui::ProgressBar::new(progress)
                .desired_width(160.0)
                .text(stage),
        );
        if ui.button("cancel").clicked() {
            out.push(cancel);
        }
    });
    true
}

/// A link to a node, or its name as plain text when it is not in the graph.
pub fn node_link(
    ui: &mut Ui,
    g: GraphId,
    name: &str,
    node: Option<NodeId>,
    out: &mut Vec<Command>,
) {
    match node {
        Some(n) => {
            if ui.link(name).clicked() {
                out.push(Command::FocusNode(g, n));
            }
        }
        None => {
            ui.label(name);
        }
    }
}

pub fn severity_color(s: Severity) -> egui::Color32 {
    match s {
        Severity::Error => style::ERROR,
        Severity::Warning => style::WARNING,
    }
}

/// `[code] message` in the severity's colour.
pub fn diagnostic_text(d: &Diagnostic, place: Option<&str>) -> RichText {
    let text = match place {
        Some(p) => format!("[{}] {p}: {}", d.code, d.message),
        None => format!("[{}] {}", d.code, d.message),
    };
    RichText::new(text).color(severity_color(d.severity))
}

/// A statistic for display: fixed point where that shows its digits, scientific for tiny or
/// huge magnitudes (never `-0.00000` for -1e-9).
pub fn number(v: f64) -> String {
    let a = v.abs();
    if v == 0.0 {
        // Also -0.0, which would print as "-0.00000".
        "0".into()
    } else if !v.is_finite() || (1e-4..1e6).contains(&a) {
        format!("{v:.5}")
    } else {
        format!("{v:.3e}")
    }
}
