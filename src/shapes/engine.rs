//! onnx-lens's own shape inference, following the semantics of onnx's per-op inference
//! functions (`onnx/defs/*/defs.cc`): dims fixed, named or unknown, propagated node by node
//! through a scope. It names the node that breaks its op's shape rules (an axis beyond the rank,
//! too few dims, channels not divisible by group), which is what onnx's full_check rejects
//! through strict shape inference. Ops without a rule here leave their outputs unknown.

use onnx_protobuf::{AttributeProto, NodeProto};

use crate::model::types::Dim;
use crate::model::{Body, GraphId, Model};

/// A shape with a known rank.
pub type Shape = Vec<Dim>;

/// What a node's inputs are known to be.
pub struct NodeInputs<'a> {
    /// Per input: its shape, when the rank is known (`None` for an omitted input too).
    pub shapes: Vec<Option<&'a Shape>>,
    /// Per input: its values, when they are known integers (a constant, or a computed shape
    /// whose dims are all fixed: Reshape's shape, axes).
    pub ints: Vec<Option<Vec<i64>>>,
    /// Per input: its values as dims, fixed or named, when it is a computed shape (the output
    /// of Shape, and Gather/Slice/Concat/… of one): data propagation, as onnx's `data_prop`.
    pub values: Vec<Option<&'a [Dim]>>,
}

impl NodeInputs<'_> {
    fn shape(&self, i: usize) -> Option<&Shape> {
        self.shapes.get(i).copied().flatten()
    }
    fn ints(&self, i: usize) -> Option<&[i64]> {
        self.ints.get(i)?.as_deref()
    }
    fn values(&self, i: usize) -> Option<&[Dim]> {
        self.values.get(i).copied().flatten()
    }
}

/// An op's `axes`: an input from opset `input_since` on (Squeeze and Unsqueeze at 13), an
/// attribute before.
fn axes_at<'a>(
    node: &'a NodeProto,
    opset: i64,
    input_since: i64,
    x: &'a NodeInputs<'_>,
) -> Option<&'a [i64]> {
    if opset >= input_since {
        x.ints(1)
    } else {
        attr_ints(node, "axes")
    }
}

/// The dims a Shape node reports of an input of rank `rank` (opset 15's start and end, clamped
/// as onnx does).
fn shape_span(node: &NodeProto, rank: usize) -> std::ops::Range<usize> {
    let r = rank as i64;
    let clamp = |v: i64| if v < 0 { (v + r).max(0) } else { v.min(r) } as usize;
    let start = clamp(attr_i(node, "start", 0));
    let end = clamp(attr(node, "end").map_or(r, |a| a.i));
    start..end.max(start)
}

/// Elements a propagated shape value may have (a value is a shape: a handful of dims).
const MAX_VALUE_LEN: usize = 64;

/// The value of a node's output when it computes a shape from shapes (Shape, then Gather,
/// Slice, Concat, Unsqueeze, Squeeze, Cast, arithmetic with constants): what onnx calls data
/// propagation. `None` where the node is not such a computation or an input is not known.
pub fn propagate(node: &NodeProto, opset: i64, x: &NodeInputs<'_>) -> Option<Vec<Dim>> {
    let op = node.op_type.as_str();
    let v0 = || x.values(0);
    let out: Vec<Dim> = match op {
        "Shape" => {
            let s = x.shape(0)?;
            s[shape_span(node, s.len())].to_vec()
        }
        "Size" => vec![product(x.shape(0)?).map_or(Dim::Unknown, Dim::Value)],
        "Identity" | "Cast" | "Squeeze" | "Unsqueeze" => v0()?.to_vec(),
        "Gather" if attr_i(node, "axis", 0) == 0 => {
            let data = v0()?;
            let n = data.len() as i64;
            x.ints(1)?
                .iter()
                .map(|&i| {
                    let i = if i < 0 { i + n } else { i };
                    usize::try_from(i).ok().and_then(|i| data.get(i).cloned())
                })
                .collect::<Option<Vec<_>>>()?
        }
        "Slice" if opset >= 10 => {
            let data = v0()?;
            let (starts, ends) = (x.ints(1)?, x.ints(2)?);
            if starts.len() != 1 || ends.len() != 1 {
                return None;
            }
            if node.input.len() > 3 && x.ints(3).is_none_or(|a| a != [0] && a != [-1]) {
                return None;
            }
            let step = if node.input.len() > 4 {
                *x.ints(4)?.first()?
            } else {
                1
            };
            if step != 1 {
                return None;
            }
            let n = data.len() as i64;
            let len = slice_len(n, starts[0], ends[0], 1);
            let start = if starts[0] < 0 {
                (starts[0] + n).max(0)
            } else {
                starts[0].min(n)
            };
            data.get(start as usize..(start + len) as usize)?.to_vec()
        }
        "Concat" => {
            let mut all = Vec::new();
            for i in 0..node.input.len() {
                all.extend_from_slice(x.values(i)?);
            }
            all
        }
        // torch's `expand(b, -1, -1)` exports as Where(Equal(shape, -1), ones, shape) over a
        // ConstantOfShape: follow it, or every ViT's class token loses its batch.
        "Reshape" => {
            let v = v0()?;
            match x.ints(1)? {
                [n] if *n == -1 || *n == v.len() as i64 => v.to_vec(),
                _ => return None,
            }
        }
        "ConstantOfShape" => {
            let len = match x.ints(0)? {
                [n] if (0..=MAX_VALUE_LEN as i64).contains(n) => *n as usize,
                _ => return None,
            };
            let fill = match attr(node, "value").and_then(|a| a.t.as_ref()) {
                Some(t) => *small_ints(t)?.first()?,
                None => 0,
            };
            vec![Dim::Value(fill); len]
        }
        "Equal" => {
            let (a, b) = (x.values(0)?, x.values(1)?);
            elementwise(a, b, |p, q| match (p, q) {
                (Dim::Value(p), Dim::Value(q)) => Dim::Value(i64::from(p == q)),
                // A named dim is a size: never negative.
                (Dim::Param(_), Dim::Value(v)) | (Dim::Value(v), Dim::Param(_)) if *v < 0 => {
                    Dim::Value(0)
                }
                _ => Dim::Unknown,
            })?
        }
        "Where" => {
            let (c, a, b) = (x.values(0)?, x.values(1)?, x.values(2)?);
            let n = c.len().max(a.len()).max(b.len());
            let at = |v: &[Dim], i: usize| v.get(if v.len() == 1 { 0 } else { i }).cloned();
            (0..n)
                .map(|i| match at(c, i)? {
                    Dim::Value(0) => at(b, i),
                    Dim::Value(_) => at(a, i),
                    _ => Some(Dim::Unknown),
                })
                .collect::<Option<Vec<_>>>()?
        }
        "Add" | "Sub" | "Mul" | "Div" => {
            let (a, b) = (x.values(0)?, x.values(1)?);
            elementwise(a, b, |p, q| match (p, q) {
                (Dim::Value(p), Dim::Value(q)) => match op {
                    "Add" => p.checked_add(*q),
                    "Sub" => p.checked_sub(*q),
                    "Mul" => p.checked_mul(*q),
                    _ => (*q != 0).then(|| p.checked_div(*q)).flatten(),
                }
                .map_or(Dim::Unknown, Dim::Value),
                // x * 1, x + 0 keep a named dim; anything else of one is unknown here.
                (d @ Dim::Param(_), Dim::Value(1)) if op == "Mul" || op == "Div" => d.clone(),
                (Dim::Value(1), d @ Dim::Param(_)) if op == "Mul" => d.clone(),
                (d @ Dim::Param(_), Dim::Value(0)) if op == "Add" || op == "Sub" => d.clone(),
                _ => Dim::Unknown,
            })?
        }
        _ => return None,
    };
    (out.len() <= MAX_VALUE_LEN).then_some(out)
}

/// Two propagated values combined element by element (numpy broadcasting of 1-D values).
fn elementwise(a: &[Dim], b: &[Dim], f: impl Fn(&Dim, &Dim) -> Dim) -> Option<Vec<Dim>> {
    let n = a.len().max(b.len());
    if (a.len() != n && a.len() != 1) || (b.len() != n && b.len() != 1) {
        return None;
    }
    let at = |v: &'_ [Dim], i: usize| if v.len() == 1 { 0 } else { i };
    Some((0..n).map(|i| f(&a[at(a, i)], &b[at(b, i)])).collect())
}

/// Output shapes of a node (unknown where `None`), or why its inputs break the op's rules.
pub type Inferred = Result<Vec<Option<Shape>>, String>;

pub(super) fn attr<'a>(node: &'a NodeProto, name: &str) -> Option<&'a AttributeProto> {
    node.attribute.iter().find(|a| a.name == name)
}

fn attr_i(node: &NodeProto, name: &str, default: i64) -> i64 {
    attr(node, name).map_or(default, |a| a.i)
}

fn attr_ints<'a>(node: &'a NodeProto, name: &str) -> Option<&'a [i64]> {
    attr(node, name).map(|a| a.ints.as_slice())
}

/// An axis attribute normalised into [0, rank), or the error onnx gives for it.
fn axis_in(axis: i64, rank: usize, what: &str) -> Result<usize, String> {
    let r = rank as i64;
    if axis < -r || axis >= r {
        return Err(format!(
            "{what} {axis} is outside [-{r}, {}] for an input of rank {r}",
            r - 1
        ));
    }
    Ok(if axis < 0 { axis + r } else { axis } as usize)
}

/// The product of fixed dims; `None` when one is not fixed or the product overflows.
fn product<'a>(dims: impl IntoIterator<Item = &'a Dim>) -> Option<i64> {
    dims.into_iter()
        .try_fold(1i64, |acc, d| acc.checked_mul(fixed(d)?))
}

/// The product of `num` divided by the product of `den`, where it is a number or one named dim
/// (the names on both sides cancel, and what is left is one name times 1): the dim Reshape's
/// `-1` and Flatten's halves stand for. `Unknown` otherwise.
fn quotient<'a>(
    num: impl IntoIterator<Item = &'a Dim>,
    den: impl IntoIterator<Item = &'a Dim>,
) -> Dim {
    let mut names: Vec<&str> = Vec::new();
    let (mut n, mut d) = (1i64, 1i64);
    for x in num {
        match x {
            Dim::Value(v) => match n.checked_mul(*v) {
                Some(p) => n = p,
                None => return Dim::Unknown,
            },
            Dim::Param(p) => names.push(p),
            Dim::Unknown => return Dim::Unknown,
        }
    }
    for x in den {
        match x {
            Dim::Value(v) => match d.checked_mul(*v) {
                Some(p) => d = p,
                None => return Dim::Unknown,
            },
            Dim::Param(p) => match names.iter().position(|q| q == p) {
                Some(i) => {
                    names.swap_remove(i);
                }
                None => return Dim::Unknown,
            },
            Dim::Unknown => return Dim::Unknown,
        }
    }
    if d == 0 || n % d != 0 {
        return Dim::Unknown;
    }
    match (names.as_slice(), n / d) {
        ([], v) => Dim::Value(v),
        ([p], 1) => Dim::Param(p.to_string()),
        _ => Dim::Unknown,
    }
}

fn fixed(d: &Dim) -> Option<i64> {
    match d {
        Dim::Value(v) => Some(*v),
        _ => None,
    }
}

/// numpy broadcasting of several shapes; concrete dims that differ and are not 1 are an error.
fn broadcast(shapes: &[&Shape]) -> Result<Shape, String> {
    let rank = shapes.iter().map(|s| s.len()).max().unwrap_or(0);
    let mut out = Vec::with_capacity(rank);
    for i in 0..rank {
        let mut dim: Option<Dim> = None;
        let mut unknown = false;
        for s in shapes {
            let Some(d) = (i + s.len()).checked_sub(rank).map(|k| &s[k]) else {
                continue;
            };
            match (d, &dim) {
                (Dim::Value(1), _) => {}
                (Dim::Value(v), Some(Dim::Value(w))) if v != w => {
                    return Err(format!(
                        "inputs cannot be broadcast: dim {i} from the right is {w} in one input and {v} in another"
                    ))
                }
                (Dim::Value(_), _) => dim = Some(d.clone()),
                (Dim::Param(_), None) => dim = Some(d.clone()),
                (Dim::Param(p), Some(Dim::Param(q))) if p != q => unknown = true,
                (Dim::Param(_), _) => {}
                (Dim::Unknown, _) => unknown = true,
            }
        }
        out.push(match dim {
            Some(Dim::Value(v)) => Dim::Value(v),
            Some(d) if !unknown => d,
            None if !unknown => Dim::Value(1),
            _ => Dim::Unknown,
        });
    }
    Ok(out)
}

/// Ops whose output 0 has the shape of input 0.
fn same_shape(op: &str) -> bool {
    matches!(
        op,
        "Abs"
            | "Acos"
            | "Acosh"
            | "Asin"
            | "Asinh"
            | "Atan"
            | "Atanh"
            | "Cast"
            | "CastLike"
            | "Ceil"
            | "Celu"
            | "Cos"
            | "Cosh"
            | "Elu"
            | "Erf"
            | "Exp"
            | "Floor"
            | "Gelu"
            | "HardSigmoid"
            | "HardSwish"
            | "Identity"
            | "IsInf"
            | "IsNaN"
            | "LeakyRelu"
            | "Log"
            | "LpNormalization"
            | "Mish"
            | "Neg"
            | "Not"
            | "Reciprocal"
            | "Relu"
            | "Round"
            | "Selu"
            | "Shrink"
            | "Sigmoid"
            | "Sign"
            | "Sin"
            | "Sinh"
            | "Softplus"
            | "Softsign"
            | "Sqrt"
            | "Tan"
            | "Tanh"
            | "ThresholdedRelu"
            | "Clip"
            | "Dropout"
            | "BatchNormalization"
            | "InstanceNormalization"
            | "LRN"
            | "MeanVarianceNormalization"
            | "Hardmax"
            | "LogSoftmax"
            | "Softmax"
            | "PRelu"
            | "CumSum"
            | "Trilu"
            | "QuantizeLinear"
            | "DequantizeLinear"
            | "Scatter"
            | "ScatterElements"
            | "ScatterND"
            | "EyeLike"
            | "BitwiseNot"
            | "ReverseSequence"
    )
}

/// Ops that broadcast all their inputs (numpy style).
fn broadcasting(op: &str) -> bool {
    matches!(
        op,
        "Add"
            | "Sub"
            | "Mul"
            | "Div"
            | "Pow"
            | "Mod"
            | "Max"
            | "Min"
            | "Sum"
            | "Mean"
            | "And"
            | "Or"
            | "Xor"
            | "Equal"
            | "Less"
            | "Greater"
            | "LessOrEqual"
            | "GreaterOrEqual"
            | "BitShift"
            | "BitwiseAnd"
            | "BitwiseOr"
            | "BitwiseXor"
            | "Where"
    )
}

/// The node's output shapes under ONNX semantics, for the default domain at `opset`.
pub fn infer(node: &NodeProto, opset: i64, x: &NodeInputs<'_>) -> Inferred {
    let op = node.op_type.as_str();
    let one = |s: Option<Shape>| Ok(vec![s]);
    let x0 = x.shape(0);
    if same_shape(op) {
        // Softmax and its kin take an axis in range (opset 13 on: any rank).
        if matches!(op, "Softmax" | "LogSoftmax" | "Hardmax") && opset >= 13 {
            if let Some(s) = x0 {
                axis_in(attr_i(node, "axis", -1), s.len(), "axis")?;
            }
        }
        let mut outs = vec![x0.cloned()];
        outs.resize(node.output.len().max(1), None);
        return Ok(outs);
    }
    if broadcasting(op) {
        let shapes: Option<Vec<&Shape>> = (0..node.input.len()).map(|i| x.shape(i)).collect();
        return match shapes {
            Some(s) if !s.is_empty() => one(Some(broadcast(&s)?)),
            _ => one(None),
        };
    }
    match op {
        "MatMul" | "MatMulInteger" => {
            let (Some(a), Some(b)) = (x0, x.shape(1)) else {
                return one(None);
            };
            if a.is_empty() || b.is_empty() {
                return Err("MatMul inputs must have at least one dim (a rank-0 input)".into());
            }
            let a2: Shape = if a.len() == 1 {
                vec![Dim::Value(1), a[0].clone()]
            } else {
                a.clone()
            };
            let b2: Shape = if b.len() == 1 {
                vec![b[0].clone(), Dim::Value(1)]
            } else {
                b.clone()
            };
            let (k1, k2) = (&a2[a2.len() - 1], &b2[b2.len() - 2]);
            if let (Some(p), Some(q)) = (fixed(k1), fixed(k2)) {
                if p != q {
                    return Err(format!(
                        "MatMul's inner dims differ: {p} (last of input 0) vs {q} (second last of input 1)"
                    ));
                }
            }
            let batch = broadcast(&[&a2[..a2.len() - 2].to_vec(), &b2[..b2.len() - 2].to_vec()])?;
            let mut out = batch;
            if a.len() > 1 {
                out.push(a2[a2.len() - 2].clone());
            }
            if b.len() > 1 {
                out.push(b2[b2.len() - 1].clone());
            }
            one(Some(out))
        }
        "RNN" | "GRU" | "LSTM" => {
            // onnx's RNNShapeInference: X is [seq, batch, input] ([batch, seq, input] with layout 1).
            let Some(s) = x0 else {
                return Ok(vec![None; node.output.len()]);
            };
            if s.len() != 3 {
                return Err(format!(
                    "{op}'s input X must have rank 3, it has rank {}",
                    s.len()
                ));
            }
            let layout = attr_i(node, "layout", 0);
            let (seq, batch) = if layout == 0 {
                (s[0].clone(), s[1].clone())
            } else {
                (s[1].clone(), s[0].clone())
            };
            let dirs = match attr(node, "direction").map(|a| a.s.as_slice()) {
                Some(b"bidirectional") => Dim::Value(2),
                Some(b"forward" | b"reverse") | None => Dim::Value(1),
                Some(_) => Dim::Unknown,
            };
            let hidden = attr(node, "hidden_size").map_or(Dim::Unknown, |a| Dim::Value(a.i));
            let y = if layout == 0 {
                vec![seq, dirs.clone(), batch.clone(), hidden.clone()]
            } else {
                vec![batch.clone(), seq, dirs.clone(), hidden.clone()]
            };
            let state = if layout == 0 {
                vec![dirs, batch, hidden]
            } else {
                vec![batch, dirs, hidden]
            };
            let mut outs = vec![Some(y)];
            outs.extend((1..node.output.len()).map(|_| Some(state.clone())));
            Ok(outs)
        }
        "Gemm" => {
            let (Some(a), Some(b)) = (x0, x.shape(1)) else {
                return one(None);
            };
            for (i, s) in [a, b].into_iter().enumerate() {
                if s.len() != 2 {
                    return Err(format!(
                        "Gemm input {i} must have rank 2, it has rank {}",
                        s.len()
                    ));
                }
            }
            let (ta, tb) = (
                attr_i(node, "transA", 0) != 0,
                attr_i(node, "transB", 0) != 0,
            );
            let m = if ta { &a[1] } else { &a[0] };
            let n = if tb { &b[0] } else { &b[1] };
            one(Some(vec![m.clone(), n.clone()]))
        }
        "Conv" | "ConvInteger" | "QLinearConv" | "MaxPool" | "AveragePool" | "LpPool" => {
            let Some(s) = x0 else { return one(None) };
            let weight = if op == "QLinearConv" { 3 } else { 1 };
            let is_conv = op.contains("Conv");
            // Without a kernel_shape attribute onnx needs the weight's shape to go on.
            if is_conv && attr(node, "kernel_shape").is_none() && x.shape(weight).is_none() {
                return Ok(vec![None; node.output.len().max(1)]);
            }
            if s.len() < 3 {
                return Err(format!(
                    "{op} needs an input of at least 3 dims (N x C x D1…), it has {}",
                    s.len()
                ));
            }
            let mut out = vec![s[0].clone()];
            out.push(match (is_conv, x.shape(weight)) {
                (true, Some(w)) => w.first().cloned().unwrap_or(Dim::Unknown),
                (true, None) => Dim::Unknown,
                (false, _) => s[1].clone(),
            });
            out.extend(spatial(node, op, s, x.shape(weight).filter(|_| is_conv)));
            let mut outs = vec![Some(out)];
            outs.resize(node.output.len().max(1), None);
            Ok(outs)
        }
        "ConvTranspose" => {
            let Some(s) = x0 else { return one(None) };
            let group = attr_i(node, "group", 1);
            if group <= 0 {
                return Err(format!("ConvTranspose's group must be > 0, it is {group}"));
            }
            if s.len() < 3 {
                return Err(format!(
                    "ConvTranspose needs an input of at least 3 dims (N x C x D1…), it has {}",
                    s.len()
                ));
            }
            if let Some(c) = fixed(&s[1]) {
                if c % group != 0 {
                    return Err(format!(
                        "ConvTranspose: input channels C = {c} are not divisible by group = {group}"
                    ));
                }
            }
            if let Some(w) = x.shape(1) {
                if w.len() < 3 {
                    return Err(format!(
                        "ConvTranspose's weight needs at least 3 dims (C x M/group x k…), it has {}",
                        w.len()
                    ));
                }
            }
            let mut out = vec![Dim::Unknown; s.len()];
            out[0] = s[0].clone();
            one(Some(out))
        }
        "GlobalAveragePool" | "GlobalMaxPool" | "GlobalLpPool" => {
            let Some(s) = x0 else { return one(None) };
            if s.len() < 2 {
                return Err(format!(
                    "{op} needs at least 2 dims, the input has {}",
                    s.len()
                ));
            }
            let mut out = s[..2].to_vec();
            out.resize(s.len(), Dim::Value(1));
            one(Some(out))
        }
        "Concat" => {
            // onnx checks the axis once every input's shape is known.
            let shapes: Option<Vec<&Shape>> = (0..node.input.len()).map(|i| x.shape(i)).collect();
            let (Some(first), Some(shapes)) = (x0, shapes) else {
                return one(None);
            };
            let axis = axis_in(attr_i(node, "axis", 0), first.len(), "axis")?;
            if let Some(s) = shapes.iter().find(|s| s.len() != first.len()) {
                return Err(format!(
                    "Concat's inputs differ in rank: {} and {}",
                    first.len(),
                    s.len()
                ));
            }
            // onnx merges the other dims: two fixed values that differ cannot be merged.
            for s in &shapes {
                for (i, (a, b)) in first.iter().zip(s.iter()).enumerate() {
                    if let (Some(p), Some(q)) = (fixed(a), fixed(b)) {
                        if i != axis && p != q {
                            return Err(format!(
                                "Concat's inputs differ in dim {i} (not the axis {axis}): {p} and {q}"
                            ));
                        }
                    }
                }
            }
            let mut out = first.clone();
            out[axis] = shapes
                .iter()
                .try_fold(0i64, |acc, s| acc.checked_add(fixed(&s[axis])?))
                .map_or(Dim::Unknown, Dim::Value);
            one(Some(out))
        }
        "Split" => {
            let Some(s) = x0 else {
                return Ok(vec![None; node.output.len()]);
            };
            let axis = axis_in(attr_i(node, "axis", 0), s.len(), "axis")?;
            let n = node.output.len();
            // The sizes along the axis: given (an input from opset 13, an attribute before),
            // else equal parts (opset 18's num_outputs puts the remainder in the last).
            let given = if opset >= 13 {
                x.ints(1)
            } else {
                attr_ints(node, "split")
            };
            let split_input = opset >= 13 && node.input.get(1).is_some_and(|i| !i.is_empty());
            if split_input && given.is_none() {
                // Sizes given as a value not known here: the rank is known, the axis is not.
                let mut out = s.clone();
                out[axis] = Dim::Unknown;
                return Ok(vec![Some(out); n]);
            }
            let sizes: Vec<Dim> = match (given, fixed(&s[axis])) {
                (Some(sizes), _) if sizes.len() == n => {
                    sizes.iter().map(|&v| Dim::Value(v)).collect()
                }
                (Some(sizes), _) => {
                    return Err(format!(
                        "Split has {n} outputs but its split sizes have {} entries",
                        sizes.len()
                    ))
                }
                (None, Some(d)) if n > 0 && d % n as i64 == 0 => vec![Dim::Value(d / n as i64); n],
                (None, Some(d)) if n > 0 && opset >= 18 => {
                    // Dims come from the file: overflow leaves them unknown.
                    let k = n as i64;
                    let part = d.checked_add(k - 1).map(|v| v / k);
                    let last = part.and_then(|p| d.checked_sub(p.checked_mul(k - 1)?));
                    match (part, last) {
                        (Some(p), Some(l)) if l > 0 => {
                            let mut v = vec![Dim::Value(p); n - 1];
                            v.push(Dim::Value(l));
                            v
                        }
                        _ => vec![Dim::Unknown; n],
                    }
                }
                _ => vec![Dim::Unknown; n],
            };
            Ok(sizes
                .into_iter()
                .map(|d| {
                    let mut out = s.clone();
                    out[axis] = d;
                    Some(out)
                })
                .collect())
        }
        "Flatten" => {
            let Some(s) = x0 else { return one(None) };
            let r = s.len() as i64;
            let axis = attr_i(node, "axis", 1);
            if axis < -r || axis > r {
                return Err(format!(
                    "Flatten's axis {axis} is outside [-{r}, {r}] for an input of rank {r}"
                ));
            }
            let axis = if axis < 0 { axis + r } else { axis } as usize;
            let size = |d: &[Dim]| quotient(d, []);
            one(Some(vec![size(&s[..axis]), size(&s[axis..])]))
        }
        "Transpose" => {
            let Some(s) = x0 else { return one(None) };
            let perm: Vec<i64> = match attr_ints(node, "perm") {
                Some(p) => p.to_vec(),
                None => (0..s.len() as i64).rev().collect(),
            };
            if perm.len() != s.len() {
                return Err(format!(
                    "Transpose's perm has {} entries for an input of rank {}",
                    perm.len(),
                    s.len()
                ));
            }
            let mut seen = vec![false; s.len()];
            let mut out = Vec::with_capacity(s.len());
            for &p in &perm {
                let Some(d) = usize::try_from(p).ok().filter(|&p| p < s.len()) else {
                    return Err(format!(
                        "Transpose's perm holds {p}, outside the input's rank {}",
                        s.len()
                    ));
                };
                if std::mem::replace(&mut seen[d], true) {
                    return Err(format!("Transpose's perm repeats {p}"));
                }
                out.push(s[d].clone());
            }
            one(Some(out))
        }
        "LayerNormalization" => {
            let Some(s) = x0 else {
                return Ok(vec![None; node.output.len().max(1)]);
            };
            let axis = axis_in(attr_i(node, "axis", -1), s.len(), "axis")?;
            // Mean and InvStdDev keep the dims before the axis, and 1 from it on.
            let mut stats = s[..axis].to_vec();
            stats.resize(s.len(), Dim::Value(1));
            let mut outs = vec![Some(s.clone()), Some(stats.clone()), Some(stats)];
            outs.truncate(node.output.len().max(1));
            Ok(outs)
        }
        "STFT" => {
            if let Some(s) = x0 {
                if s.len() < 2 {
                    return Err(format!(
                        "STFT's signal needs at least 2 dims ([batch, length] or [batch, length, 1|2]), it has {}",
                        s.len()
                    ));
                }
            }
            one(None)
        }
        "Shape" => {
            let Some(s) = x0 else { return one(None) };
            one(Some(vec![Dim::Value(
                shape_span(node, s.len()).len() as i64
            )]))
        }
        "Size" => one(Some(vec![])),
        "Gather" => {
            let (Some(d), Some(i)) = (x0, x.shape(1)) else {
                return one(None);
            };
            if d.is_empty() {
                return Err("Gather's data must have at least one dim".into());
            }
            let axis = axis_in(attr_i(node, "axis", 0), d.len(), "axis")?;
            let mut out = d[..axis].to_vec();
            out.extend(i.iter().cloned());
            out.extend(d[axis + 1..].iter().cloned());
            one(Some(out))
        }
        "Reshape" => {
            // A constant target, or one computed from shapes whose entries may be named dims.
            let target: Vec<Dim> = match (x.ints(1), x.values(1)) {
                (Some(t), _) => t.iter().map(|&v| Dim::Value(v)).collect(),
                (None, Some(v)) => v.to_vec(),
                (None, None) => return one(None),
            };
            let allow_zero = attr_i(node, "allowzero", 0) != 0;
            let data = x0;
            let mut out: Shape = Vec::with_capacity(target.len());
            let mut minus_one = None;
            for (i, entry) in target.iter().enumerate() {
                let Dim::Value(t) = *entry else {
                    out.push(entry.clone());
                    continue;
                };
                out.push(match t {
                    -1 => {
                        if minus_one.replace(i).is_some() {
                            return Err("Reshape's target shape has more than one -1".into());
                        }
                        Dim::Unknown
                    }
                    0 if !allow_zero => match data {
                        Some(d) if i < d.len() => d[i].clone(),
                        Some(d) => {
                            return Err(format!(
                            "Reshape's target shape copies dim {i} (a 0) from an input of rank {}",
                            d.len()
                        ))
                        }
                        None => Dim::Unknown,
                    },
                    t if t < -1 => {
                        return Err(format!("Reshape's target shape holds {t}"));
                    }
                    t => Dim::Value(t),
                });
            }
            if let (Some(i), Some(d)) = (minus_one, data) {
                let rest: Vec<Dim> = out
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| *k != i)
                    .map(|(_, d)| d.clone())
                    .collect();
                out[i] = quotient(d, &rest);
            }
            one(Some(out))
        }
        "Unsqueeze" => {
            let axes = axes_at(node, opset, 13, x);
            let (Some(s), Some(axes)) = (x0, axes) else {
                return one(None);
            };
            let rank = s.len() + axes.len();
            let mut ax = Vec::with_capacity(axes.len());
            for &a in axes {
                ax.push(axis_in(a, rank, "axes entry")?);
            }
            ax.sort_unstable();
            if ax.windows(2).any(|w| w[0] == w[1]) {
                return Err("Unsqueeze's axes repeat an axis".into());
            }
            let mut it = s.iter();
            let out = (0..rank)
                .map(|i| {
                    if ax.binary_search(&i).is_ok() {
                        Dim::Value(1)
                    } else {
                        it.next().cloned().unwrap_or(Dim::Unknown)
                    }
                })
                .collect();
            one(Some(out))
        }
        "Squeeze" => {
            let axes = axes_at(node, opset, 13, x);
            let Some(s) = x0 else { return one(None) };
            let Some(axes) = axes else {
                // Axes given as a value not known here: the rank is unknown.
                if opset >= 13 && node.input.get(1).is_some_and(|a| !a.is_empty()) {
                    return one(None);
                }
                // Without axes every dim of 1 goes; unknown dims leave the rank unknown.
                if s.iter().all(|d| fixed(d).is_some()) {
                    return one(Some(
                        s.iter().filter(|d| fixed(d) != Some(1)).cloned().collect(),
                    ));
                }
                return one(None);
            };
            let mut ax = Vec::with_capacity(axes.len());
            for &a in axes {
                let a = axis_in(a, s.len(), "axes entry")?;
                if let Some(v) = fixed(&s[a]) {
                    if v != 1 {
                        return Err(format!("Squeeze's axis {a} has dim {v}, not 1"));
                    }
                }
                ax.push(a);
            }
            one(Some(
                s.iter()
                    .enumerate()
                    .filter(|(i, _)| !ax.contains(i))
                    .map(|(_, d)| d.clone())
                    .collect(),
            ))
        }
        "ReduceSum" | "ReduceMean" | "ReduceMax" | "ReduceMin" | "ReduceProd" | "ReduceL1"
        | "ReduceL2" | "ReduceLogSum" | "ReduceLogSumExp" | "ReduceSumSquare" => {
            let Some(s) = x0 else { return one(None) };
            let keep = attr_i(node, "keepdims", 1) != 0;
            // Axes moved from an attribute to an input: ReduceSum at 13, the others at 18.
            let axes_are_input = opset >= if op == "ReduceSum" { 13 } else { 18 };
            let axes: Option<Vec<i64>> = if axes_are_input {
                match node.input.get(1).filter(|a| !a.is_empty()) {
                    Some(_) => x.ints(1).map(<[i64]>::to_vec),
                    None => Some(vec![]),
                }
            } else {
                Some(attr_ints(node, "axes").map_or(vec![], <[i64]>::to_vec))
            };
            let Some(axes) = axes else {
                // Axes not known here: with keepdims the rank stays, the dims do not.
                return one(keep.then(|| vec![Dim::Unknown; s.len()]));
            };
            if axes.is_empty() && axes_are_input && attr_i(node, "noop_with_empty_axes", 0) != 0 {
                return one(Some(s.clone()));
            }
            let mut reduced = vec![axes.is_empty(); s.len()];
            for &a in &axes {
                reduced[axis_in(a, s.len(), "axes entry")?] = true;
            }
            let out = s
                .iter()
                .zip(&reduced)
                .filter_map(|(d, &r)| match (r, keep) {
                    (true, true) => Some(Dim::Value(1)),
                    (true, false) => None,
                    (false, _) => Some(d.clone()),
                })
                .collect();
            one(Some(out))
        }
        "ArgMax" | "ArgMin" => {
            let Some(s) = x0 else { return one(None) };
            let axis = axis_in(attr_i(node, "axis", 0), s.len(), "axis")?;
            let mut out = s.clone();
            if attr_i(node, "keepdims", 1) != 0 {
                out[axis] = Dim::Value(1);
            } else {
                out.remove(axis);
            }
            one(Some(out))
        }
        "GatherElements" => one(x.shape(1).cloned()),
        "NonZero" => {
            let Some(s) = x0 else { return one(None) };
            one(Some(vec![Dim::Value(s.len() as i64), Dim::Unknown]))
        }
        "Slice" if opset >= 10 => {
            let (Some(s), Some(starts), Some(ends)) = (x0, x.ints(1), x.ints(2)) else {
                return one(None);
            };
            let given = |i: usize| node.input.get(i).is_some_and(|n| !n.is_empty());
            let axes: Vec<i64> = match (given(3), x.ints(3)) {
                (false, _) => (0..starts.len() as i64).collect(),
                (true, Some(a)) => a.to_vec(),
                (true, None) => return one(None),
            };
            let steps: Vec<i64> = match (given(4), x.ints(4)) {
                (false, _) => vec![1; starts.len()],
                (true, Some(st)) => st.to_vec(),
                (true, None) => return one(None),
            };
            if axes.len() != starts.len()
                || ends.len() != starts.len()
                || steps.len() != starts.len()
            {
                return Err("Slice's starts, ends, axes and steps differ in length".into());
            }
            let mut out = s.clone();
            for k in 0..axes.len() {
                let a = axis_in(axes[k], s.len(), "axes entry")?;
                let step = steps[k];
                if step == 0 {
                    return Err("Slice's step is 0".into());
                }
                // A negative dim (a hostile declaration) has no length to slice.
                out[a] = match fixed(&s[a]).filter(|&d| d >= 0) {
                    Some(dim) => Dim::Value(slice_len(dim, starts[k], ends[k], step)),
                    None => Dim::Unknown,
                };
            }
            one(Some(out))
        }
        "Expand" => {
            let Some(s) = x0 else { return one(None) };
            match (x.values(1), x.shape(1).map(|t| t.as_slice())) {
                (Some(target), _) => one(Some(broadcast(&[s, &target.to_vec()])?)),
                // The target's values are not known, its length is: so is the output's rank.
                (None, Some([Dim::Value(k)])) if *k >= 0 => {
                    let rank = s.len().max(*k as usize);
                    one(Some(vec![Dim::Unknown; rank]))
                }
                _ => one(None),
            }
        }
        "Range" => {
            // Always 1-D; its length where start, limit and delta are known integers.
            let scalar = |i: usize| match x.ints(i) {
                Some([v]) => Some(i128::from(*v)),
                _ => None,
            };
            let len = match (scalar(0), scalar(1), scalar(2)) {
                (Some(start), Some(limit), Some(delta)) if delta != 0 => {
                    let n = (limit - start + delta - delta.signum()) / delta;
                    i64::try_from(n.max(0)).map_or(Dim::Unknown, Dim::Value)
                }
                // Range(0, n, 1) with n a named dim (a computed sequence length): n.
                (Some(0), None, Some(1)) => match x.values(1) {
                    Some([d @ Dim::Param(_)]) => d.clone(),
                    _ => Dim::Unknown,
                },
                _ => Dim::Unknown,
            };
            one(Some(vec![len]))
        }
        "ConstantOfShape" => one(x
            .values(0)
            .filter(|v| !v.iter().any(|d| matches!(d, Dim::Value(n) if *n < 0)))
            .map(<[Dim]>::to_vec)),
        "Tile" => {
            let (Some(s), Some(reps)) = (x0, x.ints(1)) else {
                return one(None);
            };
            if reps.len() != s.len() {
                return Err(format!(
                    "Tile's repeats has {} entries for an input of rank {}",
                    reps.len(),
                    s.len()
                ));
            }
            let out = s
                .iter()
                .zip(reps)
                .map(|(d, &r)| match fixed(d).and_then(|v| v.checked_mul(r)) {
                    Some(v) => Dim::Value(v),
                    None => Dim::Unknown,
                })
                .collect();
            one(Some(out))
        }
        "Pad" if opset >= 11 => {
            let (Some(s), Some(pads)) = (x0, x.ints(1)) else {
                return one(None);
            };
            // Opset 18's `axes` input pads only some axes: not followed here.
            if node.input.get(3).is_some_and(|a| !a.is_empty()) || pads.len() != 2 * s.len() {
                return one(None);
            }
            let r = s.len();
            let out = (0..r)
                .map(|i| {
                    match fixed(&s[i])
                        .and_then(|d| d.checked_add(pads[i])?.checked_add(pads[i + r]))
                    {
                        Some(v) => Dim::Value(v),
                        None => Dim::Unknown,
                    }
                })
                .collect();
            one(Some(out))
        }
        "TopK" if opset >= 10 => {
            let Some(s) = x0 else {
                return Ok(vec![None; node.output.len()]);
            };
            let axis = axis_in(attr_i(node, "axis", -1), s.len(), "axis")?;
            let mut out = s.clone();
            out[axis] = match x.ints(1) {
                Some([k]) => Dim::Value(*k),
                _ => Dim::Unknown,
            };
            Ok(vec![Some(out.clone()), Some(out)])
        }
        "DepthToSpace" | "SpaceToDepth" => {
            let Some(s) = x0 else { return one(None) };
            if s.len() != 4 {
                return Err(format!("{op} needs a 4-D input, it has {} dims", s.len()));
            }
            let b = attr_i(node, "blocksize", 0);
            if b <= 0 {
                return Err(format!("{op}'s blocksize must be positive, it is {b}"));
            }
            let scale = |d: &Dim, up: bool| match fixed(d) {
                Some(v) if up => v.checked_mul(b).map_or(Dim::Unknown, Dim::Value),
                Some(v) if v % b == 0 => Dim::Value(v / b),
                _ => Dim::Unknown,
            };
            let down = |d: &Dim, n: i64| match fixed(d) {
                Some(v) if v % n == 0 => Dim::Value(v / n),
                _ => Dim::Unknown,
            };
            let Some(bb) = b.checked_mul(b) else {
                return one(None);
            };
            one(Some(if op == "DepthToSpace" {
                vec![
                    s[0].clone(),
                    down(&s[1], bb),
                    scale(&s[2], true),
                    scale(&s[3], true),
                ]
            } else {
                vec![
                    s[0].clone(),
                    fixed(&s[1])
                        .and_then(|c| c.checked_mul(bb))
                        .map_or(Dim::Unknown, Dim::Value),
                    scale(&s[2], false),
                    scale(&s[3], false),
                ]
            }))
        }
        "Constant" => one(constant_shape(node)),
        _ => Ok(vec![None; node.output.len()]),
    }
}

/// What scope `own` (being built) or the nearest enclosing scope that has it knows of `name`
/// in one of its maps; `None` for an omitted input.
fn in_scope<'s, 'm, T>(
    own: &'s ScopeShapes<'m>,
    outer: &'s [ScopeShapes<'m>],
    ancestors: &[GraphId],
    name: &str,
    field: impl Fn(&'s ScopeShapes<'m>) -> &'s foldhash::HashMap<&'m str, T>,
) -> Option<&'s T> {
    if name.is_empty() {
        return None;
    }
    field(own).get(name).or_else(|| {
        ancestors
            .iter()
            .find_map(|&a| outer.get(a).and_then(|o| field(o).get(name)))
    })
}

/// The ai.onnx.ml ops whose output shapes onnx infers (the others set types only).
fn infer_ml(node: &NodeProto, x: &NodeInputs<'_>) -> Inferred {
    let x0 = x.shape(0);
    let one = |s: Option<Shape>| Ok(vec![s]);
    match node.op_type.as_str() {
        "Binarizer" | "CategoryMapper" | "LabelEncoder" => one(x0.cloned()),
        "LinearClassifier" => {
            // As onnx: labels [N], scores [N, classes]; a 1-D input is one row.
            let classes = attr_ints(node, "classlabels_ints")
                .map(<[i64]>::len)
                .or_else(|| attr(node, "classlabels_strings").map(|a| a.strings.len()));
            let (Some(s), Some(c)) = (x0, classes) else {
                return Ok(vec![None; node.output.len()]);
            };
            let n = match s.len() {
                1 => Dim::Value(1),
                2 => s[0].clone(),
                _ => return Ok(vec![None; node.output.len()]),
            };
            Ok(vec![
                Some(vec![n.clone()]),
                Some(vec![n, Dim::Value(c as i64)]),
            ])
        }
        // onnx has no inference for these; onnxruntime keeps the input's shape.
        "Scaler" | "Normalizer" | "Imputer" => one(x0.cloned()),
        "OneHotEncoder" => {
            let cats = attr_ints(node, "cats_int64s")
                .map(<[i64]>::len)
                .or_else(|| attr(node, "cats_strings").map(|a| a.strings.len()));
            let (Some(s), Some(n)) = (x0, cats) else {
                return one(None);
            };
            let mut out = s.clone();
            out.push(Dim::Value(n as i64));
            one(Some(out))
        }
        "ArrayFeatureExtractor" => {
            // A rank-1 input is left unknown, as onnx does.
            let Some(s) = x0.filter(|s| s.len() > 1) else {
                return one(None);
            };
            let mut out = s[..s.len() - 1].to_vec();
            out.push(match x.shape(1) {
                Some(i) if !i.is_empty() => product(i).map_or(Dim::Unknown, Dim::Value),
                _ => Dim::Unknown,
            });
            one(Some(out))
        }
        _ => Ok(vec![None; node.output.len()]),
    }
}

/// The com.microsoft ops onnxruntime's optimizer and exporters write, as onnxruntime shapes
/// them. onnx does not check contrib ops, so nothing here is an error: what does not fit is
/// left unknown.
fn infer_contrib(node: &NodeProto, x: &NodeInputs<'_>) -> Vec<Option<Shape>> {
    let x0 = x.shape(0).cloned();
    let n = node.output.len();
    let with_last = |s: &Shape, d: Dim| {
        let mut s = s.clone();
        if let Some(l) = s.last_mut() {
            *l = d;
        }
        s
    };
    let mut outs: Vec<Option<Shape>> = vec![None; n];
    match node.op_type.as_str() {
        "Gelu" | "FastGelu" | "BiasGelu" | "QuickGelu" | "BiasAdd" => outs[0] = x0,
        "SkipLayerNormalization" | "SkipSimplifiedLayerNormalization" => {
            // output, mean, inv_std_var, input + skip + bias
            if let Some(s) = x0 {
                outs[0] = Some(s.clone());
                for k in [1, 2] {
                    if k < n {
                        outs[k] = Some(with_last(&s, Dim::Value(1)));
                    }
                }
                if n > 3 {
                    outs[3] = Some(s);
                }
            }
        }
        "Attention" => {
            // input [B, S, in], weights [in, q + k + v] (sizes from qkv_hidden_sizes, else equal).
            let v = attr_ints(node, "qkv_hidden_sizes")
                .and_then(|q| q.get(2).copied())
                .map(Dim::Value)
                .or_else(|| {
                    let w = fixed(x.shape(1)?.get(1)?)?;
                    (w % 3 == 0).then_some(Dim::Value(w / 3))
                });
            if let (Some(s), Some(v)) = (x0.filter(|s| s.len() == 3), v) {
                outs[0] = Some(with_last(&s, v));
            }
        }
        "EmbedLayerNormalization" => {
            // input_ids [B, S]; the hidden size from gamma (input 5) or the word table.
            let hidden = x
                .shape(5)
                .and_then(|g| g.first().cloned())
                .or_else(|| x.shape(2).and_then(|w| w.get(1).cloned()));
            if let (Some(ids), Some(h)) = (x0.filter(|s| s.len() == 2), hidden) {
                let mut out = ids.clone();
                out.push(h);
                outs[0] = Some(out.clone());
                if n > 1 {
                    outs[1] = Some(vec![ids[0].clone()]);
                }
                if n > 2 {
                    outs[2] = Some(out);
                }
            }
        }
        _ => {}
    }
    outs
}

/// Elements of one axis of `dim` ≥ 0 a Slice keeps (ONNX's clamping of starts and ends).
fn slice_len(dim: i64, start: i64, end: i64, step: i64) -> i64 {
    if dim <= 0 {
        return 0;
    }
    let clamp = |v: i64, lo: i64, hi: i64| {
        let v = if v < 0 { v.saturating_add(dim) } else { v };
        v.clamp(lo, hi)
    };
    let (start, end) = if step > 0 {
        (clamp(start, 0, dim), clamp(end, 0, dim))
    } else {
        (clamp(start, 0, dim - 1), clamp(end, -1, dim - 1))
    };
    let span = i128::from(end) - i128::from(start);
    let step = i128::from(step);
    let n = if step > 0 {
        (span + step - 1) / step
    } else {
        (span + step + 1) / step
    };
    n.clamp(0, i128::from(dim.max(0))) as i64
}

/// Output spatial dims of a convolution or pooling node, where the attributes and dims say.
fn spatial(node: &NodeProto, op: &str, s: &Shape, w: Option<&Shape>) -> Vec<Dim> {
    let n = s.len() - 2;
    let unknown = vec![Dim::Unknown; n];
    let kernel: Vec<i64> = match attr_ints(node, "kernel_shape") {
        Some(k) => k.to_vec(),
        None => match w.map(|w| w.iter().skip(2).map(fixed).collect::<Option<Vec<i64>>>()) {
            Some(Some(k)) => k,
            _ => return unknown,
        },
    };
    let ones = vec![1; n];
    let strides = attr_ints(node, "strides").unwrap_or(&ones);
    let dilations = attr_ints(node, "dilations").unwrap_or(&ones);
    if kernel.len() != n || strides.len() != n || dilations.len() != n {
        return unknown;
    }
    let auto_pad = attr(node, "auto_pad").map_or("NOTSET".to_string(), |a| {
        String::from_utf8_lossy(&a.s).into_owned()
    });
    let zeros = vec![0; 2 * n];
    let pads = attr_ints(node, "pads").unwrap_or(&zeros);
    if pads.len() != 2 * n || op == "LpPool" || attr_i(node, "ceil_mode", 0) != 0 {
        return unknown;
    }
    (0..n)
        .map(|i| {
            let Some(d) = fixed(&s[i + 2]) else {
                return Dim::Unknown;
            };
            // Attributes come from the file: overflow gives an unknown dim, never a panic.
            let st = strides[i].max(1);
            let k = kernel[i]
                .checked_sub(1)
                .and_then(|k| k.checked_mul(dilations[i]))
                .and_then(|k| k.checked_add(1));
            let out = match auto_pad.as_str() {
                "SAME_UPPER" | "SAME_LOWER" => d.checked_add(st - 1).map(|v| v / st),
                "VALID" => k.and_then(|k| d.checked_sub(k)).map(|v| v / st + 1),
                _ => k.and_then(|k| {
                    d.checked_add(pads[i])?
                        .checked_add(pads[i + n])?
                        .checked_sub(k)
                        .map(|v| v / st + 1)
                }),
            };
            out.map_or(Dim::Unknown, Dim::Value)
        })
        .collect()
}

fn constant_shape(node: &NodeProto) -> Option<Shape> {
    let a = node.attribute.first()?;
    let dims = |d: &[i64]| d.iter().map(|&v| Dim::Value(v)).collect();
    Some(match a.name.as_str() {
        "value" => dims(&a.t.as_ref()?.dims),
        "sparse_value" => dims(&a.sparse_tensor.as_ref()?.dims),
        "value_float" | "value_int" | "value_string" => vec![],
        "value_floats" => vec![Dim::Value(a.floats.len() as i64)],
        "value_ints" => vec![Dim::Value(a.ints.len() as i64)],
        "value_strings" => vec![Dim::Value(a.strings.len() as i64)],
        _ => return None,
    })
}

/// Where an inferred shape contradicts a declared one: rank, or a fixed dim.
pub fn contradiction(inferred: &[Dim], declared: &[Dim]) -> Option<String> {
    if inferred.len() != declared.len() {
        return Some(format!(
            "rank {} by inference, rank {} declared",
            inferred.len(),
            declared.len()
        ));
    }
    inferred
        .iter()
        .zip(declared)
        .enumerate()
        .find_map(|(i, (a, b))| match (a, b) {
            (Dim::Value(x), Dim::Value(y)) if x != y => {
                Some(format!("dim {i} is {x} by inference, {y} declared"))
            }
            _ => None,
        })
}

/// Small integer constants a shape computation reads (Reshape's shape, axes inputs).
pub fn small_ints(t: &onnx_protobuf::TensorProto) -> Option<Vec<i64>> {
    const MAX: usize = 64;
    let count = t.dims.iter().try_fold(1i64, |acc, &d| acc.checked_mul(d));
    if t.dims.len() > 1 || count.is_none_or(|c| !(0..=MAX as i64).contains(&c)) {
        return None;
    }
    let decoded = crate::model::tensor::decode(t, None).ok()?;
    match decoded.values {
        crate::model::TensorValues::I64(v) => Some(v),
        crate::model::TensorValues::I32(v) => Some(v.into_iter().map(i64::from).collect()),
        _ => None,
    }
}

/// What the engine found in one scope.
#[derive(Default)]
pub struct ScopeShapes<'m> {
    /// Every value with a known rank (inferred, else declared, else an initializer's dims).
    pub shapes: foldhash::HashMap<&'m str, Shape>,
    /// Small integer tensors' values as dims: constants (Reshape shapes, axes) and computed
    /// shapes (Shape's output and what is computed from it: `propagate`).
    pub values: foldhash::HashMap<&'m str, Vec<Dim>>,
    /// Node outputs whose shape the engine inferred (the others in `shapes` are declared).
    pub inferred: foldhash::HashSet<&'m str>,
    /// Nodes that break their op's shape rules: (node, why).
    pub violations: Vec<(usize, String)>,
    /// Outputs whose inferred shape contradicts the declared one.
    pub contradictions: Vec<Contradiction<'m>>,
}

/// An output whose inferred shape contradicts the shape the model declares.
pub struct Contradiction<'m> {
    pub node: usize,
    pub value: &'m str,
    pub inferred: Shape,
    pub declared: Shape,
    pub why: String,
}

/// Infers the shapes of scope `g` (default-domain opset `opset`, `None` when not imported),
/// with the scopes before it in the index known (`outer[a]` for an ancestor `a`): parents come
/// before children, so outer values are known when a subgraph is visited.
pub fn infer_scope<'m>(
    model: &'m Model,
    g: GraphId,
    opset: Option<i64>,
    outer: &[ScopeShapes<'m>],
) -> ScopeShapes<'m> {
    infer_scope_with(model, g, opset, outer, &Bodies::default(), &NO_OVERRIDES)
}

/// Main-graph input shapes that replace the declared ones (a probe at concrete dim values).
pub type InputOverrides = foldhash::HashMap<String, Shape>;
static NO_OVERRIDES: std::sync::LazyLock<InputOverrides> =
    std::sync::LazyLock::new(Default::default);

/// The output shapes of each subgraph, by graph id, from an earlier pass.
#[derive(Default)]
pub struct Bodies(foldhash::HashMap<GraphId, Vec<Option<Shape>>>);

impl Bodies {
    fn of(model: &Model, scopes: &[ScopeShapes<'_>]) -> Bodies {
        let mut m = foldhash::HashMap::default();
        for (g, scope) in scopes.iter().enumerate() {
            if g == crate::model::MAIN_GRAPH {
                continue;
            }
            if let Some(index) = model.graph(g) {
                let outs = index
                    .outputs
                    .iter()
                    .map(|o| scope.shapes.get(o.as_str()).cloned())
                    .collect();
                m.insert(g, outs);
            }
        }
        Bodies(m)
    }
}

/// Every scope of the model, subgraphs included; an If's or Loop's outputs come from its
/// bodies' (a second pass once the bodies are known, more for nested ones). `opset_of` gives a
/// scope's default-domain opset.
pub fn infer_model<'m>(
    model: &'m Model,
    opset_of: &dyn Fn(GraphId) -> Option<i64>,
) -> Vec<ScopeShapes<'m>> {
    infer_model_at(model, opset_of, &NO_OVERRIDES)
}

/// `infer_model` with some main-graph inputs given other shapes than they declare.
pub fn infer_model_at<'m>(
    model: &'m Model,
    opset_of: &dyn Fn(GraphId) -> Option<i64>,
    overrides: &InputOverrides,
) -> Vec<ScopeShapes<'m>> {
    let pass = |bodies: &Bodies| {
        let mut scopes: Vec<ScopeShapes<'m>> = Vec::with_capacity(model.index.graphs.len());
        for g in 0..model.index.graphs.len() {
            let s = infer_scope_with(model, g, opset_of(g), &scopes, bodies, overrides);
            scopes.push(s);
        }
        scopes
    };
    let mut scopes = pass(&Bodies::default());
    // Each pass carries body outputs one nesting level further out.
    let depth = model
        .index
        .graphs
        .iter()
        .map(|g| g.depth)
        .max()
        .unwrap_or(0);
    for _ in 0..depth.min(MAX_BODY_PASSES) {
        let bodies = Bodies::of(model, &scopes);
        scopes = pass(&bodies);
    }
    scopes
}

/// Passes over nested bodies at most (each is a pass over the whole model).
const MAX_BODY_PASSES: usize = 4;

/// The outputs of an If (its branches agree dim by dim) or a Loop (its carried values; scan
/// outputs gain a leading dim) from its bodies' outputs.
fn control_flow_outputs(
    model: &Model,
    g: GraphId,
    n: usize,
    node: &NodeProto,
    bodies: &Bodies,
) -> Option<Vec<Option<Shape>>> {
    let child = |attr_name: &str| {
        model.index.graphs[g].children.iter().copied().find(|&c| {
            matches!(&model.index.graphs[c].owner,
                Some(crate::model::GraphOwner::Attribute { node: owner, attr, slot: None, .. })
                    if *owner == n && node.attribute.get(*attr).is_some_and(|a| a.name == attr_name))
        })
    };
    match node.op_type.as_str() {
        "If" => {
            let (t, e) = (
                bodies.0.get(&child("then_branch")?)?,
                bodies.0.get(&child("else_branch")?)?,
            );
            Some(
                (0..node.output.len())
                    .map(
                        |i| match (t.get(i).cloned().flatten(), e.get(i).cloned().flatten()) {
                            (Some(a), Some(b)) if a.len() == b.len() => Some(
                                a.iter()
                                    .zip(&b)
                                    .map(|(x, y)| if x == y { x.clone() } else { Dim::Unknown })
                                    .collect(),
                            ),
                            _ => None,
                        },
                    )
                    .collect(),
            )
        }
        "Loop" => {
            let body = bodies.0.get(&child("body")?)?;
            // Body outputs: condition, N carried values, then K scan outputs.
            let carried = node.input.len().saturating_sub(2);
            Some(
                (0..node.output.len())
                    .map(|i| {
                        let out = body.get(1 + i).cloned().flatten()?;
                        if i < carried {
                            Some(out)
                        } else {
                            let mut scanned = vec![Dim::Unknown];
                            scanned.extend(out);
                            Some(scanned)
                        }
                    })
                    .collect(),
            )
        }
        _ => None,
    }
}

fn infer_scope_with<'m>(
    model: &'m Model,
    g: GraphId,
    opset: Option<i64>,
    outer: &[ScopeShapes<'m>],
    bodies: &Bodies,
    overrides: &InputOverrides,
) -> ScopeShapes<'m> {
    let mut out = ScopeShapes::default();
    let Some(body) = model.body(g) else {
        return out;
    };
    let declared = model.declared_types(g);
    if let Body::Graph(graph) = body {
        for t in &graph.initializer {
            out.shapes
                .insert(&t.name, t.dims.iter().map(|&d| Dim::Value(d)).collect());
            if let Some(v) = small_ints(t) {
                out.values
                    .insert(&t.name, v.iter().map(|&d| Dim::Value(d)).collect());
            }
        }
        for v in &graph.input {
            if let Some(s) = overrides
                .get(&v.name)
                .filter(|_| g == crate::model::MAIN_GRAPH)
            {
                out.shapes.insert(&v.name, s.clone());
            }
            if let Some(s) = declared.get(&v.name).and_then(|t| t.shape()) {
                out.shapes.entry(&v.name).or_insert_with(|| s.to_vec());
            }
        }
        // A Loop body's undeclared inputs are what the Loop hands it: the iteration count and
        // condition (scalars), then the loop-carried values as they enter.
        if let Some(crate::model::GraphOwner::Attribute { parent, node, .. }) =
            model.index.graphs[g].owner.as_ref()
        {
            let owner = model.body(*parent).and_then(|b| b.nodes().get(*node));
            if let (Some(owner), Some(outer_scope)) = (owner, outer.get(*parent)) {
                if owner.op_type == "Loop" && owner.domain.is_empty() {
                    for (k, v) in graph.input.iter().enumerate() {
                        let given = if k < 2 {
                            Some(vec![])
                        } else {
                            owner
                                .input
                                .get(k)
                                .and_then(|i| outer_scope.shapes.get(i.as_str()))
                                .cloned()
                        };
                        if let Some(shape) = given {
                            if !out.shapes.contains_key(v.name.as_str()) {
                                out.inferred.insert(&v.name);
                                out.shapes.insert(&v.name, shape);
                            }
                        }
                    }
                }
            }
        }
    }
    let ancestors = model.index.ancestors(g);
    for (n, node) in body.nodes().iter().enumerate() {
        let domain = node.domain.as_str();
        if domain == "ai.onnx.ml" {
            if let Err(why) = ml_attributes(node) {
                out.violations.push((n, why));
            }
        }
        let is_ml = domain == "ai.onnx.ml";
        let default_domain = domain.is_empty() || domain == "ai.onnx";
        // ai.onnx.ml rules do not depend on the default domain's opset (a model may import
        // ai.onnx.ml alone).
        let is_ms = domain == "com.microsoft";
        let opset = match opset {
            Some(v) if default_domain || is_ml => v,
            None if is_ml => 0,
            _ if is_ms => 0,
            _ => continue,
        };
        let inputs = {
            let shapes: Vec<Option<&Shape>> = node
                .input
                .iter()
                .map(|i| in_scope(&out, outer, &ancestors, i, |s| &s.shapes))
                .collect();
            let values: Vec<Option<&[Dim]>> = node
                .input
                .iter()
                .map(|i| in_scope(&out, outer, &ancestors, i, |s| &s.values).map(Vec::as_slice))
                .collect();
            let ints = values
                .iter()
                .map(|v| v.and_then(|v| v.iter().map(fixed).collect::<Option<Vec<i64>>>()))
                .collect();
            NodeInputs {
                shapes,
                ints,
                values,
            }
        };
        let value = if is_ms {
            None
        } else {
            propagate(node, opset, &inputs)
        };
        let inferred = match control_flow_outputs(model, g, n, node, bodies) {
            Some(o) => Ok(o),
            None if is_ml => infer_ml(node, &inputs),
            None if is_ms => Ok(infer_contrib(node, &inputs)),
            None => infer(node, opset, &inputs),
        };
        let outputs = match inferred {
            Ok(o) => o,
            Err(why) => {
                out.violations.push((n, why));
                vec![None; node.output.len()]
            }
        };
        if node.op_type == "Constant" {
            let constant = node.attribute.first().and_then(|a| match a.name.as_str() {
                "value" => a.t.as_ref().and_then(small_ints),
                "value_ints" => Some(a.ints.clone()),
                "value_int" => Some(vec![a.i]),
                _ => None,
            });
            if let (Some(v), Some(o)) = (constant, node.output.first()) {
                out.values
                    .insert(o, v.iter().map(|&d| Dim::Value(d)).collect());
            }
        }
        // An all-fixed computed shape is then a constant to every rule that reads one.
        if let (Some(v), Some(o)) = (value, node.output.first()) {
            out.values.insert(o, v);
        }
        for (k, name) in node.output.iter().enumerate() {
            if name.is_empty() {
                continue;
            }
            let decl = declared.get(name).and_then(|t| t.shape());
            let inferred = outputs.get(k).cloned().flatten();
            // Contrib ops are not onnx's to check: their shapes fill gaps, never raise a warning.
            if let (Some(i), Some(d), false) = (&inferred, decl, is_ms) {
                if let Some(why) = contradiction(i, d) {
                    out.contradictions.push(Contradiction {
                        node: n,
                        value: name,
                        inferred: i.clone(),
                        declared: d.to_vec(),
                        why,
                    });
                }
            }
            match inferred {
                Some(s) => {
                    out.inferred.insert(name);
                    out.shapes.insert(name, s);
                }
                None => {
                    if let Some(d) = decl {
                        out.shapes.insert(name, d.to_vec());
                    }
                }
            }
        }
    }
    out
}

/// ai.onnx.ml attribute shapes onnx's inference insists on.
fn ml_attributes(node: &NodeProto) -> Result<(), String> {
    if node.op_type == "LabelEncoder" {
        let default = node.attribute.iter().find(|a| a.name == "default_tensor");
        if let Some(t) = default.and_then(|a| a.t.as_ref()) {
            if t.dims.len() != 1 || t.dims[0] != 1 {
                return Err(format!(
                    "LabelEncoder's default_tensor must be a 1-D tensor of one element, it has dims {:?}",
                    t.dims
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(d: &[i64]) -> Shape {
        d.iter().map(|&v| Dim::Value(v)).collect()
    }

    #[test]
    fn broadcast_follows_numpy() {
        assert_eq!(
            broadcast(&[&s(&[2, 1, 4]), &s(&[3, 1])]).unwrap(),
            s(&[2, 3, 4])
        );
        assert!(broadcast(&[&s(&[2, 3]), &s(&[4, 3])]).is_err());
        let named = vec![Dim::Param("batch".into()), Dim::Value(3)];
        assert_eq!(broadcast(&[&named, &s(&[1, 3])]).unwrap(), named);
    }

    /// Reshape's `-1` and Flatten's halves: names cancel, one name times 1 is that name, anything
    /// else (a name times a number, a quotient that is not whole) is not a dim the engine writes.
    #[test]
    fn quotients_of_named_dims() {
        let p = |n: &str| Dim::Param(n.into());
        let v = Dim::Value;
        assert_eq!(quotient(&[p("b"), v(4), v(4)], &[v(16)]), p("b"));
        assert_eq!(quotient(&[p("b"), p("s"), v(8)], &[p("s"), v(8)]), p("b"));
        assert_eq!(quotient(&[v(6), v(4)], &[v(3)]), v(8));
        assert_eq!(quotient(&[p("b"), v(4)], &[v(2)]), Dim::Unknown);
        assert_eq!(quotient(&[v(5)], &[v(2)]), Dim::Unknown);
        assert_eq!(quotient(&[p("b")], &[p("s")]), Dim::Unknown);
        assert_eq!(quotient(&[p("b"), Dim::Unknown], &[]), Dim::Unknown);
        assert_eq!(quotient(&[v(3)], &[v(0)]), Dim::Unknown);
    }
}
