//! Shape rules (what full_check's strict shape inference catches): shapes propagated through
//! every scope by onnx-lens's own engine (`shapes::engine`, ONNX semantics), each node checked
//! against its op's shape rules, and each inferred output against the shape the model declares.

use crate::check::{At, Code, Ctx};
use crate::model::types::format_dims;
use crate::shapes::engine;

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    let opsets: Vec<Option<i64>> = (0..model.index.graphs.len())
        .map(|g| ctx.opsets(g).get(""))
        .collect();
    let scopes = engine::infer_model(model, &|g| opsets.get(g).copied().flatten());
    for (g, s) in scopes.iter().enumerate() {
        for (n, why) in &s.violations {
            ctx.report(Code::ShapeInference, At::Node(g, *n), why.clone());
        }
        for c in &s.contradictions {
            let op = model
                .body(g)
                .and_then(|b| b.nodes().get(c.node))
                .map_or("", |n| n.op_type.as_str());
            ctx.report(
                Code::DeclaredShapeMismatch,
                At::Node(g, c.node),
                format!(
                    "output `{}`: {op} produces {} but the model declares {} ({})",
                    c.value,
                    format_dims(Some(&c.inferred)),
                    format_dims(Some(&c.declared)),
                    c.why
                ),
            );
        }
    }
}
