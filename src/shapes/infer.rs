//! Every value's type and shape in the main graph: tract's symbolic analysis (`tract::analyse`)
//! mapped back to ONNX value names, and where tract does not know a value (or a dim of it),
//! onnx-lens's own engine (`engine.rs`), so the combination is never worse than either. tract
//! ignores value_info, so "inferred" means inferred; a declaration is the fallback ("declared")
//! where neither can say.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::model::types::{format_dims, Dim};
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
    /// Who inferred it, for inferred values: `tract`, or `onnx-lens` where tract could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<ShapeSource>,
}

/// The shape engine an inferred shape comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ShapeSource {
    #[serde(rename = "tract")]
    Tract,
    #[serde(rename = "onnx-lens")]
    Engine,
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
    pub by_name: foldhash::HashMap<String, usize>,
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
    /// Values of subgraphs and local functions (onnx-lens's engine; tract analyses the main
    /// graph only).
    pub scoped: Vec<ScopedShape>,
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

/// Every value's type and shape for `shapes`: from onnx-lens's engine alone where it determines
/// the whole main graph — every value's element type and every dim a number or an input's
/// name, no op's rule broken — so tract's analysis (several times slower than onnx's on large
/// plain graphs) is skipped; otherwise `analyse`. The axes report needs tract's facts and keeps
/// `analyse`.
pub fn analyse_shapes(model: &Model) -> ShapeAnalysis {
    let scopes = super::engine::infer_model(model, &|g| model.opset_in(g, ""));
    // A model tract would be refused (unconfined external data, a constant that would exhaust
    // memory, a known crash) goes the full way, whose report says why (and which vets it
    // itself: only the engine's path asks here).
    let determined = engine_values(model, &scopes[..])
        .filter(|_| crate::tract::proto::vet_for_tract(model).is_ok());
    match determined {
        Some((values, by_name)) => ShapeAnalysis {
            values,
            by_name,
            symbols: crate::tract::input_symbols(model),
            nodes: vec![],
            outputs: main_outputs(model),
            tract_dims: HashMap::new(),
            error: None,
            unsupported_nodes: vec![],
            scoped: scoped_values(model, &scopes),
        },
        None => analyse_with_scopes(model, Weights::AsInputs, scopes),
    }
}

fn main_outputs(model: &Model) -> Vec<String> {
    model
        .graph(MAIN_GRAPH)
        .map(|g| g.outputs.clone())
        .unwrap_or_default()
}

/// The main graph's values from the engine's scope, when it determines all of them.
fn engine_values(
    model: &Model,
    scopes: &[super::engine::ScopeShapes<'_>],
) -> Option<(Vec<ValueShape>, foldhash::HashMap<String, usize>)> {
    let engine = scopes.first()?;
    if !engine.violations.is_empty() {
        return None;
    }
    let Some(Body::Graph(graph)) = model.body(MAIN_GRAPH) else {
        return None;
    };
    let index = model.graph(MAIN_GRAPH)?;
    let types = super::elem_types::graph_types(model, MAIN_GRAPH)?;
    let declared = model.declared_types(MAIN_GRAPH);
    // Names the inputs give their dims: the only symbols a fully determined graph may show.
    let input_names: std::collections::HashSet<&str> = index
        .inputs
        .iter()
        .filter_map(|i| declared.get(i)?.shape())
        .flatten()
        .filter_map(|d| match d {
            Dim::Param(p) => Some(p.as_str()),
            _ => None,
        })
        .collect();
    let known = |d: &Dim| match d {
        Dim::Value(v) => *v >= 0,
        Dim::Param(p) => input_names.contains(p.as_str()),
        Dim::Unknown => false,
    };
    let outputs = graph
        .node
        .iter()
        .flat_map(|n| n.output.iter())
        .filter(|o| !o.is_empty());
    let mut values = Vec::with_capacity(index.inputs.len() + graph.node.len());
    let mut by_name: foldhash::HashMap<String, usize> = Default::default();
    by_name.reserve(values.capacity());
    // Element type names, made once per type rather than once per value.
    let mut type_names: foldhash::HashMap<crate::model::DataType, String> = Default::default();
    let inputs = index.inputs.iter().map(|i| (i, true));
    for (name, is_input) in inputs.chain(outputs.map(|o| (o, false))) {
        if by_name.contains_key(name.as_str()) {
            continue;
        }
        if !is_input && !engine.inferred.contains(name.as_str()) {
            return None;
        }
        let dims = engine.shapes.get(name.as_str())?;
        if !dims.iter().all(known) {
            return None;
        }
        let t = *types.get(name.as_str())?;
        let dtype = type_names.entry(t).or_insert_with(|| t.name()).clone();
        by_name.insert(name.clone(), values.len());
        values.push(ValueShape {
            name: name.clone(),
            dtype: Some(dtype),
            dims: Some(dims.iter().map(|d| d.to_string()).collect()),
            origin: ShapeOrigin::Inferred,
            source: Some(ShapeSource::Engine),
        });
    }
    Some((values, by_name))
}

pub fn analyse_with(model: &Model, weights: Weights) -> ShapeAnalysis {
    let scopes = super::engine::infer_model(model, &|g| model.opset_in(g, ""));
    analyse_with_scopes(model, weights, scopes)
}

fn analyse_with_scopes(
    model: &Model,
    weights: Weights,
    scopes: Vec<super::engine::ScopeShapes<'_>>,
) -> ShapeAnalysis {
    let t = crate::tract::analyse(model, weights);
    let mut analysis = ShapeAnalysis {
        values: vec![],
        by_name: Default::default(),
        symbols: t.symbols,
        nodes: t.nodes,
        outputs: main_outputs(model),
        tract_dims: t
            .values
            .iter()
            .filter_map(|(name, f)| Some((name.clone(), f.dims.clone()?)))
            .collect(),
        error: t.failure,
        unsupported_nodes: t.unsupported_nodes,
        scoped: vec![],
    };
    // Every scope in one engine run: the main graph's gaps (an If's or Loop's outputs come
    // from its bodies) and the subgraphs' values.
    analysis.scoped = scoped_values(model, &scopes);
    let engine = scopes.into_iter().next().unwrap_or_default();
    fill_values(model, &t.values, &engine, &mut analysis);
    analysis
}

/// tract's dims, with dims tract left unknown taken from the engine where it knows them.
fn combined(tract: Option<Vec<String>>, engine: Option<&Vec<Dim>>) -> Option<Vec<String>> {
    let from_engine = |d: &Dim| match d {
        Dim::Unknown => "?".to_string(),
        other => other.to_string(),
    };
    match (tract, engine) {
        (Some(t), Some(e)) if t.len() == e.len() => Some(
            t.into_iter()
                .zip(e)
                // tract's `broadcast(17, 1+(h/8)*(w/8))` is a dim the model needs to be 17:
                // the engine's number says it in ONNX words.
                .map(|(a, b)| {
                    let tract_speak = a.contains("broadcast(") && *b != Dim::Unknown;
                    if a == "?" || tract_speak {
                        from_engine(b)
                    } else {
                        a
                    }
                })
                .collect(),
        ),
        (Some(t), _) => Some(t),
        (None, Some(e)) => Some(e.iter().map(from_engine).collect()),
        (None, None) => None,
    }
}

fn dim_text(d: &Option<SymDim>) -> String {
    d.as_ref()
        .map(|t| t.text.clone())
        .unwrap_or_else(|| "?".into())
}

fn fill_values(
    model: &Model,
    facts: &HashMap<String, ValueFact>,
    engine: &super::engine::ScopeShapes<'_>,
    a: &mut ShapeAnalysis,
) {
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
        let tract = facts
            .get(name)
            .and_then(|f| f.dims.as_ref())
            .map(|d| d.iter().map(|x| restore(dim_text(x))).collect::<Vec<_>>());
        let by_engine = engine
            .inferred
            .contains(name)
            .then(|| engine.shapes.get(name))
            .flatten();
        let dtype = facts
            .get(name)
            .and_then(|f| f.dtype.clone())
            .or_else(|| declared.get(name).and_then(|t| t.elem()).map(|e| e.name()));
        let source = match (&tract, by_engine) {
            (Some(_), _) => Some(ShapeSource::Tract),
            (None, Some(_)) => Some(ShapeSource::Engine),
            (None, None) => None,
        };
        let v = match (combined(tract, by_engine), declared.get(name)) {
            (Some(dims), _) => ValueShape {
                name: name.to_string(),
                dtype,
                dims: Some(dims),
                origin: ShapeOrigin::Inferred,
                source,
            },
            (None, Some(t)) if t.shape().is_some() => ValueShape {
                name: name.to_string(),
                dtype: t.elem().map(|e| e.name()),
                dims: t.shape().map(|d| d.iter().map(|x| x.to_string()).collect()),
                origin: ShapeOrigin::Declared,
                source: None,
            },
            _ => ValueShape {
                name: name.to_string(),
                dtype,
                dims: None,
                origin: ShapeOrigin::Unknown,
                source: None,
            },
        };
        a.by_name.insert(name.to_string(), a.values.len());
        a.values.push(v);
    }
}

/// A value of a subgraph (If/Loop/Scan body) or local function, with the path of its scope.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScopedShape {
    #[serde(skip)]
    pub graph_id: crate::model::GraphId,
    /// `If_0/then_branch`, `function local:F`.
    pub graph: String,
    #[serde(flatten)]
    pub value: ValueShape,
}

/// Shapes of every value inside subgraphs and local functions, from the engine's scopes, with
/// the outer scopes' shapes flowing in.
fn scoped_values(model: &Model, scopes: &[super::engine::ScopeShapes<'_>]) -> Vec<ScopedShape> {
    let mut out = Vec::new();
    for (g, s) in scopes.iter().enumerate() {
        if g != MAIN_GRAPH {
            if let (Some(body), Some(index)) = (model.body(g), model.graph(g)) {
                let declared = model.declared_types(g);
                let names = index.inputs.iter().map(String::as_str).chain(
                    body.nodes()
                        .iter()
                        .flat_map(|n| n.output.iter())
                        .filter(|o| !o.is_empty())
                        .map(String::as_str),
                );
                for name in names {
                    let inferred = s.inferred.contains(name);
                    let dims = s.shapes.get(name).map(|d| {
                        d.iter()
                            .map(|x| match x {
                                Dim::Unknown => "?".to_string(),
                                other => other.to_string(),
                            })
                            .collect()
                    });
                    let origin = match (&dims, inferred) {
                        (Some(_), true) => ShapeOrigin::Inferred,
                        (Some(_), false) => ShapeOrigin::Declared,
                        (None, _) => ShapeOrigin::Unknown,
                    };
                    out.push(ScopedShape {
                        graph_id: g,
                        graph: index.path.clone(),
                        value: ValueShape {
                            name: name.to_string(),
                            dtype: declared.get(name).and_then(|t| t.elem()).map(|e| e.name()),
                            dims,
                            origin,
                            source: inferred.then_some(ShapeSource::Engine),
                        },
                    });
                }
            }
        }
    }
    out
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
