//! The Model tab: file, IR, producer, opsets, metadata, inputs/outputs, functions, op counts,
//! and the cost: totals, symbol values for the figures, the heaviest nodes, the MACs heat.

use egui::{RichText, Ui};

use crate::cli::info::human_bytes;
use crate::cost::si;
use crate::document::{with_defaults, Document};
use crate::model::{NodeId, MAIN_GRAPH};
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
    cost_section(ui, doc, out);
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

/// Heaviest nodes listed in the Model tab.
const HEAVIEST_SHOWN: usize = 10;
/// Top-level namespaces listed.
const NAMESPACES_SHOWN: usize = 30;

/// Totals (symbolic, and at the chosen values), the symbol values, the heaviest nodes, the MACs
/// heat toggle with its legend, and what is not counted.
fn cost_section(ui: &mut Ui, doc: &Document, out: &mut Vec<Command>) {
    ui.heading("Cost");
    let Some(cost) = doc.shapes.as_ref().map(|s| s.cost.clone()) else {
        ui.label(RichText::new("waiting for shape inference…").weak());
        return;
    };
    ui.label(
        RichText::new("1 MAC = 1 multiply-add = 2 FLOPs")
            .small()
            .weak(),
    );
    let values = with_defaults(&cost, &doc.cost_values);
    egui::Grid::new("cost-totals")
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| {
            let mut row = |k: &str, c: &crate::cost::Count| {
                ui.label(RichText::new(k).strong());
                let text = match c.fixed() {
                    Some(v) => si(v),
                    None => format!("{}  = {}", c, si(c.eval(&values))),
                };
                ui.add(egui::Label::new(text).truncate());
                ui.end_row();
            };
            row("MACs", &cost.macs);
            if !cost.integer_macs.is_zero() {
                row("integer MACs", &cost.integer_macs);
            }
            row("FLOPs", &cost.flops);
            ui.label(RichText::new("parameters").strong());
            ui.label(format!(
                "{} ({})",
                si(cost.params as f64),
                human_bytes(cost.param_bytes)
            ));
            ui.end_row();
            if let Some(p) = cost.peak_at(&values) {
                ui.label(RichText::new("peak activations").strong());
                ui.label(format!(
                    "{} after {}",
                    human_bytes(p.bytes as u64),
                    p.after_node
                ))
                .on_hover_text(format!(
                    "live tensors along the evaluation order: {}",
                    p.expression
                ));
                ui.end_row();
            }
        });
    for (symbol, v) in &values {
        ui.horizontal(|ui| {
            let mut x = *v;
            ui.label(symbol);
            let drag = egui::DragValue::new(&mut x).range(1.0..=1e6).speed(1.0);
            if ui.add(drag).changed() {
                out.push(Command::SetCostValue(symbol.clone(), x));
            }
        });
    }
    let mut heat = doc.macs_heat_shown;
    ui.horizontal(|ui| {
        if ui.checkbox(&mut heat, "colour graph by MACs").changed() {
            out.push(Command::ShowMacsHeat(heat));
        }
    });
    let heaviest = cost.heaviest(HEAVIEST_SHOWN);
    let max = heaviest
        .first()
        .map(|c| c.macs.eval(&values))
        .unwrap_or(0.0);
    if doc.macs_heat_shown {
        heat_legend(ui, max);
    }
    ui.strong("Heaviest nodes");
    let total = cost.macs.eval(&values);
    for c in heaviest {
        let macs = c.macs.eval(&values);
        let share = if total > 0.0 {
            100.0 * macs / total
        } else {
            0.0
        };
        let text = format!("{}  {}  {} MACs ({share:.1} %)", c.op, c.node, si(macs));
        let link = egui::Label::new(RichText::new(text).color(ui.visuals().hyperlink_color))
            .truncate()
            .sense(egui::Sense::click());
        if ui.add(link).clicked() {
            out.push(Command::FocusNode(c.graph, NodeId(c.index)));
        }
    }
    // Top-level namespaces (`/layer1`, `/encoder`) and subgraphs, heaviest first.
    let mut top: Vec<&crate::cost::GroupCost> = cost
        .groups
        .iter()
        .filter(|g| !g.name.starts_with('/') || g.name.matches('/').count() == 1)
        .collect();
    if !top.is_empty() {
        top.sort_by(|a, b| b.macs.eval(&values).total_cmp(&a.macs.eval(&values)));
        ui.collapsing(format!("by namespace ({})", top.len()), |ui| {
            for g in top.iter().take(NAMESPACES_SHOWN) {
                let macs = g.macs.eval(&values);
                let share = if total > 0.0 {
                    100.0 * macs / total
                } else {
                    0.0
                };
                ui.add(
                    egui::Label::new(format!(
                        "{}  {} MACs ({share:.1} %), {} params, {}",
                        g.name,
                        si(macs),
                        si(g.params as f64),
                        crate::ui::widgets::count(g.nodes, "node", "nodes")
                    ))
                    .truncate(),
                );
            }
        });
    }
    if !cost.not_counted.is_empty() {
        ui.collapsing(format!("not counted ({})", cost.not_counted.len()), |ui| {
            for n in &cost.not_counted {
                ui.label(RichText::new(n).small());
            }
        });
    }
}

/// The MACs heat's scale: the tint the canvas draws, from none to the heaviest node's.
fn heat_legend(ui: &mut Ui, max: f64) {
    ui.horizontal(|ui| {
        ui.label(RichText::new("0").small());
        let (rect, _) = ui.allocate_exact_size(egui::vec2(120.0, 10.0), egui::Sense::hover());
        let steps = 24;
        for i in 0..steps {
            let t = i as f32 / (steps - 1) as f32;
            let w = rect.width() / steps as f32;
            let r = egui::Rect::from_min_size(
                egui::pos2(rect.left() + w * i as f32, rect.top()),
                egui::vec2(w + 0.5, rect.height()),
            );
            ui.painter()
                .rect_filled(r, 0.0, crate::ui::canvas::heat_tint(t));
        }
        ui.label(RichText::new(format!("{} MACs", si(max))).small());
    });
}
