//! The right panel's node and value views: schema, attributes, findings, and each value with
//! its type (inferred where known), initializer button and producer/consumer links.

use egui::{Color32, RichText, Ui};

use crate::check::schema::{normalize_domain, Lookup, SchemaTable};
use crate::document::Document;
use crate::layout::scene::declared_type_text;
use crate::model::attr::attribute_text;
use crate::model::{display_label, GraphId, NodeId, MAIN_GRAPH};
use crate::shapes::{type_text, ShapeOrigin, ValueShape};
use crate::ui::commands::Command;
use crate::ui::widgets::{count, diagnostic_text};

/// Consumer buttons shown per value in the node panel (the value panel lists them all).
const CONSUMERS_SHOWN: usize = 8;

pub fn node_panel(ui: &mut Ui, doc: &Document, g: GraphId, n: NodeId, out: &mut Vec<Command>) {
    let model = &doc.model;
    let Some(node) = model.body(g).and_then(|b| b.nodes().get(n.0)) else {
        return;
    };
    let index = &model.index.graphs[g];
    ui.heading(&node.op_type);
    let domain = normalize_domain(&node.domain);
    egui::Grid::new("node-props").num_columns(2).show(ui, |ui| {
        ui.label(RichText::new("name").strong());
        ui.label(display_label(node, n.0));
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
    // The namespaces around the node, each collapsible into one box.
    let namespaces = doc.namespaces(g);
    let around: Vec<&str> = crate::layout::namespace::prefixes(&node.name)
        .filter(|p| namespaces.contains_key(*p))
        .collect();
    if !around.is_empty() {
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new("namespace").strong());
            for p in around {
                let n = namespaces[p];
                let short = p.rsplit('/').next().unwrap_or(p);
                let link = ui
                    .link(short)
                    .on_hover_text(format!("collapse {p} ({})", count(n, "node", "nodes")));
                if link.clicked() {
                    out.push(Command::CollapseNamespace(p.to_string()));
                }
            }
        });
    }
    node_cost(ui, doc, g, n);
    let schema = model.opset(domain).and_then(|version| {
        match SchemaTable::global().lookup(domain, &node.op_type, version) {
            Lookup::Found(s) => Some((s, version)),
            _ => None,
        }
    });
    if let Some((s, version)) = schema {
        ui.label(format!("{}-{} (opset {version})", s.name, s.since_version));
        ui.label(RichText::new(&s.doc).italics().color(Color32::GRAY));
    }
    // Role names as Netron shows them (X, W, B): the schema's, or a local function's own.
    let function = model
        .index
        .function_called_by(node)
        .and_then(|f| model.proto.functions.get(f));
    let role = |i: usize, input: bool| -> Option<String> {
        if let Some((s, _)) = schema {
            let p = if input {
                s.input_param(i)
            } else {
                s.output_param(i)
            };
            return p.map(|p| p.name.clone());
        }
        let f = function?;
        if input {
            f.input.get(i)
        } else {
            f.output.get(i)
        }
        .cloned()
    };
    for d in doc
        .report
        .diagnostics
        .iter()
        .filter(|d| d.node_id() == Some((g, n)))
    {
        ui.label(diagnostic_text(d, None));
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
                    ui.add(egui::Label::new(attribute_text(a)).truncate());
                    ui.end_row();
                }
            });
    }
    for (sub, label) in doc.subgraphs_of(g, n) {
        let nodes = model.index.graphs[sub].node_count;
        let link = format!(
            "open subgraph {label} ({})",
            crate::ui::widgets::count(nodes, "node", "nodes")
        );
        if ui.link(link).clicked() {
            out.push(Command::OpenGraph(sub));
        }
    }
    if let Some(fg) = model
        .index
        .function_called_by(node)
        .and_then(|f| doc.function_graph(f))
    {
        if ui.link("open function body").clicked() {
            out.push(Command::OpenGraph(fg));
        }
    }
    if ui
        .button("neighbourhood view")
        .on_hover_text("this node with its producers and consumers a few hops out")
        .clicked()
    {
        out.push(Command::ShowNeighbourhood(g, n));
    }
    ui.separator();
    ui.strong("Inputs");
    for (i, name) in node.input.iter().enumerate() {
        let role = role(i, true);
        value_row(ui, doc, g, name, role.as_deref(), Direction::Producer, out);
    }
    ui.strong("Outputs");
    for (i, name) in node.output.iter().enumerate() {
        let role = role(i, false);
        let consumers = Direction::Consumers(CONSUMERS_SHOWN);
        value_row(ui, doc, g, name, role.as_deref(), consumers, out);
    }
}

/// Which neighbours of a value to link to.
#[derive(Clone, Copy)]
enum Direction {
    Producer,
    /// At most this many consumers.
    Consumers(usize),
}

/// Buttons (or links) to the node that produces `name` or the nodes that consume it.
fn neighbour_links(
    ui: &mut Ui,
    doc: &Document,
    g: GraphId,
    name: &str,
    direction: Direction,
    as_links: bool,
    out: &mut Vec<Command>,
) {
    let index = &doc.model.index.graphs[g];
    let label = |n: usize| {
        doc.model
            .body(g)
            .and_then(|b| b.nodes().get(n).map(|node| display_label(node, n)))
            .unwrap_or_default()
    };
    let (targets, verb): (Vec<usize>, &str) = match direction {
        Direction::Producer => (
            index
                .producers
                .get(name)
                .map(|&(p, _)| p)
                .into_iter()
                .collect(),
            if as_links { "produced by" } else { "from" },
        ),
        Direction::Consumers(most) => (
            index
                .consumers
                .get(name)
                .map(Vec::as_slice)
                .unwrap_or(&[])
                .iter()
                .take(most)
                .copied()
                .collect(),
            if as_links { "consumed by" } else { "to" },
        ),
    };
    for n in targets {
        let text = format!("{verb} {}", label(n));
        let clicked = if as_links {
            ui.link(text).clicked()
        } else {
            ui.small_button(text).clicked()
        };
        if clicked {
            out.push(Command::FocusNode(g, NodeId(n)));
        }
    }
}

/// The inferred shape of a main-graph value, when shape inference has it.
fn inferred<'a>(doc: &'a Document, g: GraphId, name: &str) -> Option<&'a ValueShape> {
    doc.shapes
        .as_ref()
        .filter(|_| g == MAIN_GRAPH)
        .and_then(|s| s.values.get(name))
}

fn value_row(
    ui: &mut Ui,
    doc: &Document,
    g: GraphId,
    name: &str,
    role: Option<&str>,
    direction: Direction,
    out: &mut Vec<Command>,
) {
    let role_label = |ui: &mut Ui| {
        if let Some(r) = role {
            ui.label(RichText::new(r).strong());
        }
    };
    if name.is_empty() {
        ui.horizontal(|ui| {
            role_label(ui);
            ui.label(RichText::new("(omitted)").color(Color32::GRAY));
        });
        return;
    }
    let model = &doc.model;
    let ty = inferred(doc, g, name)
        .filter(|v| v.origin != ShapeOrigin::Unknown)
        .map(type_text)
        .or_else(|| declared_type_text(model, g, name))
        .unwrap_or_else(|| "?".into());
    ui.horizontal_wrapped(|ui| {
        role_label(ui);
        if ui.link(name).clicked() {
            out.push(Command::SelectValue(g, name.to_string()));
        }
        ui.label(RichText::new(ty).monospace());
        let is_weight = model.index.graphs[g].initializers.contains_key(name);
        if is_weight && ui.small_button("tensor").clicked() {
            out.push(Command::ShowTensor(g, name.to_string()));
        }
        neighbour_links(ui, doc, g, name, direction, false, out);
    });
}

pub fn value_panel(ui: &mut Ui, doc: &Document, g: GraphId, name: &str, out: &mut Vec<Command>) {
    let model = &doc.model;
    let index = &model.index.graphs[g];
    ui.heading(name);
    ui.label(
        RichText::new(
            declared_type_text(model, g, name).unwrap_or_else(|| "type not declared".into()),
        )
        .monospace(),
    );
    if let Some(v) = inferred(doc, g, name) {
        let origin = match v.origin {
            ShapeOrigin::Inferred => "inferred by tract",
            ShapeOrigin::Declared => "declared only (tract could not infer it)",
            ShapeOrigin::Unknown => "unknown",
        };
        ui.label(RichText::new(format!("{}  — {origin}", type_text(v))).monospace());
    }
    if index.initializers.contains_key(name) {
        ui.label("initializer");
        if ui.button("show values").clicked() {
            out.push(Command::ShowTensor(g, name.to_string()));
        }
    }
    run_value(ui, doc, g, name, out);
    if index.inputs.iter().any(|i| i == name) {
        ui.label("graph input");
    }
    if index.outputs.iter().any(|o| o == name) {
        ui.label("graph output");
    }
    neighbour_links(ui, doc, g, name, Direction::Producer, true, out);
    neighbour_links(
        ui,
        doc,
        g,
        name,
        Direction::Consumers(usize::MAX),
        true,
        out,
    );
}

/// The value as the last run computed it: statistics, and the tensor panel on request.
fn run_value(ui: &mut Ui, doc: &Document, g: GraphId, name: &str, out: &mut Vec<Command>) {
    let Some(r) = doc
        .run
        .result
        .as_ref()
        .filter(|_| g == crate::model::MAIN_GRAPH)
    else {
        return;
    };
    let kept = r
        .values
        .get(name)
        .map(|s| (s.tensor.clone(), s.stats))
        .or_else(|| {
            let t = r.outcome.inputs.iter().find(|t| t.name == name)?;
            Some((std::sync::Arc::new(t.clone()), t.stats()))
        });
    ui.separator();
    match kept {
        Some((t, stats)) => {
            ui.label(RichText::new("After the run").strong());
            ui.label(RichText::new(format!("{}{:?}", t.dtype, t.dims)).monospace());
            if let Some(st) = stats {
                ui.label(
                    RichText::new(format!(
                        "min {}  max {}  mean {}  std {}",
                        crate::ui::widgets::number(st.min),
                        crate::ui::widgets::number(st.max),
                        crate::ui::widgets::number(st.mean),
                        crate::ui::widgets::number(st.std)
                    ))
                    .small(),
                );
                let bad = st.nan_count + st.inf_count;
                let line = format!("NaN {}  Inf {}", st.nan_count, st.inf_count);
                if bad > 0 {
                    ui.colored_label(crate::ui::style::ERROR, line);
                } else {
                    ui.label(RichText::new(line).small());
                }
            }
            if ui.button("show values").clicked() {
                out.push(Command::InspectTensor(t));
            }
        }
        None if r.outcome.capture_truncated => {
            ui.label(
                RichText::new(format!(
                    "not kept: the run keeps {} MB of values at most",
                    crate::ui::panels::run::CAPTURE_CAP_BYTES >> 20
                ))
                .small()
                .weak(),
            );
        }
        None => {}
    }
}

/// The node's cost (symbols at the chosen values) and, after a run, its achieved GFLOP/s.
fn node_cost(ui: &mut Ui, doc: &Document, g: GraphId, n: NodeId) {
    use crate::cost::si;
    let Some(cost) = doc.shapes.as_ref().map(|s| &s.cost) else {
        return;
    };
    let Some(c) = cost.node(g, n.0) else { return };
    if let Some(why) = &c.not_counted {
        ui.label(RichText::new(format!("cost not counted: {why}")).weak());
        return;
    }
    let values = crate::document::with_defaults(cost, &doc.cost_values);
    let flops = c.flops.eval(&values);
    egui::Grid::new("node-cost").num_columns(2).show(ui, |ui| {
        let mut row = |k: &str, v: String| {
            ui.label(RichText::new(k).strong());
            ui.label(v);
            ui.end_row();
        };
        row(
            if c.integer { "MACs (integer)" } else { "MACs" },
            si(c.macs.eval(&values)),
        );
        row("FLOPs", si(flops));
        if c.params > 0 {
            row(
                "parameters",
                format!(
                    "{} ({})",
                    si(c.params as f64),
                    crate::cli::info::human_bytes(c.param_bytes)
                ),
            );
        }
        row(
            "writes",
            crate::cli::info::human_bytes(c.activation_bytes.eval(&values) as u64),
        );
        let ms = doc
            .run
            .result
            .as_ref()
            .filter(|_| g == MAIN_GRAPH)
            .and_then(|r| {
                r.outcome
                    .node_times
                    .iter()
                    .find(|t| t.node == c.node)
                    .map(|t| t.ms)
            });
        if let Some(ms) = ms.filter(|ms| *ms > 0.0 && flops > 0.0) {
            row(
                "achieved",
                format!("{:.2} GFLOP/s ({ms:.3} ms)", flops / (ms * 1e6)),
            );
        }
    });
}
