//! Model scope (+ shapes) → what to draw → where to draw it. Layout is a pure function of a
//! `LayoutRequest`, so the view re-runs it only when the request changes.

pub mod overview;
pub mod scene;
pub mod sugiyama;
pub mod svg;

pub use overview::Overview;
pub use scene::{category_rgb, Category, Item, ItemKind, Row, ViewEdge, ViewGraph};
pub use sugiyama::{compute, GraphLayout, Rect};

use crate::model::{GraphId, Model};

/// What a layout depends on. Equal requests give equal layouts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LayoutRequest {
    pub graph: GraphId,
    /// Identifies the model instance (load counter), so a reloaded file is laid out anew.
    pub model_generation: u64,
}

/// A scope's view graph and its layout, computed together on a worker thread.
#[derive(Debug, Clone, PartialEq)]
pub struct LaidOutGraph {
    pub request: LayoutRequest,
    pub view: ViewGraph,
    pub layout: GraphLayout,
    /// The whole graph as a small picture (minimap).
    pub overview: Overview,
}

/// Longer side of the overview picture, in pixels.
pub const OVERVIEW_SIDE: usize = 512;

pub fn lay_out(
    model: &Model,
    request: LayoutRequest,
    shape_of: &dyn Fn(&str) -> Option<String>,
) -> LaidOutGraph {
    let view = ViewGraph::build(model, request.graph, shape_of);
    let layout = compute(&view);
    let overview = Overview::rasterize(&view, &layout, OVERVIEW_SIDE);
    LaidOutGraph {
        request,
        view,
        layout,
        overview,
    }
}
