//! bytes → ModelProto → Model: loading, the graph index, tensors and types.

pub mod dtype;
pub mod external;
pub mod index;
pub mod info;
pub mod load;
pub mod npy;
pub mod tensor;
pub mod types;
pub mod wire;

use onnx_protobuf::{ModelProto, NodeProto, TensorProto};

pub use dtype::DataType;
pub use external::{ExternalError, ExternalRef, ExternalStore};
pub use index::{Body, GraphId, GraphIndex, GraphOwner, ModelIndex, NodeRef, MAIN_GRAPH};
pub use load::{load_bytes, load_path, LoadError, Origin};
pub use tensor::{Tensor, TensorError, TensorStats, TensorValues};

/// The name tract (and so every run and shape report) gives a node: its name, or its first
/// output when it has none.
pub fn node_key(n: &NodeProto) -> &str {
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
}

impl Model {
    pub fn body(&self, id: GraphId) -> Option<Body<'_>> {
        index::body(&self.proto, &self.index.graphs, id)
    }

    pub fn graph(&self, id: GraphId) -> Option<&GraphIndex> {
        self.index.graphs.get(id)
    }

    pub fn node(&self, r: NodeRef) -> Option<&NodeProto> {
        self.body(r.graph)?.nodes().get(r.node)
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

    /// Decodes a tensor of this model, reading external data if it has any.
    pub fn decode_tensor(&self, t: &TensorProto) -> Result<Tensor, TensorError> {
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

    /// Main-graph op types keyed by `node_key`: how tract's errors and timings are mapped back
    /// to ONNX nodes.
    pub fn main_node_ops(&self) -> std::collections::HashMap<String, String> {
        let Some(Body::Graph(g)) = self.body(MAIN_GRAPH) else {
            return Default::default();
        };
        g.node
            .iter()
            .map(|n| (node_key(n).to_string(), n.op_type.clone()))
            .collect()
    }

    /// The name to show for this model.
    pub fn display_name(&self) -> &str {
        &self.origin.name
    }
}
