//! The Run tab: choose inputs and symbol values, ask for a run (the document runs it with
//! tract on a worker), show outputs with their statistics and top-5 (summarised on the worker),
//! latency, the comparison with a test data set, and the slowest nodes (also as heat).

use std::path::PathBuf;

use egui::{RichText, Ui};

use crate::document::{Document, RunView, TensorSummary};
use crate::model::types::Dim;
use crate::model::{Model, MAIN_GRAPH};
use crate::run::{self, default_threads, test_data_sets_beside, InputSource, RunRequest};
use crate::ui::commands::Command;
use crate::ui::style;
use crate::ui::widgets::{job_progress, node_link};

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

/// Rows of a ZipMap's class → probability table shown.
const ZIP_ROWS_SHOWN: usize = 8;

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
    pub fn for_model(model: &Model) -> RunForm {
        let specs = run::input_specs(model);
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
        let test_sets = model
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

    /// The run this form asks for, and the test data set to feed and compare with.
    pub fn request(&self) -> (RunRequest, Option<PathBuf>) {
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

/// The tab: the form (the window's, per document) and the document's run.
pub fn show(ui: &mut Ui, doc: &Document, form: &mut RunForm, out: &mut Vec<Command>) {
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
    if !job_progress(ui, doc.run.job().poll(), Command::CancelRun, out)
        && ui.button(RichText::new("▶ Run").strong()).clicked()
    {
        let (request, test_set) = form.request();
        out.push(Command::StartRun { request, test_set });
    }
    if let Some(e) = &doc.run.error {
        ui.colored_label(style::ERROR, e.to_string());
        if let Some(node) = e.node() {
            if let Some(n) = doc.node_by_name(node) {
                if ui.link(format!("show node {node}")).clicked() {
                    out.push(Command::FocusNode(MAIN_GRAPH, n));
                }
            }
        }
    }
    if let Some(r) = &doc.run.result {
        ui.separator();
        results(ui, r, doc, out);
    }
}

fn results(ui: &mut Ui, r: &RunView, doc: &Document, out: &mut Vec<Command>) {
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
    if let Some(n) = o.plan_note_line() {
        ui.label(RichText::new(n).small().color(style::WARNING));
    }
    if let Some(m) = &o.optimizer_mismatch {
        ui.colored_label(
            style::ERROR,
            RichText::new(format!("⚠ {}", m.message())).strong(),
        );
    }
    for m in &o.shape_mismatches {
        ui.colored_label(
            style::ERROR,
            RichText::new(format!("⚠ {}", m.message())).strong(),
        );
    }
    if !o.rewrites.is_empty() {
        let mut shown = doc.run.rewrites_shown;
        if ui
            .checkbox(&mut shown, "mark the rewritten nodes on the graph")
            .changed()
        {
            out.push(Command::ShowRewrites(shown));
        }
        ui.collapsing(
            format!("ran as: {} node(s) rewritten for tract", o.rewrites.len()),
            |ui| {
                for w in &o.rewrites {
                    ui.horizontal_wrapped(|ui| {
                        match doc.node_by_name(&w.node) {
                            Some(node) if ui.link(&w.node).clicked() => {
                                out.push(Command::FocusNode(MAIN_GRAPH, node));
                            }
                            Some(_) => {}
                            None => {
                                ui.label(&w.node);
                            }
                        }
                        let text = format!("({}) -> {}", w.op, w.into);
                        ui.label(crate::ui::compare::plain_arrows(&text));
                    });
                    ui.label(RichText::new(w.why).small().weak());
                }
            },
        );
    }
    if let Some(n) = &o.first_nonfinite {
        ui.colored_label(style::ERROR, RichText::new(n.message()).strong());
        if let Some(node) = doc.node_by_name(&n.node) {
            if ui.link(format!("show node {}", n.node)).clicked() {
                out.push(Command::FocusNode(MAIN_GRAPH, node));
            }
        }
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
    for t in &r.outputs {
        output_row(ui, t, out);
        // A ZipMap's maps: the first rows as class → probability.
        if let Some(classes) = o.output_classes.get(&t.name) {
            let tensor = o.outputs.iter().find(|x| x.name == t.name);
            let width = classes.len().max(1);
            egui::Grid::new(("zipmap", &t.name))
                .striped(true)
                .show(ui, |ui| {
                    for c in classes {
                        ui.label(RichText::new(c).strong());
                    }
                    ui.end_row();
                    let rows = tensor
                        .map_or(0, |x| x.values.len() / width)
                        .min(ZIP_ROWS_SHOWN);
                    for row in 0..rows {
                        for c in 0..classes.len() {
                            let v = tensor.and_then(|x| x.values.get_f64(row * width + c));
                            ui.label(v.map_or("-".into(), |v| format!("{v:.4}")));
                        }
                        ui.end_row();
                    }
                });
        }
    }
    if !o.node_times.is_empty() {
        ui.horizontal(|ui| {
            ui.label(RichText::new("Slowest nodes").strong());
            let mut heat = doc.run.heat_shown;
            if ui.checkbox(&mut heat, "heat on graph").changed() {
                out.push(Command::ShowHeat(heat));
            }
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
                node_link(ui, MAIN_GRAPH, &t.node, doc.node_by_name(&t.node), out);
            });
        }
    }
}

fn output_row(ui: &mut Ui, s: &TensorSummary, out: &mut Vec<Command>) {
    let t = &s.tensor;
    ui.horizontal(|ui| {
        ui.label(RichText::new(format!("{}  {}{:?}", t.name, t.dtype, t.dims)).monospace());
        if ui.small_button("inspect").clicked() {
            out.push(Command::InspectTensor(t.clone()));
        }
    });
    if let Some(st) = s.stats {
        let mut line = format!(
            "min {:.5}  max {:.5}  mean {:.5}  std {:.5}",
            st.min, st.max, st.mean, st.std
        );
        if st.nan_count + st.inf_count > 0 {
            line.push_str(&format!("  NaN {}  Inf {}", st.nan_count, st.inf_count));
        }
        ui.label(RichText::new(line).small());
    }
    if let Some(top) = &s.top5 {
        let items: Vec<String> = top.iter().map(|(i, v)| format!("{i}: {v:.4}")).collect();
        ui.label(RichText::new(format!("top-5  {}", items.join("  "))).small());
    }
    ui.label(
        RichText::new(format!(
            "[{}{}]",
            s.head.join(", "),
            if t.values.len() > s.head.len() {
                ", …"
            } else {
                ""
            }
        ))
        .small()
        .monospace(),
    );
}
