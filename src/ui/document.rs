//! An open model and everything derived from it for the window: the validator's report, the
//! summary, the laid-out scopes (each laid out once, on a worker, when first shown), view state
//! and the selection. Holds results; computes nothing on the UI thread.

use std::collections::HashMap;
use std::sync::Arc;

use crate::check::{check_model, Report, Severity};
use crate::jobs::{Job, Progress, Repaint};
use crate::layout::{lay_out, ItemKind, LaidOutGraph, LayoutRequest};
use crate::model::info::ModelInfo;
use crate::model::{load_bytes, load_path, GraphId, GraphOwner, Model, MAIN_GRAPH};
use crate::shapes::{analyse, axes_report, AxesReport, ValueShape};

use super::graph_view::ViewState;

/// What the load job hands over.
pub struct Loaded {
    pub model: Arc<Model>,
    pub report: Arc<Report>,
    pub info: ModelInfo,
    pub main: Option<LaidOutGraph>,
}

pub enum Source {
    Path(std::path::PathBuf),
    Bytes { name: String, bytes: Vec<u8> },
}

/// Load, validate and lay out the main graph: the work of the load job.
pub fn load(source: Source, generation: u64, p: &Progress) -> Result<Loaded, String> {
    p.set(0.05, "reading");
    let model = match source {
        Source::Path(path) => load_path(&path),
        Source::Bytes { name, bytes } => load_bytes(&name, &bytes, None),
    }
    .map_err(|e| e.to_string())?;
    if p.cancelled() {
        return Err("cancelled".into());
    }
    p.set(0.35, "validating");
    let report = check_model(&model);
    let info = ModelInfo::of(&model);
    if p.cancelled() {
        return Err("cancelled".into());
    }
    p.set(0.6, "laying out");
    let main = model.body(MAIN_GRAPH).map(|_| {
        lay_out(
            &model,
            LayoutRequest {
                graph: MAIN_GRAPH,
                model_generation: generation,
            },
            &|_| None,
        )
    });
    p.set(1.0, "done");
    Ok(Loaded {
        model: Arc::new(model),
        report: Arc::new(report),
        info,
        main,
    })
}

/// The shape analysis of the main graph and its dynamic-axes report, made on a worker after load.
pub struct ShapesResult {
    /// Value name → edge label (`1×seq×64`), for inferred shapes.
    pub labels: Arc<HashMap<String, String>>,
    pub values: HashMap<String, ValueShape>,
    pub known_rate: f64,
    pub error: Option<String>,
    pub axes: AxesReport,
}

impl ShapesResult {
    pub fn compute(model: &Model) -> ShapesResult {
        let a = analyse(model);
        let axes = axes_report(model, &a);
        // Graph inputs are declared by definition: their label is as good as an inferred one.
        let inputs = model
            .graph(MAIN_GRAPH)
            .map(|g| g.inputs.clone())
            .unwrap_or_default();
        let labels = a
            .values
            .iter()
            .filter(|v| v.dims.is_some())
            .filter(|v| {
                v.origin == crate::shapes::ShapeOrigin::Inferred || inputs.contains(&v.name)
            })
            .map(|v| (v.name.clone(), v.label()))
            .collect();
        ShapesResult {
            labels: Arc::new(labels),
            known_rate: a.known_rate(),
            error: a.error.clone(),
            values: a.values.into_iter().map(|v| (v.name.clone(), v)).collect(),
            axes,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    None,
    Node(GraphId, usize),
    /// A value (edge), by name.
    Value(GraphId, String),
}

pub struct Document {
    pub model: Arc<Model>,
    pub report: Arc<Report>,
    pub info: ModelInfo,
    pub generation: u64,
    pub graphs: HashMap<GraphId, LaidOutGraph>,
    layout_jobs: HashMap<GraphId, Job<LaidOutGraph>>,
    pub views: HashMap<GraphId, ViewState>,
    /// The scope on screen, and the path to it from the main graph.
    pub current: GraphId,
    pub breadcrumb: Vec<GraphId>,
    pub selection: Selection,
    /// A node to centre once its scope's layout exists.
    pub pending_center: Option<(GraphId, usize)>,
    /// Findings per (graph, node), worst first.
    pub problems: HashMap<(GraphId, usize), Severity>,
    shapes_job: Job<ShapesResult>,
    pub shapes: Option<ShapesResult>,
    /// Runs the model at two values per symbol to confirm the axes report.
    confirm_job: Job<AxesReport>,
}

impl Document {
    pub fn new(loaded: Loaded, generation: u64) -> Document {
        let mut problems: HashMap<(GraphId, usize), Severity> = HashMap::new();
        for d in &loaded.report.diagnostics {
            if let (Some(g), Some(n)) = (d.graph_id, d.node_index) {
                let e = problems.entry((g, n)).or_insert(d.severity);
                *e = (*e).min(d.severity);
            }
        }
        let mut graphs = HashMap::new();
        if let Some(main) = loaded.main {
            graphs.insert(MAIN_GRAPH, main);
        }
        let current = if graphs.contains_key(&MAIN_GRAPH) {
            MAIN_GRAPH
        } else {
            0
        };
        Document {
            model: loaded.model,
            report: loaded.report,
            info: loaded.info,
            generation,
            graphs,
            layout_jobs: HashMap::new(),
            views: HashMap::new(),
            current,
            breadcrumb: vec![current],
            selection: Selection::None,
            pending_center: None,
            problems,
            shapes_job: Job::default(),
            shapes: None,
            confirm_job: Job::default(),
        }
    }

    /// Starts shape inference (edges show declared shapes until it is done).
    pub fn start_shapes(&mut self, repaint: Repaint) {
        let model = self.model.clone();
        self.shapes_job = Job::spawn("shapes", repaint, move |p| {
            p.set(0.1, "inferring shapes");
            Ok(ShapesResult::compute(&model))
        });
    }

    pub fn shapes_running(&self) -> bool {
        self.shapes_job.is_running()
    }

    /// Starts the confirmation runs of the axes report.
    pub fn start_confirm(&mut self, repaint: Repaint) {
        let Some(shapes) = &self.shapes else { return };
        let (model, mut report) = (self.model.clone(), shapes.axes.clone());
        self.confirm_job = Job::spawn("confirm axes", repaint, move |p| {
            crate::run::confirm::confirm(&model, &mut report, p);
            Ok(report)
        });
    }

    pub fn confirm_job(&self) -> &Job<AxesReport> {
        &self.confirm_job
    }

    /// Moves finished shape results in; returns an error message if a job failed.
    pub fn poll_shapes(&mut self) -> Option<String> {
        let mut failed = None;
        match self.shapes_job.take() {
            Some(Ok(r)) => self.shapes = Some(r),
            Some(Err(e)) => failed = Some(format!("shape inference failed: {e}")),
            None => {}
        }
        match self.confirm_job.take() {
            Some(Ok(axes)) => {
                if let Some(s) = &mut self.shapes {
                    s.axes = axes;
                }
            }
            Some(Err(e)) => failed = Some(format!("confirmation runs failed: {e}")),
            None => {}
        }
        failed
    }

    /// A main-graph node by name (what tract and reports name), as its index.
    pub fn node_by_name(&self, name: &str) -> Option<usize> {
        let body = self.model.body(MAIN_GRAPH)?;
        body.nodes()
            .iter()
            .position(|n| crate::model::node_key(n) == name)
    }

    /// Starts laying out `g` if it has no layout yet.
    pub fn ensure_layout(&mut self, g: GraphId, repaint: Repaint) {
        if self.graphs.contains_key(&g) || self.layout_jobs.contains_key(&g) {
            return;
        }
        let model = self.model.clone();
        let request = LayoutRequest {
            graph: g,
            model_generation: self.generation,
        };
        let job = Job::spawn("layout", repaint, move |p| {
            p.set(0.1, "laying out");
            Ok(lay_out(&model, request, &|_| None))
        });
        self.layout_jobs.insert(g, job);
    }

    /// Moves finished layouts in; returns an error message if one failed.
    pub fn poll_layouts(&mut self) -> Option<String> {
        let mut failed = None;
        let done: Vec<GraphId> = self
            .layout_jobs
            .iter()
            .filter_map(|(&g, j)| (!j.is_running()).then_some(g))
            .collect();
        for g in done {
            if let Some(job) = self.layout_jobs.remove(&g) {
                match job.take() {
                    Some(Ok(l)) => {
                        self.graphs.insert(g, l);
                    }
                    Some(Err(e)) => failed = Some(format!("layout failed: {e}")),
                    None => {}
                }
            }
        }
        failed
    }

    pub fn layout_pending(&self, g: GraphId) -> bool {
        self.layout_jobs.contains_key(&g)
    }

    /// Shows scope `g`, keeping the breadcrumb a path from the main graph.
    pub fn open_graph(&mut self, g: GraphId, repaint: Repaint) {
        let mut path: Vec<GraphId> = self.model.index.ancestors(g);
        path.reverse();
        path.push(g);
        self.breadcrumb = path;
        self.current = g;
        self.ensure_layout(g, repaint);
    }

    /// Selects a node and centres it (now, or when its scope is laid out).
    pub fn focus_node(&mut self, g: GraphId, n: usize, repaint: Repaint) {
        if self.current != g {
            self.open_graph(g, repaint);
        }
        self.selection = Selection::Node(g, n);
        self.pending_center = Some((g, n));
    }

    /// Applies a pending centre once the layout is there.
    pub fn apply_pending_center(&mut self) {
        let Some((g, n)) = self.pending_center else {
            return;
        };
        let Some(l) = self.graphs.get(&g) else { return };
        if let Some(item) = l.view.item_of_node(n) {
            let c = l.layout.items[item].center();
            self.views.entry(g).or_default().center_on(c);
        }
        self.pending_center = None;
    }

    /// Subgraphs owned by node `n` of scope `g`: (graph id, attribute label).
    pub fn subgraphs_of(&self, g: GraphId, n: usize) -> Vec<(GraphId, String)> {
        self.model.index.graphs[g]
            .children
            .iter()
            .filter_map(|&c| match &self.model.index.graphs[c].owner {
                Some(GraphOwner::Attribute {
                    node, attr, slot, ..
                }) if *node == n => {
                    let a = self.model.body(g)?.nodes().get(n)?.attribute.get(*attr)?;
                    Some((
                        c,
                        match slot {
                            Some(s) => format!("{}[{s}]", a.name),
                            None => a.name.clone(),
                        },
                    ))
                }
                _ => None,
            })
            .collect()
    }

    /// The body of local function `f`.
    pub fn function_graph(&self, f: usize) -> Option<GraphId> {
        self.model
            .index
            .graphs
            .iter()
            .find(|g| g.owner == Some(GraphOwner::Function(f)))
            .map(|g| g.id)
    }

    /// Item of the current layout for the selection, if it is a node.
    pub fn selected_item(&self) -> Option<usize> {
        match &self.selection {
            Selection::Node(g, n) if *g == self.current => {
                self.graphs.get(g)?.view.item_of_node(*n)
            }
            _ => None,
        }
    }

    /// Scope-relative node index of an item, if it is a node.
    pub fn item_node(&self, g: GraphId, item: usize) -> Option<usize> {
        match self.graphs.get(&g)?.view.items.get(item)?.kind {
            ItemKind::Node(n) => Some(n),
            _ => None,
        }
    }
}
