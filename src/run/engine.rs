//! One test inference: inputs read or generated, symbols given concrete values, then a tract
//! plan (`tract::Plan`: unsupported ops named before anything runs, optimised or plain), warm-up,
//! timed runs and one profiled run whose per-node times map back to ONNX node names.

use std::collections::{BTreeMap, HashSet};
use std::time::Instant;

use super::image::{load_images, FedImage, Preprocess};
use super::inputs::{
    check_given, concrete_shape, default_source, generate, input_specs, load_tensor_file,
    resolve_symbols, text_tensor, InputError, InputSource,
};
use crate::jobs::Progress;
use crate::model::{Model, Tensor, MAIN_GRAPH};
use crate::tract::{
    bind_input_symbols, fix_input_dims, lower, tract_proto_inlined, ConvertError, NonFinite, Plan,
    PlanError, PlanOptions, Rewrite, TractFailure,
};

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
    /// Run the plain plan once too and compare: tract's optimiser has been seen to change the
    /// numbers (a quantized model's QDQ → Softmax tail gave all ones), so an optimised run is
    /// never trusted alone.
    pub cross_check: bool,
    /// Intermediate values to keep from one run of the plain plan (compare, tensor panels).
    pub capture: Option<Capture>,
}

/// Which intermediate values a run keeps, and how many bytes of them at most.
#[derive(Debug, Clone)]
pub struct Capture {
    pub values: HashSet<String>,
    pub cap_bytes: u64,
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
            cross_check: true,
            capture: None,
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
    pub optimisation_failure: Option<TractFailure>,
    /// Threads the runs used.
    pub threads: usize,
    /// Where the optimised plan's outputs left the plain plan's: the outputs shown are then the
    /// plain plan's.
    pub optimizer_mismatch: Option<OptimizerMismatch>,
    /// When an output holds NaN or an infinity: the first node whose output does.
    pub first_nonfinite: Option<NonFinite>,
    /// Nodes rewritten before tract saw them (`tract::lower`): what the model ran as.
    pub rewrites: Vec<Rewrite>,
    /// Outputs whose shape contradicts the model's declared output type.
    pub shape_mismatches: Vec<ShapeMismatch>,
    /// The intermediate values asked for (`RunRequest::capture`), in evaluation order.
    pub captured: Vec<Tensor>,
    /// Outputs that stand for a ZipMap's maps (a [N, classes] tensor): their class labels.
    pub output_classes: BTreeMap<String, Vec<String>>,
    /// The capture stopped at its byte cap.
    pub capture_truncated: bool,
    /// Each input's source as it was used (a default chosen by role, images with the
    /// preprocessing applied), by input name.
    pub sources: BTreeMap<String, InputSource>,
    /// Images as fed (after resize and crop), by input name.
    pub fed_images: BTreeMap<String, Vec<FedImage>>,
}

/// An output that came out in another shape than the model declares for it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ShapeMismatch {
    pub output: String,
    /// As declared (`[?, 1]`).
    pub declared: String,
    pub got: Vec<u64>,
}

impl ShapeMismatch {
    pub fn message(&self) -> String {
        format!(
            "output `{}` came out {:?}, the model declares {}",
            self.output, self.got, self.declared
        )
    }
}

/// Outputs whose rank or fixed dims differ from the declared type (symbols match anything:
/// which value they take is the run's business).
fn shape_mismatches(model: &Model, outputs: &[Tensor]) -> Vec<ShapeMismatch> {
    use crate::model::types::{format_dims, Dim};
    outputs
        .iter()
        .filter_map(|t| {
            let declared = model.declared_type(MAIN_GRAPH, &t.name)?.shape()?;
            let fits = declared.len() == t.dims.len()
                && declared.iter().zip(&t.dims).all(|(d, &v)| match d {
                    Dim::Value(x) => *x < 0 || *x as u64 == v,
                    _ => true,
                });
            (!fits).then(|| ShapeMismatch {
                output: t.name.clone(),
                declared: format_dims(Some(declared)),
                got: t.dims.clone(),
            })
        })
        .collect()
}

/// The first output where tract's optimised plan gave other numbers than its plain plan.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OptimizerMismatch {
    pub output: String,
    pub max_abs_error: f64,
    pub max_rel_error: f64,
    /// Elements outside the tolerance (1 % of the output's largest magnitude, rtol 1e-3).
    pub mismatches: u64,
}

impl OptimizerMismatch {
    pub fn message(&self) -> String {
        format!(
            "tract's optimised plan changed the numbers: output `{}` differs from the plain plan's by up to {:.3e} ({} elements); the outputs shown are the plain plan's",
            self.output, self.max_abs_error, self.mismatches
        )
    }
}

/// Compares the optimised plan's outputs with the plain plan's, each against its own scale (a
/// quantization step of rounding is not a mismatch, a wrong tail is).
fn optimizer_mismatch(optimised: &[Tensor], plain: &[Tensor]) -> Option<OptimizerMismatch> {
    for (o, p) in optimised.iter().zip(plain) {
        let scale = (0..p.values.len())
            .filter_map(|i| p.values.get_f64(i))
            .filter(|v| v.is_finite())
            .fold(0.0f64, |m, v| m.max(v.abs()));
        let tol = super::compare::Tolerance {
            rtol: 1e-3,
            atol: 1e-2 * scale + 1e-6,
        };
        let c = super::compare::compare(std::slice::from_ref(o), std::slice::from_ref(p), tol);
        if !c.passed {
            let oc = &c.outputs[0];
            return Some(OptimizerMismatch {
                output: o.name.clone(),
                max_abs_error: oc.max_abs_error,
                max_rel_error: oc.max_rel_error,
                mismatches: oc.mismatches,
            });
        }
    }
    None
}

impl RunOutcome {
    /// Why the plain plan ran (the whole chain), when optimisation failed.
    pub fn plan_note(&self) -> Option<String> {
        self.optimisation_failure
            .as_ref()
            .map(|f| format!("optimisation failed, ran the plain plan: {f}"))
    }

    /// The same in one line.
    pub fn plan_note_line(&self) -> Option<String> {
        self.optimisation_failure
            .as_ref()
            .map(|f| format!("optimisation failed, ran the plain plan: {}", f.headline))
    }
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum RunError {
    /// Ops tract has no implementation for, or cannot type here, as (op, node).
    #[error("unsupported: {}{}", .nodes.iter().map(|(op, node)| format!("{op} at {node}")).collect::<Vec<_>>().join(", "), .detail.as_ref().map(unsupported_detail).unwrap_or_default())]
    Unsupported {
        nodes: Vec<(String, String)>,
        detail: Option<TractFailure>,
    },
    #[error("inputs: {0}")]
    Input(#[from] InputError),
    #[error("{}{failure}", failure.node.as_ref().map(|n| format!("failed at node {n}: ")).unwrap_or_default())]
    Tract { failure: TractFailure },
    #[error("reading the outputs: {0}")]
    Output(#[from] ConvertError),
    /// The worker running the job failed outside tract (a panic in our code).
    #[error("{0}")]
    Job(String),
    #[error("cancelled")]
    Cancelled,
}

/// Why tract cannot run it: tract's own words, or our refusal (which names tract itself).
fn unsupported_detail(d: &TractFailure) -> String {
    match d.kind {
        crate::tract::FailureKind::Refused => format!(" ({})", d.cause),
        _ => format!(" (tract: {})", d.cause),
    }
}

impl From<TractFailure> for RunError {
    fn from(failure: TractFailure) -> Self {
        RunError::Tract { failure }
    }
}

impl From<PlanError> for RunError {
    fn from(e: PlanError) -> Self {
        match e {
            PlanError::Unsupported { nodes, detail } => RunError::Unsupported { nodes, detail },
            PlanError::Failed(failure) => RunError::Tract { failure },
            PlanError::Cancelled => RunError::Cancelled,
        }
    }
}

impl RunError {
    /// One line: the failing node and the innermost cause.
    pub fn summary(&self) -> String {
        match self {
            RunError::Tract { failure } => failure.summary(),
            other => other.to_string(),
        }
    }

    pub fn node(&self) -> Option<&str> {
        match self {
            RunError::Unsupported { nodes, .. } => nodes.first().map(|(_, n)| n.as_str()),
            RunError::Tract { failure } => failure.node.as_deref(),
            _ => None,
        }
    }
}

/// Runs the model once per request (plus warm-up and profiling). Blocking: call it on a worker.
/// A panic inside tract is returned as a failure.
pub fn run(model: &Model, req: &RunRequest, progress: &Progress) -> Result<RunOutcome, RunError> {
    crate::tract::catch_quietly(|| run_inner(model, req, progress))
        .unwrap_or_else(|p| Err(TractFailure::from_panic(&p).into()))
}

fn run_inner(model: &Model, req: &RunRequest, progress: &Progress) -> Result<RunOutcome, RunError> {
    progress.set(0.0, "reading inputs");
    let specs = input_specs(model);
    let mut given: BTreeMap<String, Tensor> = BTreeMap::new();
    let mut sources: BTreeMap<String, InputSource> = BTreeMap::new();
    let mut fed_images = BTreeMap::new();
    for spec in &specs {
        let source = req
            .inputs
            .get(&spec.name)
            .cloned()
            .unwrap_or_else(|| default_source(model, spec));
        let (mut t, used) = match source {
            InputSource::File(p) => (load_tensor_file(&p)?, InputSource::File(p)),
            InputSource::Given(t) => (t.clone(), InputSource::Given(t)),
            InputSource::Text(lines) => (text_tensor(spec, &lines)?, InputSource::Text(lines)),
            InputSource::Images { paths, preprocess } => {
                let p = preprocess.unwrap_or_else(|| Preprocess::guess(model, spec));
                let (t, fed) = load_images(spec, &paths, &p).map_err(InputError::from)?;
                fed_images.insert(spec.name.clone(), fed);
                let used = InputSource::Images {
                    paths,
                    preprocess: Some(p),
                };
                (t, used)
            }
            generated => {
                sources.insert(spec.name.clone(), generated);
                continue;
            }
        };
        sources.insert(spec.name.clone(), used);
        t.name = spec.name.clone();
        check_given(spec, &t)?;
        given.insert(spec.name.clone(), t);
    }
    if let Some(unknown) = req
        .inputs
        .keys()
        .find(|k| !specs.iter().any(|s| &s.name == *k))
    {
        return Err(InputError::NoSuchInput {
            name: unknown.clone(),
            available: specs.iter().map(|s| s.name.clone()).collect(),
        }
        .into());
    }

    progress.set(0.05, "parsing for tract");
    let ((mut proto, dir), inlined) = tract_proto_inlined(model)?;
    let mut lowering = lower(&mut proto);
    lowering.rewrites.splice(0..0, inlined);
    if let Some(first) = lowering.refused.first() {
        return Err(RunError::Unsupported {
            nodes: lowering
                .refused
                .iter()
                .map(|r| (r.op.clone(), r.node.clone()))
                .collect(),
            detail: Some(TractFailure::refused(
                Some(first.node.clone()),
                first.why.clone(),
            )),
        });
    }
    let symbols = bind_input_symbols(&mut proto);
    let values = resolve_symbols(&specs, &symbols, &given, &req.dims)?;
    fix_input_dims(&mut proto, &symbols, &values);

    let mut inputs = Vec::with_capacity(specs.len());
    for spec in &specs {
        let t = match given.remove(&spec.name) {
            Some(t) => t,
            None => {
                let dtype = spec
                    .dtype
                    .ok_or_else(|| InputError::NoElementType(spec.name.clone()))?;
                let dims = concrete_shape(spec, &symbols, &values)?;
                let source = sources.get(&spec.name).cloned().unwrap_or_default();
                generate(&spec.name, dtype, &dims, &source)?
            }
        };
        inputs.push(t);
    }

    let options = PlanOptions {
        optimize: req.optimize,
        threads: req.threads,
    };
    let plan = Plan::build(model, &proto, dir.as_deref(), options, progress)?;
    let feed = plan.feed(&inputs).map_err(InputError::from)?;

    let total = req.runs + 1 + usize::from(req.profile);
    let step = |i: usize, what: &str| progress.set(0.3 + 0.7 * i as f32 / total as f32, what);
    step(0, "first run");
    let t0 = Instant::now();
    let first = plan.run(&feed)?;
    let first_ms = t0.elapsed().as_secs_f64() * 1e3;
    // The first run warms caches up; it only counts as latency when no timed runs were asked for.
    let mut times = Vec::with_capacity(req.runs);
    for i in 0..req.runs {
        if progress.cancelled() {
            return Err(RunError::Cancelled);
        }
        step(1 + i, "timed runs");
        let t0 = Instant::now();
        plan.run(&feed)?;
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
        plan.profile(&feed)?
            .into_iter()
            .map(|(node, ms)| NodeTime { node, ms })
            .collect()
    } else {
        vec![]
    };

    let output_names = model
        .graph(MAIN_GRAPH)
        .map(|g| g.outputs.clone())
        .unwrap_or_default();
    let mut outputs = plan.outputs(&first, &output_names)?;
    let mut mismatch = None;
    let plain_options = PlanOptions {
        optimize: false,
        threads: req.threads,
    };
    // The plain plan, when one was built besides the optimised one.
    let mut plain: Option<Plan> = None;
    if req.cross_check && plan.optimized {
        progress.set(0.95, "checking against the plain plan");
        let p = Plan::build(model, &proto, dir.as_deref(), plain_options, progress)?;
        let plain_feed = p.feed(&inputs).map_err(InputError::from)?;
        let reference = p.outputs(&p.run(&plain_feed)?, &output_names)?;
        mismatch = optimizer_mismatch(&outputs, &reference);
        if mismatch.is_some() {
            outputs = reference;
        }
        plain = Some(p);
    }
    // NaN or infinity in an output: find the node it starts at, on the plain plan's (ONNX) nodes.
    let has_nonfinite = outputs
        .iter()
        .any(|t| t.stats().is_some_and(|s| s.nan_count + s.inf_count > 0));
    // What looks at every node's outputs runs on the plain plan (its nodes are the ONNX ones).
    if (has_nonfinite || req.capture.is_some()) && plain.is_none() && plan.optimized {
        plain = Some(Plan::build(
            model,
            &proto,
            dir.as_deref(),
            plain_options,
            progress,
        )?);
    }
    let tracer: &Plan = plain.as_ref().unwrap_or(&plan);
    let tracer_feed = if has_nonfinite || req.capture.is_some() {
        Some(tracer.feed(&inputs).map_err(InputError::from)?)
    } else {
        None
    };
    let first_nonfinite = match (&tracer_feed, has_nonfinite) {
        (Some(feed), true) => {
            progress.set(0.97, "finding the first NaN or infinity");
            tracer.first_nonfinite(feed)?
        }
        _ => None,
    };
    let (captured, capture_truncated) = match (&tracer_feed, &req.capture) {
        (Some(feed), Some(c)) => {
            progress.set(0.98, "keeping intermediate values");
            tracer.capture(feed, &|v| c.values.contains(v), c.cap_bytes)?
        }
        _ => (vec![], false),
    };
    progress.set(1.0, "done");
    let mut seen = HashSet::new();
    let symbol_values = symbols
        .iter()
        .filter(|s| seen.insert(s.symbol.clone()))
        .filter_map(|s| Some((s.shown().to_string(), *values.get(&s.symbol)?)))
        .collect();
    Ok(RunOutcome {
        inputs,
        symbol_values,
        latency_ms,
        node_times,
        optimized: plan.optimized,
        optimisation_failure: plan.optimisation_failure.clone(),
        optimizer_mismatch: mismatch,
        first_nonfinite,
        threads: plan.threads,
        output_classes: lowering.classes.into_iter().collect(),
        rewrites: lowering.rewrites,
        shape_mismatches: shape_mismatches(model, &outputs),
        captured,
        capture_truncated,
        outputs,
        sources,
        fed_images,
    })
}
