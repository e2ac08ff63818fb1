//! GraphLayout → a small RGBA picture of the whole graph, for the minimap. Rasterised once per
//! layout on the layout worker, so the view shows 100k nodes as one texture instead of painting
//! each of them every frame.

use super::scene::{ItemKind, ViewGraph};
use super::sugiyama::{GraphLayout, Rect};

/// The whole graph at a scale where its longer side is at most `max_side` pixels.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Overview {
    pub width: usize,
    pub height: usize,
    /// Row-major RGBA, unpremultiplied; transparent where there is nothing.
    pub rgba: Vec<u8>,
    /// The layout rectangle the picture covers.
    pub world: Rect,
}

const EDGE_RGBA: [u8; 4] = [150, 150, 150, 255];
const PILL_RGBA: [u8; 4] = [120, 120, 120, 255];

impl Overview {
    pub fn rasterize(vg: &ViewGraph, layout: &GraphLayout, max_side: usize) -> Overview {
        let world = layout.bounds;
        if vg.items.is_empty() || world.w <= 0.0 || world.h <= 0.0 || max_side == 0 {
            return Overview::default();
        }
        let scale = (max_side as f32 / world.w).min(max_side as f32 / world.h);
        // Narrow graphs (deep, thin networks) keep at least a few pixels of width.
        let width = ((world.w * scale).ceil() as usize).clamp(4, max_side);
        let height = ((world.h * scale).ceil() as usize).clamp(4, max_side);
        let mut o = Overview {
            width,
            height,
            rgba: vec![0; width * height * 4],
            world,
        };
        let to_px = |(x, y): (f32, f32)| ((x - world.x) * scale, (y - world.y) * scale);
        for route in &layout.edges {
            for pair in route.windows(2) {
                o.line(to_px(pair[0]), to_px(pair[1]), EDGE_RGBA);
            }
        }
        for (item, r) in vg.items.iter().zip(&layout.items) {
            let rgba = match item.kind {
                ItemKind::Node(_) | ItemKind::Group(_) | ItemKind::ShapeComputation(_) => {
                    let [r, g, b] = item.header_rgb();
                    [r, g, b, 255]
                }
                ItemKind::Input(_) | ItemKind::Output(_) => PILL_RGBA,
            };
            let (x0, y0) = to_px((r.x, r.y));
            let (x1, y1) = to_px((r.x + r.w, r.y + r.h));
            // Every item covers at least one pixel, so nothing vanishes at small scales.
            o.fill(x0, y0, x1.max(x0 + 1.0), y1.max(y0 + 1.0), rgba);
        }
        o
    }

    fn put(&mut self, x: usize, y: usize, rgba: [u8; 4]) {
        if x < self.width && y < self.height {
            let i = (y * self.width + x) * 4;
            self.rgba[i..i + 4].copy_from_slice(&rgba);
        }
    }

    fn fill(&mut self, x0: f32, y0: f32, x1: f32, y1: f32, rgba: [u8; 4]) {
        let (w, h) = (self.width, self.height);
        let clamp = |v: f32, max: usize| (v.max(0.0) as usize).min(max);
        for y in clamp(y0, h)..clamp(y1, h) {
            for x in clamp(x0, w)..clamp(x1, w) {
                self.put(x, y, rgba);
            }
        }
    }

    /// A one-pixel line (DDA), clipped to the picture.
    fn line(&mut self, a: (f32, f32), b: (f32, f32), rgba: [u8; 4]) {
        let steps = (b.0 - a.0).abs().max((b.1 - a.1).abs()).ceil().max(1.0);
        // Routes inside the layout are short; the bound keeps a corrupt one from looping long.
        let steps = steps.min((self.width + self.height) as f32 * 2.0) as usize;
        for k in 0..=steps {
            let t = k as f32 / steps as f32;
            let (x, y) = (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
            if x >= 0.0 && y >= 0.0 {
                self.put(x as usize, y as usize, rgba);
            }
        }
    }

    /// The picture pixel under layout point `p`, if it is inside.
    pub fn pixel_of(&self, p: (f32, f32)) -> Option<(usize, usize)> {
        if self.width == 0 || !self.world.contains(p) {
            return None;
        }
        let x = ((p.0 - self.world.x) / self.world.w * self.width as f32) as usize;
        let y = ((p.1 - self.world.y) / self.world.h * self.height as f32) as usize;
        Some((x.min(self.width - 1), y.min(self.height - 1)))
    }

    pub fn rgba_at(&self, (x, y): (usize, usize)) -> [u8; 4] {
        let i = (y * self.width + x) * 4;
        [
            self.rgba[i],
            self.rgba[i + 1],
            self.rgba[i + 2],
            self.rgba[i + 3],
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::{lay_out, LayoutRequest, OVERVIEW_SIDE};

    #[test]
    fn every_box_of_the_sample_shows_in_its_category_colour() {
        let bytes =
            std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/sample.onnx")).unwrap();
        let model = crate::model::load_bytes("sample.onnx", &bytes, None).unwrap();
        let g = lay_out(&model, LayoutRequest::of(0));
        let o = &g.overview;
        assert!(o.width.max(o.height) <= OVERVIEW_SIDE && o.width >= 4 && o.height >= 4);
        assert_eq!(o.rgba.len(), o.width * o.height * 4);
        for (item, r) in g.view.items.iter().zip(&g.layout.items) {
            let px = o
                .pixel_of(r.center())
                .expect("item centre inside the picture");
            let want = match item.kind {
                ItemKind::Node(_) | ItemKind::Group(_) | ItemKind::ShapeComputation(_) => {
                    let [r, g, b] = item.header_rgb();
                    [r, g, b, 255]
                }
                _ => PILL_RGBA,
            };
            assert_eq!(o.rgba_at(px), want, "{}", item.title);
        }
        // Far from every box and edge, the picture is transparent.
        let empty = o.rgba.chunks(4).filter(|p| p[3] == 0).count();
        assert!(empty > o.width * o.height / 4, "mostly background");
    }
}
