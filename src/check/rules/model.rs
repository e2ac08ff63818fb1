//! Model-level rules: IR version, opset imports, metadata.

use foldhash::{HashSet, HashSetExt};

use crate::check::schema::normalize_domain;
use crate::check::{At, Code, Ctx};

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let p = &ctx.model.proto;
    let table = ctx.table;
    if p.graph.is_none() {
        ctx.report(
            Code::MissingGraph,
            At::Model,
            "the model has no graph".into(),
        );
    }
    if p.ir_version <= 0 {
        ctx.report(
            Code::IrVersionMissing,
            At::Model,
            format!(
                "ir_version is {}; set it to the IR version the model was written for",
                p.ir_version
            ),
        );
    } else if p.ir_version > table.max_ir_version {
        ctx.report(
            Code::IrVersionTooNew,
            At::Model,
            format!(
                "ir_version {} is newer than {} (onnx {}); the model may use features this checker does not know",
                p.ir_version, table.max_ir_version, table.onnx_version
            ),
        );
    }
    // onnx asks for some import from IR 3 on, not for the default domain: a model of only
    // ai.onnx.ml or custom ops (xgboost's converter writes these) is valid; a default-domain
    // node without the import is the node rule's no-opset-for-domain.
    if p.ir_version >= 3 && p.opset_import.is_empty() {
        ctx.report(
            Code::MissingDefaultOpset,
            At::Model,
            "IR version 3 and later need an opset import; add one for ai.onnx, e.g. version 17"
                .into(),
        );
    }
    if p.ir_version > 0 && p.ir_version < 3 && !p.opset_import.is_empty() {
        ctx.report(
            Code::OpsetImportBelowIr3,
            At::Model,
            format!(
                "IR version {} predates opset imports (its operators are ai.onnx version 1); remove the imports or raise the IR version",
                p.ir_version
            ),
        );
    }
    let mut seen = HashSet::new();
    for o in &p.opset_import {
        let d = normalize_domain(&o.domain);
        let shown = if d.is_empty() { "ai.onnx" } else { d };
        if !seen.insert(d) {
            ctx.report(
                Code::DuplicateOpsetImport,
                At::Model,
                format!(
                    "domain {shown} is imported more than once; the first import ({}) is used",
                    o.version
                ),
            );
            continue;
        }
        if let Some(max) = table.max_opset(d) {
            if o.version > max {
                ctx.report(
                    Code::OpsetTooNew,
                    At::Model,
                    format!(
                        "{shown} opset {} is newer than {max}, the newest in onnx {}; nodes are checked against the newest schemas",
                        o.version, table.onnx_version
                    ),
                );
            }
        }
        if let Some(min_ir) = table.min_ir_for_opset(d, o.version) {
            if p.ir_version > 0 && p.ir_version < min_ir {
                ctx.report(
                    Code::IrTooOldForOpset,
                    At::Model,
                    format!(
                        "{shown} opset {} was released with IR version {min_ir}, but the model declares IR {}; runtimes may refuse it",
                        o.version, p.ir_version
                    ),
                );
            }
        }
    }
    let mut keys = HashSet::new();
    for m in &p.metadata_props {
        if !keys.insert(m.key.as_str()) {
            ctx.report(
                Code::DuplicateMetadataKey,
                At::Model,
                format!("metadata_props key `{}` appears more than once", m.key),
            );
        }
    }
}
