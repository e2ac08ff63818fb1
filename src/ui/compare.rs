//! The compare view's state: the second model (B) with its own canvas views, the diff and the
//! numeric comparison made on workers, and the per-item colours of both graphs. The app draws
//! A and B side by side; selecting a node on one side selects its match on the other.

use std::sync::Arc;

use egui::Color32;

use super::state::OpenDocument;
use crate::compare::{compare_runs, diff, DiffOptions, ModelDiff, NumericDiff};
use crate::document::Document;
use crate::jobs::{Job, Repaint};
use crate::layout::{ItemId, ItemMap};
use crate::model::{Model, NodeId, MAIN_GRAPH};
use crate::run::{RunRequest, Tolerance};

/// Colours of the differences, on both canvases and in the list.
pub const CHANGED: Color32 = Color32::from_rgba_premultiplied(230, 140, 0, 150);
pub const ADDED: Color32 = Color32::from_rgba_premultiplied(40, 160, 60, 150);
pub const REMOVED: Color32 = Color32::from_rgba_premultiplied(210, 40, 40, 150);
pub const FUSED: Color32 = Color32::from_rgba_premultiplied(120, 70, 200, 150);
pub const DIVERGES: Color32 = Color32::from_rgba_premultiplied(220, 0, 120, 190);

/// The list's text colour for a tint (the tint itself is too light to read as text).
pub fn text_color(tint: Color32) -> Color32 {
    let [r, g, b, _] = tint.to_srgba_unmultiplied();
    Color32::from_rgb(
        (r as f32 * 0.8) as u8,
        (g as f32 * 0.7) as u8,
        (b as f32 * 0.8) as u8,
    )
}

/// The default egui fonts have no arrow (or minus-sign) glyph: the window spells them out.
pub fn plain_arrows(text: &str) -> String {
    text.replace('→', "->").replace('−', "-")
}

/// A's and B's per-item colours.
pub type TintPair<'a> = (&'a ItemMap<Color32>, &'a ItemMap<Color32>);

/// One row of the differences list: what it is and the node on each side. Rows without a
/// label only colour a group's further nodes.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    pub label: String,
    pub color: Color32,
    pub a: Option<NodeId>,
    pub b: Option<NodeId>,
}

pub struct Comparison {
    a: Arc<Model>,
    pub b: OpenDocument,
    diff_job: Job<Arc<ModelDiff>>,
    pub diff: Option<Arc<ModelDiff>>,
    pub differences: Vec<Difference>,
    /// A node → B node, B node → A node (main graphs).
    a_to_b: std::collections::HashMap<usize, usize>,
    b_to_a: std::collections::HashMap<usize, usize>,
    tints: Option<(ItemMap<Color32>, ItemMap<Color32>)>,
    numeric_job: Job<NumericDiff, String>,
    pub numeric: Option<NumericDiff>,
    pub numeric_error: Option<String>,
    /// Tolerances of "Run both", editable in the Compare tab.
    pub tolerance: Tolerance,
}

impl Comparison {
    /// Starts diffing `a` against the loaded `b`.
    pub fn start(a: Arc<Model>, b: Document, repaint: Repaint) -> Comparison {
        let (model_a, model_b) = (a.clone(), b.model.clone());
        let diff_job = Job::spawn("compare", repaint, move |p| {
            p.set(0.1, "matching nodes");
            Ok(Arc::new(diff(&model_a, &model_b, DiffOptions::default())))
        });
        Comparison {
            a,
            b: OpenDocument::new(b),
            diff_job,
            diff: None,
            differences: vec![],
            a_to_b: Default::default(),
            b_to_a: Default::default(),
            tints: None,
            numeric_job: Job::default(),
            numeric: None,
            numeric_error: None,
            tolerance: Tolerance {
                rtol: 1e-3,
                atol: 1e-5,
            },
        }
    }

    pub fn busy(&self) -> bool {
        self.diff_job.is_pending() || self.numeric_job.is_pending() || self.b.busy()
    }

    /// Takes finished results; returns a failure message.
    pub fn poll(&mut self) -> Option<String> {
        let a = self.a.clone();
        let mut failed = None;
        match self.diff_job.take() {
            Some(Ok(d)) => {
                self.a_to_b = d.pairs.iter().copied().collect();
                self.b_to_a = d.pairs.iter().map(|&(i, j)| (j, i)).collect();
                self.differences = differences(&d, &a, &self.b.doc.model);
                self.diff = Some(d);
                self.tints = None;
            }
            Some(Err(e)) => failed = Some(format!("compare failed: {e}")),
            None => {}
        }
        match self.numeric_job.take() {
            Some(Ok(n)) => {
                self.numeric = Some(n);
                self.numeric_error = None;
                self.tints = None;
            }
            Some(Err(e)) => self.numeric_error = Some(e.to_string()),
            None => {}
        }
        if let Some(e) = self.b.doc.poll().pop() {
            failed = Some(e);
        }
        if let Some((g, at)) = self.b.doc.take_pending_center() {
            self.b.views.entry(g).or_default().center_on(at);
        }
        failed
    }

    /// Runs both models on the inputs `request` gives A (the Run tab's choices), B on the same
    /// tensors, and compares them.
    pub fn start_numeric(&mut self, mut request: RunRequest, repaint: Repaint) {
        let Some(d) = self.diff.clone() else { return };
        let (a, b, tolerance) = (self.a.clone(), self.b.doc.model.clone(), self.tolerance);
        request.cross_check = false;
        self.numeric_job = Job::spawn("compare runs", repaint, move |p| {
            compare_runs(&a, &b, &d, &request, tolerance, p)
                .map_err(|(side, e)| format!("{side}: {e}"))
        });
    }

    pub fn numeric_running(&self) -> bool {
        self.numeric_job.is_running()
    }

    pub fn a_node_of_name(&self, name: &str) -> Option<NodeId> {
        self.a.node_by_tract_name(MAIN_GRAPH, name)
    }

    pub fn b_node_of_name(&self, name: &str) -> Option<NodeId> {
        self.b.doc.model.node_by_tract_name(MAIN_GRAPH, name)
    }

    pub fn match_of_a(&self, n: NodeId) -> Option<NodeId> {
        self.a_to_b.get(&n.0).map(|&j| NodeId(j))
    }

    pub fn match_of_b(&self, n: NodeId) -> Option<NodeId> {
        self.b_to_a.get(&n.0).map(|&i| NodeId(i))
    }

    /// Per-item colours of A's and B's main graphs (built once both are laid out and the diff
    /// is done), with B's document to draw beside them.
    pub fn tints_and_b(&mut self, a: &Document) -> (Option<TintPair<'_>>, &mut OpenDocument) {
        self.build_tints(a);
        (self.tints.as_ref().map(|(x, y)| (x, y)), &mut self.b)
    }

    fn build_tints(&mut self, a: &Document) -> Option<()> {
        if self.tints.is_none() {
            let (la, lb) = (a.laid_out(MAIN_GRAPH)?, self.b.doc.laid_out(MAIN_GRAPH)?);
            self.diff.as_ref()?;
            let (mut on_a, mut on_b) = (Vec::new(), Vec::new());
            for d in &self.differences {
                if let Some(item) = d.a.and_then(|n| la.view.item_of_node(n)) {
                    on_a.push((item, d.color));
                }
                if let Some(item) = d.b.and_then(|n| lb.view.item_of_node(n)) {
                    on_b.push((item, d.color));
                }
            }
            if let Some(f) = self
                .numeric
                .as_ref()
                .and_then(|n| n.first_divergence.as_ref())
            {
                let (ma, mb) = (a.model.as_ref(), self.b.doc.model.as_ref());
                let item = |m: &Model, l: &crate::layout::LaidOutGraph, name: &str| {
                    m.node_by_tract_name(MAIN_GRAPH, name)
                        .and_then(|n| l.view.item_of_node(n))
                };
                on_a.extend(item(ma, la, &f.a_node).map(|i| (i, DIVERGES)));
                on_b.extend(item(mb, lb, &f.b_node).map(|i| (i, DIVERGES)));
            }
            // The last colour given to an item wins (the divergence over a change).
            let map = |len: usize, v: Vec<(ItemId, Color32)>| ItemMap::new(len, v);
            self.tints = Some((
                map(la.view.items.len(), on_a),
                map(lb.view.items.len(), on_b),
            ));
        }
        Some(())
    }
}

/// The differences as list rows, with the nodes they concern on each side.
fn differences(d: &ModelDiff, a: &Model, b: &Model) -> Vec<Difference> {
    let node_a = |name: &str| a.node_by_tract_name(MAIN_GRAPH, name);
    let node_b = |name: &str| b.node_by_tract_name(MAIN_GRAPH, name);
    let mut out = Vec::new();
    for c in &d.nodes.changed {
        let op = if c.a_op == c.b_op {
            c.a_op.clone()
        } else {
            format!("{} → {}", c.a_op, c.b_op)
        };
        out.push(Difference {
            label: format!("changed {} ({op}): {}", c.a, c.what.join(", ")),
            color: CHANGED,
            a: node_a(&c.a),
            b: node_b(&c.b),
        });
    }
    for g in &d.nodes.groups {
        let (label, color) = match g.kind {
            "fused" => (
                format!("fused {} → {}", g.a.join(" + "), g.b.join(" + ")),
                FUSED,
            ),
            "dequantized" => (format!("dequantized {}", g.b.join(" → ")), FUSED),
            "inserted" => (format!("inserted {}", g.b.join(", ")), ADDED),
            _ => (format!("removed {}", g.a.join(", ")), REMOVED),
        };
        // Every node of the group is coloured; the row selects the first on each side.
        out.push(Difference {
            label,
            color,
            a: g.a.iter().rev().find_map(|n| node_a(n)),
            b: g.b.first().and_then(|n| node_b(n)),
        });
        for n in g.a.iter().rev().skip(1) {
            out.push(Difference {
                label: String::new(),
                color,
                a: node_a(n),
                b: None,
            });
        }
        for n in g.b.iter().skip(1) {
            out.push(Difference {
                label: String::new(),
                color,
                a: None,
                b: node_b(n),
            });
        }
    }
    for x in &d.nodes.added {
        out.push(Difference {
            label: format!("added {} ({})", x.node, x.op),
            color: ADDED,
            a: None,
            b: node_b(&x.node),
        });
    }
    for x in &d.nodes.removed {
        out.push(Difference {
            label: format!("removed {} ({})", x.node, x.op),
            color: REMOVED,
            a: node_a(&x.node),
            b: None,
        });
    }
    out
}
