//! Symbolic shape inference with tract: every named or unknown input dim becomes a tract symbol,
//! tract's analyser propagates facts, and facts are mapped back to ONNX value names (tract keeps
//! them as outlet labels). Value_info is ignored during analysis so "inferred" means inferred;
//! it is the fallback ("declared") where tract cannot say.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use tract_onnx::pb;
use tract_onnx::prelude::*;
use tract_onnx::tract_hir::infer::{Factoid, GenericFactoid, InferenceModelExt};

use crate::model::types::{format_dims, ValueType};
use crate::model::{Body, Model, MAIN_GRAPH};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ShapeOrigin {
    Inferred,
    Declared,
    Unknown,
}

/// One value's type and shape as onnx-lens shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueShape {
    pub name: String,
    /// ONNX element type name, when known.
    pub dtype: Option<String>,
    /// Each dim as text: `64`, `batch_size`, `batch_size*16`, `?`; null when the rank is unknown.
    pub dims: Option<Vec<String>>,
    pub origin: ShapeOrigin,
}

impl ValueShape {
    /// `1×16×64`-style text for edge labels.
    pub fn label(&self) -> String {
        match &self.dims {
            Some(d) => d.join("×"),
            None => "?".into(),
        }
    }
}

/// A declared symbolic (or unknown) input dimension and the tract symbol standing for it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InputSymbol {
    pub input: String,
    pub dim_index: usize,
    /// As written in the model: `batch_size`, `?`, `-1`, `p2o.DynamicDimension.0`.
    pub written: String,
    /// The identifier tract knows it by (also what dims expressions show).
    pub symbol: String,
}

/// A dim as tract inferred it, captured while tract's symbol table is alive (symbols print as
/// `<Sym0>` once the model is dropped).
#[derive(Debug, Clone, PartialEq)]
pub struct SymDim {
    /// `64`, `batch_size`, `784*batch_size`.
    pub text: String,
    /// Symbols the expression depends on.
    pub symbols: Vec<String>,
    /// The concrete value, when there is one.
    pub value: Option<i64>,
}

impl SymDim {
    fn of(d: &TDim) -> SymDim {
        SymDim {
            text: d.to_string(),
            symbols: d.symbols().iter().map(|s| s.to_string()).collect(),
            value: d.to_i64().ok(),
        }
    }

    pub fn mentions(&self, sym: &str) -> bool {
        self.symbols.iter().any(|s| s == sym)
    }

    /// The dim is exactly the symbol (not an expression of it).
    pub fn is(&self, sym: &str) -> bool {
        self.text == sym
    }
}

/// Facts about one node after analysis, for the dynamic-axes report.
#[derive(Debug, Clone)]
pub struct NodeFacts {
    pub name: String,
    pub op: String,
    pub inputs: Vec<Option<Vec<Option<SymDim>>>>,
    pub outputs: Vec<Option<Vec<Option<SymDim>>>>,
    /// Input values known as constants (a Reshape's shape, say), as text.
    pub const_inputs: Vec<Option<String>>,
}

pub struct ShapeAnalysis {
    pub values: Vec<ValueShape>,
    pub by_name: HashMap<String, usize>,
    pub symbols: Vec<InputSymbol>,
    /// Facts per node in evaluation order.
    pub nodes: Vec<NodeFacts>,
    /// Output value names of the graph.
    pub outputs: Vec<String>,
    /// tract's dims per value name, before they become text (the axes report reads symbols).
    pub tract_dims: HashMap<String, Vec<Option<SymDim>>>,
    /// Where tract's analysis stopped, if it did.
    pub error: Option<String>,
    pub unsupported_ops: Vec<String>,
}

impl ShapeAnalysis {
    pub fn get(&self, name: &str) -> Option<&ValueShape> {
        self.by_name.get(name).map(|&i| &self.values[i])
    }

    /// Share of values with a fully known shape.
    pub fn known_rate(&self) -> f64 {
        if self.values.is_empty() {
            return 1.0;
        }
        let known = self
            .values
            .iter()
            .filter(|v| v.dims.as_ref().is_some_and(|d| d.iter().all(|x| x != "?")))
            .count();
        known as f64 / self.values.len() as f64
    }
}

fn is_identifier(s: &str) -> bool {
    let mut c = s.chars();
    c.next()
        .is_some_and(|f| f.is_ascii_alphabetic() || f == '_')
        && c.all(|x| x.is_ascii_alphanumeric() || x == '_')
}

fn sanitize(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if !out.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        out.insert(0, '_');
    }
    out
}

/// Gives every symbolic or unknown dim of the graph inputs a tract-parsable symbol.
pub fn bind_input_symbols(proto: &mut pb::ModelProto) -> Vec<InputSymbol> {
    use pb::tensor_shape_proto::dimension::Value as DimValue;
    let Some(graph) = proto.graph.as_mut() else {
        return vec![];
    };
    let inits: std::collections::HashSet<String> =
        graph.initializer.iter().map(|t| t.name.clone()).collect();
    let mut by_written: HashMap<String, String> = HashMap::new();
    let mut taken: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut out = Vec::new();
    for input in graph.input.iter_mut().filter(|i| !inits.contains(&i.name)) {
        let Some(pb::type_proto::Value::TensorType(tt)) =
            input.r#type.as_mut().and_then(|t| t.value.as_mut())
        else {
            continue;
        };
        let Some(shape) = tt.shape.as_mut() else {
            continue;
        };
        for (d, dim) in shape.dim.iter_mut().enumerate() {
            let written = match &dim.value {
                Some(DimValue::DimValue(v)) if *v >= 0 => continue,
                Some(DimValue::DimValue(v)) => v.to_string(),
                Some(DimValue::DimParam(p)) if !p.is_empty() => p.clone(),
                _ => "?".to_string(),
            };
            // A named dim means the same symbol wherever it appears; `?`/-1 are each their own.
            let named = written != "?" && !written.starts_with('-');
            let symbol = match by_written.get(&written) {
                Some(s) if named => s.clone(),
                _ => {
                    let base = if named && is_identifier(&written) {
                        written.clone()
                    } else if named {
                        sanitize(&written)
                    } else {
                        format!("{}_dim{d}", sanitize(&input.name))
                    };
                    let mut s = base.clone();
                    let mut k = 1;
                    while !taken.insert(s.clone()) {
                        s = format!("{base}_{k}");
                        k += 1;
                    }
                    if named {
                        by_written.insert(written.clone(), s.clone());
                    }
                    s
                }
            };
            dim.value = Some(DimValue::DimParam(symbol.clone()));
            out.push(InputSymbol {
                input: input.name.clone(),
                dim_index: d,
                written,
                symbol,
            });
        }
    }
    out
}

/// The node tract names in an error chain (`Evaluating #12 "/fc1/Gemm" …`, `analyse for node #7 "x"`).
pub fn failing_node(message: &str) -> Option<String> {
    let at = ["Evaluating #", "for node #", "node #"]
        .iter()
        .find_map(|k| message.find(k))?;
    let rest = &message[at..];
    let open = rest.find('"')? + 1;
    let close = rest[open..].find('"')?;
    Some(rest[open..open + close].to_string())
}

/// tract's error text with its dim wrappers dropped: `Sym(seq)` → `seq`, `Val(64)` → `64`.
pub fn tidy_tract_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = ["Val(", "Sym("].iter().filter_map(|k| rest.find(k)).min() {
        out.push_str(&rest[..at]);
        let inner = &rest[at + 4..];
        match inner.find(')') {
            Some(close) => {
                out.push_str(&inner[..close]);
                rest = &inner[close + 1..];
            }
            None => {
                out.push_str(&rest[at..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// A constant input as text: small integer tensors (shapes, axes) as `[1, 16, 4, 16]`.
fn const_text(v: &Tensor) -> String {
    if v.len() <= 16 {
        if let Ok(ints) = v.cast_to::<i64>() {
            if let Ok(view) = ints.try_as_plain_ram() {
                if let Ok(s) = view.as_slice::<i64>() {
                    let items: Vec<String> = s.iter().map(|x| x.to_string()).collect();
                    return if v.rank() == 0 {
                        items.join("")
                    } else {
                        format!("[{}]", items.join(", "))
                    };
                }
            }
        }
    }
    format!("{:?} tensor of shape {:?}", v.datum_type(), v.shape())
}

/// tract's datum type as the ONNX element type name.
pub fn onnx_type_name(dt: DatumType) -> String {
    use DatumType::*;
    match dt {
        F32 => "float",
        F64 => "double",
        F16 => "float16",
        I8 => "int8",
        I16 => "int16",
        I32 => "int32",
        I64 | TDim => "int64",
        U8 => "uint8",
        U16 => "uint16",
        U32 => "uint32",
        U64 => "uint64",
        Bool => "bool",
        String => "string",
        other => return format!("{other:?}").to_lowercase(),
    }
    .to_string()
}

fn dims_of(fact: &InferenceFact) -> Option<Vec<Option<SymDim>>> {
    if fact.shape.is_open() {
        return None;
    }
    Some(
        fact.shape
            .dims()
            .map(|d| match d {
                GenericFactoid::Only(t) => Some(SymDim::of(t)),
                GenericFactoid::Any => None,
            })
            .collect(),
    )
}

fn dim_text(d: &Option<SymDim>) -> String {
    d.as_ref()
        .map(|t| t.text.clone())
        .unwrap_or_else(|| "?".into())
}

/// Reads the model for tract: from its file when it has one (tract resolves external data
/// itself), else from re-serialised bytes.
pub fn tract_proto(model: &Model) -> TractResult<(pb::ModelProto, Option<String>)> {
    vet_for_tract(model)?;
    let onnx = tract_onnx::onnx();
    if let Some(path) = &model.origin.path {
        let dir = path.parent().map(|p| p.to_string_lossy().into_owned());
        Ok((onnx.proto_model_for_path(path)?, dir))
    } else {
        use onnx_protobuf::Message;
        let bytes = model
            .proto
            .write_to_bytes()
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok((onnx.proto_model_for_read(&mut &bytes[..])?, None))
    }
}

/// What a model must pass before tract sees it.
fn vet_for_tract(model: &Model) -> TractResult<()> {
    // tract resolves external data itself, unconfined: only hand it models whose every external
    // reference we have already confined to the model's folder and range-checked.
    model
        .verify_external_data()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    // tract trusts an initializer's declared input shape and reads past the tensor's data
    // (a crash, not an error: found by fuzzing), so such a model never reaches it.
    if let Some(Body::Graph(g)) = model.body(MAIN_GRAPH) {
        if let Some((name, what)) = crate::model::types::initializer_input_conflicts(g)
            .into_iter()
            .next()
        {
            anyhow::bail!("initializer `{name}` is also a graph input, but {what}");
        }
        if let Some(why) = oversized_constant(model, g) {
            anyhow::bail!("{why}");
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
fn shapes_proto(model: &Model) -> TractResult<(pb::ModelProto, Option<String>)> {
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
    use onnx_protobuf::Message;
    let bytes = model
        .proto
        .write_to_bytes()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut proto = tract_onnx::onnx().proto_model_for_read(&mut &bytes[..])?;
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
        let listed: std::collections::HashSet<String> =
            graph.input.iter().map(|i| i.name.clone()).collect();
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
    let dir = model
        .origin
        .path
        .as_ref()
        .and_then(|p| p.parent())
        .map(|p| p.to_string_lossy().into_owned());
    Ok((proto, dir))
}

/// Most elements a constant shape may ask for (ConstantOfShape, Expand): 256M, 1 GiB of f32.
const MAX_CONSTANT_ELEMENTS: u128 = 1 << 28;

/// tract folds constant subgraphs while it analyses, so a ConstantOfShape or Expand whose shape
/// is a constant in the file is materialised: a fuzzed [64, 32, 5, 393221] took 16 GB. Such a
/// node is named instead of handed to tract.
fn oversized_constant(model: &Model, g: &onnx_protobuf::GraphProto) -> Option<String> {
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
            return Some(format!(
                "{} `{}` would materialise a constant of shape {dims:?}, over the {MAX_CONSTANT_ELEMENTS} elements onnx-lens lets shape inference allocate",
                n.op_type,
                crate::model::node_key(n)
            ));
        }
    }
    None
}

/// Infers every value's shape in the main graph.
/// How shape analysis hands big weights to tract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weights {
    /// As graph inputs of their type and shape (what `analyse` does).
    AsInputs,
    /// Every weight read and given to tract, as `run` does; `analyse` must agree with it.
    Read,
}

pub fn analyse(model: &Model) -> ShapeAnalysis {
    analyse_with(model, Weights::AsInputs)
}

pub fn analyse_with(model: &Model, weights: Weights) -> ShapeAnalysis {
    let mut analysis = ShapeAnalysis {
        values: vec![],
        by_name: HashMap::new(),
        symbols: vec![],
        nodes: vec![],
        outputs: model
            .graph(MAIN_GRAPH)
            .map(|g| g.outputs.clone())
            .unwrap_or_default(),
        tract_dims: HashMap::new(),
        error: None,
        unsupported_ops: vec![],
    };
    // A panic inside tract on a hostile model becomes an analysis error, never a crash.
    let attempt = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        tract_facts(model, &mut analysis, weights)
    }));
    let facts = match attempt {
        Ok(Ok(f)) => f,
        Ok(Err(e)) => {
            analysis.error = Some(format!("{e:#}"));
            HashMap::new()
        }
        Err(p) => {
            analysis.error = Some(format!("tract panicked: {}", crate::jobs::panic_text(&p)));
            analysis.nodes.clear();
            HashMap::new()
        }
    };
    fill_values(model, &facts, &mut analysis);
    analysis
}

/// A value's element type and dims as text, when tract knows them.
type TextFact = (Option<String>, Option<Vec<String>>);

/// tract facts by ONNX value name.
fn tract_facts(
    model: &Model,
    analysis: &mut ShapeAnalysis,
    weights: Weights,
) -> TractResult<HashMap<String, TextFact>> {
    let (mut proto, dir) = match weights {
        Weights::AsInputs => shapes_proto(model)?,
        Weights::Read => tract_proto(model)?,
    };
    analysis.symbols = bind_input_symbols(&mut proto);
    let onnx = tract_onnx::onnx()
        .with_ignore_value_info(true)
        .with_ignore_output_shapes(true);
    let parsed = onnx.parse(&proto, dir.as_deref())?;
    let mut tm = parsed.model;
    if let Err(e) = tm.analyse(true) {
        analysis.error = Some(format!("{e:#}"));
    }
    let mut facts = HashMap::new();
    let order = tm
        .eval_order()
        .unwrap_or_else(|_| (0..tm.nodes().len()).collect());
    for &id in &order {
        let node = tm.node(id);
        let op = node.op.name().to_string();
        if op.contains("Unimplemented") {
            analysis.unsupported_ops.push(node.name.clone());
        }
        let mut nf = NodeFacts {
            name: node.name.clone(),
            op,
            inputs: vec![],
            outputs: vec![],
            const_inputs: vec![],
        };
        for inlet in &node.inputs {
            let f = tm.outlet_fact(*inlet)?;
            nf.inputs.push(dims_of(f));
            nf.const_inputs
                .push(f.value.concretize().map(|v| const_text(&v)));
        }
        for (ix, out) in node.outputs.iter().enumerate() {
            let f = &out.fact;
            let dims = dims_of(f);
            nf.outputs.push(dims.clone());
            if let Some(label) = tm.outlet_label(OutletId::new(id, ix)) {
                if let Some(d) = &dims {
                    analysis.tract_dims.insert(label.to_string(), d.clone());
                }
                let dtype = f.datum_type.concretize().map(onnx_type_name);
                facts.insert(
                    label.to_string(),
                    (dtype, dims.map(|d| d.iter().map(dim_text).collect())),
                );
            }
        }
        analysis.nodes.push(nf);
    }
    Ok(facts)
}

fn fill_values(model: &Model, facts: &HashMap<String, TextFact>, a: &mut ShapeAnalysis) {
    let Some(Body::Graph(graph)) = model.body(MAIN_GRAPH) else {
        return;
    };
    let declared: HashMap<&str, ValueType> = graph
        .input
        .iter()
        .chain(&graph.output)
        .chain(&graph.value_info)
        .filter_map(|v| Some((v.name.as_str(), ValueType::from_proto(v.type_.as_ref()?))))
        .collect();
    let shown: BTreeMap<&str, &str> = a
        .symbols
        .iter()
        .filter(|s| s.written != "?" && !s.written.starts_with('-'))
        .map(|s| (s.symbol.as_str(), s.written.as_str()))
        .collect();
    let restore = |d: String| shown.get(d.as_str()).map(|w| w.to_string()).unwrap_or(d);
    let mut names: Vec<&str> = Vec::new();
    let index = model.graph(MAIN_GRAPH);
    if let Some(gi) = index {
        names.extend(gi.inputs.iter().map(String::as_str));
    }
    for n in &graph.node {
        names.extend(
            n.output
                .iter()
                .filter(|o| !o.is_empty())
                .map(String::as_str),
        );
    }
    for name in names {
        if a.by_name.contains_key(name) {
            continue;
        }
        let inferred = facts.get(name).filter(|(_, d)| d.is_some());
        let v = match (inferred, declared.get(name)) {
            (Some((dtype, dims)), _) => ValueShape {
                name: name.to_string(),
                dtype: dtype.clone(),
                dims: dims.clone().map(|d| d.into_iter().map(restore).collect()),
                origin: ShapeOrigin::Inferred,
            },
            (None, Some(t)) if t.shape().is_some() => ValueShape {
                name: name.to_string(),
                dtype: t.elem().map(|e| e.name()),
                dims: t.shape().map(|d| d.iter().map(|x| x.to_string()).collect()),
                origin: ShapeOrigin::Declared,
            },
            _ => ValueShape {
                name: name.to_string(),
                dtype: facts.get(name).and_then(|f| f.0.clone()),
                dims: None,
                origin: ShapeOrigin::Unknown,
            },
        };
        a.by_name.insert(name.to_string(), a.values.len());
        a.values.push(v);
    }
}

/// `float[batch_size,3,224,224]`-style text.
pub fn type_text(v: &ValueShape) -> String {
    let dims = v.dims.as_ref().map(|d| {
        d.iter()
            .map(|x| crate::model::types::Dim::Param(x.clone()))
            .collect::<Vec<_>>()
    });
    format!(
        "{}{}",
        v.dtype.as_deref().unwrap_or("?"),
        format_dims(dims.as_deref())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_node_in_tract_errors() {
        let m = r#"Failed analyse for node #7 "/fc1/Gemm" Gemm: Infering facts"#;
        assert_eq!(failing_node(m).as_deref(), Some("/fc1/Gemm"));
        assert_eq!(
            failing_node("Evaluating #3 \"x.y\" Reshape: bad").as_deref(),
            Some("x.y")
        );
        assert_eq!(failing_node("no node here"), None);
        assert_eq!(
            tidy_tract_text("unify MulInt(784, Sym(batch_size)) with Val(784)."),
            "unify MulInt(784, batch_size) with 784."
        );
    }
}
