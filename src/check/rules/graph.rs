//! Graph-structure rules for one scope: names and types of declared values, initializers,
//! SSA, topological order, dangling inputs, true cycles (with their path), produced outputs.

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use onnx_protobuf::ValueInfoProto;

use crate::check::diagnostic::count;
use crate::check::{At, Code, Ctx};
use crate::model::index::display_label;
use crate::model::types::ValueType;
use crate::model::{Body, GraphId, GraphOwner};

pub(crate) fn check(ctx: &mut Ctx<'_>, g: GraphId) {
    let model = ctx.model;
    let Some(body) = model.body(g) else { return };
    let index = &model.index.graphs[g];
    if let Body::Graph(graph) = body {
        if graph.name.is_empty() {
            ctx.report(
                Code::EmptyGraphName,
                At::Graph(g),
                "the graph has no name (onnx requires one)".into(),
            );
        }
        // onnx requires types (and tensor shapes) on the main graph's inputs and outputs only;
        // a subgraph's may be untyped (exporters leave If branches' outputs so).
        let signature = if g == crate::model::MAIN_GRAPH {
            Required::TypeAndShape
        } else {
            Required::Name
        };
        check_value_infos(ctx, g, &graph.input, "input", signature);
        check_value_infos(ctx, g, &graph.output, "output", signature);
        check_value_infos(
            ctx,
            g,
            &graph.value_info,
            "value_info",
            Required::ElemTypeIfTyped,
        );
        let mut names = HashSet::new();
        let sparse_names = graph
            .sparse_initializer
            .iter()
            .map(|t| t.values.as_ref().map_or("", |v| v.name.as_str()));
        let empty = graph
            .initializer
            .iter()
            .map(|t| t.name.as_str())
            .chain(sparse_names)
            .filter(|n| n.is_empty())
            .count();
        if empty > 0 {
            ctx.report(
                Code::EmptyValueName,
                At::Graph(g),
                format!(
                    "{empty} initializer{} an empty name (onnx requires every initializer to be named)",
                    if empty == 1 { " has" } else { "s have" }
                ),
            );
        }
        for t in &graph.initializer {
            if !t.name.is_empty() && !names.insert(t.name.as_str()) {
                ctx.report(
                    Code::DuplicateInitializer,
                    At::Graph(g),
                    format!("initializer name `{}` is used more than once", t.name),
                );
            }
        }
        for (name, what) in crate::model::types::initializer_input_conflicts(graph) {
            ctx.report(
                Code::InitializerTypeMismatch,
                At::Graph(g),
                format!("initializer `{name}` is also a graph input, but {what}"),
            );
        }
        if model.proto.ir_version > 0 && model.proto.ir_version < 4 {
            let inputs: HashSet<&str> = graph.input.iter().map(|v| v.name.as_str()).collect();
            for t in &graph.initializer {
                if !inputs.contains(t.name.as_str()) {
                    ctx.report(
                        Code::InitializerNotInInputs,
                        At::Graph(g),
                        format!(
                            "IR version {} requires initializer `{}` to be listed as a graph input",
                            model.proto.ir_version, t.name
                        ),
                    );
                }
            }
        }
    }

    if let (Body::Graph(graph), Some(GraphOwner::Attribute { parent, node, .. })) =
        (body, index.owner.as_ref())
    {
        subgraph_inputs(ctx, g, graph, *parent, *node);
    }

    let nodes = body.nodes();
    let ancestors = model.index.ancestors(g);
    let in_outer = |name: &str| {
        ancestors
            .iter()
            .any(|&a| model.index.graphs[a].defines(name))
    };

    // The index maps each value to its first producer, so "defined before node n" is a lookup:
    // an input or initializer of this scope, an outer value, or a value whose producer is < n.
    let mut late: Vec<(usize, &str, usize)> = Vec::new(); // (consumer, value, later producer)
    let mut missing: Vec<(&str, usize)> = Vec::new();
    // Any edge from a node to itself or a later one? Without one there can be no cycle.
    let mut back_edge = false;
    for (n, node) in nodes.iter().enumerate() {
        for input in node.input.iter().filter(|i| !i.is_empty()) {
            if index.defines_before_nodes(input) {
                continue;
            }
            let producer = index.producers.get(input.as_str()).map(|&(p, _)| p);
            back_edge |= producer.is_some_and(|p| p >= n);
            match producer {
                Some(p) if p < n => {}
                _ if in_outer(input) => {}
                Some(p) => late.push((n, input, p)),
                None => missing.push((input, n)),
            }
        }
        for (slot, output) in node.output.iter().enumerate() {
            if output.is_empty() {
                continue;
            }
            let what = match index.producers.get(output.as_str()) {
                Some(&(p, s)) if (p, s) != (n, slot) => {
                    format!("already produced by node {}", display_label(&nodes[p], p))
                }
                _ if index.initializers.contains_key(output.as_str())
                    || index.sparse_initializers.contains_key(output.as_str()) =>
                {
                    "already an initializer".into()
                }
                // Not an initializer, so a declared input.
                _ if index.defines_before_nodes(output) => "already a graph input".into(),
                _ => continue,
            };
            ctx.report(
                Code::SsaViolation,
                At::Node(g, n),
                format!("output `{output}` is {what}; every value must be produced once (SSA)"),
            );
        }
    }

    // Dangling: one finding per missing value, naming every consumer, on the first one.
    let mut reported = HashSet::new();
    for (value, n) in missing {
        if !reported.insert(value) {
            continue;
        }
        let consumers: Vec<String> = index
            .consumers
            .get(value)
            .map(|c| c.iter().map(|&i| display_label(&nodes[i], i)).collect())
            .unwrap_or_default();
        ctx.report(
            Code::DanglingInput,
            At::Node(g, n),
            format!(
                "input `{value}` is not produced by any node, graph input or initializer in scope; consumed by {}",
                consumers.join(", ")
            ),
        );
    }

    // Cycles first: nodes on a cycle are reported once as the cycle, not as unsorted.
    let cycles = if !back_edge {
        Vec::new()
    } else {
        find_cycles(nodes.len(), |n| {
            nodes[n]
                .input
                .iter()
                // A name that is also an input or initializer resolves to that, not to the node
                // (the same test as `back_edge` above, so the two agree).
                .filter(|i| !index.defines_before_nodes(i))
                .filter_map(|i| index.producers.get(i.as_str()).map(|&(p, _)| p))
                .collect()
        })
    };
    let mut on_cycle = HashSet::new();
    for cycle in &cycles {
        on_cycle.extend(cycle.iter().copied());
        let path: Vec<String> = cycle
            .iter()
            .chain(cycle.first())
            .map(|&i| display_label(&nodes[i], i))
            .collect();
        ctx.report(
            Code::Cycle,
            At::Node(g, cycle[0]),
            format!("nodes form a cycle: {}", path.join(" → ")),
        );
    }
    let mut unsorted_reported = HashSet::new();
    for (n, value, p) in late {
        if on_cycle.contains(&n) || !unsorted_reported.insert(n) {
            continue;
        }
        ctx.report(
            Code::UnsortedNodes,
            At::Node(g, n),
            format!(
                "input `{value}` is produced later, by node {} (#{p}); nodes must be topologically sorted",
                display_label(&nodes[p], p)
            ),
        );
    }

    for out in &index.outputs {
        if !out.is_empty() && !index.defines(out) && !in_outer(out) {
            ctx.report(
                Code::GraphOutputNotProduced,
                At::Graph(g),
                format!("graph output `{out}` is not produced by any node, input or initializer"),
            );
        }
    }
}

/// The inputs a control-flow op hands its subgraph must match the ones the subgraph declares
/// (what onnx's shape inference checks when it enters the subgraph).
fn subgraph_inputs(
    ctx: &mut Ctx<'_>,
    g: GraphId,
    graph: &onnx_protobuf::GraphProto,
    parent: GraphId,
    n: usize,
) {
    let model = ctx.model;
    let Some(owner) = model.body(parent).and_then(|b| b.nodes().get(n)) else {
        return;
    };
    if !crate::check::schema::normalize_domain(&owner.domain).is_empty() {
        return;
    }
    let opset = ctx.opsets(parent).get("").unwrap_or(0);
    let provided = match owner.op_type.as_str() {
        "If" => 0,
        "Loop" => owner.input.len(),
        // Opset 8's Scan takes sequence_lens first, which the body does not see.
        "Scan" if opset < 9 => owner.input.len().saturating_sub(1),
        "Scan" => owner.input.len(),
        _ => return,
    };
    let declared = graph.input.len();
    let at = At::Node(parent, n);
    let path = &model.index.graphs[g].path;
    let initializers = &model.index.graphs[g].initializers;
    // IR < 4 lists a subgraph's initializers among its inputs, after the ones the op provides.
    let modern = model.proto.ir_version >= 4 || model.proto.ir_version <= 0;
    let wrong_count = if modern {
        declared != provided
    } else {
        declared < provided
    };
    if wrong_count {
        ctx.report(
            Code::SubgraphInputCount,
            at,
            format!(
                "subgraph {path} declares {} but {} provides {provided}",
                count(declared, "input", "inputs"),
                owner.op_type
            ),
        );
        return;
    }
    if modern {
        for v in graph
            .input
            .iter()
            .filter(|v| initializers.contains_key(&v.name))
        {
            ctx.report(
                Code::SubgraphInputCount,
                at,
                format!(
                    "subgraph {path} input `{}` is also one of its initializers; from IR 4 on a subgraph input cannot be",
                    v.name
                ),
            );
        }
        return;
    }
    for (i, v) in graph.input.iter().enumerate().skip(provided) {
        if !initializers.contains_key(&v.name) {
            ctx.report(
                Code::SubgraphInputCount,
                at,
                format!(
                    "subgraph {path} input {i} `{}` is neither provided by {} nor an initializer of the subgraph (IR {} lists only initializers after the provided inputs)",
                    v.name, owner.op_type, model.proto.ir_version
                ),
            );
        }
    }
}

/// What a declared value must carry.
#[derive(Clone, Copy, PartialEq)]
enum Required {
    /// A main-graph input or output: a type, and a shape for tensors.
    TypeAndShape,
    /// A subgraph input or output: only a name.
    Name,
    /// A value_info: a name; a tensor type, when given, names its element type.
    ElemTypeIfTyped,
}

fn check_value_infos(
    ctx: &mut Ctx<'_>,
    g: GraphId,
    values: &[ValueInfoProto],
    what: &str,
    required: Required,
) {
    for v in values {
        if v.name.is_empty() {
            ctx.report(
                Code::EmptyValueName,
                At::Graph(g),
                format!("a graph {what} has an empty name"),
            );
            continue;
        }
        if required == Required::Name {
            continue;
        }
        let strict = required == Required::TypeAndShape;
        let Some(t) = v.type_.as_ref() else {
            if strict {
                ctx.report(
                    Code::ValueMissingType,
                    At::Graph(g),
                    format!("graph {what} `{}` has no type", v.name),
                );
            }
            continue;
        };
        let ty = ValueType::from_proto(t);
        match &ty {
            ValueType::Missing if strict => {
                ctx.report(
                    Code::ValueMissingType,
                    At::Graph(g),
                    format!("graph {what} `{}` has an empty type", v.name),
                );
            }
            ValueType::Tensor { elem, .. } | ValueType::SparseTensor { elem, .. }
                if !elem.is_defined() =>
            {
                ctx.report(
                    Code::ValueMissingElemType,
                    At::Graph(g),
                    format!("{what} `{}` is a tensor of element type {elem}", v.name),
                );
            }
            ValueType::Tensor { shape: None, .. } | ValueType::SparseTensor { shape: None, .. }
                if strict =>
            {
                ctx.report(
                    Code::ValueMissingShape,
                    At::Graph(g),
                    format!(
                        "graph {what} `{}` is a tensor without a shape; onnx requires one here (dims may be named or unknown, and an empty shape is a scalar)",
                        v.name
                    ),
                );
            }
            ValueType::Sequence(None) | ValueType::Optional(None) if strict => {
                ctx.report(
                    Code::ValueMissingElemType,
                    At::Graph(g),
                    format!("graph {what} `{}` is {ty} without an element type", v.name),
                );
            }
            ValueType::Map { value: None, .. } if strict => {
                ctx.report(
                    Code::ValueMissingElemType,
                    At::Graph(g),
                    format!("graph {what} `{}` is a map without a value type", v.name),
                );
            }
            ValueType::Opaque { name, .. } if strict && name.is_empty() => {
                ctx.report(
                    Code::ValueMissingType,
                    At::Graph(g),
                    format!("graph {what} `{}` is an opaque type without a name", v.name),
                );
            }
            _ => {}
        }
    }
}

/// Strongly connected components with a cycle (size > 1, or a self-loop), each as a node path
/// in dependency order starting from its lowest index. Iterative Tarjan: no recursion on deep graphs.
pub(crate) fn find_cycles(n: usize, deps: impl Fn(usize) -> Vec<usize>) -> Vec<Vec<usize>> {
    const UNSEEN: usize = usize::MAX;
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut next = 0;
    let mut sccs: Vec<Vec<usize>> = Vec::new();
    let edges: Vec<Vec<usize>> = (0..n).map(&deps).collect();
    for root in 0..n {
        if index[root] != UNSEEN {
            continue;
        }
        let mut call: Vec<(usize, usize)> = vec![(root, 0)];
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut ei)) = call.last_mut() {
            if let Some(&w) = edges[v].get(*ei) {
                *ei += 1;
                if index[w] == UNSEEN {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    call.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
            } else {
                call.pop();
                if let Some(&(parent, _)) = call.last() {
                    low[parent] = low[parent].min(low[v]);
                }
                if low[v] == index[v] {
                    let mut comp = Vec::new();
                    while let Some(w) = stack.pop() {
                        on_stack[w] = false;
                        comp.push(w);
                        if w == v {
                            break;
                        }
                    }
                    if comp.len() > 1 || edges[v].contains(&v) {
                        sccs.push(comp);
                    }
                }
            }
        }
    }
    sccs.into_iter()
        .map(|comp| cycle_path(&comp, &edges))
        .collect()
}

/// A simple cycle through the component, starting at its lowest node, following dependencies
/// backwards so the path reads in data-flow order (producer → consumer).
fn cycle_path(comp: &[usize], edges: &[Vec<usize>]) -> Vec<usize> {
    let members: HashSet<usize> = comp.iter().copied().collect();
    let start = *comp.iter().min().expect("non-empty component");
    // Breadth-first from `start` along consumer edges (reverse of deps) back to `start`.
    let mut consumers: HashMap<usize, Vec<usize>> = HashMap::new();
    for &v in comp {
        for &d in &edges[v] {
            if members.contains(&d) {
                consumers.entry(d).or_default().push(v);
            }
        }
    }
    let mut prev: HashMap<usize, usize> = HashMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for &w in consumers.get(&v).map(Vec::as_slice).unwrap_or(&[]) {
            if w == start {
                let mut path = vec![v];
                let mut cur = v;
                while cur != start {
                    cur = prev[&cur];
                    path.push(cur);
                }
                path.reverse();
                return path;
            }
            if let std::collections::hash_map::Entry::Vacant(e) = prev.entry(w) {
                e.insert(v);
                queue.push_back(w);
            }
        }
    }
    vec![start]
}

#[cfg(test)]
mod tests {
    use super::find_cycles;

    #[test]
    fn finds_a_two_node_cycle_and_a_self_loop_but_not_a_dag() {
        // 0 <- 1 <- 0 (cycle), 2 <- 2 (self loop), 3 <- 0 (dag edge)
        let deps = |n: usize| match n {
            0 => vec![1],
            1 => vec![0],
            2 => vec![2],
            3 => vec![0],
            _ => vec![],
        };
        let mut c = find_cycles(4, deps);
        c.sort();
        assert_eq!(c, vec![vec![0, 1], vec![2]]);
        assert!(find_cycles(3, |n| if n > 0 { vec![n - 1] } else { vec![] }).is_empty());
    }

    #[test]
    fn deep_chains_do_not_overflow_the_stack() {
        let n = 200_000;
        let c = find_cycles(n, |i| vec![(i + 1) % n]);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].len(), n);
    }
}
