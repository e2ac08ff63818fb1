//! Node rules: operator known at the imported opset, arity, attributes.

use foldhash::{HashSet, HashSetExt};

use onnx_protobuf::{AttributeProto, NodeProto};

use crate::check::diagnostic::count;
use crate::check::schema::{attr_type, normalize_domain, Lookup, ParamOption, Schema};
use crate::check::{At, Code, Ctx};
use crate::model::GraphId;

pub(crate) fn check(ctx: &mut Ctx<'_>, g: GraphId) {
    let model = ctx.model;
    let Some(body) = model.body(g) else { return };
    let opsets = ctx.opsets(g);
    let in_function = ctx.in_function(g);
    // With no import at all the model rule reports missing-default-opset once instead.
    let any_import = !model.proto.opset_import.is_empty();
    let mut unchecked_reported = HashSet::new();
    for (n, node) in body.nodes().iter().enumerate() {
        let at = At::Node(g, n);
        check_attribute_shapes(ctx, at, node, in_function);
        let domain = normalize_domain(&node.domain);
        let shown_domain = if domain.is_empty() { "ai.onnx" } else { domain };
        // A call of a model-local function.
        if let Some(f) = model.index.function_called_by(node) {
            let func = &model.proto.functions[f];
            if node.input.len() > func.input.len() {
                ctx.report(
                    Code::InputArity,
                    at,
                    format!(
                        "function {} takes {}, the node gives {}",
                        func.name,
                        count(func.input.len(), "input", "inputs"),
                        node.input.len()
                    ),
                );
            }
            if node.output.len() > func.output.len() {
                ctx.report(
                    Code::OutputArity,
                    at,
                    format!(
                        "function {} has {}, the node asks for {}",
                        func.name,
                        count(func.output.len(), "output", "outputs"),
                        node.output.len()
                    ),
                );
            }
            continue;
        }
        let Some(version) = opsets.get(domain) else {
            if any_import {
                ctx.report(
                    Code::NoOpsetForDomain,
                    at,
                    format!("domain {shown_domain} is not in the opset imports; add an opset_import entry for it"),
                );
            }
            continue;
        };
        match ctx.table.lookup(domain, &node.op_type, version) {
            Lookup::Found(schema) => {
                if schema.deprecated {
                    ctx.report(
                        Code::DeprecatedOp,
                        at,
                        format!("{} is deprecated in {shown_domain} opset {version} (since version {})", node.op_type, schema.since_version),
                    );
                    continue;
                }
                if schema.experimental {
                    ctx.report(
                        Code::ExperimentalOp,
                        at,
                        format!("{} is experimental; runtimes may not support it", node.op_type),
                    );
                }
                check_arity(ctx, at, node, schema);
                check_attributes(ctx, at, node, schema, in_function);
            }
            Lookup::NotYetDefined { first_since } => ctx.report(
                Code::OpNotInOpset,
                at,
                format!(
                    "{} is not defined in {shown_domain} opset {version}; it exists from opset {first_since} on",
                    node.op_type
                ),
            ),
            Lookup::UnknownOp => match removed_op(domain, &node.op_type) {
                // onnx's checker lets these through with a warning.
                Some(instead) => ctx.report(
                    Code::ExperimentalOp,
                    at,
                    format!(
                        "{} was removed from the ONNX standard (onnx still accepts it as experimental); runtimes may not support it: {instead}",
                        node.op_type
                    ),
                ),
                None => ctx.report(
                    Code::UnknownOp,
                    at,
                    format!("no operator {} in domain {shown_domain} (opset {version})", node.op_type),
                ),
            },
            Lookup::KnownUnchecked => {}
            Lookup::UnknownDomain => {
                if unchecked_reported.insert((domain.to_string(), node.op_type.clone())) {
                    ctx.report(
                        Code::UncheckedOp,
                        at,
                        format!("{}::{} is a custom operator; its inputs and attributes are not checked", shown_domain, node.op_type),
                    );
                }
            }
        }
    }
}

/// Operators removed from the standard that onnx's checker still accepts as experimental, with
/// what replaces each.
fn removed_op(domain: &str, op: &str) -> Option<&'static str> {
    if !domain.is_empty() {
        return None;
    }
    Some(match op {
        "ATen" => "a PyTorch fallback; export without ATen fallback to get standard ops",
        "Affine" => "use Mul and Add",
        "ConstantFill" => "use ConstantOfShape",
        "Crop" => "use Slice",
        "DynamicSlice" => "use Slice (opset 10 and later)",
        "GRUUnit" => "use GRU",
        "GivenTensorFill" => "use Constant or an initializer",
        "ImageScaler" => "use Mul and Add",
        "ParametricSoftplus" => "use Softplus with Mul",
        "Scale" => "use Mul",
        "ScaledTanh" => "use Tanh with Mul",
        _ => return None,
    })
}

fn check_arity(ctx: &mut Ctx<'_>, at: At, node: &NodeProto, s: &Schema) {
    // `1 input`, `2 inputs`, `at least 1 input`, `1 to 3 inputs`.
    let range = |min: usize, max: usize, one: &str, many: &str| {
        let word = if max == 1 { one } else { many };
        if max >= i32::MAX as usize {
            format!("at least {min} {}", if min == 1 { one } else { many })
        } else if min == max {
            format!("{min} {word}")
        } else {
            format!("{min} to {max} {word}")
        }
    };
    if node.input.len() < s.min_inputs || node.input.len() > s.max_inputs {
        ctx.report(
            Code::InputArity,
            at,
            format!(
                "{}-{} takes {}, the node has {}",
                s.name,
                s.since_version,
                range(s.min_inputs, s.max_inputs, "input", "inputs"),
                node.input.len()
            ),
        );
    }
    if node.output.len() < s.min_outputs || node.output.len() > s.max_outputs {
        ctx.report(
            Code::OutputArity,
            at,
            format!(
                "{}-{} has {}, the node has {}",
                s.name,
                s.since_version,
                range(s.min_outputs, s.max_outputs, "output", "outputs"),
                node.output.len()
            ),
        );
    }
    for (i, name) in node.input.iter().enumerate() {
        if name.is_empty()
            && s.input_param(i)
                .is_some_and(|p| p.option == ParamOption::Single)
        {
            let p = s.input_param(i).map(|p| p.name.as_str()).unwrap_or("?");
            ctx.report(
                Code::EmptyRequiredInput,
                at,
                format!("input {i} ({p}) is required but the node leaves it empty"),
            );
        }
    }
    for (i, name) in node.output.iter().enumerate() {
        if name.is_empty()
            && s.output_param(i)
                .is_some_and(|p| p.option == ParamOption::Single)
        {
            let p = s.output_param(i).map(|p| p.name.as_str()).unwrap_or("?");
            ctx.report(
                Code::EmptyRequiredOutput,
                at,
                format!("output {i} ({p}) is required but the node leaves it empty"),
            );
        }
    }
}

/// The attribute types whose value fields hold data.
fn used_value_kinds(a: &AttributeProto) -> Vec<i32> {
    use attr_type::*;
    let mut k = Vec::new();
    // proto3 cannot tell an unset scalar from zero: only non-zero scalars count as set.
    if a.f != 0.0 {
        k.push(FLOAT);
    }
    if a.i != 0 {
        k.push(INT);
    }
    if !a.s.is_empty() {
        k.push(STRING);
    }
    if a.t.is_some() {
        k.push(TENSOR);
    }
    if a.g.is_some() {
        k.push(GRAPH);
    }
    if a.sparse_tensor.is_some() {
        k.push(SPARSE_TENSOR);
    }
    if a.tp.is_some() {
        k.push(TYPE_PROTO);
    }
    if !a.floats.is_empty() {
        k.push(FLOATS);
    }
    if !a.ints.is_empty() {
        k.push(INTS);
    }
    if !a.strings.is_empty() {
        k.push(STRINGS);
    }
    if !a.tensors.is_empty() {
        k.push(TENSORS);
    }
    if !a.graphs.is_empty() {
        k.push(GRAPHS);
    }
    if !a.sparse_tensors.is_empty() {
        k.push(SPARSE_TENSORS);
    }
    if !a.type_protos.is_empty() {
        k.push(TYPE_PROTOS);
    }
    k
}

/// Schema-independent attribute rules: duplicates, value fields, ref attributes.
fn check_attribute_shapes(ctx: &mut Ctx<'_>, at: At, node: &NodeProto, in_function: bool) {
    let mut names = HashSet::new();
    for a in &node.attribute {
        if !names.insert(a.name.as_str()) {
            ctx.report(
                Code::DuplicateAttribute,
                at,
                format!("attribute `{}` appears more than once", a.name),
            );
        }
        if !a.ref_attr_name.is_empty() {
            if !in_function {
                ctx.report(
                    Code::RefAttrOutsideFunction,
                    at,
                    format!(
                        "attribute `{}` refers to `{}` (ref_attr_name), which only means something inside a function body",
                        a.name, a.ref_attr_name
                    ),
                );
            }
            continue;
        }
        let declared = a.type_.value();
        let used = used_value_kinds(a);
        if used.len() > 1
            || used
                .first()
                .is_some_and(|&u| declared != 0 && u != declared)
        {
            let names: Vec<&str> = used.iter().map(|&k| attr_type::name(k)).collect();
            ctx.report(
                Code::AttributeValueFields,
                at,
                format!(
                    "attribute `{}` is declared {} but holds {} data",
                    a.name,
                    attr_type::name(declared),
                    names.join(" and ")
                ),
            );
        }
    }
}

fn check_attributes(ctx: &mut Ctx<'_>, at: At, node: &NodeProto, s: &Schema, in_function: bool) {
    for a in &node.attribute {
        let Some(spec) = s.attribute(&a.name) else {
            let known: Vec<&str> = s.attributes.iter().map(|x| x.name.as_str()).collect();
            ctx.report(
                Code::UnknownAttribute,
                at,
                format!(
                    "{}-{} has no attribute `{}`{}",
                    s.name,
                    s.since_version,
                    a.name,
                    if known.is_empty() {
                        " (it takes none)".to_string()
                    } else {
                        format!(" (it takes: {})", known.join(", "))
                    }
                ),
            );
            continue;
        };
        if !a.ref_attr_name.is_empty() && in_function {
            continue;
        }
        let declared = a.type_.value();
        // An attribute with no declared type is judged by the field that holds its value.
        let actual = if declared == 0 {
            used_value_kinds(a).first().copied().unwrap_or(0)
        } else {
            declared
        };
        if actual != spec.kind && actual != 0 {
            ctx.report(
                Code::AttributeType,
                at,
                format!(
                    "attribute `{}` must be {}, it is {}",
                    a.name,
                    attr_type::name(spec.kind),
                    attr_type::name(actual)
                ),
            );
        }
    }
    for spec in s.attributes.iter().filter(|a| a.required) {
        if !node.attribute.iter().any(|a| a.name == spec.name) {
            ctx.report(
                Code::MissingRequiredAttribute,
                at,
                format!(
                    "{}-{} requires attribute `{}` ({})",
                    s.name,
                    s.since_version,
                    spec.name,
                    attr_type::name(spec.kind)
                ),
            );
        }
    }
}
