//! One test inference with tract: symbols get concrete values, unsupported ops are named before
//! anything runs, the plan is optimised (or left plain when optimisation fails), then warm-up,
//! timed runs and one profiled run whose per-node times map back to ONNX node names.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

use tract_onnx::pb;
use tract_onnx::prelude::*;

use super::convert::{from_tract, to_tract};
use super::inputs::{
    check_given, concrete_shape, generate, input_specs, load_tensor_file, resolve_symbols,
    InputSource,
};
use crate::jobs::Progress;
use crate::model::{Model, Tensor, MAIN_GRAPH};
use crate::shapes::{bind_input_symbols, failing_node, tract_proto, InputSymbol};

/// What to run and how.
#[derive(Debug, Clone)]
pub struct RunRequest {
    /// Per input name; inputs not listed are random (seed 0).
    pub inputs: BTreeMap<String, InputSource>,
    /// Symbolic dim values by the name written in the model (`batch_size`) or tract's symbol.
    pub dims: BTreeMap<String, i64>,
    /// Timed runs after the first (warm-up) run; 0 times the first run alone.
    pub runs: usize,
    /// Let tract optimise the plan (falls back to the plain plan when that fails).
    pub optimize: bool,
    /// Time every node once (one extra run).
    pub profile: bool,
    /// Threads tract's kernels may use (matrix products, depthwise convolutions); 1 runs on
    /// the calling thread alone.
    pub threads: usize,
}

/// Every core, as onnxruntime uses by default.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

impl Default for RunRequest {
    fn default() -> Self {
        RunRequest {
            inputs: BTreeMap::new(),
            dims: BTreeMap::new(),
            runs: 5,
            optimize: true,
            profile: true,
            threads: default_threads(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Latency {
    pub min: f64,
    pub median: f64,
    pub runs: usize,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct NodeTime {
    /// ONNX node name (tract fuses nodes; fused parts count for the node they came from).
    pub node: String,
    pub ms: f64,
}

#[derive(Debug, Clone)]
pub struct RunOutcome {
    pub inputs: Vec<Tensor>,
    /// Symbol (as written in the model) → the value it ran with.
    pub symbol_values: Vec<(String, i64)>,
    pub outputs: Vec<Tensor>,
    pub latency_ms: Latency,
    /// Slowest first.
    pub node_times: Vec<NodeTime>,
    pub optimized: bool,
    /// Why the plain plan ran, when optimisation failed.
    pub plan_note: Option<String>,
    /// Threads the runs used.
    pub threads: usize,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RunError {
    /// Ops tract has no implementation for, or cannot translate here, as (op, node).
    #[error("unsupported: {}{}", .nodes.iter().map(|(op, node)| format!("{op} at {node}")).collect::<Vec<_>>().join(", "), .detail.as_ref().map(|d| format!(" (tract: {d})")).unwrap_or_default())]
    Unsupported {
        nodes: Vec<(String, String)>,
        detail: Option<String>,
    },
    #[error("inputs: {0}")]
    Input(String),
    #[error("{}{message}", node.as_ref().map(|n| format!("failed at node {n}: ")).unwrap_or_default())]
    Failed {
        node: Option<String>,
        message: String,
    },
    #[error("cancelled")]
    Cancelled,
}

impl RunError {
    /// One line: the failing node and the innermost cause.
    pub fn summary(&self) -> String {
        match self {
            RunError::Failed { node, message } => {
                let cause = crate::shapes::infer::tidy_tract_text(
                    message
                        .lines()
                        .next()
                        .unwrap_or("")
                        .rsplit(": ")
                        .next()
                        .unwrap_or(""),
                );
                match node {
                    Some(n) => format!("fails at node {n}: {cause}"),
                    None => cause,
                }
            }
            other => other.to_string(),
        }
    }

    pub fn node(&self) -> Option<&str> {
        match self {
            RunError::Unsupported { nodes, .. } => nodes.first().map(|(_, n)| n.as_str()),
            RunError::Failed { node, .. } => node.as_deref(),
            _ => None,
        }
    }
}

fn failed(e: anyhow::Error) -> RunError {
    let message = format!("{e:#}");
    RunError::Failed {
        node: failing_node(&message),
        message,
    }
}

/// Fixes every symbolic input dim of the proto to its value.
fn fix_input_dims(
    proto: &mut pb::ModelProto,
    symbols: &[InputSymbol],
    values: &BTreeMap<String, i64>,
) {
    use pb::tensor_shape_proto::dimension::Value as DimValue;
    let Some(graph) = proto.graph.as_mut() else {
        return;
    };
    for input in &mut graph.input {
        let Some(pb::type_proto::Value::TensorType(tt)) =
            input.r#type.as_mut().and_then(|t| t.value.as_mut())
        else {
            continue;
        };
        for (i, dim) in tt
            .shape
            .iter_mut()
            .flat_map(|s| s.dim.iter_mut())
            .enumerate()
        {
            let sym = symbols
                .iter()
                .find(|s| s.input == input.name && s.dim_index == i);
            if let Some(v) = sym.and_then(|s| values.get(&s.symbol)) {
                dim.value = Some(DimValue::DimValue(*v));
            }
        }
    }
}

/// Nodes tract has no implementation for, as (op, node name).
fn unsupported(model: &InferenceModel) -> Vec<(String, String)> {
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

/// Runs the model once per request (plus warm-up and profiling). Blocking: call it on a worker.
/// A panic inside tract is returned as a failure.
pub fn run(model: &Model, req: &RunRequest, progress: &Progress) -> Result<RunOutcome, RunError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run_inner(model, req, progress)
    }))
    .unwrap_or_else(|p| {
        Err(RunError::Failed {
            node: None,
            message: format!("tract panicked: {}", crate::jobs::panic_text(&p)),
        })
    })
}

fn run_inner(model: &Model, req: &RunRequest, progress: &Progress) -> Result<RunOutcome, RunError> {
    progress.set(0.0, "reading inputs");
    let specs = input_specs(model);
    let mut given: BTreeMap<String, Tensor> = BTreeMap::new();
    for spec in &specs {
        let mut t = match req.inputs.get(&spec.name) {
            Some(InputSource::File(p)) => load_tensor_file(p).map_err(RunError::Input)?,
            Some(InputSource::Given(t)) => t.clone(),
            _ => continue,
        };
        t.name = spec.name.clone();
        check_given(spec, &t).map_err(RunError::Input)?;
        given.insert(spec.name.clone(), t);
    }
    if let Some(unknown) = req
        .inputs
        .keys()
        .find(|k| !specs.iter().any(|s| &s.name == *k))
    {
        let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
        return Err(RunError::Input(format!(
            "the model has no input '{unknown}' (it has: {})",
            names.join(", ")
        )));
    }

    progress.set(0.05, "parsing for tract");
    let (mut proto, dir) = tract_proto(model).map_err(failed)?;
    let symbols = bind_input_symbols(&mut proto);
    let values = resolve_symbols(&specs, &symbols, &given, &req.dims).map_err(RunError::Input)?;
    fix_input_dims(&mut proto, &symbols, &values);

    let mut inputs = Vec::with_capacity(specs.len());
    for spec in &specs {
        let t = match given.remove(&spec.name) {
            Some(t) => t,
            None => {
                let dtype = spec.dtype.ok_or_else(|| {
                    RunError::Input(format!("input '{}' has no element type", spec.name))
                })?;
                let dims = concrete_shape(spec, &symbols, &values).map_err(RunError::Input)?;
                let source = req.inputs.get(&spec.name).cloned().unwrap_or_default();
                generate(&spec.name, dtype, &dims, &source).map_err(RunError::Input)?
            }
        };
        inputs.push(t);
    }

    let onnx = tract_onnx::onnx()
        .with_ignore_value_info(true)
        .with_ignore_output_shapes(true);
    let mut parsed = onnx.parse(&proto, dir.as_deref()).map_err(failed)?.model;
    let blocking = unsupported(&parsed);
    if !blocking.is_empty() {
        return Err(RunError::Unsupported {
            nodes: blocking,
            detail: None,
        });
    }
    if progress.cancelled() {
        return Err(RunError::Cancelled);
    }
    // Shapes that do not fit at these values are the model's problem, not tract's: analyse
    // first so such failures name their node as failures rather than as unsupported ops.
    progress.set(0.1, "shape analysis");
    parsed.analyse(false).map_err(failed)?;
    progress.set(0.15, "typing the graph");
    // tract implements the op but cannot type it in this configuration: still "unsupported".
    let names = NodeNames::of(model);
    let typed = parsed.into_typed().map_err(|e| match failed(e) {
        RunError::Failed {
            node: Some(node),
            message,
        } => RunError::Unsupported {
            nodes: vec![(names.op_of(&node).unwrap_or("?").to_string(), node)],
            detail: message.rsplit(": ").next().map(str::to_string),
        },
        other => other,
    })?;
    let (plan_model, optimized, plan_note) = if req.optimize {
        progress.set(0.25, "optimising");
        match typed.clone().into_optimized() {
            Ok(m) => (m, true, None),
            Err(e) => (
                typed,
                false,
                Some(format!("optimisation failed, ran the plain plan: {e:#}")),
            ),
        }
    } else {
        (typed, false, None)
    };
    let plan = plan_model.into_runnable().map_err(failed)?;

    let feed: TVec<TValue> = inputs
        .iter()
        .map(|t| to_tract(t).map(|t| t.into_tvalue()))
        .collect::<Result<_, _>>()
        .map_err(RunError::Input)?;

    let threads = req.threads.max(1);
    let pool = if threads > 1 {
        tract_linalg::multithread::Executor::multithread(threads)
    } else {
        tract_linalg::multithread::Executor::SingleThread
    };
    let run_plan = |feed: TVec<TValue>| {
        tract_linalg::multithread::multithread_tract_scope(pool.clone(), || plan.run(feed))
    };
    let total = req.runs + 1 + usize::from(req.profile);
    let step = |i: usize, what: &str| progress.set(0.3 + 0.7 * i as f32 / total as f32, what);
    step(0, "first run");
    let t0 = Instant::now();
    let first = run_plan(feed.clone()).map_err(failed)?;
    let first_ms = t0.elapsed().as_secs_f64() * 1e3;
    // The first run warms caches up; it only counts as latency when no timed runs were asked for.
    let mut times = Vec::with_capacity(req.runs);
    for i in 0..req.runs {
        if progress.cancelled() {
            return Err(RunError::Cancelled);
        }
        step(1 + i, "timed runs");
        let t0 = Instant::now();
        run_plan(feed.clone()).map_err(failed)?;
        times.push(t0.elapsed().as_secs_f64() * 1e3);
    }
    if times.is_empty() {
        times.push(first_ms);
    }
    times.sort_by(f64::total_cmp);
    let latency_ms = Latency {
        min: times[0],
        median: times[times.len() / 2],
        runs: times.len(),
    };

    let node_times = if req.profile {
        step(total - 1, "profiling nodes");
        tract_linalg::multithread::multithread_tract_scope(pool.clone(), || {
            profile(&plan, feed, &names)
        })
        .map_err(failed)?
    } else {
        vec![]
    };

    let output_names = model
        .graph(MAIN_GRAPH)
        .map(|g| g.outputs.clone())
        .unwrap_or_default();
    let outputs = first
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let name = output_names
                .get(i)
                .cloned()
                .unwrap_or_else(|| format!("output_{i}"));
            from_tract(&name, v)
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|message| RunError::Failed {
            node: None,
            message,
        })?;
    progress.set(1.0, "done");
    let mut seen = HashSet::new();
    let symbol_values = symbols
        .iter()
        .filter(|s| seen.insert(s.symbol.clone()))
        .filter_map(|s| {
            let shown = if s.written == "?" || s.written.starts_with('-') {
                &s.symbol
            } else {
                &s.written
            };
            Some((shown.clone(), *values.get(&s.symbol)?))
        })
        .collect();
    Ok(RunOutcome {
        inputs,
        symbol_values,
        outputs,
        latency_ms,
        node_times,
        optimized,
        plan_note,
        threads,
    })
}

/// One run with a clock around every node; times summed per ONNX node, slowest first.
fn profile(
    plan: &Arc<TypedSimplePlan>,
    feed: TVec<TValue>,
    names: &NodeNames,
) -> TractResult<Vec<NodeTime>> {
    let mut state = plan.spawn()?;
    let mut per_node: HashMap<String, f64> = HashMap::new();
    state.run_plan_with_eval(feed, |ctx, op_state, node, inputs| {
        let t0 = Instant::now();
        let r = tract_onnx::tract_core::plan::eval(ctx, op_state, node, inputs);
        let ms = t0.elapsed().as_secs_f64() * 1e3;
        let key = names
            .onnx_name(&node.name)
            .unwrap_or(&node.name)
            .to_string();
        *per_node.entry(key).or_default() += ms;
        r
    })?;
    let mut times: Vec<NodeTime> = per_node
        .into_iter()
        .map(|(node, ms)| NodeTime { node, ms })
        .collect();
    times.sort_by(|a, b| b.ms.total_cmp(&a.ms));
    Ok(times)
}
