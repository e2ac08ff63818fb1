//! Type rules (what full_check's type inference catches): forward propagation of element types
//! through every scope, binding each schema type parameter from the inputs, then checking the
//! allowed types, that one parameter binds one type, and that inferred outputs agree with what
//! the model declares.

use std::borrow::Cow;

use foldhash::{HashMap, HashMapExt};

use onnx_protobuf::NodeProto;

use crate::check::schema::{normalize_domain, Lookup, ParamOption, Schema};
use crate::check::{At, Code, Ctx};
use crate::model::types::ValueType;
use crate::model::{Body, DataType};

/// A schema type string: borrowed from the static operator table where it comes from there
/// (most values), built only for element types named by initializers and attributes.
type TypeStr = Cow<'static, str>;

fn tensor_of(code: i32) -> TypeStr {
    Cow::Owned(format!("tensor({})", DataType::from_i32(code).name()))
}

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    // Per graph: value name → schema type string (`tensor(float)`). Parents come before
    // children in the index, so outer-scope types are known when a subgraph is visited.
    let mut known: Vec<HashMap<&str, TypeStr>> = Vec::with_capacity(model.index.graphs.len());
    let mut input_types: Vec<Option<TypeStr>> = Vec::new();
    for g in 0..model.index.graphs.len() {
        let mut types: HashMap<&str, TypeStr> = HashMap::new();
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
                types.insert(&t.name, tensor_of(t.data_type));
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
                    types.insert(&v.name, Cow::Owned(s));
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
            input_types.clear();
            input_types.extend(node.input.iter().map(|i| {
                if i.is_empty() {
                    return None;
                }
                types
                    .get(i.as_str())
                    .or_else(|| {
                        ancestors
                            .iter()
                            .find_map(|&a| known.get(a).and_then(|m| m.get(i.as_str())))
                    })
                    .cloned()
            }));
            let Some(version) = opsets.get(normalize_domain(&node.domain)) else {
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
                                Code::TypeMismatch,
                                At::Node(g, n),
                                format!(
                                    "output `{name}` is {ty} by inference but declared tensor({})",
                                    d.name()
                                ),
                            );
                        }
                    }
                }
                types.insert(name, ty);
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
    s: &'static Schema,
    inputs: &[Option<TypeStr>],
) -> Vec<Option<TypeStr>> {
    // Type parameter → (bound type, first input that bound it); a node has a handful.
    let mut bound: Vec<(&str, &TypeStr, usize)> = Vec::new();
    for (i, ty) in inputs.iter().enumerate() {
        let (Some(ty), Some(p)) = (ty, s.input_param(i)) else {
            continue;
        };
        match s.type_constraints.get(&p.type_str) {
            Some(allowed) => {
                // The table sorts each allowed list when it loads.
                if allowed.binary_search_by(|a| a.as_str().cmp(ty)).is_err() {
                    ctx.report(
                        Code::TypeConstraint,
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
                match bound.iter().find(|(param, _, _)| *param == p.type_str) {
                    Some((_, first, j)) if *first != ty => ctx.report(
                        Code::TypeMismatch,
                        at,
                        format!(
                            "input {i} is {ty} but input {j} is {first}; both bind type {}",
                            p.type_str
                        ),
                    ),
                    Some(_) => {}
                    None => bound.push((&p.type_str, ty, i)),
                }
            }
            None => {
                if **ty != *p.type_str {
                    ctx.report(
                        Code::TypeConstraint,
                        at,
                        format!("input {i} ({}) must be {}, it is {ty}", p.name, p.type_str),
                    );
                }
            }
        }
    }
    if let Some(t) = special_output_type(node, 0, inputs) {
        // A type an attribute sets (Constant's value, Cast's `to`) must still be one the
        // schema allows for the output (Constant-9 has no bfloat16, say).
        let allowed = s
            .output_param(0)
            .and_then(|p| Some((p, s.type_constraints.get(&p.type_str)?)));
        if let Some((p, allowed)) = allowed {
            if allowed.binary_search_by(|a| a.as_str().cmp(&t)).is_err() {
                ctx.report(
                    Code::TypeConstraint,
                    at,
                    format!(
                        "output 0 ({}) is {t}, which {}-{} does not allow for {}; allowed: {}",
                        p.name,
                        s.name,
                        s.since_version,
                        p.type_str,
                        allowed.join(", ")
                    ),
                );
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
                None => Some(Cow::Borrowed(p.type_str.as_str())),
                Some(allowed) => bound
                    .iter()
                    .find(|(param, _, _)| *param == p.type_str)
                    .map(|(_, t, _)| (*t).clone())
                    .or_else(|| (allowed.len() == 1).then(|| Cow::Borrowed(allowed[0].as_str()))),
            }
        })
        .collect()
}

/// Output types set by an attribute rather than by a type parameter.
fn special_output_type(node: &NodeProto, i: usize, inputs: &[Option<TypeStr>]) -> Option<TypeStr> {
    let attr = |name: &str| node.attribute.iter().find(|a| a.name == name);
    let dtype = |code: i64| Some(tensor_of(code as i32));
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
                "value_float" | "value_floats" => Some(Cow::Borrowed("tensor(float)")),
                "value_int" | "value_ints" => Some(Cow::Borrowed("tensor(int64)")),
                "value_string" | "value_strings" => Some(Cow::Borrowed("tensor(string)")),
                _ => None,
            }
        }
        "ConstantOfShape" => match attr("value").and_then(|a| a.t.as_ref()) {
            Some(t) => dtype(t.data_type as i64),
            None => Some(Cow::Borrowed("tensor(float)")),
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
