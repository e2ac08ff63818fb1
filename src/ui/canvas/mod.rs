//! The graph canvas: paints a laid-out scope, only what is on screen (the layout's cull grid
//! answers what that is), with less detail when zoomed out. Pan by dragging or scrolling, zoom
//! with Ctrl+wheel or pinch. Painting never computes layout or marks: it reads them.

pub mod camera;
pub mod draw;
pub mod hit;
pub mod legend;
pub mod lod;
pub mod minimap;

use std::collections::HashMap;

use egui::epaint::{CubicBezierShape, PathStroke};
use egui::{Color32, FontId, Pos2, Sense, Shape, Stroke, Ui, Vec2};

pub use camera::ViewState;
pub use lod::LevelOfDetail;

use super::commands::Command;
use super::style;
use crate::check::Severity;
use crate::layout::{ItemId, ItemKind, ItemMap, LaidOutGraph};

/// Above this many visible items, nodes are not registered as individual (accessible) widgets.
const MAX_WIDGET_ITEMS: usize = 400;

/// Per-item decorations, borrowed from what the document computed once.
#[derive(Default, Clone, Copy)]
pub struct Marks<'a> {
    pub selected: Option<ItemId>,
    /// Search hits.
    pub highlighted: Option<&'a ItemMap<()>>,
    pub problems: Option<&'a ItemMap<Severity>>,
    /// Heat per item in [0, 1] (per-node timing), drawn as a tint.
    pub heat: Option<&'a ItemMap<f32>>,
    /// A colour per item (the compare view's changed/added/removed/fused), drawn as a tint.
    pub tint: Option<&'a ItemMap<Color32>>,
    /// A colour per item from the document (the nodes a run rewrote), premultiplied RGBA.
    pub document_tint: Option<&'a ItemMap<crate::document::tint::Rgba>>,
    /// Inferred shape labels by value name; edges without one keep their declared label, greyed.
    pub shape_labels: Option<&'a HashMap<String, String>>,
    /// The selected value: its edges are drawn in the selection colour, their ends outlined.
    pub selected_value: Option<&'a str>,
    /// Producer and consumers of the selected value (filled in while edges are painted).
    pub value_ends: &'a [ItemId],
}

impl Marks<'_> {
    pub fn is_highlighted(&self, i: ItemId) -> bool {
        self.highlighted.is_some_and(|h| h.contains(i))
    }

    /// An end of the selected value's edges.
    pub fn is_value_end(&self, i: ItemId) -> bool {
        self.value_ends.contains(&i)
    }

    /// Selected, highlighted or with a problem: drawn in full even when far out.
    pub fn is_marked(&self, i: ItemId) -> bool {
        self.selected == Some(i)
            || self.is_value_end(i)
            || self.is_highlighted(i)
            || self.problems.is_some_and(|p| p.contains(i))
    }
}

/// What one frame drew (for benchmarks and tests).
#[derive(Debug, Default, Clone)]
pub struct FrameStats {
    pub items_drawn: usize,
    pub edges_drawn: usize,
    /// Each shape label drawn: its screen rectangle and its edge.
    pub edge_labels: Vec<(egui::Rect, usize)>,
}

pub fn show(
    ui: &mut Ui,
    g: &LaidOutGraph,
    view: &mut ViewState,
    marks: &Marks<'_>,
    overview: Option<&egui::TextureHandle>,
) -> (Vec<Command>, FrameStats) {
    let scope = g.request.graph;
    let (rect, response) = ui.allocate_exact_size(ui.available_size(), Sense::click_and_drag());
    view.canvas = rect.size();
    if !view.initialized {
        let top = g.layout.top_item().map(|i| g.layout.rect(i));
        view.initial(g.layout.bounds, top);
    }
    let mut commands = Vec::new();

    if response.dragged() {
        view.offset -= response.drag_delta() / view.zoom;
    }
    if response.hovered() {
        let (scroll, zoom_delta, pointer) =
            ui.input(|i| (i.smooth_scroll_delta, i.zoom_delta(), i.pointer.hover_pos()));
        let anchor = pointer.map(|p| p - rect.min).unwrap_or(rect.size() / 2.0);
        if zoom_delta != 1.0 {
            view.zoom_by(zoom_delta, anchor);
        } else if scroll != Vec2::ZERO {
            view.offset -= scroll / view.zoom;
        }
    }

    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 0.0, style::palette().canvas);
    let origin = rect.min;
    let z = view.zoom;
    let lod = LevelOfDetail::of(z);
    let visible = view.visible(rect.size());
    let mut stats = FrameStats::default();

    // Edges under nodes.
    let plain_stroke = Stroke::new((1.0 * z).clamp(0.5, 1.5), style::palette().edge);
    let selected_stroke = Stroke::new((2.5 * z).clamp(1.5, 3.5), style::SELECTED);
    let mut label_shapes = Vec::new();
    let mut far_edges = egui::Mesh::default();
    let mut value_ends = Vec::new();
    for e in g.cull.edges_in(&g.layout, &visible) {
        let route = &g.layout.edges[e];
        let is_selected = marks.selected_value == Some(g.view.edges[e].value.as_str());
        if is_selected {
            value_ends.extend([ItemId(g.view.edges[e].from), ItemId(g.view.edges[e].to)]);
        }
        let (edge_stroke, head_colour) = if is_selected {
            (selected_stroke, style::SELECTED)
        } else {
            (plain_stroke, style::palette().edge)
        };
        let bounds = &g.layout.edge_bounds[e];
        stats.edges_drawn += 1;
        if lod == LevelOfDetail::Far {
            // An edge shorter than a pixel or two hides under its boxes.
            if bounds.w.max(bounds.h) * z < 2.0 {
                continue;
            }
            let (width, colour) = if is_selected {
                (2.5, style::SELECTED)
            } else {
                (1.0, style::palette().edge_far)
            };
            for w in route.windows(2) {
                let (a, b) = (view.to_screen(origin, w[0]), view.to_screen(origin, w[1]));
                draw::push_segment(&mut far_edges, a, b, width, colour);
            }
            continue;
        }
        let pts: Vec<Pos2> = route.iter().map(|&p| view.to_screen(origin, p)).collect();
        if lod.curved_edges() {
            for w in pts.windows(2) {
                let (a, b) = (w[0], w[1]);
                let dy = ((b.y - a.y) / 2.0).max(4.0 * z);
                painter.add(CubicBezierShape::from_points_stroke(
                    [a, Pos2::new(a.x, a.y + dy), Pos2::new(b.x, b.y - dy), b],
                    false,
                    Color32::TRANSPARENT,
                    PathStroke::from(edge_stroke),
                ));
            }
            let end = *pts.last().unwrap();
            let s = (3.5 * z).max(2.0);
            painter.add(Shape::convex_polygon(
                vec![
                    end,
                    Pos2::new(end.x - s, end.y - 2.0 * s),
                    Pos2::new(end.x + s, end.y - 2.0 * s),
                ],
                head_colour,
                Stroke::NONE,
            ));
        } else {
            painter.add(Shape::line(pts.clone(), edge_stroke));
        }
        if lod.edge_labels() && pts.len() >= 2 {
            let edge = &g.view.edges[e];
            let (text, colour) = match marks.shape_labels {
                Some(m) => match m.get(&edge.value) {
                    Some(l) => (l.clone(), style::palette().edge_label),
                    None => (edge.label.clone(), style::palette().edge_label_declared),
                },
                None => (edge.label.clone(), style::palette().edge_label),
            };
            let colour = if is_selected { style::SELECTED } else { colour };
            label_shapes.push((e, text, colour));
        }
    }
    if !far_edges.is_empty() {
        painter.add(far_edges);
    }
    // Labels after all edges, each where it overlaps no box and no label drawn before it (the
    // middle of its route first, then its other segments); one that fits nowhere is left out.
    let visible_items = g.cull.items_in(&g.layout, &visible);
    let boxes: Vec<egui::Rect> = if label_shapes.is_empty() {
        Vec::new()
    } else {
        visible_items
            .iter()
            .map(|&i| view.rect_to_screen(origin, &g.layout.rect(i)))
            .collect()
    };
    let mut label_rects: Vec<(egui::Rect, usize)> = Vec::new();
    for (e, text, colour) in label_shapes {
        let galley = painter.layout_no_wrap(text, FontId::proportional(10.0 * z), colour);
        let route = &g.layout.edges[e];
        let spot = draw::label_anchors(route).into_iter().find_map(|(x, y)| {
            let at = view.to_screen(origin, (x, y)) + Vec2::new(4.0 * z, 0.0);
            let r = egui::Rect::from_min_size(
                at - Vec2::new(0.0, galley.size().y / 2.0),
                galley.size(),
            );
            let free = !label_rects.iter().any(|(o, _)| o.intersects(r))
                && !boxes.iter().any(|b| b.intersects(r));
            free.then_some(r)
        });
        if let Some(r) = spot {
            painter.galley(r.min, galley, colour);
            label_rects.push((r, e));
        }
    }
    let mut marks = *marks;
    marks.value_ends = &value_ends;
    let marks = &marks;

    // Nodes.
    let pointer = ui.input(|i| i.pointer.interact_pos());
    stats.items_drawn = visible_items.len();
    let widgets = visible_items.len() <= MAX_WIDGET_ITEMS;
    let far = lod == LevelOfDetail::Far;
    if far {
        draw::draw_far_blocks(&painter, g, view, origin, rect, &visible_items, marks);
    }
    for &i in &visible_items {
        let item = &g.view.items[i.0];
        let r = view.rect_to_screen(origin, &g.layout.rect(i));
        // Far out, only the selected item is a box of its own; the rest are blocks.
        if far && marks.selected != Some(i) {
            continue;
        }
        draw::draw_item(&painter, item, r, z, marks, i);
        if widgets {
            let resp = ui.interact(r, ui.id().with(("graph-item", scope, i)), Sense::click());
            let label = match &item.kind {
                ItemKind::Node(_) => item.title.clone(),
                ItemKind::Input(n) => format!("input {n}"),
                ItemKind::Output(n) => format!("output {n}"),
                ItemKind::Group(p) => format!("namespace {p}"),
                ItemKind::ShapeComputation(k) => format!("shape computation {k}"),
            };
            resp.widget_info(|| egui::WidgetInfo::labeled(egui::WidgetType::Button, true, &label));
            if resp.clicked() || resp.double_clicked() {
                commands.push(item_click(item, scope, i, resp.double_clicked()));
            }
        }
    }
    if response.clicked() || response.double_clicked() {
        // Hit-test by hand: with many items on screen they are not separate widgets.
        let hit = pointer.and_then(|p| hit::item_at(g, view, origin, &visible_items, p));
        // A shape label is part of its edge: clicking it selects the value.
        let label_hit = pointer.and_then(|p| {
            label_rects
                .iter()
                .rev()
                .find(|(r, _)| r.expand(2.0).contains(p))
                .map(|&(_, e)| e)
        });
        let edge_hit = match hit {
            None => label_hit.or_else(|| pointer.and_then(|p| hit::edge_at(g, view, origin, p))),
            Some(_) => None,
        };
        commands.push(match (hit, edge_hit) {
            (Some(i), _) => item_click(&g.view.items[i.0], scope, i, response.double_clicked()),
            (None, Some(e)) => Command::SelectEdge(scope, e),
            (None, None) => Command::SelectItem(scope, None),
        });
    }
    if let Some(tex) = overview {
        minimap::minimap(ui, rect, g, view, tex);
    }
    stats.edge_labels = label_rects;
    (commands, stats)
}

/// What a click on item `i` does, whether it is a widget or hit-tested by hand: a collapsed
/// namespace opens, a double-click opens a subgraph, anything else is selected.
fn item_click(
    item: &crate::layout::Item,
    scope: crate::model::GraphId,
    i: ItemId,
    double: bool,
) -> Command {
    match &item.kind {
        ItemKind::Group(prefix) => Command::ExpandNamespace(scope, prefix.clone()),
        _ if double && item.has_subgraph => Command::OpenItem(scope, i),
        _ => Command::SelectItem(scope, Some(i)),
    }
}

/// The heat overlay's tint for a share in [0, 1] (run times and MACs alike).
pub fn heat_tint(share: f32) -> egui::Color32 {
    egui::Color32::from_rgba_unmultiplied(255, 80, 0, (share.clamp(0.0, 1.0) * 200.0) as u8)
}
