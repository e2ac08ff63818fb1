//! Namespaces: the scopes exporters write into node names (torch `/encoder/layer.3/attention/
//! self/MatMul`, tf2onnx `model/dense/MatMul`). A collapsed namespace is drawn as one box.
//! Which are collapsed is part of the view options, so each state is its own cached layout.

use std::collections::{BTreeMap, BTreeSet};

use onnx_protobuf::NodeProto;

/// Graphs with more nodes than this open with every namespace collapsed (their top-level
/// blocks), when they have namespaces.
pub const COLLAPSE_ABOVE_NODES: usize = 2000;

/// The namespaces enclosing a node name, outermost first: `/a/b/Op` → `/a`, `/a/b`.
pub fn prefixes(name: &str) -> impl Iterator<Item = &str> {
    name.match_indices('/')
        .map(|(k, _)| &name[..k])
        .filter(|p| !p.is_empty() && !p.ends_with('/'))
}

/// Namespaces of a scope's nodes that hold at least two nodes (a one-node group says nothing),
/// with their node counts.
pub fn namespaces(nodes: &[NodeProto]) -> BTreeMap<String, usize> {
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for n in nodes {
        for p in prefixes(&n.name) {
            *count.entry(p).or_default() += 1;
        }
    }
    count
        .into_iter()
        .filter(|(_, c)| *c >= 2)
        .map(|(p, c)| (p.to_string(), c))
        .collect()
}

/// The collapsed namespace a node is drawn in, if any: its outermost collapsed prefix.
pub fn group_of<'a>(name: &'a str, collapsed: &BTreeSet<String>) -> Option<&'a str> {
    if collapsed.is_empty() {
        return None;
    }
    prefixes(name).find(|p| collapsed.contains(*p))
}

/// Namespaces directly inside `parent` (no namespace of `all` between them).
pub fn children<'a>(all: &'a BTreeMap<String, usize>, parent: &str) -> Vec<&'a str> {
    let inside = |p: &str| {
        p.len() > parent.len() + 1 && p.starts_with(parent) && p.as_bytes()[parent.len()] == b'/'
    };
    all.keys()
        .map(String::as_str)
        .filter(|p| inside(p))
        .filter(|p| {
            !all.keys().any(|q| {
                inside(q)
                    && q.len() < p.len()
                    && p.starts_with(q.as_str())
                    && p.as_bytes()[q.len()] == b'/'
            })
        })
        .collect()
}

/// The collapsed set after expanding `prefix`: it opens, its child namespaces stay closed.
pub fn expand(
    collapsed: &BTreeSet<String>,
    all: &BTreeMap<String, usize>,
    prefix: &str,
) -> BTreeSet<String> {
    let mut next = collapsed.clone();
    next.remove(prefix);
    next.extend(children(all, prefix).into_iter().map(String::from));
    next
}

/// The collapsed set after collapsing `prefix` (what is inside it no longer matters).
pub fn collapse(collapsed: &BTreeSet<String>, prefix: &str) -> BTreeSet<String> {
    let mut next: BTreeSet<String> = collapsed
        .iter()
        .filter(|p| !(p.starts_with(prefix) && p.as_bytes().get(prefix.len()) == Some(&b'/')))
        .cloned()
        .collect();
    next.insert(prefix.to_string());
    next
}

/// Every namespace collapsed: only the outermost show, each as one box.
pub fn collapse_all(all: &BTreeMap<String, usize>) -> BTreeSet<String> {
    all.keys().cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(names: &[&str]) -> Vec<NodeProto> {
        names
            .iter()
            .map(|n| {
                let mut p = NodeProto::new();
                p.name = n.to_string();
                p
            })
            .collect()
    }

    #[test]
    fn namespaces_expand_to_their_children_and_collapse_back() {
        let nodes = named(&[
            "/embeddings/Add",
            "/embeddings/LayerNorm/Add",
            "/encoder/layer.0/attention/MatMul",
            "/encoder/layer.0/attention/Softmax",
            "/encoder/layer.0/output/Add",
            "/encoder/layer.1/attention/MatMul",
            "/encoder/layer.1/output/Add",
            "/pooler/Tanh",
            "Identity_3",
        ]);
        let all = namespaces(&nodes);
        let keys: Vec<&str> = all.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            vec![
                "/embeddings",
                "/encoder",
                "/encoder/layer.0",
                "/encoder/layer.0/attention",
                "/encoder/layer.1"
            ]
        );
        let top = collapse_all(&all);
        assert_eq!(
            group_of("/encoder/layer.1/output/Add", &top),
            Some("/encoder")
        );
        assert_eq!(group_of("/pooler/Tanh", &top), None);
        let open = expand(&top, &all, "/encoder");
        assert_eq!(
            group_of("/encoder/layer.1/output/Add", &open),
            Some("/encoder/layer.1")
        );
        assert_eq!(
            children(&all, "/encoder"),
            vec!["/encoder/layer.0", "/encoder/layer.1"]
        );
        let closed = collapse(&open, "/encoder");
        assert_eq!(
            group_of("/encoder/layer.0/attention/MatMul", &closed),
            Some("/encoder")
        );
        assert!(!closed.contains("/encoder/layer.0"));
    }
}
