//! The Diagnostics tab: every finding; clicking one selects and centres its node (or opens its
//! scope).

use egui::{ScrollArea, Ui};

use crate::document::Document;
use crate::ui::commands::Command;
use crate::ui::widgets::diagnostic_text;

pub fn show(ui: &mut Ui, doc: &Document, out: &mut Vec<Command>) {
    let r = &doc.report;
    ui.label(r.tally());
    ScrollArea::vertical()
        .id_salt("diagnostics")
        .show(ui, |ui| {
            for d in &r.diagnostics {
                let place = match (&d.node, d.graph.is_empty()) {
                    (Some(n), true) => n.clone(),
                    (Some(n), false) => format!("{} :: {n}", d.graph),
                    (None, false) => d.graph.clone(),
                    (None, true) => "model".into(),
                };
                let clicked = ui
                    .add(
                        egui::Label::new(diagnostic_text(d, Some(&place)))
                            .sense(egui::Sense::click())
                            .wrap(),
                    )
                    .clicked();
                if clicked {
                    match (d.node_id(), d.graph_id) {
                        (Some((g, n)), _) => out.push(Command::FocusNode(g, n)),
                        (None, Some(g)) => out.push(Command::OpenGraph(g)),
                        (None, None) => {}
                    }
                }
            }
        });
}
