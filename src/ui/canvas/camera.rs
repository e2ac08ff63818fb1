//! Pan and zoom of one scope's view.

use egui::{Pos2, Rect, Vec2};

/// `offset` is the world point at the canvas' top-left corner; `zoom` screen points per world unit.
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

pub const MIN_ZOOM: f32 = 0.0001;
pub const MAX_ZOOM: f32 = 4.0;
/// The zoom a focused node is shown at, at least (text readable).
const READABLE_ZOOM: f32 = 0.9;

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
            self.zoom = READABLE_ZOOM;
            let cx = top.map_or(bounds.x + bounds.w / 2.0, |t| t.x + t.w / 2.0);
            self.offset = Vec2::new(cx - self.canvas.x / (2.0 * self.zoom), bounds.y - 20.0);
        }
    }

    /// Centres world point `p`, zooming in to a readable level if needed.
    pub fn center_on(&mut self, p: (f32, f32)) {
        self.zoom = self.zoom.max(READABLE_ZOOM);
        self.offset = Vec2::new(p.0, p.1) - self.canvas / (2.0 * self.zoom);
        self.initialized = true;
    }

    /// Zooms to `zoom` with `top` (a world rect, the topmost item) at the top centre.
    pub fn zoom_to_top(&mut self, zoom: f32, top: crate::layout::Rect) {
        self.zoom = zoom;
        self.offset = Vec2::new(
            top.x + top.w / 2.0 - self.canvas.x / (2.0 * zoom),
            top.y - 10.0,
        );
        self.initialized = true;
    }

    pub fn to_screen(self, origin: Pos2, p: (f32, f32)) -> Pos2 {
        origin + (Vec2::new(p.0, p.1) - self.offset) * self.zoom
    }

    pub fn rect_to_screen(self, origin: Pos2, r: &crate::layout::Rect) -> Rect {
        Rect::from_min_size(
            self.to_screen(origin, (r.x, r.y)),
            Vec2::new(r.w, r.h) * self.zoom,
        )
    }

    /// The world rectangle a canvas of `size` shows.
    pub fn visible(self, size: Vec2) -> crate::layout::Rect {
        crate::layout::Rect {
            x: self.offset.x,
            y: self.offset.y,
            w: size.x / self.zoom,
            h: size.y / self.zoom,
        }
    }

    /// Zooms by `factor` keeping the world point under `anchor` (a screen offset) fixed.
    pub fn zoom_by(&mut self, factor: f32, anchor: Vec2) {
        let world = self.offset + anchor / self.zoom;
        self.zoom = (self.zoom * factor).clamp(MIN_ZOOM, MAX_ZOOM);
        self.offset = world - anchor / self.zoom;
    }
}
