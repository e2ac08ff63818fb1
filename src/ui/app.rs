//! The window: menu and search bar, side panels, the graph. Paints state and sends requests
//! (load, layout, tensor decode) to jobs; never computes on the UI thread.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use egui::{Color32, Key, KeyboardShortcut, Modifiers, RichText, Ui};

use super::dialog::FileDialog;
use super::document::{load, Document, Selection, Source};
use super::graph_view::{self, FrameStats, Marks, ViewAction};
use super::panels::{self, TensorView, UiAction};
use super::style;
use crate::jobs::{Job, JobState, Repaint};
use crate::layout::ItemKind;
use crate::model::GraphId;

const MAX_RECENT: usize = 10;
const RECENT_KEY: &str = "onnx-lens.recent";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeftTab {
    Model,
    Diagnostics,
    Search,
    Axes,
    Run,
}

pub struct LensApp {
    pub doc: Option<Document>,
    load_job: Job<super::document::Loaded>,
    loading_name: String,
    /// The last failure, shown in a banner until dismissed (the open model stays).
    pub error: Option<String>,
    dialog: Box<dyn FileDialog>,
    pub recent: Vec<PathBuf>,
    pub tab: LeftTab,
    pub search: String,
    focus_search: bool,
    tensor_job: Job<TensorView>,
    pub tensor: Option<TensorView>,
    tensor_page: usize,
    generation: u64,
    pub last_frame: FrameStats,
    ctx: Option<egui::Context>,
    /// Set by the screenshot script: save an SVG of the current graph to this path once laid out.
    pub notice: Option<String>,
    pub run: super::run_panel::RunPanel,
    /// Minimap textures, uploaded once per laid-out scope.
    overviews: HashMap<(u64, GraphId), egui::TextureHandle>,
    /// Where the graph canvas was last drawn (what a PNG export captures).
    canvas_rect: Option<egui::Rect>,
    png_export: Option<PngExport>,
}

/// A PNG export waits a frame (so the menu that asked for it is gone), then for the screenshot.
struct PngExport {
    path: PathBuf,
    requested: bool,
}

impl LensApp {
    pub fn new(dialog: Box<dyn FileDialog>, recent: Vec<PathBuf>) -> LensApp {
        LensApp {
            doc: None,
            load_job: Job::default(),
            loading_name: String::new(),
            error: None,
            dialog,
            recent,
            tab: LeftTab::Model,
            search: String::new(),
            focus_search: false,
            tensor_job: Job::default(),
            tensor: None,
            tensor_page: 0,
            generation: 0,
            last_frame: FrameStats::default(),
            ctx: None,
            notice: None,
            run: Default::default(),
            overviews: HashMap::new(),
            canvas_rect: None,
            png_export: None,
        }
    }

    pub fn recent_from_storage(storage: Option<&dyn eframe::Storage>) -> Vec<PathBuf> {
        storage
            .and_then(|s| s.get_string(RECENT_KEY))
            .and_then(|s| serde_json::from_str::<Vec<PathBuf>>(&s).ok())
            .unwrap_or_default()
    }

    fn repaint_fn(&self) -> Repaint {
        self.ctx
            .clone()
            .map(|c| Arc::new(move || c.request_repaint()) as Arc<dyn Fn() + Send + Sync>)
    }

    pub fn open_path(&mut self, path: PathBuf) {
        self.loading_name = path.display().to_string();
        self.remember(&path);
        self.start_load(Source::Path(path));
    }

    pub fn open_bytes(&mut self, name: String, bytes: Vec<u8>) {
        self.loading_name = name.clone();
        self.start_load(Source::Bytes { name, bytes });
    }

    fn start_load(&mut self, source: Source) {
        self.load_job.cancel();
        self.generation += 1;
        let generation = self.generation;
        self.load_job = Job::spawn("load", self.repaint_fn(), move |p| {
            load(source, generation, p)
        });
    }

    fn remember(&mut self, path: &std::path::Path) {
        let abs = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        self.recent.retain(|p| p != &abs);
        self.recent.insert(0, abs);
        self.recent.truncate(MAX_RECENT);
    }

    pub fn is_busy(&self) -> bool {
        self.load_job.is_running()
            || self.tensor_job.is_running()
            || self.run.is_running()
            || self
                .doc
                .as_ref()
                .is_some_and(|d| d.shapes_running() || d.confirm_job().is_running())
    }

    fn poll_jobs(&mut self) {
        if let Some(result) = self.load_job.take() {
            match result {
                Ok(loaded) => {
                    let mut doc = Document::new(loaded, self.generation);
                    doc.start_shapes(self.repaint_fn());
                    self.doc = Some(doc);
                    self.overviews.clear();
                    self.error = None;
                    self.tensor = None;
                    self.tab = LeftTab::Model;
                }
                Err(e) => self.error = Some(e),
            }
        }
        if let Some(result) = self.tensor_job.take() {
            match result {
                Ok(t) => {
                    self.tensor = Some(t);
                    self.tensor_page = 0;
                }
                Err(e) => self.error = Some(e),
            }
        }
        self.run.poll();
        if let Some(doc) = &mut self.doc {
            if let Some(e) = doc.poll_layouts().or_else(|| doc.poll_shapes()) {
                self.error = Some(e);
            }
            doc.apply_pending_center();
        }
    }

    fn apply(&mut self, action: UiAction) {
        let repaint = self.repaint_fn();
        let Some(doc) = &mut self.doc else { return };
        match action {
            UiAction::FocusNode(g, n) => doc.focus_node(g, n, repaint),
            UiAction::SelectValue(g, v) => {
                doc.selection = Selection::Value(g, v);
            }
            UiAction::OpenGraph(g) => doc.open_graph(g, repaint),
            UiAction::ShowTensor(g, name) => {
                let model = doc.model.clone();
                self.tensor_job = Job::spawn("tensor", repaint, move |_| {
                    TensorView::compute(&model, g, &name)
                });
            }
            UiAction::InspectTensor(t) => {
                self.tensor = Some(TensorView::of(crate::model::MAIN_GRAPH, t));
                self.tensor_page = 0;
            }
            UiAction::SaveTensor => self.save_tensor(),
        }
    }

    fn save_tensor(&mut self) {
        let Some(t) = &self.tensor else { return };
        let name: String = t
            .name
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || c == '_' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let Some(path) = self.dialog.save_file(&format!("{name}.npy"), "npy") else {
            return;
        };
        match crate::model::npy::to_npy(&t.tensor)
            .and_then(|b| std::fs::write(&path, b).map_err(|e| e.to_string()))
        {
            Ok(()) => self.notice = Some(format!("saved {}", path.display())),
            Err(e) => self.error = Some(format!("cannot save {}: {e}", path.display())),
        }
    }

    pub fn export_svg(&mut self, path: Option<PathBuf>) {
        let Some(doc) = &self.doc else { return };
        let Some(g) = doc.graphs.get(&doc.current) else {
            return;
        };
        let Some(path) = path.or_else(|| self.dialog.save_file("graph.svg", "svg")) else {
            return;
        };
        let labels = doc
            .shapes
            .as_ref()
            .filter(|_| doc.current == crate::model::MAIN_GRAPH)
            .map(|s| s.labels.as_ref());
        match std::fs::write(&path, crate::layout::svg::to_svg(g, labels)) {
            Ok(()) => self.notice = Some(format!("saved {}", path.display())),
            Err(e) => self.error = Some(format!("cannot save {}: {e}", path.display())),
        }
    }

    /// Saves the graph canvas as it is on screen to a PNG (asks for a path when none is given).
    pub fn export_png(&mut self, path: Option<PathBuf>) {
        if self.doc.is_none() {
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
        match write_png(&path, &region) {
            Ok(()) => self.notice = Some(format!("saved {}", path.display())),
            Err(e) => self.error = Some(format!("cannot save {}: {e}", path.display())),
        }
    }

    fn handle_input(&mut self, ui: &Ui) {
        let dropped: Vec<egui::DroppedFileHandle> = ui.ctx().input(|i| i.raw.dropped_files.clone());
        if let Some(f) = dropped.first() {
            let path = f.path().to_path_buf();
            if !path.as_os_str().is_empty() && path.exists() {
                self.open_path(path);
            } else {
                match f.bytes() {
                    Ok(bytes) => self.open_bytes(path.display().to_string(), bytes),
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
            self.open_dialog();
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
        if let Some(doc) = &mut self.doc {
            if let Some(g) = doc.graphs.get(&doc.current) {
                let b = g.layout.bounds;
                doc.views.entry(doc.current).or_default().fit(b);
            }
        }
    }

    /// Zooms the current view to `zoom`, keeping the top of the graph in view.
    pub fn zoom_top(&mut self, zoom: f32) {
        if let Some(doc) = &mut self.doc {
            if let Some(g) = doc.graphs.get(&doc.current) {
                // Centre on the topmost item: deep graphs drift sideways, their bounds' centre may be empty.
                let Some(top) = g
                    .layout
                    .items
                    .iter()
                    .min_by(|a, b| a.y.total_cmp(&b.y))
                    .copied()
                else {
                    return;
                };
                let v = doc.views.entry(doc.current).or_default();
                v.zoom = zoom;
                v.offset = egui::Vec2::new(
                    top.x + top.w / 2.0 - v.canvas.x / (2.0 * zoom),
                    top.y - 10.0,
                );
                v.initialized = true;
            }
        }
    }

    fn open_dialog(&mut self) {
        if let Some(p) = self.dialog.pick_model() {
            self.open_path(p);
        }
    }

    /// The whole window.
    pub fn show(&mut self, ui: &mut Ui) {
        if self.ctx.is_none() {
            self.ctx = Some(ui.ctx().clone());
            // Light, like the graph canvas and Netron.
            ui.ctx().set_visuals(egui::Visuals::light());
        }
        self.handle_input(ui);
        self.progress_png_export(ui);
        self.poll_jobs();

        egui::Panel::top("menu").show(ui, |ui| self.top_bar(ui));
        if let Some(e) = self.error.clone() {
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
                            self.error = None;
                        }
                    });
                });
        }
        if self.doc.is_some() {
            egui::Panel::left("left")
                .default_size(330.0)
                .show(ui, |ui| self.left_panel(ui));
            egui::Panel::right("right")
                .default_size(360.0)
                .show(ui, |ui| self.right_panel(ui));
        }
        egui::CentralPanel::default()
            .frame(egui::Frame::new().fill(style::CANVAS))
            .show(ui, |ui| self.central(ui));

        if self.is_busy()
            || self
                .doc
                .as_ref()
                .is_some_and(|d| d.layout_pending(d.current))
        {
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_millis(100));
        }
    }

    fn top_bar(&mut self, ui: &mut Ui) {
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| {
                if ui.button("Open…  (Ctrl+O)").clicked() {
                    ui.close();
                    self.open_dialog();
                }
                ui.menu_button("Open recent", |ui| {
                    if self.recent.is_empty() {
                        ui.label("(none yet)");
                    }
                    for p in self.recent.clone() {
                        if ui.button(p.display().to_string()).clicked() {
                            ui.close();
                            self.open_path(p);
                        }
                    }
                });
                if ui
                    .add_enabled(
                        self.doc.is_some(),
                        egui::Button::new("Export graph as SVG…"),
                    )
                    .clicked()
                {
                    ui.close();
                    self.export_svg(None);
                }
                if ui
                    .add_enabled(self.doc.is_some(), egui::Button::new("Export view as PNG…"))
                    .clicked()
                {
                    ui.close();
                    self.export_png(None);
                }
            });
            ui.menu_button("View", |ui| {
                if ui.button("Fit to window  (F)").clicked() {
                    ui.close();
                    self.fit_view();
                }
            });
            ui.separator();
            if let JobState::Running { progress, stage } = self.load_job.poll() {
                ui.add(
                    egui::ProgressBar::new(progress)
                        .desired_width(160.0)
                        .text(format!("{stage} {}", self.loading_name)),
                );
                if ui.button("cancel").clicked() {
                    self.load_job.cancel();
                }
            } else if let Some(doc) = &self.doc {
                ui.label(RichText::new(&doc.model.origin.name).strong());
                let r = &doc.report;
                let (c, text) = if r.errors > 0 {
                    (
                        style::ERROR,
                        format!("{} errors, {} warnings", r.errors, r.warnings),
                    )
                } else if r.warnings > 0 {
                    (style::WARNING, format!("valid, {} warnings", r.warnings))
                } else {
                    (Color32::from_rgb(30, 140, 60), "valid".into())
                };
                if ui.link(RichText::new(text).color(c)).clicked() {
                    self.tab = LeftTab::Diagnostics;
                }
            }
            if let Some(n) = &self.notice {
                ui.label(RichText::new(n).weak());
            }
        });
    }

    fn left_panel(&mut self, ui: &mut Ui) {
        let diag_label = self
            .doc
            .as_ref()
            .map(|d| format!("Diagnostics ({})", d.report.diagnostics.len()))
            .unwrap_or_else(|| "Diagnostics".into());
        ui.horizontal(|ui| {
            ui.selectable_value(&mut self.tab, LeftTab::Model, "Model");
            ui.selectable_value(&mut self.tab, LeftTab::Diagnostics, diag_label);
            ui.selectable_value(&mut self.tab, LeftTab::Search, "Search");
            ui.selectable_value(&mut self.tab, LeftTab::Axes, "Axes");
            ui.selectable_value(&mut self.tab, LeftTab::Run, "Run");
        });
        ui.separator();
        let mut actions = Vec::new();
        let repaint = self.repaint_fn();
        let Some(doc) = &mut self.doc else { return };
        match self.tab {
            LeftTab::Axes => {
                egui::ScrollArea::vertical()
                    .id_salt("axes-panel")
                    .show(ui, |ui| {
                        super::axes_panel::axes_panel(ui, doc, repaint, &mut actions)
                    });
            }
            LeftTab::Run => {
                egui::ScrollArea::vertical()
                    .id_salt("run-panel")
                    .show(ui, |ui| self.run.show(ui, doc, repaint, &mut actions));
            }
            LeftTab::Model => {
                egui::ScrollArea::vertical()
                    .id_salt("model-panel")
                    .show(ui, |ui| panels::model_panel(ui, doc, &mut actions));
            }
            LeftTab::Diagnostics => {
                if let Some(i) = panels::diagnostics_panel(ui, doc) {
                    let d = &doc.report.diagnostics[i];
                    match (d.graph_id, d.node_index) {
                        (Some(g), Some(n)) => actions.push(UiAction::FocusNode(g, n)),
                        (Some(g), None) => actions.push(UiAction::OpenGraph(g)),
                        _ => {}
                    }
                }
            }
            LeftTab::Search => {
                let edit = ui.add(
                    egui::TextEdit::singleline(&mut self.search)
                        .hint_text("node, op type or tensor name"),
                );
                if self.focus_search {
                    edit.request_focus();
                    self.focus_search = false;
                }
                let hits = panels::search(&doc.model, &self.search, 500);
                ui.label(format!("{} matches", hits.len()));
                egui::ScrollArea::vertical()
                    .id_salt("search-results")
                    .show(ui, |ui| {
                        for (g, n, label) in hits {
                            if ui.link(label).clicked() {
                                actions.push(UiAction::FocusNode(g, n));
                            }
                        }
                    });
            }
        }
        for a in actions {
            self.apply(a);
        }
    }

    fn right_panel(&mut self, ui: &mut Ui) {
        let mut actions = Vec::new();
        egui::ScrollArea::vertical()
            .id_salt("right-panel")
            .show(ui, |ui| {
                if let Some(t) = &self.tensor {
                    panels::tensor_panel(ui, t, &mut self.tensor_page, &mut actions);
                    if ui.button("close tensor").clicked() {
                        self.tensor = None;
                    }
                    ui.separator();
                } else if self.tensor_job.is_running() {
                    ui.spinner();
                }
                let Some(doc) = &self.doc else { return };
                match &doc.selection {
                    Selection::Node(g, n) => panels::node_panel(ui, doc, *g, *n, &mut actions),
                    Selection::Value(g, v) => panels::value_panel(ui, doc, *g, v, &mut actions),
                    Selection::None => {
                        ui.label(
                            RichText::new("Click a node or an edge to see its properties.").weak(),
                        );
                    }
                }
            });
        for a in actions {
            self.apply(a);
        }
    }

    fn central(&mut self, ui: &mut Ui) {
        let repaint = self.repaint_fn();
        let Some(doc) = &mut self.doc else {
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
        // Breadcrumb back to enclosing graphs.
        if doc.breadcrumb.len() > 1 {
            let crumbs = doc.breadcrumb.clone();
            let mut go = None;
            ui.horizontal(|ui| {
                for (k, g) in crumbs.iter().enumerate() {
                    let name = if *g == 0 {
                        "main graph".to_string()
                    } else {
                        doc.model.index.graphs[*g].path.clone()
                    };
                    if k + 1 < crumbs.len() {
                        if ui.link(name).clicked() {
                            go = Some(*g);
                        }
                        ui.label("▸");
                    } else {
                        ui.strong(name);
                    }
                }
            });
            if let Some(g) = go {
                doc.open_graph(g, repaint.clone());
            }
        }
        let g = doc.current;
        let Some(laid) = doc.graphs.get(&g) else {
            ui.centered_and_justified(|ui| ui.spinner());
            doc.ensure_layout(g, repaint);
            return;
        };
        let mut marks = Marks {
            selected: doc.selected_item(),
            ..Default::default()
        };
        if g == crate::model::MAIN_GRAPH {
            marks.shape_labels = doc.shapes.as_ref().map(|s| s.labels.clone());
            let heat = self.run.heat_by_node();
            if !heat.is_empty() {
                let body = doc.model.body(g);
                for (item, it) in laid.view.items.iter().enumerate() {
                    if let (ItemKind::Node(n), Some(b)) = (&it.kind, body) {
                        if let Some(h) = heat.get(crate::model::node_key(&b.nodes()[*n])) {
                            marks.heat.insert(item, *h);
                        }
                    }
                }
            }
        }
        for (item, it) in laid.view.items.iter().enumerate() {
            if let ItemKind::Node(n) = it.kind {
                if let Some(s) = doc.problems.get(&(g, n)) {
                    marks.problems.insert(item, *s);
                }
            }
        }
        if self.tab == LeftTab::Search && !self.search.is_empty() {
            let q = self.search.to_lowercase();
            let body = doc.model.body(g);
            for (item, it) in laid.view.items.iter().enumerate() {
                let hit = match it.kind {
                    ItemKind::Node(n) => body.and_then(|b| b.nodes().get(n)).is_some_and(|node| {
                        node.name.to_lowercase().contains(&q)
                            || node.op_type.to_lowercase().contains(&q)
                    }),
                    _ => it.title.to_lowercase().contains(&q),
                };
                if hit {
                    marks.highlighted.insert(item);
                }
            }
        }
        // An empty graph has no picture (and egui refuses empty textures).
        let o = &laid.overview;
        let overview = (o.width > 0 && o.height > 0).then(|| {
            &*self
                .overviews
                .entry((doc.generation, g))
                .or_insert_with(|| {
                    let image =
                        egui::ColorImage::from_rgba_unmultiplied([o.width, o.height], &o.rgba);
                    ui.ctx().load_texture(
                        format!("overview-{g}"),
                        image,
                        egui::TextureOptions::LINEAR,
                    )
                })
        });
        let view = doc.views.entry(g).or_default();
        self.canvas_rect = Some(ui.available_rect_before_wrap());
        let (actions, stats) = graph_view::show(ui, laid, view, &marks, overview);
        self.last_frame = stats;
        for a in actions {
            self.apply_view_action(g, a);
        }
    }

    fn apply_view_action(&mut self, g: GraphId, a: ViewAction) {
        let repaint = self.repaint_fn();
        let Some(doc) = &mut self.doc else { return };
        let Some(laid) = doc.graphs.get(&g) else {
            return;
        };
        match a {
            ViewAction::Select(None) => doc.selection = Selection::None,
            ViewAction::Select(Some(item)) => {
                doc.selection = match &laid.view.items[item].kind {
                    ItemKind::Node(n) => Selection::Node(g, *n),
                    ItemKind::Input(v) | ItemKind::Output(v) => Selection::Value(g, v.clone()),
                };
            }
            ViewAction::SelectEdge(e) => {
                doc.selection = Selection::Value(g, laid.view.edges[e].value.clone());
            }
            ViewAction::Open(item) => {
                if let ItemKind::Node(n) = laid.view.items[item].kind {
                    if let Some((sub, _)) = doc.subgraphs_of(g, n).first() {
                        doc.open_graph(*sub, repaint);
                    }
                }
            }
        }
    }

    /// The item index of a node in the current layout (for tests and scripted captures).
    pub fn item_screen_rect(&self, ctx_rect: egui::Rect, node_name: &str) -> Option<egui::Rect> {
        let doc = self.doc.as_ref()?;
        let laid = doc.graphs.get(&doc.current)?;
        let body = doc.model.body(doc.current)?;
        let n = body.nodes().iter().position(|n| n.name == node_name)?;
        let item = laid.view.item_of_node(n)?;
        let view = doc.views.get(&doc.current)?;
        let r = laid.layout.items[item];
        let min = ctx_rect.min + (egui::Vec2::new(r.x, r.y) - view.offset) * view.zoom;
        Some(egui::Rect::from_min_size(
            min,
            egui::Vec2::new(r.w, r.h) * view.zoom,
        ))
    }

    /// Waits (for tests and captures) until no job is running and the current scope is laid out.
    pub fn settled(&self) -> bool {
        !self.is_busy()
            && self
                .doc
                .as_ref()
                .is_none_or(|d| !d.layout_pending(d.current))
    }

    /// Where the graph canvas was last drawn.
    pub fn canvas_rect(&self) -> Option<egui::Rect> {
        self.canvas_rect
    }

    /// The pan/zoom of the scope on screen.
    pub fn view(&self) -> Option<graph_view::ViewState> {
        let doc = self.doc.as_ref()?;
        doc.views.get(&doc.current).copied()
    }

    pub fn model_arc(&self) -> Option<Arc<crate::model::Model>> {
        self.doc.as_ref().map(|d| d.model.clone())
    }
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
    }
}
