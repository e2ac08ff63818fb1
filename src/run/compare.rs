//! Outputs against expected outputs (numpy `assert_allclose` semantics: |a − e| ≤ atol + rtol·|e|,
//! NaN equals NaN), and the top-k of classifier-like outputs.

use serde::Serialize;

use crate::model::{Tensor, TensorValues};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerance {
    pub rtol: f64,
    pub atol: f64,
}

impl Default for Tolerance {
    /// The onnx backend test runner's defaults.
    fn default() -> Self {
        Tolerance {
            rtol: 1e-3,
            atol: 1e-7,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutputComparison {
    pub name: String,
    pub passed: bool,
    pub max_abs_error: f64,
    pub max_rel_error: f64,
    /// Elements outside the tolerance.
    pub mismatches: u64,
    /// Set when the output cannot be compared element-wise (shape or type differ).
    pub problem: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub passed: bool,
    pub max_abs_error: f64,
    pub max_rel_error: f64,
    pub outputs: Vec<OutputComparison>,
}

fn is_textual(t: &Tensor) -> bool {
    matches!(t.values, TensorValues::Str(_))
}

/// One tensor against its reference (numpy allclose: |a − e| ≤ atol + rtol·|e|, NaN equals NaN).
pub fn compare_one(
    name: &str,
    actual: &Tensor,
    expected: &Tensor,
    tol: Tolerance,
) -> OutputComparison {
    let mut c = OutputComparison {
        name: name.to_string(),
        passed: false,
        max_abs_error: 0.0,
        max_rel_error: 0.0,
        mismatches: 0,
        problem: None,
    };
    if actual.dims != expected.dims {
        c.problem = Some(format!(
            "shape {:?}, expected {:?}",
            actual.dims, expected.dims
        ));
        return c;
    }
    if is_textual(actual) != is_textual(expected) {
        c.problem = Some(format!(
            "type {}, expected {}",
            actual.dtype, expected.dtype
        ));
        return c;
    }
    if let (TensorValues::Str(a), TensorValues::Str(e)) = (&actual.values, &expected.values) {
        c.mismatches = a.iter().zip(e).filter(|(x, y)| x != y).count() as u64;
        c.passed = c.mismatches == 0;
        return c;
    }
    for i in 0..expected.values.len() {
        let (Some(a), Some(e)) = (actual.values.get_f64(i), expected.values.get_f64(i)) else {
            continue;
        };
        if a.is_nan() && e.is_nan() || a == e {
            continue;
        }
        let abs = (a - e).abs();
        let abs = if abs.is_nan() { f64::INFINITY } else { abs };
        let rel = if e != 0.0 {
            abs / e.abs()
        } else if abs == 0.0 {
            0.0
        } else {
            f64::INFINITY
        };
        c.max_abs_error = c.max_abs_error.max(abs);
        c.max_rel_error = c.max_rel_error.max(rel);
        if abs > tol.atol + tol.rtol * e.abs() {
            c.mismatches += 1;
        }
    }
    c.passed = c.mismatches == 0;
    c
}

/// Compares outputs to expected ones by position (test data sets store `output_N.pb` in graph
/// output order).
pub fn compare(actual: &[Tensor], expected: &[Tensor], tol: Tolerance) -> Comparison {
    let mut outputs: Vec<OutputComparison> = expected
        .iter()
        .enumerate()
        .map(|(i, e)| match actual.get(i) {
            Some(a) => compare_one(&a.name, a, e, tol),
            None => OutputComparison {
                name: e.name.clone(),
                passed: false,
                max_abs_error: f64::INFINITY,
                max_rel_error: f64::INFINITY,
                mismatches: 0,
                problem: Some("the model produced no such output".into()),
            },
        })
        .collect();
    if expected.is_empty() {
        outputs.clear();
    }
    Comparison {
        passed: outputs.iter().all(|o| o.passed),
        max_abs_error: outputs.iter().map(|o| o.max_abs_error).fold(0.0, f64::max),
        max_rel_error: outputs.iter().map(|o| o.max_rel_error).fold(0.0, f64::max),
        outputs,
    }
}

/// The k largest values of the last axis when the output looks like class scores
/// (float, one row: shape `[n]` or `[1, n]` with n ≥ 2), as (index, value).
pub fn top_k(t: &Tensor, k: usize) -> Option<Vec<(usize, f64)>> {
    let rows: u64 = t.dims.iter().rev().skip(1).product();
    if !t.dtype.is_float() || rows != 1 || t.dims.last().is_none_or(|&n| n < 2) {
        return None;
    }
    let mut v: Vec<(usize, f64)> = (0..t.values.len())
        .filter_map(|i| Some((i, t.values.get_f64(i)?)))
        .collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1));
    v.truncate(k);
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DataType;

    fn f32s(v: &[f32]) -> Tensor {
        Tensor {
            name: "y".into(),
            dtype: DataType::Float,
            dims: vec![v.len() as u64],
            values: TensorValues::F32(v.to_vec()),
        }
    }

    #[test]
    fn tolerance_is_relative_to_the_expected_value() {
        let tol = Tolerance::default();
        let c = compare(
            &[f32s(&[100.05, 0.0, f32::NAN])],
            &[f32s(&[100.0, 0.0, f32::NAN])],
            tol,
        );
        assert!(c.passed, "{c:?}");
        assert!((c.max_abs_error - 0.05).abs() < 1e-4);
        let c = compare(&[f32s(&[1.01])], &[f32s(&[1.0])], tol);
        assert!(!c.passed && c.outputs[0].mismatches == 1);
        let c = compare(&[f32s(&[1.0, 2.0])], &[f32s(&[1.0])], tol);
        assert!(!c.passed && c.outputs[0].problem.is_some());
    }

    #[test]
    fn top_k_only_for_score_rows() {
        assert_eq!(
            top_k(&f32s(&[0.1, 0.7, 0.2]), 2),
            Some(vec![(1, 0.699999988079071), (2, 0.20000000298023224)])
        );
        let mut m = f32s(&[0.0; 6]);
        m.dims = vec![2, 3];
        assert_eq!(top_k(&m, 1), None);
    }
}
