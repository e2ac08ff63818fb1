//! Colours of the graph, after Netron's palette (users recognise categories at a glance).

use egui::Color32;

use crate::layout::Category;

pub fn header_fill(c: Category) -> Color32 {
    let [r, g, b] = crate::layout::category_rgb(c);
    Color32::from_rgb(r, g, b)
}

pub fn rgb([r, g, b]: [u8; 3]) -> Color32 {
    Color32::from_rgb(r, g, b)
}

pub const SELECTED: Color32 = Color32::from_rgb(30, 120, 255);
pub const HIGHLIGHT: Color32 = Color32::from_rgb(255, 190, 0);
pub const ERROR: Color32 = Color32::from_rgb(220, 30, 30);
pub const WARNING: Color32 = Color32::from_rgb(230, 150, 0);
pub const OK: Color32 = Color32::from_rgb(30, 140, 60);

/// The canvas colours of one theme (the category headers are the same in both).
pub struct Palette {
    pub canvas: Color32,
    pub body: Color32,
    pub border: Color32,
    pub edge: Color32,
    /// Edges far out, lighter so the blocks stand out.
    pub edge_far: Color32,
    pub edge_label: Color32,
    /// Edge labels whose shape is only declared (shape inference could not infer it).
    pub edge_label_declared: Color32,
    pub pill: Color32,
    /// Text in boxes' bodies, pills and the legend.
    pub text: Color32,
    /// A row's value (`<64×64>`, ` = 6`), quieter than its name.
    pub detail: Color32,
}

pub const LIGHT: Palette = Palette {
    canvas: Color32::WHITE,
    body: Color32::WHITE,
    border: Color32::from_rgb(40, 40, 40),
    edge: Color32::from_rgb(30, 30, 30),
    edge_far: Color32::from_rgb(160, 160, 160),
    edge_label: Color32::from_rgb(20, 20, 20),
    edge_label_declared: Color32::from_rgb(130, 130, 130),
    pill: Color32::from_rgb(238, 238, 238),
    text: Color32::BLACK,
    detail: Color32::from_rgb(70, 70, 70),
};

/// After Netron's dark theme: a near-black canvas, grey edges, the same header colours.
pub const DARK: Palette = Palette {
    canvas: Color32::from_rgb(30, 30, 30),
    body: Color32::from_rgb(48, 48, 48),
    border: Color32::from_rgb(150, 150, 150),
    edge: Color32::from_rgb(175, 175, 175),
    edge_far: Color32::from_rgb(95, 95, 95),
    edge_label: Color32::from_rgb(215, 215, 215),
    edge_label_declared: Color32::from_rgb(125, 125, 125),
    pill: Color32::from_rgb(70, 70, 70),
    text: Color32::from_rgb(230, 230, 230),
    detail: Color32::from_rgb(170, 170, 170),
};

thread_local! {
    // Per UI thread: painting happens on the thread that runs the frame (one window in the app,
    // one per test harness in the tests, which run side by side).
    static DARK_THEME: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Follows the window's theme (set once per frame from egui's).
pub fn set_dark(dark: bool) {
    DARK_THEME.with(|d| d.set(dark));
}

pub fn palette() -> &'static Palette {
    if DARK_THEME.with(|d| d.get()) {
        &DARK
    } else {
        &LIGHT
    }
}
