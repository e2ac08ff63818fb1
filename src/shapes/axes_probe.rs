//! The dynamic-axes verdicts refined by concrete-shape probes (`probe.rs`): each symbol judged
//! on its own with the others held where the model works; tract's symbolic verdict kept where
//! the probes cannot see (an op without a rule), and `unknown` where neither can.

use std::collections::BTreeMap;

use super::axes::{AxesReport, AxisEntry, AxisEvidence, AxisStatus, Basis, Trial};
use super::infer::ShapeAnalysis;
use super::probe::{self, DimExpr, InputDim, ProbeVerdict};
use crate::model::{Model, MAIN_GRAPH};
use crate::tract::is_placeholder_dim;

fn node_name(model: &Model, n: usize) -> (String, String) {
    model
        .body(MAIN_GRAPH)
        .and_then(|b| {
            b.nodes()
                .get(n)
                .map(|x| (x.name.clone(), x.op_type.clone()))
        })
        .map(|(name, op)| {
            (
                if name.is_empty() {
                    format!("node {n}")
                } else {
                    name
                },
                op,
            )
        })
        .unwrap_or_else(|| (format!("node {n}"), String::new()))
}

/// One symbol as examined: its input dims, its tract symbols, what users call it.
struct Group {
    dims: Vec<InputDim>,
    symbols: Vec<String>,
    shown: String,
    unnamed: bool,
}

fn declared_dims(model: &Model, input: &str) -> Vec<crate::model::types::Dim> {
    model
        .fed_inputs()
        .into_iter()
        .find(|(n, _)| *n == input)
        .and_then(|(_, t)| t?.shape().map(<[_]>::to_vec))
        .unwrap_or_default()
}

/// Values to try for a symbol held at `v`: multiples keep what divisibility the model needs.
fn trial_values(v: i64) -> [i64; 3] {
    [v, v * 2, v * 3]
}

pub fn refine(model: &Model, a: &ShapeAnalysis, report: &mut AxesReport) {
    if a.symbols.is_empty() {
        return;
    }
    let mut groups: Vec<Group> = probe::group_by_symbol(a.symbols.iter().map(|s| {
        (
            s.symbol.as_str(),
            InputDim {
                input: s.input.clone(),
                index: s.dim_index,
            },
        )
    }))
    .into_iter()
    .map(|(sym, dims)| {
        let s = a.symbols.iter().find(|s| s.symbol == sym);
        Group {
            dims,
            shown: s.map_or(sym.clone(), |s| s.shown().to_string()),
            unnamed: s.is_some_and(|s| is_placeholder_dim(&s.written)),
            symbols: vec![sym],
        }
    })
    .collect();
    let defaults: Vec<i64> = groups
        .iter()
        .map(|g| probe::probe_default(&declared_dims(model, &g.dims[0].input), g.dims[0].index))
        .collect();
    let dims_of: Vec<Vec<InputDim>> = groups.iter().map(|g| g.dims.clone()).collect();
    let held = probe::held_values(model, &dims_of, &defaults);
    let held_of = |g: &Group| held.get(&g.dims[0]).copied().unwrap_or(2);

    // Unnamed dims the graph forces equal (a Concat or Add of two inputs' batch): alone they
    // break the shapes, moved with the other unnamed dims of the same axis they do not.
    let mut k = 0;
    while k < groups.len() {
        if groups[k].unnamed {
            let values = trial_values(held_of(&groups[k]));
            if let ProbeVerdict::Breaks { .. } = probe::judge(model, &held, &groups[k].dims, values)
            {
                let index = groups[k].dims[0].index;
                let mates: Vec<usize> = (0..groups.len())
                    .filter(|&j| j != k && groups[j].unnamed && groups[j].dims[0].index == index)
                    .collect();
                if !mates.is_empty() {
                    let mut together = groups[k].dims.clone();
                    for &j in &mates {
                        together.extend(groups[j].dims.iter().cloned());
                    }
                    if !matches!(
                        probe::judge(model, &held, &together, values),
                        ProbeVerdict::Breaks { .. }
                    ) {
                        // One group at the first member's place, the mates folded into it.
                        let first = mates[0].min(k);
                        let mut merged: Vec<String> = groups[k].symbols.clone();
                        for &j in &mates {
                            merged.extend(groups[j].symbols.iter().cloned());
                        }
                        let drop: Vec<usize> = std::iter::once(k)
                            .chain(mates.iter().copied())
                            .filter(|&j| j != first)
                            .collect();
                        let shown: Vec<String> = std::iter::once(k)
                            .chain(mates.iter().copied())
                            .map(|j| groups[j].shown.clone())
                            .collect();
                        groups[first].dims = together;
                        groups[first].symbols = merged;
                        groups[first].shown = shown.join(" = ");
                        let mut j = 0;
                        groups.retain(|_| {
                            j += 1;
                            !drop.contains(&(j - 1))
                        });
                        k = first;
                    }
                }
            }
        }
        k += 1;
    }

    for g in &groups {
        for s in &g.symbols {
            report.held_symbols.insert(s.clone(), held_of(g));
        }
        report.held_at.insert(g.shown.clone(), held_of(g));
    }
    let others_held = |g: &Group| -> String {
        let parts: Vec<String> = groups
            .iter()
            .filter(|o| o.shown != g.shown)
            .map(|o| format!("{} = {}", o.shown, held_of(o)))
            .collect();
        if parts.is_empty() {
            String::new()
        } else {
            format!("; others held at {}", parts.join(", "))
        }
    };
    let output_names: Vec<String> = model
        .graph(MAIN_GRAPH)
        .map(|g| g.outputs.clone())
        .unwrap_or_default();

    for g in &groups {
        let values = trial_values(held_of(g));
        let mut verdict = probe::judge(model, &held, &g.dims, values);
        let mut trial = Trial {
            symbols: g.symbols.clone(),
            values,
            tied: vec![],
        };
        // A symbol that breaks alone may be tied to another (a KV-cache step's mask is past +
        // sequence long): moved together by the same amount, do the shapes hold?
        let mut tied_to = None;
        if matches!(verdict, ProbeVerdict::Breaks { .. }) {
            for h in groups.iter().filter(|h| h.shown != g.shown) {
                let v = probe::judge_tied(model, &held, &g.dims, values, &h.dims);
                if matches!(v, ProbeVerdict::Follows { .. }) {
                    let offset = held_of(h) - held_of(g);
                    trial.tied = h.symbols.iter().map(|s| (s.clone(), offset)).collect();
                    tied_to = Some((h.shown.clone(), offset));
                    verdict = v;
                    break;
                }
            }
        }
        let entries: Vec<&mut AxisEntry> = report
            .axes
            .iter_mut()
            .filter(|e| g.symbols.contains(&e.tract_symbol))
            .collect();
        let Some(tract) = entries.first().map(|e| {
            (
                e.status,
                e.evidence.clone(),
                e.lost_at_node.clone(),
                e.reason.clone(),
            )
        }) else {
            continue;
        };
        let (tract_status, tract_evidence, tract_node, tract_reason) = tract;
        let sym = g.shown.as_str();
        let mut pinned_by = None;
        let (status, basis, node, reason) = match verdict {
            ProbeVerdict::Breaks {
                node,
                value,
                held: at,
                why,
            } => {
                let (name, op) = node_name(model, node);
                // tract saw where the symbol turned into a constant upstream (x.reshape(int(b), -1)
                // breaks the Gemm after it): blame that node.
                let pinned_upstream = match &tract_evidence {
                    AxisEvidence::Pinned { node: p, .. }
                    | AxisEvidence::AnalysisFails {
                        pinned_at: Some(p), ..
                    } if *p != name => Some(p.clone()),
                    _ => None,
                };
                let pin_node = pinned_upstream
                    .as_ref()
                    .and_then(|p| {
                        model
                            .body(MAIN_GRAPH)
                            .and_then(|b| b.nodes().iter().position(|n| &n.name == p))
                    })
                    .unwrap_or(node);
                let pin = probe::pinning_constant(model, pin_node, at, Some(g.dims[0].index));
                pinned_by = pin.as_ref().and_then(|p| p.node.clone());
                let pin = pin
                    .map(|p| {
                        let c = p.node.as_ref().unwrap_or(&p.value);
                        format!(
                            "; `{c}` = {} was traced at export with {sym} = {at}",
                            p.shown
                        )
                    })
                    .unwrap_or_default();
                match pinned_upstream {
                    Some(p) => (
                        AxisStatus::Lost,
                        Basis::ConcreteShape,
                        Some(p.clone()),
                        format!(
                            "{p} pins it{pin}; at {sym} = {value} (works at {at}) {name} ({op}) then breaks: {why}"
                        ),
                    ),
                    None => (
                        AxisStatus::Lost,
                        Basis::ConcreteShape,
                        Some(name.clone()),
                        format!("at {sym} = {value} (works at {at}) {name} ({op}) breaks: {why}{pin}"),
                    ),
                }
            }
            ProbeVerdict::Follows {
                outputs,
                steps_only,
            } => {
                let follows: Vec<String> = outputs
                    .iter()
                    .zip(&output_names)
                    .filter(|(d, _)| d.iter().any(|x| !matches!(x, DimExpr::Constant(_))))
                    .map(|(d, o)| {
                        format!(
                            "{o} [{}]",
                            d.iter().map(|x| x.text(sym)).collect::<Vec<_>>().join(", ")
                        )
                    })
                    .collect();
                let mut reason = if follows.is_empty() {
                    match &tract_evidence {
                        AxisEvidence::Consumed { node, op } => {
                            format!("consumed by {op} at {node}; the outputs' shapes do not depend on it")
                        }
                        _ => {
                            "accepted at every value tried; the outputs' shapes do not depend on it"
                                .into()
                        }
                    }
                } else {
                    format!("follows to the outputs: {}", follows.join(", "))
                };
                reason.push_str(&format!(
                    " (shapes at {sym} = {}, {}, {}{})",
                    values[0],
                    values[1],
                    values[2],
                    others_held(g)
                ));
                if let Some((h, offset)) = &tied_to {
                    let sign = if *offset < 0 { "-" } else { "+" };
                    reason.push_str(&format!(
                        "; tied to {h}: it breaks alone, and works with {h} = {sym} {sign} {}",
                        offset.abs()
                    ));
                }
                if let Some((v, n, why)) = steps_only {
                    let (name, op) = node_name(model, n);
                    reason.push_str(&format!(
                        "; not every value: at {sym} = {v} {name} ({op}) breaks: {why}"
                    ));
                }
                if tract_status != AxisStatus::Dynamic {
                    reason.push_str(&format!(
                        "; tract's symbolic analysis was inconclusive{}",
                        tract_node
                            .as_ref()
                            .map(|n| format!(" at {n}"))
                            .unwrap_or_default()
                    ));
                }
                (AxisStatus::Dynamic, Basis::ConcreteShape, None, reason)
            }
            ProbeVerdict::BrokenAtBase { node, why } => {
                let (name, op) = node_name(model, node);
                let note = format!(
                    "; onnx-lens's shape engine finds {name} ({op}) broken even at the held values: {why}"
                );
                (
                    tract_status,
                    Basis::Static,
                    tract_node,
                    format!("{tract_reason}{note}"),
                )
            }
            ProbeVerdict::Blocked { node } => {
                let decided_statically = matches!(
                    tract_evidence,
                    AxisEvidence::ReachesOutputs { .. }
                        | AxisEvidence::Consumed { .. }
                        | AxisEvidence::Unused
                        | AxisEvidence::Pinned { .. }
                );
                if decided_statically {
                    (tract_status, Basis::Static, tract_node, tract_reason)
                } else {
                    let blocking = node
                        .map(|n| node_name(model, n))
                        .or_else(|| tract_node.clone().map(|n| (n, String::new())));
                    let (name, op) = blocking.unwrap_or_else(|| ("a node".into(), String::new()));
                    let op_text = if op.is_empty() {
                        String::new()
                    } else {
                        format!(" ({op})")
                    };
                    (
                        AxisStatus::Unknown,
                        Basis::Static,
                        Some(name.clone()),
                        format!(
                            "not decided: shapes cannot be followed past {name}{op_text}, which neither tract nor onnx-lens's engine analyses; a run decides"
                        ),
                    )
                }
            }
        };
        for e in entries {
            e.status = status;
            e.basis = basis;
            e.lost_at_node = node.clone();
            e.reason = reason.clone();
            e.trial = Some(trial.clone());
            e.pinned_by = pinned_by.clone();
        }
    }
}

/// The held value of every symbol by tract symbol, with `trial`'s symbols set to `v`.
pub fn run_dims(report: &AxesReport, trial: &Trial, v: i64) -> BTreeMap<String, i64> {
    let mut dims = report.held_symbols.clone();
    for (s, offset) in &trial.tied {
        dims.insert(s.clone(), v + offset);
    }
    for s in &trial.symbols {
        dims.insert(s.clone(), v);
    }
    dims
}
