//! A uniform grid over a layout, built once with it, so a frame asks "what is in this
//! rectangle?" in time proportional to what is there rather than to the whole graph.

use super::scene::ItemId;
use super::sugiyama::{GraphLayout, Rect};

/// Items and edge segments bucketed by the grid cells their bounds overlap.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CullGrid {
    x0: f32,
    y0: f32,
    cell: f32,
    cols: usize,
    rows: usize,
    items: Vec<Vec<u32>>,
    edges: Vec<Vec<u32>>,
}

/// Cells are at least this many world units on a side (a box is ~100 wide).
const MIN_CELL: f32 = 64.0;
/// Most cells a grid has.
const MAX_CELLS: f32 = 1.0e6;

impl CullGrid {
    pub fn build(layout: &GraphLayout) -> CullGrid {
        let b = layout.bounds;
        let n = layout.items.len().max(1) as f32;
        // About one item per cell, within bounds on the cell count.
        let area = (b.w.max(1.0) * b.h.max(1.0)).max(1.0);
        let cell = (area / n)
            .sqrt()
            .max(MIN_CELL)
            .max((area / MAX_CELLS).sqrt());
        let cols = ((b.w / cell).ceil() as usize).max(1);
        let rows = ((b.h / cell).ceil() as usize).max(1);
        let mut grid = CullGrid {
            x0: b.x,
            y0: b.y,
            cell,
            cols,
            rows,
            items: vec![Vec::new(); cols * rows],
            edges: vec![Vec::new(); cols * rows],
        };
        for (i, r) in layout.items.iter().enumerate() {
            let cells: Vec<usize> = grid.cells(r).collect();
            for c in cells {
                grid.items[c].push(i as u32);
            }
        }
        for (e, route) in layout.edges.iter().enumerate() {
            // By segment: a long routed edge touches the cells along its path, not its box.
            let mut last = usize::MAX;
            for w in route.windows(2) {
                let seg = Rect {
                    x: w[0].0.min(w[1].0),
                    y: w[0].1.min(w[1].1),
                    w: (w[0].0 - w[1].0).abs(),
                    h: (w[0].1 - w[1].1).abs(),
                };
                let cells: Vec<usize> = grid.cells(&seg).collect();
                for c in cells {
                    if c != last {
                        grid.edges[c].push(e as u32);
                        last = c;
                    }
                }
            }
        }
        grid
    }

    /// Cell indices overlapped by `r` (clamped to the grid).
    fn cells(&self, r: &Rect) -> impl Iterator<Item = usize> + '_ {
        let col =
            |x: f32| (((x - self.x0) / self.cell).floor().max(0.0) as usize).min(self.cols - 1);
        let row =
            |y: f32| (((y - self.y0) / self.cell).floor().max(0.0) as usize).min(self.rows - 1);
        let (c0, c1) = (col(r.x), col(r.x + r.w));
        let (r0, r1) = (row(r.y), row(r.y + r.h));
        (r0..=r1).flat_map(move |y| (c0..=c1).map(move |x| y * self.cols + x))
    }

    fn query(&self, buckets: &[Vec<u32>], r: &Rect) -> Vec<usize> {
        if buckets.is_empty() {
            return vec![];
        }
        let mut out: Vec<usize> = self
            .cells(r)
            .flat_map(|c| buckets[c].iter().map(|&i| i as usize))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Items whose box meets `visible`, in item order.
    pub fn items_in(&self, layout: &GraphLayout, visible: &Rect) -> Vec<ItemId> {
        if covers(visible, &layout.bounds) {
            return (0..layout.items.len()).map(ItemId).collect();
        }
        let mut v = self.query(&self.items, visible);
        v.retain(|&i| layout.items[i].intersects(visible));
        v.into_iter().map(ItemId).collect()
    }

    /// Edges whose route's box meets `visible`, in edge order.
    pub fn edges_in(&self, layout: &GraphLayout, visible: &Rect) -> Vec<usize> {
        if covers(visible, &layout.bounds) {
            return (0..layout.edges.len()).collect();
        }
        let mut v = self.query(&self.edges, visible);
        v.retain(|&e| layout.edge_bounds[e].intersects(visible));
        v
    }
}

fn covers(outer: &Rect, inner: &Rect) -> bool {
    outer.x <= inner.x
        && outer.y <= inner.y
        && outer.x + outer.w >= inner.x + inner.w
        && outer.y + outer.h >= inner.y + inner.h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_exactly_what_a_full_scan_finds() {
        // A 30×30 lattice of boxes with edges down each column.
        let mut layout = GraphLayout::default();
        for i in 0..900 {
            let (cx, cy) = ((i % 30) as f32 * 150.0, (i / 30) as f32 * 80.0);
            layout.items.push(Rect {
                x: cx,
                y: cy,
                w: 100.0,
                h: 40.0,
            });
            if i >= 30 {
                let route = vec![(cx + 50.0, cy - 40.0), (cx + 50.0, cy)];
                layout.edge_bounds.push(Rect {
                    x: cx + 50.0,
                    y: cy - 40.0,
                    w: 0.0,
                    h: 40.0,
                });
                layout.edges.push(route);
            }
        }
        layout.bounds = layout
            .items
            .iter()
            .skip(1)
            .fold(layout.items[0], |a, b| a.union(b));
        let grid = CullGrid::build(&layout);
        for visible in [
            Rect {
                x: 0.0,
                y: 0.0,
                w: 10.0,
                h: 10.0,
            },
            Rect {
                x: 333.0,
                y: 777.0,
                w: 900.0,
                h: 500.0,
            },
            Rect {
                x: -50.0,
                y: 1000.0,
                w: 5000.0,
                h: 40.0,
            },
            Rect {
                x: 9000.0,
                y: 9000.0,
                w: 10.0,
                h: 10.0,
            },
            Rect {
                x: -1.0,
                y: -1.0,
                w: 1e6,
                h: 1e6,
            },
        ] {
            let items: Vec<ItemId> = (0..layout.items.len())
                .filter(|&i| layout.items[i].intersects(&visible))
                .map(ItemId)
                .collect();
            let edges: Vec<usize> = (0..layout.edges.len())
                .filter(|&e| layout.edge_bounds[e].intersects(&visible))
                .collect();
            assert_eq!(grid.items_in(&layout, &visible), items);
            assert_eq!(grid.edges_in(&layout, &visible), edges);
        }
    }
}
