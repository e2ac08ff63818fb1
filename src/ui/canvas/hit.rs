//! What is under the pointer: the topmost item, else the nearest edge within a few pixels,
//! asking the layout's cull grid for candidates near the pointer only.

use egui::Pos2;

use super::camera::ViewState;
use crate::layout::{ItemId, LaidOutGraph};

/// How near an edge a click must be, in pixels.
const EDGE_TOLERANCE: f32 = 5.0;

/// The topmost of `visible_items` containing screen point `p`.
pub fn item_at(
    g: &LaidOutGraph,
    view: &ViewState,
    origin: Pos2,
    visible_items: &[ItemId],
    p: Pos2,
) -> Option<ItemId> {
    visible_items
        .iter()
        .rev()
        .copied()
        .find(|&i| view.rect_to_screen(origin, &g.layout.rect(i)).contains(p))
}

/// The edge whose route passes within a few pixels of screen point `p`.
pub fn edge_at(g: &LaidOutGraph, view: &ViewState, origin: Pos2, p: Pos2) -> Option<usize> {
    let world = view.offset + (p - origin) / view.zoom;
    let r = EDGE_TOLERANCE / view.zoom;
    let near = crate::layout::Rect {
        x: world.x - r,
        y: world.y - r,
        w: 2.0 * r,
        h: 2.0 * r,
    };
    g.cull.edges_in(&g.layout, &near).into_iter().find(|&e| {
        let pts: Vec<Pos2> = g.layout.edges[e]
            .iter()
            .map(|&q| view.to_screen(origin, q))
            .collect();
        pts.windows(2)
            .any(|w| distance_to_segment(p, w[0], w[1]) < EDGE_TOLERANCE)
    })
}

fn distance_to_segment(p: Pos2, a: Pos2, b: Pos2) -> f32 {
    let ab = b - a;
    let t = if ab.length_sq() == 0.0 {
        0.0
    } else {
        ((p - a).dot(ab) / ab.length_sq()).clamp(0.0, 1.0)
    };
    (a + ab * t - p).length()
}
