//! Shape computations: the `Shape → Gather → Unsqueeze → Concat → (Reshape's shape)` chains
//! exporters write for every dynamic view or expand. They compute a few integers, so the view
//! can draw each connected chain as one box instead of five to fifteen.

use foldhash::{HashMap, HashMapExt, HashSet};
use onnx_protobuf::NodeProto;

use crate::model::GraphIndex;

/// Ops a shape computation is made of (integer arithmetic on small 1-D tensors).
const SHAPE_OPS: &[&str] = &[
    "Shape",
    "Size",
    "Gather",
    "Unsqueeze",
    "Squeeze",
    "Concat",
    "Slice",
    "Cast",
    "Add",
    "Sub",
    "Mul",
    "Div",
    "Equal",
    "Where",
    "Range",
    "ReduceProd",
    "Reshape",
    "Constant",
    "Identity",
    "ConstantOfShape",
    "Max",
    "Min",
    "Neg",
    "Floor",
    "Ceil",
    "Sqrt",
];

/// Input slots that take a shape or indices (what a shape computation feeds), per op.
fn is_shape_slot(op: &str, slot: usize) -> bool {
    match op {
        "Reshape" | "Expand" | "Tile" | "OneHot" | "Unsqueeze" | "Squeeze" | "Pad" | "TopK"
        | "Upsample" | "CenterCropPad" => slot == 1,
        "ReduceSum" | "ReduceMean" | "ReduceMax" | "ReduceMin" | "ReduceProd" | "ReduceL2" => {
            slot == 1
        }
        "ConstantOfShape" => slot == 0,
        "Slice" => (1..=4).contains(&slot),
        "Resize" => slot >= 2,
        "Range" => true,
        _ => false,
    }
}

/// Each shape computation of a scope with two nodes or more, as lists of node indices in
/// graph order. A node belongs when every input comes from the chain, a constant or an
/// initializer (a `Shape` reads any tensor: it starts chains) and every reader of its outputs
/// is in the chain or takes them in a shape slot; graph outputs never belong.
pub fn shape_computations(nodes: &[NodeProto], index: &GraphIndex) -> Vec<Vec<usize>> {
    let mut member: Vec<bool> = nodes
        .iter()
        .map(|n| SHAPE_OPS.contains(&n.op_type.as_str()) && n.domain.is_empty())
        .collect();
    let graph_outputs: HashSet<&str> = index.outputs.iter().map(String::as_str).collect();
    let producer = |v: &str| index.producers.get(v).map(|&(p, _)| p);
    loop {
        let mut changed = false;
        for (n, node) in nodes.iter().enumerate() {
            if !member[n] {
                continue;
            }
            let inputs_ok = node.op_type == "Shape"
                || node.op_type == "Size"
                || node.input.iter().filter(|i| !i.is_empty()).all(|i| {
                    index.initializers.contains_key(i)
                        || producer(i).is_some_and(|p| member[p] || nodes[p].op_type == "Constant")
                });
            let outputs_ok = node.output.iter().all(|o| {
                !graph_outputs.contains(o.as_str())
                    && index.consumers.get(o).is_none_or(|cs| {
                        cs.iter().all(|&c| {
                            member[c]
                                || nodes[c]
                                    .input
                                    .iter()
                                    .enumerate()
                                    .filter(|(_, i)| *i == o)
                                    .all(|(slot, _)| is_shape_slot(&nodes[c].op_type, slot))
                        })
                    })
            });
            // A chain must start at a Shape/Size somewhere upstream: plain constant folding
            // material (Constant → Cast) is left alone.
            if !inputs_ok || !outputs_ok {
                member[n] = false;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    // Connected components among members that reach back to a Shape or Size.
    let mut rooted = vec![false; nodes.len()];
    for (n, node) in nodes.iter().enumerate() {
        if member[n] {
            rooted[n] = node.op_type == "Shape"
                || node.op_type == "Size"
                || node
                    .input
                    .iter()
                    .filter_map(|i| producer(i))
                    .any(|p| member[p] && rooted[p]);
        }
    }
    let mut component: HashMap<usize, usize> = HashMap::new();
    let mut parent: Vec<usize> = (0..nodes.len()).collect();
    fn find(parent: &mut [usize], x: usize) -> usize {
        let mut r = x;
        while parent[r] != r {
            r = parent[r];
        }
        let mut y = x;
        while parent[y] != r {
            let next = parent[y];
            parent[y] = r;
            y = next;
        }
        r
    }
    for (n, node) in nodes.iter().enumerate() {
        if !rooted[n] {
            continue;
        }
        for p in node.input.iter().filter_map(|i| producer(i)) {
            if rooted[p] {
                let (a, b) = (find(&mut parent, n), find(&mut parent, p));
                parent[a] = b;
            }
        }
    }
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for n in (0..nodes.len()).filter(|&n| rooted[n]) {
        let root = find(&mut parent, n);
        let k = *component.entry(root).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[k].push(n);
    }
    groups.retain(|g| g.len() >= 2);
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use onnx_protobuf::{GraphProto, ModelProto, NodeProto};
    use protobuf::Message;

    fn model(nodes: &[(&str, &[&str], &str)], outputs: &[&str]) -> crate::model::Model {
        let mut g = GraphProto::new();
        for (op, inputs, out) in nodes {
            let mut n = NodeProto::new();
            n.op_type = op.to_string();
            n.name = out.to_string();
            n.input = inputs.iter().map(|s| s.to_string()).collect();
            n.output.push(out.to_string());
            g.node.push(n);
        }
        for o in outputs {
            let mut v = onnx_protobuf::ValueInfoProto::new();
            v.name = o.to_string();
            g.output.push(v);
        }
        let mut m = ModelProto::new();
        m.graph = Some(g).into();
        crate::model::load_bytes("t.onnx", &m.write_to_bytes().unwrap(), None).unwrap()
    }

    fn chains(m: &crate::model::Model) -> Vec<Vec<usize>> {
        shape_computations(m.body(0).unwrap().nodes(), m.graph(0).unwrap())
    }

    #[test]
    fn a_flatten_chain_is_one_computation_and_data_uses_break_it() {
        let flatten = [
            ("Relu", &["x"][..], "y"),
            ("Shape", &["y"][..], "s"),
            ("Constant", &[][..], "zero"),
            ("Gather", &["s", "zero"][..], "b"),
            ("Unsqueeze", &["b", "zero"][..], "bu"),
            ("Constant", &[][..], "minus1"),
            ("Concat", &["bu", "minus1"][..], "target"),
            ("Reshape", &["y", "target"][..], "out"),
        ];
        assert_eq!(chains(&model(&flatten, &["out"])), vec![vec![1, 3, 4, 6]]);
        // The batch size also scales data: the Cast → Mul reads it as a tensor, so that branch
        // is not a shape computation, and neither is what feeds it through the Gather.
        let mut used = flatten.to_vec();
        used.push(("Cast", &["b"][..], "bf"));
        used.push(("Mul", &["out", "bf"][..], "scaled"));
        assert_eq!(chains(&model(&used, &["scaled"])), Vec::<Vec<usize>>::new());
        // A shape computation that is itself a graph output stays visible.
        assert_eq!(
            chains(&model(&flatten, &["out", "target"])),
            Vec::<Vec<usize>>::new()
        );
    }
}
