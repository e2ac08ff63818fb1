//! Side panels: model summary, node properties, value and tensor details, diagnostics, search.
//! Panels only read state and return actions; the app applies them.

use std::sync::Arc;

use egui::{Color32, RichText, ScrollArea, Ui};

use super::document::Document;
use super::style;
use crate::check::schema::{attr_type, normalize_domain, Lookup, SchemaTable};
use crate::check::Severity;
use crate::cli::info::human_bytes;
use crate::layout::scene::declared_type_text;
use crate::model::index::node_label;
use crate::model::tensor::{Tensor, TensorStats};
use crate::model::{GraphId, Model};

pub enum UiAction {
    FocusNode(GraphId, usize),
    SelectValue(GraphId, String),
    OpenGraph(GraphId),
    ShowTensor(GraphId, String),
    /// Show a computed tensor (a run output) in the tensor panel.
    InspectTensor(Arc<Tensor>),
    SaveTensor,
}

/// A decoded tensor with its statistics and histogram, computed off the UI thread.
pub struct TensorView {
    pub graph: GraphId,
    pub name: String,
    pub tensor: Arc<Tensor>,
    pub stats: Option<TensorStats>,
    /// (bin centre, count)
    pub histogram: Vec<(f64, f64)>,
}

impl TensorView {
    pub fn compute(model: &Model, graph: GraphId, name: &str) -> Result<TensorView, String> {
        let tensor = model
            .initializer(graph, name)
            .ok_or_else(|| format!("`{name}` is not an initializer"))?
            .map_err(|e| format!("`{name}`: {e}"))?;
        Ok(TensorView::of(graph, Arc::new(tensor)))
    }

    pub fn of(graph: GraphId, tensor: Arc<Tensor>) -> TensorView {
        let stats = tensor.stats();
        let histogram = match stats {
            Some(s) if s.min.is_finite() && s.max.is_finite() && s.count > 0 => {
                const BINS: usize = 48;
                let width = ((s.max - s.min) / BINS as f64).max(f64::MIN_POSITIVE);
                let mut counts = vec![0f64; BINS];
                for i in 0..tensor.values.len() {
                    if let Some(x) = tensor.values.get_f64(i).filter(|x| x.is_finite()) {
                        let b = (((x - s.min) / width) as usize).min(BINS - 1);
                        counts[b] += 1.0;
                    }
                }
                counts
                    .into_iter()
                    .enumerate()
                    .map(|(b, c)| (s.min + (b as f64 + 0.5) * width, c))
                    .collect()
            }
            _ => vec![],
        };
        TensorView {
            graph,
            name: tensor.name.clone(),
            tensor,
            stats,
            histogram,
        }
    }
}

pub fn model_panel(ui: &mut Ui, doc: &Document, actions: &mut Vec<UiAction>) {
    let i = &doc.info;
    egui::Grid::new("model-props")
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| {
            let mut row = |k: &str, v: String| {
                ui.label(RichText::new(k).strong());
                ui.label(v);
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
            let opsets: Vec<String> = i
                .opset_import
                .iter()
                .map(|o| {
                    format!(
                        "{} {}",
                        if o.domain.is_empty() {
                            "ai.onnx"
                        } else {
                            &o.domain
                        },
                        o.version
                    )
                })
                .collect();
            row("opsets", opsets.join(", "));
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
        if ui.link(format!("{}  {}", v.name, v.type_text)).clicked() {
            actions.push(UiAction::SelectValue(0, v.name.clone()));
        }
    }
    ui.heading("Outputs");
    for v in &i.outputs {
        if ui.link(format!("{}  {}", v.name, v.type_text)).clicked() {
            actions.push(UiAction::SelectValue(0, v.name.clone()));
        }
    }
    if !doc.model.proto.functions.is_empty() {
        ui.heading("Functions");
        for (f, func) in doc.model.proto.functions.iter().enumerate() {
            if ui.link(format!("{}:{}", func.domain, func.name)).clicked() {
                if let Some(g) = doc.function_graph(f) {
                    actions.push(UiAction::OpenGraph(g));
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

pub fn node_panel(ui: &mut Ui, doc: &Document, g: GraphId, n: usize, actions: &mut Vec<UiAction>) {
    let model = &doc.model;
    let Some(node) = model.body(g).and_then(|b| b.nodes().get(n)) else {
        return;
    };
    let index = &model.index.graphs[g];
    ui.heading(&node.op_type);
    let domain = normalize_domain(&node.domain);
    egui::Grid::new("node-props").num_columns(2).show(ui, |ui| {
        ui.label(RichText::new("name").strong());
        ui.label(node_label(node, n));
        ui.end_row();
        ui.label(RichText::new("domain").strong());
        ui.label(if domain.is_empty() { "ai.onnx" } else { domain });
        ui.end_row();
        if !index.path.is_empty() {
            ui.label(RichText::new("graph").strong());
            ui.label(&index.path);
            ui.end_row();
        }
    });
    if let Some(version) = model.opset(domain) {
        if let Lookup::Found(s) = SchemaTable::global().lookup(domain, &node.op_type, version) {
            ui.label(format!("{}-{} (opset {version})", s.name, s.since_version));
            ui.label(RichText::new(&s.doc).italics().color(Color32::GRAY));
        }
    }
    for d in doc
        .report
        .diagnostics
        .iter()
        .filter(|d| d.graph_id == Some(g) && d.node_index == Some(n))
    {
        let c = if d.severity == Severity::Error {
            style::ERROR
        } else {
            style::WARNING
        };
        ui.colored_label(c, format!("[{}] {}", d.code, d.message));
    }
    if !node.attribute.is_empty() {
        ui.separator();
        ui.strong("Attributes");
        egui::Grid::new("node-attrs")
            .num_columns(2)
            .striped(true)
            .show(ui, |ui| {
                for a in &node.attribute {
                    ui.label(&a.name);
                    ui.label(attribute_text(a));
                    ui.end_row();
                }
            });
    }
    for (sub, label) in doc.subgraphs_of(g, n) {
        if ui
            .link(format!(
                "open subgraph {label} ({} nodes)",
                model.index.graphs[sub].node_count
            ))
            .clicked()
        {
            actions.push(UiAction::OpenGraph(sub));
        }
    }
    if let Some(f) = model.index.function_called_by(node) {
        if let Some(fg) = doc.function_graph(f) {
            if ui.link("open function body").clicked() {
                actions.push(UiAction::OpenGraph(fg));
            }
        }
    }
    ui.separator();
    ui.strong("Inputs");
    for name in &node.input {
        value_row(ui, doc, g, name, actions, true);
    }
    ui.strong("Outputs");
    for name in &node.output {
        value_row(ui, doc, g, name, actions, false);
    }
}

fn value_row(
    ui: &mut Ui,
    doc: &Document,
    g: GraphId,
    name: &str,
    actions: &mut Vec<UiAction>,
    is_input: bool,
) {
    if name.is_empty() {
        ui.label(RichText::new("(omitted)").color(Color32::GRAY));
        return;
    }
    let model = &doc.model;
    let index = &model.index.graphs[g];
    let inferred = doc
        .shapes
        .as_ref()
        .filter(|_| g == crate::model::MAIN_GRAPH)
        .and_then(|s| s.values.get(name))
        .filter(|v| v.origin != crate::shapes::ShapeOrigin::Unknown)
        .map(crate::shapes::infer::type_text);
    let ty = inferred
        .or_else(|| declared_type_text(model, g, name))
        .unwrap_or_else(|| "?".into());
    ui.horizontal_wrapped(|ui| {
        if ui.link(name).clicked() {
            actions.push(UiAction::SelectValue(g, name.to_string()));
        }
        ui.label(RichText::new(ty).monospace());
        if index.initializers.contains_key(name) && ui.small_button("tensor").clicked() {
            actions.push(UiAction::ShowTensor(g, name.to_string()));
        }
        if is_input {
            if let Some(&(p, _)) = index.producers.get(name) {
                let label = model
                    .body(g)
                    .map(|b| node_label(&b.nodes()[p], p))
                    .unwrap_or_default();
                if ui.small_button(format!("from {label}")).clicked() {
                    actions.push(UiAction::FocusNode(g, p));
                }
            }
        } else {
            for &c in index
                .consumers
                .get(name)
                .map(Vec::as_slice)
                .unwrap_or(&[])
                .iter()
                .take(8)
            {
                let label = model
                    .body(g)
                    .map(|b| node_label(&b.nodes()[c], c))
                    .unwrap_or_default();
                if ui.small_button(format!("to {label}")).clicked() {
                    actions.push(UiAction::FocusNode(g, c));
                }
            }
        }
    });
}

fn attribute_text(a: &onnx_protobuf::AttributeProto) -> String {
    use attr_type::*;
    let list = |v: Vec<String>| {
        let more = v.len().saturating_sub(16);
        let mut s = v.into_iter().take(16).collect::<Vec<_>>().join(", ");
        if more > 0 {
            s.push_str(&format!(", … {more} more"));
        }
        format!("[{s}]")
    };
    if !a.ref_attr_name.is_empty() {
        return format!("→ @{}", a.ref_attr_name);
    }
    match a.type_.value() {
        FLOAT => a.f.to_string(),
        INT => a.i.to_string(),
        STRING => String::from_utf8_lossy(&a.s).into_owned(),
        FLOATS => list(a.floats.iter().map(|x| x.to_string()).collect()),
        INTS => list(a.ints.iter().map(|x| x.to_string()).collect()),
        STRINGS => list(
            a.strings
                .iter()
                .map(|x| String::from_utf8_lossy(x).into_owned())
                .collect(),
        ),
        TENSOR => {
            a.t.as_ref()
                .map(|t| {
                    let d = crate::model::tensor::decode(t, None);
                    match d {
                        Ok(d) if d.values.len() <= 8 => {
                            format!(
                                "{} {}",
                                d.dtype,
                                list((0..d.values.len()).map(|i| d.values.format(i)).collect())
                            )
                        }
                        _ => format!(
                            "tensor {}{:?}",
                            crate::model::DataType::from_i32(t.data_type),
                            t.dims
                        ),
                    }
                })
                .unwrap_or_default()
        }
        GRAPH => format!(
            "graph `{}` ({} nodes)",
            a.g.as_ref().map(|g| g.name.as_str()).unwrap_or(""),
            a.g.as_ref().map_or(0, |g| g.node.len())
        ),
        GRAPHS => format!("{} graphs", a.graphs.len()),
        other => attr_type::name(other).to_string(),
    }
}

pub fn value_panel(
    ui: &mut Ui,
    doc: &Document,
    g: GraphId,
    name: &str,
    actions: &mut Vec<UiAction>,
) {
    let model = &doc.model;
    let index = &model.index.graphs[g];
    ui.heading(name);
    ui.label(
        RichText::new(
            declared_type_text(model, g, name).unwrap_or_else(|| "type not declared".into()),
        )
        .monospace(),
    );
    if let Some(v) = doc
        .shapes
        .as_ref()
        .filter(|_| g == crate::model::MAIN_GRAPH)
        .and_then(|s| s.values.get(name))
    {
        let origin = match v.origin {
            crate::shapes::ShapeOrigin::Inferred => "inferred by tract",
            crate::shapes::ShapeOrigin::Declared => "declared only (tract could not infer it)",
            crate::shapes::ShapeOrigin::Unknown => "unknown",
        };
        ui.label(
            RichText::new(format!(
                "{}  — {origin}",
                crate::shapes::infer::type_text(v)
            ))
            .monospace(),
        );
    }
    if index.initializers.contains_key(name) {
        ui.label("initializer");
        if ui.button("show values").clicked() {
            actions.push(UiAction::ShowTensor(g, name.to_string()));
        }
    }
    if index.inputs.iter().any(|i| i == name) {
        ui.label("graph input");
    }
    if index.outputs.iter().any(|o| o == name) {
        ui.label("graph output");
    }
    if let Some(&(p, _)) = index.producers.get(name) {
        let label = model
            .body(g)
            .map(|b| node_label(&b.nodes()[p], p))
            .unwrap_or_default();
        if ui.link(format!("produced by {label}")).clicked() {
            actions.push(UiAction::FocusNode(g, p));
        }
    }
    for &c in index.consumers.get(name).map(Vec::as_slice).unwrap_or(&[]) {
        let label = model
            .body(g)
            .map(|b| node_label(&b.nodes()[c], c))
            .unwrap_or_default();
        if ui.link(format!("consumed by {label}")).clicked() {
            actions.push(UiAction::FocusNode(g, c));
        }
    }
}

pub fn tensor_panel(ui: &mut Ui, t: &TensorView, page: &mut usize, actions: &mut Vec<UiAction>) {
    ui.heading(format!("tensor {}", t.name));
    let dims: Vec<String> = t.tensor.dims.iter().map(|d| d.to_string()).collect();
    ui.label(
        RichText::new(format!(
            "{} [{}]  ({} elements)",
            t.tensor.dtype,
            dims.join("×"),
            t.tensor.element_count()
        ))
        .monospace(),
    );
    if let Some(s) = t.stats {
        egui::Grid::new("tensor-stats")
            .num_columns(4)
            .show(ui, |ui| {
                ui.label("min");
                ui.label(format!("{:.6}", s.min));
                ui.label("max");
                ui.label(format!("{:.6}", s.max));
                ui.end_row();
                ui.label("mean");
                ui.label(format!("{:.6}", s.mean));
                ui.label("std");
                ui.label(format!("{:.6}", s.std));
                ui.end_row();
                ui.label("NaN");
                ui.label(s.nan_count.to_string());
                ui.label("Inf");
                ui.label(s.inf_count.to_string());
                ui.end_row();
                ui.label("zeros");
                ui.label(format!("{:.1}%", s.zero_fraction * 100.0));
                ui.end_row();
            });
    }
    if !t.histogram.is_empty() {
        let width = if t.histogram.len() > 1 {
            t.histogram[1].0 - t.histogram[0].0
        } else {
            1.0
        };
        let bars: Vec<egui_plot::Bar> = t
            .histogram
            .iter()
            .map(|&(x, c)| egui_plot::Bar::new(x, c).width(width * 0.95))
            .collect();
        egui_plot::Plot::new(("histogram", &t.name))
            .height(140.0)
            .allow_scroll(false)
            .allow_drag(false)
            .show(ui, |plot| {
                plot.bar_chart(
                    egui_plot::BarChart::new("values", bars).color(Color32::from_rgb(51, 85, 136)),
                )
            });
    }
    const PAGE: usize = 64;
    let n = t.tensor.element_count();
    let pages = n.div_ceil(PAGE).max(1);
    ui.horizontal(|ui| {
        if ui.small_button("◀").clicked() && *page > 0 {
            *page -= 1;
        }
        ui.label(format!(
            "values {}–{} of {n}",
            (*page * PAGE).min(n),
            ((*page + 1) * PAGE).min(n)
        ));
        if ui.small_button("▶").clicked() && *page + 1 < pages {
            *page += 1;
        }
        if ui.button("save .npy").clicked() {
            actions.push(UiAction::SaveTensor);
        }
    });
    *page = (*page).min(pages - 1);
    let start = *page * PAGE;
    let text: Vec<String> = (start..(start + PAGE).min(n))
        .map(|i| t.tensor.values.format(i))
        .collect();
    ui.label(RichText::new(text.join("  ")).monospace().size(11.0));
}

/// Returns the index of a clicked diagnostic.
pub fn diagnostics_panel(ui: &mut Ui, doc: &Document) -> Option<usize> {
    let r = &doc.report;
    ui.label(format!("{} errors, {} warnings", r.errors, r.warnings));
    let mut clicked = None;
    ScrollArea::vertical()
        .id_salt("diagnostics")
        .show(ui, |ui| {
            for (i, d) in r.diagnostics.iter().enumerate() {
                let color = if d.severity == Severity::Error {
                    style::ERROR
                } else {
                    style::WARNING
                };
                let place = match (&d.node, d.graph.is_empty()) {
                    (Some(n), true) => n.clone(),
                    (Some(n), false) => format!("{} :: {n}", d.graph),
                    (None, false) => d.graph.clone(),
                    (None, true) => "model".into(),
                };
                let text =
                    RichText::new(format!("[{}] {place}: {}", d.code, d.message)).color(color);
                if ui
                    .add(egui::Label::new(text).sense(egui::Sense::click()).wrap())
                    .clicked()
                {
                    clicked = Some(i);
                }
            }
        });
    clicked
}

/// Search over node names, op types and value names of every scope; returns (graph, node) hits.
pub fn search(model: &Model, query: &str, limit: usize) -> Vec<(GraphId, usize, String)> {
    let q = query.to_lowercase();
    if q.is_empty() {
        return vec![];
    }
    let mut hits = Vec::new();
    for g in 0..model.index.graphs.len() {
        let Some(body) = model.body(g) else { continue };
        for (n, node) in body.nodes().iter().enumerate() {
            let matched = node.name.to_lowercase().contains(&q)
                || node.op_type.to_lowercase().contains(&q)
                || node
                    .input
                    .iter()
                    .chain(&node.output)
                    .any(|v| v.to_lowercase().contains(&q));
            if matched {
                let place = &model.index.graphs[g].path;
                let label = format!(
                    "{} ({}){}",
                    node_label(node, n),
                    node.op_type,
                    if place.is_empty() {
                        String::new()
                    } else {
                        format!(" in {place}")
                    }
                );
                hits.push((g, n, label));
                if hits.len() >= limit {
                    return hits;
                }
            }
        }
    }
    hits
}

/// A running job's progress bar with a cancel button; true when cancel was clicked.
pub fn job_progress(ui: &mut Ui, progress: f32, stage: String) -> bool {
    ui.horizontal(|ui| {
        ui.add(
            egui::ProgressBar::new(progress)
                .desired_width(160.0)
                .text(stage),
        );
        ui.button("cancel").clicked()
    })
    .inner
}
