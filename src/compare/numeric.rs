//! Where the numbers of two models part: both run with tract on the same inputs (A's, cast to
//! what B declares), outputs compared, and every matched intermediate value compared in A's
//! evaluation order to name the first node past the tolerance — "where do fp16 and fp32 part?".

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::ModelDiff;
use crate::jobs::Progress;
use crate::model::{DataType, Model, Tensor, TensorValues, MAIN_GRAPH};
use crate::run::compare::compare_one;
use crate::run::{self, Capture, InputSource, OutputComparison, RunError, RunRequest, Tolerance};

/// Bytes of intermediate values kept per model.
const CAPTURE_CAP_BYTES: u64 = 1 << 30;

#[derive(Debug, Clone, Serialize)]
pub struct OutputDiff {
    pub a: String,
    pub b: String,
    #[serde(flatten)]
    pub comparison: OutputComparison,
}

/// The first matched value (in A's order) whose two versions differ beyond the tolerance.
#[derive(Debug, Clone, Serialize)]
pub struct Divergence {
    pub a_node: String,
    pub b_node: String,
    pub a_value: String,
    pub b_value: String,
    pub max_abs_error: f64,
    pub max_rel_error: f64,
    pub mismatches: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct NumericDiff {
    pub passed: bool,
    pub rtol: f64,
    pub atol: f64,
    /// The inputs both ran with, as `name dtype[dims] source`.
    pub inputs: Vec<String>,
    pub outputs: Vec<OutputDiff>,
    pub first_divergence: Option<Divergence>,
    /// Matched intermediate values compared.
    pub values_compared: usize,
    /// A memory cap stopped keeping intermediate values (the divergence search is partial).
    pub truncated: bool,
}

/// `t` as `dtype` (float ↔ float16/bfloat16/double, integers ↔ floats), for feeding B what A ran
/// with when B declares another type.
fn cast(t: &Tensor, dtype: DataType) -> Option<Tensor> {
    if t.dtype == dtype {
        return Some(t.clone());
    }
    let n = t.values.len();
    let f = |i: usize| t.values.get_f64(i).unwrap_or(0.0);
    let values = match dtype {
        DataType::Float => TensorValues::F32((0..n).map(|i| f(i) as f32).collect()),
        DataType::Double => TensorValues::F64((0..n).map(f).collect()),
        DataType::Float16 => TensorValues::F16((0..n).map(|i| half::f16::from_f64(f(i))).collect()),
        DataType::Bfloat16 => {
            TensorValues::BF16((0..n).map(|i| half::bf16::from_f64(f(i))).collect())
        }
        DataType::Int64 => TensorValues::I64((0..n).map(|i| f(i) as i64).collect()),
        DataType::Int32 => TensorValues::I32((0..n).map(|i| f(i) as i32).collect()),
        _ => return None,
    };
    Some(Tensor {
        name: t.name.clone(),
        dtype,
        dims: t.dims.clone(),
        values,
    })
}

/// Runs A with `request`'s inputs (random where not given), B with the same tensors, and
/// compares outputs and the matched intermediate values of `diff`.
pub fn compare_runs(
    a: &Model,
    b: &Model,
    diff: &ModelDiff,
    request: &RunRequest,
    tolerance: Tolerance,
    progress: &Progress,
) -> Result<NumericDiff, (char, RunError)> {
    let values_a: HashSet<String> = diff.values.iter().map(|(x, _)| x.clone()).collect();
    let values_b: HashSet<String> = diff.values.iter().map(|(_, y)| y.clone()).collect();
    let mut req_a = request.clone();
    req_a.runs = 0;
    req_a.profile = false;
    req_a.capture = Some(Capture {
        values: values_a,
        cap_bytes: CAPTURE_CAP_BYTES,
    });
    progress.set(0.05, "running A");
    let ran_a = run::run(a, &req_a, progress).map_err(|e| ('A', e))?;
    let mut req_b = req_a.clone();
    req_b.capture = Some(Capture {
        values: values_b,
        cap_bytes: CAPTURE_CAP_BYTES,
    });
    req_b.inputs.clear();
    let mut described = Vec::new();
    for port in &diff.signature.inputs {
        let (Some(x), Some(y)) = (&port.a, &port.b) else {
            continue;
        };
        let Some(t) = ran_a.inputs.iter().find(|t| &t.name == x) else {
            continue;
        };
        let want = b
            .declared_type(MAIN_GRAPH, y)
            .and_then(|t| t.elem())
            .unwrap_or(t.dtype);
        let mut given = cast(t, want).unwrap_or_else(|| t.clone());
        given.name = y.clone();
        described.push(format!(
            "{x} {}{:?}{}",
            t.dtype,
            t.dims,
            if want != t.dtype {
                format!(" (fed to B as {want})")
            } else {
                String::new()
            }
        ));
        req_b.inputs.insert(y.clone(), InputSource::Given(given));
    }
    progress.set(0.5, "running B");
    let ran_b = run::run(b, &req_b, progress).map_err(|e| ('B', e))?;

    let tol = tolerance;
    let mut outputs = Vec::new();
    for port in &diff.signature.outputs {
        let (Some(x), Some(y)) = (&port.a, &port.b) else {
            continue;
        };
        let (Some(oa), Some(ob)) = (
            ran_a.outputs.iter().find(|t| &t.name == x),
            ran_b.outputs.iter().find(|t| &t.name == y),
        ) else {
            continue;
        };
        outputs.push(OutputDiff {
            a: x.clone(),
            b: y.clone(),
            comparison: compare_one(x, ob, oa, tol),
        });
    }
    // Intermediate values, in A's evaluation order (captured in it).
    let by_b: HashMap<&str, &Tensor> = ran_b
        .captured
        .iter()
        .map(|t| (t.name.as_str(), t))
        .collect();
    let counterpart: HashMap<&str, &str> = diff
        .values
        .iter()
        .map(|(x, y)| (x.as_str(), y.as_str()))
        .collect();
    let producer = |m: &Model, v: &str| {
        m.graph(MAIN_GRAPH)
            .and_then(|g| g.producers.get(v))
            .and_then(|&(n, _)| m.body(MAIN_GRAPH)?.nodes().get(n))
            .map(|n| crate::model::tract_name(n).to_string())
            .unwrap_or_default()
    };
    let mut first_divergence = None;
    let mut values_compared = 0;
    for ta in &ran_a.captured {
        let Some(tb) = counterpart.get(ta.name.as_str()).and_then(|y| by_b.get(y)) else {
            continue;
        };
        values_compared += 1;
        let c = compare_one(&ta.name, tb, ta, tol);
        if !c.passed && first_divergence.is_none() {
            first_divergence = Some(Divergence {
                a_node: producer(a, &ta.name),
                b_node: producer(b, &tb.name),
                a_value: ta.name.clone(),
                b_value: tb.name.clone(),
                max_abs_error: c.max_abs_error,
                max_rel_error: c.max_rel_error,
                mismatches: c.mismatches,
            });
        }
    }
    progress.set(1.0, "done");
    Ok(NumericDiff {
        passed: outputs.iter().all(|o| o.comparison.passed),
        rtol: tol.rtol,
        atol: tol.atol,
        inputs: described,
        outputs,
        first_divergence,
        values_compared,
        truncated: ran_a.capture_truncated || ran_b.capture_truncated,
    })
}
