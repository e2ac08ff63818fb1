//! ViewGraph → GraphLayout with a layered (Sugiyama) layout: longest-path layers (ours), then
//! rust-sugiyama's barycenter crossing reduction and Brandes–Köpf coordinates.
//!
//! rust-sugiyama returns positions of real vertices only, so edges spanning several layers are
//! split here into chains of small dummy vertices first: their positions become the bends of
//! each edge's polyline, which therefore runs between boxes instead of through them.

use foldhash::{HashMap, HashMapExt};

use rust_sugiyama::configure::{Config, CrossingMinimization, RankingType};

use super::scene::{ItemKind, ViewGraph};

/// Horizontal gap between neighbours and vertical gap between layers, in layout units.
const H_GAP: f64 = 24.0;
const V_GAP: f64 = 46.0;
const DUMMY_W: f64 = 14.0;
const COMPONENT_GAP: f32 = 60.0;
/// Graphs up to this many layout vertices (boxes and dummies) get the transpose refinement.
const TRANSPOSE_MAX_VERTICES: usize = 2_000;

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Rect {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

impl Rect {
    pub fn center(&self) -> (f32, f32) {
        (self.x + self.w / 2.0, self.y + self.h / 2.0)
    }
    pub fn contains(&self, p: (f32, f32)) -> bool {
        p.0 >= self.x && p.0 <= self.x + self.w && p.1 >= self.y && p.1 <= self.y + self.h
    }
    pub fn intersects(&self, o: &Rect) -> bool {
        self.x <= o.x + o.w
            && o.x <= self.x + self.w
            && self.y <= o.y + o.h
            && o.y <= self.y + self.h
    }
    pub fn union(&self, o: &Rect) -> Rect {
        let x0 = self.x.min(o.x);
        let y0 = self.y.min(o.y);
        let x1 = (self.x + self.w).max(o.x + o.w);
        let y1 = (self.y + self.h).max(o.y + o.h);
        Rect {
            x: x0,
            y: y0,
            w: x1 - x0,
            h: y1 - y0,
        }
    }
    fn around(points: &[(f32, f32)]) -> Rect {
        let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
        for &(x, y) in points {
            x0 = x0.min(x);
            y0 = y0.min(y);
            x1 = x1.max(x);
            y1 = y1.max(y);
        }
        Rect {
            x: x0,
            y: y0,
            w: (x1 - x0).max(0.0),
            h: (y1 - y0).max(0.0),
        }
    }
}

/// Positions of every item and the route of every edge (same order as the ViewGraph's).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GraphLayout {
    pub items: Vec<Rect>,
    pub edges: Vec<Vec<(f32, f32)>>,
    /// Bounding box of each edge route, for culling.
    pub edge_bounds: Vec<Rect>,
    pub bounds: Rect,
}

impl GraphLayout {
    /// The topmost item (where a deep graph's first view is centred: its bounds' centre may be
    /// empty when the graph drifts sideways).
    pub fn top_item(&self) -> Option<crate::layout::ItemId> {
        self.items
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.y.total_cmp(&b.1.y))
            .map(|(i, _)| crate::layout::ItemId(i))
    }

    /// The box of an item.
    pub fn rect(&self, id: crate::layout::ItemId) -> Rect {
        self.items[id.0]
    }
}

/// Longest-path layer of every vertex (sources at 0). Vertices on cycles get a layer after
/// everything that feeds them from outside the cycle.
fn layers(n: usize, edges: &[(usize, usize)]) -> Vec<usize> {
    let mut indeg = vec![0usize; n];
    let mut succ: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(a, b) in edges {
        if a != b {
            succ[a].push(b);
            indeg[b] += 1;
        }
    }
    let mut layer = vec![0usize; n];
    let mut done = vec![false; n];
    let mut queue: Vec<usize> = (0..n).filter(|&v| indeg[v] == 0).collect();
    loop {
        while let Some(v) = queue.pop() {
            if std::mem::replace(&mut done[v], true) {
                continue;
            }
            for &w in &succ[v] {
                // An edge back into finished work closes a cycle: it does not push layers.
                if done[w] || indeg[w] == 0 {
                    continue;
                }
                layer[w] = layer[w].max(layer[v] + 1);
                indeg[w] -= 1;
                if indeg[w] == 0 {
                    queue.push(w);
                }
            }
        }
        // Break a cycle: release the unfinished vertex with the lowest index.
        match (0..n).find(|&v| !done[v] && indeg[v] > 0) {
            Some(v) => {
                indeg[v] = 0;
                queue.push(v);
            }
            None => break,
        }
    }
    layer
}

/// Nodes without inputs (Constant, exporters' shape constants) are sources, so longest-path
/// layering puts them all in the top layer and their edges fan across the whole graph. Each
/// moves to the layer just above its first consumer. rust-sugiyama re-ranks every source to the
/// top, so each sunk node also gets an anchor: an invisible edge from a vertex of the layer
/// above it (a grandparent of that consumer, which itself stays put). Returns the new layers and
/// the anchor edges (anchor, sunk node).
fn sink_sources(
    vg: &ViewGraph,
    pairs: &[(usize, usize)],
    mut layer: Vec<usize>,
) -> (Vec<usize>, Vec<(usize, usize)>) {
    let n = layer.len();
    let mut succ: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut pred: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(a, b) in pairs {
        succ[a].push(b);
        pred[b].push(a);
    }
    let movable = |v: usize| matches!(vg.items[v].kind, ItemKind::Node(_)) && pred[v].is_empty();
    let mut anchors = Vec::new();
    // Per first consumer: the constants feeding one wide Concat share its anchor search.
    let mut anchor_of: HashMap<usize, Option<usize>> = HashMap::new();
    for v in (0..n).filter(|&v| movable(v)) {
        let Some(&first) = succ[v].iter().min_by_key(|&&w| layer[w]) else {
            continue;
        };
        let target = layer[first].saturating_sub(1);
        if target <= layer[v] {
            continue;
        }
        // Layers of vertices that are not movable never change, so the anchor holds.
        let anchor = *anchor_of.entry(first).or_insert_with(|| {
            pred[first]
                .iter()
                .filter(|&&p| layer[p] == target && !movable(p))
                .flat_map(|&p| pred[p].iter())
                .find(|&&q| layer[q] + 1 == target && !movable(q))
                .copied()
        });
        if let Some(q) = anchor {
            layer[v] = target;
            anchors.push((q, v));
        }
    }
    (layer, anchors)
}

/// Layers on each side whose median positions make up a layer's drift.
const DRIFT_WINDOW: usize = 40;

/// Brandes–Köpf coordinates of a long, repetitive network drift sideways a little at every
/// block, so a deep model became a diagonal tens of thousands of units wide. Each stretch of
/// layers between waists is shifted by the moving average of the layer medians around it:
/// long-range drift goes, the shape of each block stays, and as whole layers move together no
/// boxes can overlap.
fn remove_drift(coords: &[(usize, (f64, f64))]) -> Vec<(usize, (f64, f64))> {
    let mut levels: Vec<(f64, Vec<f64>)> = Vec::new();
    let mut by_y: Vec<&(usize, (f64, f64))> = coords.iter().collect();
    by_y.sort_by(|a, b| a.1 .1.total_cmp(&b.1 .1));
    for &&(_, (x, y)) in &by_y {
        match levels.last_mut() {
            Some((ly, xs)) if (*ly - y).abs() < 0.5 => xs.push(x),
            _ => levels.push((y, vec![x])),
        }
    }
    let medians: Vec<f64> = levels
        .iter_mut()
        .map(|(_, xs)| {
            xs.sort_by(f64::total_cmp);
            xs[xs.len() / 2]
        })
        .collect();
    // Prefix sums make every window's mean O(1).
    let mut prefix = vec![0.0; medians.len() + 1];
    for (i, m) in medians.iter().enumerate() {
        prefix[i + 1] = prefix[i] + m;
    }
    let shift: Vec<f64> = (0..medians.len())
        .map(|i| {
            let (a, b) = (
                i.saturating_sub(DRIFT_WINDOW),
                (i + DRIFT_WINDOW + 1).min(medians.len()),
            );
            (prefix[b] - prefix[a]) / (b - a) as f64
        })
        .collect();
    // Small drifts are part of a good drawing; only a drift wider than the graph's widest
    // layer is taken out.
    let widest = levels
        .iter()
        .map(|(_, xs)| xs[xs.len() - 1] - xs[0])
        .fold(0.0, f64::max);
    let (lo, hi) = shift
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    if hi - lo <= widest.max(1.0) {
        return coords.to_vec();
    }
    // Constant between waists (layers of one vertex, where a network narrows between its
    // blocks), so edges inside a block keep their exact verticals and only the edges into a
    // waist take up the shift.
    let mut shift = shift;
    let mut start = 0;
    for end in 1..=levels.len() {
        if end == levels.len() || levels[end].1.len() == 1 {
            let mean = shift[start..end].iter().sum::<f64>() / (end - start) as f64;
            shift[start..end].iter_mut().for_each(|v| *v = mean);
            start = end;
        }
    }
    let level_of = |y: f64| {
        levels
            .partition_point(|(ly, _)| *ly < y - 0.5)
            .min(levels.len() - 1)
    };
    coords
        .iter()
        .map(|&(id, (x, y))| (id, (x - shift[level_of(y)], y)))
        .collect()
}

/// How many dummy vertices a graph of `n` items may get: enough for every edge of a plain
/// network (skip connections, a 100k-node graph needs 0.3 per item), bounded so layout time
/// stays near linear.
pub fn dummy_budget(n: usize) -> usize {
    2 * n + 4_000
}

pub fn compute(vg: &ViewGraph) -> GraphLayout {
    let n = vg.items.len();
    if n == 0 {
        return GraphLayout::default();
    }
    // One layout edge per connected pair; self loops cannot be layered.
    let mut pairs: Vec<(usize, usize)> = vg
        .edges
        .iter()
        .map(|e| (e.from, e.to))
        .filter(|(a, b)| a != b)
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    let (layer, anchors) = sink_sources(vg, &pairs, layers(n, &pairs));

    let mut vertices: Vec<(u32, (f64, f64))> = vg
        .items
        .iter()
        .enumerate()
        .map(|(i, it)| (i as u32, (it.size.0 as f64, it.size.1 as f64 + V_GAP)))
        .collect();
    let mut layout_edges: Vec<(u32, u32)> = Vec::with_capacity(pairs.len());
    let mut chains: HashMap<(usize, usize), Vec<u32>> = HashMap::new();
    // Shortest spans first: when a few edges span most of a deep graph (one tensor feeding
    // every layer, or a mangled file), their dummies would grow quadratically and crossing
    // reduction with them; past the budget the longest edges are drawn straight instead.
    let span_of = |&(a, b): &(usize, usize)| layer[b] as i64 - layer[a] as i64;
    pairs.sort_by_key(span_of);
    let mut budget = dummy_budget(n);
    for &(a, b) in &pairs {
        let span = span_of(&(a, b));
        if span <= 1 {
            layout_edges.push((a as u32, b as u32));
            continue;
        }
        if span as usize - 1 > budget {
            continue;
        }
        budget -= span as usize - 1;
        let mut prev = a as u32;
        let mut chain = Vec::with_capacity(span as usize - 1);
        for _ in 1..span {
            let d = vertices.len() as u32;
            vertices.push((d, (DUMMY_W, 1.0)));
            layout_edges.push((prev, d));
            chain.push(d);
            prev = d;
        }
        layout_edges.push((prev, b as u32));
        chains.insert((a, b), chain);
    }

    // Invisible: they hold sunk sources in their layer and are never drawn.
    layout_edges.extend(anchors.iter().map(|&(q, v)| (q as u32, v as u32)));

    let config = Config {
        minimum_length: 1,
        vertex_spacing: H_GAP,
        dummy_vertices: true,
        dummy_size: DUMMY_W,
        // Every edge already spans one layer (ours, with dummy vertices), so plain longest-path
        // ranking reproduces it; network simplex gave the same layout 18× slower at 10k nodes
        // and took minutes at 100k.
        ranking_type: RankingType::Up,
        c_minimization: CrossingMinimization::Barycenter,
        // Transposing neighbours removes a few more crossings but costs superlinear time in the
        // layer widths: 45 s instead of 4.5 s (debug) on a 400-node graph with 10k dummies.
        transpose: vertices.len() <= TRANSPOSE_MAX_VERTICES,
    };
    // Isolated vertices are components of their own; rust-sugiyama lays out each component.
    let components = rust_sugiyama::from_vertices_and_edges(&vertices, &layout_edges, &config);

    let mut centers: Vec<(f32, f32)> = vec![(0.0, 0.0); vertices.len()];
    let mut x_offset = 0.0f32;
    for (coords, _, _) in &components {
        let coords = &remove_drift(coords);
        let mut min_x = f32::MAX;
        let mut max_x = f32::MIN;
        for &(id, (x, _)) in coords {
            let half = vertices[id].1 .0 as f32 / 2.0;
            min_x = min_x.min(x as f32 - half);
            max_x = max_x.max(x as f32 + half);
        }
        for &(id, (x, y)) in coords {
            centers[id] = (x as f32 - min_x + x_offset, y as f32);
        }
        x_offset += (max_x - min_x).max(0.0) + COMPONENT_GAP;
    }

    let items: Vec<Rect> = vg
        .items
        .iter()
        .enumerate()
        .map(|(i, it)| {
            let (cx, cy) = centers[i];
            Rect {
                x: cx - it.size.0 / 2.0,
                y: cy - it.size.1 / 2.0,
                w: it.size.0,
                h: it.size.1,
            }
        })
        .collect();

    let edges: Vec<Vec<(f32, f32)>> = vg
        .edges
        .iter()
        .map(|e| {
            let (a, b) = (&items[e.from], &items[e.to]);
            let start = (a.x + a.w / 2.0, a.y + a.h);
            let end = (b.x + b.w / 2.0, b.y);
            let mut pts = vec![start];
            if let Some(chain) = chains.get(&(e.from, e.to)) {
                pts.extend(chain.iter().map(|&d| centers[d as usize]));
            }
            pts.push(end);
            pts
        })
        .collect();
    let edge_bounds: Vec<Rect> = edges.iter().map(|p| Rect::around(p)).collect();
    let bounds = items
        .iter()
        .chain(&edge_bounds)
        .copied()
        .reduce(|a, b| a.union(&b))
        .unwrap_or_default();
    GraphLayout {
        items,
        edges,
        edge_bounds,
        bounds,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::scene::{Category, Item, ItemKind, ViewEdge};

    fn vg(n: usize, edges: &[(usize, usize)]) -> ViewGraph {
        ViewGraph {
            graph: 0,
            items: (0..n)
                .map(|i| Item {
                    kind: ItemKind::Node(crate::model::NodeId(i)),
                    title: format!("n{i}"),
                    category: Category::Other,
                    rows: vec![],
                    has_subgraph: false,
                    size: (60.0, 22.0),
                })
                .collect(),
            edges: edges
                .iter()
                .map(|&(from, to)| ViewEdge {
                    from,
                    to,
                    value: String::new(),
                    label: String::new(),
                })
                .collect(),
            node_item: (0..n).collect(),
        }
    }

    #[test]
    fn a_constant_sits_just_above_its_first_consumer() {
        // input 0 → 1 → 2 → 3 → 4, and constant 5 (no inputs) → 4.
        let mut g = vg(6, &[(0, 1), (1, 2), (2, 3), (3, 4), (5, 4)]);
        g.items[0].kind = ItemKind::Input("x".into());
        let l = compute(&g);
        let (constant, beside, consumer) = (&l.items[5], &l.items[3], &l.items[4]);
        assert_eq!(
            constant.center().1,
            beside.center().1,
            "in the layer above its consumer: {:?}",
            l.items
        );
        assert!(constant.y + constant.h < consumer.y);
        // Its edge spans one layer: no bends.
        let e = g.edges.iter().position(|e| e.from == 5).unwrap();
        assert_eq!(l.edges[e].len(), 2, "{:?}", l.edges[e]);
        // The input still starts the graph.
        assert!(l.items[0].y < l.items[1].y);
    }

    #[test]
    fn layers_flow_top_down_and_boxes_do_not_overlap() {
        // a diamond with a skip edge: 0→1→2→3 and 0→3
        let g = vg(4, &[(0, 1), (1, 2), (2, 3), (0, 3)]);
        let l = compute(&g);
        for (a, b) in [(0, 1), (1, 2), (2, 3)] {
            assert!(
                l.items[a].y + l.items[a].h < l.items[b].y,
                "{a} above {b}: {:?}",
                l.items
            );
        }
        for i in 0..4 {
            for j in i + 1..4 {
                assert!(!l.items[i].intersects(&l.items[j]), "{i} and {j} overlap");
            }
        }
        // The skip edge bends through two dummy vertices, clear of boxes 1 and 2.
        assert_eq!(l.edges[3].len(), 4);
        for &(x, y) in &l.edges[3][1..3] {
            assert!(!l.items[1].contains((x, y)) && !l.items[2].contains((x, y)));
        }
    }

    #[test]
    fn edges_spanning_a_deep_graph_stay_within_the_dummy_budget() {
        // A 3,000-node chain whose first node also feeds every other node: routing every edge
        // around the boxes would take 4.5 million dummy vertices.
        let n = 3_000;
        let edges: Vec<(usize, usize)> = (1..n)
            .map(|i| (i - 1, i))
            .chain((2..n).map(|i| (0, i)))
            .collect();
        let l = compute(&vg(n, &edges));
        let bends: usize = l.edges.iter().map(|r| r.len() - 2).sum();
        assert!(bends <= dummy_budget(n), "{bends} bends");
        // The short ones are still routed around boxes; the rest are drawn straight.
        assert_eq!(l.edges[n - 1].len(), 3, "0→2 bends once");
        assert_eq!(l.edges.last().unwrap().len(), 2, "0→2999 is straight");
        for i in 1..n {
            assert!(
                l.items[i - 1].y < l.items[i].y,
                "the chain still flows down"
            );
        }
    }

    #[test]
    fn a_deep_repetitive_network_stays_as_narrow_as_its_blocks() {
        // 300 blocks like a residual network's: four parallel branches of two nodes joined by
        // a sum, plus the skip connection around them.
        let (mut n, mut edges, mut x) = (1, vec![], 0);
        for _ in 0..300 {
            let sum = n + 8;
            for b in 0..4 {
                let (p, q) = (n + 2 * b, n + 2 * b + 1);
                edges.extend([(x, p), (p, q), (q, sum)]);
            }
            edges.push((x, sum + 1));
            edges.push((sum, sum + 1));
            x = sum + 1;
            n = sum + 2;
        }
        let l = compute(&vg(n, &edges));
        // The widest layer: four boxes and a skip edge side by side.
        let widest = 4.0 * 60.0 + 5.0 * H_GAP as f32 + DUMMY_W as f32;
        assert!(
            l.bounds.w < 3.0 * widest,
            "{} units wide for layers {widest} wide",
            l.bounds.w
        );
        for i in 0..n {
            for j in i + 1..(i + 12).min(n) {
                assert!(!l.items[i].intersects(&l.items[j]), "{i} and {j} overlap");
            }
        }
    }

    #[test]
    fn cycles_and_disconnected_parts_still_lay_out() {
        let g = vg(5, &[(0, 1), (1, 0), (3, 4)]);
        let l = compute(&g);
        assert_eq!(l.items.len(), 5);
        assert!(l.bounds.w > 0.0 && l.bounds.h > 0.0);
    }
}
