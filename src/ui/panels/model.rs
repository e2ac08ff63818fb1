//! The Model tab: file, IR, producer, opsets, metadata, inputs/outputs, functions, op counts.

use egui::{RichText, Ui};

use crate::cli::info::human_bytes;
use crate::document::Document;
use crate::model::MAIN_GRAPH;
use crate::ui::commands::Command;

pub fn show(ui: &mut Ui, doc: &Document, out: &mut Vec<Command>) {
    let i = &doc.info;
    egui::Grid::new("model-props")
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| {
            // Long values (a YOLO export's class list) are cut to the panel; hovering shows them
            // whole.
            let mut row = |k: &str, v: String| {
                ui.label(RichText::new(k).strong());
                ui.add(egui::Label::new(v).truncate());
                ui.end_row();
            };
            row("file", doc.model.origin.name.clone());
            row("size", human_bytes(i.file_size));
            row("IR version", i.ir_version.to_string());
            row(
                "producer",
                format!("{} {}", i.producer_name, i.producer_version)
                    .trim()
                    .to_string(),
            );
            row("opsets", i.opsets_text());
            if !i.graph_name.is_empty() {
                row("graph", i.graph_name.clone());
            }
            row(
                "nodes",
                format!(
                    "{} ({} with subgraphs and functions)",
                    i.node_count, i.total_node_count
                ),
            );
            row(
                "parameters",
                format!("{} ({})", i.parameter_count, human_bytes(i.parameter_bytes)),
            );
            if !i.external_data_files.is_empty() {
                row("external data", i.external_data_files.join(", "));
            }
            for m in &i.metadata_props {
                row(&m.key, m.value.clone());
            }
        });
    ui.separator();
    ui.heading("Inputs");
    for v in &i.inputs {
        value_link(ui, &v.name, &v.type_text, out);
    }
    ui.heading("Outputs");
    for v in &i.outputs {
        value_link(ui, &v.name, &v.type_text, out);
    }
    if !doc.model.proto.functions.is_empty() {
        ui.heading("Functions");
        for (f, func) in doc.model.proto.functions.iter().enumerate() {
            if ui.link(format!("{}:{}", func.domain, func.name)).clicked() {
                if let Some(g) = doc.function_graph(f) {
                    out.push(Command::OpenGraph(g));
                }
            }
        }
    }
    ui.heading("Operators");
    let mut ops: Vec<(&String, &usize)> = i.op_counts.iter().collect();
    ops.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let max = ops.first().map(|o| *o.1).unwrap_or(1).max(1);
    egui::Grid::new("op-histogram")
        .num_columns(2)
        .show(ui, |ui| {
            for (op, n) in ops {
                ui.label(op.as_str());
                let frac = *n as f32 / max as f32;
                ui.add(
                    egui::ProgressBar::new(frac)
                        .text(n.to_string())
                        .desired_width(120.0),
                );
                ui.end_row();
            }
        });
}

/// A graph input or output as a link, its type cut to the panel (whole on hover).
fn value_link(ui: &mut Ui, name: &str, type_text: &str, out: &mut Vec<Command>) {
    let text = format!("{name}  {type_text}");
    let link = egui::Label::new(RichText::new(text).color(ui.visuals().hyperlink_color))
        .truncate()
        .sense(egui::Sense::click());
    if ui.add(link).clicked() {
        out.push(Command::SelectValue(MAIN_GRAPH, name.to_string()));
    }
}
