//! The category colour legend in a corner of the canvas: Netron's categories that occur in the
//! scope on screen, each with its swatch and how many boxes have it.

use egui::{Align2, CornerRadius, FontId, Pos2, Rect, Stroke, StrokeKind, Ui, Vec2};

use crate::layout::{Category, ItemKind, LaidOutGraph};
use crate::ui::style;

const ROW: f32 = 16.0;
const SWATCH: f32 = 11.0;

/// (category, box count) for the node boxes of a scope, in the legend's order.
pub fn categories_in(g: &LaidOutGraph) -> Vec<(Category, usize)> {
    let mut counts = [0usize; Category::ALL.len()];
    for item in &g.view.items {
        if matches!(item.kind, ItemKind::Node(_)) {
            if let Some(k) = Category::ALL.iter().position(|c| *c == item.category) {
                counts[k] += 1;
            }
        }
    }
    Category::ALL
        .iter()
        .zip(counts)
        .filter(|(_, n)| *n > 0)
        .map(|(c, n)| (*c, n))
        .collect()
}

pub fn legend(ui: &mut Ui, canvas: Rect, g: &LaidOutGraph) {
    let rows = categories_in(g);
    if rows.is_empty() {
        return;
    }
    let painter = ui.painter_at(canvas);
    let font = FontId::proportional(11.5);
    let text_w = rows
        .iter()
        .map(|(c, n)| {
            painter
                .layout_no_wrap(
                    format!("{}  {n}", c.name()),
                    font.clone(),
                    style::palette().text,
                )
                .size()
                .x
        })
        .fold(0.0f32, f32::max);
    let size = Vec2::new(SWATCH + 14.0 + text_w + 8.0, rows.len() as f32 * ROW + 8.0);
    let frame = Rect::from_min_size(canvas.left_bottom() + Vec2::new(12.0, -12.0 - size.y), size);
    painter.rect(
        frame,
        CornerRadius::same(4),
        style::palette().canvas.gamma_multiply(0.92),
        Stroke::new(1.0, style::palette().border),
        StrokeKind::Inside,
    );
    for (k, (c, n)) in rows.iter().enumerate() {
        let y = frame.top() + 4.0 + ROW * (k as f32 + 0.5);
        let swatch = Rect::from_center_size(
            Pos2::new(frame.left() + 6.0 + SWATCH / 2.0, y),
            Vec2::splat(SWATCH),
        );
        painter.rect(
            swatch,
            CornerRadius::same(2),
            style::header_fill(*c),
            Stroke::new(1.0, style::palette().border),
            StrokeKind::Inside,
        );
        painter.text(
            Pos2::new(swatch.right() + 6.0, y),
            Align2::LEFT_CENTER,
            format!("{}  {n}", c.name()),
            font.clone(),
            style::palette().text,
        );
    }
}
