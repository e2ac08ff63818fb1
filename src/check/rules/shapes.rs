//! Shape rules (what full_check's strict shape inference catches): shapes propagated through
//! every scope by onnx-lens's own engine (`shapes::engine`, ONNX semantics), each node checked
//! against its op's shape rules, and each inferred output against the shape the model declares.

use foldhash::{HashMap, HashMapExt};

use crate::check::schema::normalize_domain;
use crate::check::{At, Code, Ctx};
use crate::model::types::format_dims;
use crate::model::{Body, GraphId};
use crate::shapes::engine::{self, NodeInputs, Shape};

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    // Per scope, value name → shape and → small integer constant. Parents come before children
    // in the index, so outer values are known when a subgraph is visited.
    let mut shapes: Vec<HashMap<&str, Shape>> = Vec::with_capacity(model.index.graphs.len());
    let mut ints: Vec<HashMap<&str, Vec<i64>>> = Vec::with_capacity(model.index.graphs.len());
    for g in 0..model.index.graphs.len() {
        let (s, i) = scope(ctx, g, &shapes, &ints);
        shapes.push(s);
        ints.push(i);
    }
}

type Scope<'m> = (HashMap<&'m str, Shape>, HashMap<&'m str, Vec<i64>>);

fn scope<'m>(
    ctx: &mut Ctx<'m>,
    g: GraphId,
    outer_shapes: &[HashMap<&'m str, Shape>],
    outer_ints: &[HashMap<&'m str, Vec<i64>>],
) -> Scope<'m> {
    let model = ctx.model;
    let mut shapes: HashMap<&'m str, Shape> = HashMap::new();
    let mut ints: HashMap<&'m str, Vec<i64>> = HashMap::new();
    let Some(body) = model.body(g) else {
        return (shapes, ints);
    };
    let declared = model.declared_types(g);
    if let Body::Graph(graph) = body {
        for t in &graph.initializer {
            let dims = t
                .dims
                .iter()
                .map(|&d| crate::model::types::Dim::Value(d))
                .collect();
            shapes.insert(&t.name, dims);
            if let Some(v) = engine::small_ints(t) {
                ints.insert(&t.name, v);
            }
        }
        for v in &graph.input {
            if let Some(s) = declared.get(&v.name).and_then(|t| t.shape()) {
                shapes.entry(&v.name).or_insert_with(|| s.to_vec());
            }
        }
    }
    let Some(opset) = ctx.opsets(g).get("") else {
        return (shapes, ints);
    };
    let ancestors = model.index.ancestors(g);
    for (n, node) in body.nodes().iter().enumerate() {
        let domain = normalize_domain(&node.domain);
        if domain == "ai.onnx.ml" {
            if let Err(why) = ml_attributes(node) {
                ctx.report(Code::ShapeInference, At::Node(g, n), why);
            }
        }
        if !domain.is_empty() {
            continue;
        }
        let find_shape = |name: &str| -> Option<&Shape> {
            shapes.get(name).or_else(|| {
                ancestors
                    .iter()
                    .find_map(|&a| outer_shapes.get(a).and_then(|m| m.get(name)))
            })
        };
        let find_ints = |name: &str| -> Option<&[i64]> {
            ints.get(name).map(Vec::as_slice).or_else(|| {
                ancestors
                    .iter()
                    .find_map(|&a| outer_ints.get(a).and_then(|m| m.get(name)))
                    .map(Vec::as_slice)
            })
        };
        let inputs = NodeInputs {
            shapes: node
                .input
                .iter()
                .map(|i| if i.is_empty() { None } else { find_shape(i) })
                .collect(),
            ints: node
                .input
                .iter()
                .map(|i| if i.is_empty() { None } else { find_ints(i) })
                .collect(),
        };
        let outputs = match engine::infer(node, opset, &inputs) {
            Ok(o) => o,
            Err(why) => {
                ctx.report(Code::ShapeInference, At::Node(g, n), why);
                vec![None; node.output.len()]
            }
        };
        if node.op_type == "Constant" {
            let value = node.attribute.first().and_then(|a| match a.name.as_str() {
                "value" => a.t.as_ref().and_then(engine::small_ints),
                "value_ints" => Some(a.ints.clone()),
                "value_int" => Some(vec![a.i]),
                _ => None,
            });
            if let (Some(v), Some(out)) = (value, node.output.first()) {
                ints.insert(out, v);
            }
        }
        for (k, name) in node.output.iter().enumerate() {
            if name.is_empty() {
                continue;
            }
            let decl = declared.get(name).and_then(|t| t.shape());
            let inferred = outputs.get(k).cloned().flatten();
            if let (Some(i), Some(d)) = (&inferred, decl) {
                if let Some(why) = engine::contradiction(i, d) {
                    ctx.report(
                        Code::DeclaredShapeMismatch,
                        At::Node(g, n),
                        format!(
                            "output `{name}`: {} produces {} but the model declares {} ({why})",
                            node.op_type,
                            format_dims(Some(i)),
                            format_dims(Some(d))
                        ),
                    );
                }
            }
            if let Some(s) = inferred.or_else(|| decl.map(|d| d.to_vec())) {
                shapes.insert(name, s);
            }
        }
    }
    (shapes, ints)
}

/// ai.onnx.ml attribute shapes onnx's inference insists on.
fn ml_attributes(node: &onnx_protobuf::NodeProto) -> Result<(), String> {
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
