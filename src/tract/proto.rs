//! The proto tract is handed, and what a model must pass before tract sees it: external data
//! confined and range-checked, no initializer contradicting its input, no constant shape that
//! would make tract's analysis allocate gigabytes. For shape analysis the big weights become
//! typed graph inputs instead of being read.

use std::collections::{HashMap, HashSet};

use tract_onnx::pb;
use tract_onnx::prelude::Framework;

use super::failure::TractFailure;
use super::inline::inline_local_functions;
use super::lower::Rewrite;
use crate::model::types::Dim;
use crate::model::{tract_name, Body, Model, MAIN_GRAPH};

/// tract's proto and the folder its external data resolves against.
pub type TractProto = (pb::ModelProto, Option<String>);

fn model_dir(model: &Model) -> Option<String> {
    model
        .origin
        .path
        .as_ref()
        .and_then(|p| p.parent())
        .map(|p| p.to_string_lossy().into_owned())
}

/// `proto` re-serialised for tract's parser.
fn reparsed_proto(proto: &onnx_protobuf::ModelProto) -> Result<pb::ModelProto, TractFailure> {
    use onnx_protobuf::Message;
    let bytes = proto
        .write_to_bytes()
        .map_err(|e| TractFailure::refused(None, format!("cannot serialise the model: {e}")))?;
    tract_onnx::onnx()
        .proto_model_for_read(&mut &bytes[..])
        .map_err(|e| TractFailure::from_error(&e))
}

/// The model for tract's parser, its local functions inlined (tract runs none), with the calls
/// inlined.
fn reparsed(model: &Model) -> Result<(pb::ModelProto, Vec<Rewrite>), TractFailure> {
    match inline_local_functions(&model.proto) {
        None => Ok((reparsed_proto(&model.proto)?, vec![])),
        Some(Ok((inlined, calls))) => Ok((reparsed_proto(&inlined)?, calls)),
        Some(Err(e)) => Err(TractFailure::refused(
            Some(e.node).filter(|n| !n.is_empty()),
            format!("cannot inline the local function {}: {}", e.op, e.why),
        )),
    }
}

/// Reads the model for tract: from its file when it has one and calls no local function
/// (tract resolves external data itself), else from re-serialised bytes.
pub fn tract_proto(model: &Model) -> Result<TractProto, TractFailure> {
    tract_proto_inlined(model).map(|(p, _)| p)
}

/// `tract_proto`, and the local-function calls it inlined (what the model "ran as").
pub fn tract_proto_inlined(model: &Model) -> Result<(TractProto, Vec<Rewrite>), TractFailure> {
    vet_for_tract(model)?;
    let dir = model_dir(model);
    match &model.origin.path {
        Some(path) if model.proto.functions.is_empty() => {
            let proto = tract_onnx::onnx()
                .proto_model_for_path(path)
                .map_err(|e| TractFailure::from_error(&e))?;
            Ok(((proto, dir), vec![]))
        }
        _ => reparsed(model).map(|(p, calls)| ((p, dir), calls)),
    }
}

/// What a model must pass before tract sees it.
pub fn vet_for_tract(model: &Model) -> Result<(), TractFailure> {
    // tract resolves external data itself, unconfined: only hand it models whose every external
    // reference we have already confined to the model's folder and range-checked.
    model
        .verify_external_data()
        .map_err(|e| TractFailure::refused(None, e.to_string()))?;
    // tract trusts an initializer's declared input shape and reads past the tensor's data
    // (a crash, not an error: found by fuzzing), so such a model never reaches it.
    if let Some(Body::Graph(g)) = model.body(MAIN_GRAPH) {
        if let Some((name, what)) = crate::model::types::initializer_input_conflicts(g)
            .into_iter()
            .next()
        {
            return Err(TractFailure::refused(
                None,
                format!("initializer `{name}` is also a graph input, but {what}"),
            ));
        }
        if let Some((node, why)) = oversized_constant(model, g) {
            return Err(TractFailure::refused(Some(node), why));
        }
        if let Some((node, why)) = crashes_tract(model, g) {
            return Err(TractFailure::refused(Some(node), why));
        }
    }
    Ok(())
}

/// Floating-point weights from this many elements on are graph inputs during shape analysis.
const WEIGHT_AS_INPUT_MIN_ELEMENTS: i64 = 1024;

/// tract's proto for shape analysis, without the weights: a floating-point initializer of
/// 1024 elements or more, or one whose bytes are still in the file (deferred or external),
/// becomes a graph input of its type and shape. Output shapes do not depend on the values of
/// such tensors (small float tensors like Resize scales stay), and tract no longer reads and
/// copies every weight:
/// `shapes` on a 370 MB transformer took 0.9 GB. Falls back to the whole file when a
/// non-float tensor's bytes are still in it.
pub fn analysis_proto(model: &Model) -> Result<TractProto, TractFailure> {
    use crate::model::DataType;
    let Some(Body::Graph(g)) = model.body(MAIN_GRAPH) else {
        return tract_proto(model);
    };
    let mut as_inputs: HashMap<&str, (i32, &[i64])> = HashMap::new();
    for t in &g.initializer {
        let float = matches!(
            DataType::from_i32(t.data_type),
            DataType::Float | DataType::Float16 | DataType::Bfloat16 | DataType::Double
        );
        let elements = t
            .dims
            .iter()
            .try_fold(1i64, |acc, &d| acc.checked_mul(d))
            .unwrap_or(i64::MAX);
        let deferred = model.deferred_raw(t).is_some();
        let elsewhere = deferred || crate::model::tensor::uses_external_data(t);
        if t.dims.iter().any(|&d| d < 0) {
            // Not a shape an input can carry (it would read as a symbol): tract reports it.
            return tract_proto(model);
        }
        if float && (elements >= WEIGHT_AS_INPUT_MIN_ELEMENTS || elsewhere) {
            as_inputs.insert(&t.name, (t.data_type, &t.dims));
        } else if deferred {
            return tract_proto(model);
        }
    }
    if as_inputs.is_empty() {
        return tract_proto(model);
    }
    vet_for_tract(model)?;
    let (mut proto, _) = reparsed(model)?;
    if let Some(graph) = proto.graph.as_mut() {
        graph
            .initializer
            .retain(|t| !as_inputs.contains_key(t.name.as_str()));
        let typed = |elem_type: i32, dims: &[i64]| pb::TypeProto {
            value: Some(pb::type_proto::Value::TensorType(pb::type_proto::Tensor {
                elem_type,
                shape: Some(pb::TensorShapeProto {
                    dim: dims
                        .iter()
                        .map(|&d| pb::tensor_shape_proto::Dimension {
                            value: Some(pb::tensor_shape_proto::dimension::Value::DimValue(d)),
                            ..Default::default()
                        })
                        .collect(),
                }),
            })),
            ..Default::default()
        };
        // IR < 4 lists weights among the inputs already: they get the weight's exact type.
        for input in &mut graph.input {
            if let Some(&(elem, dims)) = as_inputs.get(input.name.as_str()) {
                input.r#type = Some(typed(elem, dims));
            }
        }
        let listed: HashSet<String> = graph.input.iter().map(|i| i.name.clone()).collect();
        let mut added: Vec<(&str, (i32, &[i64]))> = as_inputs
            .iter()
            .filter(|(name, _)| !listed.contains(**name))
            .map(|(n, t)| (*n, *t))
            .collect();
        added.sort_by_key(|(name, _)| *name);
        graph.input.extend(
            added
                .into_iter()
                .map(|(name, (elem, dims))| pb::ValueInfoProto {
                    name: name.to_string(),
                    r#type: Some(typed(elem, dims)),
                    ..Default::default()
                }),
        );
    }
    Ok((proto, model_dir(model)))
}

/// Highest rank a shape input may ask for (ONNX sets no limit; tract sizes its dims by it).
const MAX_RANK: i64 = 1024;

/// Nodes whose inputs make tract crash rather than fail (a SIGSEGV or an abort inside it, found
/// on onnx's shape-inference cases), told apart with onnx-lens's own shape engine: such a node
/// is named instead of handed to tract.
fn crashes_tract(model: &Model, g: &onnx_protobuf::GraphProto) -> Option<(String, String)> {
    let scope = crate::shapes::engine::infer_scope(model, MAIN_GRAPH, model.opset(""), &[]);
    let shape = |name: Option<&String>| name.and_then(|n| scope.shapes.get(n.as_str()));
    for n in &g.node {
        if !(n.domain.is_empty() || n.domain == "ai.onnx") {
            continue;
        }
        let node = || tract_name(n).to_string();
        match n.op_type.as_str() {
            "BatchNormalization" => {
                if let Some(x) = shape(n.input.first()).filter(|x| x.len() < 2) {
                    return Some((
                        node(),
                        format!(
                            "BatchNormalization `{}` takes an input of rank {}; it needs N x C (…), and tract crashes on less",
                            node(),
                            x.len()
                        ),
                    ));
                }
            }
            "OneHot" => {
                let empty = shape(n.input.get(1))
                    .is_some_and(|d| d.iter().any(|x| matches!(x, Dim::Value(0))));
                if empty {
                    return Some((
                        node(),
                        format!(
                            "OneHot `{}` has an empty depth tensor (one value is needed); tract crashes on it",
                            node()
                        ),
                    ));
                }
            }
            "ConstantOfShape" | "Expand" | "Reshape" | "Tile" => {
                let slot = if n.op_type == "ConstantOfShape" { 0 } else { 1 };
                if let Some([Dim::Value(rank)]) = shape(n.input.get(slot)).map(|d| d.as_slice()) {
                    if *rank > MAX_RANK {
                        return Some((
                            node(),
                            format!(
                                "{} `{}` takes a shape of {rank} dims, an output rank over the {MAX_RANK} onnx-lens lets tract allocate",
                                n.op_type,
                                node()
                            ),
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    None
}

/// Most elements a constant shape may ask for (ConstantOfShape, Expand): 256M, 1 GiB of f32.
const MAX_CONSTANT_ELEMENTS: u128 = 1 << 28;

/// tract folds constant subgraphs while it analyses, so a ConstantOfShape or Expand whose shape
/// is a constant in the file is materialised: a fuzzed [64, 32, 5, 393221] took 16 GB. Such a
/// node is named instead of handed to tract.
fn oversized_constant(model: &Model, g: &onnx_protobuf::GraphProto) -> Option<(String, String)> {
    let constants: HashMap<&str, &onnx_protobuf::TensorProto> = g
        .node
        .iter()
        .filter(|n| n.op_type == "Constant")
        .filter_map(|n| {
            let t = n.attribute.iter().find(|a| a.name == "value")?.t.as_ref()?;
            Some((n.output.first()?.as_str(), t))
        })
        .collect();
    let shape_values = |name: &str| -> Option<Vec<i64>> {
        let t = match constants.get(name) {
            Some(t) => model.decode_tensor(t).ok()?,
            None => model.initializer(MAIN_GRAPH, name)?.ok()?,
        };
        match t.values {
            crate::model::TensorValues::I64(v) => Some(v),
            _ => None,
        }
    };
    for n in &g.node {
        let shape_input = match n.op_type.as_str() {
            "ConstantOfShape" => n.input.first(),
            "Expand" => n.input.get(1),
            _ => None,
        };
        let Some(dims) = shape_input.and_then(|s| shape_values(s)) else {
            continue;
        };
        let elements = dims
            .iter()
            .try_fold(1u128, |acc, &d| acc.checked_mul(d.max(0) as u128));
        if elements.is_none_or(|e| e > MAX_CONSTANT_ELEMENTS) {
            let node = tract_name(n).to_string();
            let why = format!(
                "{} `{node}` would materialise a constant of shape {dims:?}, over the {MAX_CONSTANT_ELEMENTS} elements onnx-lens lets shape inference allocate",
                n.op_type
            );
            return Some((node, why));
        }
    }
    None
}
