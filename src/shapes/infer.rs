//! Every value's type and shape in the main graph, from tract's symbolic analysis (`tract::analyse`)
//! mapped back to ONNX value names. Value_info is ignored during analysis so "inferred" means
//! inferred; it is the fallback ("declared") where tract cannot say.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::model::types::format_dims;
use crate::model::{Body, Model, MAIN_GRAPH};
use crate::tract::{InputSymbol, NodeFacts, SymDim, TractFailure, ValueFact, Weights};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ShapeOrigin {
    Inferred,
    Declared,
    Unknown,
}

/// One value's type and shape as onnx-lens shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueShape {
    pub name: String,
    /// ONNX element type name, when known.
    pub dtype: Option<String>,
    /// Each dim as text: `64`, `batch_size`, `batch_size*16`, `?`; null when the rank is unknown.
    pub dims: Option<Vec<String>>,
    pub origin: ShapeOrigin,
}

impl ValueShape {
    /// `1×16×64`-style text for edge labels.
    pub fn label(&self) -> String {
        match &self.dims {
            Some(d) => d.join("×"),
            None => "?".into(),
        }
    }
}

pub struct ShapeAnalysis {
    pub values: Vec<ValueShape>,
    pub by_name: HashMap<String, usize>,
    pub symbols: Vec<InputSymbol>,
    /// Facts per node in evaluation order.
    pub nodes: Vec<NodeFacts>,
    /// Output value names of the graph.
    pub outputs: Vec<String>,
    /// tract's dims per value name, before they become text (the axes report reads symbols).
    pub tract_dims: HashMap<String, Vec<Option<SymDim>>>,
    /// Where tract's analysis stopped, if it did.
    pub error: Option<TractFailure>,
    /// Nodes tract has no implementation for.
    pub unsupported_nodes: Vec<String>,
}

impl ShapeAnalysis {
    pub fn get(&self, name: &str) -> Option<&ValueShape> {
        self.by_name.get(name).map(|&i| &self.values[i])
    }

    /// Share of values with a fully known shape.
    pub fn known_rate(&self) -> f64 {
        if self.values.is_empty() {
            return 1.0;
        }
        let known = self
            .values
            .iter()
            .filter(|v| v.dims.as_ref().is_some_and(|d| d.iter().all(|x| x != "?")))
            .count();
        known as f64 / self.values.len() as f64
    }
}

/// Infers every value's shape in the main graph.
pub fn analyse(model: &Model) -> ShapeAnalysis {
    analyse_with(model, Weights::AsInputs)
}

pub fn analyse_with(model: &Model, weights: Weights) -> ShapeAnalysis {
    let t = crate::tract::analyse(model, weights);
    let mut analysis = ShapeAnalysis {
        values: vec![],
        by_name: HashMap::new(),
        symbols: t.symbols,
        nodes: t.nodes,
        outputs: model
            .graph(MAIN_GRAPH)
            .map(|g| g.outputs.clone())
            .unwrap_or_default(),
        tract_dims: t
            .values
            .iter()
            .filter_map(|(name, f)| Some((name.clone(), f.dims.clone()?)))
            .collect(),
        error: t.failure,
        unsupported_nodes: t.unsupported_nodes,
    };
    fill_values(model, &t.values, &mut analysis);
    analysis
}

fn dim_text(d: &Option<SymDim>) -> String {
    d.as_ref()
        .map(|t| t.text.clone())
        .unwrap_or_else(|| "?".into())
}

fn fill_values(model: &Model, facts: &HashMap<String, ValueFact>, a: &mut ShapeAnalysis) {
    let Some(Body::Graph(graph)) = model.body(MAIN_GRAPH) else {
        return;
    };
    let declared = model.declared_types(MAIN_GRAPH);
    let shown: BTreeMap<&str, &str> = a
        .symbols
        .iter()
        .filter(|s| s.is_named())
        .map(|s| (s.symbol.as_str(), s.written.as_str()))
        .collect();
    let restore = |d: String| shown.get(d.as_str()).map(|w| w.to_string()).unwrap_or(d);
    let mut names: Vec<&str> = Vec::new();
    let index = model.graph(MAIN_GRAPH);
    if let Some(gi) = index {
        names.extend(gi.inputs.iter().map(String::as_str));
    }
    for n in &graph.node {
        names.extend(
            n.output
                .iter()
                .filter(|o| !o.is_empty())
                .map(String::as_str),
        );
    }
    for name in names {
        if a.by_name.contains_key(name) {
            continue;
        }
        let inferred = facts.get(name).filter(|f| f.dims.is_some());
        let v = match (inferred, declared.get(name)) {
            (Some(f), _) => ValueShape {
                name: name.to_string(),
                dtype: f.dtype.clone(),
                dims: f
                    .dims
                    .as_ref()
                    .map(|d| d.iter().map(|x| restore(dim_text(x))).collect()),
                origin: ShapeOrigin::Inferred,
            },
            (None, Some(t)) if t.shape().is_some() => ValueShape {
                name: name.to_string(),
                dtype: t.elem().map(|e| e.name()),
                dims: t.shape().map(|d| d.iter().map(|x| x.to_string()).collect()),
                origin: ShapeOrigin::Declared,
            },
            _ => ValueShape {
                name: name.to_string(),
                dtype: facts.get(name).and_then(|f| f.dtype.clone()),
                dims: None,
                origin: ShapeOrigin::Unknown,
            },
        };
        a.by_name.insert(name.to_string(), a.values.len());
        a.values.push(v);
    }
}

/// `float[batch_size,3,224,224]`-style text.
pub fn type_text(v: &ValueShape) -> String {
    let dims = v.dims.as_ref().map(|d| {
        d.iter()
            .map(|x| crate::model::types::Dim::Param(x.clone()))
            .collect::<Vec<_>>()
    });
    format!(
        "{}{}",
        v.dtype.as_deref().unwrap_or("?"),
        format_dims(dims.as_deref())
    )
}
