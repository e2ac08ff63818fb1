//! Loop, which tract lacks, as the Scan tract has: a Loop whose condition stays true runs its
//! body exactly trip-count times, which is a Scan over the iteration numbers `Range(0, M)` —
//! the carried values are Scan's states, the scan outputs are stacked the same way, and values
//! the body reads from the outer scope stay closure inputs. A Loop that can stop early (its body
//! computes the condition: a while loop), has no trip count, or starts with a condition that is
//! not a constant true is refused.

use std::collections::{HashMap, HashSet};

use tract_onnx::pb;

use super::{attr, attr_type, int_attr, name_of, tensor_int64s, Builder, RuleResult, BOOL, INT64};

/// Trip counts past this, when they are constants, are refused: Range would allocate them.
const MAX_TRIP_COUNT: i64 = 1 << 24;

fn is_true(t: &pb::TensorProto) -> bool {
    t.data_type == BOOL
        && t.dims.iter().product::<i64>() == 1
        && (t.int32_data.first().is_some_and(|v| *v != 0)
            || t.raw_data.first().is_some_and(|v| *v != 0))
}

/// The integer a one-element tensor holds, when it is an int64 one.
fn int_of(t: &pb::TensorProto) -> Option<i64> {
    match tensor_int64s(t)?.as_slice() {
        [v] => Some(*v),
        _ => None,
    }
}

/// A graph's one-element constants a Loop reads (its trip count and condition): initializers
/// and Constant nodes, read before the rules take the graph's nodes apart.
#[derive(Default)]
pub(super) struct ScalarConstants {
    truths: HashSet<String>,
    ints: HashMap<String, i64>,
}

impl ScalarConstants {
    pub(super) fn of(graph: &pb::GraphProto) -> Self {
        let mut out = Self::default();
        let constants = graph
            .node
            .iter()
            .filter(|n| n.op_type == "Constant" && n.domain.is_empty())
            .filter_map(|n| Some((n.output.first()?, attr(n, "value")?.t.as_ref()?)));
        let tensors = graph.initializer.iter().map(|t| (&t.name, t));
        for (name, t) in tensors.chain(constants) {
            if is_true(t) {
                out.truths.insert(name.clone());
            } else if let Some(v) = int_of(t) {
                out.ints.insert(name.clone(), v);
            }
        }
        out
    }
}

/// Is `value` of the body always true: the condition input passed through (Identity, Cast to
/// bool), or a true constant of the body or an outer scope?
fn always_true(body: &pb::GraphProto, cond_in: &str, value: &str, outer: &HashSet<String>) -> bool {
    let inner = ScalarConstants::of(body).truths;
    let mut v = value;
    for _ in 0..=body.node.len() {
        if v == cond_in || inner.contains(v) || outer.contains(v) {
            return true;
        }
        let Some(producer) = body.node.iter().find(|n| n.output.iter().any(|o| o == v)) else {
            return false;
        };
        let passes = producer.op_type == "Identity"
            || (producer.op_type == "Cast"
                && attr(producer, "to").is_some_and(|a| a.i == BOOL as i64));
        match producer.input.first() {
            Some(x) if passes => v = x,
            _ => return false,
        }
    }
    false
}

/// A Constant node `name` holding one bool (`bools`) or int64 (`ints`) scalar.
fn constant(name: &str, data_type: i32, bools: Vec<i32>, ints: Vec<i64>) -> pb::NodeProto {
    pb::NodeProto {
        name: name.to_string(),
        op_type: "Constant".into(),
        output: vec![name.to_string()],
        attribute: vec![pb::AttributeProto {
            name: "value".into(),
            r#type: attr_type::TENSOR,
            t: Some(pb::TensorProto {
                data_type,
                int32_data: bools,
                int64_data: ints,
                ..Default::default()
            }),
            ..Default::default()
        }],
        ..Default::default()
    }
}

/// A Loop as `Range(0, M)` + Scan (see the module's comment), `outer` the main graph's
/// scalar constants.
pub(super) fn loop_as_scan(
    node: &pb::NodeProto,
    b: &mut Builder,
    outer: &ScalarConstants,
) -> RuleResult {
    const WHY: &str = "tract has no Loop";
    let body = attr(node, "body")
        .and_then(|a| a.g.as_ref())
        .ok_or_else(|| format!("{WHY}; the node has no body"))?;
    let trip = node
        .input
        .first()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| format!("{WHY}; no rewrite for a Loop without a trip count"))?;
    if let Some(&m) = outer.ints.get(trip) {
        if m > MAX_TRIP_COUNT {
            return Err(format!(
                "{WHY}; no rewrite for a trip count of {m} (more than {MAX_TRIP_COUNT})"
            ));
        }
    }
    let cond = node.input.get(1).map(String::as_str).unwrap_or("");
    if !cond.is_empty() && !outer.truths.contains(cond) {
        return Err(format!(
            "{WHY}; no rewrite for a Loop whose initial condition is not a constant true"
        ));
    }
    if body.input.len() < 2 || body.output.is_empty() || node.input.len() != body.input.len() {
        return Err(format!(
            "{WHY}; the body's inputs do not match the node's ({} and {})",
            body.input.len(),
            node.input.len()
        ));
    }
    if !always_true(
        body,
        &body.input[1].name,
        &body.output[0].name,
        &outer.truths,
    ) {
        return Err(format!(
            "{WHY}; no rewrite for a Loop whose body computes its condition (a while loop)"
        ));
    }
    let base = name_of(node).to_string();
    let scalar = b.int64s(format!("{base}/lens_scalar_shape"), &[0], vec![]);
    let count = b.step(&base, "Reshape", &[trip, &scalar], "trip_count", vec![]);
    let zero = b.int64s(format!("{base}/lens_zero"), &[], vec![0]);
    let one = b.int64s(format!("{base}/lens_one"), &[], vec![1]);
    let iterations = b.step(&base, "Range", &[&zero, &count, &one], "iterations", vec![]);

    // The body with the iteration number as a counter state after the carried values (tract's
    // optimiser mis-shapes elementwise ops it hoists out of a scan input, so the body reads no
    // scan input), one scan input that only sets the number of iterations, and the condition,
    // which stays true, as a constant.
    let mut scan_body = body.clone();
    let iteration = scan_body.input.remove(0);
    let cond_in = scan_body.input.remove(0);
    let next = format!("{base}/lens_next_iteration");
    let step = format!("{base}/lens_step");
    scan_body.input.push(iteration.clone());
    scan_body.input.push(pb::ValueInfoProto {
        name: step.clone(),
        ..iteration.clone()
    });
    scan_body.output.remove(0);
    let carried = node.input.len() - 2;
    scan_body.output.insert(
        carried,
        pb::ValueInfoProto {
            name: next.clone(),
            ..iteration.clone()
        },
    );
    // Exporters declare body dims with names of their own (torch: `h.11_dim_0`), which tract
    // would take as symbols the outer values' dims cannot unify with: the types stay, the
    // shapes come from the outer values.
    for v in scan_body
        .input
        .iter_mut()
        .chain(scan_body.output.iter_mut())
    {
        if let Some(pb::type_proto::Value::TensorType(t)) =
            v.r#type.as_mut().and_then(|t| t.value.as_mut())
        {
            t.shape = None;
        }
    }
    let one_name = format!("{base}/lens_body_one");
    scan_body
        .node
        .insert(0, constant(&cond_in.name, BOOL, vec![1], vec![]));
    scan_body
        .node
        .insert(0, constant(&one_name, INT64, vec![], vec![1]));
    scan_body.node.push(pb::NodeProto {
        name: next.clone(),
        op_type: "Add".into(),
        input: vec![iteration.name.clone(), one_name],
        output: vec![next.clone()],
        ..Default::default()
    });
    let mut inputs: Vec<&str> = node.input[2..].iter().map(String::as_str).collect();
    inputs.push(&zero);
    inputs.push(&iterations);
    let counter = format!("{base}/lens_iterations_done");
    let mut outputs: Vec<&str> = node.output.iter().map(String::as_str).collect();
    outputs.insert(carried.min(outputs.len()), &counter);
    b.node(
        "Scan",
        "",
        base,
        &inputs,
        &outputs,
        vec![
            int_attr("num_scan_inputs", 1),
            pb::AttributeProto {
                name: "body".into(),
                r#type: attr_type::GRAPH,
                g: Some(scan_body),
                ..Default::default()
            },
        ],
    );
    Ok(Some(("Range (iteration numbers) + Scan".into(), WHY)))
}
