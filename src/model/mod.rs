//! bytes → ModelProto → Model: loading, the graph index, tensors and types.

pub mod attr;
pub mod dtype;
pub mod external;
pub mod index;
pub mod info;
pub mod load;
pub mod npy;
mod pickle;
pub mod tensor;
pub mod types;
pub mod wire;

use onnx_protobuf::{ModelProto, NodeProto, TensorProto};
use types::ValueType;

pub use dtype::DataType;
pub use external::{ExternalError, ExternalRef, ExternalStore};
pub use index::{
    display_label, Body, GraphId, GraphIndex, GraphOwner, ModelIndex, NodeId, MAIN_GRAPH,
};
pub use load::{load_bytes, load_path, LoadError, Origin};
pub use tensor::{Tensor, TensorError, TensorStats, TensorValues};

/// The name tract (and so every run and shape report) gives a node: its name, or its first
/// output when it has none.
pub fn tract_name(n: &NodeProto) -> &str {
    if n.name.is_empty() {
        n.output.first().map(String::as_str).unwrap_or("")
    } else {
        &n.name
    }
}

/// A parsed model with its index. Immutable once built: every later stage reads it.
pub struct Model {
    pub proto: ModelProto,
    pub origin: Origin,
    pub external: ExternalStore,
    pub index: ModelIndex,
    /// Main-graph weights left in the model file at load, read when a tensor is asked for.
    pub deferred: DeferredData,
}

/// The `raw_data` payloads of main-graph initializers that loading left in the file (their
/// TensorProtos hold no raw_data): big models load and check without copying their weights.
#[derive(Debug, Default)]
pub struct DeferredData {
    file: Option<std::fs::File>,
    /// By main-graph initializer index.
    ranges: Vec<Option<wire::ByteRange>>,
}

impl DeferredData {
    pub fn new(file: std::fs::File, ranges: Vec<Option<wire::ByteRange>>) -> DeferredData {
        DeferredData {
            file: Some(file),
            ranges,
        }
    }

    pub fn count(&self) -> usize {
        self.ranges.iter().flatten().count()
    }

    fn read(&self, r: wire::ByteRange) -> std::io::Result<Vec<u8>> {
        use std::os::unix::fs::FileExt;
        let file = self.file.as_ref().ok_or(std::io::ErrorKind::NotFound)?;
        // The range was inside the file at load; a file changed since then fails here instead
        // of allocating a length the file cannot back.
        if file.metadata()?.len() < r.offset.saturating_add(r.len) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the model file changed since it was opened",
            ));
        }
        let mut buf = vec![0; r.len as usize];
        file.read_exact_at(&mut buf, r.offset)?;
        Ok(buf)
    }
}

impl Model {
    pub fn body(&self, id: GraphId) -> Option<Body<'_>> {
        index::body(&self.proto, &self.index.graphs, id)
    }

    pub fn graph(&self, id: GraphId) -> Option<&GraphIndex> {
        self.index.graphs.get(id)
    }

    /// The types scope `g` declares (graph inputs, outputs, value_info; the first declaration
    /// of a name wins), by value name. Built on first use.
    pub fn declared_types(&self, g: GraphId) -> &std::collections::HashMap<String, ValueType> {
        static NONE: std::sync::OnceLock<std::collections::HashMap<String, ValueType>> =
            std::sync::OnceLock::new();
        let Some(index) = self.graph(g) else {
            return NONE.get_or_init(Default::default);
        };
        index.declared_types.get_or_init(|| {
            let mut m = std::collections::HashMap::new();
            if let Some(graph) = self.body(g).and_then(|b| b.graph()) {
                for v in graph
                    .input
                    .iter()
                    .chain(&graph.output)
                    .chain(&graph.value_info)
                {
                    if let Some(t) = v.type_.as_ref() {
                        m.entry(v.name.clone())
                            .or_insert_with(|| ValueType::from_proto(t));
                    }
                }
            }
            m
        })
    }

    /// The declared type of one value of scope `g`.
    pub fn declared_type(&self, g: GraphId, name: &str) -> Option<&ValueType> {
        self.declared_types(g).get(name)
    }

    /// The main graph's inputs a caller feeds (initializers excluded), in order, with their
    /// declared types.
    pub fn fed_inputs(&self) -> Vec<(&str, Option<&ValueType>)> {
        self.graph(MAIN_GRAPH)
            .map(|index| {
                index
                    .inputs
                    .iter()
                    .map(|name| (name.as_str(), self.declared_type(MAIN_GRAPH, name)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Node `n` of scope `g`.
    pub fn node(&self, g: GraphId, n: NodeId) -> Option<&NodeProto> {
        self.body(g)?.nodes().get(n.0)
    }

    /// The node of scope `g` that tract (and so every run and shape report) calls `name`.
    /// The name map is built on first use, so loading a big model does not pay for it.
    pub fn node_by_tract_name(&self, g: GraphId, name: &str) -> Option<NodeId> {
        let index = self.graph(g)?;
        let names = index.tract_names.get_or_init(|| {
            let mut m = std::collections::HashMap::new();
            if let Some(body) = self.body(g) {
                for (i, n) in body.nodes().iter().enumerate() {
                    m.entry(tract_name(n).to_string()).or_insert(i);
                }
            }
            m
        });
        names.get(name).copied().map(NodeId)
    }

    /// Every initializer of every graph (main and subgraphs), with its graph.
    pub fn all_initializers(&self) -> impl Iterator<Item = (GraphId, &TensorProto)> {
        (0..self.index.graphs.len()).flat_map(move |id| {
            self.body(id)
                .and_then(|b| b.graph())
                .map(|g| g.initializer.iter())
                .into_iter()
                .flatten()
                .map(move |t| (id, t))
        })
    }

    /// Where `t`'s raw_data was left in the model file, if it is a main-graph initializer
    /// whose payload loading deferred.
    pub fn deferred_raw(&self, t: &TensorProto) -> Option<wire::ByteRange> {
        let Some(Body::Graph(g)) = self.body(MAIN_GRAPH) else {
            return None;
        };
        // Identity, not name: names can repeat (a duplicate-initializer finding).
        let ptr = t as *const TensorProto;
        if !g.initializer.as_ptr_range().contains(&ptr) {
            return None;
        }
        let i =
            (ptr as usize - g.initializer.as_ptr() as usize) / std::mem::size_of::<TensorProto>();
        *self.deferred.ranges.get(i)?
    }

    /// Bytes of `t`'s raw_data, whether inline or deferred.
    pub fn raw_len(&self, t: &TensorProto) -> u64 {
        match self.deferred_raw(t) {
            Some(r) => r.len,
            None => t.raw_data.len() as u64,
        }
    }

    /// Decodes a tensor of this model, reading external or deferred data if it has any.
    pub fn decode_tensor(&self, t: &TensorProto) -> Result<Tensor, TensorError> {
        if let Some(r) = self.deferred_raw(t) {
            let bytes = self
                .deferred
                .read(r)
                .map_err(|e| TensorError::ModelFile(e.to_string()))?;
            return tensor::decode(t, Some(&bytes));
        }
        if tensor::uses_external_data(t) {
            let r = ExternalRef::parse(t).map_err(|e| TensorError::External(e.to_string()))?;
            let bytes = self
                .external
                .bytes(&r)
                .map_err(|e| TensorError::External(e.to_string()))?;
            tensor::decode(t, Some(&bytes))
        } else {
            tensor::decode(t, None)
        }
    }

    /// The initializer `name` of graph `id`, decoded.
    pub fn initializer(&self, id: GraphId, name: &str) -> Option<Result<Tensor, TensorError>> {
        let g = self.body(id)?.graph()?;
        let i = *self.graph(id)?.initializers.get(name)?;
        Some(self.decode_tensor(&g.initializer[i]))
    }

    /// The value of the Constant node (with a `value` tensor) that produces `name` in scope `id`.
    pub fn constant_value(&self, id: GraphId, name: &str) -> Option<Result<Tensor, TensorError>> {
        let &(n, _) = self.graph(id)?.producers.get(name)?;
        let node = self.body(id)?.nodes().get(n)?;
        if node.op_type != "Constant" {
            return None;
        }
        let t = node
            .attribute
            .iter()
            .find(|a| a.name == "value")?
            .t
            .as_ref()?;
        Some(self.decode_tensor(t))
    }

    /// Imported opset version of `domain` ("" and "ai.onnx" are the same domain).
    pub fn opset(&self, domain: &str) -> Option<i64> {
        let norm = |d: &str| if d == "ai.onnx" { "" } else { d }.to_string();
        let want = norm(domain);
        self.proto
            .opset_import
            .iter()
            .find(|o| norm(&o.domain) == want)
            .map(|o| o.version)
    }

    /// The opset version of `domain` in force in scope `g`: a local function's own import
    /// (the last, as the validator reads them) over the model's.
    pub fn opset_in(&self, g: GraphId, domain: &str) -> Option<i64> {
        fn norm(d: &str) -> &str {
            if d == "ai.onnx" {
                ""
            } else {
                d
            }
        }
        let own = self.index.function_of(g).and_then(|f| {
            self.proto
                .functions
                .get(f)?
                .opset_import
                .iter()
                .rfind(|o| norm(&o.domain) == norm(domain))
                .map(|o| o.version)
        });
        own.or_else(|| self.opset(domain))
    }

    /// Main-graph op types keyed by `tract_name`: how tract's errors and timings are mapped back
    /// to ONNX nodes.
    pub fn main_node_ops(&self) -> std::collections::HashMap<String, String> {
        let Some(Body::Graph(g)) = self.body(MAIN_GRAPH) else {
            return Default::default();
        };
        g.node
            .iter()
            .map(|n| (tract_name(n).to_string(), n.op_type.clone()))
            .collect()
    }

    /// The name to show for this model.
    pub fn display_name(&self) -> &str {
        &self.origin.name
    }
}
