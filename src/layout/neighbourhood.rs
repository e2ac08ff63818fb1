//! A node's neighbourhood: the nodes within k hops along value edges (producers and consumers
//! alike), nearest first and bounded, with the edges among them. What the neighbourhood view
//! draws; no UI here.

use std::collections::VecDeque;

use foldhash::{HashMap, HashMapExt};

use crate::model::{GraphId, Model, NodeId};

/// Nodes a neighbourhood holds at most: the view stays readable and its layout instant.
pub const MAX_NEIGHBOURHOOD: usize = 300;

#[derive(Debug, Clone, PartialEq)]
pub struct Neighbourhood {
    pub graph: GraphId,
    pub centre: NodeId,
    pub hops: usize,
    /// Each node with its hop distance from the centre (the centre first, at 0).
    pub nodes: Vec<(NodeId, usize)>,
    /// (producer, consumer, value) among `nodes`.
    pub edges: Vec<(NodeId, NodeId, String)>,
    /// More nodes were within `hops` than `MAX_NEIGHBOURHOOD`.
    pub truncated: bool,
}

impl Neighbourhood {
    pub fn of(model: &Model, graph: GraphId, centre: NodeId, hops: usize) -> Neighbourhood {
        let mut out = Neighbourhood {
            graph,
            centre,
            hops,
            nodes: Vec::new(),
            edges: Vec::new(),
            truncated: false,
        };
        let (Some(body), Some(index)) = (model.body(graph), model.graph(graph)) else {
            return out;
        };
        let nodes = body.nodes();
        if centre.0 >= nodes.len() {
            return out;
        }
        let mut hop: HashMap<usize, usize> = HashMap::new();
        let mut queue = VecDeque::from([(centre.0, 0usize)]);
        hop.insert(centre.0, 0);
        'search: while let Some((n, d)) = queue.pop_front() {
            out.nodes.push((NodeId(n), d));
            if d == hops {
                continue;
            }
            let node = &nodes[n];
            let producers = node
                .input
                .iter()
                .filter_map(|i| index.producers.get(i).map(|&(p, _)| p));
            let consumers = node
                .output
                .iter()
                .filter_map(|o| index.consumers.get(o))
                .flatten()
                .copied();
            for m in producers.chain(consumers) {
                // Constants are rows of their consumer in the main view: not boxes here either.
                if hop.contains_key(&m) || nodes[m].op_type == "Constant" {
                    continue;
                }
                if hop.len() == MAX_NEIGHBOURHOOD {
                    out.truncated = true;
                    break 'search;
                }
                hop.insert(m, d + 1);
                queue.push_back((m, d + 1));
            }
        }
        // Nodes queued before the bound was hit are in too.
        for (n, d) in queue {
            out.nodes.push((NodeId(n), d));
        }
        for &(NodeId(c), _) in &out.nodes {
            let mut seen = Vec::new();
            for input in &nodes[c].input {
                if let Some(&(p, _)) = index.producers.get(input) {
                    if hop.contains_key(&p) && !seen.contains(input) {
                        seen.push(input.clone());
                        out.edges.push((NodeId(p), NodeId(c), input.clone()));
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use onnx_protobuf::{GraphProto, ModelProto, NodeProto};

    fn chain(n: usize) -> Model {
        let mut g = GraphProto::new();
        for k in 0..n {
            let mut node = NodeProto::new();
            node.op_type = "Relu".into();
            node.name = format!("r{k}");
            node.input.push(format!("v{k}"));
            node.output.push(format!("v{}", k + 1));
            g.node.push(node);
        }
        let mut m = ModelProto::new();
        m.graph = Some(g).into();
        use protobuf::Message;
        crate::model::load_bytes("chain.onnx", &m.write_to_bytes().unwrap(), None).unwrap()
    }

    #[test]
    fn holds_the_nodes_within_k_hops_nearest_first_with_their_edges() {
        let model = chain(9);
        let nb = Neighbourhood::of(&model, 0, NodeId(4), 2);
        let nodes: Vec<(usize, usize)> = nb.nodes.iter().map(|(n, d)| (n.0, *d)).collect();
        assert_eq!(nodes, vec![(4, 0), (3, 1), (5, 1), (2, 2), (6, 2)]);
        let edges: Vec<(usize, usize, &str)> = nb
            .edges
            .iter()
            .map(|(a, b, v)| (a.0, b.0, v.as_str()))
            .collect();
        let mut edges = edges;
        edges.sort();
        assert_eq!(
            edges,
            vec![(2, 3, "v3"), (3, 4, "v4"), (4, 5, "v5"), (5, 6, "v6")]
        );
        assert!(!nb.truncated);
    }

    #[test]
    fn stops_at_the_bound() {
        let model = chain(MAX_NEIGHBOURHOOD * 3);
        let nb = Neighbourhood::of(&model, 0, NodeId(MAX_NEIGHBOURHOOD), MAX_NEIGHBOURHOOD);
        assert_eq!(nb.nodes.len(), MAX_NEIGHBOURHOOD);
        assert!(nb.truncated);
    }
}
