//! A graph index built once per model, in O(nodes + edges): for the main graph, every
//! subgraph (If/Loop/Scan and any GRAPH/GRAPHS attribute) and every local function, which
//! node produces each value and which nodes consume it.
//!
//! Graphs are addressed by `GraphId` (0 is the main graph); a graph's protobuf is reached from
//! the model by walking its owner chain, so the index holds names and positions, never references.

use foldhash::{HashMap, HashSet};

use onnx_protobuf::{FunctionProto, GraphProto, ModelProto, NodeProto, ValueInfoProto};

pub type GraphId = usize;
pub const MAIN_GRAPH: GraphId = 0;

/// Where a graph body lives in the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GraphOwner {
    Main,
    /// `parent.node[node].attribute[attr]`, `.g` when `slot` is None, else `.graphs[slot]`.
    Attribute {
        parent: GraphId,
        node: usize,
        attr: usize,
        slot: Option<usize>,
    },
    /// `model.functions[index]`.
    Function(usize),
}

/// A node's index in its scope's node list. Crosses module lines (selections, commands,
/// marks) as this type, not as a bare number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct NodeId(pub usize);

impl std::fmt::Display for NodeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Borrowed view of a graph body: a GraphProto or a FunctionProto.
#[derive(Clone, Copy)]
pub enum Body<'a> {
    Graph(&'a GraphProto),
    Function(&'a FunctionProto),
}

impl<'a> Body<'a> {
    pub fn nodes(&self) -> &'a [NodeProto] {
        match self {
            Body::Graph(g) => &g.node,
            Body::Function(f) => &f.node,
        }
    }
    pub fn graph(&self) -> Option<&'a GraphProto> {
        match self {
            Body::Graph(g) => Some(g),
            Body::Function(_) => None,
        }
    }
    pub fn value_infos(&self) -> &'a [ValueInfoProto] {
        match self {
            Body::Graph(g) => &g.value_info,
            Body::Function(f) => &f.value_info,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct GraphIndex {
    pub id: GraphId,
    pub owner: Option<GraphOwner>,
    /// Human path: "" for the main graph, `node/attr` (or `node/attr[i]`) for a subgraph,
    /// `function domain:name` for a function, nested with `/`.
    pub path: String,
    pub depth: usize,
    /// Declared inputs that are not initializers (what a caller must feed).
    pub inputs: Vec<String>,
    /// Every declared input name, initializers included (IR < 4 lists both).
    pub declared_inputs: Vec<String>,
    pub outputs: Vec<String>,
    pub initializers: HashMap<String, usize>,
    pub sparse_initializers: HashMap<String, usize>,
    /// value name → (node index, output slot). First producer wins; SSA violations are the checker's.
    pub producers: HashMap<String, (usize, usize)>,
    /// value name → indices of consuming nodes, in node order (a node appears once per use).
    pub consumers: HashMap<String, Vec<usize>>,
    pub value_info: HashMap<String, usize>,
    pub children: Vec<GraphId>,
    pub node_count: usize,
    /// Declared inputs (IR < 4 models list every weight there) and (sparse) initializers: one
    /// lookup for "defined before any node".
    before_nodes: HashSet<String>,
    /// Declared type by value name (`Model::declared_types`), made on first use.
    pub(crate) declared_types:
        std::sync::OnceLock<std::collections::HashMap<String, super::types::ValueType>>,
    /// Node index by tract name (`Model::node_by_tract_name`), made on first use.
    pub(crate) tract_names: std::sync::OnceLock<std::collections::HashMap<String, usize>>,
}

impl GraphIndex {
    /// Is `name` defined in this scope (input, initializer or node output)?
    pub fn defines(&self, name: &str) -> bool {
        self.producers.contains_key(name) || self.defines_before_nodes(name)
    }

    /// Is `name` a declared input or an initializer of this scope (defined before any node runs)?
    pub fn defines_before_nodes(&self, name: &str) -> bool {
        self.before_nodes.contains(name)
    }
}

#[derive(Debug, Clone, Default)]
pub struct ModelIndex {
    pub graphs: Vec<GraphIndex>,
    /// Function name → domain → overload → index in `model.functions`, first definition wins.
    /// Nested so a per-node lookup borrows the node's strings.
    functions: HashMap<String, HashMap<String, HashMap<String, usize>>>,
}

/// Display name of a node: its name, or `op_type#index` when it has none.
pub fn display_label(node: &NodeProto, index: usize) -> String {
    if node.name.is_empty() {
        format!("{}#{}", node.op_type, index)
    } else {
        node.name.clone()
    }
}

/// The body `id` owns, walking the owner chain from the model root (iteratively).
pub fn body<'a>(model: &'a ModelProto, graphs: &[GraphIndex], id: GraphId) -> Option<Body<'a>> {
    let mut chain = Vec::new();
    let mut cur = id;
    loop {
        let owner = graphs.get(cur)?.owner.as_ref()?;
        chain.push(owner);
        match owner {
            GraphOwner::Attribute { parent, .. } => cur = *parent,
            GraphOwner::Main | GraphOwner::Function(_) => break,
        }
    }
    let mut it = chain.into_iter().rev();
    let mut b = match it.next()? {
        GraphOwner::Main => Body::Graph(model.graph.as_ref()?),
        GraphOwner::Function(i) => Body::Function(model.functions.get(*i)?),
        GraphOwner::Attribute { .. } => return None,
    };
    for owner in it {
        let GraphOwner::Attribute {
            node, attr, slot, ..
        } = owner
        else {
            return None;
        };
        let a = b.nodes().get(*node)?.attribute.get(*attr)?;
        let g = match slot {
            None => a.g.as_ref()?,
            Some(s) => a.graphs.get(*s)?,
        };
        b = Body::Graph(g);
    }
    Some(b)
}

impl ModelIndex {
    pub fn build(model: &ModelProto) -> ModelIndex {
        let mut idx = ModelIndex::default();
        for (i, f) in model.functions.iter().enumerate() {
            idx.functions
                .entry(f.name.clone())
                .or_default()
                .entry(f.domain.clone())
                .or_default()
                .entry(f.overload.clone())
                .or_insert(i);
        }
        let mut pending: Vec<GraphIndex> = Vec::new();
        if model.graph.is_some() {
            pending.push(GraphIndex {
                owner: Some(GraphOwner::Main),
                ..Default::default()
            });
        }
        for (i, f) in model.functions.iter().enumerate() {
            pending.push(GraphIndex {
                owner: Some(GraphOwner::Function(i)),
                path: format!("function {}:{}", f.domain, f.name),
                ..Default::default()
            });
        }
        // Breadth-first over bodies: a work list, not recursion, so deep nesting cannot
        // overflow the stack (protobuf's own parse depth limit bounds it anyway).
        let mut queue: std::collections::VecDeque<GraphIndex> = pending.into();
        while let Some(mut g) = queue.pop_front() {
            g.id = idx.graphs.len();
            idx.graphs.push(g);
            let id = idx.graphs.len() - 1;
            let Some(b) = body(model, &idx.graphs, id) else {
                continue;
            };
            let filled = index_body(b, &mut idx.graphs[id]);
            for (node, attr, slot, name) in filled {
                let parent = &idx.graphs[id];
                let path = if parent.path.is_empty() {
                    name
                } else {
                    format!("{}/{}", parent.path, name)
                };
                queue.push_back(GraphIndex {
                    owner: Some(GraphOwner::Attribute {
                        parent: id,
                        node,
                        attr,
                        slot,
                    }),
                    path,
                    depth: parent.depth + 1,
                    ..Default::default()
                });
            }
        }
        // Children ids are only known once every graph has its id.
        for i in 0..idx.graphs.len() {
            if let Some(GraphOwner::Attribute { parent, .. }) = idx.graphs[i].owner {
                idx.graphs[parent].children.push(i);
            }
        }
        idx
    }

    /// The model-local function a node calls, if any: index in `model.functions`.
    pub fn function_called_by(&self, node: &NodeProto) -> Option<usize> {
        self.function(&node.domain, &node.op_type, &node.overload)
    }

    /// The first local function defined as `domain:name` with this overload.
    pub fn function(&self, domain: &str, name: &str, overload: &str) -> Option<usize> {
        if self.functions.is_empty() {
            return None;
        }
        self.functions
            .get(name)?
            .get(domain)?
            .get(overload)
            .copied()
    }

    pub fn main(&self) -> Option<&GraphIndex> {
        self.graphs
            .first()
            .filter(|g| g.owner == Some(GraphOwner::Main))
    }

    /// Subgraphs of If/Loop/Scan etc., across the model (functions' own bodies excluded).
    pub fn subgraph_count(&self) -> usize {
        self.graphs
            .iter()
            .filter(|g| matches!(g.owner, Some(GraphOwner::Attribute { .. })))
            .count()
    }

    /// The chain of enclosing graphs of `id`, innermost first (excluding `id`).
    pub fn ancestors(&self, id: GraphId) -> Vec<GraphId> {
        let mut out = Vec::new();
        let mut cur = id;
        while let Some(GraphOwner::Attribute { parent, .. }) =
            self.graphs.get(cur).and_then(|g| g.owner.clone())
        {
            out.push(parent);
            cur = parent;
        }
        out
    }

    /// The local function scope `id` belongs to (its body, or a subgraph nested in it).
    pub fn function_of(&self, id: GraphId) -> Option<usize> {
        let root = self.ancestors(id).last().copied().unwrap_or(id);
        match self.graphs.get(root)?.owner {
            Some(GraphOwner::Function(f)) => Some(f),
            _ => None,
        }
    }

    /// The graph in scope (this one or an ancestor) that defines `name`.
    pub fn resolve(&self, id: GraphId, name: &str) -> Option<GraphId> {
        std::iter::once(id)
            .chain(self.ancestors(id))
            .find(|&g| self.graphs[g].defines(name))
    }
}

/// Fills `g` from body `b`; returns the subgraph attributes found: (node, attr, slot, path name).
fn index_body(b: Body<'_>, g: &mut GraphIndex) -> Vec<(usize, usize, Option<usize>, String)> {
    let nodes = b.nodes();
    g.node_count = nodes.len();
    match b {
        Body::Graph(graph) => {
            for (i, t) in graph.initializer.iter().enumerate() {
                g.initializers.entry(t.name.clone()).or_insert(i);
            }
            for (i, t) in graph.sparse_initializer.iter().enumerate() {
                if let Some(v) = t.values.as_ref() {
                    g.sparse_initializers.entry(v.name.clone()).or_insert(i);
                }
            }
            g.declared_inputs = graph.input.iter().map(|v| v.name.clone()).collect();
            g.inputs = graph
                .input
                .iter()
                .filter(|v| {
                    !g.initializers.contains_key(&v.name)
                        && !g.sparse_initializers.contains_key(&v.name)
                })
                .map(|v| v.name.clone())
                .collect();
            g.outputs = graph.output.iter().map(|v| v.name.clone()).collect();
        }
        Body::Function(f) => {
            g.declared_inputs = f.input.clone();
            g.inputs = f.input.clone();
            g.outputs = f.output.clone();
        }
    }
    g.before_nodes = g
        .declared_inputs
        .iter()
        .chain(g.initializers.keys())
        .chain(g.sparse_initializers.keys())
        .cloned()
        .collect();
    for (i, v) in b.value_infos().iter().enumerate() {
        g.value_info.entry(v.name.clone()).or_insert(i);
    }
    let mut subgraphs = Vec::new();
    g.producers.reserve(nodes.len());
    g.consumers.reserve(nodes.len());
    for (n, node) in nodes.iter().enumerate() {
        for (slot, out) in node.output.iter().enumerate() {
            if !out.is_empty() && !g.producers.contains_key(out.as_str()) {
                g.producers.insert(out.clone(), (n, slot));
            }
        }
        for inp in &node.input {
            if inp.is_empty() {
                continue;
            }
            match g.consumers.get_mut(inp.as_str()) {
                // A node listing the same value twice (Mul(x, x)) consumes it once for graph
                // purposes; lists grow in node order, so a repeat finds itself last.
                Some(users) if users.last() == Some(&n) => {}
                Some(users) => users.push(n),
                None => {
                    g.consumers.insert(inp.clone(), vec![n]);
                }
            }
        }
        for (a, attr) in node.attribute.iter().enumerate() {
            if attr.g.is_some() {
                let label = display_label(node, n);
                subgraphs.push((n, a, None, format!("{}/{}", label, attr.name)));
            }
            for s in 0..attr.graphs.len() {
                let label = display_label(node, n);
                subgraphs.push((n, a, Some(s), format!("{}/{}[{}]", label, attr.name, s)));
            }
        }
    }
    subgraphs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_reading_a_value_twice_consumes_it_once() {
        let node = |op: &str, inputs: &[&str], out: &str| {
            let mut n = NodeProto::new();
            n.op_type = op.into();
            n.input = inputs.iter().map(|s| s.to_string()).collect();
            n.output = vec![out.into()];
            n
        };
        let mut g = GraphProto::new();
        g.node = vec![
            node("Mul", &["x", "x"], "a"),
            node("Sum", &["x", "a", "x", "a"], "b"),
        ];
        let mut m = ModelProto::new();
        m.graph = protobuf::MessageField::some(g);
        let idx = ModelIndex::build(&m);
        let main = idx.main().unwrap();
        assert_eq!(main.consumers["x"], vec![0, 1]);
        assert_eq!(main.consumers["a"], vec![1]);
    }
}
