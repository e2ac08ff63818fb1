//! Type rules (what full_check's type inference catches): forward propagation of element types
//! through every scope, binding each schema type parameter from the inputs, then checking the
//! allowed types, that one parameter binds one type, and that inferred outputs agree with what
//! the model declares.

use std::collections::HashMap;

use onnx_protobuf::NodeProto;

use crate::check::schema::{normalize_domain, Lookup, ParamOption, Schema};
use crate::check::{At, Ctx};
use crate::model::types::ValueType;
use crate::model::{Body, DataType};

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    // Per graph: value name → schema type string (`tensor(float)`). Parents come before
    // children in the index, so outer-scope types are known when a subgraph is visited.
    let mut known: Vec<HashMap<String, String>> = Vec::with_capacity(model.index.graphs.len());
    for g in 0..model.index.graphs.len() {
        let mut types: HashMap<String, String> = HashMap::new();
        let mut declared: HashMap<&str, ValueType> = HashMap::new();
        let Some(body) = model.body(g) else {
            known.push(types);
            continue;
        };
        if let Body::Graph(graph) = body {
            for t in graph
                .initializer
                .iter()
                .filter(|t| DataType::from_i32(t.data_type).is_defined())
            {
                types.insert(
                    t.name.clone(),
                    format!("tensor({})", DataType::from_i32(t.data_type).name()),
                );
            }
            for v in graph.input.iter() {
                let t = v.type_.as_ref().map(ValueType::from_proto);
                // An undefined element type is the graph rule's finding; inference skips it.
                if t.as_ref()
                    .and_then(|t| t.elem())
                    .is_some_and(|e| !e.is_defined())
                {
                    continue;
                }
                if let Some(s) = t.and_then(|t| t.schema_string()) {
                    types.insert(v.name.clone(), s);
                }
            }
            for v in graph.output.iter().chain(&graph.value_info) {
                if let Some(t) = v.type_.as_ref() {
                    declared.insert(&v.name, ValueType::from_proto(t));
                }
            }
        }
        let opsets = ctx.opsets(g);
        let ancestors = model.index.ancestors(g);
        for (n, node) in body.nodes().iter().enumerate() {
            let lookup = |name: &str, types: &HashMap<String, String>| -> Option<String> {
                types
                    .get(name)
                    .or_else(|| {
                        ancestors
                            .iter()
                            .find_map(|&a| known.get(a).and_then(|m| m.get(name)))
                    })
                    .cloned()
            };
            let input_types: Vec<Option<String>> = node
                .input
                .iter()
                .map(|i| {
                    if i.is_empty() {
                        None
                    } else {
                        lookup(i, &types)
                    }
                })
                .collect();
            let Some(&version) = opsets.get(normalize_domain(&node.domain)) else {
                continue;
            };
            let Lookup::Found(schema) = ctx.table.lookup(&node.domain, &node.op_type, version)
            else {
                continue;
            };
            let outputs = infer_node(ctx, At::Node(g, n), node, schema, &input_types);
            for (name, ty) in node.output.iter().zip(outputs) {
                let Some(ty) = ty else { continue };
                if name.is_empty() {
                    continue;
                }
                if let Some(decl) = declared.get(name.as_str()) {
                    if let (Some(d), Some(inferred)) = (decl.elem(), tensor_elem(&ty)) {
                        if d.is_defined() && d.name() != inferred {
                            ctx.report(
                                "type-mismatch",
                                At::Node(g, n),
                                format!(
                                    "output `{name}` is {ty} by inference but declared tensor({})",
                                    d.name()
                                ),
                            );
                        }
                    }
                }
                types.insert(name.clone(), ty);
            }
        }
        known.push(types);
    }
}

fn tensor_elem(ty: &str) -> Option<&str> {
    ty.strip_prefix("tensor(")?.strip_suffix(')')
}

/// Checks a node's input types against its schema and returns its output types where they follow.
fn infer_node(
    ctx: &mut Ctx<'_>,
    at: At,
    node: &NodeProto,
    s: &Schema,
    inputs: &[Option<String>],
) -> Vec<Option<String>> {
    let mut bound: HashMap<&str, (String, usize)> = HashMap::new();
    for (i, ty) in inputs.iter().enumerate() {
        let (Some(ty), Some(p)) = (ty, s.input_param(i)) else {
            continue;
        };
        match s.type_constraints.get(&p.type_str) {
            Some(allowed) => {
                if !allowed.contains(ty) {
                    ctx.report(
                        "type-constraint",
                        at,
                        format!(
                            "input {i} ({}) is {ty}, which {}-{} does not allow for {}; allowed: {}",
                            p.name,
                            s.name,
                            s.since_version,
                            p.type_str,
                            allowed.join(", ")
                        ),
                    );
                    continue;
                }
                // A heterogeneous variadic parameter may mix types.
                if p.option == ParamOption::Variadic && !p.homogeneous {
                    continue;
                }
                match bound.get(p.type_str.as_str()) {
                    Some((first, j)) if first != ty => ctx.report(
                        "type-mismatch",
                        at,
                        format!(
                            "input {i} is {ty} but input {j} is {first}; both bind type {}",
                            p.type_str
                        ),
                    ),
                    Some(_) => {}
                    None => {
                        bound.insert(&p.type_str, (ty.clone(), i));
                    }
                }
            }
            None => {
                if *ty != p.type_str {
                    ctx.report(
                        "type-constraint",
                        at,
                        format!("input {i} ({}) must be {}, it is {ty}", p.name, p.type_str),
                    );
                }
            }
        }
    }
    (0..node.output.len())
        .map(|i| {
            if let Some(t) = special_output_type(node, i, inputs) {
                return Some(t);
            }
            let p = s.output_param(i)?;
            match s.type_constraints.get(&p.type_str) {
                None => Some(p.type_str.clone()),
                Some(allowed) => bound
                    .get(p.type_str.as_str())
                    .map(|(t, _)| t.clone())
                    .or_else(|| (allowed.len() == 1).then(|| allowed[0].clone())),
            }
        })
        .collect()
}

/// Output types set by an attribute rather than by a type parameter.
fn special_output_type(node: &NodeProto, i: usize, inputs: &[Option<String>]) -> Option<String> {
    let attr = |name: &str| node.attribute.iter().find(|a| a.name == name);
    let dtype = |code: i64| {
        Some(format!(
            "tensor({})",
            DataType::from_i32(code as i32).name()
        ))
    };
    if i != 0 {
        return None;
    }
    match node.op_type.as_str() {
        "Cast" => dtype(attr("to")?.i),
        "Constant" => {
            let a = node.attribute.first()?;
            match a.name.as_str() {
                "value" => dtype(a.t.as_ref()?.data_type as i64),
                "sparse_value" => {
                    dtype(a.sparse_tensor.as_ref()?.values.as_ref()?.data_type as i64)
                }
                "value_float" | "value_floats" => Some("tensor(float)".into()),
                "value_int" | "value_ints" => Some("tensor(int64)".into()),
                "value_string" | "value_strings" => Some("tensor(string)".into()),
                _ => None,
            }
        }
        "ConstantOfShape" => match attr("value").and_then(|a| a.t.as_ref()) {
            Some(t) => dtype(t.data_type as i64),
            None => Some("tensor(float)".into()),
        },
        "RandomNormal" | "RandomUniform" => dtype(attr("dtype").map_or(1, |a| a.i)),
        "EyeLike" | "RandomNormalLike" | "RandomUniformLike" | "Bernoulli" => match attr("dtype") {
            Some(a) => dtype(a.i),
            None => inputs.first().cloned().flatten(),
        },
        "Multinomial" => dtype(attr("dtype").map_or(6, |a| a.i)),
        _ => None,
    }
}
