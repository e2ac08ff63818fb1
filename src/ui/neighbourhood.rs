//! The neighbourhood view: the selected node and its k-hop producers and consumers in an
//! egui_graphs GraphView (its pan, zoom, drag and selection), drawn as our op boxes. Clicking a
//! node there selects and centres it in the main view.

use egui::epaint::{CornerRadius, RectShape, TextShape};
use egui::{Color32, FontId, Pos2, Rect, Shape, Stroke, StrokeKind, Vec2};
use egui_graphs::{
    DefaultEdgeShape, DisplayNode, DrawContext, GraphChange, GraphView, LayoutHierarchical,
    LayoutStateHierarchical, MetadataFrame, NodeProps, SettingsInteraction, SettingsNavigation,
    SettingsStyle,
};
use petgraph::stable_graph::{DefaultIx, NodeIndex};
use petgraph::Directed;

use super::commands::Command;
use super::style;
use crate::layout::neighbourhood::{Neighbourhood, MAX_NEIGHBOURHOOD};
use crate::layout::{category, Category};
use crate::model::{display_label, GraphId, Model, NodeId};

/// What a box of the view stands for.
#[derive(Debug, Clone)]
pub struct OpNode {
    pub node: NodeId,
    pub title: String,
    pub category: Category,
    pub centre: bool,
}

/// Our node style inside egui_graphs: a box filled with the op's Netron colour.
#[derive(Debug, Clone)]
pub struct OpBox {
    pos: Pos2,
    title: String,
    category: Category,
    centre: bool,
    selected: bool,
    hovered: bool,
}

const BOX_H: f32 = 24.0;

impl OpBox {
    fn size(&self) -> Vec2 {
        Vec2::new(self.title.chars().count() as f32 * 7.2 + 18.0, BOX_H)
    }

    fn rect(&self) -> Rect {
        Rect::from_center_size(self.pos, self.size())
    }
}

impl From<NodeProps<OpNode>> for OpBox {
    fn from(p: NodeProps<OpNode>) -> OpBox {
        OpBox {
            pos: p.location(),
            title: p.payload.title.clone(),
            category: p.payload.category,
            centre: p.payload.centre,
            selected: p.selected,
            hovered: p.hovered,
        }
    }
}

impl DisplayNode<OpNode, String, Directed, DefaultIx> for OpBox {
    fn closest_boundary_point(&self, dir: Vec2) -> Pos2 {
        // Where the ray from the centre leaves the box.
        let half = self.size() / 2.0;
        let d = if dir == Vec2::ZERO { Vec2::Y } else { dir };
        let t = (half.x / d.x.abs().max(1e-6)).min(half.y / d.y.abs().max(1e-6));
        self.pos + d * t
    }

    fn shapes(&mut self, ctx: &DrawContext) -> Vec<Shape> {
        let r = self.rect();
        let screen = Rect::from_min_max(
            ctx.meta.canvas_to_screen_pos(r.min),
            ctx.meta.canvas_to_screen_pos(r.max),
        );
        let z = ctx.meta.canvas_to_screen_size(1.0);
        let outline = if self.selected || self.centre {
            Stroke::new(2.5, style::SELECTED)
        } else if self.hovered {
            Stroke::new(2.0, style::HIGHLIGHT)
        } else {
            Stroke::new(1.0, style::palette().border)
        };
        let fill = style::header_fill(self.category);
        let mut shapes = vec![Shape::Rect(RectShape::new(
            screen,
            CornerRadius::same((4.0 * z).clamp(0.0, 255.0) as u8),
            fill,
            outline,
            StrokeKind::Inside,
        ))];
        let text = if self.category.light_header() {
            Color32::BLACK
        } else {
            Color32::WHITE
        };
        let galley = ctx.ctx.fonts_mut(|f| {
            f.layout_no_wrap(self.title.clone(), FontId::proportional(12.0 * z), text)
        });
        let at = screen.center() - galley.size() / 2.0;
        shapes.push(TextShape::new(at, galley, text).into());
        shapes
    }

    fn update(&mut self, p: &NodeProps<OpNode>) {
        self.pos = p.location();
        self.selected = p.selected;
        self.hovered = p.hovered;
    }

    fn is_inside(&self, pos: Pos2) -> bool {
        self.rect().contains(pos)
    }
}

/// Row = longest path from the neighbourhood's sources, column = order within the row (by hop
/// distance, then node index), rows centred.
fn layered_positions(hood: &Neighbourhood) -> Vec<(NodeId, Pos2)> {
    let mut rank: std::collections::HashMap<NodeId, usize> =
        hood.nodes.iter().map(|(n, _)| (*n, 0)).collect();
    // Relax along edges; a neighbourhood is small, and the bound stops a cycle.
    for _ in 0..hood.nodes.len() {
        let mut changed = false;
        for (a, b, _) in &hood.edges {
            let want = rank[a] + 1;
            if rank[b] < want && want < hood.nodes.len() {
                rank.insert(*b, want);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let mut rows: std::collections::BTreeMap<usize, Vec<(usize, NodeId)>> = Default::default();
    for (n, hop) in &hood.nodes {
        rows.entry(rank[n]).or_default().push((*hop, *n));
    }
    let mut out = Vec::new();
    for (r, mut row) in rows {
        row.sort();
        let width = row.len() as f32 - 1.0;
        for (k, (_, n)) in row.into_iter().enumerate() {
            out.push((
                n,
                Pos2::new((k as f32 - width / 2.0) * 140.0, r as f32 * 60.0),
            ));
        }
    }
    out
}

type ViewGraph = egui_graphs::Graph<OpNode, String, Directed, DefaultIx, OpBox, DefaultEdgeShape>;

/// The neighbourhood view's state: which node, how many hops, the egui_graphs graph.
pub struct NeighbourhoodView {
    pub hood: Neighbourhood,
    graph: ViewGraph,
    /// Where each node was drawn in the last frame (for tests and captures).
    pub drawn: Vec<(NodeId, Rect)>,
    /// The layout must run again (new centre or hop count).
    fresh: bool,
}

/// egui_graphs keeps its layout and camera under this id.
const VIEW_ID: &str = "onnx-lens-neighbourhood";

impl NeighbourhoodView {
    pub fn new(model: &Model, graph: GraphId, centre: NodeId, hops: usize) -> NeighbourhoodView {
        let hood = Neighbourhood::of(model, graph, centre, hops);
        let mut g = ViewGraph::new();
        let nodes = model.body(graph).map(|b| b.nodes()).unwrap_or(&[]);
        let mut index: Vec<(NodeId, NodeIndex)> = Vec::with_capacity(hood.nodes.len());
        for &(n, _) in &hood.nodes {
            let node = &nodes[n.0];
            let payload = OpNode {
                node: n,
                title: node.op_type.clone(),
                category: category(&node.domain, &node.op_type),
                centre: n == centre,
            };
            let label = display_label(node, n.0);
            index.push((n, g.add_node_with_label(payload, label)));
        }
        let at = |n: NodeId| index.iter().find(|(m, _)| *m == n).map(|(_, i)| *i);
        for (a, b, value) in &hood.edges {
            if let (Some(a), Some(b)) = (at(*a), at(*b)) {
                g.add_edge_with_label(a, b, value.clone(), value.clone());
            }
        }
        // Layered like the main view: producers above consumers.
        for (n, p) in layered_positions(&hood) {
            if let Some(node) = at(n).and_then(|i| g.node_mut(i)) {
                node.set_location(p);
            }
        }
        NeighbourhoodView {
            hood,
            graph: g,
            drawn: Vec::new(),
            fresh: true,
        }
    }

    pub fn node_count(&self) -> usize {
        self.hood.nodes.len()
    }

    /// The window: hop count, the graph view; a click selects in the main view.
    pub fn show(&mut self, ctx: &egui::Context, model: &Model, open: &mut bool) -> Vec<Command> {
        let mut out = Vec::new();
        let title = model
            .body(self.hood.graph)
            .and_then(|b| b.nodes().get(self.hood.centre.0))
            .map(|n| display_label(n, self.hood.centre.0))
            .unwrap_or_default();
        egui::Window::new(format!("Neighbourhood of {title}"))
            .id(egui::Id::new("neighbourhood-window"))
            .open(open)
            .default_size([560.0, 460.0])
            .show(ctx, |ui| {
                ui.horizontal(|ui| {
                    let mut hops = self.hood.hops;
                    ui.label("hops");
                    if ui.add(egui::Slider::new(&mut hops, 1..=8)).changed() {
                        *self =
                            NeighbourhoodView::new(model, self.hood.graph, self.hood.centre, hops);
                    }
                    let n = crate::ui::widgets::count(self.node_count(), "node", "nodes");
                    let note = if self.hood.truncated {
                        format!("{n} (the nearest {MAX_NEIGHBOURHOOD})")
                    } else {
                        n
                    };
                    ui.label(egui::RichText::new(note).weak());
                });
                out.extend(self.graph_view(ui));
            });
        out
    }

    fn graph_view(&mut self, ui: &mut egui::Ui) -> Vec<Command> {
        let id = Some(VIEW_ID.to_string());
        if std::mem::take(&mut self.fresh) {
            // Our positions stand: the layout counts as already run.
            let state = LayoutStateHierarchical {
                triggered: true,
                ..Default::default()
            };
            egui_graphs::set_layout_state::<LayoutStateHierarchical>(ui, state, id.clone());
            egui_graphs::reset_metadata(ui, id.clone());
        }
        let response = GraphView::<LayoutStateHierarchical, LayoutHierarchical>::new()
            .with_id(id.clone())
            .with_interactions(
                &SettingsInteraction::new()
                    .with_dragging_enabled(true)
                    .with_hover_enabled(true)
                    .with_node_clicking_enabled(true)
                    .with_node_selection_enabled(true),
            )
            .with_navigations(
                &SettingsNavigation::new()
                    .with_fit_to_screen_enabled(true)
                    .with_zoom_and_pan_enabled(true),
            )
            .with_styles(&SettingsStyle::new().with_labels_always(false))
            .show(ui, &mut self.graph);
        // egui_graphs keeps its pan relative to the widget's corner.
        let corner = response.response.rect.left_top().to_vec2();
        let meta = MetadataFrame::new(id).load(ui);
        self.drawn = self
            .graph
            .nodes_iter()
            .map(|(_, n)| {
                let r = n.display().rect();
                let r = Rect::from_min_max(
                    meta.canvas_to_screen_pos(r.min) + corner,
                    meta.canvas_to_screen_pos(r.max) + corner,
                );
                (n.payload().node, r)
            })
            .collect();
        response
            .changes
            .iter()
            .filter_map(|c| match c {
                GraphChange::NodeClicked { node } => self.graph.node(*node),
                _ => None,
            })
            .map(|n| Command::FocusNode(self.hood.graph, n.payload().node))
            .collect()
    }
}
