//! Beyond onnx.checker: dead code and unused declarations (warnings). A value a subgraph reads
//! from its outer scope counts as consumed by the node that owns the subgraph.

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use crate::check::schema::normalize_domain;
use crate::check::{At, Code, Ctx};
use crate::model::{GraphId, GraphOwner};

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    let graphs = &model.index.graphs;
    // Names each graph reads from outside itself, children first (they come later in the index).
    let mut free: Vec<HashSet<String>> = vec![HashSet::new(); graphs.len()];
    for g in (0..graphs.len()).rev() {
        let gi = &graphs[g];
        // Only a subgraph's reads are asked for (by its parent); the main graph has 100k keys.
        if !matches!(gi.owner, Some(GraphOwner::Attribute { .. })) {
            continue;
        }
        let mut f: HashSet<String> = gi
            .consumers
            .keys()
            .filter(|n| !gi.defines(n))
            .cloned()
            .collect();
        f.extend(gi.outputs.iter().filter(|n| !gi.defines(n)).cloned());
        for &c in &gi.children {
            f.extend(free[c].iter().filter(|n| !gi.defines(n)).cloned());
        }
        free[g] = f;
    }
    for g in 0..graphs.len() {
        check_scope(ctx, g, &free);
    }

    // Functions nothing calls; domains nothing uses.
    let mut called = vec![false; model.proto.functions.len()];
    let mut domains_used: HashSet<&str> = HashSet::new();
    for g in 0..graphs.len() {
        for node in model.body(g).map(|b| b.nodes()).unwrap_or(&[]) {
            if let Some(f) = model.index.function_called_by(node) {
                called[f] = true;
            }
            // The default domain is never reported unused; skip hashing it for every node.
            let domain = normalize_domain(&node.domain);
            if !domain.is_empty() {
                domains_used.insert(domain);
            }
        }
    }
    let function_scope: HashMap<usize, GraphId> = graphs
        .iter()
        .filter_map(|g| match g.owner {
            Some(GraphOwner::Function(f)) => Some((f, g.id)),
            _ => None,
        })
        .collect();
    for (i, f) in model.proto.functions.iter().enumerate() {
        // A repeated definition is called whenever the first one is (calls resolve to it).
        let first = model.index.function(&f.domain, &f.name, &f.overload);
        if !first.is_some_and(|j| called[j]) {
            let at = function_scope.get(&i).map_or(At::Model, |&g| At::Graph(g));
            ctx.report(
                Code::UnusedFunction,
                at,
                format!("function {}:{} is never called", f.domain, f.name),
            );
        }
    }
    for o in &model.proto.opset_import {
        let d = normalize_domain(&o.domain);
        if !d.is_empty() && !domains_used.contains(d) {
            ctx.report(
                Code::UnusedOpsetImport,
                At::Model,
                format!(
                    "domain {d} (opset {}) is imported but no node uses it",
                    o.version
                ),
            );
        }
    }
}

fn check_scope(ctx: &mut Ctx<'_>, g: GraphId, free: &[HashSet<String>]) {
    let model = ctx.model;
    let gi = &model.index.graphs[g];
    let Some(body) = model.body(g) else { return };
    let nodes = body.nodes();
    // Subgraphs owned by each node of this graph.
    let mut owned: HashMap<usize, Vec<GraphId>> = HashMap::new();
    for &c in &gi.children {
        if let Some(GraphOwner::Attribute { node, .. }) = model.index.graphs[c].owner {
            owned.entry(node).or_default().push(c);
        }
    }
    // What node n reads: its inputs, and what its subgraphs read from outside themselves.
    let reads = |n: usize| {
        let from_subgraphs = owned
            .get(&n)
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .flat_map(|&c| free[c].iter());
        nodes[n]
            .input
            .iter()
            .filter(|i| !i.is_empty())
            .chain(from_subgraphs)
            .map(String::as_str)
    };

    // Live nodes: reverse reachability from the graph's outputs.
    let mut live = vec![false; nodes.len()];
    let mut stack: Vec<usize> = gi
        .outputs
        .iter()
        .filter_map(|o| gi.producers.get(o.as_str()).map(|&(p, _)| p))
        .collect();
    while let Some(n) = stack.pop() {
        if std::mem::replace(&mut live[n], true) {
            continue;
        }
        for name in reads(n) {
            if let Some(&(p, _)) = gi.producers.get(name) {
                if !live[p] {
                    stack.push(p);
                }
            }
        }
    }
    // Node inputs are the index's consumer keys; only outputs and subgraph reads are added.
    let mut also_consumed: HashSet<&str> = gi.outputs.iter().map(String::as_str).collect();
    for c in &gi.children {
        also_consumed.extend(free[*c].iter().map(String::as_str));
    }
    let consumed = |name: &str| gi.consumers.contains_key(name) || also_consumed.contains(name);
    for (n, is_live) in live.iter().enumerate() {
        if !is_live {
            let outs: Vec<&str> = nodes[n]
                .output
                .iter()
                .filter(|o| !o.is_empty())
                .map(String::as_str)
                .collect();
            ctx.report(
                Code::DeadNode,
                At::Node(g, n),
                format!(
                    "no graph output depends on this node (outputs: {})",
                    outs.join(", ")
                ),
            );
        }
    }
    if let Some(graph) = body.graph() {
        for t in &graph.initializer {
            if !consumed(&t.name) {
                ctx.report(
                    Code::UnusedInitializer,
                    At::Graph(g),
                    format!("initializer `{}` is never used", t.name),
                );
            }
        }
        // Only the main graph: subgraph inputs (Loop's iteration count…) are positional.
        if g == 0 {
            for name in &gi.inputs {
                if !consumed(name) {
                    ctx.report(
                        Code::UnusedInput,
                        At::Graph(g),
                        format!("graph input `{name}` is never used"),
                    );
                }
            }
        }
    }
}
