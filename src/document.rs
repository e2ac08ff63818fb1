//! One opened model and everything derived from it, for the window but independent of egui:
//! the validator's report, the summary, each scope's layout (laid out once, on a worker, when
//! first shown) with its marks, shape inference and the axes report, search, the run, and the
//! selection. Work proportional to the model is done here, once per input that changes it, so
//! the window only paints.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use crate::check::{check_model, Report, Severity};
use crate::cost::ModelCost;
use crate::jobs::{Job, JobFailure, Progress, Repaint};
use crate::layout::{lay_out, ItemId, ItemKind, ItemMap, LaidOutGraph, LayoutRequest, ViewOptions};
use crate::model::info::ModelInfo;
use crate::model::tensor::{Tensor, TensorStats};
use crate::model::{
    display_label, load_bytes, load_path, GraphId, GraphOwner, LoadError, Model, NodeId, MAIN_GRAPH,
};
use crate::run::{self, Comparison, RunError, RunOutcome, RunRequest, Tolerance};
use crate::shapes::{analyse, axes_report, AxesReport, ShapeOrigin, ValueShape};
use crate::tract::TractFailure;

/// What the load job hands over.
pub struct Loaded {
    pub model: Arc<Model>,
    pub report: Arc<Report>,
    pub info: ModelInfo,
    pub main: Option<LaidOutGraph>,
}

pub enum Source {
    Path(PathBuf),
    Bytes { name: String, bytes: Vec<u8> },
}

impl Source {
    /// What the window calls the file while it loads.
    pub fn name(&self) -> String {
        match self {
            Source::Path(p) => p.display().to_string(),
            Source::Bytes { name, .. } => name.clone(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("cancelled")]
    Cancelled,
}

/// Load, validate and lay out the main graph: the work of the load job.
/// `view` are the window's view options; the namespaces the main graph opens with are added.
pub fn load(source: Source, view: ViewOptions, p: &Progress) -> Result<Loaded, OpenError> {
    p.set(0.05, "reading");
    let model = match source {
        Source::Path(path) => load_path(&path),
        Source::Bytes { name, bytes } => load_bytes(&name, &bytes, None),
    }?;
    if p.cancelled() {
        return Err(OpenError::Cancelled);
    }
    p.set(0.35, "validating");
    let report = check_model(&model);
    let info = ModelInfo::of(&model);
    if p.cancelled() {
        return Err(OpenError::Cancelled);
    }
    p.set(0.6, "laying out");
    let main = model.body(MAIN_GRAPH).map(|_| {
        let options = view.opening(&model, MAIN_GRAPH);
        lay_out(&model, LayoutRequest::with(MAIN_GRAPH, options))
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
    /// Value name → edge label (`1×seq×64`), for inferred shapes of the main graph.
    pub labels: Arc<HashMap<String, String>>,
    /// The same for each subgraph and local function (onnx-lens's engine).
    pub scope_labels: HashMap<GraphId, HashMap<String, String>>,
    pub values: HashMap<String, ValueShape>,
    pub known_rate: f64,
    pub error: Option<TractFailure>,
    pub axes: AxesReport,
    /// MACs/FLOPs/parameters/activations per node, symbolic (`cost`), from these shapes.
    pub cost: Arc<ModelCost>,
}

impl ShapesResult {
    pub fn compute(model: &Model) -> ShapesResult {
        let a = analyse(model);
        let axes = axes_report(model, &a);
        let cost = Arc::new(crate::cost::cost(model, &a, &Default::default()));
        // Graph inputs are declared by definition: their label is as good as an inferred one.
        let inputs: HashSet<&str> = model
            .graph(MAIN_GRAPH)
            .map(|g| g.inputs.iter().map(String::as_str).collect())
            .unwrap_or_default();
        let labels = a
            .values
            .iter()
            .filter(|v| v.dims.is_some())
            .filter(|v| v.origin == ShapeOrigin::Inferred || inputs.contains(v.name.as_str()))
            .map(|v| (v.name.clone(), v.label()))
            .collect();
        let mut scope_labels: HashMap<GraphId, HashMap<String, String>> = HashMap::new();
        for s in &a.scoped {
            if s.value.origin == ShapeOrigin::Inferred {
                scope_labels
                    .entry(s.graph_id)
                    .or_default()
                    .insert(s.value.name.clone(), s.value.label());
            }
        }
        ShapesResult {
            labels: Arc::new(labels),
            scope_labels,
            known_rate: a.known_rate(),
            error: a.error.clone(),
            values: a.values.into_iter().map(|v| (v.name.clone(), v)).collect(),
            axes,
            cost,
        }
    }
}

/// An initializer the tensor panel cannot show.
#[derive(Debug, Clone, thiserror::Error)]
pub enum InitializerError {
    #[error("`{0}` is not an initializer")]
    NotAnInitializer(String),
    #[error("`{name}`: {source}")]
    Undecodable {
        name: String,
        #[source]
        source: crate::model::TensorError,
    },
}

/// A tensor with its statistics and histogram, computed off the UI thread.
pub struct TensorSummary {
    pub graph: GraphId,
    pub name: String,
    pub tensor: Arc<Tensor>,
    pub stats: Option<TensorStats>,
    /// (bin centre, count)
    pub histogram: Vec<(f64, f64)>,
    /// The k largest values with their index, for a single row of scores.
    pub top5: Option<Vec<(usize, f64)>>,
    /// The first values, formatted.
    pub head: Vec<String>,
}

/// Histogram bins of the tensor panel.
const HISTOGRAM_BINS: usize = 48;
/// Values shown inline for a run output.
const HEAD_VALUES: usize = 8;

impl TensorSummary {
    /// An initializer of scope `graph`, decoded.
    pub fn of_initializer(
        model: &Model,
        graph: GraphId,
        name: &str,
    ) -> Result<TensorSummary, InitializerError> {
        // A folded Constant's row opens its value like an initializer's.
        let tensor = model
            .initializer(graph, name)
            .or_else(|| model.constant_value(graph, name))
            .ok_or_else(|| InitializerError::NotAnInitializer(name.to_string()))?
            .map_err(|source| InitializerError::Undecodable {
                name: name.to_string(),
                source,
            })?;
        Ok(TensorSummary::of(graph, Arc::new(tensor)))
    }

    pub fn of(graph: GraphId, tensor: Arc<Tensor>) -> TensorSummary {
        let stats = tensor.stats();
        let histogram = match stats {
            Some(s) if s.min.is_finite() && s.max.is_finite() && s.count > 0 => {
                let width = ((s.max - s.min) / HISTOGRAM_BINS as f64).max(f64::MIN_POSITIVE);
                let mut counts = vec![0f64; HISTOGRAM_BINS];
                for i in 0..tensor.values.len() {
                    if let Some(x) = tensor.values.get_f64(i).filter(|x| x.is_finite()) {
                        let b = (((x - s.min) / width) as usize).min(HISTOGRAM_BINS - 1);
                        counts[b] += 1.0;
                    }
                }
                counts
                    .into_iter()
                    .enumerate()
                    .map(|(b, c)| (s.min + (b as f64 + 0.5) * width, c))
                    .collect()
            }
            _ => vec![],
        };
        TensorSummary {
            graph,
            name: tensor.name.clone(),
            top5: run::top_k(&tensor, 5),
            head: (0..tensor.values.len().min(HEAD_VALUES))
                .map(|i| tensor.values.format(i))
                .collect(),
            stats,
            histogram,
            tensor,
        }
    }
}

/// A finished run as the window shows it: outputs summarised on the worker.
pub struct RunView {
    pub outcome: RunOutcome,
    pub outputs: Vec<TensorSummary>,
    pub comparison: Option<Comparison>,
    pub test_set: Option<String>,
    /// Share of the slowest node's time, by tract node name (the heat overlay).
    pub heat: HashMap<String, f32>,
    /// Intermediate values of the main graph kept from the run (up to the request's cap), by
    /// value name: what clicking an edge shows. Dropped with the result.
    pub values: HashMap<String, TensorSummary>,
}

/// What a run's outputs are compared with: a test data set (its inputs feed the model too), or
/// references saved per output (PyTorch's, as `.npy`/`.pb`), within `tol`.
#[derive(Debug, Clone, Default)]
pub struct Expected {
    pub test_set: Option<PathBuf>,
    pub references: Vec<(String, PathBuf)>,
    pub tol: Tolerance,
}

/// Runs the model as asked, with what to feed and compare its outputs with.
pub fn run_job(
    model: &Model,
    mut req: RunRequest,
    expected: Expected,
    p: &Progress,
) -> Result<RunView, RunError> {
    let set = expected
        .test_set
        .map(|d| run::load_test_data_set(&d))
        .transpose()?;
    let mut references = Vec::new();
    for (output, path) in &expected.references {
        let mut t = run::load_tensor_file(path)?;
        t.name = output.clone();
        references.push(t);
    }
    if let Some(set) = &set {
        run::feed_test_set(model, &mut req.inputs, set);
    }
    let mut outcome = run::run(model, &req, p)?;
    let values = std::mem::take(&mut outcome.captured)
        .into_iter()
        .map(|t| (t.name.clone(), TensorSummary::of(MAIN_GRAPH, Arc::new(t))))
        .collect();
    let mut comparison = set
        .as_ref()
        .map(|s| run::compare(&outcome.outputs, &s.expected, expected.tol));
    if !references.is_empty() {
        // Each referenced output against its file, by name.
        let actual: Vec<Tensor> = references
            .iter()
            .filter_map(|r| outcome.outputs.iter().find(|o| o.name == r.name).cloned())
            .collect();
        comparison = Some(run::compare(&actual, &references, expected.tol));
    }
    let compared_with = match (&set, references.is_empty()) {
        (Some(s), _) => s.dir.file_name().map(|n| n.to_string_lossy().into_owned()),
        (None, false) => Some("the reference outputs".to_string()),
        (None, true) => None,
    };
    let max = outcome.node_times.iter().map(|t| t.ms).fold(0.0, f64::max);
    let heat = if max > 0.0 {
        outcome
            .node_times
            .iter()
            .map(|t| (t.node.clone(), (t.ms / max) as f32))
            .collect()
    } else {
        HashMap::new()
    };
    Ok(RunView {
        outputs: outcome
            .outputs
            .iter()
            .map(|t| TensorSummary::of(MAIN_GRAPH, Arc::new(t.clone())))
            .collect(),
        outcome,
        comparison,
        test_set: compared_with,
        heat,
        values,
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    None,
    Node(GraphId, NodeId),
    /// A value (edge), by name.
    Value(GraphId, String),
}

/// One search hit: a node of some scope.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    pub graph: GraphId,
    pub node: NodeId,
    /// `name (Op) in scope` as listed.
    pub label: String,
}

/// Most hits listed.
pub const SEARCH_LIMIT: usize = 500;

/// A search over node names, op types and value names of every scope. The hits are found once
/// per query; the items they mark in a laid-out scope, once per (query, scope).
#[derive(Default)]
pub struct Search {
    query: String,
    needle: String,
    pub hits: Vec<SearchHit>,
    /// Hits beyond the listed ones are counted, not listed.
    pub total: usize,
    marked: HashMap<GraphId, ItemMap<()>>,
}

impl Search {
    pub fn query(&self) -> &str {
        &self.query
    }

    /// Sets the query; the hits are recomputed only when it changed.
    pub fn set_query(&mut self, model: &Model, query: &str) {
        if query == self.query {
            return;
        }
        self.query = query.to_string();
        self.needle = query.to_lowercase();
        self.marked.clear();
        self.hits.clear();
        self.total = 0;
        if self.needle.is_empty() {
            return;
        }
        for g in 0..model.index.graphs.len() {
            let Some(body) = model.body(g) else { continue };
            for (n, node) in body.nodes().iter().enumerate() {
                if !self.node_matches(node) {
                    continue;
                }
                self.total += 1;
                if self.hits.len() < SEARCH_LIMIT {
                    let place = &model.index.graphs[g].path;
                    let label = format!(
                        "{} ({}){}",
                        display_label(node, n),
                        node.op_type,
                        if place.is_empty() {
                            String::new()
                        } else {
                            format!(" in {place}")
                        }
                    );
                    self.hits.push(SearchHit {
                        graph: g,
                        node: NodeId(n),
                        label,
                    });
                }
            }
        }
    }

    /// The one matcher: a node by its name, op type or the values it reads and writes.
    fn node_matches(&self, node: &onnx_protobuf::NodeProto) -> bool {
        let q = self.needle.as_str();
        node.name.to_lowercase().contains(q)
            || node.op_type.to_lowercase().contains(q)
            || node
                .input
                .iter()
                .chain(&node.output)
                .any(|v| v.to_lowercase().contains(q))
    }

    /// Finds the items of a laid-out scope the query marks (nodes as above; graph inputs and
    /// outputs by their value name), once per query and scope.
    fn mark_items(&mut self, model: &Model, laid: &LaidOutGraph) {
        let g = laid.request.graph;
        if self.needle.is_empty() || self.marked.contains_key(&g) {
            return;
        }
        let nodes = model.body(g).map(|b| b.nodes()).unwrap_or(&[]);
        let pills = laid
            .view
            .items
            .iter()
            .enumerate()
            .filter(|(_, it)| match &it.kind {
                ItemKind::Input(v) | ItemKind::Output(v) => v.to_lowercase().contains(&self.needle),
                _ => false,
            })
            .map(|(i, _)| ItemId(i));
        // Each matching node marks the box it is drawn in: its own, its consumer's (a folded
        // Constant) or its collapsed namespace's.
        let boxes = nodes
            .iter()
            .enumerate()
            .filter(|(_, node)| self.node_matches(node))
            .filter_map(|(n, _)| laid.view.item_of_node(NodeId(n)));
        let hits = pills.chain(boxes).map(|i| (i, ()));
        let items = ItemMap::new(laid.view.items.len(), hits);
        self.marked.insert(g, items);
    }

    /// Items of scope `g` the query marks, once `Document::prepare_marks` found them.
    /// Forgets the marked items (the layouts they index changed).
    pub fn forget_marks(&mut self) {
        self.marked.clear();
    }

    pub fn marked(&self, g: GraphId) -> Option<&ItemMap<()>> {
        self.marked.get(&g)
    }
}

/// Colours the document hands the window, as premultiplied RGBA (the document never imports
/// egui).
pub mod tint {
    pub type Rgba = [u8; 4];
    /// Nodes rewritten for tract.
    pub const REWRITTEN: Rgba = [0, 120, 140, 130];
    /// The first node whose output holds NaN or an infinity.
    pub const NONFINITE: Rgba = [200, 0, 40, 170];
    /// Where a declared dynamic axis is lost, and the Constant whose traced value pins it.
    pub const LOST_AXIS: Rgba = [190, 90, 0, 150];
}

/// What the document tint of a scope was built from (rebuilt when it changes).
#[derive(Debug, Clone, PartialEq, Default)]
struct TintKey {
    rewrites_shown: bool,
    run_shown: bool,
    lost_axes: Vec<String>,
}

/// Each node item's MACs as a share of the heaviest node's in scope `g`, at `values`.
fn macs_heat(
    cost: &ModelCost,
    g: GraphId,
    laid: &LaidOutGraph,
    values: &BTreeMap<String, f64>,
) -> ItemMap<f32> {
    let at = |c: &crate::cost::NodeCost| c.macs.eval(&with_defaults(cost, values));
    let per_node: HashMap<usize, f64> = cost
        .nodes
        .iter()
        .filter(|c| c.graph == g)
        .map(|c| (c.index, at(c)))
        .collect();
    let max = per_node.values().copied().fold(0.0, f64::max);
    let items = &laid.view.items;
    let found = items
        .iter()
        .enumerate()
        .filter_map(|(i, it)| match it.kind {
            ItemKind::Node(n) if max > 0.0 => {
                per_node.get(&n.0).map(|m| (ItemId(i), (m / max) as f32))
            }
            _ => None,
        });
    ItemMap::new(items.len(), found)
}

/// The cost's symbol values (1 each) with the user's choices over them.
pub fn with_defaults(cost: &ModelCost, values: &BTreeMap<String, f64>) -> BTreeMap<String, f64> {
    let mut v = cost.symbols.clone();
    v.extend(values.iter().map(|(k, x)| (k.clone(), *x)));
    v
}

/// A laid-out scope and its per-item marks, built once when the layout arrives (heat once per
/// run result).
pub struct Scope {
    pub laid: LaidOutGraph,
    /// Worst finding per item.
    pub problems: ItemMap<Severity>,
    /// Run-time share per item, for the run shown (`None` until asked for).
    heat: Option<ItemMap<f32>>,
    /// Share of the heaviest node's MACs per item (`None` until asked for).
    macs_heat: Option<ItemMap<f32>>,
    /// The document tint (rewritten nodes when shown, the first non-finite node, lost axes)
    /// and what it was built from.
    rewritten: Option<(TintKey, ItemMap<tint::Rgba>)>,
}

impl Scope {
    fn new(laid: LaidOutGraph, node_problems: &HashMap<(GraphId, NodeId), Severity>) -> Scope {
        let g = laid.request.graph;
        let found = laid
            .view
            .items
            .iter()
            .enumerate()
            .filter_map(|(i, it)| match it.kind {
                ItemKind::Node(n) => node_problems.get(&(g, n)).map(|s| (ItemId(i), *s)),
                _ => None,
            });
        let problems = ItemMap::new(laid.view.items.len(), found);
        Scope {
            laid,
            problems,
            heat: None,
            macs_heat: None,
            rewritten: None,
        }
    }
}

/// The run of this document: the job, its last result or error.
#[derive(Default)]
pub struct RunState {
    job: Job<RunView, RunError>,
    pub result: Option<RunView>,
    pub error: Option<RunError>,
    /// Tint nodes by their share of the run time.
    pub heat_shown: bool,
    /// Mark the nodes the run rewrote for tract (`tract::lower`, inlined functions).
    pub rewrites_shown: bool,
}

impl RunState {
    pub fn job(&self) -> &Job<RunView, RunError> {
        &self.job
    }
}

pub struct Document {
    pub model: Arc<Model>,
    pub report: Arc<Report>,
    pub info: ModelInfo,
    /// Laid-out scopes, keyed by what their layout depends on.
    scopes: HashMap<LayoutRequest, Scope>,
    layout_jobs: HashMap<LayoutRequest, Job<LaidOutGraph>>,
    /// The scope on screen, and the path to it from the main graph.
    pub current: GraphId,
    pub breadcrumb: Vec<GraphId>,
    pub selection: Selection,
    /// A node to centre once its scope's layout exists (the window takes it).
    pub pending_center: Option<(GraphId, NodeId)>,
    /// Findings per (graph, node), worst first.
    node_problems: HashMap<(GraphId, NodeId), Severity>,
    shapes_job: Job<ShapesResult>,
    pub shapes: Option<ShapesResult>,
    /// Runs the model at two values per symbol to confirm the axes report.
    confirm_job: Job<AxesReport>,
    pub search: Search,
    pub run: RunState,
    /// Tint nodes by their MACs (the cost's heat), instead of the run's times.
    pub macs_heat_shown: bool,
    /// Symbol values the user chose for the cost figures (others count as 1).
    pub cost_values: BTreeMap<String, f64>,
    /// The View menu's toggles that change the boxes (part of every layout request).
    pub view_options: ViewOptions,
    /// A node whose subgraphs the window asks the user to choose from (an If's branches).
    pub subgraph_choice: Option<(GraphId, NodeId)>,
    namespaces: std::sync::Mutex<HashMap<GraphId, Arc<std::collections::BTreeMap<String, usize>>>>,
}

impl Document {
    pub fn new(loaded: Loaded) -> Document {
        let mut node_problems: HashMap<(GraphId, NodeId), Severity> = HashMap::new();
        for d in &loaded.report.diagnostics {
            if let Some((g, n)) = d.node_id() {
                let e = node_problems.entry((g, n)).or_insert(d.severity);
                *e = (*e).min(d.severity);
            }
        }
        let mut scopes = HashMap::new();
        let view_options = loaded
            .main
            .as_ref()
            .map(|m| m.request.options.clone())
            .unwrap_or_default();
        if let Some(main) = loaded.main {
            scopes.insert(main.request.clone(), Scope::new(main, &node_problems));
        }
        Document {
            model: loaded.model,
            report: loaded.report,
            info: loaded.info,
            scopes,
            layout_jobs: HashMap::new(),
            current: MAIN_GRAPH,
            breadcrumb: vec![MAIN_GRAPH],
            selection: Selection::None,
            pending_center: None,
            node_problems,
            shapes_job: Job::default(),
            shapes: None,
            confirm_job: Job::default(),
            search: Search::default(),
            run: RunState::default(),
            macs_heat_shown: false,
            cost_values: BTreeMap::new(),
            view_options,
            subgraph_choice: None,
            namespaces: Default::default(),
        }
    }

    /// What scope `g` is laid out from.
    fn request(&self, g: GraphId) -> LayoutRequest {
        LayoutRequest::with(g, self.view_options.clone())
    }

    pub fn set_fold_constants(&mut self, on: bool) {
        let mut options = self.view_options.clone();
        options.fold_constants = on;
        self.set_view_options(options);
    }

    pub fn set_box_content(&mut self, boxes: crate::layout::BoxContent) {
        let mut options = self.view_options.clone();
        options.boxes = boxes;
        self.set_view_options(options);
    }

    pub fn set_fold_shape_chains(&mut self, on: bool) {
        let mut options = self.view_options.clone();
        options.fold_shape_chains = on;
        self.set_view_options(options);
    }

    /// Namespaces of scope `g` holding two nodes or more, with their node counts (computed once
    /// per scope: the node panel asks every frame).
    pub fn namespaces(&self, g: GraphId) -> Arc<std::collections::BTreeMap<String, usize>> {
        let mut cache = self.namespaces.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .entry(g)
            .or_insert_with(|| {
                let nodes = self.model.body(g).map(|b| b.nodes()).unwrap_or(&[]);
                Arc::new(crate::layout::namespace::namespaces(nodes))
            })
            .clone()
    }

    /// Replaces the collapsed namespaces (the scopes are laid out again).
    pub fn set_collapsed(&mut self, collapsed: std::collections::BTreeSet<String>) {
        let mut options = self.view_options.clone();
        options.collapsed = Arc::new(collapsed);
        self.set_view_options(options);
    }

    pub fn expand_namespace(&mut self, g: GraphId, prefix: &str) {
        let all = self.namespaces(g);
        let next = crate::layout::namespace::expand(&self.view_options.collapsed, &all, prefix);
        self.set_collapsed(next);
    }

    pub fn collapse_namespace(&mut self, prefix: &str) {
        let next = crate::layout::namespace::collapse(&self.view_options.collapsed, prefix);
        self.set_collapsed(next);
        self.selection = Selection::None;
    }

    pub fn collapse_all_namespaces(&mut self) {
        let all = self.namespaces(self.current);
        self.set_collapsed(crate::layout::namespace::collapse_all(&all));
        self.selection = Selection::None;
    }

    /// Changes how scopes are drawn; each scope is laid out again when next shown.
    pub fn set_view_options(&mut self, options: ViewOptions) {
        // Layouts of other options are dropped: a 100k-node layout is hundreds of MB.
        self.scopes.retain(|r, _| r.options == options);
        self.layout_jobs.retain(|r, _| r.options == options);
        self.view_options = options;
        self.search.forget_marks();
    }

    /// The laid-out scope `g`, if its layout exists.
    pub fn scope(&self, g: GraphId) -> Option<&Scope> {
        self.scopes.get(&self.request(g))
    }

    pub fn laid_out(&self, g: GraphId) -> Option<&LaidOutGraph> {
        self.scope(g).map(|s| &s.laid)
    }

    /// Starts shape inference (edges show declared shapes until it is done).
    pub fn start_shapes(&mut self, repaint: Repaint) {
        let model = self.model.clone();
        self.shapes_job = Job::spawn("shapes", repaint, move |p| {
            p.set(0.1, "inferring shapes");
            Ok(ShapesResult::compute(&model))
        });
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

    /// Starts a run (replacing a running one).
    pub fn start_run(&mut self, req: RunRequest, expected: Expected, repaint: Repaint) {
        let model = self.model.clone();
        self.run.error = None;
        self.run.job = Job::spawn("run", repaint, move |p| run_job(&model, req, expected, p));
    }

    /// Is any of this document's jobs running, or done with a result `poll` has not taken?
    pub fn busy(&self) -> bool {
        self.shapes_job.is_pending()
            || self.confirm_job.is_pending()
            || self.run.job.is_pending()
            || !self.layout_jobs.is_empty()
    }

    /// Moves finished results in; returns a message for each job that failed.
    pub fn poll(&mut self) -> Vec<String> {
        let mut failed = Vec::new();
        match self.shapes_job.take() {
            Some(Ok(r)) => self.shapes = Some(r),
            Some(Err(e)) => failed.push(format!("shape inference failed: {e}")),
            None => {}
        }
        match self.confirm_job.take() {
            Some(Ok(axes)) => {
                if let Some(s) = &mut self.shapes {
                    s.axes = axes;
                }
            }
            Some(Err(e)) => failed.push(format!("confirmation runs failed: {e}")),
            None => {}
        }
        match self.run.job.take() {
            Some(Ok(v)) => {
                self.run.result = Some(v);
                self.run.heat_shown = true;
                self.macs_heat_shown = false;
                for s in self.scopes.values_mut() {
                    s.heat = None;
                    s.rewritten = None;
                }
            }
            Some(Err(JobFailure::Work(e))) => self.run.error = Some(e),
            Some(Err(other)) => self.run.error = Some(RunError::Job(other.to_string())),
            None => {}
        }
        let done: Vec<LayoutRequest> = self
            .layout_jobs
            .iter()
            .filter(|(_, j)| !j.is_running())
            .map(|(r, _)| r.clone())
            .collect();
        for r in done {
            if let Some(job) = self.layout_jobs.remove(&r) {
                match job.take() {
                    Some(Ok(l)) => {
                        let scope = Scope::new(l, &self.node_problems);
                        self.scopes.insert(r, scope);
                    }
                    Some(Err(e)) => failed.push(format!("layout failed: {e}")),
                    None => {}
                }
            }
        }
        failed
    }

    /// Builds what is missing of scope `g`'s marks: the run heat per item (once per run
    /// result) and the search hits per item (once per query). Cheap when nothing changed.
    pub fn prepare_marks(&mut self, g: GraphId) {
        let request = self.request(g);
        let Some(scope) = self.scopes.get_mut(&request) else {
            return;
        };
        self.search.mark_items(&self.model, &scope.laid);
        if self.macs_heat_shown && scope.macs_heat.is_none() {
            if let Some(cost) = self.shapes.as_ref().map(|s| &s.cost) {
                scope.macs_heat = Some(macs_heat(cost, g, &scope.laid, &self.cost_values));
            }
        }
        // The lost axes' nodes and pinning Constants (after confirmation runs when they ran).
        let lost_axes: Vec<String> = self
            .shapes
            .as_ref()
            .map(|s| {
                s.axes
                    .axes
                    .iter()
                    .filter(|e| e.status == crate::shapes::AxisStatus::Lost)
                    .flat_map(|e| e.lost_at_node.iter().chain(&e.pinned_by).cloned())
                    .collect()
            })
            .unwrap_or_default();
        let key = TintKey {
            rewrites_shown: self.run.rewrites_shown,
            run_shown: self.run.result.is_some(),
            lost_axes,
        };
        if g == MAIN_GRAPH && scope.rewritten.as_ref().map(|r| &r.0) != Some(&key) {
            if let Some(body) = self.model.body(g) {
                let outcome = self.run.result.as_ref().map(|r| &r.outcome);
                let names: HashSet<&str> = outcome
                    .iter()
                    .flat_map(|o| &o.rewrites)
                    .filter(|_| key.rewrites_shown)
                    .map(|r| r.node.as_str())
                    .collect();
                let nonfinite = outcome
                    .and_then(|o| o.first_nonfinite.as_ref())
                    .map(|n| n.node.as_str());
                let items = &scope.laid.view.items;
                let marked = items
                    .iter()
                    .enumerate()
                    .filter_map(|(i, it)| match it.kind {
                        ItemKind::Node(n) => {
                            let node = body.nodes().get(n.0)?;
                            let name = crate::model::tract_name(node);
                            if nonfinite == Some(name) {
                                Some((ItemId(i), tint::NONFINITE))
                            } else if names.contains(name) {
                                Some((ItemId(i), tint::REWRITTEN))
                            } else {
                                key.lost_axes
                                    .contains(&node.name)
                                    .then_some((ItemId(i), tint::LOST_AXIS))
                            }
                        }
                        _ => None,
                    });
                let map = ItemMap::new(items.len(), marked);
                scope.rewritten = Some((key, map));
            }
        }
        if g != MAIN_GRAPH || scope.heat.is_some() {
            return;
        }
        let Some(result) = self.run.result.as_ref() else {
            return;
        };
        let body = self.model.body(g);
        let items = &scope.laid.view.items;
        let heat = items
            .iter()
            .enumerate()
            .filter_map(|(i, it)| match (&it.kind, body) {
                (ItemKind::Node(n), Some(b)) => {
                    let name = crate::model::tract_name(b.nodes().get(n.0)?);
                    result.heat.get(name).map(|h| (ItemId(i), *h))
                }
                _ => None,
            });
        scope.heat = Some(ItemMap::new(items.len(), heat));
    }

    /// Inferred edge labels of scope `g`, once shape inference is done.
    pub fn shape_labels(&self, g: GraphId) -> Option<&HashMap<String, String>> {
        let s = self.shapes.as_ref()?;
        if g == MAIN_GRAPH {
            Some(s.labels.as_ref())
        } else {
            s.scope_labels.get(&g)
        }
    }

    /// Run-time share per item of scope `g` for the run shown, when heat is on (main graph
    /// only: tract runs the main graph), once `prepare_marks` built it.
    pub fn heat(&self, g: GraphId) -> Option<&ItemMap<f32>> {
        if self.macs_heat_shown {
            return self.scope(g)?.macs_heat.as_ref();
        }
        if !self.run.heat_shown {
            return None;
        }
        self.scope(g)?.heat.as_ref().filter(|h| !h.is_empty())
    }

    /// The document's marks on scope `g` (main graph): the nodes the last run rewrote for tract
    /// when marking them is on, the first node whose output holds NaN or an infinity, and where
    /// a declared dynamic axis is lost with the Constant that pins it.
    pub fn rewritten(&self, g: GraphId) -> Option<&ItemMap<tint::Rgba>> {
        self.scope(g)?.rewritten.as_ref().map(|r| &r.1)
    }

    /// Tints the graph by MACs (turning the run heat off), or not.
    pub fn show_macs_heat(&mut self, on: bool) {
        self.macs_heat_shown = on;
        if on {
            self.run.heat_shown = false;
        }
    }

    /// Sets the value a symbol takes in the cost figures (the MACs heat follows).
    pub fn set_cost_value(&mut self, symbol: String, value: f64) {
        self.cost_values.insert(symbol, value);
        for scope in self.scopes.values_mut() {
            scope.macs_heat = None;
        }
    }

    /// A main-graph node by its tract name (what runs and reports name).
    pub fn node_by_name(&self, name: &str) -> Option<NodeId> {
        self.model.node_by_tract_name(MAIN_GRAPH, name)
    }

    /// Starts laying out `g` if it has no layout yet.
    pub fn ensure_layout(&mut self, g: GraphId, repaint: Repaint) {
        let request = self.request(g);
        if self.scopes.contains_key(&request) || self.layout_jobs.contains_key(&request) {
            return;
        }
        let model = self.model.clone();
        let job_request = request.clone();
        let job = Job::spawn("layout", repaint, move |p| {
            p.set(0.1, "laying out");
            Ok(lay_out(&model, job_request))
        });
        self.layout_jobs.insert(request, job);
    }

    pub fn layout_pending(&self, g: GraphId) -> bool {
        self.layout_jobs.contains_key(&self.request(g))
    }

    /// Shows scope `g`, keeping the breadcrumb a path from the main graph.
    pub fn open_graph(&mut self, g: GraphId, repaint: Repaint) {
        let mut path: Vec<GraphId> = self.model.index.ancestors(g);
        path.reverse();
        path.push(g);
        self.breadcrumb = path;
        self.current = g;
        self.subgraph_choice = None;
        self.ensure_layout(g, repaint);
    }

    /// Selects a node and centres it (now, or when its scope is laid out).
    pub fn focus_node(&mut self, g: GraphId, n: NodeId, repaint: Repaint) {
        if self.current != g {
            self.open_graph(g, repaint);
        }
        self.selection = Selection::Node(g, n);
        self.pending_center = Some((g, n));
    }

    /// The world point to centre for a pending focus, once its scope is laid out (taken).
    pub fn take_pending_center(&mut self) -> Option<(GraphId, (f32, f32))> {
        let (g, n) = self.pending_center?;
        let l = self.laid_out(g)?;
        let at = l
            .view
            .item_of_node(n)
            .map(|item| l.layout.rect(item).center());
        self.pending_center = None;
        at.map(|c| (g, c))
    }

    /// Subgraphs owned by node `n` of scope `g`: (graph id, attribute label).
    pub fn subgraphs_of(&self, g: GraphId, n: NodeId) -> Vec<(GraphId, String)> {
        self.model.index.graphs[g]
            .children
            .iter()
            .filter_map(|&c| match &self.model.index.graphs[c].owner {
                Some(GraphOwner::Attribute {
                    node, attr, slot, ..
                }) if *node == n.0 => {
                    let a = self.model.body(g)?.nodes().get(n.0)?.attribute.get(*attr)?;
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
    pub fn selected_item(&self) -> Option<ItemId> {
        match &self.selection {
            Selection::Node(g, n) if *g == self.current => self.laid_out(*g)?.view.item_of_node(*n),
            _ => None,
        }
    }

    /// What selecting item `item` of scope `g` selects.
    pub fn select_item(&mut self, g: GraphId, item: Option<ItemId>) {
        let kind = item.and_then(|i| Some(self.laid_out(g)?.view.item(i)?.kind.clone()));
        self.selection = match kind {
            None => Selection::None,
            Some(ItemKind::Node(n)) => Selection::Node(g, n),
            Some(ItemKind::Input(v) | ItemKind::Output(v)) => Selection::Value(g, v),
            Some(ItemKind::Group(_) | ItemKind::ShapeComputation(_)) => Selection::None,
        };
    }

    /// Selects the value an edge of scope `g` carries.
    pub fn select_edge(&mut self, g: GraphId, edge: usize) {
        if let Some(e) = self.laid_out(g).and_then(|l| l.view.edges.get(edge)) {
            self.selection = Selection::Value(g, e.value.clone());
        }
    }

    /// Opens the (first) subgraph of the node behind item `item`.
    pub fn open_item(&mut self, g: GraphId, item: ItemId, repaint: Repaint) {
        let node = self
            .laid_out(g)
            .and_then(|l| l.view.item(item))
            .and_then(|it| match it.kind {
                ItemKind::Node(n) => Some(n),
                _ => None,
            });
        let Some(n) = node else { return };
        match self.openable_of(g, n).as_slice() {
            [] => {}
            [(sub, _)] => self.open_graph(*sub, repaint),
            // An If has two branches, a node may hold several bodies: the window asks which.
            _ => self.subgraph_choice = Some((g, n)),
        }
    }

    /// What double-clicking a node can open: its subgraphs (If branches in then/else order),
    /// and the body of the local function it calls.
    pub fn openable_of(&self, g: GraphId, n: NodeId) -> Vec<(GraphId, String)> {
        let mut subs = self.subgraphs_of(g, n);
        subs.sort_by_key(|(_, name)| match name.as_str() {
            "then_branch" => 0,
            "else_branch" => 1,
            _ => 2,
        });
        let function = self
            .model
            .body(g)
            .and_then(|b| b.nodes().get(n.0))
            .and_then(|node| self.model.index.function_called_by(node))
            .and_then(|f| self.function_graph(f));
        if let Some(fg) = function {
            subs.push((fg, "function body".into()));
        }
        subs
    }
}
