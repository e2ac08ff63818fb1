//! The Run tab: choose inputs and symbol values, ask for a run (the document runs it with
//! tract on a worker), show outputs with their statistics and top-5 (summarised on the worker),
//! latency, the comparison with a test data set, and the slowest nodes (also as heat).

use std::path::PathBuf;

use egui::{RichText, Ui};

use crate::document::{Document, RunView, TensorSummary};
use crate::model::types::Dim;
use crate::model::{Model, MAIN_GRAPH};
use crate::run::image::{image_input, ChannelOrder, Preprocess, Preset, Resize};
use crate::run::labels::{self, Labels};
use crate::run::{self, default_threads, test_data_sets_beside, InputSource, RunRequest};
use crate::ui::commands::Command;
use crate::ui::style;
use crate::ui::widgets::{job_progress, node_link, number};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceChoice {
    /// What the input's role suggests (ids within their embedding table, masks ones, …).
    Auto,
    /// Photos (paths, comma-separated), preprocessed as the form says.
    Image,
    Random,
    Normal,
    Zeros,
    Ones,
    File,
    Text,
}

impl SourceChoice {
    const ALL: [SourceChoice; 8] = [
        SourceChoice::Auto,
        SourceChoice::Image,
        SourceChoice::Random,
        SourceChoice::Normal,
        SourceChoice::Zeros,
        SourceChoice::Ones,
        SourceChoice::File,
        SourceChoice::Text,
    ];

    fn label(self) -> &'static str {
        match self {
            SourceChoice::Auto => "by its role",
            SourceChoice::Image => "image (JPEG/PNG/WebP)",
            SourceChoice::Random => "random (uniform)",
            SourceChoice::Normal => "random (normal)",
            SourceChoice::Zeros => "zeros",
            SourceChoice::Ones => "ones",
            SourceChoice::File => ".npy / .pb file",
            SourceChoice::Text => "text (one line per row)",
        }
    }
}

/// Rows of a ZipMap's class → probability table shown.
const ZIP_ROWS_SHOWN: usize = 8;

/// Where top-5 class names come from.
#[derive(Debug, Clone, PartialEq)]
pub enum LabelChoice {
    /// The model's metadata (`labels`, `classes`, `names`), if it has them.
    Metadata,
    Imagenet,
    File(String),
}

/// Bytes of intermediate values a GUI run keeps for the edges' tensor panels.
pub const CAPTURE_CAP_BYTES: u64 = 512 << 20;

/// The form's choices for one model.
pub struct RunForm {
    pub inputs: Vec<(String, SourceChoice, String)>,
    pub specs: Vec<run::InputSpec>,
    /// What "by its role" means for each input, as shown.
    pub auto: Vec<String>,
    /// The preprocessing of each input fed images (guessed, then edited).
    pub preprocess: Vec<Preprocess>,
    pub labels: LabelChoice,
    /// `labels` read, and the choice it was read for.
    labels_loaded: Option<(LabelChoice, Result<Labels, String>)>,
    /// Thumbnails of the images a run fed, and the (input, path) they show.
    previews: Vec<(String, PathBuf, egui::TextureHandle)>,
    /// A saved reference per output (its path, empty for none), compared within `tol`.
    pub references: Vec<(String, String)>,
    pub tol: run::Tolerance,
    /// Every value the main graph's nodes compute (what a run keeps for the edges).
    values: std::collections::HashSet<String>,
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
                .iter()
                .map(|s| (s.name.clone(), SourceChoice::Auto, String::new()))
                .collect(),
            auto: specs
                .iter()
                .map(|s| run::default_source(model, s).describe())
                .collect(),
            preprocess: specs.iter().map(|s| Preprocess::guess(model, s)).collect(),
            labels: LabelChoice::Metadata,
            labels_loaded: None,
            previews: Vec::new(),
            references: model
                .graph(MAIN_GRAPH)
                .map(|g| {
                    g.outputs
                        .iter()
                        .map(|o| (o.clone(), String::new()))
                        .collect()
                })
                .unwrap_or_default(),
            tol: run::Tolerance::default(),
            values: run::main_graph_values(model),
            specs,
            dims,
            test_set: (!test_sets.is_empty()).then_some(0),
            test_sets,
            runs: 5,
            optimize: true,
            threads: default_threads(),
            seed: 0,
        }
    }

    /// Photos dropped on the window: they feed the first image-like input (a batch when
    /// several). False when the model has no such input.
    pub fn drop_images(&mut self, paths: &[PathBuf]) -> bool {
        let Some(i) = self.specs.iter().position(|s| image_input(s).is_some()) else {
            return false;
        };
        let text: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        self.inputs[i].1 = SourceChoice::Image;
        self.inputs[i].2 = text.join(", ");
        true
    }

    /// Tensor files dropped on the window: a file named after an input feeds it, one named
    /// after an output is its reference (names compared as `--output-dir` writes them).
    pub fn drop_tensors(&mut self, paths: &[PathBuf]) -> Result<(), String> {
        let stem = |p: &PathBuf| p.file_stem().map(|s| s.to_string_lossy().into_owned());
        let safe = |n: &str| run::save::file_stem(n, 0);
        let mut unmatched = Vec::new();
        for p in paths {
            let Some(s) = stem(p) else { continue };
            let text = p.display().to_string();
            if let Some(i) = self.inputs.iter_mut().find(|i| safe(&i.0) == s) {
                i.1 = SourceChoice::File;
                i.2 = text;
            } else if let Some(r) = self.references.iter_mut().find(|r| safe(&r.0) == s) {
                r.1 = text;
            } else if self.references.len() == 1 && paths.len() == 1 {
                // One output, one file: it can only be that output's reference.
                self.references[0].1 = text;
            } else {
                unmatched.push(s);
            }
        }
        if unmatched.is_empty() {
            return Ok(());
        }
        let names: Vec<&str> = self
            .inputs
            .iter()
            .map(|i| i.0.as_str())
            .chain(self.references.iter().map(|r| r.0.as_str()))
            .collect();
        Err(format!(
            "dropped {}: no input or output of that name (name the file after one of: {})",
            unmatched.join(", "),
            names.join(", ")
        ))
    }

    /// The class names the labels choice gives, read once per choice.
    pub fn labels(&mut self, model: &Model) -> Option<&Labels> {
        if self.labels_loaded.as_ref().map(|(c, _)| c) != Some(&self.labels) {
            let loaded = match &self.labels {
                LabelChoice::Metadata => labels::from_metadata(model)
                    .ok_or_else(|| "no class names in the metadata".into()),
                LabelChoice::Imagenet => Ok(labels::imagenet()),
                LabelChoice::File(p) if p.is_empty() => Err(String::new()),
                LabelChoice::File(p) => labels::load(p),
            };
            self.labels_loaded = Some((self.labels.clone(), loaded));
        }
        self.labels_loaded
            .as_ref()
            .and_then(|(_, l)| l.as_ref().ok())
    }

    /// The run this form asks for, and what its outputs are compared with.
    pub fn request(&self) -> (RunRequest, crate::document::Expected) {
        let mut req = RunRequest {
            runs: self.runs,
            optimize: self.optimize,
            threads: self.threads,
            dims: self.dims.iter().cloned().collect(),
            ..RunRequest::default()
        };
        let set = self.test_set.and_then(|i| self.test_sets.get(i)).cloned();
        // Every value of the main graph, for the edges' tensor panels after the run.
        req.capture = Some(run::Capture {
            values: self.values.clone(),
            cap_bytes: CAPTURE_CAP_BYTES,
        });
        for (i, (name, choice, path)) in self.inputs.iter().enumerate() {
            let src = match choice {
                SourceChoice::Auto => continue,
                SourceChoice::Image => InputSource::Images {
                    paths: path
                        .split(',')
                        .map(|p| PathBuf::from(p.trim()))
                        .filter(|p| !p.as_os_str().is_empty())
                        .collect(),
                    preprocess: self.preprocess.get(i).cloned(),
                },
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
                SourceChoice::Text => InputSource::Text(path.lines().map(str::to_string).collect()),
            };
            // A test data set supplies every input the user left to its role.
            if set.is_none() || *choice != SourceChoice::Auto {
                req.inputs.insert(name.clone(), src);
            }
        }
        // Dims of a test set come from its tensors.
        if set.is_some() {
            req.dims.clear();
        }
        let references = self
            .references
            .iter()
            .filter(|r| !r.1.trim().is_empty())
            .map(|(o, p)| (o.clone(), PathBuf::from(p.trim())))
            .collect();
        (
            req,
            crate::document::Expected {
                test_set: set,
                references,
                tol: self.tol,
            },
        )
    }
}

/// The tab: the form (the window's, per document) and the document's run.
pub fn show(ui: &mut Ui, doc: &Document, form: &mut RunForm, out: &mut Vec<Command>) {
    ui.label(RichText::new("Inputs").strong());
    let use_set = form.test_set.is_some();
    for (i, (name, choice, path)) in form.inputs.iter_mut().enumerate() {
        ui.horizontal(|ui| {
            ui.label(RichText::new(name.as_str()).monospace());
            egui::ComboBox::from_id_salt(("source", name.as_str()))
                .selected_text(if use_set && *choice == SourceChoice::Auto {
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
        match choice {
            SourceChoice::File => {
                ui.add(egui::TextEdit::singleline(path).hint_text("path to .npy or .pb"));
            }
            SourceChoice::Text => {
                ui.add(
                    egui::TextEdit::multiline(path)
                        .desired_rows(2)
                        .hint_text("one line per row"),
                );
            }
            SourceChoice::Auto if !use_set => {
                ui.label(RichText::new(&form.auto[i]).small().weak());
            }
            SourceChoice::Image => {
                ui.add(
                    egui::TextEdit::singleline(path)
                        .hint_text("photo paths, comma-separated (or drop them on the window)"),
                );
                preprocess_editor(ui, name, &form.specs[i], &mut form.preprocess[i]);
            }
            _ => {}
        }
    }
    labels_choice(ui, form, &doc.model);
    if form.dims.is_empty() && !use_set && !form.specs.is_empty() {
        // No field to change the batch: say why rather than leave it missing.
        let batch = form
            .specs
            .iter()
            .find_map(|s| match s.dims.as_deref()?.first()? {
                Dim::Value(v) => Some(*v),
                _ => None,
            });
        let text = match batch {
            Some(b) => format!(
                "every input dim is fixed (batch {b}): the model runs at that size only; \
                 export it with dynamic axes to run other batch sizes"
            ),
            None => "every input dim is fixed: the model runs at that size only".to_string(),
        };
        ui.label(RichText::new(text).small().weak());
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
    if !use_set {
        ui.label(RichText::new("Reference outputs").strong());
        for (name, path) in &mut form.references {
            ui.horizontal(|ui| {
                ui.label(RichText::new(name.as_str()).monospace());
                ui.add(
                    egui::TextEdit::singleline(path)
                        .hint_text("saved .npy / .pb (or drop it on the window)"),
                );
            });
        }
    }
    ui.horizontal(|ui| {
        let l = ui.label("rtol");
        ui.add(
            egui::DragValue::new(&mut form.tol.rtol)
                .speed(1e-4)
                .max_decimals(8),
        )
        .labelled_by(l.id);
        let l = ui.label("atol");
        ui.add(
            egui::DragValue::new(&mut form.tol.atol)
                .speed(1e-6)
                .max_decimals(10),
        )
        .labelled_by(l.id);
    });
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
        let (request, expected) = form.request();
        out.push(Command::StartRun { request, expected });
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
        fed_images(ui, r, form);
        let names = form.labels(&doc.model).cloned();
        results(ui, r, doc, names.as_ref(), out);
    }
}

/// The preprocessing of one image input, every step editable, presets as starting points.
fn preprocess_editor(ui: &mut Ui, name: &str, spec: &run::InputSpec, p: &mut Preprocess) {
    ui.horizontal(|ui| {
        ui.label("preset");
        egui::ComboBox::from_id_salt(("preset", name))
            .selected_text(p.preset.map_or("custom", |x| x.describe()))
            .show_ui(ui, |ui| {
                for preset in Preset::ALL {
                    if ui
                        .selectable_label(p.preset == Some(preset), preset.describe())
                        .clicked()
                    {
                        *p = Preprocess::preset(preset, image_input(spec));
                    }
                }
            });
    });
    let before = p.clone();
    ui.horizontal(|ui| {
        ui.label("resize");
        let (mut kind, mut a, mut b) = match p.resize {
            Resize::None => (0, 224, 224),
            Resize::Shorter(s) => (1, s, s),
            Resize::Exact { h, w } => (2, h, w),
            Resize::Letterbox { h, w } => (3, h, w),
        };
        egui::ComboBox::from_id_salt(("resize", name))
            .selected_text(["none", "shorter side", "exact H×W", "letterbox H×W"][kind])
            .show_ui(ui, |ui| {
                for (k, l) in ["none", "shorter side", "exact H×W", "letterbox H×W"]
                    .iter()
                    .enumerate()
                {
                    ui.selectable_value(&mut kind, k, *l);
                }
            });
        if kind > 0 {
            ui.add(egui::DragValue::new(&mut a).range(1..=8192));
        }
        if kind > 1 {
            ui.add(egui::DragValue::new(&mut b).range(1..=8192));
        }
        p.resize = match kind {
            0 => Resize::None,
            1 => Resize::Shorter(a),
            2 => Resize::Exact { h: a, w: b },
            _ => Resize::Letterbox { h: a, w: b },
        };
    });
    ui.horizontal(|ui| {
        let mut crop = p.crop.is_some();
        ui.checkbox(&mut crop, "center crop");
        let (mut h, mut w) = p.crop.unwrap_or((224, 224));
        if crop {
            ui.add(egui::DragValue::new(&mut h).range(1..=8192));
            ui.add(egui::DragValue::new(&mut w).range(1..=8192));
        }
        p.crop = crop.then_some((h, w));
    });
    ui.horizontal(|ui| {
        ui.radio_value(&mut p.order, ChannelOrder::Rgb, "RGB");
        ui.radio_value(&mut p.order, ChannelOrder::Bgr, "BGR");
        ui.radio_value(&mut p.unit_range, true, "0–1");
        ui.radio_value(&mut p.unit_range, false, "0–255");
    });
    for (label, values) in [("mean", &mut p.mean), ("std", &mut p.std)] {
        ui.horizontal(|ui| {
            ui.label(label);
            for v in values.iter_mut() {
                ui.add(egui::DragValue::new(v).speed(0.001).max_decimals(4));
            }
        });
    }
    if *p != before {
        p.preset = None;
    }
    ui.label(RichText::new(p.to_string()).small().weak());
}

fn labels_choice(ui: &mut Ui, form: &mut RunForm, model: &Model) {
    ui.horizontal(|ui| {
        let text = match &form.labels {
            LabelChoice::Metadata => "from the model's metadata",
            LabelChoice::Imagenet => "ImageNet-1k (bundled)",
            LabelChoice::File(_) => "labels file",
        };
        egui::ComboBox::from_label("class names")
            .selected_text(text)
            .show_ui(ui, |ui| {
                ui.selectable_value(
                    &mut form.labels,
                    LabelChoice::Metadata,
                    "from the model's metadata",
                );
                ui.selectable_value(
                    &mut form.labels,
                    LabelChoice::Imagenet,
                    "ImageNet-1k (bundled)",
                );
                if ui
                    .selectable_label(matches!(form.labels, LabelChoice::File(_)), "labels file")
                    .clicked()
                {
                    form.labels = LabelChoice::File(String::new());
                }
            });
    });
    if let LabelChoice::File(path) = &mut form.labels {
        ui.add(egui::TextEdit::singleline(path).hint_text("one name per line, or JSON"));
    }
    let why = match form.labels(model) {
        Some(l) => format!("{} names from {}", l.names.len(), l.source),
        None => match &form.labels_loaded {
            Some((_, Err(e))) => e.clone(),
            _ => String::new(),
        },
    };
    if !why.is_empty() {
        ui.label(RichText::new(why).small().weak());
    }
}

/// The images as they were fed (after resize and crop), beside the outputs.
fn fed_images(ui: &mut Ui, r: &RunView, form: &mut RunForm) {
    let fed: Vec<(&String, &run::image::FedImage)> = r
        .outcome
        .fed_images
        .iter()
        .flat_map(|(name, images)| images.iter().map(move |i| (name, i)))
        .collect();
    let current = fed
        .iter()
        .zip(&form.previews)
        .all(|((n, i), (pn, pp, _))| *n == pn && i.path == *pp)
        && fed.len() == form.previews.len();
    if !current {
        form.previews = fed
            .iter()
            .map(|(name, i)| {
                let image =
                    egui::ColorImage::from_rgb([i.width as usize, i.height as usize], &i.rgb);
                let tex = ui.ctx().load_texture(
                    format!("fed {name} {}", i.path.display()),
                    image,
                    egui::TextureOptions::LINEAR,
                );
                ((*name).clone(), i.path.clone(), tex)
            })
            .collect();
    }
    if form.previews.is_empty() {
        return;
    }
    ui.label(RichText::new("Images as fed").strong());
    ui.horizontal_wrapped(|ui| {
        for (name, path, tex) in &form.previews {
            let size = tex.size_vec2();
            let scale = (160.0 / size.x.max(size.y)).min(1.0);
            ui.image((tex.id(), size * scale)).on_hover_text(format!(
                "{name} ← {} ({}×{} as fed)",
                path.display(),
                size.y,
                size.x
            ));
        }
    });
    if let Some(InputSource::Images {
        preprocess: Some(p),
        ..
    }) = r
        .outcome
        .sources
        .values()
        .find(|s| matches!(s, InputSource::Images { .. }))
    {
        ui.label(RichText::new(p.to_string()).small().weak());
    }
}

fn results(
    ui: &mut Ui,
    r: &RunView,
    doc: &Document,
    names: Option<&Labels>,
    out: &mut Vec<Command>,
) {
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
        output_row(ui, t, names, out);
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

fn output_row(ui: &mut Ui, s: &TensorSummary, names: Option<&Labels>, out: &mut Vec<Command>) {
    let t = &s.tensor;
    ui.horizontal(|ui| {
        ui.label(RichText::new(format!("{}  {}{:?}", t.name, t.dtype, t.dims)).monospace());
        if ui.small_button("inspect").clicked() {
            out.push(Command::InspectTensor(t.clone()));
        }
    });
    if let Some(st) = s.stats {
        let mut line = format!(
            "min {}  max {}  mean {}  std {}",
            number(st.min),
            number(st.max),
            number(st.mean),
            number(st.std)
        );
        if st.nan_count + st.inf_count > 0 {
            line.push_str(&format!("  NaN {}  Inf {}", st.nan_count, st.inf_count));
        }
        ui.label(RichText::new(line).small());
    }
    if let Some(top) = &s.top5 {
        // Names only when the list has one per class of this output.
        let names = names.filter(|l| l.fits(t));
        ui.label(RichText::new("top-5").small());
        for (i, v) in top {
            let name = names.and_then(|l| l.get(*i)).unwrap_or("");
            ui.label(RichText::new(format!("  {i} {name}  {v:.4}")).monospace());
        }
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
