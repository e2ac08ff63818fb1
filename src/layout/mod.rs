//! Model scope → what to draw → where to draw it. Layout is a pure function of a
//! `LayoutRequest`, which is the key laid-out scopes are cached under (`document::Document`):
//! what a layout depends on goes into the request, so a changed request is a new layout.

mod categories;
pub mod cull;
pub mod namespace;
pub mod neighbourhood;
pub mod overview;
pub mod scene;
pub mod shape_chains;
pub mod sugiyama;
pub mod svg;

pub use cull::CullGrid;
pub use overview::Overview;
pub use scene::{
    categorised_ops, category, category_rgb, Category, Item, ItemId, ItemKind, ItemMap, Row,
    ViewEdge, ViewGraph,
};
pub use sugiyama::{compute, GraphLayout, Rect};

use crate::model::{GraphId, Model};

/// What a layout of one model depends on. Equal requests give equal layouts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LayoutRequest {
    pub graph: GraphId,
    pub options: ViewOptions,
}

/// How the graph is drawn: the View menu's toggles that change what boxes exist.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ViewOptions {
    /// A Constant whose value feeds exactly one node is a row of that node's box (as Netron does),
    /// not a box of its own.
    pub fold_constants: bool,
    /// What boxes show besides their op (Netron's View toggles).
    pub boxes: BoxContent,
    /// Each shape computation (`Shape → Gather → Unsqueeze → Concat`) drawn as one box.
    pub fold_shape_chains: bool,
    /// Namespaces drawn as one box each (`namespace.rs`); the outermost collapsed one wins.
    pub collapsed: std::sync::Arc<std::collections::BTreeSet<String>>,
}

impl Default for ViewOptions {
    fn default() -> ViewOptions {
        ViewOptions {
            fold_constants: true,
            boxes: BoxContent::default(),
            fold_shape_chains: false,
            collapsed: Default::default(),
        }
    }
}

/// Netron's Show Initializers / Show Attributes / Show Names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BoxContent {
    /// Initializer and folded-constant rows (`W<64×3×3×3>`, `min = 0`).
    pub initializers: bool,
    /// A row per attribute (`kernel_shape = [3, 3]`).
    pub attributes: bool,
    /// The node's name as the title instead of its op.
    pub names: bool,
}

impl Default for BoxContent {
    fn default() -> BoxContent {
        BoxContent {
            initializers: true,
            attributes: false,
            names: false,
        }
    }
}

impl ViewOptions {
    /// These options with the namespaces a scope opens with: all collapsed on a big graph
    /// (its top-level blocks show), none on a small one.
    pub fn opening(mut self, model: &Model, g: GraphId) -> ViewOptions {
        let nodes = model.body(g).map(|b| b.nodes()).unwrap_or(&[]);
        self.collapsed = if nodes.len() > namespace::COLLAPSE_ABOVE_NODES {
            std::sync::Arc::new(namespace::collapse_all(&namespace::namespaces(nodes)))
        } else {
            Default::default()
        };
        self
    }
}

impl LayoutRequest {
    /// Scope `graph` with the default view options.
    pub fn of(graph: GraphId) -> LayoutRequest {
        LayoutRequest::with(graph, ViewOptions::default())
    }

    pub fn with(graph: GraphId, options: ViewOptions) -> LayoutRequest {
        LayoutRequest { graph, options }
    }
}

/// A scope's view graph and its layout, computed together on a worker thread.
#[derive(Debug, Clone, PartialEq)]
pub struct LaidOutGraph {
    pub request: LayoutRequest,
    pub view: ViewGraph,
    pub layout: GraphLayout,
    /// The whole graph as a small picture (minimap).
    pub overview: Overview,
    /// What is where, for culling and hit-testing in time proportional to the view.
    pub cull: CullGrid,
}

/// Longer side of the overview picture, in pixels.
pub const OVERVIEW_SIDE: usize = 512;

pub fn lay_out(model: &Model, request: LayoutRequest) -> LaidOutGraph {
    let view = ViewGraph::build(model, request.graph, &request.options);
    let layout = compute(&view);
    let overview = Overview::rasterize(&view, &layout, OVERVIEW_SIDE);
    let cull = CullGrid::build(&layout);
    LaidOutGraph {
        request,
        view,
        layout,
        overview,
        cull,
    }
}
