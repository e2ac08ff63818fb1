//! Element types of a graph's values, node by node, as onnx's type inference gives them for
//! the default domain: most ops keep their first input's type, comparisons give bool, index ops
//! int64, Cast its `to`, quantization its zero point's. Ops without a rule leave their outputs
//! untyped; `graph_types` is then `None` (the caller asks tract).

use onnx_protobuf::NodeProto;

use super::engine::attr;
use crate::model::dtype::DataType;
use crate::model::{Body, GraphId, Model};

/// Ops whose every output has the type of their first input.
const SAME_AS_FIRST: &[&str] = &[
    "Abs",
    "Acos",
    "Acosh",
    "Add",
    "AffineGrid",
    "Asin",
    "Asinh",
    "Atan",
    "Atanh",
    "AveragePool",
    "BatchNormalization",
    "Celu",
    "Ceil",
    "Clip",
    "Col2Im",
    "Compress",
    "Concat",
    "Conv",
    "ConvTranspose",
    "Cos",
    "Cosh",
    "CumSum",
    "DepthToSpace",
    "Det",
    "Div",
    "Einsum",
    "Elu",
    "Erf",
    "Exp",
    "Expand",
    "Flatten",
    "Floor",
    "GRU",
    "Gather",
    "GatherElements",
    "GatherND",
    "Gelu",
    "Gemm",
    "GlobalAveragePool",
    "GlobalLpPool",
    "GlobalMaxPool",
    "GridSample",
    "GroupNormalization",
    "HardSigmoid",
    "HardSwish",
    "Hardmax",
    "Identity",
    "InstanceNormalization",
    "LRN",
    "LSTM",
    "LayerNormalization",
    "LeakyRelu",
    "Log",
    "LogSoftmax",
    "LpNormalization",
    "LpPool",
    "MatMul",
    "Max",
    "MaxRoiPool",
    "MaxUnpool",
    "Mean",
    "MeanVarianceNormalization",
    "Min",
    "Mish",
    "Mod",
    "Mul",
    "Neg",
    "Pad",
    "Pow",
    "PRelu",
    "RNN",
    "Range",
    "Reciprocal",
    "ReduceL1",
    "ReduceL2",
    "ReduceLogSum",
    "ReduceLogSumExp",
    "ReduceMax",
    "ReduceMean",
    "ReduceMin",
    "ReduceProd",
    "ReduceSum",
    "ReduceSumSquare",
    "Relu",
    "Reshape",
    "Resize",
    "ReverseSequence",
    "RoiAlign",
    "Round",
    "ScatterElements",
    "ScatterND",
    "Selu",
    "Shrink",
    "Sigmoid",
    "Sign",
    "Sin",
    "Sinh",
    "Slice",
    "Softmax",
    "Softplus",
    "Softsign",
    "SpaceToDepth",
    "Split",
    "Sqrt",
    "Squeeze",
    "Sub",
    "Sum",
    "Tan",
    "Tanh",
    "ThresholdedRelu",
    "Tile",
    "Transpose",
    "Trilu",
    "Unsqueeze",
    "Upsample",
];

/// Ops whose outputs are bool.
const BOOLEAN: &[&str] = &[
    "And",
    "Equal",
    "Greater",
    "GreaterOrEqual",
    "IsInf",
    "IsNaN",
    "Less",
    "LessOrEqual",
    "Not",
    "Or",
    "Xor",
];

/// Ops whose outputs are int64.
const INDICES: &[&str] = &["ArgMax", "ArgMin", "NonZero", "Shape", "Size"];

enum Rule {
    SameAsFirst,
    Of(DataType),
}

/// The lists above as one lookup (a node is looked up once; a 100k-node graph is 100k lookups).
static RULES: std::sync::LazyLock<foldhash::HashMap<&'static str, Rule>> =
    std::sync::LazyLock::new(|| {
        let same = SAME_AS_FIRST.iter().map(|op| (*op, Rule::SameAsFirst));
        let bools = BOOLEAN.iter().map(|op| (*op, Rule::Of(DataType::Bool)));
        let ints = INDICES.iter().map(|op| (*op, Rule::Of(DataType::Int64)));
        same.chain(bools).chain(ints).collect()
    });

/// The element types of `node`'s outputs from its inputs' (`None` per unknown input), `None`
/// where onnx-lens has no rule for the op.
fn output_types(node: &NodeProto, inputs: &[Option<DataType>]) -> Option<Vec<Option<DataType>>> {
    let first = inputs.first().copied().flatten();
    let n = node.output.len();
    let all = |t: Option<DataType>| Some(vec![t; n]);
    let op = node.op_type.as_str();
    match RULES.get(op) {
        Some(Rule::SameAsFirst) => return all(first),
        Some(Rule::Of(t)) => return all(Some(*t)),
        None => {}
    }
    let code = |c: i64| Some(DataType::from_i32(c as i32));
    match op {
        "Cast" => all(attr(node, "to").and_then(|a| code(a.i))),
        "CastLike" | "Where" | "DequantizeLinear" => all(inputs.get(1).copied().flatten()),
        "Dropout" => Some(vec![first, Some(DataType::Bool)]),
        "MaxPool" | "TopK" => Some(vec![first, Some(DataType::Int64)]),
        "Constant" => {
            let a = node.attribute.first()?;
            let t = match a.name.as_str() {
                "value" => DataType::from_i32(a.t.as_ref()?.data_type),
                "value_float" | "value_floats" => DataType::Float,
                "value_int" | "value_ints" => DataType::Int64,
                "value_string" | "value_strings" => DataType::String,
                _ => return None,
            };
            all(Some(t))
        }
        "ConstantOfShape" => {
            let t = attr(node, "value")
                .and_then(|a| a.t.as_ref())
                .map_or(DataType::Float, |t| DataType::from_i32(t.data_type));
            all(Some(t))
        }
        "EyeLike" => all(attr(node, "dtype").and_then(|a| code(a.i)).or(first)),
        "QuantizeLinear" => {
            let t = inputs
                .get(2)
                .copied()
                .flatten()
                .or_else(|| {
                    attr(node, "output_dtype")
                        .filter(|a| a.i != 0)
                        .and_then(|a| code(a.i))
                })
                .unwrap_or(DataType::Uint8);
            all(Some(t))
        }
        "DynamicQuantizeLinear" => Some(vec![
            Some(DataType::Uint8),
            Some(DataType::Float),
            Some(DataType::Uint8),
        ]),
        "MatMulInteger" | "ConvInteger" => all(Some(DataType::Int32)),
        "QLinearConv" | "QLinearMatMul" => all(inputs.get(7).copied().flatten()),
        _ => None,
    }
}

/// Every value of graph `g` with its element type (initializers, declared inputs, then each
/// node's outputs in order), or `None` when some node output's type is not known.
pub fn graph_types(model: &Model, g: GraphId) -> Option<foldhash::HashMap<&str, DataType>> {
    let Some(Body::Graph(graph)) = model.body(g) else {
        return None;
    };
    let declared = model.declared_types(g);
    let mut types: foldhash::HashMap<&str, DataType> = Default::default();
    types.reserve(graph.initializer.len() + graph.input.len() + graph.node.len());
    for t in &graph.initializer {
        types.insert(&t.name, DataType::from_i32(t.data_type));
    }
    for v in &graph.input {
        if let Some(t) = declared.get(&v.name).and_then(|t| t.elem()) {
            types.entry(&v.name).or_insert(t);
        }
    }
    for node in &graph.node {
        if !(node.domain.is_empty() || node.domain == "ai.onnx") {
            return None;
        }
        let inputs: Vec<Option<DataType>> = node
            .input
            .iter()
            .map(|i| {
                (!i.is_empty())
                    .then(|| types.get(i.as_str()).copied())
                    .flatten()
            })
            .collect();
        let outputs = output_types(node, &inputs)?;
        for (name, t) in node.output.iter().zip(outputs) {
            if name.is_empty() {
                continue;
            }
            types.insert(name, t.filter(|t| !matches!(t, DataType::Undefined))?);
        }
    }
    Some(types)
}
