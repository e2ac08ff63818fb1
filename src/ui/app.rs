//! The window: the frame loop (input, jobs, panels, canvas) and `apply`, the one place where
//! commands from panels and the canvas take effect.

use std::path::PathBuf;
use std::sync::Arc;

use egui::{Color32, Key, KeyboardShortcut, Modifiers, RichText, Ui};

use super::canvas::{self, FrameStats, Marks, ViewState};
use super::commands::{Command, LeftTab};
use super::compare::Comparison;
use super::dialog::FileDialog;
use super::neighbourhood::NeighbourhoodView;
use super::panels;
use super::path_prompt::{PathPrompt, PathPurpose};
use super::state::OpenDocument;
use super::style;
use super::widgets::count;
use crate::document::{load, Document, Loaded, OpenError, Selection, Source, TensorSummary};
use crate::jobs::{Job, JobStatus, Repaint};
use crate::layout::{BoxContent, ViewOptions};
use crate::model::{display_label, NodeId, MAIN_GRAPH};

const MAX_RECENT: usize = 10;
/// Widest a side panel gets, as a share of the window: the canvas keeps at least half.
pub const SIDE_PANEL_MAX_FRACTION: f32 = 0.25;
/// Narrowest a side panel gets, in points.
const SIDE_PANEL_MIN: f32 = 160.0;
const RECENT_KEY: &str = "onnx-lens.recent";
const SETTINGS_KEY: &str = "onnx-lens.settings";

/// What the window remembers between launches besides recent files.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// View ▸ Fold constants into their node (each opened model starts with it).
    pub fold_constants: bool,
    /// View ▸ One box per shape computation.
    pub fold_shape_chains: bool,
    /// View ▸ Initializers / Attributes / Names in boxes.
    pub boxes: BoxContent,
    pub legend: bool,
    /// Light, dark, or the system's (the default).
    pub theme: egui::ThemePreference,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            fold_constants: ViewOptions::default().fold_constants,
            fold_shape_chains: ViewOptions::default().fold_shape_chains,
            boxes: BoxContent::default(),
            legend: false,
            theme: egui::ThemePreference::System,
        }
    }
}

impl Settings {
    pub fn from_storage(storage: Option<&dyn eframe::Storage>) -> Settings {
        let Some(v) = storage
            .and_then(|s| s.get_string(SETTINGS_KEY))
            .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok())
        else {
            return Settings::default();
        };
        let flag = |k: &str, default: bool| v.get(k).and_then(|b| b.as_bool()).unwrap_or(default);
        let d = Settings::default();
        Settings {
            fold_constants: flag("fold_constants", d.fold_constants),
            fold_shape_chains: flag("fold_shape_chains", d.fold_shape_chains),
            boxes: BoxContent {
                initializers: flag("box_initializers", d.boxes.initializers),
                attributes: flag("box_attributes", d.boxes.attributes),
                names: flag("box_names", d.boxes.names),
            },
            legend: flag("legend", d.legend),
            theme: match v.get("theme").and_then(|t| t.as_str()) {
                Some("light") => egui::ThemePreference::Light,
                Some("dark") => egui::ThemePreference::Dark,
                _ => egui::ThemePreference::System,
            },
        }
    }

    /// The view options a model opens with.
    pub fn view(&self) -> ViewOptions {
        ViewOptions {
            fold_constants: self.fold_constants,
            fold_shape_chains: self.fold_shape_chains,
            boxes: self.boxes,
            ..Default::default()
        }
    }

    fn to_json(self) -> String {
        serde_json::json!({
            "fold_constants": self.fold_constants,
            "fold_shape_chains": self.fold_shape_chains,
            "box_initializers": self.boxes.initializers,
            "box_attributes": self.boxes.attributes,
            "box_names": self.boxes.names,
            "legend": self.legend,
            "theme": match self.theme {
                egui::ThemePreference::Light => "light",
                egui::ThemePreference::Dark => "dark",
                egui::ThemePreference::System => "system",
            },
        })
        .to_string()
    }
}

pub struct LensApp {
    open: Option<OpenDocument>,
    load_job: Job<Loaded, OpenError>,
    loading_name: String,
    /// The last failure, shown in a banner until dismissed (the open model stays).
    pub error: Option<String>,
    dialog: Box<dyn FileDialog>,
    pub recent: Vec<PathBuf>,
    pub tab: LeftTab,
    focus_search: bool,
    pub last_frame: FrameStats,
    ctx: Option<egui::Context>,
    /// A short message in the menu bar (`saved …`).
    pub notice: Option<String>,
    /// Where the graph canvas was last drawn (what a PNG export captures).
    canvas_rect: Option<egui::Rect>,
    png_export: Option<PngExport>,
    /// Loading the model to compare with, then the comparison.
    compare_load: Job<Loaded, OpenError>,
    compare: Option<Comparison>,
    pub settings: Settings,
    /// The path field shown instead of a system dialog where there is none.
    pub path_prompt: Option<PathPrompt>,
    /// The egui_graphs view of a node's neighbourhood, when open.
    pub neighbourhood: Option<NeighbourhoodView>,
}

/// A PNG export waits a frame (so the menu that asked for it is gone), then for the screenshot.
struct PngExport {
    path: PathBuf,
    requested: bool,
}

impl LensApp {
    pub fn new(dialog: Box<dyn FileDialog>, recent: Vec<PathBuf>) -> LensApp {
        LensApp {
            open: None,
            load_job: Job::default(),
            loading_name: String::new(),
            error: None,
            dialog,
            recent,
            tab: LeftTab::Model,
            focus_search: false,
            last_frame: FrameStats::default(),
            ctx: None,
            notice: None,
            canvas_rect: None,
            png_export: None,
            compare_load: Job::default(),
            compare: None,
            settings: Settings::default(),
            path_prompt: None,
            neighbourhood: None,
        }
    }

    /// Applies a view change to the open model and to the one compared with it.
    fn each_document(&mut self, change: impl Fn(&mut Document)) {
        if let Some(open) = &mut self.open {
            change(&mut open.doc);
        }
        if let Some(c) = &mut self.compare {
            change(&mut c.b.doc);
        }
    }

    /// Where no system dialog exists, opens the in-app path field (and returns true).
    fn prompt_instead(&mut self, purpose: PathPurpose, file_name: &str) -> bool {
        let Some(reason) = self.dialog.unavailable() else {
            return false;
        };
        self.path_prompt = Some(PathPrompt::new(purpose, reason, file_name));
        true
    }

    /// The comparison shown beside the open model, if any.
    pub fn comparison(&self) -> Option<&Comparison> {
        self.compare.as_ref()
    }

    pub fn recent_from_storage(storage: Option<&dyn eframe::Storage>) -> Vec<PathBuf> {
        storage
            .and_then(|s| s.get_string(RECENT_KEY))
            .and_then(|s| serde_json::from_str::<Vec<PathBuf>>(&s).ok())
            .unwrap_or_default()
    }

    /// The open model's document.
    pub fn doc(&self) -> Option<&Document> {
        self.open.as_ref().map(|o| &o.doc)
    }

    fn repaint_fn(&self) -> Repaint {
        self.ctx
            .clone()
            .map(|c| Arc::new(move || c.request_repaint()) as Arc<dyn Fn() + Send + Sync>)
    }

    pub fn open_path(&mut self, path: PathBuf) {
        self.apply(Command::Open(path));
    }

    fn start_load(&mut self, source: Source) {
        self.load_job.cancel();
        self.loading_name = source.name();
        let view = self.settings.view();
        self.load_job = Job::spawn("load", self.repaint_fn(), move |p| load(source, view, p));
    }

    fn remember(&mut self, path: &std::path::Path) {
        let abs = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        self.recent.retain(|p| p != &abs);
        self.recent.insert(0, abs);
        self.recent.truncate(MAX_RECENT);
    }

    pub fn is_busy(&self) -> bool {
        self.load_job.is_pending()
            || self.compare_load.is_pending()
            || self.compare.as_ref().is_some_and(|c| c.busy())
            || self.open.as_ref().is_some_and(|o| o.busy())
    }

    fn poll_jobs(&mut self) {
        if let Some(result) = self.load_job.take() {
            match result {
                Ok(loaded) => {
                    if let Some(ctx) = &self.ctx {
                        let title = format!("{} — onnx-lens", loaded.model.origin.name);
                        ctx.send_viewport_cmd(egui::ViewportCommand::Title(title));
                    }
                    let mut doc = Document::new(loaded);
                    doc.start_shapes(self.repaint_fn());
                    self.open = Some(OpenDocument::new(doc));
                    self.neighbourhood = None;
                    self.path_prompt = None;
                    self.compare = None;
                    self.error = None;
                    self.tab = LeftTab::Model;
                }
                Err(e) => self.error = Some(e.to_string()),
            }
        }
        if let Some(result) = self.compare_load.take() {
            match (result, &self.open) {
                (Ok(loaded), Some(open)) => {
                    let mut b = Document::new(loaded);
                    b.start_shapes(self.repaint_fn());
                    self.compare = Some(Comparison::start(
                        open.doc.model.clone(),
                        b,
                        self.repaint_fn(),
                    ));
                    self.tab = LeftTab::Compare;
                }
                (Ok(_), None) => {}
                (Err(e), _) => self.error = Some(format!("cannot compare: {e}")),
            }
        }
        if let Some(e) = self.compare.as_mut().and_then(|c| c.poll()) {
            self.error = Some(e);
        }
        let Some(open) = &mut self.open else { return };
        if let Some(result) = open.tensor_job.take() {
            match result {
                Ok(t) => open.show_tensor(t),
                Err(e) => self.error = Some(e.to_string()),
            }
        }
        if let Some(e) = open.doc.poll().pop() {
            self.error = Some(e);
        }
        if let Some((g, at)) = open.doc.take_pending_center() {
            open.views.entry(g).or_default().center_on(at);
        }
    }

    /// Makes a command take effect.
    pub fn apply(&mut self, command: Command) {
        let repaint = self.repaint_fn();
        match command {
            Command::Open(path) => {
                self.remember(&path);
                self.start_load(Source::Path(path));
            }
            Command::OpenBytes { name, bytes } => self.start_load(Source::Bytes { name, bytes }),
            Command::DropImages(paths) => {
                let Some(open) = &mut self.open else { return };
                if open.run_form.drop_images(&paths) {
                    self.tab = LeftTab::Run;
                } else {
                    self.error = Some(
                        "dropped images, but this model has no image-like input \
                         (N×3×H×W or N×H×W×3, float or uint8)"
                            .into(),
                    );
                }
            }
            Command::DropTensors(paths) => {
                let Some(open) = &mut self.open else { return };
                match open.run_form.drop_tensors(&paths) {
                    Ok(()) => self.tab = LeftTab::Run,
                    Err(e) => self.error = Some(e),
                }
            }
            Command::OpenDialog => {
                if self.prompt_instead(PathPurpose::Open, "") {
                    return;
                }
                if let Some(p) = self.dialog.pick_model() {
                    self.apply(Command::Open(p));
                }
            }
            Command::CancelLoad => self.load_job.cancel(),
            Command::CompareDialog if self.prompt_instead(PathPurpose::Compare, "") => {}
            Command::CompareDialog => match self.dialog.pick_model() {
                Some(p) => self.apply(Command::CompareWith(p)),
                None => {
                    self.notice = Some("no file chosen (or no file dialog on this system)".into())
                }
            },
            Command::CompareWith(path) => {
                if self.open.is_none() {
                    self.error = Some("open a model first, then compare another with it".into());
                    return;
                }
                self.compare_load.cancel();
                let view = self.settings.view();
                self.compare_load = Job::spawn("load", self.repaint_fn(), move |p| {
                    load(Source::Path(path), view, p)
                });
            }
            Command::CloseCompare => {
                self.compare = None;
                if self.tab == LeftTab::Compare {
                    self.tab = LeftTab::Model;
                }
            }
            Command::SelectDifference { a, b } => {
                if let Some(open) = &mut self.open {
                    match a {
                        Some(n) => open.doc.focus_node(MAIN_GRAPH, n, repaint.clone()),
                        None => open.doc.selection = Selection::None,
                    }
                }
                if let Some(c) = &mut self.compare {
                    match b {
                        Some(n) => c.b.doc.focus_node(MAIN_GRAPH, n, repaint),
                        None => c.b.doc.selection = Selection::None,
                    }
                }
            }
            Command::SelectInB(item) => {
                let Some(c) = &mut self.compare else { return };
                c.b.doc.select_item(MAIN_GRAPH, item);
                let matched = match c.b.doc.selection {
                    Selection::Node(MAIN_GRAPH, n) => c.match_of_b(n),
                    _ => None,
                };
                if let Some(open) = &mut self.open {
                    match matched {
                        Some(n) => open.doc.focus_node(MAIN_GRAPH, n, repaint),
                        None => open.doc.selection = Selection::None,
                    }
                }
            }
            Command::RunCompare => {
                let repaint = self.repaint_fn();
                if let (Some(c), Some(open)) = (&mut self.compare, &self.open) {
                    let (request, _) = open.run_form.request();
                    c.start_numeric(request, repaint);
                }
            }
            Command::SetCompareTolerance(t) => {
                if let Some(c) = &mut self.compare {
                    c.tolerance = t;
                }
            }
            Command::ExportSvg(path) => self.export_svg(path),
            Command::ExportPng(path) => self.export_png(path),
            Command::DismissError => self.error = None,
            Command::ShowTab(tab) => self.tab = tab,
            Command::FitView => self.fit_view(),
            Command::FoldShapeChains(on) => {
                self.settings.fold_shape_chains = on;
                self.each_document(|d| d.set_fold_shape_chains(on));
            }
            Command::SetBoxContent(boxes) => {
                self.settings.boxes = boxes;
                self.each_document(|d| d.set_box_content(boxes));
            }
            Command::FoldConstants(on) => {
                self.settings.fold_constants = on;
                self.each_document(|d| d.set_fold_constants(on));
            }
            Command::ShowLegend(shown) => self.settings.legend = shown,
            Command::SetTheme(theme) => {
                self.settings.theme = theme;
                if let Some(ctx) = &self.ctx {
                    ctx.set_theme(theme);
                }
            }
            Command::ShowNeighbourhood(g, n) => {
                if let Some(open) = &self.open {
                    let hops = self.neighbourhood.as_ref().map_or(2, |v| v.hood.hops);
                    self.neighbourhood = Some(NeighbourhoodView::new(&open.doc.model, g, n, hops));
                }
            }
            Command::SaveTensor => self.save_tensor(None),
            Command::SaveTensorTo(path) => self.save_tensor(Some(path)),
            other => {
                let Some(open) = &mut self.open else { return };
                let selects = matches!(other, Command::SelectItem(..) | Command::FocusNode(..));
                apply_to_document(open, other, repaint.clone());
                // Synchronised navigation: a node selected in A selects its match in B.
                if let (true, Some(c)) = (selects, &mut self.compare) {
                    let matched = match open.doc.selection {
                        Selection::Node(MAIN_GRAPH, n) => c.match_of_a(n),
                        _ => None,
                    };
                    match matched {
                        Some(n) => c.b.doc.focus_node(MAIN_GRAPH, n, repaint),
                        None => c.b.doc.selection = Selection::None,
                    }
                }
            }
        }
    }

    fn save_tensor(&mut self, path: Option<PathBuf>) {
        let Some(t) = self.open.as_ref().and_then(|o| o.tensor.as_ref()) else {
            return;
        };
        let name = format!("{}.npy", crate::run::save::file_stem(&t.name, 0));
        let tensor = t.tensor.clone();
        if path.is_none() && self.prompt_instead(PathPurpose::SaveTensor, &name) {
            return;
        }
        let Some(path) = path.or_else(|| self.dialog.save_file(&name, "npy")) else {
            return;
        };
        let written = crate::model::npy::to_npy(&tensor)
            .map_err(|e| e.to_string())
            .and_then(|b| std::fs::write(&path, b).map_err(|e| e.to_string()));
        self.report_saved(&path, written);
    }

    fn report_saved(&mut self, path: &std::path::Path, result: Result<(), String>) {
        match result {
            Ok(()) => self.notice = Some(format!("saved {}", path.display())),
            Err(e) => self.error = Some(format!("cannot save {}: {e}", path.display())),
        }
    }

    pub fn export_svg(&mut self, path: Option<PathBuf>) {
        let Some(open) = &self.open else { return };
        let doc = &open.doc;
        let Some(g) = doc.laid_out(doc.current) else {
            return;
        };
        let labels = doc
            .shapes
            .as_ref()
            .filter(|_| doc.current == MAIN_GRAPH)
            .map(|s| s.labels.as_ref());
        let svg = crate::layout::svg::to_svg(g, labels);
        if path.is_none() && self.prompt_instead(PathPurpose::ExportSvg, "graph.svg") {
            return;
        }
        let Some(path) = path.or_else(|| self.dialog.save_file("graph.svg", "svg")) else {
            return;
        };
        let written = std::fs::write(&path, svg).map_err(|e| e.to_string());
        self.report_saved(&path, written);
    }

    /// Saves the graph canvas as it is on screen to a PNG (asks for a path when none is given).
    pub fn export_png(&mut self, path: Option<PathBuf>) {
        if self.open.is_none() {
            return;
        }
        if path.is_none() && self.prompt_instead(PathPurpose::ExportPng, "graph.png") {
            return;
        }
        if let Some(path) = path.or_else(|| self.dialog.save_file("graph.png", "png")) {
            self.png_export = Some(PngExport {
                path,
                requested: false,
            });
        }
    }

    /// Sends the screenshot request of a pending PNG export, and writes the PNG when it arrives.
    fn progress_png_export(&mut self, ui: &Ui) {
        let Some(export) = &mut self.png_export else {
            return;
        };
        if !export.requested {
            export.requested = true;
            ui.ctx()
                .send_viewport_cmd(egui::ViewportCommand::Screenshot(Default::default()));
            ui.ctx().request_repaint();
            return;
        }
        let shot = ui.ctx().input(|i| {
            i.raw.events.iter().find_map(|e| match e {
                egui::Event::Screenshot { image, .. } => Some(image.clone()),
                _ => None,
            })
        });
        let (Some(image), Some(canvas)) = (shot, self.canvas_rect) else {
            return;
        };
        let path = export.path.clone();
        self.png_export = None;
        let region = image.region(&canvas, Some(ui.ctx().pixels_per_point()));
        let written = write_png(&path, &region);
        self.report_saved(&path, written);
    }

    /// While files are dragged over the window, says what dropping them will do.
    fn drop_feedback(&self, ui: &Ui) {
        let (hovered, shift) = ui
            .ctx()
            .input(|i| (i.raw.hovered_files.clone(), i.modifiers.shift));
        if hovered.is_empty() {
            return;
        }
        let paths: Vec<PathBuf> = hovered.iter().filter_map(|f| f.path.clone()).collect();
        let text = drop_hint(&paths, hovered.len(), shift, self.open.is_some());
        let screen = ui.ctx().content_rect();
        let painter = ui.ctx().layer_painter(egui::LayerId::new(
            egui::Order::Foreground,
            egui::Id::new("drop-feedback"),
        ));
        painter.rect_filled(
            screen,
            0.0,
            Color32::from_rgba_unmultiplied(30, 120, 255, 40),
        );
        painter.rect_stroke(
            screen.shrink(4.0),
            8.0,
            egui::Stroke::new(3.0, style::SELECTED),
            egui::StrokeKind::Inside,
        );
        painter.text(
            screen.center(),
            egui::Align2::CENTER_CENTER,
            text,
            egui::FontId::proportional(22.0),
            style::SELECTED,
        );
    }

    fn handle_input(&mut self, ui: &Ui) {
        let (dropped, shift): (Vec<egui::DroppedFileHandle>, bool) = ui
            .ctx()
            .input(|i| (i.raw.dropped_files.clone(), i.modifiers.shift));
        let images: Vec<PathBuf> = dropped
            .iter()
            .map(|f| f.path().to_path_buf())
            .filter(|p| crate::run::image::is_image_path(p) && p.exists())
            .collect();
        let tensors: Vec<PathBuf> = dropped
            .iter()
            .map(|f| f.path().to_path_buf())
            .filter(|p| {
                p.exists()
                    && p.extension().is_some_and(|e| {
                        e.eq_ignore_ascii_case("npy") || e.eq_ignore_ascii_case("pb")
                    })
            })
            .collect();
        if !images.is_empty() && images.len() == dropped.len() && self.open.is_some() {
            self.apply(Command::DropImages(images));
        } else if !tensors.is_empty() && tensors.len() == dropped.len() && self.open.is_some() {
            self.apply(Command::DropTensors(tensors));
        } else if let Some(f) = dropped.first() {
            let path = f.path().to_path_buf();
            if !path.as_os_str().is_empty() && path.exists() {
                // Shift + drop onto an open model compares with it.
                if shift && self.open.is_some() {
                    self.apply(Command::CompareWith(path));
                } else {
                    self.apply(Command::Open(path));
                }
            } else {
                match f.bytes() {
                    Ok(bytes) => self.apply(Command::OpenBytes {
                        name: path.display().to_string(),
                        bytes,
                    }),
                    Err(e) => self.error = Some(format!("cannot read dropped file: {e}")),
                }
            }
        }
        // Asked before input_mut: the context is locked inside its closure.
        let typing = ui.ctx().egui_wants_keyboard_input();
        let (open, find, fit) = ui.ctx().input_mut(|i| {
            (
                i.consume_shortcut(&KeyboardShortcut::new(Modifiers::COMMAND, Key::O)),
                i.consume_shortcut(&KeyboardShortcut::new(Modifiers::COMMAND, Key::F)),
                !typing && i.consume_key(Modifiers::NONE, Key::F),
            )
        });
        if open {
            self.apply(Command::OpenDialog);
        }
        if find {
            self.tab = LeftTab::Search;
            self.focus_search = true;
        }
        if fit {
            self.fit_view();
        }
    }

    pub fn fit_view(&mut self) {
        let Some(open) = &mut self.open else { return };
        let g = open.doc.current;
        if let Some(laid) = open.doc.laid_out(g) {
            open.views.entry(g).or_default().fit(laid.layout.bounds);
        }
    }

    /// Zooms the current view to `zoom`, keeping the top of the graph in view.
    pub fn zoom_top(&mut self, zoom: f32) {
        let Some(open) = &mut self.open else { return };
        let g = open.doc.current;
        let Some(laid) = open.doc.laid_out(g) else {
            return;
        };
        if let Some(top) = laid.layout.top_item() {
            let r = laid.layout.rect(top);
            open.views.entry(g).or_default().zoom_to_top(zoom, r);
        }
    }

    /// The whole window.
    pub fn show(&mut self, ui: &mut Ui) {
        if self.ctx.is_none() {
            self.ctx = Some(ui.ctx().clone());
            // The system's theme unless one was chosen (View ▸ Theme).
            if self.settings.theme != egui::ThemePreference::System {
                ui.ctx().set_theme(self.settings.theme);
            }
            super::fonts::install(ui.ctx());
        }
        style::set_dark(ui.ctx().theme() == egui::Theme::Dark);
        self.handle_input(ui);
        self.drop_feedback(ui);
        self.progress_png_export(ui);
        self.poll_jobs();

        let mut commands = Vec::new();
        if let Some(prompt) = &mut self.path_prompt {
            let (command, keep) = prompt.show(ui.ctx(), &self.recent);
            if !keep {
                self.path_prompt = None;
            }
            commands.extend(command);
        }
        if let (Some(view), Some(open)) = (&mut self.neighbourhood, &self.open) {
            let mut shown = true;
            let model = open.doc.model.clone();
            commands.extend(view.show(ui.ctx(), &model, &mut shown));
            if !shown {
                self.neighbourhood = None;
            }
        }
        egui::Panel::top("menu").show(ui, |ui| self.top_bar(ui, &mut commands));
        if let Some(e) = &self.error {
            error_banner(ui, e, &mut commands);
        }
        self.apply_all(commands);
        if self.open.is_some() {
            let mut commands = Vec::new();
            // Side panels never take the canvas: a long metadata value or shape cannot widen them
            // past a quarter of the window each, and a saved width is clamped the same way.
            let most = (ui.available_width() * SIDE_PANEL_MAX_FRACTION).max(SIDE_PANEL_MIN);
            egui::Panel::left("left")
                .default_size(330.0)
                .size_range(SIDE_PANEL_MIN..=most)
                .show(ui, |ui| self.left_panel(ui, &mut commands));
            self.apply_all(commands);
            let mut commands = Vec::new();
            egui::Panel::right("right")
                .default_size(360.0)
                .size_range(SIDE_PANEL_MIN..=most)
                .show(ui, |ui| self.right_panel(ui, &mut commands));
            self.apply_all(commands);
        }
        let mut commands = Vec::new();
        egui::CentralPanel::default()
            .frame(egui::Frame::new().fill(style::palette().canvas))
            .show(ui, |ui| self.central(ui, &mut commands));
        self.apply_all(commands);

        let layout_pending = self
            .open
            .as_ref()
            .is_some_and(|o| o.doc.layout_pending(o.doc.current));
        if self.is_busy() || layout_pending {
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_millis(100));
        }
    }

    fn apply_all(&mut self, commands: Vec<Command>) {
        for c in commands {
            self.apply(c);
        }
    }

    fn top_bar(&mut self, ui: &mut Ui, out: &mut Vec<Command>) {
        let has_doc = self.open.is_some();
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| {
                if ui.button("Open…  (Ctrl+O)").clicked() {
                    ui.close();
                    out.push(Command::OpenDialog);
                }
                ui.menu_button("Open recent", |ui| {
                    if self.recent.is_empty() {
                        ui.label("(none yet)");
                    }
                    for p in &self.recent {
                        if ui.button(p.display().to_string()).clicked() {
                            ui.close();
                            out.push(Command::Open(p.clone()));
                        }
                    }
                });
                let compare = ui.add_enabled(has_doc, egui::Button::new("Compare with…"));
                if compare
                    .on_hover_text("or drop a second model with Shift held")
                    .clicked()
                {
                    ui.close();
                    out.push(Command::CompareDialog);
                }
                let svg = ui.add_enabled(has_doc, egui::Button::new("Export graph as SVG…"));
                if svg.clicked() {
                    ui.close();
                    out.push(Command::ExportSvg(None));
                }
                let png = ui.add_enabled(has_doc, egui::Button::new("Export view as PNG…"));
                if png.clicked() {
                    ui.close();
                    out.push(Command::ExportPng(None));
                }
            });
            ui.menu_button("View", |ui| {
                if ui.button("Fit to window  (F)").clicked() {
                    ui.close();
                    out.push(Command::FitView);
                }
                ui.separator();
                let mut fold = self.settings.fold_constants;
                if ui
                    .checkbox(&mut fold, "Fold constants into their node")
                    .on_hover_text(
                        "A Constant that feeds one node is a row of that node's box, as Netron \
                         draws it",
                    )
                    .changed()
                {
                    out.push(Command::FoldConstants(fold));
                }
                let mut boxes = self.settings.boxes;
                let a = ui.checkbox(&mut boxes.initializers, "Initializers in boxes");
                let b = ui.checkbox(&mut boxes.attributes, "Attributes in boxes");
                let c = ui.checkbox(&mut boxes.names, "Names instead of op types");
                if a.changed() || b.changed() || c.changed() {
                    out.push(Command::SetBoxContent(boxes));
                }
                let mut chains = self.settings.fold_shape_chains;
                if ui
                    .checkbox(&mut chains, "One box per shape computation")
                    .on_hover_text(
                        "Shape → Gather → Unsqueeze → Concat chains that only compute a shape",
                    )
                    .changed()
                {
                    out.push(Command::FoldShapeChains(chains));
                }
                ui.separator();
                if ui
                    .add_enabled(has_doc, egui::Button::new("Collapse all namespaces"))
                    .clicked()
                {
                    ui.close();
                    out.push(Command::CollapseAllNamespaces);
                }
                if ui
                    .add_enabled(has_doc, egui::Button::new("Expand all namespaces"))
                    .clicked()
                {
                    ui.close();
                    out.push(Command::ExpandAllNamespaces);
                }
                let mut legend = self.settings.legend;
                if ui.checkbox(&mut legend, "Colour legend").changed() {
                    out.push(Command::ShowLegend(legend));
                }
                ui.separator();
                ui.horizontal(|ui| {
                    ui.label("Theme");
                    let mut theme = self.settings.theme;
                    for (t, name) in [
                        (egui::ThemePreference::System, "system"),
                        (egui::ThemePreference::Light, "light"),
                        (egui::ThemePreference::Dark, "dark"),
                    ] {
                        ui.radio_value(&mut theme, t, name);
                    }
                    if theme != self.settings.theme {
                        out.push(Command::SetTheme(theme));
                    }
                });
            });
            ui.separator();
            let status = self.load_job.poll();
            if let JobStatus::Running { progress, stage } = status {
                ui.add(
                    egui::ProgressBar::new(progress)
                        .desired_width(160.0)
                        .text(format!("{stage} {}", self.loading_name)),
                );
                if ui.button("cancel").clicked() {
                    out.push(Command::CancelLoad);
                }
            } else if let Some(doc) = self.doc() {
                ui.label(RichText::new(&doc.model.origin.name).strong());
                let r = &doc.report;
                let (c, text) = if r.errors > 0 {
                    (style::ERROR, r.tally())
                } else if r.warnings > 0 {
                    (
                        style::WARNING,
                        format!("valid, {}", count(r.warnings, "warning", "warnings")),
                    )
                } else {
                    (style::OK, "valid".into())
                };
                if ui.link(RichText::new(text).color(c)).clicked() {
                    out.push(Command::ShowTab(LeftTab::Diagnostics));
                }
            }
            if let Some(n) = &self.notice {
                ui.label(RichText::new(n).weak());
            }
        });
    }

    fn left_panel(&mut self, ui: &mut Ui, out: &mut Vec<Command>) {
        let Some(open) = &mut self.open else { return };
        let diag_label = format!("Diagnostics ({})", open.doc.report.diagnostics.len());
        ui.horizontal(|ui| {
            ui.selectable_value(&mut self.tab, LeftTab::Model, "Model");
            ui.selectable_value(&mut self.tab, LeftTab::Diagnostics, diag_label);
            ui.selectable_value(&mut self.tab, LeftTab::Search, "Search");
            ui.selectable_value(&mut self.tab, LeftTab::Axes, "Axes");
            ui.selectable_value(&mut self.tab, LeftTab::Run, "Run");
            if self.compare.is_some() {
                ui.selectable_value(&mut self.tab, LeftTab::Compare, "Compare");
            }
        });
        ui.separator();
        let doc = &open.doc;
        match self.tab {
            LeftTab::Model => {
                egui::ScrollArea::vertical()
                    .id_salt("model-panel")
                    .show(ui, |ui| panels::model::show(ui, doc, out));
            }
            LeftTab::Diagnostics => panels::diagnostics::show(ui, doc, out),
            LeftTab::Search => {
                panels::search::show(ui, doc, &mut open.search_text, &mut self.focus_search, out)
            }
            LeftTab::Axes => {
                egui::ScrollArea::vertical()
                    .id_salt("axes-panel")
                    .show(ui, |ui| panels::axes::show(ui, doc, out));
            }
            LeftTab::Run => {
                egui::ScrollArea::vertical()
                    .id_salt("run-panel")
                    .show(ui, |ui| panels::run::show(ui, doc, &mut open.run_form, out));
            }
            LeftTab::Compare => match &self.compare {
                Some(c) => panels::compare::show(ui, c, out),
                None => self.tab = LeftTab::Model,
            },
        }
    }

    fn right_panel(&mut self, ui: &mut Ui, out: &mut Vec<Command>) {
        let Some(open) = &mut self.open else { return };
        egui::ScrollArea::vertical()
            .id_salt("right-panel")
            .show(ui, |ui| {
                if let Some(t) = &open.tensor {
                    panels::tensor::show(ui, t, &mut open.tensor_page, out);
                    if ui.button("close tensor").clicked() {
                        out.push(Command::CloseTensor);
                    }
                    ui.separator();
                } else if open.tensor_job.is_running() {
                    ui.spinner();
                }
                let doc = &open.doc;
                match &doc.selection {
                    Selection::Node(g, n) => panels::node::node_panel(ui, doc, *g, *n, out),
                    Selection::Value(g, v) => panels::node::value_panel(ui, doc, *g, v, out),
                    Selection::None => {
                        ui.label(
                            RichText::new("Click a node or an edge to see its properties.").weak(),
                        );
                    }
                }
            });
    }

    fn central(&mut self, ui: &mut Ui, out: &mut Vec<Command>) {
        let repaint = self.repaint_fn();
        let Some(open) = &mut self.open else {
            let busy = self.load_job.is_running();
            ui.centered_and_justified(|ui| {
                ui.label(
                    RichText::new(if busy {
                        "Loading…"
                    } else {
                        "Drop an .onnx file here, or File ▸ Open (Ctrl+O)"
                    })
                    .size(20.0)
                    .color(Color32::GRAY),
                );
            });
            return;
        };
        breadcrumb(ui, &open.doc, out);
        subgraph_choice(ui, &mut open.doc, out);
        let g = open.doc.current;
        if open.doc.laid_out(g).is_none() {
            ui.centered_and_justified(|ui| ui.spinner());
            open.doc.ensure_layout(g, repaint);
            return;
        }
        let searching = self.tab == LeftTab::Search;
        let Some(compare) = &mut self.compare else {
            let rect = ui.available_rect_before_wrap();
            self.canvas_rect = Some(rect);
            let (commands, stats) = draw_canvas(ui, open, g, searching, None);
            self.last_frame = stats;
            out.extend(commands);
            if let (true, Some(laid)) = (self.settings.legend, open.doc.laid_out(g)) {
                canvas::legend::legend(ui, rect, laid);
            }
            return;
        };
        // Side by side: A (the open model) left, B right, each coloured by the differences.
        // Tints exist for the main graphs, once both are laid out and the diff is done.
        compare.b.doc.ensure_layout(MAIN_GRAPH, repaint);
        let (tints, b) = compare.tints_and_b(&open.doc);
        let tint_a = tints.map(|t| t.0).filter(|_| g == MAIN_GRAPH);
        let tint_b = tints.map(|t| t.1);
        self.canvas_rect = Some(ui.available_rect_before_wrap());
        ui.columns(2, |cols| {
            // Each canvas under its own id: the two graphs share item indices.
            let (commands, stats) = cols[0]
                .push_id("canvas-a", |ui| draw_canvas(ui, open, g, searching, tint_a))
                .inner;
            self.last_frame = stats;
            out.extend(commands);
            cols[1].label(RichText::new(format!("B: {}", b.doc.model.origin.name)).strong());
            if b.doc.laid_out(MAIN_GRAPH).is_none() {
                cols[1].spinner();
                return;
            }
            let (commands, _) = cols[1]
                .push_id("canvas-b", |ui| {
                    draw_canvas(ui, b, MAIN_GRAPH, false, tint_b)
                })
                .inner;
            // B's canvas selects in B (and its match in A); the rest stays on its side.
            out.extend(commands.into_iter().filter_map(|c| match c {
                Command::SelectItem(_, item) => Some(Command::SelectInB(item)),
                _ => None,
            }));
        });
    }

    /// Screen rectangle of a node of the current scope, by name (for tests and captures).
    pub fn item_screen_rect(&self, ctx_rect: egui::Rect, node_name: &str) -> Option<egui::Rect> {
        let open = self.open.as_ref()?;
        let doc = &open.doc;
        let laid = doc.laid_out(doc.current)?;
        let body = doc.model.body(doc.current)?;
        let n = NodeId(body.nodes().iter().position(|n| n.name == node_name)?);
        let item = laid.view.item_of_node(n)?;
        let view = open.views.get(&doc.current)?;
        Some(view.rect_to_screen(ctx_rect.min, &laid.layout.rect(item)))
    }

    /// A screen point on the route of an edge carrying `value` in the current scope (the
    /// middle of its middle segment; for tests and captures).
    /// Where the last frame drew the shape label of an edge carrying `value`.
    pub fn edge_label_rect(&self, value: &str) -> Option<egui::Rect> {
        let laid = self.doc().and_then(|d| d.laid_out(d.current))?;
        self.last_frame
            .edge_labels
            .iter()
            .find(|(_, e)| laid.view.edges.get(*e).is_some_and(|e| e.value == value))
            .map(|(r, _)| *r)
    }

    pub fn edge_screen_point(&self, value: &str) -> Option<egui::Pos2> {
        let open = self.open.as_ref()?;
        let doc = &open.doc;
        let laid = doc.laid_out(doc.current)?;
        let e = laid.view.edges.iter().position(|e| e.value == value)?;
        let route = laid.layout.edges.get(e)?;
        let i = route.len().checked_sub(2)? / 2;
        let (a, b) = (route[i], route[i + 1]);
        let view = open.views.get(&doc.current)?;
        let origin = self.canvas_rect?.min;
        Some(view.to_screen(origin, ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0)))
    }

    /// Waits (for tests and captures) until no job is running and the current scope is laid out.
    pub fn settled(&self) -> bool {
        !self.is_busy() && self.doc().is_none_or(|d| !d.layout_pending(d.current))
    }

    /// Where the graph canvas was last drawn.
    pub fn canvas_rect(&self) -> Option<egui::Rect> {
        self.canvas_rect
    }

    /// The pan/zoom of the scope on screen.
    pub fn view(&self) -> Option<ViewState> {
        let open = self.open.as_ref()?;
        open.views.get(&open.doc.current).copied()
    }

    pub fn model_arc(&self) -> Option<Arc<crate::model::Model>> {
        self.doc().map(|d| d.model.clone())
    }
}

/// Commands that change the open model's document or its window state.
fn apply_to_document(open: &mut OpenDocument, command: Command, repaint: Repaint) {
    let doc = &mut open.doc;
    match command {
        Command::FocusNode(g, n) => doc.focus_node(g, n, repaint),
        Command::SelectValue(g, v) => doc.selection = Selection::Value(g, v),
        Command::SelectItem(g, item) => doc.select_item(g, item),
        Command::SelectEdge(g, e) => doc.select_edge(g, e),
        Command::OpenItem(g, item) => doc.open_item(g, item, repaint),
        Command::OpenGraph(g) => doc.open_graph(g, repaint),
        Command::Search(q) => {
            let model = doc.model.clone();
            doc.search.set_query(&model, &q);
            open.search_text = q;
        }
        Command::ShowTensor(g, name) => {
            let model = doc.model.clone();
            open.tensor_job = Job::spawn("tensor", repaint, move |_| {
                TensorSummary::of_initializer(&model, g, &name)
            });
        }
        Command::InspectTensor(t) => open.show_tensor(TensorSummary::of(MAIN_GRAPH, t)),
        Command::CloseTensor => open.tensor = None,
        Command::StartRun { request, expected } => doc.start_run(request, expected, repaint),
        Command::CancelRun => doc.run.job().cancel(),
        Command::ShowHeat(on) => {
            doc.run.heat_shown = on;
            if on {
                doc.macs_heat_shown = false;
            }
        }
        Command::ShowMacsHeat(on) => doc.show_macs_heat(on),
        Command::ShowRewrites(on) => doc.run.rewrites_shown = on,
        Command::SetCostValue(symbol, v) => doc.set_cost_value(symbol, v),
        Command::StartConfirm => doc.start_confirm(repaint),
        Command::CancelConfirm => doc.confirm_job().cancel(),
        Command::ExpandNamespace(g, prefix) => doc.expand_namespace(g, &prefix),
        Command::CollapseNamespace(prefix) => doc.collapse_namespace(&prefix),
        Command::CollapseAllNamespaces => doc.collapse_all_namespaces(),
        Command::ExpandAllNamespaces => doc.set_collapsed(Default::default()),
        // Window-level commands are the app's (`LensApp::apply`).
        Command::Open(_)
        | Command::DropImages(_)
        | Command::DropTensors(_)
        | Command::OpenBytes { .. }
        | Command::OpenDialog
        | Command::CompareDialog
        | Command::CompareWith(_)
        | Command::CloseCompare
        | Command::SelectDifference { .. }
        | Command::SelectInB(_)
        | Command::RunCompare
        | Command::SetCompareTolerance(_)
        | Command::CancelLoad
        | Command::ExportSvg(_)
        | Command::ExportPng(_)
        | Command::DismissError
        | Command::ShowTab(_)
        | Command::FitView
        | Command::FoldConstants(_)
        | Command::FoldShapeChains(_)
        | Command::SetBoxContent(_)
        | Command::ShowLegend(_)
        | Command::SetTheme(_)
        | Command::ShowNeighbourhood(..)
        | Command::SaveTensor
        | Command::SaveTensorTo(_) => {}
    }
}

/// Paints scope `g` of an open document on the canvas, with its marks (and an extra tint).
fn draw_canvas(
    ui: &mut Ui,
    open: &mut OpenDocument,
    g: crate::model::GraphId,
    searching: bool,
    tint: Option<&crate::layout::ItemMap<Color32>>,
) -> (Vec<Command>, FrameStats) {
    let OpenDocument {
        doc,
        views,
        overviews,
        ..
    } = open;
    // Marks are computed once (per layout, run or query) by the document; here they are
    // only borrowed.
    doc.prepare_marks(g);
    let doc = &*doc;
    let Some(scope) = doc.scope(g) else {
        return (vec![], FrameStats::default());
    };
    let laid = &scope.laid;
    let marks = Marks {
        selected: doc.selected_item(),
        highlighted: doc.search.marked(g).filter(|_| searching),
        problems: Some(&scope.problems),
        heat: doc.heat(g),
        tint,
        document_tint: doc.rewritten(g),
        shape_labels: doc.shape_labels(g),
        selected_value: match &doc.selection {
            Selection::Value(sg, v) if *sg == g => Some(v.as_str()),
            _ => None,
        },
        value_ends: &[],
    };
    // An empty graph has no picture (and egui refuses empty textures).
    let o = &laid.overview;
    let overview = (o.width > 0 && o.height > 0).then(|| {
        &*overviews.entry(g).or_insert_with(|| {
            let image = egui::ColorImage::from_rgba_unmultiplied([o.width, o.height], &o.rgba);
            ui.ctx()
                .load_texture(format!("overview-{g}"), image, egui::TextureOptions::LINEAR)
        })
    });
    let view = views.entry(g).or_default();
    canvas::show(ui, laid, view, &marks, overview)
}

/// What dropping these files will do (`count` files are hovered; some platforms give no path).
pub fn drop_hint(paths: &[PathBuf], count: usize, shift: bool, has_model: bool) -> String {
    let all = |f: &dyn Fn(&std::path::Path) -> bool| {
        !paths.is_empty() && paths.len() == count && paths.iter().all(|p| f(p))
    };
    let tensor = |p: &std::path::Path| {
        p.extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("npy") || e.eq_ignore_ascii_case("pb"))
    };
    let name = paths
        .first()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "the file".into());
    if has_model && all(&crate::run::image::is_image_path) {
        format!(
            "Drop to feed {} to the image input",
            count_files(count, "photo")
        )
    } else if has_model && all(&tensor) {
        format!(
            "Drop to use {} as inputs or reference outputs",
            count_files(count, "tensor")
        )
    } else if has_model && shift {
        format!("Drop to compare {name} with the open model")
    } else if has_model {
        format!("Drop to open {name}  (hold Shift to compare)")
    } else {
        format!("Drop to open {name}")
    }
}

fn count_files(n: usize, what: &str) -> String {
    if n == 1 {
        format!("the {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// Asks which subgraph of a node to open (an If's then/else branches) after a double-click.
fn subgraph_choice(ui: &mut Ui, doc: &mut Document, out: &mut Vec<Command>) {
    let Some((g, n)) = doc.subgraph_choice else {
        return;
    };
    let op = doc
        .model
        .body(g)
        .and_then(|b| b.nodes().get(n.0))
        .map(|node| display_label(node, n.0))
        .unwrap_or_default();
    let mut open = true;
    egui::Window::new(format!("Open a subgraph of {op}"))
        .collapsible(false)
        .resizable(false)
        .open(&mut open)
        .anchor(egui::Align2::CENTER_TOP, [0.0, 60.0])
        .show(ui.ctx(), |ui| {
            for (sub, name) in doc.openable_of(g, n) {
                let nodes = doc.model.index.graphs[sub].node_count;
                if ui
                    .button(format!("{name}  ({})", count(nodes, "node", "nodes")))
                    .clicked()
                {
                    out.push(Command::OpenGraph(sub));
                }
            }
        });
    if !open {
        doc.subgraph_choice = None;
    }
}

fn error_banner(ui: &mut Ui, e: &str, out: &mut Vec<Command>) {
    egui::Panel::top("error-banner")
        .frame(
            egui::Frame::new()
                .fill(Color32::from_rgb(253, 226, 226))
                .inner_margin(6.0),
        )
        .show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.colored_label(style::ERROR, RichText::new(format!("⚠ {e}")).strong());
                if ui.small_button("dismiss").clicked() {
                    out.push(Command::DismissError);
                }
            });
        });
}

/// The path back to enclosing graphs.
fn breadcrumb(ui: &mut Ui, doc: &Document, out: &mut Vec<Command>) {
    if doc.breadcrumb.len() < 2 {
        return;
    }
    ui.horizontal(|ui| {
        for (k, &g) in doc.breadcrumb.iter().enumerate() {
            let name = if g == MAIN_GRAPH {
                "main graph".to_string()
            } else {
                doc.model.index.graphs[g].path.clone()
            };
            if k + 1 < doc.breadcrumb.len() {
                if ui.link(name).clicked() {
                    out.push(Command::OpenGraph(g));
                }
                ui.label("▸");
            } else {
                ui.strong(name);
            }
        }
    });
}

fn write_png(path: &std::path::Path, image: &egui::ColorImage) -> Result<(), String> {
    let [w, h] = image.size;
    let rgba: Vec<u8> = image.pixels.iter().flat_map(|c| c.to_array()).collect();
    let buffer = image::RgbaImage::from_raw(w as u32, h as u32, rgba)
        .ok_or("screenshot size does not match its pixels")?;
    buffer
        .save_with_format(path, image::ImageFormat::Png)
        .map_err(|e| e.to_string())
}

/// eframe glue: the real window.
pub struct EframeApp(pub LensApp);

impl eframe::App for EframeApp {
    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        self.0.show(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        if let Ok(s) = serde_json::to_string(&self.0.recent) {
            storage.set_string(RECENT_KEY, s);
        }
        storage.set_string(SETTINGS_KEY, self.0.settings.to_json());
    }
}
