//! Local-function rules: names, unique inputs/outputs/attributes, opsets consistent with the
//! model. Function bodies themselves go through the graph, node and type rules like any graph.

use foldhash::{HashMap, HashSet, HashSetExt};

use crate::check::schema::normalize_domain;
use crate::check::{At, Code, Ctx};
use crate::model::{GraphId, GraphOwner};

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    let body_of: HashMap<usize, GraphId> = model
        .index
        .graphs
        .iter()
        .filter_map(|g| match g.owner {
            Some(GraphOwner::Function(f)) => Some((f, g.id)),
            _ => None,
        })
        .collect();
    let model_opsets: HashMap<&str, i64> = model
        .proto
        .opset_import
        .iter()
        .map(|o| (normalize_domain(&o.domain), o.version))
        .collect();
    for (i, f) in model.proto.functions.iter().enumerate() {
        let at = body_of.get(&i).map_or(At::Model, |&g| At::Graph(g));
        let shown = format!("function {}:{}", f.domain, f.name);
        if f.name.is_empty() {
            ctx.report(
                Code::FunctionEmptyName,
                at,
                format!("local function #{i} has no name"),
            );
        }
        if f.domain.is_empty() {
            ctx.report(
                Code::FunctionMissingDomain,
                at,
                format!("{shown} has no domain; callers cannot name it"),
            );
        }
        for (list, code) in [
            (&f.input, Code::FunctionDuplicateInput),
            (&f.output, Code::FunctionDuplicateOutput),
            (&f.attribute, Code::FunctionDuplicateAttribute),
        ] {
            let mut seen = HashSet::new();
            for name in list {
                if !seen.insert(name) {
                    ctx.report(
                        code,
                        at,
                        format!("{shown}: `{name}` is listed more than once"),
                    );
                }
            }
        }
        for o in &f.opset_import {
            let d = normalize_domain(&o.domain);
            if let Some(&v) = model_opsets.get(d) {
                if v != o.version {
                    ctx.report(
                        Code::FunctionOpsetMismatch,
                        at,
                        format!(
                            "{shown} imports {} opset {} but the model imports {v}",
                            if d.is_empty() { "ai.onnx" } else { d },
                            o.version
                        ),
                    );
                }
            }
        }
    }
    recursion(ctx, &body_of);
}

/// Local functions that call themselves, directly or through others (onnx rejects these), each
/// cycle once with its call path. Calls inside the subgraphs of a function body count.
fn recursion(ctx: &mut Ctx<'_>, body_of: &HashMap<usize, GraphId>) {
    let model = ctx.model;
    let n = model.proto.functions.len();
    if n == 0 {
        return;
    }
    let mut calls: Vec<Vec<usize>> = vec![Vec::new(); n];
    for g in &model.index.graphs {
        let Some(caller) = model.index.function_of(g.id) else {
            continue;
        };
        let Some(body) = model.body(g.id) else {
            continue;
        };
        for node in body.nodes() {
            if let Some(callee) = model.index.function_called_by(node) {
                if !calls[caller].contains(&callee) {
                    calls[caller].push(callee);
                }
            }
        }
    }
    let name = |f: usize| {
        let f = &model.proto.functions[f];
        format!("{}:{}", f.domain, f.name)
    };
    for cycle in super::graph::find_cycles(n, |f| calls[f].clone()) {
        let mut path: Vec<String> = cycle.iter().map(|&f| name(f)).collect();
        path.push(name(cycle[0]));
        let at = body_of.get(&cycle[0]).map_or(At::Model, |&g| At::Graph(g));
        ctx.report(
            Code::RecursiveFunction,
            at,
            format!(
                "local functions call each other in a cycle: {}; onnx does not allow recursion",
                path.join(" -> ")
            ),
        );
    }
}
