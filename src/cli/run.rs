//! `onnx-lens run FILE [--input NAME=SRC]… [--dim SYM=N]… [--expected DIR | --expect NAME=FILE…]
//! [--runs N] [--json]`

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::jobs::Progress;
use crate::model::{Tensor, TensorStats};
use crate::run::image::Preprocess;
use crate::run::labels::Labels;
use crate::run::{
    compare, default_threads, input_specs, load_test_data_set, run as run_model, top_k, Comparison,
    InputSource, InputSpec, Latency, NodeTime, RunError, RunRequest, Tolerance,
};

use super::info::open_or_report;
use super::{print_json, EXIT_OK, EXIT_PROBLEMS, EXIT_UNREADABLE};

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    pub file: PathBuf,
    /// NAME=SOURCE, SOURCE one of random, random:SEED, normal, zeros, ones, text:LINES (a string input, one line per row), a .npy or a .pb file (repeatable).
    #[arg(long = "input", value_name = "NAME=SOURCE")]
    pub inputs: Vec<String>,
    /// SYMBOL=VALUE for a symbolic input dim, e.g. batch_size=4 (repeatable; default 1 for batch-like dims).
    #[arg(long = "dim", value_name = "SYMBOL=VALUE")]
    pub dims: Vec<String>,
    /// A test_data_set_N folder: its input_N.pb feed the model (unless --input says otherwise) and its
    /// output_N.pb are compared with the outputs.
    #[arg(long, value_name = "DIR")]
    pub expected: Option<PathBuf>,
    /// NAME=FILE: compare output NAME with a saved reference (.npy or .pb), e.g. PyTorch's
    /// output saved with np.save (repeatable; within --rtol/--atol; exit 1 when it differs).
    #[arg(long = "expect", value_name = "NAME=FILE", conflicts_with = "expected")]
    pub expect: Vec<String>,
    /// Timed runs after one warm-up run.
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
    #[arg(long, default_value_t = 1e-3)]
    pub rtol: f64,
    #[arg(long, default_value_t = 1e-7)]
    pub atol: f64,
    /// Run tract's plain plan instead of the optimised one.
    #[arg(long)]
    pub no_optimize: bool,
    /// Skip running the plain plan once to check the optimised plan's numbers against it.
    #[arg(long)]
    pub no_cross_check: bool,
    /// Threads for tract's kernels [default: every core, like onnxruntime]; 1 for single-threaded latency.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// Write each output as DIR/<output name>.npy (or .pb with --save-format pb).
    #[arg(long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    #[arg(long, default_value = "npy", value_parser = ["npy", "pb"])]
    pub save_format: String,
    /// Write the inputs as fed and every intermediate value of the main graph as
    /// DIR/<value>.npy (names sanitised), from one run of the plain plan, up to --dump-cap-mb.
    #[arg(long, value_name = "DIR")]
    pub dump_values: Option<PathBuf>,
    #[arg(long, default_value_t = 2048, value_name = "MB")]
    pub dump_cap_mb: u64,
    /// Class names for top-5: a file (one per line, a JSON list or {index: name}), or
    /// `imagenet` for the bundled ImageNet-1k list [default: the model's metadata, if any].
    #[arg(long, value_name = "FILE|imagenet")]
    pub labels: Option<String>,
    #[command(flatten)]
    pub image: ImageArgs,
    /// Print JSON (stable contract, see README).
    #[arg(long)]
    pub json: bool,
}

/// How photos given with `--input NAME=a.jpg[,b.jpg]` become tensors; unset options come from
/// the preset, itself guessed from the input (ImageNet for float NCHW, 0–255 for uint8, YOLO
/// for Ultralytics exports).
#[derive(clap::Args, Debug, Default)]
pub struct ImageArgs {
    /// imagenet, unit (0–1), bgr255 (OpenCV) or yolo (letterbox).
    #[arg(long, value_name = "PRESET", value_parser = ["imagenet", "unit", "bgr255", "yolo"])]
    pub preprocess: Option<String>,
    /// S (shorter side to S), HxW (exact), or none.
    #[arg(long, value_name = "S|HxW|none")]
    pub resize: Option<String>,
    /// Center crop: S or HxW, or none.
    #[arg(long, value_name = "S|HxW|none")]
    pub crop: Option<String>,
    #[arg(long, value_parser = ["nchw", "nhwc"])]
    pub layout: Option<String>,
    #[arg(long, value_parser = ["rgb", "bgr"])]
    pub channels: Option<String>,
    /// Pixel value range before mean/std.
    #[arg(long, value_parser = ["0-1", "0-255"])]
    pub range: Option<String>,
    /// R,G,B means (in --range units).
    #[arg(long, value_name = "R,G,B")]
    pub mean: Option<String>,
    #[arg(long, value_name = "R,G,B")]
    pub std: Option<String>,
}

fn parse_side(text: &str, what: &str) -> Result<Option<(u32, u32)>, String> {
    if text == "none" {
        return Ok(None);
    }
    let bad = || format!("--{what} {text}: expected S, HxW or none");
    let (h, w) = match text.split_once(['x', 'X']) {
        Some((h, w)) => (h.parse().map_err(|_| bad())?, w.parse().map_err(|_| bad())?),
        None => {
            let s = text.parse().map_err(|_| bad())?;
            (s, s)
        }
    };
    Ok(Some((h, w)))
}

fn parse_triple(text: &str, what: &str) -> Result<[f32; 3], String> {
    let v: Vec<f32> = text
        .split(',')
        .map(|x| x.trim().parse())
        .collect::<Result<_, _>>()
        .map_err(|_| format!("--{what} {text}: expected three numbers R,G,B"))?;
    v.try_into()
        .map_err(|_| format!("--{what} {text}: expected three numbers R,G,B"))
}

impl ImageArgs {
    /// The preprocessing for one image input: the preset (given or guessed), then each option.
    pub fn preprocess(
        &self,
        model: &crate::model::Model,
        spec: &InputSpec,
    ) -> Result<Preprocess, String> {
        use crate::run::image::{image_input, ChannelOrder, Layout, Preset, Resize};
        let mut p = match self.preprocess.as_deref().and_then(Preset::parse) {
            Some(preset) => Preprocess::preset(preset, image_input(spec)),
            None => Preprocess::guess(model, spec),
        };
        if let Some(r) = &self.resize {
            p.resize = match (r.contains(['x', 'X']), parse_side(r, "resize")?) {
                (_, None) => Resize::None,
                (false, Some((s, _))) => Resize::Shorter(s),
                (true, Some((h, w))) => Resize::Exact { h, w },
            };
        }
        if let Some(c) = &self.crop {
            p.crop = parse_side(c, "crop")?;
        }
        if let Some(l) = &self.layout {
            p.layout = if l == "nhwc" {
                Layout::Nhwc
            } else {
                Layout::Nchw
            };
        }
        if let Some(c) = &self.channels {
            p.order = if c == "bgr" {
                ChannelOrder::Bgr
            } else {
                ChannelOrder::Rgb
            };
        }
        if let Some(r) = &self.range {
            p.unit_range = r == "0-1";
        }
        if let Some(m) = &self.mean {
            p.mean = parse_triple(m, "mean")?;
        }
        if let Some(s) = &self.std {
            p.std = parse_triple(s, "std")?;
        }
        Ok(p)
    }
}

#[derive(Serialize)]
pub struct OutputSummary {
    pub name: String,
    pub dtype: String,
    pub shape: Vec<u64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub mean: Option<f64>,
    pub std: Option<f64>,
    pub nan_count: u64,
    pub inf_count: u64,
    /// (index, value) of the largest scores, for classifier-like outputs.
    pub top5: Option<Vec<(usize, f64)>>,
    /// The class of each column, when the output stands for a ZipMap's {class: probability}
    /// maps; null otherwise.
    pub classes: Option<Vec<String>>,
    /// The class name of each top-5 entry, when labels are known for this output; else null.
    pub top5_labels: Option<Vec<String>>,
}

impl OutputSummary {
    pub fn of(t: &Tensor) -> OutputSummary {
        let s: Option<TensorStats> = t.stats();
        OutputSummary {
            name: t.name.clone(),
            dtype: t.dtype.name(),
            shape: t.dims.clone(),
            min: s.as_ref().map(|s| s.min),
            max: s.as_ref().map(|s| s.max),
            mean: s.as_ref().map(|s| s.mean),
            std: s.as_ref().map(|s| s.std),
            nan_count: s.as_ref().map_or(0, |s| s.nan_count),
            inf_count: s.as_ref().map_or(0, |s| s.inf_count),
            top5: top_k(t, 5),
            classes: None,
            top5_labels: None,
        }
    }
}

#[derive(Serialize)]
struct RunReport {
    /// Each input as fed: its source (a default chosen by the input's role, or the images
    /// with the preprocessing applied).
    inputs: Vec<InputSummary>,
    outputs: Vec<OutputSummary>,
    /// Where the top-5 class names came from, or null.
    labels: Option<String>,
    /// Files written by --dump-values, and whether its byte cap stopped it.
    dumped: Vec<PathBuf>,
    dump_truncated: bool,
    latency_ms: Latency,
    expected: Option<Comparison>,
    symbols: BTreeMap<String, i64>,
    optimized: bool,
    plan_note: Option<String>,
    /// The note in one line, for the human report.
    #[serde(skip)]
    plan_note_line: Option<String>,
    /// Where tract's optimised plan gave other numbers than the plain plan (the outputs are
    /// then the plain plan's), or null.
    optimizer_mismatch: Option<crate::run::OptimizerMismatch>,
    /// The first node whose output holds NaN or an infinity, when an output does; else null.
    first_nonfinite: Option<crate::tract::NonFinite>,
    /// Nodes rewritten into ops tract runs right before the run (`tract::lower`).
    ran_as: Vec<crate::tract::Rewrite>,
    /// Outputs whose shape contradicts the model's declared output type.
    shape_mismatches: Vec<crate::run::ShapeMismatch>,
    /// ZipMap outputs' first rows as `class: p` text (the human report only).
    #[serde(skip)]
    zip_tables: Vec<(String, Vec<String>)>,
    threads: usize,
    /// The 20 slowest nodes of one profiled run.
    node_times_ms: Vec<NodeTime>,
    saved: Vec<PathBuf>,
}

#[derive(Serialize)]
struct InputSummary {
    name: String,
    dtype: String,
    shape: Vec<u64>,
    source: String,
}

pub(crate) fn split_pair<'a>(text: &'a str, what: &str) -> Result<(&'a str, &'a str), String> {
    text.split_once('=')
        .ok_or_else(|| format!("--{what} {text}: expected NAME=VALUE"))
}

fn request(args: &RunArgs) -> Result<RunRequest, String> {
    let mut req = RunRequest {
        runs: args.runs,
        optimize: !args.no_optimize,
        cross_check: !args.no_cross_check,
        threads: args.threads.map_or_else(default_threads, usize::from),
        ..RunRequest::default()
    };
    for text in &args.inputs {
        let (name, src) = split_pair(text, "input")?;
        req.inputs.insert(name.to_string(), InputSource::parse(src));
    }
    for text in &args.dims {
        let (name, v) = split_pair(text, "dim")?;
        let v = v
            .parse()
            .map_err(|_| format!("--dim {text}: {v} is not an integer"))?;
        req.dims.insert(name.to_string(), v);
    }
    Ok(req)
}

pub(crate) fn fail(json: bool, message: &str, node: Option<&str>, code: i32) -> i32 {
    if json {
        print_json(&serde_json::json!({ "error": message, "node": node }));
    }
    eprintln!("error: {message}");
    code
}

pub fn run(args: &RunArgs) -> i32 {
    let model = match open_or_report(&args.file, args.json) {
        Ok(m) => m,
        Err(code) => return code,
    };
    let mut req = match request(args) {
        Ok(r) => r,
        Err(e) => return fail(args.json, &e.to_string(), None, EXIT_UNREADABLE),
    };
    let expected = match &args.expected {
        Some(dir) => match load_test_data_set(dir) {
            Ok(set) => Some(set),
            Err(e) => return fail(args.json, &e.to_string(), None, EXIT_UNREADABLE),
        },
        None => None,
    };
    if let Some(set) = &expected {
        crate::run::feed_test_set(&model, &mut req.inputs, set);
    }
    for spec in input_specs(&model) {
        if let Some(InputSource::Images { preprocess, .. }) = req.inputs.get_mut(&spec.name) {
            match args.image.preprocess(&model, &spec) {
                Ok(p) => *preprocess = Some(p),
                Err(e) => return fail(args.json, &e, None, EXIT_UNREADABLE),
            }
        }
    }
    let labels = match args.labels.as_deref().map(crate::run::labels::load) {
        Some(Ok(l)) => Some(l),
        Some(Err(e)) => return fail(args.json, &e, None, EXIT_UNREADABLE),
        None => crate::run::labels::from_metadata(&model),
    };
    if args.dump_values.is_some() {
        req.capture = Some(crate::run::Capture {
            values: crate::run::main_graph_values(&model),
            cap_bytes: args.dump_cap_mb.saturating_mul(1 << 20),
        });
    }
    let outcome = match run_model(&model, &req, &Progress::detached()) {
        Ok(o) => o,
        Err(e @ RunError::Input(_)) => {
            return fail(args.json, &e.to_string(), None, EXIT_UNREADABLE)
        }
        Err(e) => return fail(args.json, &e.to_string(), e.node(), EXIT_PROBLEMS),
    };
    let tol = Tolerance {
        rtol: args.rtol,
        atol: args.atol,
    };
    let mut comparison = expected
        .as_ref()
        .map(|set| compare(&outcome.outputs, &set.expected, tol));
    if !args.expect.is_empty() {
        // Each named output against its reference file, in the order given.
        let mut actual = Vec::new();
        let mut references = Vec::new();
        for pair in &args.expect {
            let (name, file) = match split_pair(pair, "expect") {
                Ok(p) => p,
                Err(e) => return fail(args.json, &e, None, EXIT_UNREADABLE),
            };
            let Some(out) = outcome.outputs.iter().find(|o| o.name == name) else {
                let names: Vec<&str> = outcome.outputs.iter().map(|o| o.name.as_str()).collect();
                let e = format!(
                    "--expect {name}: the model has no output '{name}' (it has: {})",
                    names.join(", ")
                );
                return fail(args.json, &e, None, EXIT_UNREADABLE);
            };
            match crate::run::inputs::load_tensor_file(Path::new(file)) {
                Ok(mut t) => {
                    t.name = name.to_string();
                    actual.push(out.clone());
                    references.push(t);
                }
                Err(e) => return fail(args.json, &e.to_string(), None, EXIT_UNREADABLE),
            }
        }
        comparison = Some(compare(&actual, &references, tol));
    }
    let saved = match &args.output_dir {
        Some(dir) => {
            match crate::run::save::write_outputs(dir, &outcome.outputs, &args.save_format) {
                Ok(p) => p,
                Err(e) => return fail(args.json, &e.to_string(), None, EXIT_UNREADABLE),
            }
        }
        None => vec![],
    };
    let dumped = match &args.dump_values {
        // The inputs as fed first (preprocessed images, generated ids), then every value.
        Some(dir) => match crate::run::save::write_outputs(
            dir,
            &[outcome.inputs.as_slice(), outcome.captured.as_slice()].concat(),
            "npy",
        ) {
            Ok(p) => p,
            Err(e) => return fail(args.json, &e.to_string(), None, EXIT_UNREADABLE),
        },
        None => vec![],
    };
    let report = RunReport {
        inputs: outcome
            .inputs
            .iter()
            .map(|t| InputSummary {
                name: t.name.clone(),
                dtype: t.dtype.name(),
                shape: t.dims.clone(),
                source: outcome
                    .sources
                    .get(&t.name)
                    .map(InputSource::describe)
                    .unwrap_or_default(),
            })
            .collect(),
        outputs: outcome
            .outputs
            .iter()
            .map(|t| {
                let s = OutputSummary::of(t);
                OutputSummary {
                    classes: outcome.output_classes.get(&t.name).cloned(),
                    top5_labels: labels.as_ref().and_then(|l| top_labels(l, t, &s)),
                    ..s
                }
            })
            .collect(),
        labels: labels.as_ref().map(|l| l.source.clone()),
        dumped,
        dump_truncated: outcome.capture_truncated,
        latency_ms: outcome.latency_ms,
        expected: comparison,
        symbols: outcome.symbol_values.iter().cloned().collect(),
        optimized: outcome.optimized,
        plan_note: outcome.plan_note(),
        plan_note_line: outcome.plan_note_line(),
        optimizer_mismatch: outcome.optimizer_mismatch.clone(),
        first_nonfinite: outcome.first_nonfinite.clone(),
        ran_as: outcome.rewrites.clone(),
        shape_mismatches: outcome.shape_mismatches.clone(),
        zip_tables: zip_tables(&outcome),
        threads: outcome.threads,
        node_times_ms: outcome.node_times.iter().take(20).cloned().collect(),
        saved,
    };
    if args.json {
        print_json(&report);
    } else {
        print!("{}", render(&args.file, &report));
    }
    match &report.expected {
        Some(c) if !c.passed => EXIT_PROBLEMS,
        _ => EXIT_OK,
    }
}

/// The names of an output's top-5 classes, when the labels are as many as its classes.
fn top_labels(labels: &Labels, t: &Tensor, s: &OutputSummary) -> Option<Vec<String>> {
    labels.fits(t).then_some(())?;
    let top = s.top5.as_ref()?;
    Some(
        top.iter()
            .map(|(i, _)| labels.get(*i).unwrap_or("").to_string())
            .collect(),
    )
}

/// Rows of ZipMap tables shown in the text report.
const ZIP_ROWS_SHOWN: usize = 5;

/// Each ZipMap output's first rows as `class: p, class: p`.
fn zip_tables(outcome: &crate::run::RunOutcome) -> Vec<(String, Vec<String>)> {
    outcome
        .outputs
        .iter()
        .filter_map(|t| {
            let classes = outcome.output_classes.get(&t.name)?;
            let width = classes.len().max(1);
            let rows = (t.values.len() / width).min(ZIP_ROWS_SHOWN);
            let text = (0..rows)
                .map(|r| {
                    classes
                        .iter()
                        .enumerate()
                        .map(|(c, label)| {
                            let v = t.values.get_f64(r * width + c).unwrap_or(f64::NAN);
                            format!("{label}: {v:.4}")
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .collect();
            Some((t.name.clone(), text))
        })
        .collect()
}

fn num(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.6}")).unwrap_or_else(|| "-".into())
}

fn render(file: &Path, r: &RunReport) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let plan = if r.optimized {
        "optimised plan"
    } else {
        "plain plan"
    };
    let syms: Vec<String> = r.symbols.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let _ = writeln!(
        s,
        "{} ran with tract ({plan}, {} thread{}){}",
        file.display(),
        r.threads,
        if r.threads == 1 { "" } else { "s" },
        if syms.is_empty() {
            String::new()
        } else {
            format!(", {}", syms.join(" "))
        }
    );
    if let Some(note) = &r.plan_note_line {
        let _ = writeln!(s, "  note: {note}");
    }
    if let Some(m) = &r.optimizer_mismatch {
        let _ = writeln!(s, "  WARNING: {}", m.message());
    }
    if let Some(n) = &r.first_nonfinite {
        let _ = writeln!(s, "  WARNING: {}", n.message());
    }
    for m in &r.shape_mismatches {
        let _ = writeln!(s, "  WARNING: {}", m.message());
    }
    for w in &r.ran_as {
        let _ = writeln!(s, "  ran as: {} ({}) → {}; {}", w.node, w.op, w.into, w.why);
    }
    let _ = writeln!(s, "inputs");
    for t in &r.inputs {
        let _ = writeln!(s, "  {:<24} {}{:?}  {}", t.name, t.dtype, t.shape, t.source);
    }
    let _ = writeln!(s, "outputs");
    for o in &r.outputs {
        let _ = writeln!(
            s,
            "  {:<24} {}{:?}  min {} max {} mean {} std {}{}",
            o.name,
            o.dtype,
            o.shape,
            num(o.min),
            num(o.max),
            num(o.mean),
            num(o.std),
            if o.nan_count + o.inf_count > 0 {
                format!("  NaN {} Inf {}", o.nan_count, o.inf_count)
            } else {
                String::new()
            }
        );
        if let Some(top) = &o.top5 {
            let label = |k: usize, i: usize| match (&o.top5_labels, &o.classes) {
                (Some(l), _) => format!("{i} {}", l[k]),
                (None, Some(c)) => c.get(i).cloned().unwrap_or_else(|| i.to_string()),
                (None, None) => i.to_string(),
            };
            let t: Vec<String> = top
                .iter()
                .enumerate()
                .map(|(k, (i, v))| format!("{}: {v:.4}", label(k, *i)))
                .collect();
            let _ = writeln!(s, "  {:<24} top-5 {}", "", t.join(", "));
        }
    }
    // A ZipMap's maps as the table they are: class → probability per row.
    for (name, classes) in &r.zip_tables {
        let _ = writeln!(s, "  {name} (class → probability, per row)");
        for row in classes {
            let _ = writeln!(s, "    {row}");
        }
    }
    let l = &r.latency_ms;
    let _ = writeln!(
        s,
        "latency  min {:.3} ms, median {:.3} ms over {} runs",
        l.min, l.median, l.runs
    );
    if !r.node_times_ms.is_empty() {
        let slow: Vec<String> = r
            .node_times_ms
            .iter()
            .take(5)
            .map(|n| format!("{} {:.3} ms", n.node, n.ms))
            .collect();
        let _ = writeln!(s, "slowest  {}", slow.join(", "));
    }
    if let Some(c) = &r.expected {
        let _ = writeln!(
            s,
            "expected {}: max abs error {:.3e}, max rel error {:.3e}",
            if c.passed { "PASSED" } else { "FAILED" },
            c.max_abs_error,
            c.max_rel_error
        );
        for o in c.outputs.iter().filter(|o| !o.passed) {
            let why = o
                .problem
                .clone()
                .unwrap_or_else(|| format!("{} elements outside tolerance", o.mismatches));
            let _ = writeln!(s, "  {:<24} {why}", o.name);
        }
    }
    for p in &r.saved {
        let _ = writeln!(s, "saved    {}", p.display());
    }
    if let Some(l) = &r.labels {
        let _ = writeln!(s, "labels   from {l}");
    }
    if !r.dumped.is_empty() || r.dump_truncated {
        let dir = r.dumped.first().and_then(|p| p.parent());
        let _ = writeln!(
            s,
            "dumped   {} intermediate values{}{}",
            r.dumped.len(),
            dir.map(|d| format!(" to {}", d.display()))
                .unwrap_or_default(),
            if r.dump_truncated {
                " (stopped at --dump-cap-mb)"
            } else {
                ""
            }
        );
    }
    s
}
