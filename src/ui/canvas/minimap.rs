//! The overview picture in a corner of the canvas with the visible part framed; clicking or
//! dragging in it moves the view there.

use egui::{Color32, CornerRadius, Pos2, Rect, Sense, Stroke, StrokeKind, Ui, Vec2};

use super::camera::ViewState;
use crate::layout::LaidOutGraph;
use crate::ui::style;

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
pub fn minimap(
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
        style::palette().canvas.gamma_multiply(0.92),
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
