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
}
