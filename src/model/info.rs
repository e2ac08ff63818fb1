//! The model summary behind `onnx-lens info` and the GUI's model panel.

use std::collections::{BTreeMap, BTreeSet};

use onnx_protobuf::ValueInfoProto;
use serde::Serialize;

use super::external::ExternalRef;
use super::tensor::{element_count, uses_external_data};
use super::types::{Dim, ValueType};
use super::{DataType, Model};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OpsetEntry {
    pub domain: String,
    pub version: i64,
}

impl std::fmt::Display for OpsetEntry {
    /// `ai.onnx:17`, `ai.onnx.ml:3`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let domain = if self.domain.is_empty() {
            "ai.onnx"
        } else {
            &self.domain
        };
        write!(f, "{domain}:{}", self.version)
    }
}

impl ModelInfo {
    /// Every opset import, `ai.onnx:17, ai.onnx.ml:3`.
    pub fn opsets_text(&self) -> String {
        self.opset_import
            .iter()
            .map(|o| o.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MetadataEntry {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ValueSummary {
    pub name: String,
    /// Element type name (`float`, `int64`…), null for non-tensor types.
    pub elem_type: Option<DataType>,
    /// Each dim an integer or a string (`batch_size`, `?`); null when the rank is unknown.
    pub dims: Option<Vec<Dim>>,
    /// The full type as text (`float[batch_size,3,224,224]`, `seq<float[?]>`).
    #[serde(rename = "type")]
    pub type_text: String,
}

impl ValueSummary {
    pub fn from_value_info(v: &ValueInfoProto) -> ValueSummary {
        let t = v
            .type_
            .as_ref()
            .map(ValueType::from_proto)
            .unwrap_or(ValueType::Missing);
        ValueSummary {
            name: v.name.clone(),
            elem_type: t.elem(),
            dims: t.shape().map(<[Dim]>::to_vec),
            type_text: t.to_string(),
        }
    }
}

/// Everything `onnx-lens info --json` prints. Field names are a stable contract (README).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ModelInfo {
    pub file: String,
    pub file_size: u64,
    pub ir_version: i64,
    pub producer_name: String,
    pub producer_version: String,
    pub domain: String,
    pub model_version: i64,
    pub doc_string: String,
    pub graph_name: String,
    pub opset_import: Vec<OpsetEntry>,
    pub metadata_props: Vec<MetadataEntry>,
    /// Graph inputs a caller feeds (initializers listed as inputs are left out).
    pub inputs: Vec<ValueSummary>,
    pub outputs: Vec<ValueSummary>,
    pub initializer_count: usize,
    pub sparse_initializer_count: usize,
    /// Nodes of the main graph.
    pub node_count: usize,
    /// Nodes of every graph: main, subgraphs and local functions.
    pub total_node_count: usize,
    /// op type → count, main graph; a non-default domain is written `domain::Op`.
    pub op_counts: BTreeMap<String, usize>,
    /// Elements of every initializer, in every graph.
    pub parameter_count: u64,
    pub parameter_bytes: u64,
    /// Bytes of the parameters stored in external files.
    pub external_bytes: u64,
    /// Locations of external data files, as written in the model.
    pub external_data_files: Vec<String>,
    pub subgraph_count: usize,
    pub function_count: usize,
}

/// The key an op is counted under.
pub fn op_key(domain: &str, op_type: &str) -> String {
    if domain.is_empty() || domain == "ai.onnx" {
        op_type.to_string()
    } else {
        format!("{domain}::{op_type}")
    }
}

impl ModelInfo {
    pub fn of(model: &Model) -> ModelInfo {
        let p = &model.proto;
        let main = model.body(0).and_then(|b| b.graph());
        let main_index = model.index.main();
        let mut op_counts = BTreeMap::new();
        for n in main.map(|g| &g.node[..]).unwrap_or(&[]) {
            *op_counts.entry(op_key(&n.domain, &n.op_type)).or_insert(0) += 1;
        }
        let (mut parameter_count, mut parameter_bits, mut external_bits) = (0u64, 0u64, 0u64);
        let mut files = BTreeSet::new();
        for (_, t) in model.all_initializers() {
            let n = element_count(&t.dims).unwrap_or(0);
            let bits = n.saturating_mul(DataType::from_i32(t.data_type).size_bits());
            parameter_count = parameter_count.saturating_add(n);
            parameter_bits = parameter_bits.saturating_add(bits);
            if uses_external_data(t) {
                external_bits = external_bits.saturating_add(bits);
                if let Ok(r) = ExternalRef::parse(t) {
                    files.insert(r.location);
                }
            }
        }
        let inputs = main
            .map(|g| {
                g.input
                    .iter()
                    .filter(|v| main_index.is_some_and(|i| i.inputs.contains(&v.name)))
                    .map(ValueSummary::from_value_info)
                    .collect()
            })
            .unwrap_or_default();
        ModelInfo {
            file: model
                .origin
                .path
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| model.origin.name.clone()),
            file_size: model.origin.file_size,
            ir_version: p.ir_version,
            producer_name: p.producer_name.clone(),
            producer_version: p.producer_version.clone(),
            domain: p.domain.clone(),
            model_version: p.model_version,
            doc_string: p.doc_string.clone(),
            graph_name: main.map(|g| g.name.clone()).unwrap_or_default(),
            opset_import: p
                .opset_import
                .iter()
                .map(|o| OpsetEntry {
                    domain: o.domain.clone(),
                    version: o.version,
                })
                .collect(),
            metadata_props: p
                .metadata_props
                .iter()
                .map(|m| MetadataEntry {
                    key: m.key.clone(),
                    value: m.value.clone(),
                })
                .collect(),
            inputs,
            outputs: main
                .map(|g| g.output.iter().map(ValueSummary::from_value_info).collect())
                .unwrap_or_default(),
            initializer_count: main.map_or(0, |g| g.initializer.len()),
            sparse_initializer_count: main.map_or(0, |g| g.sparse_initializer.len()),
            node_count: main.map_or(0, |g| g.node.len()),
            total_node_count: model.index.graphs.iter().map(|g| g.node_count).sum(),
            op_counts,
            parameter_count,
            parameter_bytes: parameter_bits.div_ceil(8),
            external_bytes: external_bits.div_ceil(8),
            external_data_files: files.into_iter().collect(),
            subgraph_count: model.index.subgraph_count(),
            function_count: p.functions.len(),
        }
    }
}
