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
        }
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
