//! The Axes tab: the dynamic-axes report, each lost axis linked to the node that pins it, and a
//! button that confirms the verdicts by running the model at two values per symbol.

use egui::{RichText, Ui};

use super::document::Document;
use super::panels::UiAction;
use super::style;
use crate::jobs::{JobState, Repaint};
use crate::model::MAIN_GRAPH;
use crate::shapes::AxisStatus;

pub fn axes_panel(ui: &mut Ui, doc: &mut Document, repaint: Repaint, actions: &mut Vec<UiAction>) {
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
        ui.label(
            RichText::new(format!(
                "shape analysis stopped: {}",
                crate::shapes::infer::tidy_tract_text(e.lines().next().unwrap_or(""))
            ))
            .small()
            .color(style::WARNING),
        );
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
        };
        ui.horizontal(|ui| {
            ui.label(
                RichText::new(format!("{}[{}] {}", e.input, e.dim_index, e.symbol))
                    .monospace()
                    .strong(),
            );
            ui.colored_label(color, RichText::new(status).strong());
            if let Some(node) = &e.lost_at_node {
                ui.label("at");
                match doc.node_by_name(node) {
                    Some(n) => {
                        if ui.link(node).clicked() {
                            actions.push(UiAction::FocusNode(MAIN_GRAPH, n));
                        }
                    }
                    None => {
                        ui.label(node);
                    }
                }
            }
        });
        ui.label(RichText::new(&e.reason).small());
        if let Some(d) = &e.run_detail {
            let (c, verdict) = match e.confirmed_by_run {
                Some(true) => (style::OK, "run agrees"),
                Some(false) => (style::ERROR, "run disagrees"),
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
    match doc.confirm_job().poll() {
        JobState::Running { progress, stage } => {
            if super::panels::job_progress(ui, progress, stage) {
                doc.confirm_job().cancel();
            }
        }
        _ => {
            if ui
                .add_enabled(
                    has_symbols,
                    egui::Button::new("Confirm by running (two values per symbol)"),
                )
                .clicked()
            {
                doc.start_confirm(repaint);
            }
        }
    }
}
