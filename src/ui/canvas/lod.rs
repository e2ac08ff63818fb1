//! How much of the graph is drawn at a zoom level.

/// From farthest to nearest. Each level draws what the one before it draws, and more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LevelOfDetail {
    /// Boxes are a pixel or two: blocks merged per screen cell, edges as one mesh of segments.
    Far,
    /// Boxes as coloured blocks or outlines, edges as straight polylines.
    Blocks,
    /// Curved edges with arrowheads; boxes without text.
    Boxes,
    /// Titles and rows in boxes, names in input/output pills.
    Text,
    /// Shapes on the edges too.
    Labelled,
}

impl LevelOfDetail {
    pub fn of(zoom: f32) -> LevelOfDetail {
        match zoom {
            z if z < 0.08 => LevelOfDetail::Far,
            z if z < 0.25 => LevelOfDetail::Blocks,
            z if z < 0.35 => LevelOfDetail::Boxes,
            z if z < 0.55 => LevelOfDetail::Text,
            _ => LevelOfDetail::Labelled,
        }
    }

    pub fn curved_edges(self) -> bool {
        self >= LevelOfDetail::Boxes
    }

    pub fn text(self) -> bool {
        self >= LevelOfDetail::Text
    }

    pub fn edge_labels(self) -> bool {
        self >= LevelOfDetail::Labelled
    }
}

/// A box drawn this many pixels tall or less is a plain block at any level.
pub const BLOCK_MAX_HEIGHT: f32 = 6.0;
/// Side of the screen cells in which far-out blocks are deduplicated, in pixels.
pub const FAR_CELL: f32 = 2.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_grow_with_zoom() {
        let zooms = [0.01, 0.1, 0.3, 0.4, 1.0];
        let levels: Vec<LevelOfDetail> = zooms.iter().map(|&z| LevelOfDetail::of(z)).collect();
        assert_eq!(
            levels,
            vec![
                LevelOfDetail::Far,
                LevelOfDetail::Blocks,
                LevelOfDetail::Boxes,
                LevelOfDetail::Text,
                LevelOfDetail::Labelled
            ]
        );
    }
}
