//! How heavy a model is, per node and in total, from the inferred shapes (symbolic where dims
//! are): MACs and FLOPs, parameters and their bytes, activation bytes and the peak of live
//! activations along the evaluation order.
//!
//! One convention everywhere: a multiply-add is 1 MAC = 2 FLOPs. Ops made of multiply-adds
//! (Conv, ConvTranspose, MatMul, Gemm, Einsum, RNN/GRU/LSTM, attention) count MACs, and FLOPs
//! = 2 × MACs plus their bias adds; elementwise ops, reductions, pools, norms and Softmax count
//! FLOPs only (per element: 1 for arithmetic, activations and comparisons; Softmax 5: max,
//! subtract, exp, sum, divide; LayerNormalization, InstanceNormalization, GroupNormalization 7:
//! mean, centre, variance ×2, normalise, scale, shift; BatchNormalization 2, folded to a scale
//! and shift; Quantize/DequantizeLinear 2). Data movement (Reshape, Transpose, Gather, Concat,
//! Slice, Cast, …) costs 0 and is counted as 0. Quantized products (QLinearConv,
//! QLinearMatMul, ConvInteger, MatMulInteger, QGemm, MatMulNBits) are integer MACs, included in
//! `macs` and listed apart in `integer_macs`. An op without a rule, or whose shapes are not
//! known, is "not counted" — listed, never a silent zero.

pub mod expr;

use std::collections::{BTreeMap, HashMap, HashSet};

use onnx_protobuf::NodeProto;
use serde::Serialize;

pub use expr::{si, Count};

use crate::model::{DataType, GraphId, Model, MAIN_GRAPH};
use crate::shapes::ShapeAnalysis;

/// One node's cost.
#[derive(Debug, Clone, Serialize)]
pub struct NodeCost {
    #[serde(skip)]
    pub graph: GraphId,
    /// "" for the main graph, else the subgraph's or function's path.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub scope: String,
    #[serde(skip)]
    pub index: usize,
    pub node: String,
    pub op: String,
    #[serde(serialize_with = "as_text")]
    pub macs: Count,
    #[serde(serialize_with = "as_text")]
    pub flops: Count,
    /// The MACs are integer (quantized) ones.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub integer: bool,
    /// Elements of the initializers this node reads.
    pub params: u64,
    pub param_bytes: u64,
    /// Bytes of the outputs it writes.
    #[serde(serialize_with = "as_text")]
    pub activation_bytes: Count,
    /// Why it is not counted (no rule for the op, or shapes unknown); null when counted.
    pub not_counted: Option<String>,
}

fn as_text<S: serde::Serializer>(c: &Count, s: S) -> Result<S::Ok, S::Error> {
    match c.fixed() {
        Some(v) => s.serialize_f64(v),
        None => s.serialize_str(&c.to_string()),
    }
}

/// Totals of a namespace (node-name prefix like `/layer1/0`) or a subgraph.
#[derive(Debug, Clone, Serialize)]
pub struct GroupCost {
    pub name: String,
    pub nodes: usize,
    #[serde(serialize_with = "as_text")]
    pub macs: Count,
    #[serde(serialize_with = "as_text")]
    pub flops: Count,
    pub params: u64,
}

/// The largest sum of live activations along the evaluation order of the main graph.
#[derive(Debug, Clone, Serialize)]
pub struct Peak {
    /// At the chosen symbol values.
    pub bytes: f64,
    /// The expression of the live set at that step.
    pub expression: String,
    /// The node after which it is reached.
    pub after_node: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ModelCost {
    #[serde(serialize_with = "as_text")]
    pub macs: Count,
    #[serde(serialize_with = "as_text")]
    pub flops: Count,
    #[serde(serialize_with = "as_text")]
    pub integer_macs: Count,
    /// Elements of every initializer (each counted once, however many nodes read it).
    pub params: u64,
    pub param_bytes: u64,
    pub activation_peak: Option<Peak>,
    /// The value each symbol takes for the figures (1 unless chosen).
    pub symbols: BTreeMap<String, f64>,
    /// Figures at those values.
    pub macs_at: f64,
    pub flops_at: f64,
    /// Nodes not counted, as "op at node: why".
    pub not_counted: Vec<String>,
    #[serde(skip)]
    pub nodes: Vec<NodeCost>,
    /// Per namespace (each prefix of `/`-separated node names) and per subgraph.
    #[serde(skip)]
    pub groups: Vec<GroupCost>,
    /// Counted nodes, heaviest first (sorted once: the Model tab asks every frame, and sorting
    /// 100k symbolic counts took 90 ms).
    #[serde(skip)]
    by_weight: std::sync::OnceLock<Vec<usize>>,
    /// The graph inputs' bytes and each main-graph step, for `peak_at` other values.
    #[serde(skip)]
    pub live_inputs: Count,
    #[serde(skip)]
    pub live: Vec<LiveStep>,
}

impl ModelCost {
    /// The heaviest nodes by MACs (then FLOPs) at the chosen symbol values.
    pub fn heaviest(&self, n: usize) -> Vec<&NodeCost> {
        let order = self.by_weight.get_or_init(|| {
            let mut keyed: Vec<(f64, f64, usize)> = self
                .nodes
                .iter()
                .enumerate()
                .filter(|(_, c)| c.not_counted.is_none())
                .map(|(i, c)| (c.macs.eval(&self.symbols), c.flops.eval(&self.symbols), i))
                .collect();
            keyed.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.total_cmp(&a.1)));
            keyed.into_iter().map(|(_, _, i)| i).collect()
        });
        order.iter().take(n).map(|&i| &self.nodes[i]).collect()
    }

    /// The node's cost, by scope and index.
    pub fn node(&self, g: GraphId, index: usize) -> Option<&NodeCost> {
        self.nodes.iter().find(|c| c.graph == g && c.index == index)
    }
}

/// Element size in bytes of a dtype named as onnx-lens shows it (`float`, `int8`).
fn element_bytes(dtype: &str) -> Option<f64> {
    DataType::all_defined()
        .find(|d| d.name() == dtype)
        .map(|d| d.size_bits() as f64 / 8.0)
        .filter(|b| *b > 0.0)
}

/// Shapes and dtypes by (scope, value name), as counts.
struct Shapes<'a> {
    model: &'a Model,
    analysis: &'a ShapeAnalysis,
    scoped: HashMap<(GraphId, &'a str), &'a crate::shapes::ValueShape>,
    known: HashSet<String>,
}

impl<'a> Shapes<'a> {
    fn new(model: &'a Model, analysis: &'a ShapeAnalysis) -> Shapes<'a> {
        let scoped = analysis
            .scoped
            .iter()
            .map(|s| ((s.graph_id, s.value.name.as_str()), &s.value))
            .collect();
        let known = analysis
            .symbols
            .iter()
            .flat_map(|s| [s.written.clone(), s.shown().to_string()])
            .collect();
        Shapes {
            model,
            analysis,
            scoped,
            known,
        }
    }

    fn value(&self, g: GraphId, name: &str) -> Option<&'a crate::shapes::ValueShape> {
        if g == MAIN_GRAPH {
            self.analysis.get(name)
        } else {
            self.scoped.get(&(g, name)).copied()
        }
    }

    fn dims(&self, g: GraphId, name: &str) -> Option<Vec<Count>> {
        if name.is_empty() {
            return None;
        }
        if let Some(dims) = self.value(g, name).and_then(|v| v.dims.as_ref()) {
            let known = |s: &str| self.known.contains(s);
            if let Some(d) = dims
                .iter()
                .map(|d| Count::parse_dim(d, &known))
                .collect::<Option<Vec<_>>>()
            {
                return Some(d);
            }
        }
        self.initializer(g, name)
            .map(|t| t.dims.iter().map(|&d| Count::constant(d as f64)).collect())
    }

    fn dtype(&self, g: GraphId, name: &str) -> Option<String> {
        self.value(g, name)
            .and_then(|v| v.dtype.clone())
            .or_else(|| {
                self.initializer(g, name)
                    .map(|t| DataType::from_i32(t.data_type).name())
            })
    }

    fn initializer(&self, g: GraphId, name: &str) -> Option<&'a onnx_protobuf::TensorProto> {
        let graph = self.model.body(g)?.graph()?;
        let &i = self.model.graph(g)?.initializers.get(name)?;
        graph.initializer.get(i)
    }

    fn numel(&self, g: GraphId, name: &str) -> Option<Count> {
        self.dims(g, name).map(|d| Count::product(&d))
    }
}

fn attr_i(n: &NodeProto, name: &str) -> Option<i64> {
    n.attribute.iter().find(|a| a.name == name).map(|a| a.i)
}

fn attr_s(n: &NodeProto, name: &str) -> Option<String> {
    n.attribute
        .iter()
        .find(|a| a.name == name)
        .map(|a| String::from_utf8_lossy(&a.s).into_owned())
}

/// FLOPs per output element of elementwise ops (everything else in this family is 1).
fn elementwise(op: &str) -> Option<f64> {
    const ONE: &[&str] = &[
        "Add",
        "Sub",
        "Mul",
        "Div",
        "Pow",
        "Mod",
        "Neg",
        "Abs",
        "Reciprocal",
        "Sqrt",
        "Exp",
        "Log",
        "Erf",
        "Sin",
        "Cos",
        "Tan",
        "Tanh",
        "Sigmoid",
        "HardSigmoid",
        "HardSwish",
        "Relu",
        "LeakyRelu",
        "PRelu",
        "Elu",
        "Selu",
        "Celu",
        "Gelu",
        "FastGelu",
        "BiasGelu",
        "Mish",
        "Softplus",
        "Softsign",
        "ThresholdedRelu",
        "Clip",
        "Max",
        "Min",
        "Sum",
        "Mean",
        "Where",
        "Equal",
        "Less",
        "LessOrEqual",
        "Greater",
        "GreaterOrEqual",
        "And",
        "Or",
        "Xor",
        "Not",
        "Floor",
        "Ceil",
        "Round",
        "Sign",
        "IsNaN",
        "IsInf",
        "BitShift",
        "Shrink",
        "QuickGelu",
        "Sinh",
        "Cosh",
        "Asin",
        "Acos",
        "Atan",
        "Asinh",
        "Acosh",
        "Atanh",
    ];
    ONE.contains(&op).then_some(1.0)
}

/// Ops that only move or reinterpret data: counted, at 0.
fn data_movement(op: &str) -> bool {
    const OPS: &[&str] = &[
        "Reshape",
        "Transpose",
        "Squeeze",
        "Unsqueeze",
        "Flatten",
        "Concat",
        "Split",
        "Slice",
        "Gather",
        "GatherElements",
        "GatherND",
        "ScatterElements",
        "ScatterND",
        "Scatter",
        "Expand",
        "Tile",
        "Pad",
        "Identity",
        "Cast",
        "CastLike",
        "Shape",
        "Size",
        "Constant",
        "ConstantOfShape",
        "Range",
        "NonZero",
        "DepthToSpace",
        "SpaceToDepth",
        "Dropout",
        "OneHot",
        "EyeLike",
        "Compress",
        "ReverseSequence",
        "Trilu",
        "SequenceAt",
        "SequenceConstruct",
        "SequenceEmpty",
        "SequenceInsert",
        "SequenceLength",
        "Optional",
        "OptionalGetElement",
        "OptionalHasElement",
        "If",
        "Loop",
        "Scan",
        "ArrayFeatureExtractor",
    ];
    OPS.contains(&op)
}

/// MACs, extra FLOPs (beyond 2 per MAC), integer, for one node; `Err` when not counted.
fn rule(n: &NodeProto, g: GraphId, s: &Shapes<'_>) -> Result<(Count, Count, bool), String> {
    let op = n.op_type.as_str();
    let input = |i: usize| n.input.get(i).map(String::as_str).unwrap_or("");
    let dims = |i: usize| {
        s.dims(g, input(i))
            .ok_or_else(|| format!("shape of `{}` unknown", input(i)))
    };
    let out_dims = |i: usize| {
        let name = n.output.get(i).map(String::as_str).unwrap_or("");
        s.dims(g, name)
            .ok_or_else(|| format!("shape of `{name}` unknown"))
    };
    let out_numel = |i: usize| out_dims(i).map(|d| Count::product(&d));
    let in_numel = |i: usize| dims(i).map(|d| Count::product(&d));
    let none = Count::zero;
    let has = |i: usize| !input(i).is_empty();
    let prod = |d: &[Count]| Count::product(d);
    match op {
        // Y[N, M, out...] from W[M, C/g, k...]: every output element is C/g · Πk multiply-adds.
        "Conv" | "QLinearConv" | "ConvInteger" | "FusedConv" | "NhwcConv" => {
            let w_index = if op == "QLinearConv" { 3 } else { 1 };
            let w = dims(w_index)?;
            let y = out_numel(0)?;
            let per = prod(&w[1..]);
            let macs = y.mul(&per);
            let bias = match op {
                "QLinearConv" => has(8),
                "ConvInteger" => false,
                _ => has(2),
            };
            let extra = if bias { y } else { none() };
            Ok((
                macs,
                extra,
                op != "Conv" && op != "FusedConv" && op != "NhwcConv",
            ))
        }
        // X[N, C, in...] with W[C, M/g, k...]: every input element scatters M/g · Πk products.
        "ConvTranspose" => {
            let w = dims(1)?;
            let x = in_numel(0)?;
            let macs = x.mul(&prod(&w[1..]));
            let extra = if has(2) { out_numel(0)? } else { none() };
            Ok((macs, extra, false))
        }
        // Y[..., m, n] = A[..., m, k] · B[..., k, n]: k multiply-adds per output element.
        "MatMul" | "MatMulInteger" | "QLinearMatMul" | "FusedMatMul" | "MatMulNBits" => {
            let a = dims(0)?;
            let k = a.last().cloned().ok_or("a rank-0 MatMul input")?;
            let macs = out_numel(0)?.mul(&k);
            Ok((macs, none(), op != "MatMul" && op != "FusedMatMul"))
        }
        "Gemm" | "QGemm" | "FusedGemm" => {
            let a = dims(0)?;
            if a.len() != 2 {
                return Err("Gemm input of rank other than 2".into());
            }
            let k = if attr_i(n, "transA").unwrap_or(0) != 0 {
                a[0].clone()
            } else {
                a[1].clone()
            };
            let y = out_numel(0)?;
            let c_index = if op == "QGemm" { 6 } else { 2 };
            let extra = if has(c_index) { y.clone() } else { none() };
            Ok((y.mul(&k), extra, op == "QGemm"))
        }
        // One multiply-add per point of the index space the equation spans.
        "Einsum" => {
            let eq = attr_s(n, "equation").ok_or("Einsum without an equation")?;
            let (lhs, _) = eq.split_once("->").unwrap_or((eq.as_str(), ""));
            let mut sizes: BTreeMap<char, Count> = BTreeMap::new();
            for (i, term) in lhs.split(',').enumerate() {
                let d = dims(i)?;
                let letters: Vec<char> =
                    term.trim().chars().filter(|c| c.is_alphabetic()).collect();
                if term.contains("...") || letters.len() != d.len() {
                    return Err("Einsum with an ellipsis or a rank mismatch".into());
                }
                for (c, v) in letters.into_iter().zip(d) {
                    sizes.entry(c).or_insert(v);
                }
            }
            let inputs = lhs.split(',').count();
            let macs = if inputs < 2 {
                none()
            } else {
                Count::product(sizes.values())
            };
            let extra = if inputs < 2 { in_numel(0)? } else { none() };
            Ok((macs, extra, false))
        }
        // X[S, B, I]; gates × hidden × (input + hidden) multiply-adds per step, batch and direction.
        "RNN" | "GRU" | "LSTM" => {
            let x = dims(0)?;
            let w = dims(1)?;
            let r = dims(2)?;
            if x.len() != 3 || w.len() != 3 || r.len() != 3 {
                return Err("RNN inputs not of rank 3".into());
            }
            let layout = attr_i(n, "layout").unwrap_or(0);
            let (seq, batch) = if layout == 0 {
                (&x[0], &x[1])
            } else {
                (&x[1], &x[0])
            };
            // W[D, G·H, I], R[D, G·H, H]
            let steps = Count::product([seq, batch, &w[0], &w[1]]);
            let macs = steps.mul(&w[2].add(&r[2]));
            // bias adds, and the gate arithmetic: about 4 FLOPs per gate element
            let extra = steps.scale(if has(3) { 6.0 } else { 4.0 });
            Ok((macs, extra, false))
        }
        // com.microsoft Attention: input[B, S, H] · weights[H, 3H], then QKᵀ and ·V per head.
        "Attention" => {
            let x = dims(0)?;
            let w = dims(1)?;
            if x.len() != 3 || w.len() != 2 {
                return Err("Attention inputs of unexpected rank".into());
            }
            let (b, seq, h) = (&x[0], &x[1], &x[2]);
            let proj = Count::product([b, seq, &w[0], &w[1]]);
            let attn = Count::product([b, seq, seq, h]).scale(2.0);
            let softmax = Count::product([b, seq, seq])
                .mul(&Count::constant(attr_i(n, "num_heads").unwrap_or(1) as f64))
                .scale(5.0);
            Ok((proj.add(&attn), softmax, false))
        }
        // com.microsoft MultiHeadAttention: query[B, S, H] against key[B, L, H] (projected).
        "MultiHeadAttention" => {
            let q = dims(0)?;
            let k = dims(1)?;
            if q.len() != 3 || k.len() != 3 {
                return Err("MultiHeadAttention with packed or 4-D inputs".into());
            }
            let macs = Count::product([&q[0], &q[1], &k[1], &q[2]]).scale(2.0);
            let softmax = Count::product([&q[0], &q[1], &k[1]])
                .mul(&Count::constant(attr_i(n, "num_heads").unwrap_or(1) as f64))
                .scale(5.0);
            Ok((macs, softmax, false))
        }
        "MaxPool" | "AveragePool" | "LpPool" => {
            let k: f64 = n
                .attribute
                .iter()
                .find(|a| a.name == "kernel_shape")
                .map(|a| a.ints.iter().product::<i64>() as f64)
                .ok_or("pool without kernel_shape")?;
            Ok((none(), out_numel(0)?.scale(k), false))
        }
        "GlobalAveragePool" | "GlobalMaxPool" | "GlobalLpPool" | "QLinearGlobalAveragePool" => {
            Ok((none(), in_numel(0)?, false))
        }
        "ReduceMean" | "ReduceSum" | "ReduceMax" | "ReduceMin" | "ReduceProd" | "ReduceL1"
        | "ReduceL2" | "ReduceLogSum" | "ReduceLogSumExp" | "ReduceSumSquare" | "ArgMax"
        | "ArgMin" | "CumSum" | "TopK" => Ok((none(), in_numel(0)?, false)),
        "Softmax" | "LogSoftmax" | "QLinearSoftmax" => Ok((none(), in_numel(0)?.scale(5.0), false)),
        "LayerNormalization"
        | "InstanceNormalization"
        | "GroupNormalization"
        | "SimplifiedLayerNormalization"
        | "SkipLayerNormalization"
        | "RMSNormalization" => {
            let extra = if op == "SkipLayerNormalization" {
                1.0
            } else {
                0.0
            };
            Ok((none(), in_numel(0)?.scale(7.0 + extra), false))
        }
        "BatchNormalization" => Ok((none(), in_numel(0)?.scale(2.0), false)),
        "LRN" => {
            let size = attr_i(n, "size").unwrap_or(1) as f64;
            Ok((none(), in_numel(0)?.scale(size + 3.0), false))
        }
        "QuantizeLinear" | "DequantizeLinear" | "DynamicQuantizeLinear" => {
            Ok((none(), in_numel(0)?.scale(2.0), false))
        }
        "QLinearAdd" | "QLinearMul" | "QLinearSigmoid" | "QLinearLeakyRelu" => {
            Ok((none(), out_numel(0)?.scale(5.0), false))
        }
        // Interpolation taps per output element: 1 (copy) nearest, 2 per resized axis linear,
        // 4 per resized axis cubic; two FLOPs per tap.
        "Resize" | "Upsample" => {
            let mode = attr_s(n, "mode").unwrap_or_else(|| "nearest".into());
            let (x, y) = (dims(0)?, out_dims(0)?);
            let resized = x.iter().zip(&y).filter(|(a, b)| a != b).count() as i32;
            let taps = match mode.as_str() {
                "linear" | "bilinear" => 2f64.powi(resized),
                "cubic" => 4f64.powi(resized),
                _ => 0.0,
            };
            Ok((none(), Count::product(&y).scale(2.0 * taps), false))
        }
        _ if elementwise(op).is_some() => Ok((
            none(),
            out_numel(0)?.scale(elementwise(op).unwrap_or(1.0)),
            false,
        )),
        _ if data_movement(op) => Ok((none(), none(), false)),
        _ => Err(format!("no rule for {op}")),
    }
}

/// Elements and bytes of an initializer, from its dims alone (saturating: a hostile file's dims
/// may overflow).
fn weight_size(t: &onnx_protobuf::TensorProto) -> (u64, u64) {
    let elems = t
        .dims
        .iter()
        .fold(1u64, |acc, &d| acc.saturating_mul(d.max(0) as u64));
    let bits = DataType::from_i32(t.data_type).size_bits();
    (elems, elems.saturating_mul(bits) / 8)
}

/// The cost of every node of every scope, with symbols at `values` for the figures.
pub fn cost(model: &Model, shapes: &ShapeAnalysis, values: &BTreeMap<String, f64>) -> ModelCost {
    let s = Shapes::new(model, shapes);
    let mut nodes = Vec::new();
    for (g, index) in model.index.graphs.iter().enumerate() {
        let Some(body) = model.body(g) else { continue };
        for (i, n) in body.nodes().iter().enumerate() {
            let name = crate::model::tract_name(n).to_string();
            let (params, param_bytes) = n.input.iter().filter_map(|x| s.initializer(g, x)).fold(
                (0u64, 0u64),
                |(p, b), t| {
                    let (elems, bytes) = weight_size(t);
                    (p.saturating_add(elems), b.saturating_add(bytes))
                },
            );
            let activation_bytes = n.output.iter().fold(Count::zero(), |acc, o| {
                match (
                    s.numel(g, o),
                    s.dtype(g, o).as_deref().and_then(element_bytes),
                ) {
                    (Some(e), Some(b)) => acc.add(&e.scale(b)),
                    _ => acc,
                }
            });
            let (macs, flops, integer, not_counted) = match rule(n, g, &s) {
                Ok((macs, extra, integer)) => {
                    let flops = macs.scale(2.0).add(&extra);
                    (macs, flops, integer, None)
                }
                Err(why) => (Count::zero(), Count::zero(), false, Some(why)),
            };
            nodes.push(NodeCost {
                graph: g,
                scope: index.path.clone(),
                index: i,
                node: name,
                op: n.op_type.clone(),
                macs,
                flops,
                integer,
                params,
                param_bytes,
                activation_bytes,
                not_counted,
            });
        }
    }
    let sum = |f: &dyn Fn(&NodeCost) -> Option<&Count>| {
        nodes
            .iter()
            .filter_map(f)
            .fold(Count::zero(), |acc, c| acc.add(c))
    };
    let macs = sum(&|c| Some(&c.macs));
    let flops = sum(&|c| Some(&c.flops));
    let integer_macs = sum(&|c| c.integer.then_some(&c.macs));
    let (mut params, mut param_bytes) = (0u64, 0u64);
    for g in 0..model.index.graphs.len() {
        if let Some(graph) = model.body(g).and_then(|b| b.graph()) {
            for t in &graph.initializer {
                let (elems, bytes) = weight_size(t);
                params = params.saturating_add(elems);
                param_bytes = param_bytes.saturating_add(bytes);
            }
        }
    }
    let mut symbols: BTreeMap<String, f64> = BTreeMap::new();
    for c in &nodes {
        for sym in c
            .macs
            .symbols()
            .into_iter()
            .chain(c.activation_bytes.symbols())
        {
            symbols.insert(sym, 1.0);
        }
    }
    for (k, v) in values {
        symbols.insert(k.clone(), *v);
    }
    let not_counted = nodes
        .iter()
        .filter_map(|c| {
            c.not_counted
                .as_ref()
                .map(|why| format!("{} at {}: {why}", c.op, c.node))
        })
        .collect();
    let groups = groups(model, &nodes);
    let (live_inputs, live) = live_steps(model, &s);
    let mut cost = ModelCost {
        macs_at: macs.eval(&symbols),
        flops_at: flops.eval(&symbols),
        macs,
        flops,
        integer_macs,
        params,
        param_bytes,
        symbols,
        not_counted,
        nodes,
        groups,
        by_weight: Default::default(),
        live_inputs,
        live,
        activation_peak: None,
    };
    cost.activation_peak = cost.peak_at(&cost.symbols);
    cost
}

/// Totals per namespace prefix of the main graph (`/layer1`, `/layer1/0`, …, from node names
/// as torch writes them) and per subgraph or function, heaviest first.
fn groups(model: &Model, nodes: &[NodeCost]) -> Vec<GroupCost> {
    let mut by: BTreeMap<String, GroupCost> = BTreeMap::new();
    let mut add = |name: String, c: &NodeCost| {
        let e = by.entry(name.clone()).or_insert_with(|| GroupCost {
            name,
            nodes: 0,
            macs: Count::zero(),
            flops: Count::zero(),
            params: 0,
        });
        e.nodes += 1;
        e.macs = e.macs.add(&c.macs);
        e.flops = e.flops.add(&c.flops);
        e.params += c.params;
    };
    for c in nodes {
        if c.graph != MAIN_GRAPH {
            let path = model
                .graph(c.graph)
                .map(|g| g.path.clone())
                .unwrap_or_default();
            add(path, c);
            continue;
        }
        let parts: Vec<&str> = c.node.split('/').filter(|p| !p.is_empty()).collect();
        // Every proper prefix of the name is a namespace.
        for depth in 1..parts.len() {
            add(format!("/{}", parts[..depth].join("/")), c);
        }
    }
    by.into_values().collect()
}

/// One node of the main graph in evaluation order, for the live-activation walk.
#[derive(Debug, Clone)]
pub struct LiveStep {
    pub node: String,
    /// Bytes its outputs add to the live set.
    pub added: Count,
    /// Bytes freed after it: values whose last consumer it is.
    pub freed: Count,
}

/// The main graph's live-activation steps: inputs live from the start, an output from its
/// node until its last consumer (graph outputs to the end). Returns the inputs' bytes too.
fn live_steps(model: &Model, s: &Shapes<'_>) -> (Count, Vec<LiveStep>) {
    let (Some(index), Some(body)) = (model.graph(MAIN_GRAPH), model.body(MAIN_GRAPH)) else {
        return (Count::zero(), vec![]);
    };
    let nodes = body.nodes();
    let bytes = |name: &str| -> Option<Count> {
        let b = element_bytes(&s.dtype(MAIN_GRAPH, name)?)?;
        Some(s.numel(MAIN_GRAPH, name)?.scale(b))
    };
    let mut last_use: HashMap<&str, usize> = HashMap::new();
    for (i, n) in nodes.iter().enumerate() {
        for x in &n.input {
            last_use.insert(x.as_str(), i);
        }
    }
    for o in &index.outputs {
        last_use.insert(o.as_str(), usize::MAX);
    }
    let mut freed_at: Vec<Count> = vec![Count::zero(); nodes.len()];
    let mut free = |name: &str, b: &Count, produced: Option<usize>| match last_use.get(name) {
        Some(&usize::MAX) => {}
        Some(&u) => freed_at[u] = freed_at[u].add(b),
        // Never read: freed right after the node that wrote it.
        None => {
            if let Some(i) = produced {
                freed_at[i] = freed_at[i].add(b);
            }
        }
    };
    let mut inputs = Count::zero();
    for x in &index.inputs {
        if let Some(b) = bytes(x) {
            free(x, &b, None);
            inputs = inputs.add(&b);
        }
    }
    let mut added_at = Vec::with_capacity(nodes.len());
    for (i, n) in nodes.iter().enumerate() {
        let mut added = Count::zero();
        for o in n.output.iter().filter(|o| !o.is_empty()) {
            if let Some(b) = bytes(o) {
                free(o, &b, Some(i));
                added = added.add(&b);
            }
        }
        added_at.push(added);
    }
    let steps = nodes
        .iter()
        .zip(added_at)
        .zip(freed_at)
        .map(|((n, added), freed)| LiveStep {
            node: crate::model::tract_name(n).to_string(),
            added,
            freed,
        })
        .collect();
    (inputs, steps)
}

impl ModelCost {
    /// The largest live activation sum along the main graph, with the symbols at `values`.
    pub fn peak_at(&self, values: &BTreeMap<String, f64>) -> Option<Peak> {
        let mut live = self.live_inputs.eval(values);
        let mut best: Option<(f64, usize)> = None;
        for (i, step) in self.live.iter().enumerate() {
            live += step.added.eval(values);
            if best.is_none_or(|(b, _)| live > b) {
                best = Some((live, i));
            }
            live -= step.freed.eval(values);
        }
        let (bytes, at) = best?;
        // The live set's expression at that step.
        let mut expr = self.live_inputs.clone();
        for step in &self.live[..at] {
            expr = expr.add(&step.added).add(&step.freed.scale(-1.0));
        }
        expr = expr.add(&self.live[at].added);
        Some(Peak {
            bytes,
            expression: expr.to_string(),
            after_node: self.live[at].node.clone(),
        })
    }
}
