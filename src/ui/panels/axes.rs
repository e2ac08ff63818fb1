//! The Axes tab: the dynamic-axes report, each lost axis linked to the node that pins it, and a
//! button that confirms the verdicts by running the model at two values per symbol.

use egui::{RichText, Ui};

use crate::document::Document;
use crate::model::MAIN_GRAPH;
use crate::shapes::{AxisStatus, Basis};
use crate::ui::commands::Command;
use crate::ui::style;
use crate::ui::widgets::{job_progress, node_link};

pub fn show(ui: &mut Ui, doc: &Document, out: &mut Vec<Command>) {
    let Some(shapes) = &doc.shapes else {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label("inferring shapes…");
        });
        return;
    };
    ui.label(format!(
        "{:.0}% of values have an inferred shape",
        shapes.known_rate * 100.0
    ));
    if let Some(e) = &shapes.error {
        // tract's algebra giving up is not a verdict: the engine's probes and the runs go on.
        let at = e
            .node
            .as_deref()
            .map(|n| format!(" at {n}"))
            .unwrap_or_default();
        ui.label(
            RichText::new(format!(
                "tract's symbolic analysis stopped{at} ({}); the verdicts below go on with onnx-lens's shape engine at concrete values",
                e.cause
            ))
            .small()
            .color(style::WARNING),
        )
        .on_hover_text(&e.raw);
    }
    ui.separator();
    if shapes.axes.axes.is_empty() {
        ui.label(RichText::new("No input dim could be dynamic.").weak());
    }
    for e in &shapes.axes.axes {
        let (color, status) = match e.status {
            AxisStatus::Dynamic => (style::OK, "dynamic".to_string()),
            AxisStatus::Fixed => (
                style::WARNING,
                format!("fixed at {}", e.fixed_value.unwrap_or_default()),
            ),
            AxisStatus::Lost => (style::ERROR, "LOST".to_string()),
            AxisStatus::Unknown => (style::WARNING, "unknown".to_string()),
        };
        ui.horizontal(|ui| {
            ui.label(
                RichText::new(format!("{}[{}] {}", e.input, e.dim_index, e.written))
                    .monospace()
                    .strong(),
            );
            ui.colored_label(color, RichText::new(status).strong());
            if let Some(node) = &e.lost_at_node {
                ui.label(if e.status == AxisStatus::Unknown {
                    "blocked at"
                } else {
                    "at"
                });
                node_link(ui, MAIN_GRAPH, node, doc.node_by_name(node), out);
            }
        });
        // On a line of its own: the row above is often as wide as the panel.
        ui.horizontal(|ui| {
            ui.label(
                RichText::new(match e.basis {
                    Basis::Static => "evidence: static analysis",
                    Basis::ConcreteShape => "evidence: shapes at concrete values",
                    Basis::Run => "evidence: runs",
                })
                .small()
                .weak(),
            );
            if let Some(c) = &e.pinned_by {
                ui.label(RichText::new("pinned by").small());
                node_link(ui, MAIN_GRAPH, c, doc.node_by_name(c), out);
            }
        });
        ui.label(RichText::new(&e.reason).small());
        if let Some(d) = &e.run_detail {
            let (c, verdict) = match e.confirmed_by_run {
                Some(true) => (style::OK, "run agrees"),
                Some(false) => (style::WARNING, "runs overrule static analysis"),
                None => (style::WARNING, "run inconclusive"),
            };
            ui.label(RichText::new(format!("{verdict}: {d}")).small().color(c));
        }
        ui.add_space(4.0);
    }
    for n in &shapes.axes.notes {
        ui.label(RichText::new(format!("note: {n}")).small().italics());
    }
    let has_symbols = shapes
        .axes
        .axes
        .iter()
        .any(|e| e.status != AxisStatus::Fixed);
    ui.separator();
    if !job_progress(ui, doc.confirm_job().poll(), Command::CancelConfirm, out)
        && ui
            .add_enabled(
                has_symbols,
                egui::Button::new("Confirm by running (two values per symbol)"),
            )
            .clicked()
    {
        out.push(Command::StartConfirm);
    }
}
