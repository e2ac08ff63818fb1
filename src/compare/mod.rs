//! Two models side by side: what changed in the signature, the graph and the weights
//! (`diff`), and with `numeric::compare_runs` where their numbers part.
//!
//! Nodes are matched by name where a name is unique on both sides, then by structure: from
//! the graph inputs along the edges, a node matches the one node of the other side that reads
//! the matched values in the same slots (same op first, then any op: a changed op). Rewrites
//! a converter or optimiser makes are recognised on the way: a node of A with no counterpart
//! whose data input is matched and whose op is folded into its producer by optimisers
//! (BatchNormalization, Add, Relu, … after Conv/MatMul/Gemm) is *fused* into the producer's
//! counterpart; a Cast, QuantizeLinear/DequantizeLinear, Identity added (or removed) on one side
//! is *inserted* (or *removed*) as a pass-through, and matching goes on through it.

pub mod numeric;

use std::collections::{BTreeMap, HashMap, HashSet};

use onnx_protobuf::{Message, NodeProto};
use serde::Serialize;

use crate::model::types::format_dims;
use crate::model::{tract_name, Model, MAIN_GRAPH};

pub use numeric::{compare_runs, NumericDiff};

/// A value's type as text, `float[batch,3,224,224]`.
fn type_text(model: &Model, name: &str) -> String {
    match model.declared_type(MAIN_GRAPH, name) {
        Some(t) => format!(
            "{}{}",
            t.elem().map(|d| d.name()).unwrap_or_else(|| "?".into()),
            format_dims(t.shape())
        ),
        None => "?".into(),
    }
}

/// One graph input or output on each side.
#[derive(Debug, Clone, Serialize)]
pub struct PortDiff {
    pub a: Option<String>,
    pub b: Option<String>,
    pub a_type: Option<String>,
    pub b_type: Option<String>,
    /// `same`, `added`, `removed`, `renamed`, `retyped` (dtype or dims).
    pub change: &'static str,
    /// Symbolic dims of A fixed in B (dim index: A's symbol → B's value).
    pub axes_lost: Vec<String>,
    /// Fixed dims of A symbolic in B.
    pub axes_gained: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Versions {
    pub a: String,
    pub b: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SignatureDiff {
    pub inputs: Vec<PortDiff>,
    pub outputs: Vec<PortDiff>,
    /// Opset imports that differ, as `domain: a → b` (`-` when not imported).
    pub opsets: Vec<String>,
    pub ir_version: Option<Versions>,
    pub producer: Option<Versions>,
}

impl SignatureDiff {
    pub fn is_same(&self) -> bool {
        self.inputs
            .iter()
            .chain(&self.outputs)
            .all(|p| p.change == "same")
            && self.opsets.is_empty()
            && self.ir_version.is_none()
    }
}

/// A matched pair whose op, attributes, inputs or weights differ.
#[derive(Debug, Clone, Serialize)]
pub struct ChangedNode {
    pub a: String,
    pub b: String,
    pub a_op: String,
    pub b_op: String,
    /// `op`, `attribute <name>`, `inputs`, `weight <slot>`.
    pub what: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LoneNode {
    pub node: String,
    pub op: String,
}

/// Nodes of A that one node of B replaces (Conv + BatchNormalization → Conv), or pass-through
/// nodes one side added.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    /// `fused`, `inserted` (B added pass-through nodes), `removed` (A's pass-through nodes
    /// gone), `dequantized` (B's integer product and the Cast/Mul/Add making its result float).
    pub kind: &'static str,
    pub a: Vec<String>,
    pub b: Vec<String>,
}

/// A matched pair of initializers read by matched nodes in the same slot.
#[derive(Debug, Clone, Serialize)]
pub struct WeightDiff {
    pub a: String,
    pub b: String,
    pub a_dtype: String,
    pub b_dtype: String,
    pub a_shape: Vec<i64>,
    pub b_shape: Vec<i64>,
    /// Largest difference of the values (B dequantized when it is a quantized weight); null
    /// when not compared (shapes differ, or not read: external data without `--weights`).
    pub max_abs: Option<f64>,
    pub max_rel: Option<f64>,
    /// B's weight is read through a DequantizeLinear.
    pub quantized: bool,
}

impl WeightDiff {
    /// Same type and shape, and (when read) the same values.
    pub fn is_same(&self) -> bool {
        self.a_dtype == self.b_dtype
            && self.a_shape == self.b_shape
            && !self.quantized
            && self.max_abs.is_none_or(|m| m == 0.0)
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct NodesDiff {
    pub matched: usize,
    pub changed: Vec<ChangedNode>,
    pub added: Vec<LoneNode>,
    pub removed: Vec<LoneNode>,
    pub groups: Vec<Group>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ModelDiff {
    pub signature: SignatureDiff,
    pub nodes: NodesDiff,
    /// Only the pairs that differ.
    pub weights: Vec<WeightDiff>,
    /// Initializer pairs compared.
    pub weights_compared: usize,
    /// Main-graph value of A → its counterpart in B (what numeric comparison reads).
    #[serde(skip)]
    pub values: Vec<(String, String)>,
    /// Node index pairs (A, B) matched, for the window.
    #[serde(skip)]
    pub pairs: Vec<(usize, usize)>,
}

impl ModelDiff {
    /// A few lines: the signature's changes and the counts of each kind of difference.
    pub fn summary(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for p in self.signature.inputs.iter().chain(&self.signature.outputs) {
            if p.change != "same" {
                lines.push(format!(
                    "{} {} → {}: {}",
                    p.a.as_deref().unwrap_or("-"),
                    p.a_type.as_deref().unwrap_or("-"),
                    p.b_type.as_deref().unwrap_or("-"),
                    p.change
                ));
            }
        }
        lines.extend(self.signature.opsets.iter().map(|o| format!("opset {o}")));
        let n = &self.nodes;
        let kind = |k: &str| n.groups.iter().filter(|g| g.kind == k).count();
        lines.push(format!(
            "{} same, {} changed, {} added, {} removed, {} fused, {} dequantized, {} pass-through",
            n.matched,
            n.changed.len(),
            n.added.len(),
            n.removed.len(),
            kind("fused"),
            kind("dequantized"),
            kind("inserted") + kind("removed")
        ));
        lines.push(format!(
            "weights: {} compared, {} differ",
            self.weights_compared,
            self.weights.len()
        ));
        lines
    }

    /// Nothing differs in structure, signature or weights.
    pub fn is_same(&self) -> bool {
        self.signature.is_same()
            && self.nodes.changed.is_empty()
            && self.nodes.added.is_empty()
            && self.nodes.removed.is_empty()
            && self.nodes.groups.is_empty()
            && self.weights.is_empty()
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct DiffOptions {
    /// Read and compare weights stored in external data files too.
    pub external_weights: bool,
}

/// Ops optimisers fold into the node that produces their input.
const FUSABLE: &[&str] = &[
    "BatchNormalization",
    "Add",
    "Relu",
    "Clip",
    "LeakyRelu",
    "Sigmoid",
    "HardSigmoid",
    "HardSwish",
    "Tanh",
    "Mul",
    "Div",
    "Sub",
    "Gelu",
    "Erf",
];

/// Products on integers whose float result B computes with arithmetic after them.
const INTEGER_PRODUCTS: &[&str] = &["ConvInteger", "MatMulInteger"];

/// Ops converters add or remove around others without changing what flows.
const PASS_THROUGH: &[&str] = &[
    "Cast",
    "QuantizeLinear",
    "DequantizeLinear",
    "DynamicQuantizeLinear",
    "Identity",
    "Dropout",
];

/// One side's main graph, indexed for matching.
struct Side<'m> {
    model: &'m Model,
    nodes: &'m [NodeProto],
    initializers: HashSet<&'m str>,
    /// value → consuming node indices.
    consumers: HashMap<&'m str, Vec<usize>>,
    /// value → (node, slot) producing it.
    producers: HashMap<&'m str, (usize, usize)>,
}

impl<'m> Side<'m> {
    fn of(model: &'m Model) -> Side<'m> {
        let nodes = model.body(MAIN_GRAPH).map(|b| b.nodes()).unwrap_or(&[]);
        let mut consumers: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut producers = HashMap::new();
        for (i, n) in nodes.iter().enumerate() {
            for x in n.input.iter().filter(|x| !x.is_empty()) {
                consumers.entry(x.as_str()).or_default().push(i);
            }
            for (k, o) in n.output.iter().enumerate().filter(|(_, o)| !o.is_empty()) {
                producers.entry(o.as_str()).or_insert((i, k));
            }
        }
        let initializers = model
            .graph(MAIN_GRAPH)
            .map(|g| g.initializers.keys().map(String::as_str).collect())
            .unwrap_or_default();
        Side {
            model,
            nodes,
            initializers,
            consumers,
            producers,
        }
    }

    /// A value computed from no graph input (an initializer, or a constant node's output):
    /// weights, not data flow.
    fn is_constant(&self, v: &str) -> bool {
        if self.initializers.contains(v) {
            return true;
        }
        match self.producers.get(v) {
            Some(&(n, _)) => {
                let node = &self.nodes[n];
                node.op_type == "Constant"
                    || (!node.input.is_empty()
                        && node
                            .input
                            .iter()
                            .filter(|x| !x.is_empty())
                            .all(|x| self.initializers.contains(x.as_str())))
            }
            None => false,
        }
    }

    /// The data inputs (slot, value) of node `i`.
    fn data_inputs(&self, i: usize) -> Vec<(usize, &'m str)> {
        self.nodes[i]
            .input
            .iter()
            .enumerate()
            .filter(|(_, x)| !x.is_empty() && !self.is_constant(x))
            .map(|(k, x)| (k, x.as_str()))
            .collect()
    }

    fn name(&self, i: usize) -> String {
        tract_name(&self.nodes[i]).to_string()
    }
}

/// Value correspondence, many B values to one A value (a pass-through inserted in B).
#[derive(Default)]
struct ValueMap<'a, 'b> {
    a_to_b: HashMap<&'a str, Vec<&'b str>>,
    b_to_a: HashMap<&'b str, &'a str>,
}

impl<'a, 'b> ValueMap<'a, 'b> {
    fn link(&mut self, a: &'a str, b: &'b str) {
        if self.b_to_a.contains_key(b) {
            return;
        }
        self.b_to_a.insert(b, a);
        self.a_to_b.entry(a).or_default().push(b);
    }
}

struct Matcher<'a, 'b> {
    a: &'a Side<'a>,
    b: &'b Side<'b>,
    values: ValueMap<'a, 'b>,
    a_match: Vec<Option<usize>>,
    b_match: Vec<Option<usize>>,
    /// A nodes absorbed (fused or removed pass-through), with the B node they went into.
    a_absorbed: Vec<bool>,
    b_absorbed: Vec<bool>,
    groups: Vec<Group>,
}

impl<'a, 'b> Matcher<'a, 'b> {
    fn pair(&mut self, i: usize, j: usize) {
        self.a_match[i] = Some(j);
        self.b_match[j] = Some(i);
        let (na, nb) = (&self.a.nodes[i], &self.b.nodes[j]);
        for (x, y) in na.output.iter().zip(&nb.output) {
            if !x.is_empty() && !y.is_empty() {
                self.values.link(x, y);
                if INTEGER_PRODUCTS.contains(&nb.op_type.as_str()) {
                    self.dequantization_b(x, y, j);
                }
                self.pass_through_b(y);
            }
        }
    }

    /// After an integer product in B (ConvInteger, MatMulInteger): the Cast, scale Mul and bias
    /// Add that turn its output back into A's value, each reading one value of the chain and
    /// otherwise only scales and constants (not data A has), are part of the rewrite.
    fn dequantization_b(&mut self, a_value: &'a str, from: &'b str, product: usize) {
        let mut v = from;
        let mut chain = vec![self.b.name(product)];
        loop {
            let next = self.b.consumers.get(v).and_then(|c| match c.as_slice() {
                [only] => Some(*only),
                _ => None,
            });
            let Some(j) = next else { break };
            let n = &self.b.nodes[j];
            let arithmetic = matches!(n.op_type.as_str(), "Cast" | "Mul" | "Add");
            let others_unmapped = n
                .input
                .iter()
                .filter(|x| x.as_str() != v && !x.is_empty())
                .all(|x| !self.values.b_to_a.contains_key(x.as_str()));
            if !arithmetic || !others_unmapped || self.b_match[j].is_some() || self.b_absorbed[j] {
                break;
            }
            let Some(out) = n.output.first().filter(|o| !o.is_empty()) else {
                break;
            };
            self.b_absorbed[j] = true;
            chain.push(self.b.name(j));
            self.values.link(a_value, out);
            v = out;
        }
        self.pass_through_b(v);
        if chain.len() > 1 {
            self.groups.push(Group {
                kind: "dequantized",
                a: vec![],
                b: chain,
            });
        }
    }

    /// B nodes that only pass `v` on (a Cast or Q/DQ pair B added) map their output to the same
    /// A value, recorded as inserted.
    fn pass_through_b(&mut self, v: &'b str) {
        let mut todo = vec![v];
        while let Some(v) = todo.pop() {
            let Some(&a_value) = self.values.b_to_a.get(v) else {
                continue;
            };
            // A's own consumers of the value: if one of them is the same op, it is not B's
            // insertion but a real counterpart.
            for &j in self.b.consumers.get(v).into_iter().flatten() {
                let n = &self.b.nodes[j];
                if self.b_match[j].is_some()
                    || self.b_absorbed[j]
                    || !PASS_THROUGH.contains(&n.op_type.as_str())
                    || n.input.first().map(String::as_str) != Some(v)
                {
                    continue;
                }
                let a_has_it = self
                    .a
                    .consumers
                    .get(a_value)
                    .into_iter()
                    .flatten()
                    .any(|&i| self.a_match[i].is_none() && self.a.nodes[i].op_type == n.op_type);
                if a_has_it {
                    continue;
                }
                self.b_absorbed[j] = true;
                self.groups.push(Group {
                    kind: "inserted",
                    a: vec![],
                    b: vec![self.b.name(j)],
                });
                if let Some(out) = n.output.first().filter(|o| !o.is_empty()) {
                    self.values.link(a_value, out);
                    todo.push(out);
                }
            }
        }
    }

    /// B's unmatched node reading, in every data slot of A's node `i`, a counterpart of the
    /// same value; same op first.
    fn candidate(&self, i: usize, same_op: bool) -> Option<usize> {
        let inputs = self.a.data_inputs(i);
        let (_, v0) = *inputs.first()?;
        let mut found = None;
        for &bv in self.values.a_to_b.get(v0)? {
            for &j in self.b.consumers.get(bv).into_iter().flatten() {
                if self.b_match[j].is_some() || self.b_absorbed[j] {
                    continue;
                }
                let nb = &self.b.nodes[j];
                let op = self.a.nodes[i].op_type.as_str();
                if (same_op && nb.op_type != op) || !same_family(op, &nb.op_type) {
                    continue;
                }
                let reads = |slot: usize, v: &str| {
                    nb.input
                        .get(slot)
                        .is_some_and(|x| self.values.b_to_a.get(x.as_str()) == Some(&v))
                };
                // A changed op may take its data in other slots: only its first must agree.
                let agrees = if same_op {
                    inputs.iter().all(|&(k, v)| reads(k, v))
                } else {
                    nb.input
                        .iter()
                        .any(|x| self.values.b_to_a.get(x.as_str()) == Some(&v0))
                };
                if agrees {
                    if found.is_some_and(|f| f != j) {
                        return None; // ambiguous
                    }
                    found = Some(j);
                }
            }
        }
        found
    }

    /// All data inputs of A's node `i` have counterparts.
    fn ready(&self, i: usize) -> bool {
        let inputs = self.a.data_inputs(i);
        !inputs.is_empty()
            && inputs
                .iter()
                .all(|(_, v)| self.values.a_to_b.contains_key(v))
    }

    /// A's node `i`, with no counterpart, folded into its producer's (fused) or gone as a
    /// pass-through (removed): its output maps to its input's counterpart.
    fn absorb(&mut self, i: usize) -> bool {
        let n = &self.a.nodes[i];
        let op = n.op_type.as_str();
        let inputs = self.a.data_inputs(i);
        let Some(&(_, v)) = inputs.first() else {
            return false;
        };
        let fused_into = self
            .a
            .producers
            .get(v)
            .and_then(|&(p, _)| self.a_match[p].map(|q| (p, q)));
        let kind = if PASS_THROUGH.contains(&op) {
            "removed"
        } else if FUSABLE.contains(&op) && inputs.len() == 1 && fused_into.is_some() {
            "fused"
        } else {
            return false;
        };
        let Some(&bv) = self.values.a_to_b.get(v).and_then(|b| b.first()) else {
            return false;
        };
        self.a_absorbed[i] = true;
        match (kind, fused_into) {
            ("fused", Some((p, q))) => {
                let (pa, qb) = (self.a.name(p), self.b.name(q));
                match self
                    .groups
                    .iter_mut()
                    .find(|g| g.kind == "fused" && g.b == [qb.clone()])
                {
                    Some(g) => g.a.push(self.a.name(i)),
                    None => self.groups.push(Group {
                        kind: "fused",
                        a: vec![pa, self.a.name(i)],
                        b: vec![qb],
                    }),
                }
            }
            _ => self.groups.push(Group {
                kind: "removed",
                a: vec![self.a.name(i)],
                b: vec![],
            }),
        }
        if let Some(out) = n.output.first().filter(|o| !o.is_empty()) {
            // Outputs of A's absorbed node flow on as its input's counterpart.
            self.values.a_to_b.entry(out.as_str()).or_default().push(bv);
        }
        true
    }
}

fn ports(
    a: &Model,
    b: &Model,
    a_names: &[String],
    b_names: &[String],
    values: &mut Vec<(String, String)>,
) -> Vec<PortDiff> {
    let mut out = Vec::new();
    let b_set: HashSet<&str> = b_names.iter().map(String::as_str).collect();
    let a_set: HashSet<&str> = a_names.iter().map(String::as_str).collect();
    let (only_a, only_b): (Vec<&String>, Vec<&String>) = (
        a_names
            .iter()
            .filter(|n| !b_set.contains(n.as_str()))
            .collect(),
        b_names
            .iter()
            .filter(|n| !a_set.contains(n.as_str()))
            .collect(),
    );
    let dims_of = |m: &Model, n: &str| {
        m.declared_type(MAIN_GRAPH, n)
            .and_then(|t| t.shape().map(|s| s.to_vec()))
    };
    let mut port = |x: Option<&String>, y: Option<&String>, renamed: bool| {
        let a_type = x.map(|n| type_text(a, n));
        let b_type = y.map(|n| type_text(b, n));
        let (mut lost, mut gained) = (vec![], vec![]);
        if let (Some(x), Some(y)) = (x, y) {
            values.push((x.clone(), y.clone()));
            if let (Some(da), Some(db)) = (dims_of(a, x), dims_of(b, y)) {
                use crate::model::types::Dim;
                for (k, (p, q)) in da.iter().zip(&db).enumerate() {
                    match (p, q) {
                        (Dim::Param(_) | Dim::Unknown, Dim::Value(v)) => {
                            lost.push(format!("{k}: {p} → {v}"))
                        }
                        (Dim::Value(v), Dim::Param(_) | Dim::Unknown) => {
                            gained.push(format!("{k}: {v} → {q}"))
                        }
                        _ => {}
                    }
                }
            }
        }
        let change = match (x, y) {
            (Some(_), None) => "removed",
            (None, Some(_)) => "added",
            _ if renamed => "renamed",
            _ if a_type != b_type => "retyped",
            _ => "same",
        };
        out.push(PortDiff {
            a: x.cloned(),
            b: y.cloned(),
            a_type,
            b_type,
            change,
            axes_lost: lost,
            axes_gained: gained,
        });
    };
    for n in a_names.iter().filter(|n| b_set.contains(n.as_str())) {
        port(Some(n), Some(n), false);
    }
    // Renamed: the same position among the unmatched ones.
    let pairs = only_a.len().min(only_b.len());
    for k in 0..pairs {
        port(Some(only_a[k]), Some(only_b[k]), true);
    }
    for n in &only_a[pairs..] {
        port(Some(n), None, false);
    }
    for n in &only_b[pairs..] {
        port(None, Some(n), false);
    }
    out
}

fn signature(a: &Model, b: &Model, values: &mut Vec<(String, String)>) -> SignatureDiff {
    let ga = a.graph(MAIN_GRAPH);
    let gb = b.graph(MAIN_GRAPH);
    let names = |g: Option<&crate::model::index::GraphIndex>, outputs: bool| {
        g.map(|g| {
            if outputs {
                g.outputs.clone()
            } else {
                g.inputs.clone()
            }
        })
        .unwrap_or_default()
    };
    let inputs = ports(a, b, &names(ga, false), &names(gb, false), values);
    let outputs = ports(a, b, &names(ga, true), &names(gb, true), values);
    let opset_map = |m: &Model| -> BTreeMap<String, i64> {
        m.proto
            .opset_import
            .iter()
            .map(|o| {
                let d = if o.domain == "ai.onnx" {
                    ""
                } else {
                    o.domain.as_str()
                };
                (d.to_string(), o.version)
            })
            .collect()
    };
    let (oa, ob) = (opset_map(a), opset_map(b));
    let mut domains: Vec<&String> = oa.keys().chain(ob.keys()).collect();
    domains.sort();
    domains.dedup();
    let show = |v: Option<&i64>| v.map(|v| v.to_string()).unwrap_or_else(|| "-".into());
    let opsets = domains
        .into_iter()
        .filter(|d| oa.get(*d) != ob.get(*d))
        .map(|d| {
            let name = if d.is_empty() { "ai.onnx" } else { d.as_str() };
            format!("{name}: {} → {}", show(oa.get(d)), show(ob.get(d)))
        })
        .collect();
    let versions = |x: String, y: String| (x != y).then_some(Versions { a: x, b: y });
    SignatureDiff {
        inputs,
        outputs,
        opsets,
        ir_version: versions(
            a.proto.ir_version.to_string(),
            b.proto.ir_version.to_string(),
        ),
        producer: versions(
            format!("{} {}", a.proto.producer_name, a.proto.producer_version)
                .trim()
                .to_string(),
            format!("{} {}", b.proto.producer_name, b.proto.producer_version)
                .trim()
                .to_string(),
        ),
    }
}

/// An attribute written with its default value (optimisers spell `auto_pad = NOTSET` out).
fn is_default(op: &str, a: &onnx_protobuf::AttributeProto) -> bool {
    let all = |v: &[i64], x: i64| !v.is_empty() && v.iter().all(|&d| d == x);
    match a.name.as_str() {
        "auto_pad" => a.s == b"NOTSET",
        "group" => a.i == 1,
        "dilations" | "strides" => all(&a.ints, 1),
        "pads" => all(&a.ints, 0),
        "transA" | "transB" => a.i == 0,
        "alpha" | "beta" => op == "Gemm" && a.f == 1.0,
        "keepdims" => op.starts_with("Reduce") && a.i == 1,
        _ => false,
    }
}

fn attribute_bytes(n: &NodeProto) -> BTreeMap<String, Vec<u8>> {
    n.attribute
        .iter()
        .filter(|a| !is_default(&n.op_type, a))
        .map(|a| (a.name.clone(), a.write_to_bytes().unwrap_or_default()))
        .collect()
}

/// Ops that replace one another in converted models (quantized, fused, contrib forms).
const FAMILIES: &[&[&str]] = &[
    &[
        "Conv",
        "ConvInteger",
        "QLinearConv",
        "FusedConv",
        "NhwcConv",
    ],
    &[
        "MatMul",
        "Gemm",
        "MatMulInteger",
        "QLinearMatMul",
        "FusedMatMul",
        "FusedGemm",
        "QGemm",
        "MatMulNBits",
        "DynamicQuantizeMatMul",
    ],
    &["Add", "QLinearAdd", "BiasAdd"],
    &["Mul", "QLinearMul"],
    &["Sigmoid", "QLinearSigmoid"],
    &["LeakyRelu", "QLinearLeakyRelu"],
    &["GlobalAveragePool", "QLinearGlobalAveragePool"],
    &["AveragePool", "QLinearAveragePool"],
    &["Softmax", "QLinearSoftmax"],
    &["Concat", "QLinearConcat"],
    &[
        "LayerNormalization",
        "SkipLayerNormalization",
        "SimplifiedLayerNormalization",
    ],
    &["Gelu", "FastGelu", "BiasGelu", "QuickGelu"],
    &["Relu", "Clip"],
];

/// Could `b` be a converter's form of `a`?
fn same_family(a: &str, b: &str) -> bool {
    a == b || FAMILIES.iter().any(|f| f.contains(&a) && f.contains(&b))
}

/// The initializer a slot reads, directly or through a DequantizeLinear of one (quantized).
fn weight_of<'m>(side: &Side<'m>, v: &'m str) -> Option<(&'m str, bool)> {
    if side.initializers.contains(v) {
        return Some((v, false));
    }
    let &(p, _) = side.producers.get(v)?;
    let n = &side.nodes[p];
    if n.op_type == "DequantizeLinear" {
        let x = n.input.first()?;
        if side.initializers.contains(x.as_str()) {
            return Some((x.as_str(), true));
        }
    }
    None
}

fn initializer_proto<'m>(m: &'m Model, name: &str) -> Option<&'m onnx_protobuf::TensorProto> {
    let g = m.body(MAIN_GRAPH)?.graph()?;
    g.initializer
        .get(*m.graph(MAIN_GRAPH)?.initializers.get(name)?)
}

/// B's weight values as A would read them: dequantized through B's DequantizeLinear.
fn dequantized(b: &Side<'_>, v: &str, t: &crate::model::Tensor) -> Option<Vec<f64>> {
    let &(p, _) = b.producers.get(v)?;
    let n = &b.nodes[p];
    let scalar_or = |name: Option<&String>, default: f64| -> Option<Vec<f64>> {
        match name.filter(|s| !s.is_empty()) {
            None => Some(vec![default]),
            Some(s) => {
                let t = b.model.initializer(MAIN_GRAPH, s)?.ok()?;
                (0..t.values.len()).map(|i| t.values.get_f64(i)).collect()
            }
        }
    };
    let scale = scalar_or(n.input.get(1), 1.0)?;
    let zero = scalar_or(n.input.get(2), 0.0)?;
    let len = t.values.len();
    // Per-tensor, or per-channel along `axis` (default 1).
    let axis = n
        .attribute
        .iter()
        .find(|a| a.name == "axis")
        .map_or(1, |a| a.i);
    let dims: Vec<usize> = t.dims.iter().map(|&d| d as usize).collect();
    let rank = dims.len() as i64;
    let axis = if axis < 0 { axis + rank } else { axis } as usize;
    let inner: usize = dims.iter().skip(axis + 1).product();
    let channels = dims.get(axis).copied().unwrap_or(1);
    (0..len)
        .map(|i| {
            let c = if scale.len() > 1 && inner > 0 {
                (i / inner) % channels.max(1)
            } else {
                0
            };
            let s = *scale.get(c).or(scale.first())?;
            let z = *zero.get(c).or(zero.first())?;
            Some((t.values.get_f64(i)? - z) * s)
        })
        .collect()
}

fn weight_diff(
    a: &Side<'_>,
    b: &Side<'_>,
    wa: &str,
    (wb, vb, quantized): (&str, &str, bool),
    options: DiffOptions,
) -> Option<WeightDiff> {
    let (ta, tb) = (
        initializer_proto(a.model, wa)?,
        initializer_proto(b.model, wb)?,
    );
    let dtype =
        |t: &onnx_protobuf::TensorProto| crate::model::DataType::from_i32(t.data_type).name();
    let mut d = WeightDiff {
        a: wa.to_string(),
        b: wb.to_string(),
        a_dtype: dtype(ta),
        b_dtype: if quantized {
            format!("{} (dequantized)", dtype(tb))
        } else {
            dtype(tb)
        },
        a_shape: ta.dims.clone(),
        b_shape: tb.dims.clone(),
        max_abs: None,
        max_rel: None,
        quantized,
    };
    let external = |m: &Model, t: &onnx_protobuf::TensorProto| {
        crate::model::tensor::uses_external_data(t) || m.deferred_raw(t).is_some()
    };
    // Weights in external files are read only when asked (a 400 MB pair diffs in a second).
    let skip = !options.external_weights && (external(a.model, ta) || external(b.model, tb));
    // An integer weight read as is (ConvInteger, MatMulInteger) has its scale elsewhere.
    let is_float =
        |t: &onnx_protobuf::TensorProto| crate::model::DataType::from_i32(t.data_type).is_float();
    if !quantized && is_float(ta) != is_float(tb) {
        d.quantized = true;
        return Some(d);
    }
    if ta.dims != tb.dims || skip {
        return Some(d);
    }
    let xa = a.model.initializer(MAIN_GRAPH, wa)?.ok()?;
    let xb = b.model.initializer(MAIN_GRAPH, wb)?.ok()?;
    let vals_b: Vec<f64> = if quantized {
        dequantized(b, vb, &xb)?
    } else {
        (0..xb.values.len())
            .map(|i| xb.values.get_f64(i))
            .collect::<Option<_>>()?
    };
    let (mut abs, mut rel) = (0f64, 0f64);
    for (i, y) in vals_b.iter().enumerate() {
        let x = xa.values.get_f64(i)?;
        let e = (x - y).abs();
        if e.is_nan() {
            abs = f64::NAN;
            break;
        }
        abs = abs.max(e);
        if x != 0.0 {
            rel = rel.max(e / x.abs());
        }
    }
    d.max_abs = Some(abs);
    d.max_rel = Some(rel);
    Some(d)
}

/// Node name → index, for names that occur once.
fn unique_names<'m>(s: &Side<'m>) -> HashMap<&'m str, usize> {
    let mut count: HashMap<&str, usize> = HashMap::new();
    for n in s.nodes {
        if !n.name.is_empty() {
            *count.entry(n.name.as_str()).or_default() += 1;
        }
    }
    s.nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| count.get(n.name.as_str()) == Some(&1))
        .map(|(i, n)| (n.name.as_str(), i))
        .collect()
}

/// The structural, signature and weight differences of B against A.
pub fn diff(a: &Model, b: &Model, options: DiffOptions) -> ModelDiff {
    let (sa, sb) = (Side::of(a), Side::of(b));
    let mut values = Vec::new();
    let signature = signature(a, b, &mut values);
    let mut m = Matcher {
        a: &sa,
        b: &sb,
        values: ValueMap::default(),
        a_match: vec![None; sa.nodes.len()],
        b_match: vec![None; sb.nodes.len()],
        a_absorbed: vec![false; sa.nodes.len()],
        b_absorbed: vec![false; sb.nodes.len()],
        groups: vec![],
    };
    // Graph inputs as the signature paired them (outputs are matched through their nodes).
    if let (Some(ga), Some(gb)) = (a.graph(MAIN_GRAPH), b.graph(MAIN_GRAPH)) {
        for (x, y) in &values {
            let xa = ga.inputs.iter().find(|n| *n == x);
            let yb = gb.inputs.iter().find(|n| *n == y);
            if let (Some(xa), Some(yb)) = (xa, yb) {
                m.values.link(xa, yb);
                m.pass_through_b(yb);
            }
        }
    }
    // 1. By name, unique on both sides.
    let (ua, ub) = (unique_names(&sa), unique_names(&sb));
    let mut named: Vec<(usize, usize)> = ua
        .iter()
        .filter_map(|(name, &i)| ub.get(name).map(|&j| (i, j)))
        .collect();
    named.sort();
    for (i, j) in named {
        m.pair(i, j);
    }
    // 2. Along the edges, until nothing more matches.
    loop {
        let mut progress = false;
        for i in 0..sa.nodes.len() {
            if m.a_match[i].is_some() || m.a_absorbed[i] || !m.ready(i) {
                continue;
            }
            if let Some(j) = m.candidate(i, true) {
                m.pair(i, j);
                progress = true;
            } else if m.absorb(i) {
                progress = true;
            } else if let Some(j) = m.candidate(i, false) {
                m.pair(i, j);
                progress = true;
            }
        }
        if !progress {
            break;
        }
    }
    // Constant subgraphs (shape arithmetic folded by one side) match by name only; the rest
    // is added or removed.
    let mut nodes = NodesDiff::default();
    let mut weights = Vec::new();
    let mut weights_compared = 0;
    let mut pairs = Vec::new();
    for (i, j) in m
        .a_match
        .iter()
        .enumerate()
        .filter_map(|(i, j)| Some((i, (*j)?)))
    {
        pairs.push((i, j));
        let (na, nb) = (&sa.nodes[i], &sb.nodes[j]);
        let mut what = Vec::new();
        if na.op_type != nb.op_type || na.domain != nb.domain {
            what.push("op".to_string());
        }
        let (aa, ab) = (attribute_bytes(na), attribute_bytes(nb));
        for k in aa
            .keys()
            .chain(ab.keys())
            .collect::<std::collections::BTreeSet<_>>()
        {
            if aa.get(k) != ab.get(k) {
                what.push(format!("attribute {k}"));
            }
        }
        let wiring = |s: &Side<'_>, n: &NodeProto| {
            n.input
                .iter()
                .map(|x| !x.is_empty() && !s.is_constant(x))
                .collect::<Vec<bool>>()
        };
        if na.op_type == nb.op_type && wiring(&sa, na) != wiring(&sb, nb) {
            what.push("inputs".into());
        }
        for (k, (x, y)) in na.input.iter().zip(&nb.input).enumerate() {
            let (Some((wa, _)), Some((wb, q))) = (weight_of(&sa, x), weight_of(&sb, y)) else {
                continue;
            };
            weights_compared += 1;
            if let Some(d) = weight_diff(&sa, &sb, wa, (wb, y, q), options) {
                if !d.is_same() {
                    what.push(format!("weight {k}"));
                    weights.push(d);
                }
            }
        }
        if !what.is_empty() {
            nodes.changed.push(ChangedNode {
                a: sa.name(i),
                b: sb.name(j),
                a_op: na.op_type.clone(),
                b_op: nb.op_type.clone(),
                what,
            });
        } else {
            nodes.matched += 1;
        }
    }
    let lone = |s: &Side<'_>, matched: &[Option<usize>], absorbed: &[bool]| {
        (0..s.nodes.len())
            .filter(|&i| matched[i].is_none() && !absorbed[i])
            .map(|i| LoneNode {
                node: s.name(i),
                op: s.nodes[i].op_type.clone(),
            })
            .collect::<Vec<_>>()
    };
    nodes.removed = lone(&sa, &m.a_match, &m.a_absorbed);
    nodes.added = lone(&sb, &m.b_match, &m.b_absorbed);
    nodes.groups = std::mem::take(&mut m.groups);
    // Every matched A value with one counterpart produced by a matched node.
    let mut value_pairs: Vec<(String, String)> = Vec::new();
    for &(i, j) in &pairs {
        for (x, y) in sa.nodes[i].output.iter().zip(&sb.nodes[j].output) {
            if !x.is_empty() && !y.is_empty() {
                value_pairs.push((x.clone(), y.clone()));
            }
        }
    }
    ModelDiff {
        signature,
        nodes,
        weights,
        weights_compared,
        values: value_pairs,
        pairs,
    }
}
