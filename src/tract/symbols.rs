//! Input dims as tract symbols: every named, `?` or negative dim of a graph input becomes a
//! symbol tract can parse, and for a run each symbol is fixed to its value.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;
use tract_onnx::pb;

/// A declared symbolic (or unknown) input dimension and the tract symbol standing for it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InputSymbol {
    pub input: String,
    pub dim_index: usize,
    /// As written in the model: `batch_size`, `?`, `-1`, `p2o.DynamicDimension.0`.
    pub written: String,
    /// The identifier tract knows it by (also what dims expressions show).
    pub symbol: String,
}

/// Is a dim written this way a name (the same symbol wherever it appears), rather than `?`
/// or a negative number (each its own unknown)?
pub fn is_named_dim(written: &str) -> bool {
    written != "?" && !written.starts_with('-')
}

/// Is a dim a name an exporter made up for a dim it did not know (tf2onnx's `unk__12`,
/// paddle2onnx's `p2o.DynamicDimension.0`), or no name at all? Such dims of two inputs may be
/// the same size under different names: the dynamic-axes report tries them together.
pub fn is_placeholder_dim(written: &str) -> bool {
    !is_named_dim(written)
        || written
            .strip_prefix("unk__")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        || written.contains("DynamicDimension")
}

impl InputSymbol {
    pub fn is_named(&self) -> bool {
        is_named_dim(&self.written)
    }

    /// What a user reads: the model's name for the dim, or tract's symbol for an unnamed one.
    pub fn shown(&self) -> &str {
        if self.is_named() {
            &self.written
        } else {
            &self.symbol
        }
    }
}

fn is_identifier(s: &str) -> bool {
    let mut c = s.chars();
    c.next()
        .is_some_and(|f| f.is_ascii_alphabetic() || f == '_')
        && c.all(|x| x.is_ascii_alphanumeric() || x == '_')
}

fn sanitize(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if !out.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        out.insert(0, '_');
    }
    out
}

/// Names the symbolic or unknown dims of graph inputs, given per input as (dim index, the dim
/// as written: its name, `?`, or a negative value), with symbols tract can parse: a name that is
/// an identifier stays, others are sanitised, unnamed dims get `<input>_dim<k>`; a name written
/// on several inputs is one symbol.
fn name_symbols(inputs: Vec<(String, Vec<(usize, String)>)>) -> Vec<InputSymbol> {
    let mut by_written: HashMap<String, String> = HashMap::new();
    let mut taken: HashSet<String> = HashSet::new();
    let mut out = Vec::new();
    for (input, dims) in inputs {
        for (d, written) in dims {
            let named = is_named_dim(&written);
            let symbol = match by_written.get(&written) {
                Some(s) if named => s.clone(),
                _ => {
                    let base = if named && is_identifier(&written) {
                        written.clone()
                    } else if named {
                        sanitize(&written)
                    } else {
                        format!("{}_dim{d}", sanitize(&input))
                    };
                    let mut s = base.clone();
                    let mut k = 1;
                    while !taken.insert(s.clone()) {
                        s = format!("{base}_{k}");
                        k += 1;
                    }
                    if named {
                        by_written.insert(written.clone(), s.clone());
                    }
                    s
                }
            };
            out.push(InputSymbol {
                input: input.clone(),
                dim_index: d,
                written,
                symbol,
            });
        }
    }
    out
}

/// Gives every symbolic or unknown dim of the graph inputs a tract-parsable symbol.
pub fn bind_input_symbols(proto: &mut pb::ModelProto) -> Vec<InputSymbol> {
    use pb::tensor_shape_proto::dimension::Value as DimValue;
    let Some(graph) = proto.graph.as_mut() else {
        return vec![];
    };
    let inits: HashSet<String> = graph.initializer.iter().map(|t| t.name.clone()).collect();
    let mut written = Vec::new();
    for input in graph.input.iter().filter(|i| !inits.contains(&i.name)) {
        let Some(pb::type_proto::Value::TensorType(tt)) =
            input.r#type.as_ref().and_then(|t| t.value.as_ref())
        else {
            continue;
        };
        let Some(shape) = tt.shape.as_ref() else {
            continue;
        };
        let dims = shape
            .dim
            .iter()
            .enumerate()
            .filter_map(|(d, dim)| {
                let w = match &dim.value {
                    Some(DimValue::DimValue(v)) if *v >= 0 => return None,
                    Some(DimValue::DimValue(v)) => v.to_string(),
                    Some(DimValue::DimParam(p)) if !p.is_empty() => p.clone(),
                    _ => "?".to_string(),
                };
                Some((d, w))
            })
            .collect();
        written.push((input.name.clone(), dims));
    }
    let symbols = name_symbols(written);
    for s in &symbols {
        let dim = graph
            .input
            .iter_mut()
            .find(|i| i.name == s.input)
            .and_then(|i| i.r#type.as_mut()?.value.as_mut())
            .and_then(|pb::type_proto::Value::TensorType(tt)| tt.shape.as_mut())
            .and_then(|shape| shape.dim.get_mut(s.dim_index));
        if let Some(dim) = dim {
            dim.value = Some(DimValue::DimParam(s.symbol.clone()));
        }
    }
    symbols
}

/// The symbols `bind_input_symbols` would give the model's main-graph inputs, read from the
/// model itself (where tract is not asked at all).
pub fn input_symbols(model: &crate::model::Model) -> Vec<InputSymbol> {
    use crate::model::types::Dim;
    let Some(index) = model.graph(crate::model::MAIN_GRAPH) else {
        return vec![];
    };
    let declared = model.declared_types(crate::model::MAIN_GRAPH);
    let written = index
        .inputs
        .iter()
        .filter_map(|name| {
            let dims = declared.get(name)?.shape()?;
            let dims = dims
                .iter()
                .enumerate()
                .filter_map(|(d, dim)| match dim {
                    Dim::Value(v) if *v >= 0 => None,
                    Dim::Value(v) => Some((d, v.to_string())),
                    Dim::Param(p) if !p.is_empty() => Some((d, p.clone())),
                    _ => Some((d, "?".to_string())),
                })
                .collect();
            Some((name.clone(), dims))
        })
        .collect();
    name_symbols(written)
}

/// Fixes every symbolic input dim of the proto to its value (by tract symbol).
pub fn fix_input_dims(
    proto: &mut pb::ModelProto,
    symbols: &[InputSymbol],
    values: &BTreeMap<String, i64>,
) {
    use pb::tensor_shape_proto::dimension::Value as DimValue;
    let Some(graph) = proto.graph.as_mut() else {
        return;
    };
    for input in &mut graph.input {
        let Some(pb::type_proto::Value::TensorType(tt)) =
            input.r#type.as_mut().and_then(|t| t.value.as_mut())
        else {
            continue;
        };
        for (i, dim) in tt
            .shape
            .iter_mut()
            .flat_map(|s| s.dim.iter_mut())
            .enumerate()
        {
            let sym = symbols
                .iter()
                .find(|s| s.input == input.name && s.dim_index == i);
            if let Some(v) = sym.and_then(|s| values.get(&s.symbol)) {
                dim.value = Some(DimValue::DimValue(*v));
            }
        }
    }
}
