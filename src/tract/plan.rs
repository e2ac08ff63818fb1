//! A runnable tract plan for one model at concrete input shapes: ops tract lacks are named
//! before anything runs, the plan is optimised (or left plain when optimisation fails), and
//! runs happen on a pool of the asked-for threads. Per-node times map back to ONNX nodes.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use tract_onnx::pb;
use tract_onnx::prelude::*;

use super::convert::{from_tract, to_tract, ConvertError};
use super::failure::TractFailure;
use crate::jobs::Progress;
use crate::model::{Model, Tensor};

/// Why no plan could be made.
#[derive(Debug, Clone, PartialEq)]
pub enum PlanError {
    /// Ops tract has no implementation for, or cannot type here, as (op, node); with tract's
    /// reason when it gave one.
    Unsupported {
        nodes: Vec<(String, String)>,
        detail: Option<TractFailure>,
    },
    Failed(TractFailure),
    Cancelled,
}

impl From<TractFailure> for PlanError {
    fn from(f: TractFailure) -> Self {
        PlanError::Failed(f)
    }
}

/// How to build the plan.
#[derive(Debug, Clone, Copy)]
pub struct PlanOptions {
    /// Let tract optimise the plan (falls back to the plain plan when that fails).
    pub optimize: bool,
    /// Threads tract's kernels may use; 1 runs on the calling thread alone.
    pub threads: usize,
}

/// Inputs converted for tract once, fed to every run.
pub struct Feed(TVec<TValue>);

/// Outputs of one run, still tract's.
pub struct RawOutputs(TVec<TValue>);

pub struct Plan {
    plan: Arc<TypedSimplePlan>,
    pool: tract_linalg::multithread::Executor,
    pub optimized: bool,
    /// Why the plain plan runs, when optimisation failed.
    pub optimisation_failure: Option<TractFailure>,
    pub threads: usize,
    names: NodeNames,
}

fn failed(e: TractError) -> TractFailure {
    TractFailure::from_error(&e)
}

/// Nodes tract has no implementation for, as (op, node name).
fn unimplemented(model: &InferenceModel) -> Vec<(String, String)> {
    model
        .nodes()
        .iter()
        .filter_map(|n| {
            let op = n.op.name();
            let inner = op.strip_prefix("Unimplemented(")?.strip_suffix(')')?;
            Some((inner.to_string(), n.name.clone()))
        })
        .collect()
}

impl Plan {
    /// Builds the plan from tract's proto of `model` whose input dims are all fixed.
    pub fn build(
        model: &Model,
        proto: &pb::ModelProto,
        dir: Option<&str>,
        options: PlanOptions,
        progress: &Progress,
    ) -> Result<Plan, PlanError> {
        let onnx = super::ml_ops::framework()
            .with_ignore_value_info(true)
            .with_ignore_output_shapes(true);
        let mut parsed = onnx.parse(proto, dir).map_err(failed)?.model;
        let blocking = unimplemented(&parsed);
        if !blocking.is_empty() {
            return Err(PlanError::Unsupported {
                nodes: blocking,
                detail: None,
            });
        }
        if progress.cancelled() {
            return Err(PlanError::Cancelled);
        }
        // Shapes that do not fit at these values are the model's problem, not tract's: analyse
        // first so such failures name their node as failures rather than as unsupported ops.
        progress.set(0.1, "shape analysis");
        parsed.analyse(false).map_err(failed)?;
        progress.set(0.15, "typing the graph");
        // tract implements the op but cannot type it in this configuration: still "unsupported".
        let names = NodeNames::of(model);
        let typed = parsed.into_typed().map_err(|e| {
            let f = failed(e);
            match f.node.clone() {
                Some(node) => PlanError::Unsupported {
                    nodes: vec![(names.op_of(&node).unwrap_or("?").to_string(), node)],
                    detail: Some(f),
                },
                None => PlanError::Failed(f),
            }
        })?;
        let (plan_model, optimized, optimisation_failure) = if options.optimize {
            progress.set(0.25, "optimising");
            match typed.clone().into_optimized() {
                Ok(m) => (m, true, None),
                Err(e) => (typed, false, Some(failed(e))),
            }
        } else {
            (typed, false, None)
        };
        let plan = plan_model.into_runnable().map_err(failed)?;
        let threads = options.threads.max(1);
        let pool = if threads > 1 {
            tract_linalg::multithread::Executor::multithread(threads)
        } else {
            tract_linalg::multithread::Executor::SingleThread
        };
        Ok(Plan {
            plan,
            pool,
            optimized,
            optimisation_failure,
            threads,
            names,
        })
    }

    pub fn feed(&self, inputs: &[Tensor]) -> Result<Feed, ConvertError> {
        inputs
            .iter()
            .map(|t| to_tract(t).map(|t| t.into_tvalue()))
            .collect::<Result<_, _>>()
            .map(Feed)
    }

    /// One run on the plan's thread pool.
    pub fn run(&self, feed: &Feed) -> Result<RawOutputs, TractFailure> {
        tract_linalg::multithread::multithread_tract_scope(self.pool.clone(), || {
            self.plan.run(feed.0.clone())
        })
        .map(RawOutputs)
        .map_err(failed)
    }

    /// The outputs as our tensors, named by the graph's outputs.
    pub fn outputs(&self, raw: &RawOutputs, names: &[String]) -> Result<Vec<Tensor>, ConvertError> {
        raw.0
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let name = names
                    .get(i)
                    .cloned()
                    .unwrap_or_else(|| format!("output_{i}"));
                from_tract(&name, v)
            })
            .collect()
    }

    /// One run with a clock around every node: ms per ONNX node name, slowest first.
    pub fn profile(&self, feed: &Feed) -> Result<Vec<(String, f64)>, TractFailure> {
        tract_linalg::multithread::multithread_tract_scope(self.pool.clone(), || {
            let mut state = self.plan.spawn()?;
            let mut per_node: HashMap<String, f64> = HashMap::new();
            state.run_plan_with_eval(feed.0.clone(), |ctx, op_state, node, inputs| {
                let t0 = Instant::now();
                let r = tract_onnx::tract_core::plan::eval(ctx, op_state, node, inputs);
                let ms = t0.elapsed().as_secs_f64() * 1e3;
                let key = self
                    .names
                    .onnx_name(&node.name)
                    .unwrap_or(&node.name)
                    .to_string();
                *per_node.entry(key).or_default() += ms;
                r
            })?;
            let mut times: Vec<(String, f64)> = per_node.into_iter().collect();
            times.sort_by(|a, b| b.1.total_cmp(&a.1));
            Ok(times)
        })
        .map_err(failed)
    }
}

/// The first node, in evaluation order, whose output holds NaN or an infinity.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct NonFinite {
    /// The ONNX node (tract's name for it).
    pub node: String,
    /// The output value's name, when tract kept it.
    pub output: Option<String>,
    /// NaN and infinite elements of that output.
    pub count: u64,
    pub nan: u64,
    /// Elements of the output.
    pub len: u64,
    /// The node's op type, when known.
    pub op: Option<String>,
    /// Where the first non-finite element is (its index along each axis).
    pub at: Vec<u64>,
    /// The values that went into it there: each input's element at that place (broadcast as
    /// ONNX broadcasts), null for an input that does not line up element by element.
    pub inputs: Vec<Option<f64>>,
}

impl NonFinite {
    pub fn message(&self) -> String {
        format!(
            "the first non-finite value appears at node {}{}: {} of {} elements ({} NaN){}",
            self.node,
            self.output
                .as_ref()
                .map(|o| format!(", output `{o}`"))
                .unwrap_or_default(),
            self.count,
            self.len,
            self.nan,
            self.inputs_text()
                .map(|t| format!("; {t}"))
                .unwrap_or_default()
        )
    }

    /// `Div: 0/0 at [0, 3]`, or `Log: inputs (-1) at [2]`.
    pub fn inputs_text(&self) -> Option<String> {
        if self.inputs.is_empty() || self.inputs.iter().all(Option::is_none) {
            return None;
        }
        let v: Vec<String> = self
            .inputs
            .iter()
            .map(|x| x.map_or("…".into(), |x| format!("{x}")))
            .collect();
        let op = self.op.as_deref().unwrap_or("node");
        let values = match (op, v.as_slice()) {
            ("Div", [a, b]) => format!("{a}/{b}"),
            _ => format!("inputs ({})", v.join(", ")),
        };
        Some(format!("{op}: {values} at {:?}", self.at))
    }
}

/// The first non-finite element of `t` (row-major index), if any.
fn first_nonfinite_index(t: &tract_onnx::prelude::Tensor) -> Option<usize> {
    let t = t.cast_to::<f64>().ok()?;
    let view = t.try_as_plain_ram().ok()?;
    view.as_slice::<f64>()
        .ok()?
        .iter()
        .position(|x| !x.is_finite())
}

/// Input `t`'s element at output coordinate `at`, broadcast from the right as ONNX does.
fn broadcast_element(t: &tract_onnx::prelude::Tensor, at: &[usize]) -> Option<f64> {
    let shape = t.shape();
    if shape.len() > at.len() {
        return None;
    }
    let skip = at.len() - shape.len();
    let mut flat = 0usize;
    for (d, &n) in shape.iter().enumerate() {
        let i = if n == 1 { 0 } else { at[skip + d] };
        if i >= n {
            return None;
        }
        flat = flat * n + i;
    }
    let t = t.cast_to::<f64>().ok()?;
    let view = t.try_as_plain_ram().ok()?;
    view.as_slice::<f64>().ok()?.get(flat).copied()
}

/// Row-major `flat` as an index along each axis of `shape`.
fn unravel(mut flat: usize, shape: &[usize]) -> Vec<usize> {
    let mut at = vec![0; shape.len()];
    for (d, &n) in shape.iter().enumerate().rev() {
        if n > 0 {
            at[d] = flat % n;
            flat /= n;
        }
    }
    at
}

fn non_finite(t: &tract_onnx::prelude::Tensor) -> Option<(u64, u64)> {
    fn count<T: Copy>(v: &[T], nan: impl Fn(T) -> bool, finite: impl Fn(T) -> bool) -> (u64, u64) {
        v.iter().fold((0, 0), |(bad, nans), &x| {
            (bad + u64::from(!finite(x)), nans + u64::from(nan(x)))
        })
    }
    let view = t.try_as_plain_ram().ok()?;
    Some(match t.datum_type() {
        DatumType::F32 => count(view.as_slice::<f32>().ok()?, f32::is_nan, f32::is_finite),
        DatumType::F64 => count(view.as_slice::<f64>().ok()?, f64::is_nan, f64::is_finite),
        DatumType::F16 => count(
            view.as_slice::<half::f16>().ok()?,
            |x| x.is_nan(),
            |x| x.is_finite(),
        ),
        _ => return None,
    })
}

impl Plan {
    /// Runs once, looking at every node's outputs, and names the first that holds NaN or an
    /// infinity (the plain plan's nodes are the ONNX ones; an optimised plan's are fused).
    pub fn first_nonfinite(&self, feed: &Feed) -> Result<Option<NonFinite>, TractFailure> {
        tract_linalg::multithread::multithread_tract_scope(self.pool.clone(), || {
            let mut state = self.plan.spawn()?;
            let mut first: Option<NonFinite> = None;
            let model = self.plan.model();
            state.run_plan_with_eval(feed.0.clone(), |ctx, op_state, node, inputs| {
                // Kept (shared, not copied) until the first non-finite output is found.
                let went_in = if first.is_none() {
                    inputs.clone()
                } else {
                    tvec![]
                };
                let r = tract_onnx::tract_core::plan::eval(ctx, op_state, node, inputs);
                if first.is_none() {
                    if let Ok(outputs) = &r {
                        for (k, v) in outputs.iter().enumerate() {
                            let Some((bad, nan)) = non_finite(v) else {
                                continue;
                            };
                            if bad > 0 {
                                let onnx = self.names.onnx_name(&node.name).unwrap_or(&node.name);
                                let at = first_nonfinite_index(v)
                                    .map(|i| unravel(i, v.shape()))
                                    .unwrap_or_default();
                                first = Some(NonFinite {
                                    op: self.names.op_of(onnx).map(str::to_string),
                                    inputs: went_in
                                        .iter()
                                        .map(|t| broadcast_element(t, &at))
                                        .collect(),
                                    at: at.iter().map(|&i| i as u64).collect(),
                                    node: onnx.to_string(),
                                    output: model
                                        .outlet_label(OutletId::new(node.id, k))
                                        .map(str::to_string),
                                    count: bad,
                                    nan,
                                    len: v.len() as u64,
                                });
                                break;
                            }
                        }
                    }
                }
                r
            })?;
            Ok(first)
        })
        .map_err(failed)
    }
}

/// Maps tract node names (`/fc1/Gemm.matmul`, …) back to the ONNX node they came from
/// (tract names an unnamed node after its first output), with its op type.
struct NodeNames(HashMap<String, String>);

impl NodeNames {
    fn of(model: &Model) -> NodeNames {
        NodeNames(model.main_node_ops())
    }

    fn op_of(&self, node: &str) -> Option<&str> {
        self.0.get(node).map(String::as_str)
    }

    fn onnx_name<'a>(&self, tract_name: &'a str) -> Option<&'a str> {
        let mut name = tract_name;
        loop {
            if self.0.contains_key(name) {
                return Some(name);
            }
            name = &name[..name.rfind('.')?];
        }
    }
}

impl Plan {
    /// Runs once and keeps the outputs of the nodes whose ONNX value names `wanted` accepts
    /// (the plain plan's outlets carry them), up to `cap_bytes` in all: the values, and whether
    /// the cap stopped the capture.
    pub fn capture(
        &self,
        feed: &Feed,
        wanted: &(dyn Fn(&str) -> bool + Sync),
        cap_bytes: u64,
    ) -> Result<(Vec<Tensor>, bool), TractFailure> {
        tract_linalg::multithread::multithread_tract_scope(self.pool.clone(), || {
            let mut state = self.plan.spawn()?;
            let model = self.plan.model();
            let (mut kept, mut bytes, mut full) = (Vec::new(), 0u64, false);
            state.run_plan_with_eval(feed.0.clone(), |ctx, op_state, node, inputs| {
                let r = tract_onnx::tract_core::plan::eval(ctx, op_state, node, inputs);
                if let Ok(outputs) = &r {
                    for (k, v) in outputs.iter().enumerate() {
                        let Some(label) = model.outlet_label(OutletId::new(node.id, k)) else {
                            continue;
                        };
                        if full || !wanted(label) {
                            continue;
                        }
                        let size = (v.len() * v.datum_type().size_of()) as u64;
                        if bytes + size > cap_bytes {
                            full = true;
                            continue;
                        }
                        if let Ok(t) = from_tract(label, v) {
                            bytes += size;
                            kept.push(t);
                        }
                    }
                }
                r
            })?;
            Ok((kept, full))
        })
        .map_err(failed)
    }
}
