//! Model-local functions (onnxscript's `@script` blocks, torch's dynamo exporter with
//! `export_modules_as_functions`), which tract cannot run, inlined the way onnx's inliner does:
//! each call replaced by the function's nodes, its formal inputs and outputs bound to the call's
//! values, its internal values renamed under the call's name, attribute references resolved from
//! the call (else the function's default). Nested calls are inlined until none is left.

use std::collections::HashMap;

use onnx_protobuf::{AttributeProto, FunctionProto, ModelProto, NodeProto};

use super::lower::Rewrite;
use crate::model::tract_name;

/// Nesting depth past which a call is left alone (recursion is the validator's finding).
const MAX_DEPTH: usize = 16;

/// Why a call cannot be inlined here.
#[derive(Debug, Clone, PartialEq)]
pub struct NotInlined {
    pub node: String,
    pub op: String,
    pub why: String,
}

fn key(domain: &str, op: &str, overload: &str) -> (String, String, String) {
    (domain.to_string(), op.to_string(), overload.to_string())
}

/// The model with every call of a local function in its main graph inlined, and the calls
/// inlined (`None` when it calls none).
pub fn inline_local_functions(
    model: &ModelProto,
) -> Option<Result<(ModelProto, Vec<Rewrite>), NotInlined>> {
    if model.functions.is_empty() {
        return None;
    }
    let functions: HashMap<(String, String, String), &FunctionProto> = model
        .functions
        .iter()
        .map(|f| (key(&f.domain, &f.name, &f.overload), f))
        .collect();
    let graph = model.graph.as_ref()?;
    let calls = |n: &NodeProto| functions.contains_key(&key(&n.domain, &n.op_type, &n.overload));
    if !graph.node.iter().any(calls) {
        return None;
    }
    let mut rewrites = Vec::new();
    let mut nodes = graph.node.clone();
    for _ in 0..MAX_DEPTH {
        if !nodes.iter().any(calls) {
            break;
        }
        let mut next = Vec::with_capacity(nodes.len());
        for n in nodes {
            match functions.get(&key(&n.domain, &n.op_type, &n.overload)) {
                Some(f) => {
                    if let Err(why) = expand(&n, f, &mut next) {
                        return Some(Err(NotInlined {
                            node: tract_name(&n).to_string(),
                            op: n.op_type.clone(),
                            why,
                        }));
                    }
                    rewrites.push(Rewrite {
                        node: tract_name(&n).to_string(),
                        op: n.op_type.clone(),
                        into: format!("its {} nodes (inlined)", f.node.len()),
                        why: "tract runs no model-local functions",
                    });
                }
                None => next.push(n),
            }
        }
        nodes = next;
    }
    if nodes.iter().any(calls) {
        return Some(Err(NotInlined {
            node: String::new(),
            op: String::new(),
            why: format!("local functions nested deeper than {MAX_DEPTH}"),
        }));
    }
    let mut out = model.clone();
    if let Some(g) = out.graph.as_mut() {
        g.node = nodes;
    }
    // Imports the functions' bodies use that the model lacks.
    for f in &model.functions {
        for o in &f.opset_import {
            if !out.opset_import.iter().any(|m| m.domain == o.domain) {
                out.opset_import.push(o.clone());
            }
        }
    }
    out.functions.clear();
    Some(Ok((out, rewrites)))
}

/// Appends the body of `f` as called by `call`.
fn expand(call: &NodeProto, f: &FunctionProto, out: &mut Vec<NodeProto>) -> Result<(), String> {
    let prefix = format!("{}/", tract_name(call));
    let mut names: HashMap<&str, String> = HashMap::new();
    for (k, formal) in f.input.iter().enumerate() {
        // A missing optional input stays missing.
        names.insert(formal, call.input.get(k).cloned().unwrap_or_default());
    }
    for (k, formal) in f.output.iter().enumerate() {
        names.insert(formal, call.output.get(k).cloned().unwrap_or_default());
    }
    let rename = |v: &str, names: &HashMap<&str, String>| -> String {
        if v.is_empty() {
            return String::new();
        }
        names
            .get(v)
            .cloned()
            .unwrap_or_else(|| format!("{prefix}{v}"))
    };
    for n in &f.node {
        if n.attribute
            .iter()
            .any(|a| a.g.is_some() || !a.graphs.is_empty())
        {
            return Err(format!(
                "its body's node {} has a subgraph (not inlined)",
                tract_name(n)
            ));
        }
        let mut m = n.clone();
        m.name = format!("{prefix}{}", tract_name(n));
        m.input = n.input.iter().map(|v| rename(v, &names)).collect();
        m.output = n.output.iter().map(|v| rename(v, &names)).collect();
        m.attribute = n
            .attribute
            .iter()
            .filter_map(|a| resolve(a, call, f))
            .collect();
        out.push(m);
    }
    Ok(())
}

/// An attribute of a body node: itself, or for a reference the call's attribute (else the
/// function's default), renamed to what the body node calls it; dropped when neither exists.
fn resolve(a: &AttributeProto, call: &NodeProto, f: &FunctionProto) -> Option<AttributeProto> {
    if a.ref_attr_name.is_empty() {
        return Some(a.clone());
    }
    let given = call
        .attribute
        .iter()
        .chain(&f.attribute_proto)
        .find(|c| c.name == a.ref_attr_name)?;
    let mut r = given.clone();
    r.name = a.name.clone();
    r.ref_attr_name.clear();
    Some(r)
}
