//! Colours of the graph, after Netron's palette (users recognise categories at a glance).

use egui::Color32;

use crate::layout::Category;

pub fn header_fill(c: Category) -> Color32 {
    let [r, g, b] = crate::layout::category_rgb(c);
    Color32::from_rgb(r, g, b)
}

pub const CANVAS: Color32 = Color32::WHITE;
pub const BODY: Color32 = Color32::WHITE;
pub const BORDER: Color32 = Color32::from_rgb(40, 40, 40);
pub const EDGE: Color32 = Color32::from_rgb(30, 30, 30);
/// Edges far out, lighter so the blocks stand out.
pub const EDGE_FAR: Color32 = Color32::from_rgb(160, 160, 160);
pub const EDGE_LABEL: Color32 = Color32::from_rgb(20, 20, 20);
pub const PILL: Color32 = Color32::from_rgb(238, 238, 238);
pub const SELECTED: Color32 = Color32::from_rgb(30, 120, 255);
pub const HIGHLIGHT: Color32 = Color32::from_rgb(255, 190, 0);
pub const ERROR: Color32 = Color32::from_rgb(220, 30, 30);
pub const WARNING: Color32 = Color32::from_rgb(230, 150, 0);
pub const OK: Color32 = Color32::from_rgb(30, 140, 60);
/// Edge labels whose shape is only declared (tract could not infer it).
pub const EDGE_LABEL_DECLARED: Color32 = Color32::from_rgb(130, 130, 130);
