//! Ops of onnx-lens's own that the lowering (`lower`) emits where no standard-op rewrite can
//! give onnxruntime's numbers, registered with tract's ONNX parser under the `onnx-lens`
//! domain. `framework()` is the parser every analysis and plan uses.

use tract_onnx::model::{Onnx, ParsingContext};
use tract_onnx::pb::NodeProto;
use tract_onnx::tract_hir::internal::*;

/// The domain of the ops below.
pub const DOMAIN: &str = "onnx-lens";
/// SVMClassifier's Platt-scaled probabilities from its pair scores.
pub const SVM_PROBABILITIES: &str = "LensSvmProbabilities";

/// tract's ONNX parser with onnx-lens's ops.
pub fn framework() -> Onnx {
    let mut onnx = tract_onnx::onnx();
    onnx.op_register
        .insert(SVM_PROBABILITIES, svm_probabilities);
    onnx
}

fn floats(node: &NodeProto, name: &str) -> Vec<f32> {
    node.attribute
        .iter()
        .find(|a| a.name == name)
        .map(|a| a.floats.clone())
        .unwrap_or_default()
}

fn svm_probabilities(
    _ctx: &ParsingContext,
    node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    let classes = node
        .attribute
        .iter()
        .find(|a| a.name == "classes")
        .map(|a| a.i)
        .context("LensSvmProbabilities needs `classes`")?;
    ensure!((2..=1024).contains(&classes), "classes = {classes}");
    let classes = classes as usize;
    let (prob_a, prob_b) = (floats(node, "prob_a"), floats(node, "prob_b"));
    let pairs = classes * (classes - 1) / 2;
    ensure!(prob_a.len() == pairs && prob_b.len() == pairs);
    Ok((
        expand(SvmProbabilities {
            classes,
            prob_a: prob_a.iter().map(|v| v.to_bits()).collect(),
            prob_b: prob_b.iter().map(|v| v.to_bits()).collect(),
        }),
        vec![],
    ))
}

/// `[N, pairs]` one-vs-one decision values → `[N, classes]` probabilities, as libsvm (and
/// onnxruntime after it) computes them in float: each pair's Platt sigmoid, clipped to
/// [1e-7, 1 − 1e-7], then pairwise coupling (Wu, Lin & Weng's method 2) iterated until the
/// error is below 0.005 / classes or 100 rounds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct SvmProbabilities {
    classes: usize,
    /// Platt's A and B per pair, as `f32::to_bits` (tract's ops compare and hash).
    prob_a: Vec<u32>,
    prob_b: Vec<u32>,
}

impl SvmProbabilities {
    fn row(&self, scores: &[f32], out: &mut [f32]) {
        let k = self.classes;
        let mut r = vec![0f32; k * k];
        let mut index = 0;
        for i in 0..k {
            for j in i + 1..k {
                let (a, b) = (
                    f32::from_bits(self.prob_a[index]),
                    f32::from_bits(self.prob_b[index]),
                );
                let v = scores[index] * a + b;
                // 1 − logistic(v), computed on the side that does not overflow.
                let p = if v >= 0.0 {
                    let e = (-v).exp();
                    e / (1.0 + e)
                } else {
                    1.0 / (1.0 + v.exp())
                };
                let p = p.clamp(1e-7, 1.0 - 1e-7);
                r[i * k + j] = p;
                r[j * k + i] = 1.0 - p;
                index += 1;
            }
        }
        couple(k, &r, out);
    }
}

/// Pairwise coupling of `r` (k×k, r[i][j] = P(i | i or j)) into class probabilities `p`.
fn couple(k: usize, r: &[f32], p: &mut [f32]) {
    let mut q = vec![0f32; k * k];
    let mut qp = vec![0f32; k];
    for t in 0..k {
        p[t] = 1.0 / k as f32;
        q[t * k + t] = (0..t).map(|j| r[j * k + t] * r[j * k + t]).sum();
        for j in 0..t {
            q[t * k + j] = q[j * k + t];
        }
        for j in t + 1..k {
            q[t * k + t] += r[j * k + t] * r[j * k + t];
            q[t * k + j] = -r[j * k + t] * r[t * k + j];
        }
    }
    let eps = 0.005 / k as f32;
    for _ in 0..100.max(k) {
        let mut pqp = 0f32;
        for t in 0..k {
            qp[t] = (0..k).map(|j| q[t * k + j] * p[j]).sum();
            pqp += p[t] * qp[t];
        }
        let max_error = (0..k).map(|t| (qp[t] - pqp).abs()).fold(0f32, f32::max);
        if max_error < eps {
            break;
        }
        for t in 0..k {
            let diff = (-qp[t] + pqp) / q[t * k + t];
            p[t] += diff;
            pqp = (pqp + diff * (diff * q[t * k + t] + 2.0 * qp[t])) / (1.0 + diff) / (1.0 + diff);
            for j in 0..k {
                qp[j] = (qp[j] + diff * q[t * k + j]) / (1.0 + diff);
                p[j] /= 1.0 + diff;
            }
        }
    }
}

impl Op for SvmProbabilities {
    fn name(&self) -> StaticName {
        SVM_PROBABILITIES.into()
    }
    op_as_typed_op!();
}

impl EvalOp for SvmProbabilities {
    op_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let scores = args_1!(inputs);
        let scores = scores.cast_to::<f32>()?;
        let view = scores.to_plain_array_view::<f32>()?;
        ensure!(view.ndim() == 2, "pair scores of rank {}", view.ndim());
        let (n, pairs) = (view.shape()[0], view.shape()[1]);
        ensure!(pairs == self.prob_a.len(), "{pairs} pair scores");
        let flat: Vec<f32> = view.iter().copied().collect();
        let mut out = vec![0f32; n * self.classes];
        for (chunk, row) in out.chunks_mut(self.classes).zip(flat.chunks(pairs.max(1))) {
            self.row(row, chunk);
        }
        let t = tract_ndarray::Array2::from_shape_vec((n, self.classes), out)?;
        Ok(tvec!(t.into_tvalue()))
    }
}

impl TypedOp for SvmProbabilities {
    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        ensure!(inputs[0].rank() == 2);
        Ok(tvec!(f32::fact(&[
            inputs[0].shape[0].clone(),
            self.classes.to_dim()
        ])))
    }
    as_op!();
}

impl Expansion for SvmProbabilities {
    fn name(&self) -> StaticName {
        SVM_PROBABILITIES.into()
    }

    fn rules<'r, 'p: 'r, 's: 'r>(
        &'s self,
        s: &mut Solver<'r>,
        inputs: &'p [TensorProxy],
        outputs: &'p [TensorProxy],
    ) -> InferenceResult {
        check_input_arity(inputs, 1)?;
        check_output_arity(outputs, 1)?;
        s.equals(&inputs[0].rank, 2)?;
        s.equals(&outputs[0].rank, 2)?;
        s.equals(&outputs[0].datum_type, f32::datum_type())?;
        s.equals(&inputs[0].shape[0], &outputs[0].shape[0])?;
        s.equals(&outputs[0].shape[1], self.classes.to_dim())?;
        Ok(())
    }

    fn wire(
        &self,
        prefix: &str,
        model: &mut TypedModel,
        inputs: &[OutletId],
    ) -> TractResult<TVec<OutletId>> {
        model.wire_node(prefix, self.clone(), inputs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two classes couple to the pair's own probability only after iterating: the fixed point
    /// of method 2 for k = 2 is (r, 1 − r), reached within the stopping tolerance.
    #[test]
    fn two_classes_couple_near_the_pair_probability() {
        let mut p = [0f32; 2];
        couple(2, &[0.0, 0.8, 0.2, 0.0], &mut p);
        assert!(
            (p[0] - 0.8).abs() < 0.01 && (p[1] - 0.2).abs() < 0.01,
            "{p:?}"
        );
        assert!((p[0] + p[1] - 1.0).abs() < 1e-5);
    }
}
