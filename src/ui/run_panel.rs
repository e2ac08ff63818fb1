//! The Run tab: choose inputs and symbol values, run with tract on a worker, show outputs,
//! latency, the comparison with a test data set, and the slowest nodes (also as heat on the graph).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use egui::{RichText, Ui};

use super::document::Document;
use super::panels::UiAction;
use super::style;
use crate::jobs::{Job, JobState, Repaint};
use crate::model::types::Dim;
use crate::model::{Tensor, MAIN_GRAPH};
use crate::run::{
    self, compare, default_threads, load_test_data_set, test_data_sets_beside, top_k, Comparison,
    InputSource, RunError, RunOutcome, RunRequest, Tolerance,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceChoice {
    Random,
    Normal,
    Zeros,
    Ones,
    File,
}

impl SourceChoice {
    const ALL: [SourceChoice; 5] = [
        SourceChoice::Random,
        SourceChoice::Normal,
        SourceChoice::Zeros,
        SourceChoice::Ones,
        SourceChoice::File,
    ];

    fn label(self) -> &'static str {
        match self {
            SourceChoice::Random => "random (uniform)",
            SourceChoice::Normal => "random (normal)",
            SourceChoice::Zeros => "zeros",
            SourceChoice::Ones => "ones",
            SourceChoice::File => ".npy / .pb file",
        }
    }
}

/// The form's choices for one model.
pub struct RunForm {
    pub inputs: Vec<(String, SourceChoice, String)>,
    /// Symbolic dims as written in the model, with the value to run at.
    pub dims: Vec<(String, i64)>,
    pub test_sets: Vec<PathBuf>,
    /// Index into `test_sets`: feed its inputs and compare with its outputs.
    pub test_set: Option<usize>,
    pub runs: usize,
    pub optimize: bool,
    /// Threads for tract's kernels (every core by default, as onnxruntime).
    pub threads: usize,
    pub seed: u64,
}

impl RunForm {
    pub fn for_model(doc: &Document) -> RunForm {
        let specs = run::input_specs(&doc.model);
        let mut dims: Vec<(String, i64)> = Vec::new();
        for s in &specs {
            let rank = s.dims.as_ref().map_or(0, |d| d.len());
            for (i, d) in s.dims.iter().flatten().enumerate() {
                if let Dim::Param(p) = d {
                    if !dims.iter().any(|(n, _)| n == p) {
                        dims.push((p.clone(), run::inputs::default_symbol_value(rank, i)));
                    }
                }
            }
        }
        let test_sets = doc
            .model
            .origin
            .path
            .as_deref()
            .map(test_data_sets_beside)
            .unwrap_or_default();
        RunForm {
            inputs: specs
                .into_iter()
                .map(|s| (s.name, SourceChoice::Random, String::new()))
                .collect(),
            dims,
            test_set: (!test_sets.is_empty()).then_some(0),
            test_sets,
            runs: 5,
            optimize: true,
            threads: default_threads(),
            seed: 0,
        }
    }

    fn request(&self) -> (RunRequest, Option<PathBuf>) {
        let mut req = RunRequest {
            runs: self.runs,
            optimize: self.optimize,
            threads: self.threads,
            dims: self.dims.iter().cloned().collect(),
            ..RunRequest::default()
        };
        let set = self.test_set.and_then(|i| self.test_sets.get(i)).cloned();
        for (name, choice, path) in &self.inputs {
            let src = match choice {
                SourceChoice::Random => InputSource::Random {
                    seed: self.seed,
                    normal: false,
                },
                SourceChoice::Normal => InputSource::Random {
                    seed: self.seed,
                    normal: true,
                },
                SourceChoice::Zeros => InputSource::Zeros,
                SourceChoice::Ones => InputSource::Ones,
                SourceChoice::File => InputSource::File(PathBuf::from(path)),
            };
            // A test data set supplies every input the user left random.
            if set.is_none() || *choice != SourceChoice::Random {
                req.inputs.insert(name.clone(), src);
            }
        }
        // Dims of a test set come from its tensors.
        if set.is_some() {
            req.dims.clear();
        }
        (req, set)
    }
}

/// A finished run as the panel shows it.
pub struct RunView {
    pub outcome: RunOutcome,
    pub comparison: Option<Comparison>,
    pub test_set: Option<String>,
}

fn run_job(
    model: Arc<crate::model::Model>,
    mut req: RunRequest,
    set: Option<PathBuf>,
    p: &crate::jobs::Progress,
) -> Result<RunView, RunError> {
    let set = set
        .map(|d| load_test_data_set(&d))
        .transpose()
        .map_err(RunError::Input)?;
    if let Some(set) = &set {
        run::feed_test_set(&model, &mut req.inputs, set);
    }
    let outcome = run::run(&model, &req, p)?;
    let comparison = set
        .as_ref()
        .map(|s| compare(&outcome.outputs, &s.expected, Tolerance::default()));
    Ok(RunView {
        outcome,
        comparison,
        test_set: set.map(|s| {
            s.dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        }),
    })
}

#[derive(Default)]
pub struct RunPanel {
    form: Option<(u64, RunForm)>,
    /// The job's own failure (a panic) is the outer error; the run's, with its node, the inner.
    job: Job<Result<RunView, RunError>>,
    pub result: Option<RunView>,
    pub error: Option<RunError>,
    /// Tint nodes by their share of the run time.
    pub heat: bool,
}

impl RunPanel {
    pub fn is_running(&self) -> bool {
        self.job.is_running()
    }

    /// Starts a run with the form as it is (what the Run button does).
    pub fn start(&mut self, doc: &Document, repaint: Repaint) {
        let form = self.form_for(doc);
        let (req, set) = form.request();
        let model = doc.model.clone();
        self.error = None;
        self.job = Job::spawn("run", repaint, move |p| Ok(run_job(model, req, set, p)));
    }

    fn form_for(&mut self, doc: &Document) -> &mut RunForm {
        if self.form.as_ref().is_none_or(|(g, _)| *g != doc.generation) {
            self.form = Some((doc.generation, RunForm::for_model(doc)));
            self.result = None;
            self.error = None;
        }
        &mut self.form.as_mut().unwrap().1
    }

    pub fn poll(&mut self) {
        match self.job.take() {
            Some(Ok(Ok(v))) => {
                self.result = Some(v);
                self.heat = true;
            }
            Some(Ok(Err(e))) => self.error = Some(e),
            Some(Err(message)) => {
                self.error = Some(RunError::Failed {
                    node: None,
                    message,
                })
            }
            None => {}
        }
    }

    /// Node name → share of the slowest node's time, for the heat overlay.
    pub fn heat_by_node(&self) -> HashMap<String, f32> {
        let Some(r) = self.result.as_ref().filter(|_| self.heat) else {
            return HashMap::new();
        };
        let max = r
            .outcome
            .node_times
            .iter()
            .map(|t| t.ms)
            .fold(0.0, f64::max);
        if max <= 0.0 {
            return HashMap::new();
        }
        r.outcome
            .node_times
            .iter()
            .map(|t| (t.node.clone(), (t.ms / max) as f32))
            .collect()
    }

    pub fn show(
        &mut self,
        ui: &mut Ui,
        doc: &Document,
        repaint: Repaint,
        actions: &mut Vec<UiAction>,
    ) {
        self.poll();
        let running = self.job.poll();
        let form = self.form_for(doc);
        ui.label(RichText::new("Inputs").strong());
        let use_set = form.test_set.is_some();
        for (name, choice, path) in &mut form.inputs {
            ui.horizontal(|ui| {
                ui.label(RichText::new(name.as_str()).monospace());
                egui::ComboBox::from_id_salt(("source", name.as_str()))
                    .selected_text(if use_set && *choice == SourceChoice::Random {
                        "from test set"
                    } else {
                        choice.label()
                    })
                    .show_ui(ui, |ui| {
                        for c in SourceChoice::ALL {
                            ui.selectable_value(choice, c, c.label());
                        }
                    });
            });
            if *choice == SourceChoice::File {
                ui.add(egui::TextEdit::singleline(path).hint_text("path to .npy or .pb"));
            }
        }
        if !form.dims.is_empty() && !use_set {
            ui.label(RichText::new("Symbolic dims").strong());
            for (name, v) in &mut form.dims {
                ui.horizontal(|ui| {
                    ui.label(RichText::new(name.as_str()).monospace());
                    ui.add(egui::DragValue::new(v).range(0..=1_000_000));
                });
            }
        }
        if !form.test_sets.is_empty() {
            let names: Vec<String> = form
                .test_sets
                .iter()
                .map(|p| {
                    p.file_name()
                        .unwrap_or_default()
                        .to_string_lossy()
                        .into_owned()
                })
                .collect();
            egui::ComboBox::from_label("expected outputs")
                .selected_text(
                    form.test_set
                        .map_or("none".to_string(), |i| names[i].clone()),
                )
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut form.test_set, None, "none");
                    for (i, n) in names.iter().enumerate() {
                        ui.selectable_value(&mut form.test_set, Some(i), n);
                    }
                });
        }
        ui.horizontal(|ui| {
            ui.label("timed runs");
            ui.add(egui::DragValue::new(&mut form.runs).range(0..=1000));
            ui.checkbox(&mut form.optimize, "optimise");
            let label = ui.label("threads");
            ui.add(egui::DragValue::new(&mut form.threads).range(1..=256))
                .labelled_by(label.id);
        });
        match running {
            JobState::Running { progress, stage } => {
                if super::panels::job_progress(ui, progress, stage) {
                    self.job.cancel();
                }
            }
            _ => {
                if ui.button(RichText::new("▶ Run").strong()).clicked() {
                    self.start(doc, repaint);
                }
            }
        }
        if let Some(e) = &self.error {
            ui.colored_label(style::ERROR, e.to_string());
            if let Some(node) = e.node() {
                if let Some(n) = doc.node_by_name(node) {
                    if ui.link(format!("show node {node}")).clicked() {
                        actions.push(UiAction::FocusNode(MAIN_GRAPH, n));
                    }
                }
            }
        }
        if let Some(r) = &self.result {
            ui.separator();
            results(ui, r, doc, &mut self.heat, actions);
        }
    }
}

fn results(ui: &mut Ui, r: &RunView, doc: &Document, heat: &mut bool, actions: &mut Vec<UiAction>) {
    let o = &r.outcome;
    let plan = if o.optimized {
        "optimised plan"
    } else {
        "plain plan"
    };
    let syms: Vec<String> = o
        .symbol_values
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let threads = match o.threads {
        1 => "1 thread".to_string(),
        n => format!("{n} threads"),
    };
    ui.label(format!(
        "ran with tract ({plan}, {threads}) {}",
        syms.join(" ")
    ));
    if let Some(n) = &o.plan_note {
        ui.label(RichText::new(n).small().color(style::WARNING));
    }
    ui.label(format!(
        "latency  min {:.3} ms · median {:.3} ms ({} runs)",
        o.latency_ms.min, o.latency_ms.median, o.latency_ms.runs
    ));
    if let (Some(c), Some(set)) = (&r.comparison, &r.test_set) {
        let (color, verdict) = if c.passed {
            (style::OK, "PASSED")
        } else {
            (style::ERROR, "FAILED")
        };
        ui.colored_label(
            color,
            RichText::new(format!(
                "{set}: {verdict}  max abs error {:.2e}, max rel error {:.2e}",
                c.max_abs_error, c.max_rel_error
            ))
            .strong(),
        );
        for oc in c.outputs.iter().filter(|x| !x.passed) {
            ui.label(format!(
                "  {}: {}",
                oc.name,
                oc.problem
                    .clone()
                    .unwrap_or_else(|| format!("{} elements outside tolerance", oc.mismatches))
            ));
        }
    }
    ui.label(RichText::new("Outputs").strong());
    for t in &o.outputs {
        output_row(ui, t, actions);
    }
    if !o.node_times.is_empty() {
        ui.horizontal(|ui| {
            ui.label(RichText::new("Slowest nodes").strong());
            ui.checkbox(heat, "heat on graph");
        });
        let total: f64 = o.node_times.iter().map(|t| t.ms).sum();
        for t in o.node_times.iter().take(12) {
            ui.horizontal(|ui| {
                let share = if total > 0.0 {
                    100.0 * t.ms / total
                } else {
                    0.0
                };
                ui.label(RichText::new(format!("{:>8.3} ms {:>5.1}%", t.ms, share)).monospace());
                match doc.node_by_name(&t.node) {
                    Some(n) => {
                        if ui.link(&t.node).clicked() {
                            actions.push(UiAction::FocusNode(MAIN_GRAPH, n));
                        }
                    }
                    None => {
                        ui.label(&t.node);
                    }
                }
            });
        }
    }
}

fn output_row(ui: &mut Ui, t: &Tensor, actions: &mut Vec<UiAction>) {
    ui.horizontal(|ui| {
        ui.label(RichText::new(format!("{}  {}{:?}", t.name, t.dtype, t.dims)).monospace());
        if ui.small_button("inspect").clicked() {
            actions.push(UiAction::InspectTensor(Arc::new(t.clone())));
        }
    });
    if let Some(s) = t.stats() {
        let mut line = format!(
            "min {:.5}  max {:.5}  mean {:.5}  std {:.5}",
            s.min, s.max, s.mean, s.std
        );
        if s.nan_count + s.inf_count > 0 {
            line.push_str(&format!("  NaN {}  Inf {}", s.nan_count, s.inf_count));
        }
        ui.label(RichText::new(line).small());
    }
    if let Some(top) = top_k(t, 5) {
        let items: Vec<String> = top.iter().map(|(i, v)| format!("{i}: {v:.4}")).collect();
        ui.label(RichText::new(format!("top-5  {}", items.join("  "))).small());
    }
    let first: Vec<String> = (0..t.values.len().min(8))
        .map(|i| t.values.format(i))
        .collect();
    ui.label(
        RichText::new(format!(
            "[{}{}]",
            first.join(", "),
            if t.values.len() > 8 { ", …" } else { "" }
        ))
        .small()
        .monospace(),
    );
}
