//! Colours of the graph, after Netron's palette (users recognise categories at a glance).

use egui::Color32;

use crate::layout::Category;

pub fn header_fill(c: Category) -> Color32 {
    match c {
        Category::Layer => Color32::from_rgb(51, 85, 136),
        Category::Activation => Color32::from_rgb(112, 41, 33),
        Category::Pool => Color32::from_rgb(51, 85, 51),
        Category::Normalization => Color32::from_rgb(51, 85, 68),
        Category::Dropout => Color32::from_rgb(69, 71, 112),
        Category::Shape => Color32::from_rgb(108, 79, 71),
        Category::Tensor => Color32::from_rgb(89, 66, 59),
        Category::Transform => Color32::from_rgb(51, 85, 68),
        Category::Attention => Color32::from_rgb(100, 50, 0),
        Category::Quantization => Color32::from_rgb(80, 40, 0),
        Category::Constant => Color32::from_rgb(85, 85, 85),
        Category::Control => Color32::from_rgb(60, 60, 110),
        Category::Custom => Color32::from_rgb(128, 128, 128),
        Category::Other => Color32::from_rgb(51, 51, 51),
    }
}

pub const CANVAS: Color32 = Color32::WHITE;
pub const BODY: Color32 = Color32::WHITE;
pub const BORDER: Color32 = Color32::from_rgb(40, 40, 40);
pub const EDGE: Color32 = Color32::from_rgb(30, 30, 30);
pub const EDGE_LABEL: Color32 = Color32::from_rgb(20, 20, 20);
pub const PILL: Color32 = Color32::from_rgb(238, 238, 238);
pub const SELECTED: Color32 = Color32::from_rgb(30, 120, 255);
pub const HIGHLIGHT: Color32 = Color32::from_rgb(255, 190, 0);
pub const ERROR: Color32 = Color32::from_rgb(220, 30, 30);
pub const WARNING: Color32 = Color32::from_rgb(230, 150, 0);
pub const OK: Color32 = Color32::from_rgb(30, 140, 60);
/// Edge labels whose shape is only declared (tract could not infer it).
pub const EDGE_LABEL_DECLARED: Color32 = Color32::from_rgb(130, 130, 130);
