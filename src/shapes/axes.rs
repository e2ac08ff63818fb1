//! The dynamic-axes report: for each dim an exporter could have made dynamic, does it stay
//! symbolic through the graph, and if not, at which node and why does it stop?
//!
//! Static verdict from tract's symbolic facts. A symbol is *lost* when the analysis breaks on
//! it (a traced Reshape volume no longer matches, a Gemm cannot unify `784*batch` with `784`) or
//! when it vanishes at a node that is not a legitimate consumer (reductions, Shape, Gather). The
//! node blamed is the first one where the symbol stops being a dim of its own — for
//! `x.view(1, -1)` that is the Reshape, not the Gemm that later fails.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::infer::ShapeAnalysis;
use crate::model::types::{Dim, ValueType};
use crate::model::{Body, Model, MAIN_GRAPH};
use crate::tract::{is_named_dim, ConstInput, Dims, NodeFacts, SymDim};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AxisStatus {
    Dynamic,
    Fixed,
    Lost,
    /// Neither analysis nor a run could decide (an op nobody can analyse or run): never `lost`
    /// for lack of evidence.
    Unknown,
}

/// What a verdict rests on (`"evidence"` in `axes --json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Basis {
    /// tract's symbolic shape analysis, or the declaration (fixed dims).
    #[serde(rename = "static")]
    Static,
    /// onnx-lens's shape engine at concrete values of the symbol.
    #[serde(rename = "concrete-shape")]
    ConcreteShape,
    /// Runs at two values of the symbol.
    #[serde(rename = "run")]
    Run,
}

/// What a verdict rests on, as values (the reason text is made from it, never read back).
#[derive(Debug, Clone, PartialEq)]
pub enum AxisEvidence {
    /// The symbol is a dim of these outputs.
    ReachesOutputs { outputs: Vec<String> },
    /// Consumed by a node whose outputs may drop it (a reduction, Shape, Gather, …).
    Consumed { node: String, op: String },
    /// Shape analysis stopped (at `stopped_at`) before the symbol reached the outputs.
    NotDisproved { stopped_at: Option<String> },
    /// No output depends on it.
    Unused,
    /// A node makes it a constant (or folds it into another dim).
    Pinned { node: String, op: String },
    /// Shape analysis breaks on it at `failing_node`, after it was pinned at `pinned_at` when
    /// that is an earlier node.
    AnalysisFails {
        failing_node: String,
        pinned_at: Option<String>,
    },
    /// The input declares a number.
    Declared { value: i64 },
}

/// One input dim (JSON contract of `onnx-lens axes --json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AxisEntry {
    pub input: String,
    pub dim_index: usize,
    /// As written in the model (`batch_size`, `?`, `-1`); for fixed dims, the value as text.
    #[serde(rename = "symbol")]
    pub written: String,
    pub status: AxisStatus,
    pub fixed_value: Option<i64>,
    pub lost_at_node: Option<String>,
    pub reason: String,
    pub confirmed_by_run: Option<bool>,
    /// What the confirmation runs did (values tried, failures), when they ran.
    pub run_detail: Option<String>,
    #[serde(rename = "evidence")]
    pub basis: Basis,
    /// The Constant node whose traced value pins a lost symbol, when one does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pinned_by: Option<String>,
    /// tract's identifier for the symbol (empty for fixed dims).
    #[serde(skip)]
    pub tract_symbol: String,
    /// tract symbols set to the same value when this symbol is tried (unnamed dims the graph
    /// forces equal are one symbol), and the values tried: the held one first.
    #[serde(skip)]
    pub trial: Option<Trial>,
    #[serde(skip)]
    pub evidence: AxisEvidence,
}

impl AxisEntry {
    /// The dim as a user reads it: its name in the model, or tract's symbol for `?`/`-1`.
    pub fn shown(&self) -> &str {
        if is_named_dim(&self.written) || self.tract_symbol.is_empty() {
            &self.written
        } else {
            &self.tract_symbol
        }
    }
}

/// How a symbol is tried: which tract symbols move together, at which values.
#[derive(Debug, Clone, PartialEq)]
pub struct Trial {
    pub symbols: Vec<String>,
    /// The held value (at which the model works) first.
    pub values: [i64; 3],
    /// Symbols tied to this one, each moved to the tried value plus its offset (a mask's
    /// `total_sequence` = `sequence` + 16 past).
    pub tied: Vec<(String, i64)>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AxesReport {
    pub axes: Vec<AxisEntry>,
    /// Where every symbol is held while another one is examined (by the name the model gives it).
    pub held_at: BTreeMap<String, i64>,
    /// The same by tract symbol, for the runs.
    #[serde(skip)]
    pub held_symbols: BTreeMap<String, i64>,
    /// Model-level observations: only static inputs, outputs the inputs do not explain.
    pub notes: Vec<String>,
}

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
    let pinned_to = |c: &ConstInput| {
        let (i, v) = axis.and_then(|i| Some((i, c.ints.as_ref()?.get(i)?)))?;
        Some(format!(": {written} (axis {i}) becomes {v}"))
    };
    match (op, shape_const) {
        ("Reshape" | "Expand" | "Tile", Some(c)) => {
            let mut s = format!("{op} to the constant shape {} (traced at export)", c.text);
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

/// One symbol's verdict, shared by every input dim bound to it.
#[derive(Clone)]
struct Verdict {
    status: AxisStatus,
    node: Option<String>,
    reason: String,
    evidence: AxisEvidence,
}

/// The static dynamic-axes report.
pub fn report(model: &Model, a: &ShapeAnalysis) -> AxesReport {
    let ops = model.main_node_ops();
    let op_of = |n: &NodeFacts| ops.get(&n.name).cloned().unwrap_or_else(|| n.op.clone());
    let error_node = a.error.as_ref().and_then(|e| e.node.clone());
    let error_index = error_node
        .as_ref()
        .and_then(|e| a.nodes.iter().position(|n| &n.name == e));
    let output_dims: Vec<Dims> = a
        .outputs
        .iter()
        .map(|o| a.tract_dims.get(o).cloned())
        .collect();
    let mut report = AxesReport::default();
    let mut verdicts: HashMap<String, Verdict> = HashMap::new();

    for s in &a.symbols {
        let sym = s.symbol.as_str();
        let written = s.shown();
        let verdict = verdicts
            .entry(s.symbol.clone())
            .or_insert_with(|| {
                let error_hits = a.error.as_ref().is_some_and(|e| e.mentions_symbol(sym))
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
                let reaching: Vec<(&String, &Dims)> = a
                    .outputs
                    .iter()
                    .zip(&output_dims)
                    .filter(|(_, d)| d.as_ref().is_some_and(|d| d.iter().flatten().any(|t| t.mentions(sym))))
                    .collect();
                if let Some(failure) = a.error.as_ref().filter(|_| error_hits) {
                    let failing = error_node.clone().unwrap_or_default();
                    let why = &failure.cause;
                    return match unseated {
                        Some(t) if Some(t.index) != error_index => Verdict {
                            status: AxisStatus::Lost,
                            node: Some(t.node.name.clone()),
                            reason: format!(
                                "{}; shape analysis then fails at {failing}: {why}",
                                explain(&op_of(t.node), t.node, written, sym)
                            ),
                            evidence: AxisEvidence::AnalysisFails {
                                failing_node: failing.clone(),
                                pinned_at: Some(t.node.name.clone()),
                            },
                        },
                        _ => {
                            let n = &a.nodes[error_index.unwrap_or(0)];
                            let reason = if op_of(n) == "Reshape" && n.const_inputs.get(1).is_some_and(|c| c.is_some()) {
                                format!("{}; {why}", explain("Reshape", n, written, sym))
                            } else {
                                format!("{} cannot take a variable {written}: {why}", op_of(n))
                            };
                            Verdict {
                                status: AxisStatus::Lost,
                                node: Some(failing.clone()),
                                reason,
                                evidence: AxisEvidence::AnalysisFails {
                                    failing_node: failing,
                                    pinned_at: None,
                                },
                            }
                        }
                    };
                }
                if !reaching.is_empty() {
                    let shown: Vec<String> = reaching
                        .iter()
                        .map(|(o, d)| format!("{o} {}", dims_text(d).replace(sym, written)))
                        .collect();
                    return Verdict {
                        status: AxisStatus::Dynamic,
                        node: None,
                        reason: format!("reaches the outputs: {}", shown.join(", ")),
                        evidence: AxisEvidence::ReachesOutputs {
                            outputs: reaching.iter().map(|(o, _)| (*o).clone()).collect(),
                        },
                    };
                }
                match vanished {
                    Some(t) if consumes_legitimately(&op_of(t.node)) => Verdict {
                        status: AxisStatus::Dynamic,
                        node: None,
                        reason: format!(
                            "consumed by {} at {}; the outputs do not depend on it",
                            op_of(t.node),
                            t.node.name
                        ),
                        evidence: AxisEvidence::Consumed {
                            node: t.node.name.clone(),
                            op: op_of(t.node),
                        },
                    },
                    Some(t) => Verdict {
                        status: AxisStatus::Lost,
                        node: Some(t.node.name.clone()),
                        reason: explain(&op_of(t.node), t.node, written, sym),
                        evidence: AxisEvidence::Pinned {
                            node: t.node.name.clone(),
                            op: op_of(t.node),
                        },
                    },
                    None if a.error.is_some() => Verdict {
                        status: AxisStatus::Dynamic,
                        node: None,
                        reason: format!(
                            "not disproved: shape analysis stopped at {} before {written} reached the outputs",
                            error_node.clone().unwrap_or_else(|| "a node".into())
                        ),
                        evidence: AxisEvidence::NotDisproved {
                            stopped_at: error_node.clone(),
                        },
                    },
                    None => Verdict {
                        status: AxisStatus::Dynamic,
                        node: None,
                        reason: "no output depends on it".into(),
                        evidence: AxisEvidence::Unused,
                    },
                }
            })
            .clone();
        report.axes.push(AxisEntry {
            input: s.input.clone(),
            dim_index: s.dim_index,
            written: s.written.clone(),
            status: verdict.status,
            fixed_value: None,
            lost_at_node: verdict.node,
            reason: verdict.reason,
            confirmed_by_run: None,
            run_detail: None,
            basis: Basis::Static,
            pinned_by: None,
            tract_symbol: s.symbol.clone(),
            trial: None,
            evidence: verdict.evidence,
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
                    written: v.to_string(),
                    status: AxisStatus::Fixed,
                    fixed_value: Some(*v),
                    lost_at_node: None,
                    reason: format!(
                        "declared as {v} in the model: exported without a dynamic axis here"
                    ),
                    confirmed_by_run: None,
                    run_detail: None,
                    basis: Basis::Static,
                    pinned_by: None,
                    tract_symbol: String::new(),
                    trial: None,
                    evidence: AxisEvidence::Declared { value: *v },
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
    super::axes_probe::refine(model, a, &mut report);
    report
}

fn declared_inputs(model: &Model) -> Vec<(String, Vec<Dim>)> {
    model
        .fed_inputs()
        .into_iter()
        .filter_map(|(name, t)| Some((name.to_string(), t?.shape()?.to_vec())))
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
