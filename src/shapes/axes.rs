//! The dynamic-axes report: for each dim an exporter could have made dynamic, does it stay
//! symbolic through the graph, and if not, at which node and why does it stop?
//!
//! Static verdict from tract's symbolic facts. A symbol is *lost* when the analysis breaks on
//! it (a traced Reshape volume no longer matches, a Gemm cannot unify `784*batch` with `784`) or
//! when it vanishes at a node that is not a legitimate consumer (reductions, Shape, Gather). The
//! node blamed is the first one where the symbol stops being a dim of its own — for
//! `x.view(1, -1)` that is the Reshape, not the Gemm that later fails.

use std::collections::{HashMap, HashSet};

use super::infer::{failing_node, tidy_tract_text, NodeFacts, ShapeAnalysis, SymDim};
use crate::model::types::{Dim, ValueType};
use crate::model::{Body, Model, MAIN_GRAPH};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AxisStatus {
    Dynamic,
    Fixed,
    Lost,
}

/// One input dim (JSON contract of `onnx-lens axes --json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AxisEntry {
    pub input: String,
    pub dim_index: usize,
    /// As written in the model (`batch_size`, `?`, `-1`); for fixed dims, the value as text.
    pub symbol: String,
    pub status: AxisStatus,
    pub fixed_value: Option<i64>,
    pub lost_at_node: Option<String>,
    pub reason: String,
    pub confirmed_by_run: Option<bool>,
    /// What the confirmation runs did (values tried, failures), when they ran.
    pub run_detail: Option<String>,
    /// tract's identifier for the symbol (empty for fixed dims).
    #[serde(skip)]
    pub tract_symbol: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AxesReport {
    pub axes: Vec<AxisEntry>,
    /// Model-level observations: only static inputs, outputs the inputs do not explain.
    pub notes: Vec<String>,
}

type Dims = Option<Vec<Option<SymDim>>>;

fn any_dim(values: &[Dims], f: impl Fn(&SymDim) -> bool) -> bool {
    values.iter().flatten().flatten().flatten().any(f)
}

fn dims_text(d: &Dims) -> String {
    match d {
        Some(d) => format!(
            "[{}]",
            d.iter()
                .map(|x| x.as_ref().map_or("?", |t| t.text.as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => "[…]".into(),
    }
}

/// Ops whose outputs may drop a dim without pinning the input: the model still accepts any value.
fn consumes_legitimately(op: &str) -> bool {
    op.starts_with("Reduce")
        || op.starts_with("Global")
        || matches!(
            op,
            "Shape"
                | "Size"
                | "ArgMax"
                | "ArgMin"
                | "Gather"
                | "GatherElements"
                | "ConstantOfShape"
                | "Range"
        )
}

/// Where and how a symbol stops being a dim of its own.
struct Transition<'a> {
    index: usize,
    node: &'a NodeFacts,
}

fn first_transition<'a>(
    nodes: &'a [NodeFacts],
    until: usize,
    pred: impl Fn(&NodeFacts) -> bool,
) -> Option<Transition<'a>> {
    nodes[..until.min(nodes.len())]
        .iter()
        .enumerate()
        .find(|(_, n)| pred(n))
        .map(|(index, node)| Transition { index, node })
}

/// Why a node pins the symbol, in the words of someone reading their exporter's code.
fn explain(op: &str, n: &NodeFacts, written: &str, sym: &str) -> String {
    let after = n.outputs.first().cloned().flatten();
    let shape_const = n.const_inputs.get(1).cloned().flatten();
    let folded = after.as_ref().and_then(|d| {
        d.iter()
            .flatten()
            .find(|t| t.mentions(sym))
            .map(|t| t.text.replace(sym, written))
    });
    // The axis the symbol held in the data input, and what the constant puts there.
    let axis = n
        .inputs
        .first()
        .cloned()
        .flatten()
        .and_then(|d| d.iter().position(|x| x.as_ref().is_some_and(|x| x.is(sym))));
    let pinned_to = |c: &str| {
        let vals: Vec<&str> = c.trim_matches(['[', ']']).split(", ").collect();
        axis.and_then(|i| {
            vals.get(i)
                .map(|v| format!(": {written} (axis {i}) becomes {v}"))
        })
    };
    match (op, shape_const) {
        ("Reshape" | "Expand" | "Tile", Some(c)) => {
            let mut s = format!("{op} to the constant shape {c} (traced at export)");
            s.push_str(&pinned_to(&c).unwrap_or_default());
            if let Some(f) = folded {
                s.push_str(&format!(", the rest folded into {f}"));
            }
            s
        }
        ("Reshape", None) => format!("Reshape whose target shape no longer carries {written}"),
        _ => match folded {
            Some(m) => format!("{op} folds {written} into {m}"),
            None => format!(
                "{op} output {} no longer depends on {written}",
                dims_text(&after)
            ),
        },
    }
}

/// The static dynamic-axes report.
pub fn report(model: &Model, a: &ShapeAnalysis) -> AxesReport {
    let ops = model.main_node_ops();
    let op_of = |n: &NodeFacts| ops.get(&n.name).cloned().unwrap_or_else(|| n.op.clone());
    let error_node = a.error.as_deref().and_then(failing_node);
    let error_index = error_node
        .as_ref()
        .and_then(|e| a.nodes.iter().position(|n| &n.name == e));
    let output_dims: Vec<Dims> = a
        .outputs
        .iter()
        .map(|o| a.tract_dims.get(o).cloned())
        .collect();
    let mut report = AxesReport::default();
    let mut verdicts: HashMap<String, (AxisStatus, Option<String>, String)> = HashMap::new();

    for s in &a.symbols {
        let sym = s.symbol.as_str();
        let written = if s.written == "?" || s.written.starts_with('-') {
            sym
        } else {
            s.written.as_str()
        };
        let verdict = verdicts
            .entry(s.symbol.clone())
            .or_insert_with(|| {
                let error_hits = a.error.as_deref().is_some_and(|e| e.contains(&format!("Sym({sym})")))
                    || error_index.is_some_and(|i| any_dim(&a.nodes[i].inputs, |d| d.mentions(sym)));
                let until = error_index.unwrap_or(a.nodes.len());
                // First node where the symbol stops standing alone, and where it disappears.
                let unseated = first_transition(&a.nodes, until, |n| {
                    let op = op_of(n);
                    !consumes_legitimately(&op)
                        && any_dim(&n.inputs, |d| d.is(sym))
                        && n.outputs.iter().all(|o| o.is_some())
                        && !any_dim(&n.outputs, |d| d.is(sym))
                });
                let vanished = first_transition(&a.nodes, until, |n| {
                    any_dim(&n.inputs, |d| d.mentions(sym))
                        && n.outputs.iter().all(|o| o.is_some())
                        && !any_dim(&n.outputs, |d| d.mentions(sym))
                });
                let reaches: Vec<String> = a
                    .outputs
                    .iter()
                    .zip(&output_dims)
                    .filter(|(_, d)| d.as_ref().is_some_and(|d| d.iter().flatten().any(|t| t.mentions(sym))))
                    .map(|(o, d)| format!("{o} {}", dims_text(d).replace(sym, written)))
                    .collect();
                if error_hits {
                    let failing = error_node.clone().unwrap_or_default();
                    let first_line = a.error.as_deref().unwrap_or("").lines().next().unwrap_or("").to_string();
                    let why = tidy_tract_text(first_line.rsplit(": ").next().unwrap_or(""));
                    return match unseated {
                        Some(t) if Some(t.index) != error_index => {
                            let reason = format!(
                                "{}; shape analysis then fails at {failing}: {why}",
                                explain(&op_of(t.node), t.node, written, sym)
                            );
                            (AxisStatus::Lost, Some(t.node.name.clone()), reason)
                        }
                        _ => {
                            let n = &a.nodes[error_index.unwrap_or(0)];
                            let reason = if op_of(n) == "Reshape" && n.const_inputs.get(1).is_some_and(|c| c.is_some()) {
                                format!("{}; {why}", explain("Reshape", n, written, sym))
                            } else {
                                format!("{} cannot take a variable {written}: {why}", op_of(n))
                            };
                            (AxisStatus::Lost, Some(failing), reason)
                        }
                    };
                }
                if !reaches.is_empty() {
                    return (AxisStatus::Dynamic, None, format!("reaches the outputs: {}", reaches.join(", ")));
                }
                match vanished {
                    Some(t) if consumes_legitimately(&op_of(t.node)) => (
                        AxisStatus::Dynamic,
                        None,
                        format!("consumed by {} at {}; the outputs do not depend on it", op_of(t.node), t.node.name),
                    ),
                    Some(t) => (AxisStatus::Lost, Some(t.node.name.clone()), explain(&op_of(t.node), t.node, written, sym)),
                    None if a.error.is_some() => (
                        AxisStatus::Dynamic,
                        None,
                        format!(
                            "not disproved: shape analysis stopped at {} before {written} reached the outputs",
                            error_node.clone().unwrap_or_else(|| "a node".into())
                        ),
                    ),
                    None => (AxisStatus::Dynamic, None, "no output depends on it".into()),
                }
            })
            .clone();
        report.axes.push(AxisEntry {
            input: s.input.clone(),
            dim_index: s.dim_index,
            symbol: s.written.clone(),
            status: verdict.0,
            fixed_value: None,
            lost_at_node: verdict.1,
            reason: verdict.2,
            confirmed_by_run: None,
            run_detail: None,
            tract_symbol: s.symbol.clone(),
        });
    }

    // Leading dims frozen at export: the batch users most often meant to be dynamic.
    let declared = declared_inputs(model);
    for (name, dims) in &declared {
        if let Some(Dim::Value(v)) = dims.first() {
            if *v >= 0 {
                report.axes.push(AxisEntry {
                    input: name.clone(),
                    dim_index: 0,
                    symbol: v.to_string(),
                    status: AxisStatus::Fixed,
                    fixed_value: Some(*v),
                    lost_at_node: None,
                    reason: format!(
                        "declared as {v} in the model: exported without a dynamic axis here"
                    ),
                    confirmed_by_run: None,
                    run_detail: None,
                    tract_symbol: String::new(),
                });
            }
        }
    }
    report.axes.sort_by_key(|e| {
        (
            declared
                .iter()
                .position(|(n, _)| *n == e.input)
                .unwrap_or(usize::MAX),
            e.dim_index,
        )
    });
    report.notes = notes(model, a, &declared, &output_dims);
    report
}

fn declared_inputs(model: &Model) -> Vec<(String, Vec<Dim>)> {
    let (Some(Body::Graph(g)), Some(index)) = (model.body(MAIN_GRAPH), model.graph(MAIN_GRAPH))
    else {
        return vec![];
    };
    index
        .inputs
        .iter()
        .filter_map(|name| {
            let v = g.input.iter().find(|v| &v.name == name)?;
            let t = ValueType::from_proto(v.type_.as_ref()?);
            Some((name.clone(), t.shape()?.to_vec()))
        })
        .collect()
}

fn notes(
    model: &Model,
    a: &ShapeAnalysis,
    declared: &[(String, Vec<Dim>)],
    output_dims: &[Dims],
) -> Vec<String> {
    let mut notes = Vec::new();
    let all_static = !declared.is_empty()
        && declared
            .iter()
            .all(|(_, d)| d.iter().all(|x| matches!(x, Dim::Value(v) if *v >= 0)));
    if all_static
        && declared
            .iter()
            .any(|(_, d)| matches!(d.first(), Some(Dim::Value(1))))
    {
        notes.push(format!(
            "every input is static and {} a leading dim of 1: the model only accepts batch 1 (outputs: {}); \
             export with dynamic_axes to accept batches",
            if declared.len() == 1 { "has" } else { "one has" },
            a.outputs.join(", ")
        ));
    }
    let input_syms: HashSet<&str> = a.symbols.iter().map(|s| s.symbol.as_str()).collect();
    for (o, d) in a.outputs.iter().zip(output_dims) {
        for (i, t) in d.iter().flatten().enumerate() {
            let Some(t) = t else { continue };
            let foreign: Vec<&str> = t
                .symbols
                .iter()
                .map(String::as_str)
                .filter(|s| !input_syms.contains(s))
                .collect();
            if !foreign.is_empty() {
                notes.push(format!(
                    "output {o} dim {i} ({}) is not explained by the inputs: it depends on data ({})",
                    t.text,
                    foreign.join(", ")
                ));
            }
        }
    }
    // Declared output dim names no input carries: the exporter's dynamic_axes named an output
    // axis that nothing feeds.
    let written: HashSet<&str> = a.symbols.iter().map(|s| s.written.as_str()).collect();
    if let Some(Body::Graph(g)) = model.body(MAIN_GRAPH) {
        for out in &g.output {
            let Some(t) = out.type_.as_ref().map(ValueType::from_proto) else {
                continue;
            };
            for (i, d) in t.shape().unwrap_or(&[]).iter().enumerate() {
                if let Dim::Param(p) = d {
                    if !written.contains(p.as_str()) {
                        notes.push(format!(
                            "output {} dim {i} is declared '{p}', a name no input dim has",
                            out.name
                        ));
                    }
                }
            }
        }
    }
    notes
}
