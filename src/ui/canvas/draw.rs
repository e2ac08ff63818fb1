//! Painting items and edges of a laid-out scope at a level of detail.

use egui::text::LayoutJob;
use egui::{
    Align2, Color32, CornerRadius, FontId, Pos2, Rect, Stroke, StrokeKind, TextFormat, Vec2,
};

use super::camera::ViewState;
use super::lod::{LevelOfDetail, BLOCK_MAX_HEIGHT, FAR_CELL};
use super::Marks;
use crate::check::Severity;
use crate::layout::scene::{HEADER_H, ROW_H};
use crate::layout::{ItemId, ItemKind, LaidOutGraph};
use crate::ui::style;

/// A straight segment as a thin quad, appended to a mesh (no per-line tessellation).
pub fn push_segment(mesh: &mut egui::Mesh, a: Pos2, b: Pos2, width: f32, color: Color32) {
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
pub fn draw_far_blocks(
    painter: &egui::Painter,
    g: &LaidOutGraph,
    view: &ViewState,
    origin: Pos2,
    canvas: Rect,
    visible_items: &[ItemId],
    marks: &Marks<'_>,
) {
    let cols = (canvas.width() / FAR_CELL).ceil() as usize + 1;
    let rows = (canvas.height() / FAR_CELL).ceil() as usize + 1;
    // Plain blocks, then marked ones (search hits, problems) on top in their mark's colour,
    // each deduplicated per cell: tens of thousands of hits cost what plain blocks cost.
    let mut taken = vec![false; cols * rows];
    let mut taken_marked = vec![false; cols * rows];
    let mut mesh = egui::Mesh::default();
    let mut marked = egui::Mesh::default();
    for &i in visible_items {
        if marks.selected == Some(i) {
            continue;
        }
        let r = view.rect_to_screen(origin, &g.layout.rect(i));
        let c = r.center() - canvas.min;
        let (cx, cy) = (
            (c.x / FAR_CELL).max(0.0) as usize,
            (c.y / FAR_CELL).max(0.0) as usize,
        );
        if cx >= cols || cy >= rows {
            continue;
        }
        let mark = if marks.is_highlighted(i) {
            Some(style::HIGHLIGHT)
        } else {
            match marks.problems.and_then(|p| p.get(i)) {
                Some(Severity::Error) => Some(style::ERROR),
                Some(Severity::Warning) => Some(style::WARNING),
                None => None,
            }
        };
        let (grid, target) = match mark {
            Some(_) => (&mut taken_marked, &mut marked),
            None => (&mut taken, &mut mesh),
        };
        if std::mem::replace(&mut grid[cy * cols + cx], true) {
            continue;
        }
        let item = &g.view.items[i.0];
        let fill = mark.unwrap_or(match item.kind {
            ItemKind::Node(_) | ItemKind::Group(_) | ItemKind::ShapeComputation(_) => {
                style::rgb(item.header_rgb())
            }
            _ => style::palette().border,
        });
        // Marked blocks are drawn larger so they stand out of the plain ones.
        let min = if mark.is_some() {
            2.0 * FAR_CELL
        } else {
            FAR_CELL
        };
        let r = Rect::from_center_size(r.center(), r.size().max(Vec2::splat(min)));
        target.add_colored_rect(r, fill);
    }
    painter.add(mesh);
    painter.add(marked);
}

/// Where an edge's shape label goes: beside the middle of its route, so labels of edges that
/// fan out of one node do not pile up at the source.
pub fn label_anchor(route: &[(f32, f32)]) -> (f32, f32) {
    let k = (route.len() - 1) / 2;
    let (a, b) = (route[k], route[k + 1]);
    ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0)
}

/// Places a label may go, best first: the middle of the route, then the middles of its other
/// segments nearest the middle, then points a quarter and three quarters along the middle one.
pub fn label_anchors(route: &[(f32, f32)]) -> Vec<(f32, f32)> {
    let mid = |a: (f32, f32), b: (f32, f32), t: f32| (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
    let segments = route.len().saturating_sub(1);
    if segments == 0 {
        return route.to_vec();
    }
    let k = (route.len() - 1) / 2;
    let mut order: Vec<usize> = (0..segments).collect();
    order.sort_by_key(|&s| s.abs_diff(k));
    let mut spots: Vec<(f32, f32)> = order
        .iter()
        .map(|&s| mid(route[s], route[s + 1], 0.5))
        .collect();
    spots.push(mid(route[k], route[k + 1], 0.25));
    spots.push(mid(route[k], route[k + 1], 0.75));
    spots
}

pub fn draw_item(
    painter: &egui::Painter,
    item: &crate::layout::Item,
    r: Rect,
    z: f32,
    marks: &Marks<'_>,
    i: ItemId,
) {
    let selected = marks.selected == Some(i);
    let lod = LevelOfDetail::of(z);
    let outline = if selected {
        Stroke::new(2.5, style::SELECTED)
    } else if marks.is_value_end(i) {
        Stroke::new(2.0, style::SELECTED)
    } else if marks.is_highlighted(i) {
        Stroke::new(2.5, style::HIGHLIGHT)
    } else {
        match marks.problems.and_then(|p| p.get(i)) {
            Some(Severity::Error) => Stroke::new(2.0, style::ERROR),
            Some(Severity::Warning) => Stroke::new(1.5, style::WARNING),
            None => Stroke::new(1.0, style::palette().border),
        }
    };
    match &item.kind {
        ItemKind::Input(_) | ItemKind::Output(_) => {
            let radius = CornerRadius::same((r.height() / 2.0).min(255.0) as u8);
            painter.rect(
                r,
                radius,
                style::palette().pill,
                outline,
                StrokeKind::Inside,
            );
            if lod.text() {
                painter.text(
                    r.center(),
                    Align2::CENTER_CENTER,
                    &item.title,
                    FontId::proportional(12.0 * z),
                    style::palette().text,
                );
            }
        }
        ItemKind::Node(_) | ItemKind::Group(_) | ItemKind::ShapeComputation(_) => {
            let fill = style::rgb(item.header_rgb());
            if r.height() < BLOCK_MAX_HEIGHT {
                // Blocks keep a visible minimum size so structure shows at any zoom.
                let r = Rect::from_center_size(r.center(), r.size().max(Vec2::splat(2.0)));
                painter.rect_filled(r, 0.0, fill);
                if marks.is_marked(i) {
                    painter.rect_stroke(r.expand(2.0), 0.0, outline, StrokeKind::Outside);
                }
                return;
            }
            let round = (4.0 * z).clamp(0.0, 255.0) as u8;
            let header =
                Rect::from_min_size(r.min, Vec2::new(r.width(), (HEADER_H * z).min(r.height())));
            let has_rows = !item.rows.is_empty();
            painter.rect_filled(r, CornerRadius::same(round), style::palette().body);
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
            if let Some(h) = marks.heat.and_then(|h| h.get(i)) {
                painter.rect_filled(r, CornerRadius::same(round), super::heat_tint(*h));
            }
            if let Some(c) = marks.tint.and_then(|t| t.get(i)) {
                painter.rect_filled(r, CornerRadius::same(round), *c);
            }
            if let Some([r8, g8, b8, a8]) = marks.document_tint.and_then(|t| t.get(i)) {
                let c = Color32::from_rgba_premultiplied(*r8, *g8, *b8, *a8);
                painter.rect_filled(r, CornerRadius::same(round), c);
            }
            painter.rect_stroke(r, CornerRadius::same(round), outline, StrokeKind::Inside);
            if !lod.text() {
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
                if item.light_header() {
                    Color32::BLACK
                } else {
                    Color32::WHITE
                },
            );
            for (k, row) in item.rows.iter().enumerate() {
                let y = header.bottom() + (3.0 + ROW_H * k as f32 + ROW_H / 2.0) * z;
                let mut job = LayoutJob::default();
                let size = 10.5 * z;
                job.append(
                    &row.name,
                    0.0,
                    TextFormat::simple(FontId::proportional(size), style::palette().text),
                );
                job.append(
                    &row.detail,
                    0.0,
                    TextFormat::simple(FontId::proportional(size), style::palette().detail),
                );
                let galley = painter.layout_job(job);
                painter.galley(
                    Pos2::new(r.left() + 7.0 * z, y - galley.size().y / 2.0),
                    galley,
                    style::palette().text,
                );
            }
            if let Some(sev) = marks.problems.and_then(|p| p.get(i)) {
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
