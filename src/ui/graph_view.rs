//! Paints a laid-out graph: only what is on screen (culling against item and edge bounds), with
//! less detail when zoomed out (no text, then plain blocks). Pan by dragging or scrolling, zoom
//! with Ctrl+wheel or pinch. Painting never computes layout: it reads `LaidOutGraph`.

use std::collections::{HashMap, HashSet};

use egui::epaint::{CubicBezierShape, PathStroke};
use egui::text::LayoutJob;
use egui::{
    Align2, Color32, CornerRadius, FontId, Pos2, Rect, Sense, Shape, Stroke, StrokeKind,
    TextFormat, Ui, Vec2,
};

use super::style;
use crate::check::Severity;
use crate::layout::scene::{HEADER_H, ROW_H};
use crate::layout::{ItemKind, LaidOutGraph};

/// Pan/zoom of one scope's view: `offset` is the world point at the canvas' top-left corner.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ViewState {
    pub offset: Vec2,
    pub zoom: f32,
    pub initialized: bool,
    pub canvas: Vec2,
}

impl Default for ViewState {
    fn default() -> Self {
        ViewState {
            offset: Vec2::ZERO,
            zoom: 1.0,
            initialized: false,
            canvas: Vec2::new(800.0, 600.0),
        }
    }
}

const MIN_ZOOM: f32 = 0.0001;
const MAX_ZOOM: f32 = 4.0;
/// Below this zoom, boxes are at most a couple of pixels tall: the far level of detail.
const FAR_ZOOM: f32 = 0.08;
/// Side of the screen cells in which far-out blocks are deduplicated, in pixels.
const FAR_CELL: f32 = 2.0;
/// Above this many visible items, nodes are not registered as individual (accessible) widgets.
const MAX_WIDGET_ITEMS: usize = 400;

impl ViewState {
    /// The whole graph in view.
    pub fn fit(&mut self, bounds: crate::layout::Rect) {
        let w = bounds.w.max(1.0) + 40.0;
        let h = bounds.h.max(1.0) + 40.0;
        self.zoom = (self.canvas.x / w)
            .min(self.canvas.y / h)
            .clamp(MIN_ZOOM, 1.5);
        let center = Vec2::new(bounds.x + bounds.w / 2.0, bounds.y + bounds.h / 2.0);
        self.offset = center - self.canvas / (2.0 * self.zoom);
        self.initialized = true;
    }

    /// First view of a graph: fitted when that stays readable, else Netron-like: readable
    /// zoom at the top of the graph.
    pub fn initial(&mut self, bounds: crate::layout::Rect, top: Option<crate::layout::Rect>) {
        self.fit(bounds);
        if self.zoom < 0.6 {
            self.zoom = 0.9;
            let cx = top.map_or(bounds.x + bounds.w / 2.0, |t| t.x + t.w / 2.0);
            self.offset = Vec2::new(cx - self.canvas.x / (2.0 * self.zoom), bounds.y - 20.0);
        }
    }

    /// Centres world point `p`, zooming in to a readable level if needed.
    pub fn center_on(&mut self, p: (f32, f32)) {
        self.zoom = self.zoom.max(0.9);
        self.offset = Vec2::new(p.0, p.1) - self.canvas / (2.0 * self.zoom);
        self.initialized = true;
    }

    fn to_screen(self, origin: Pos2, p: (f32, f32)) -> Pos2 {
        origin + (Vec2::new(p.0, p.1) - self.offset) * self.zoom
    }

    fn rect_to_screen(self, origin: Pos2, r: &crate::layout::Rect) -> Rect {
        Rect::from_min_size(
            self.to_screen(origin, (r.x, r.y)),
            Vec2::new(r.w, r.h) * self.zoom,
        )
    }

    /// Zooms by `factor` keeping the world point under `anchor` (a screen offset) fixed.
    pub fn zoom_by(&mut self, factor: f32, anchor: Vec2) {
        let world = self.offset + anchor / self.zoom;
        self.zoom = (self.zoom * factor).clamp(MIN_ZOOM, MAX_ZOOM);
        self.offset = world - anchor / self.zoom;
    }
}

/// Per-item decorations decided by the app.
#[derive(Default)]
pub struct Marks {
    pub selected: Option<usize>,
    pub highlighted: HashSet<usize>,
    pub problems: HashMap<usize, Severity>,
    /// Heat per item in [0, 1] (per-node timing), drawn as a tint.
    pub heat: HashMap<usize, f32>,
    /// Inferred shape labels by value name; edges without one keep their declared label, greyed.
    pub shape_labels: Option<std::sync::Arc<HashMap<String, String>>>,
}

impl Marks {
    /// Selected, highlighted or with a problem: drawn in full even when far out.
    fn is_marked(&self, i: usize) -> bool {
        self.selected == Some(i) || self.highlighted.contains(&i) || self.problems.contains_key(&i)
    }
}

pub enum ViewAction {
    Select(Option<usize>),
    /// Double-click on a node that owns subgraphs.
    Open(usize),
    SelectEdge(usize),
}

/// What one frame drew (for benchmarks and tests).
#[derive(Debug, Default, Clone, Copy)]
pub struct FrameStats {
    pub items_drawn: usize,
    pub edges_drawn: usize,
}

pub fn show(
    ui: &mut Ui,
    g: &LaidOutGraph,
    view: &mut ViewState,
    marks: &Marks,
    overview: Option<&egui::TextureHandle>,
) -> (Vec<ViewAction>, FrameStats) {
    let (rect, response) = ui.allocate_exact_size(ui.available_size(), Sense::click_and_drag());
    view.canvas = rect.size();
    if !view.initialized {
        let top = g
            .layout
            .items
            .iter()
            .min_by(|a, b| a.y.total_cmp(&b.y))
            .copied();
        view.initial(g.layout.bounds, top);
    }
    let mut actions = Vec::new();

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
    painter.rect_filled(rect, 0.0, style::CANVAS);
    let origin = rect.min;
    let z = view.zoom;
    let visible = crate::layout::Rect {
        x: view.offset.x,
        y: view.offset.y,
        w: rect.width() / z,
        h: rect.height() / z,
    };
    let mut stats = FrameStats::default();

    // Edges under nodes.
    let detailed = z >= 0.25;
    let labels = z >= 0.55;
    // Far out, boxes are a pixel or two: one mesh of deduplicated blocks and one of edge
    // segments replace tens of thousands of shapes (100k nodes pan within a frame budget).
    let far = z < FAR_ZOOM;
    let edge_stroke = Stroke::new((1.0 * z).clamp(0.5, 1.5), style::EDGE);
    let mut label_shapes = Vec::new();
    let mut far_edges = egui::Mesh::default();
    for (i, route) in g.layout.edges.iter().enumerate() {
        let bounds = &g.layout.edge_bounds[i];
        if !bounds.intersects(&visible) {
            continue;
        }
        stats.edges_drawn += 1;
        if far {
            // An edge shorter than a pixel or two hides under its boxes.
            if bounds.w.max(bounds.h) * z < 2.0 {
                continue;
            }
            for w in route.windows(2) {
                let (a, b) = (view.to_screen(origin, w[0]), view.to_screen(origin, w[1]));
                push_segment(&mut far_edges, a, b, 1.0, style::EDGE_FAR);
            }
            continue;
        }
        let pts: Vec<Pos2> = route.iter().map(|&p| view.to_screen(origin, p)).collect();
        if detailed {
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
                style::EDGE,
                Stroke::NONE,
            ));
        } else {
            painter.add(Shape::line(pts.clone(), edge_stroke));
        }
        if labels && pts.len() >= 2 {
            let (x, y) = label_anchor(route);
            let at = view.to_screen(origin, (x, y)) + Vec2::new(4.0 * z, 0.0);
            let edge = &g.view.edges[i];
            let label = match &marks.shape_labels {
                Some(m) => match m.get(&edge.value) {
                    Some(l) => (l.clone(), style::EDGE_LABEL),
                    None => (edge.label.clone(), style::EDGE_LABEL_DECLARED),
                },
                None => (edge.label.clone(), style::EDGE_LABEL),
            };
            label_shapes.push((at, label));
        }
    }
    if !far_edges.is_empty() {
        painter.add(far_edges);
    }
    for (at, (text, color)) in label_shapes {
        painter.text(
            at,
            Align2::LEFT_CENTER,
            text,
            FontId::proportional(10.0 * z),
            color,
        );
    }

    // Nodes.
    let pointer = ui.input(|i| i.pointer.interact_pos());
    let mut visible_items = Vec::new();
    for (i, r) in g.layout.items.iter().enumerate() {
        if r.intersects(&visible) {
            visible_items.push(i);
        }
    }
    stats.items_drawn = visible_items.len();
    let widgets = visible_items.len() <= MAX_WIDGET_ITEMS;
    if far {
        draw_far_blocks(&painter, g, view, origin, rect, &visible_items, marks);
    }
    for &i in &visible_items {
        let item = &g.view.items[i];
        let r = view.rect_to_screen(origin, &g.layout.items[i]);
        if far && !marks.is_marked(i) {
            continue;
        }
        draw_item(&painter, item, r, z, marks, i);
        if widgets {
            let resp = ui.interact(
                r,
                ui.id().with(("graph-item", g.request.graph, i)),
                Sense::click(),
            );
            let label = match &item.kind {
                ItemKind::Node(_) => item.title.clone(),
                ItemKind::Input(n) => format!("input {n}"),
                ItemKind::Output(n) => format!("output {n}"),
            };
            resp.widget_info(|| egui::WidgetInfo::labeled(egui::WidgetType::Button, true, &label));
            if resp.double_clicked() && item.has_subgraph {
                actions.push(ViewAction::Open(i));
            } else if resp.clicked() {
                actions.push(ViewAction::Select(Some(i)));
            }
        }
    }
    if response.clicked() || response.double_clicked() {
        // Hit-test by hand: with many items on screen they are not separate widgets.
        let hit = pointer.and_then(|p| {
            visible_items
                .iter()
                .rev()
                .copied()
                .find(|&i| view.rect_to_screen(origin, &g.layout.items[i]).contains(p))
        });
        let edge_hit = if hit.is_none() {
            pointer.and_then(|p| edge_at(g, view, origin, p))
        } else {
            None
        };
        match (hit, edge_hit) {
            (Some(i), _) if response.double_clicked() && g.view.items[i].has_subgraph => {
                actions.push(ViewAction::Open(i))
            }
            (Some(i), _) => actions.push(ViewAction::Select(Some(i))),
            (None, Some(e)) => actions.push(ViewAction::SelectEdge(e)),
            (None, None) => actions.push(ViewAction::Select(None)),
        }
    }
    if let Some(tex) = overview {
        minimap(ui, rect, g, view, tex);
    }
    (actions, stats)
}

/// Widest and tallest the minimap gets, in points; a deep, narrow graph is stretched to at
/// least `MINIMAP_MIN_W` wide so its strip stays clickable.
const MINIMAP_MAX: Vec2 = Vec2::new(170.0, 260.0);
const MINIMAP_MIN_W: f32 = 36.0;

/// Where the minimap goes on a canvas, or None when the whole graph is already in view.
pub fn minimap_rect(canvas: Rect, g: &LaidOutGraph, view: &ViewState) -> Option<Rect> {
    let b = g.layout.bounds;
    let in_view = b.w * view.zoom <= canvas.width() && b.h * view.zoom <= canvas.height();
    if in_view || b.w <= 0.0 || b.h <= 0.0 || canvas.width() < 3.0 * MINIMAP_MAX.x {
        return None;
    }
    let max = Vec2::new(MINIMAP_MAX.x, MINIMAP_MAX.y.min(canvas.height() * 0.6));
    let scale = (max.x / b.w).min(max.y / b.h);
    let size = Vec2::new((b.w * scale).max(MINIMAP_MIN_W), b.h * scale);
    Some(Rect::from_min_size(
        canvas.right_bottom() - size - Vec2::splat(12.0),
        size,
    ))
}

/// The overview picture in a corner with the visible part framed; clicking or dragging in it
/// moves the view there.
fn minimap(
    ui: &mut Ui,
    canvas: Rect,
    g: &LaidOutGraph,
    view: &mut ViewState,
    tex: &egui::TextureHandle,
) {
    let Some(r) = minimap_rect(canvas, g, view) else {
        return;
    };
    let b = g.layout.bounds;
    let to_world = |p: Pos2| {
        Vec2::new(
            b.x + (p.x - r.min.x) / r.width() * b.w,
            b.y + (p.y - r.min.y) / r.height() * b.h,
        )
    };
    let resp = ui.interact(r, ui.id().with("minimap"), Sense::click_and_drag());
    resp.widget_info(|| egui::WidgetInfo::labeled(egui::WidgetType::Other, true, "minimap"));
    if let Some(p) = resp.interact_pointer_pos() {
        if resp.clicked() || resp.dragged() {
            view.offset = to_world(p) - view.canvas / (2.0 * view.zoom);
        }
    }
    let painter = ui.painter_at(canvas);
    painter.rect(
        r.expand(4.0),
        CornerRadius::same(4),
        Color32::from_rgba_unmultiplied(250, 250, 250, 235),
        Stroke::new(1.0, Color32::from_gray(190)),
        StrokeKind::Outside,
    );
    painter.image(
        tex.id(),
        r,
        Rect::from_min_max(Pos2::ZERO, Pos2::new(1.0, 1.0)),
        Color32::WHITE,
    );
    let to_mini = |x: f32, y: f32| {
        Pos2::new(
            r.min.x + (x - b.x) / b.w * r.width(),
            r.min.y + (y - b.y) / b.h * r.height(),
        )
    };
    let seen = Rect::from_min_max(
        to_mini(view.offset.x, view.offset.y),
        to_mini(
            view.offset.x + view.canvas.x / view.zoom,
            view.offset.y + view.canvas.y / view.zoom,
        ),
    )
    .intersect(r);
    // At least a few pixels tall, so the current place shows on a 100k-node strip.
    let seen = Rect::from_center_size(seen.center(), seen.size().max(Vec2::splat(4.0)));
    painter.rect(
        seen,
        0.0,
        Color32::from_rgba_unmultiplied(30, 120, 255, 40),
        Stroke::new(1.5, style::SELECTED),
        StrokeKind::Outside,
    );
}

/// A straight segment as a thin quad, appended to a mesh (no per-line tessellation).
fn push_segment(mesh: &mut egui::Mesh, a: Pos2, b: Pos2, width: f32, color: Color32) {
    let d = b - a;
    let len = d.length();
    if len < 0.5 {
        return;
    }
    let n = Vec2::new(-d.y, d.x) / len * (width / 2.0);
    let base = mesh.vertices.len() as u32;
    for p in [a + n, a - n, b - n, b + n] {
        mesh.colored_vertex(p, color);
    }
    mesh.add_triangle(base, base + 1, base + 2);
    mesh.add_triangle(base, base + 2, base + 3);
}

/// Far out: one block per occupied screen cell, coloured by its first item's category, as a
/// single mesh. Marked items are drawn on top by the caller.
fn draw_far_blocks(
    painter: &egui::Painter,
    g: &LaidOutGraph,
    view: &ViewState,
    origin: Pos2,
    canvas: Rect,
    visible_items: &[usize],
    marks: &Marks,
) {
    let cols = (canvas.width() / FAR_CELL).ceil() as usize + 1;
    let rows = (canvas.height() / FAR_CELL).ceil() as usize + 1;
    let mut taken = vec![false; cols * rows];
    let mut mesh = egui::Mesh::default();
    for &i in visible_items {
        if marks.is_marked(i) {
            continue;
        }
        let r = view.rect_to_screen(origin, &g.layout.items[i]);
        let c = r.center() - canvas.min;
        let (cx, cy) = (
            (c.x / FAR_CELL).max(0.0) as usize,
            (c.y / FAR_CELL).max(0.0) as usize,
        );
        if cx >= cols || cy >= rows || std::mem::replace(&mut taken[cy * cols + cx], true) {
            continue;
        }
        let item = &g.view.items[i];
        let fill = match item.kind {
            ItemKind::Node(_) => style::header_fill(item.category),
            _ => style::BORDER,
        };
        let r = Rect::from_center_size(r.center(), r.size().max(Vec2::splat(FAR_CELL)));
        mesh.add_colored_rect(r, fill);
    }
    painter.add(mesh);
}

/// Where an edge's shape label goes: beside the middle of its route, so labels of edges that
/// fan out of one node do not pile up at the source.
pub fn label_anchor(route: &[(f32, f32)]) -> (f32, f32) {
    let k = (route.len() - 1) / 2;
    let (a, b) = (route[k], route[k + 1]);
    ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0)
}

/// The edge whose route passes within a few pixels of screen point `p`.
fn edge_at(g: &LaidOutGraph, view: &ViewState, origin: Pos2, p: Pos2) -> Option<usize> {
    let tolerance = 5.0;
    g.layout.edges.iter().enumerate().find_map(|(i, route)| {
        let pts: Vec<Pos2> = route.iter().map(|&q| view.to_screen(origin, q)).collect();
        pts.windows(2)
            .any(|w| distance_to_segment(p, w[0], w[1]) < tolerance)
            .then_some(i)
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

fn draw_item(
    painter: &egui::Painter,
    item: &crate::layout::Item,
    r: Rect,
    z: f32,
    marks: &Marks,
    i: usize,
) {
    let selected = marks.selected == Some(i);
    let outline = if selected {
        Stroke::new(2.5, style::SELECTED)
    } else if marks.highlighted.contains(&i) {
        Stroke::new(2.5, style::HIGHLIGHT)
    } else {
        match marks.problems.get(&i) {
            Some(Severity::Error) => Stroke::new(2.0, style::ERROR),
            Some(Severity::Warning) => Stroke::new(1.5, style::WARNING),
            None => Stroke::new(1.0, style::BORDER),
        }
    };
    match &item.kind {
        ItemKind::Input(_) | ItemKind::Output(_) => {
            let radius = CornerRadius::same((r.height() / 2.0).min(255.0) as u8);
            painter.rect(r, radius, style::PILL, outline, StrokeKind::Inside);
            if z >= 0.3 {
                painter.text(
                    r.center(),
                    Align2::CENTER_CENTER,
                    &item.title,
                    FontId::proportional(12.0 * z),
                    Color32::BLACK,
                );
            }
        }
        ItemKind::Node(_) => {
            let fill = style::header_fill(item.category);
            if r.height() < 6.0 {
                // Blocks keep a visible minimum size so structure shows at any zoom.
                let r = Rect::from_center_size(r.center(), r.size().max(Vec2::splat(2.0)));
                painter.rect_filled(r, 0.0, fill);
                if selected || marks.problems.contains_key(&i) || marks.highlighted.contains(&i) {
                    painter.rect_stroke(r.expand(2.0), 0.0, outline, StrokeKind::Outside);
                }
                return;
            }
            let round = (4.0 * z).clamp(0.0, 255.0) as u8;
            let header =
                Rect::from_min_size(r.min, Vec2::new(r.width(), (HEADER_H * z).min(r.height())));
            let has_rows = !item.rows.is_empty();
            painter.rect_filled(r, CornerRadius::same(round), style::BODY);
            let header_radius = if has_rows {
                CornerRadius {
                    nw: round,
                    ne: round,
                    sw: 0,
                    se: 0,
                }
            } else {
                CornerRadius::same(round)
            };
            painter.rect_filled(header, header_radius, fill);
            if let Some(h) = marks.heat.get(&i) {
                let tint =
                    Color32::from_rgba_unmultiplied(255, 80, 0, (h.clamp(0.0, 1.0) * 200.0) as u8);
                painter.rect_filled(r, CornerRadius::same(round), tint);
            }
            painter.rect_stroke(r, CornerRadius::same(round), outline, StrokeKind::Inside);
            if z < 0.35 {
                return;
            }
            let title = if item.has_subgraph {
                format!("{} ⊞", item.title)
            } else {
                item.title.clone()
            };
            painter.text(
                header.left_center() + Vec2::new(7.0 * z, 0.0),
                Align2::LEFT_CENTER,
                title,
                FontId::proportional(12.5 * z),
                Color32::WHITE,
            );
            for (k, row) in item.rows.iter().enumerate() {
                let y = header.bottom() + (3.0 + ROW_H * k as f32 + ROW_H / 2.0) * z;
                let mut job = LayoutJob::default();
                let size = 10.5 * z;
                job.append(
                    &row.name,
                    0.0,
                    TextFormat::simple(FontId::proportional(size), Color32::BLACK),
                );
                job.append(
                    &row.detail,
                    0.0,
                    TextFormat::simple(FontId::proportional(size), Color32::from_rgb(70, 70, 70)),
                );
                let galley = painter.layout_job(job);
                painter.galley(
                    Pos2::new(r.left() + 7.0 * z, y - galley.size().y / 2.0),
                    galley,
                    Color32::BLACK,
                );
            }
            if let Some(sev) = marks.problems.get(&i) {
                let c = if *sev == Severity::Error {
                    style::ERROR
                } else {
                    style::WARNING
                };
                painter.circle_filled(
                    r.right_top() + Vec2::new(-5.0 * z, 5.0 * z),
                    (3.5 * z).max(2.0),
                    c,
                );
            }
        }
    }
}
