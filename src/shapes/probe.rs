//! Concrete-shape probes for the dynamic-axes report. Where tract's symbolic algebra gives up
//! (products or squares of symbols, Flatten of several symbolic dims, unifying two expressions)
//! the model's shapes are inferred by onnx-lens's engine (ONNX semantics, no compute) at concrete
//! values of the input dims, and compared across values: which output dims follow a symbol and
//! how (`4*batch`, `seq+1`), and which node breaks when it moves. Each symbol is examined with
//! the others held at values at which the model's shapes work, so a lost sequence length
//! cannot make batch look lost.

use std::collections::{BTreeMap, HashMap};

use super::engine::{infer_model_at, InputOverrides, ScopeShapes, Shape};
use crate::model::types::Dim;
use crate::model::{Model, MAIN_GRAPH};

/// One declared symbolic or unknown input dim.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InputDim {
    pub input: String,
    pub index: usize,
}

/// What the engine found at one assignment of values to the input dims.
#[derive(Debug, Clone, Default)]
pub struct ProbeOutcome {
    /// The first node (graph order) whose shape rules these values break, and why.
    pub violation: Option<(usize, String)>,
    /// The main graph's outputs, where known.
    pub outputs: Vec<Option<Shape>>,
    /// The first node whose inputs are known and whose outputs are not (an op the engine has
    /// no rule for, a contrib op): where the evidence stops.
    pub blocked_at: Option<usize>,
}

impl ProbeOutcome {
    fn complete(&self) -> bool {
        self.violation.is_none()
            && self.outputs.iter().all(|o| {
                o.as_ref()
                    .is_some_and(|s| s.iter().all(|d| matches!(d, Dim::Value(_))))
            })
    }
}

/// Infers the model's shapes with every declared symbolic dim of the main graph's inputs set.
pub fn probe(model: &Model, sizes: &BTreeMap<InputDim, i64>) -> ProbeOutcome {
    let mut overrides = InputOverrides::default();
    for (name, t) in model.fed_inputs() {
        let Some(shape) = t.and_then(|t| t.shape()) else {
            continue;
        };
        let concrete: Shape = shape
            .iter()
            .enumerate()
            .map(|(k, d)| match d {
                Dim::Value(v) if *v >= 0 => Dim::Value(*v),
                _ => sizes
                    .get(&InputDim {
                        input: name.to_string(),
                        index: k,
                    })
                    .map_or(Dim::Unknown, |&v| Dim::Value(v)),
            })
            .collect();
        overrides.insert(name.to_string(), concrete);
    }
    let scopes = infer_model_at(model, &|g| model.opset_in(g, ""), &overrides);
    let Some(main) = scopes.get(MAIN_GRAPH) else {
        return ProbeOutcome::default();
    };
    outcome(model, main)
}

fn outcome(model: &Model, s: &ScopeShapes<'_>) -> ProbeOutcome {
    let nodes = model
        .body(MAIN_GRAPH)
        .map(|b| b.nodes())
        .unwrap_or_default();
    let mut violation = s.violations.iter().min_by_key(|(n, _)| *n).cloned();
    let mut blocked_at = None;
    for (n, node) in nodes.iter().enumerate() {
        if violation.as_ref().is_some_and(|(v, _)| *v <= n) {
            break;
        }
        let broken = match (node.op_type.as_str(), node.domain.as_str()) {
            ("Reshape", "") => reshape_volume(node, s),
            ("Gemm", "") => gemm_inner(node, s),
            _ => None,
        };
        if let Some(why) = broken {
            violation = Some((n, why));
            break;
        }
        let inputs_known = node
            .input
            .iter()
            .all(|i| i.is_empty() || s.shapes.contains_key(i.as_str()));
        let outputs_known = node
            .output
            .iter()
            .all(|o| o.is_empty() || s.inferred.contains(o.as_str()));
        if blocked_at.is_none() && inputs_known && !outputs_known {
            blocked_at = Some(n);
        }
    }
    let outputs = model
        .graph(MAIN_GRAPH)
        .map(|g| {
            g.outputs
                .iter()
                .map(|o| {
                    s.inferred
                        .contains(o.as_str())
                        .then(|| s.shapes.get(o.as_str()).cloned())
                        .flatten()
                })
                .collect()
        })
        .unwrap_or_default();
    ProbeOutcome {
        violation,
        outputs,
        blocked_at,
    }
}

/// A Reshape whose data and target are both known must keep the element count (the rule onnx's
/// inference leaves to the runtime; at concrete values it is what a traced target breaks).
fn reshape_volume(node: &onnx_protobuf::NodeProto, s: &ScopeShapes<'_>) -> Option<String> {
    let data = s.shapes.get(node.input.first()?.as_str())?;
    let target = s.values.get(node.input.get(1)?.as_str())?;
    let data: Vec<i64> = data.iter().map(value).collect::<Option<_>>()?;
    let target: Vec<i64> = target.iter().map(value).collect::<Option<_>>()?;
    let allow_zero = node
        .attribute
        .iter()
        .any(|a| a.name == "allowzero" && a.i != 0);
    let total: i64 = data.iter().product();
    let mut known = 1i64;
    let mut free = false;
    let mut resolved = Vec::with_capacity(target.len());
    for (i, &t) in target.iter().enumerate() {
        let v = match t {
            -1 => {
                free = true;
                resolved.push("-1".to_string());
                continue;
            }
            0 if !allow_zero => *data.get(i)?,
            t => t,
        };
        known = known.checked_mul(v)?;
        resolved.push(v.to_string());
    }
    let fits = if free {
        known != 0 && total % known == 0
    } else {
        known == total
    };
    (!fits).then(|| {
        format!(
            "Reshape cannot turn {} ({total} elements) into [{}]",
            dims_text(&data),
            resolved.join(", ")
        )
    })
}

/// Gemm's inner dims must agree (onnx's inference computes M and N only).
fn gemm_inner(node: &onnx_protobuf::NodeProto, s: &ScopeShapes<'_>) -> Option<String> {
    let a = s.shapes.get(node.input.first()?.as_str())?;
    let b = s.shapes.get(node.input.get(1)?.as_str())?;
    if a.len() != 2 || b.len() != 2 {
        return None;
    }
    let flag = |n: &str| node.attribute.iter().any(|x| x.name == n && x.i != 0);
    let ka = value(&a[if flag("transA") { 0 } else { 1 }])?;
    let kb = value(&b[if flag("transB") { 1 } else { 0 }])?;
    (ka != kb).then(|| format!("Gemm's inner dims differ: {ka} from input A and {kb} from input B"))
}

fn value(d: &Dim) -> Option<i64> {
    match d {
        Dim::Value(v) => Some(*v),
        _ => None,
    }
}

pub fn dims_text(d: &[i64]) -> String {
    format!(
        "[{}]",
        d.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
    )
}

/// Small positive integers the model writes in its constants (values and dims): where a size
/// traced at export hides, and so the values worth trying when the defaults break the shapes.
pub fn traced_candidates(model: &Model) -> Vec<i64> {
    let mut out = std::collections::BTreeSet::new();
    let mut take = |t: &onnx_protobuf::TensorProto| {
        out.extend(t.dims.iter().copied().filter(|&d| (1..=4096).contains(&d)));
        if t.dims.iter().product::<i64>() <= 8 {
            if let Some(v) = super::engine::small_ints(t) {
                out.extend(v.into_iter().filter(|&d| (1..=4096).contains(&d)));
            }
        }
    };
    if let Some(b) = model.body(MAIN_GRAPH) {
        if let Some(g) = b.graph() {
            g.initializer.iter().for_each(&mut take);
        }
        for n in b.nodes() {
            if n.op_type == "Constant" {
                n.attribute
                    .iter()
                    .filter_map(|a| a.t.as_ref())
                    .for_each(&mut take);
            }
        }
    }
    // Few enough to try each for each symbol; 1 last, since broadcasting lets a 1 pass where the
    // traced size would be needed (a mask of length 1 beside a KV cache).
    let mut v: Vec<i64> = out
        .into_iter()
        .filter(|&c| c != 1)
        .take(MAX_CANDIDATES)
        .collect();
    v.push(1);
    v
}

const MAX_CANDIDATES: usize = 48;

/// Node visits the search for held values may spend (probes × nodes).
const PROBE_WORK: usize = 1_000_000;

/// A symbol's verdict from the probes.
#[derive(Debug, Clone, PartialEq)]
pub enum ProbeVerdict {
    /// Every output shape is known at three values of the symbol and no node breaks; per
    /// output, its dims as expressions of the symbol.
    Follows {
        outputs: Vec<Vec<DimExpr>>,
        /// A value next to the held one at which a node breaks (a UNet's skip connection at an
        /// odd size): the symbol is dynamic in steps only.
        steps_only: Option<(i64, usize, String)>,
    },
    /// At `value` (the model works at `held`), node `node` breaks: `why`.
    Breaks {
        node: usize,
        value: i64,
        held: i64,
        why: String,
    },
    /// The shapes at the held values already break at `node`: the probe says nothing.
    BrokenAtBase { node: usize, why: String },
    /// The engine cannot follow the model past `node` (no rule for its op).
    Blocked { node: Option<usize> },
}

/// An output dim as a function of one symbol, read off three concrete values.
#[derive(Debug, Clone, PartialEq)]
pub enum DimExpr {
    Constant(i64),
    /// `num/den * s + add`
    Linear {
        num: i64,
        den: i64,
        add: i64,
    },
    /// Changes with the symbol, not linearly: the values seen.
    Varies(Vec<i64>),
}

impl DimExpr {
    /// `4*batch`, `seq+1`, `h/2`, `16`.
    pub fn text(&self, sym: &str) -> String {
        match self {
            DimExpr::Constant(v) => v.to_string(),
            DimExpr::Linear { num, den, add } => {
                let mut s = match (*num, *den) {
                    (1, 1) => sym.to_string(),
                    (n, 1) => format!("{n}*{sym}"),
                    (1, d) => format!("{sym}/{d}"),
                    (n, d) => format!("{n}*{sym}/{d}"),
                };
                match add.cmp(&0) {
                    std::cmp::Ordering::Greater => s.push_str(&format!("+{add}")),
                    std::cmp::Ordering::Less => s.push_str(&format!("-{}", -add)),
                    std::cmp::Ordering::Equal => {}
                }
                s
            }
            DimExpr::Varies(v) => format!(
                "f({sym}) = {}",
                v.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
            ),
        }
    }
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 {
        a.abs().max(1)
    } else {
        gcd(b, a % b)
    }
}

/// Fits `d = num/den * v + add` through three points (exact integer arithmetic).
pub fn fit(points: [(i64, i64); 3]) -> DimExpr {
    let [(v0, d0), (v1, d1), (v2, d2)] = points;
    if d0 == d1 && d1 == d2 {
        return DimExpr::Constant(d0);
    }
    let (dn, dv) = (d1 - d0, v1 - v0);
    let g = gcd(dn, dv);
    let (num, den) = if dv < 0 {
        (-dn / g, -dv / g)
    } else {
        (dn / g, dv / g)
    };
    let on_line = |v: i64, d: i64| (d - d0) * den == num * (v - v0);
    // add = d0 - num*v0/den must be an integer for the line to be a dims formula.
    if den != 0 && on_line(v2, d2) && (num * v0) % den == 0 {
        return DimExpr::Linear {
            num,
            den,
            add: d0 - num * v0 / den,
        };
    }
    DimExpr::Varies(vec![d0, d1, d2])
}

/// The probes of one symbol (`dims`: the input dims that carry it, set together), the others at
/// `held`.
pub fn judge(
    model: &Model,
    held: &BTreeMap<InputDim, i64>,
    dims: &[InputDim],
    values: [i64; 3],
) -> ProbeVerdict {
    judge_tied(model, held, dims, values, &[])
}

/// `judge` with `tied` dims moved by as much as the symbol (a mask's length that must stay
/// past + sequence).
pub fn judge_tied(
    model: &Model,
    held: &BTreeMap<InputDim, i64>,
    dims: &[InputDim],
    values: [i64; 3],
    tied: &[InputDim],
) -> ProbeVerdict {
    let at = |v: i64| {
        let mut sizes = held.clone();
        for d in tied {
            let h = held.get(d).copied().unwrap_or(v);
            sizes.insert(d.clone(), h + (v - values[0]));
        }
        for d in dims {
            sizes.insert(d.clone(), v);
        }
        probe(model, &sizes)
    };
    let outcomes = values.map(at);
    if let Some((node, why)) = &outcomes[0].violation {
        return ProbeVerdict::BrokenAtBase {
            node: *node,
            why: why.clone(),
        };
    }
    for (k, o) in outcomes.iter().enumerate().skip(1) {
        if let Some((node, why)) = &o.violation {
            return ProbeVerdict::Breaks {
                node: *node,
                value: values[k],
                held: values[0],
                why: why.clone(),
            };
        }
    }
    if !outcomes.iter().all(ProbeOutcome::complete) {
        return ProbeVerdict::Blocked {
            node: outcomes.iter().find_map(|o| o.blocked_at),
        };
    }
    let outputs = (0..outcomes[0].outputs.len())
        .map(|i| {
            let shape = |k: usize| -> Vec<i64> {
                outcomes[k].outputs[i]
                    .iter()
                    .flatten()
                    .filter_map(value)
                    .collect()
            };
            let (s0, s1, s2) = (shape(0), shape(1), shape(2));
            if s0.len() != s1.len() || s1.len() != s2.len() {
                return vec![DimExpr::Varies(vec![])];
            }
            (0..s0.len())
                .map(|j| fit([(values[0], s0[j]), (values[1], s1[j]), (values[2], s2[j])]))
                .collect()
        })
        .collect();
    let next = values[0] + 1;
    let steps_only = at(next).violation.map(|(n, why)| (next, n, why));
    ProbeVerdict::Follows {
        outputs,
        steps_only,
    }
}

/// Values at which the model's shapes hold for every symbol: start from `defaults` and, where a
/// node breaks, move one symbol at a time to a value the model's constants suggest (the value it
/// was traced with), keeping a move that removes the break or pushes it further down.
pub fn held_values(
    model: &Model,
    groups: &[Vec<InputDim>],
    defaults: &[i64],
) -> BTreeMap<InputDim, i64> {
    let assign = |values: &[i64]| -> BTreeMap<InputDim, i64> {
        groups
            .iter()
            .zip(values)
            .flat_map(|(g, &v)| g.iter().map(move |d| (d.clone(), v)))
            .collect()
    };
    let mut values = defaults.to_vec();
    let candidates = traced_candidates(model);
    // Each probe is a pass over the graph: a budget keeps a 100k-node model to a few passes.
    let nodes = model.graph(MAIN_GRAPH).map_or(0, |g| g.node_count);
    let budget = std::cell::Cell::new((PROBE_WORK / nodes.max(1)).clamp(4, 300));
    let first_break = |values: &[i64]| {
        budget.set(budget.get().saturating_sub(1));
        probe(model, &assign(values)).violation.map(|(n, _)| n)
    };
    for _ in 0..3 {
        let Some(at) = first_break(&values) else {
            break;
        };
        let mut moved = false;
        'groups: for k in 0..groups.len() {
            for &c in candidates.iter().filter(|&&c| c != values[k]) {
                if budget.get() == 0 {
                    break 'groups;
                }
                let mut trial = values.clone();
                trial[k] = c;
                if first_break(&trial).is_none_or(|n| n > at) {
                    values = trial;
                    moved = true;
                    break 'groups;
                }
            }
        }
        // Two symbols the model needs together (a ViT's height and width, both traced at 224 into
        // its position embeddings): move a pair to one value.
        'pairs: for k1 in 0..groups.len() {
            if moved {
                break;
            }
            for k2 in k1 + 1..groups.len() {
                for &c in &candidates {
                    if budget.get() == 0 {
                        break 'pairs;
                    }
                    let mut trial = values.clone();
                    trial[k1] = c;
                    trial[k2] = c;
                    if trial != values && first_break(&trial).is_none_or(|n| n > at) {
                        values = trial;
                        moved = true;
                        break 'pairs;
                    }
                }
            }
        }
        if !moved {
            break;
        }
    }
    assign(&values)
}

/// The constant or initializer feeding `node` (directly or through the shape computation of its
/// inputs) that holds `value` (in its values or dims): the traced number that pins a symbol.
/// `axis` is where the symbol sits in the node's data input, when known: a traced shape
/// assembled by a Concat (`[b, 16, 4, 16]`) has the part at that position preferred, so the
/// sequence's 16 is told from the head size's.
pub fn pinning_constant(
    model: &Model,
    node: usize,
    value: i64,
    axis: Option<usize>,
) -> Option<Pin> {
    let g = model.graph(MAIN_GRAPH)?;
    let body = model.body(MAIN_GRAPH)?;
    let nodes = body.nodes();
    let graph = body.graph();
    let constant = |v: &str| -> Option<(Option<String>, &onnx_protobuf::TensorProto)> {
        if let Some(&i) = g.initializers.get(v) {
            return Some((None, graph?.initializer.get(i)?));
        }
        let &(p, _) = g.producers.get(v)?;
        let producer = &nodes[p];
        (producer.op_type == "Constant").then_some(())?;
        let t = producer.attribute.iter().find_map(|a| a.t.as_ref())?;
        Some((Some(producer.name.clone()).filter(|n| !n.is_empty()), t))
    };
    // A constant's value as the reason shows it: `16`, `[1, 16, 4, 16]`, or its shape.
    let shown = |t: &onnx_protobuf::TensorProto, ints: &Option<Vec<i64>>| match ints {
        Some(v) if t.dims.is_empty() => v.first().map_or(String::new(), i64::to_string),
        Some(v) => dims_text(v),
        None => format!("a tensor of shape {}", dims_text(&t.dims)),
    };
    if let (Some(axis), Some(shape_input)) = (axis, nodes.get(node).and_then(|n| n.input.get(1))) {
        if let Some(&(p, _)) = g.producers.get(shape_input) {
            let concat = &nodes[p];
            if concat.op_type == "Concat" {
                let mut offset = 0usize;
                for part in &concat.input {
                    let c = constant(part);
                    let len = c
                        .as_ref()
                        .map_or(1, |(_, t)| t.dims.iter().product::<i64>().max(1) as usize);
                    if (offset..offset + len).contains(&axis) {
                        if let Some((node, t)) = c {
                            let ints = super::engine::small_ints(t);
                            if ints
                                .as_ref()
                                .is_some_and(|v| v.get(axis - offset) == Some(&value))
                            {
                                return Some(Pin {
                                    value: part.clone(),
                                    node,
                                    shown: shown(t, &ints),
                                });
                            }
                        }
                        break;
                    }
                    offset += len;
                }
            }
        }
    }
    let mut frontier: Vec<(String, usize)> = nodes
        .get(node)?
        .input
        .iter()
        .map(|i| (i.clone(), 0))
        .collect();
    let mut seen = std::collections::HashSet::new();
    let mut fallback = None;
    while let Some((v, depth)) = frontier.pop() {
        if v.is_empty() || !seen.insert(v.clone()) {
            continue;
        }
        let Some((constant_node, t)) = constant(&v) else {
            // Through the ops a traced shape is assembled with, not into the data path.
            if let Some(&(p, _)) = g.producers.get(&v) {
                let producer = &nodes[p];
                if depth < 4
                    && matches!(
                        producer.op_type.as_str(),
                        "Concat" | "Unsqueeze" | "Cast" | "Squeeze" | "Reshape" | "Mul" | "Add"
                    )
                {
                    frontier.extend(producer.input.iter().map(|i| (i.clone(), depth + 1)));
                }
            }
            continue;
        };
        let ints = super::engine::small_ints(t).filter(|_| t.dims.iter().product::<i64>() <= 64);
        let shown = shown(t, &ints);
        let holds = ints.as_ref().is_some_and(|v| v.contains(&value)) || t.dims.contains(&value);
        let pin = Pin {
            value: v,
            node: constant_node,
            shown,
        };
        if holds {
            return Some(pin);
        }
        fallback.get_or_insert(pin);
    }
    fallback
}

/// A constant that pins a symbol: the value's name, the Constant node making it (none for an
/// initializer), and its value as text.
#[derive(Debug, Clone, PartialEq)]
pub struct Pin {
    pub value: String,
    pub node: Option<String>,
    pub shown: String,
}

/// The default value to hold a symbol at when probing (not 1: broadcasting would hide a pinned
/// dim), by its position in the input: 224 for the sides of an image (3 or 1 channels, NCHW or
/// NHWC), not for a KV cache's `[batch, heads, past, head_size]`.
pub fn probe_default(dims: &[Dim], dim_index: usize) -> i64 {
    let channels = |i: usize| matches!(dims.get(i), Some(Dim::Value(1 | 3)));
    match dim_index {
        0 => 2,
        2 | 3 if dims.len() == 4 && channels(1) => 224,
        1 | 2 if dims.len() == 4 && channels(3) => 224,
        _ => 16,
    }
}

/// Groups the input dims by symbol: what tract binds to the same symbol (a named dim) is one.
pub fn group_by_symbol<'a>(
    dims: impl IntoIterator<Item = (&'a str, InputDim)>,
) -> Vec<(String, Vec<InputDim>)> {
    let mut out: Vec<(String, Vec<InputDim>)> = Vec::new();
    let mut at: HashMap<&str, usize> = HashMap::new();
    for (sym, d) in dims {
        match at.get(sym) {
            Some(&k) => out[k].1.push(d),
            None => {
                at.insert(sym, out.len());
                out.push((sym.to_string(), vec![d]));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_dims_formulas() {
        assert_eq!(fit([(2, 8), (4, 16), (6, 24)]).text("batch"), "4*batch");
        assert_eq!(fit([(16, 17), (32, 33), (48, 49)]).text("seq"), "seq+1");
        assert_eq!(fit([(64, 32), (128, 64), (192, 96)]).text("h"), "h/2");
        assert_eq!(fit([(2, 7), (4, 7), (6, 7)]).text("b"), "7");
        assert_eq!(
            fit([(2, 4), (4, 16), (6, 36)]).text("s"),
            "f(s) = 4, 16, 36"
        );
    }
}
