//! A validator finding: stable code, severity, where (graph path + node) and what to do about it.

use serde::Serialize;

use super::Code;
use crate::model::{index::display_label, GraphId, Model, NodeId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// JSON contract (README): `code`, `severity`, `node`, `op_type`, `graph`, `message`; the
/// `graph_id`/`node_index` pair lets the GUI select the node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    /// Node name (or `Op#index` when unnamed); null for graph- or model-level findings.
    pub node: Option<String>,
    pub op_type: Option<String>,
    /// Subgraph path, "" for the main graph.
    pub graph: String,
    pub message: String,
    pub graph_id: Option<GraphId>,
    pub node_index: Option<usize>,
}

/// Where a finding points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    Model,
    Graph(GraphId),
    Node(GraphId, usize),
}

impl Diagnostic {
    pub fn new(model: &Model, code: Code, at: At, message: String) -> Diagnostic {
        let (graph_id, node_index) = match at {
            At::Model => (None, None),
            At::Graph(g) => (Some(g), None),
            At::Node(g, n) => (Some(g), Some(n)),
        };
        let graph = graph_id
            .and_then(|g| model.graph(g))
            .map(|g| g.path.clone())
            .unwrap_or_default();
        let node = match at {
            At::Node(g, n) => model.body(g).and_then(|b| b.nodes().get(n)),
            _ => None,
        };
        Diagnostic {
            code,
            severity: code.severity(),
            node: node.zip(node_index).map(|(p, i)| display_label(p, i)),
            op_type: node.map(|p| p.op_type.clone()),
            graph,
            message,
            graph_id,
            node_index,
        }
    }

    /// The node it points at, as (scope, node).
    pub fn node_id(&self) -> Option<(GraphId, NodeId)> {
        Some((self.graph_id?, NodeId(self.node_index?)))
    }

    /// One line, compiler style: `error[dangling-input] graph/node (Op): message`.
    pub fn render(&self) -> String {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut place = String::new();
        if !self.graph.is_empty() {
            place.push_str(&self.graph);
        }
        if let Some(n) = &self.node {
            if !place.is_empty() {
                place.push_str(" :: ");
            }
            place.push_str(n);
            if let Some(op) = &self.op_type {
                place.push_str(&format!(" ({op})"));
            }
        }
        if place.is_empty() {
            format!("{sev}[{}]: {}", self.code, self.message)
        } else {
            format!("{sev}[{}] {place}: {}", self.code, self.message)
        }
    }
}

/// Everything the validator found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub errors: usize,
    pub warnings: usize,
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    pub fn from_diagnostics(mut diagnostics: Vec<Diagnostic>) -> Report {
        diagnostics.sort_by(|a, b| {
            (
                a.graph_id.map_or(0, |g| g + 1),
                a.node_index,
                a.severity,
                a.code,
            )
                .cmp(&(
                    b.graph_id.map_or(0, |g| g + 1),
                    b.node_index,
                    b.severity,
                    b.code,
                ))
        });
        let errors = diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        Report {
            errors,
            warnings: diagnostics.len() - errors,
            diagnostics,
        }
    }

    pub fn has_errors(&self) -> bool {
        self.errors > 0
    }

    /// `2 errors, 1 warning`: the verdict line the CLI and the window both print.
    pub fn tally(&self) -> String {
        format!(
            "{}, {}",
            count(self.errors, "error", "errors"),
            count(self.warnings, "warning", "warnings")
        )
    }
}

/// `n thing` / `n things`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
