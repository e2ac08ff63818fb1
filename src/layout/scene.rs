//! Model scope → what the graph view draws: node boxes (op header, initializer rows), input and
//! output pills, and value edges with shape labels. Sizes are estimated from text length here so
//! layout needs no UI; the painter fits text into them.

use foldhash::{HashMap, HashMapExt};

use crate::check::schema::{normalize_domain, Lookup, SchemaTable};
use crate::model::tensor::element_count;
use crate::model::types::{format_dims, ValueType};
use crate::model::{DataType, GraphId, Model, NodeId};

/// Netron's operator categories, which pick the header colour (its onnx-metadata gives them;
/// `Other` is an op it gives none, drawn in its default dark).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    Layer,
    Activation,
    Pool,
    Normalization,
    Dropout,
    Shape,
    Tensor,
    Transform,
    Data,
    Quantization,
    Attention,
    Constant,
    Other,
}

impl Category {
    /// Every category, in the legend's order.
    pub const ALL: [Category; 13] = [
        Category::Layer,
        Category::Activation,
        Category::Pool,
        Category::Normalization,
        Category::Dropout,
        Category::Shape,
        Category::Tensor,
        Category::Transform,
        Category::Data,
        Category::Quantization,
        Category::Attention,
        Category::Constant,
        Category::Other,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Category::Layer => "Layer",
            Category::Activation => "Activation",
            Category::Pool => "Pool",
            Category::Normalization => "Normalization",
            Category::Dropout => "Dropout",
            Category::Shape => "Shape",
            Category::Tensor => "Tensor",
            Category::Transform => "Transform",
            Category::Data => "Data",
            Category::Quantization => "Quantization",
            Category::Attention => "Attention",
            Category::Constant => "Constant",
            Category::Other => "other",
        }
    }

    /// Header text is dark on Netron's light headers (Constant), white elsewhere.
    pub fn light_header(self) -> bool {
        self == Category::Constant
    }
}

/// Netron's category of an op (from the generated table of `categories.rs`). An op of another
/// domain that Netron does not know falls back to the default-domain op of the same name, so
/// `com.microsoft.nchwc` Conv is still a Layer.
pub fn category(domain: &str, op: &str) -> Category {
    let domain = normalize_domain(domain);
    let find = |d: &str| {
        super::categories::NETRON_CATEGORIES
            .binary_search_by(|(ed, eo, _)| (*ed, *eo).cmp(&(d, op)))
            .ok()
            .map(|i| super::categories::NETRON_CATEGORIES[i].2)
    };
    match find(domain) {
        Some(c) => c.unwrap_or(Category::Other),
        None => find("").flatten().unwrap_or(Category::Other),
    }
}

/// Ops in the generated table, for tests that it covers the schema table.
pub fn categorised_ops() -> impl Iterator<Item = (&'static str, &'static str)> {
    super::categories::NETRON_CATEGORIES
        .iter()
        .map(|(d, o, _)| (*d, *o))
}

/// Header colour of a category: Netron's grapher.css values (light theme).
pub fn category_rgb(c: Category) -> [u8; 3] {
    match c {
        Category::Layer => [51, 85, 136],
        Category::Activation => [112, 41, 33],
        Category::Pool => [51, 85, 51],
        Category::Normalization => [51, 85, 68],
        Category::Dropout => [69, 71, 112],
        Category::Shape => [108, 79, 71],
        Category::Tensor => [89, 66, 59],
        Category::Transform => [51, 85, 68],
        Category::Data => [85, 85, 85],
        Category::Quantization => [80, 40, 0],
        Category::Attention => [120, 60, 0],
        Category::Constant => [238, 238, 238],
        Category::Other => [51, 51, 51],
    }
}

/// Header colour of a collapsed namespace: light, like Netron's function boxes, so groups read
/// apart from ops.
pub const GROUP_RGB: [u8; 3] = [222, 226, 240];

impl Item {
    /// The header's colour: the op's category, or the group colour.
    pub fn header_rgb(&self) -> [u8; 3] {
        match self.kind {
            ItemKind::Group(_) => GROUP_RGB,
            ItemKind::ShapeComputation(_) => category_rgb(Category::Shape),
            _ => category_rgb(self.category),
        }
    }

    /// Dark header text on a light header.
    pub fn light_header(&self) -> bool {
        matches!(self.kind, ItemKind::Group(_)) || self.category.light_header()
    }
}

/// An item's index in its `ViewGraph` (and of its box in the `GraphLayout`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ItemId(pub usize);

/// A value per item of one layout, looked up by index (a frame asks for every item on screen;
/// a hash lookup each was most of a 100k-item frame).
#[derive(Debug, Clone, PartialEq)]
pub struct ItemMap<T> {
    values: Vec<Option<T>>,
    count: usize,
}

impl<T> ItemMap<T> {
    /// A map over `len` items from (item, value) pairs.
    pub fn new(len: usize, pairs: impl IntoIterator<Item = (ItemId, T)>) -> ItemMap<T> {
        let mut values: Vec<Option<T>> = std::iter::repeat_with(|| None).take(len).collect();
        let mut count = 0;
        for (id, v) in pairs {
            if let Some(slot) = values.get_mut(id.0) {
                count += usize::from(slot.is_none());
                *slot = Some(v);
            }
        }
        ItemMap { values, count }
    }

    pub fn get(&self, id: ItemId) -> Option<&T> {
        self.values.get(id.0).and_then(Option::as_ref)
    }

    pub fn contains(&self, id: ItemId) -> bool {
        self.get(id).is_some()
    }

    /// Items with a value.
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ItemKind {
    Node(NodeId),
    Input(String),
    Output(String),
    /// A collapsed namespace (`/encoder/layer.3`): its nodes drawn as one box.
    Group(String),
    /// The k-th shape computation of the scope (`shape_chains.rs`), drawn as one box.
    ShapeComputation(usize),
}

/// A row inside a node box: an initializer or constant input (`B<64×64>`, `min = 0`).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub name: String,
    pub detail: String,
    /// The initializer behind the row, for the tensor panel.
    pub tensor: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub kind: ItemKind,
    pub title: String,
    pub category: Category,
    pub rows: Vec<Row>,
    pub has_subgraph: bool,
    /// Width and height in layout units (1 unit ≈ 1 pixel at zoom 1).
    pub size: (f32, f32),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ViewEdge {
    pub from: usize,
    pub to: usize,
    pub value: String,
    pub label: String,
}

/// What the graph view shows for one scope.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ViewGraph {
    pub graph: GraphId,
    pub items: Vec<Item>,
    pub edges: Vec<ViewEdge>,
    /// Node index in the scope → item index.
    pub node_item: Vec<usize>,
}

pub const HEADER_H: f32 = 22.0;
pub const ROW_H: f32 = 15.0;
pub const PILL_H: f32 = 22.0;
const HEADER_CHAR_W: f32 = 7.4;
const ROW_CHAR_W: f32 = 6.2;
const MAX_ROWS: usize = 6;

/// `1×16×64`, as Netron writes shapes on edges.
pub fn shape_label(t: &ValueType) -> String {
    match t.shape() {
        Some(d) => d
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join("×"),
        None => match t {
            ValueType::Tensor { .. } => "?".into(),
            other => other.to_string(),
        },
    }
}

/// A short value for small constant tensors (` = 4`, ` = [1, 2]`), else `<dims>`.
fn tensor_detail(t: &onnx_protobuf::TensorProto) -> String {
    let n = element_count(&t.dims).unwrap_or(u64::MAX);
    if n <= 4 && !crate::model::tensor::uses_external_data(t) {
        if let Ok(d) = crate::model::tensor::decode(t, None) {
            let vals: Vec<String> = (0..d.values.len()).map(|i| d.values.format(i)).collect();
            return if t.dims.is_empty() {
                format!(" = {}", vals.join(""))
            } else {
                format!(" = [{}]", vals.join(", "))
            };
        }
    }
    let dims: Vec<String> = t.dims.iter().map(|d| d.to_string()).collect();
    let dtype = DataType::from_i32(t.data_type);
    let suffix = if dtype == DataType::Float {
        String::new()
    } else {
        format!(" {dtype}")
    };
    format!("<{}>{suffix}", dims.join("×"))
}

fn initializer_detail(model: &Model, g: GraphId, name: &str) -> String {
    model
        .body(g)
        .and_then(|b| b.graph())
        .and_then(|gr| {
            model
                .graph(g)
                .and_then(|gi| gi.initializers.get(name))
                .map(|&i| &gr.initializer[i])
        })
        .map(tensor_detail)
        .unwrap_or_default()
}

/// The value of a Constant node with a single value attribute, as a row's detail.
fn constant_detail(node: &onnx_protobuf::NodeProto) -> Option<String> {
    let [a] = node.attribute.as_slice() else {
        return None;
    };
    if let Some(t) = a.t.as_ref().filter(|_| a.name == "value") {
        return Some(tensor_detail(t));
    }
    if let Some(s) = a
        .sparse_tensor
        .as_ref()
        .filter(|_| a.name == "sparse_value")
    {
        let dims: Vec<String> = s.dims.iter().map(|d| d.to_string()).collect();
        return Some(format!("<{}> sparse", dims.join("×")));
    }
    if !a.name.starts_with("value_") {
        return None;
    }
    let text = crate::model::attr::attribute_text(a);
    Some(if text.chars().count() <= 24 {
        format!(" = {text}")
    } else {
        format!(" = {}…", text.chars().take(23).collect::<String>())
    })
}

/// Constant nodes drawn as a row of their one consumer: node index → (consumer node, input slot).
/// Netron's rule: no inputs, one output that exactly one input slot of this scope reads and the
/// scope does not output, one attribute holding the value.
fn foldable_constants(
    nodes: &[onnx_protobuf::NodeProto],
    index: &crate::model::GraphIndex,
) -> HashMap<usize, (usize, usize)> {
    let mut folded = HashMap::new();
    for (n, node) in nodes.iter().enumerate() {
        if node.op_type != "Constant"
            || !normalize_domain(&node.domain).is_empty()
            || !node.input.is_empty()
            || node.output.len() != 1
            || node.attribute.len() != 1
        {
            continue;
        }
        let out = &node.output[0];
        if out.is_empty() || index.outputs.contains(out) {
            continue;
        }
        let Some([consumer]) = index.consumers.get(out).map(Vec::as_slice) else {
            continue;
        };
        let slots: Vec<usize> = nodes[*consumer]
            .input
            .iter()
            .enumerate()
            .filter(|(_, i)| *i == out)
            .map(|(k, _)| k)
            .collect();
        if let [slot] = slots.as_slice() {
            folded.insert(n, (*consumer, *slot));
        }
    }
    folded
}

/// `text` cut to `max` characters with an ellipsis.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    format!("{}…", text.chars().take(max - 1).collect::<String>())
}

/// `text` with its middle cut when longer than `max` (the start and end of a scoped name say
/// most): `/features/…/conv.0.2/Clip`.
fn shorten_middle(text: &str, max: usize) -> String {
    let n = text.chars().count();
    if n <= max {
        return text.to_string();
    }
    let half = (max - 1) / 2;
    let head: String = text.chars().take(half).collect();
    let tail: String = text.chars().skip(n - half).collect();
    format!("{head}…{tail}")
}

/// A box's size from its title and rows (text widths estimated; the painter fits the text).
fn box_size(title: &str, rows: &[Row]) -> (f32, f32) {
    let header_w = title.chars().count() as f32 * HEADER_CHAR_W + 22.0;
    let rows_w = rows
        .iter()
        .map(|r| (r.name.chars().count() + r.detail.chars().count()) as f32 * ROW_CHAR_W + 16.0)
        .fold(0.0f32, f32::max);
    let h = HEADER_H
        + if rows.is_empty() {
            0.0
        } else {
            rows.len() as f32 * ROW_H + 6.0
        };
    (header_w.max(rows_w).clamp(48.0, 360.0), h)
}

/// A collapsed namespace's rows: its node count, then its commonest ops (`MatMul ×4`).
fn group_rows(ops: &HashMap<&str, usize>) -> Vec<Row> {
    let total: usize = ops.values().sum();
    let mut by_count: Vec<(&str, usize)> = ops.iter().map(|(o, c)| (*o, *c)).collect();
    by_count.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut rows = vec![Row {
        name: crate::check::diagnostic::count(total, "node", "nodes"),
        detail: String::new(),
        tensor: None,
    }];
    let shown = 3;
    for (op, c) in by_count.iter().take(shown) {
        rows.push(Row {
            name: op.to_string(),
            detail: format!(" ×{c}"),
            tensor: None,
        });
    }
    if by_count.len() > shown {
        rows.push(Row {
            name: format!("… {} more ops", by_count.len() - shown),
            detail: String::new(),
            tensor: None,
        });
    }
    rows
}

impl ViewGraph {
    /// Builds the view of scope `g`. Edge labels are the declared types (else `?`); inferred
    /// shapes replace them when painted, so a layout does not wait for shape inference.
    pub fn build(model: &Model, g: GraphId, options: &super::ViewOptions) -> ViewGraph {
        let mut vg = ViewGraph {
            graph: g,
            ..Default::default()
        };
        let (Some(body), Some(index)) = (model.body(g), model.graph(g)) else {
            return vg;
        };
        let table = SchemaTable::global();
        let declared = model.declared_types(g);
        let label = |name: &str| -> String {
            declared
                .get(name)
                .map(shape_label)
                .unwrap_or_else(|| "?".into())
        };
        let mut producer_item: HashMap<&str, usize> = HashMap::new();
        for name in &index.inputs {
            let text_w = name.chars().count() as f32 * HEADER_CHAR_W;
            producer_item.insert(name, vg.items.len());
            vg.items.push(Item {
                kind: ItemKind::Input(name.clone()),
                title: name.clone(),
                category: Category::Other,
                rows: vec![],
                has_subgraph: false,
                size: ((text_w + 20.0).max(40.0), PILL_H),
            });
        }
        let opsets: HashMap<String, i64> = model
            .proto
            .opset_import
            .iter()
            .map(|o| (normalize_domain(&o.domain).to_string(), o.version))
            .collect();
        let nodes = body.nodes();
        let folded = if options.fold_constants {
            foldable_constants(nodes, index)
        } else {
            HashMap::new()
        };
        // Consumer node → (input slot, the Constant folded into it).
        let mut folded_into: HashMap<usize, Vec<(usize, usize)>> = HashMap::new();
        for (&c, &(consumer, slot)) in &folded {
            folded_into.entry(consumer).or_default().push((slot, c));
        }
        // Collapsed namespaces: one item each, made when its first node is met.
        let mut group_item: HashMap<&str, usize> = HashMap::new();
        let mut group_ops: HashMap<usize, HashMap<&str, usize>> = HashMap::new();
        // Shape computations, each one box (made here, before the nodes, so the chain's
        // outputs are known as the box's).
        let mut in_chain: HashMap<usize, usize> = HashMap::new();
        if options.fold_shape_chains {
            for (k, chain) in super::shape_chains::shape_computations(nodes, index)
                .into_iter()
                .enumerate()
            {
                let item = vg.items.len();
                let ops: Vec<&str> = chain.iter().map(|&n| nodes[n].op_type.as_str()).collect();
                let mut flow = ops.join(" → ");
                if flow.chars().count() > 40 {
                    flow = format!("{}…", flow.chars().take(39).collect::<String>());
                }
                let rows = vec![
                    Row {
                        name: crate::check::diagnostic::count(chain.len(), "node", "nodes"),
                        detail: String::new(),
                        tensor: None,
                    },
                    Row {
                        name: flow,
                        detail: String::new(),
                        tensor: None,
                    },
                ];
                let title = "shape computation".to_string();
                let size = box_size(&title, &rows);
                vg.items.push(Item {
                    kind: ItemKind::ShapeComputation(k),
                    title,
                    category: Category::Shape,
                    rows,
                    has_subgraph: false,
                    size,
                });
                for &n in &chain {
                    in_chain.insert(n, item);
                }
            }
        }
        // Folded Constants still count among their namespace's nodes.
        let mut folded_in_group: HashMap<&str, usize> = HashMap::new();
        for (n, node) in nodes.iter().enumerate() {
            if folded.contains_key(&n) {
                if let Some(prefix) = super::namespace::group_of(&node.name, &options.collapsed) {
                    *folded_in_group.entry(prefix).or_default() += 1;
                }
                vg.node_item.push(usize::MAX);
                continue;
            }
            if let Some(&item) = in_chain.get(&n) {
                vg.node_item.push(item);
                for out in node.output.iter().filter(|o| !o.is_empty()) {
                    producer_item.entry(out).or_insert(item);
                }
                continue;
            }
            if let Some(prefix) = super::namespace::group_of(&node.name, &options.collapsed) {
                let item = *group_item.entry(prefix).or_insert_with(|| {
                    vg.items.push(Item {
                        kind: ItemKind::Group(prefix.to_string()),
                        title: prefix.rsplit('/').next().unwrap_or(prefix).to_string(),
                        category: Category::Other,
                        rows: Vec::new(),
                        has_subgraph: false,
                        size: (0.0, 0.0),
                    });
                    vg.items.len() - 1
                });
                *group_ops
                    .entry(item)
                    .or_default()
                    .entry(&node.op_type)
                    .or_default() += 1;
                vg.node_item.push(item);
                for out in node.output.iter().filter(|o| !o.is_empty()) {
                    producer_item.entry(out).or_insert(item);
                }
                continue;
            }
            let schema = opsets.get(normalize_domain(&node.domain)).and_then(|&v| {
                match table.lookup(&node.domain, &node.op_type, v) {
                    Lookup::Found(s) => Some(s),
                    _ => None,
                }
            });
            let mut rows = Vec::new();
            let constants = folded_into.get(&n).map(Vec::as_slice).unwrap_or(&[]);
            for (i, input) in node.input.iter().enumerate() {
                let constant = constants.iter().find(|(slot, _)| *slot == i);
                if !options.boxes.initializers
                    || input.is_empty()
                    || (!index.initializers.contains_key(input) && constant.is_none())
                {
                    continue;
                }
                let pname = schema
                    .and_then(|s| s.input_param(i))
                    .map(|p| p.name.clone())
                    .unwrap_or_else(|| input.clone());
                let detail = match constant {
                    Some(&(_, c)) => constant_detail(&nodes[c]).unwrap_or_default(),
                    None => initializer_detail(model, g, input),
                };
                rows.push(Row {
                    name: pname,
                    detail,
                    tensor: Some(input.clone()),
                });
            }
            if options.boxes.attributes {
                for a in node
                    .attribute
                    .iter()
                    .filter(|a| a.g.is_none() && a.graphs.is_empty())
                {
                    rows.push(Row {
                        name: a.name.clone(),
                        detail: format!(
                            " = {}",
                            shorten(&crate::model::attr::attribute_text(a), 24)
                        ),
                        tensor: None,
                    });
                }
            }
            let more = rows.len().saturating_sub(MAX_ROWS);
            rows.truncate(MAX_ROWS);
            if more > 0 {
                rows.push(Row {
                    name: format!("… {more} more"),
                    detail: String::new(),
                    tensor: None,
                });
            }
            let calls_function = model.index.function_called_by(node).is_some();
            let has_subgraph = calls_function
                || node
                    .attribute
                    .iter()
                    .any(|a| a.g.is_some() || !a.graphs.is_empty());
            // Netron's "Show Names": the node's name, its middle cut when long.
            let title = if options.boxes.names && !node.name.is_empty() {
                shorten_middle(&node.name, 21)
            } else {
                node.op_type.clone()
            };
            let size = box_size(&title, &rows);
            vg.node_item.push(vg.items.len());
            for out in node.output.iter().filter(|o| !o.is_empty()) {
                producer_item.entry(out).or_insert(vg.items.len());
            }
            vg.items.push(Item {
                kind: ItemKind::Node(NodeId(n)),
                title,
                category: category(&node.domain, &node.op_type),
                rows,
                has_subgraph,
                size,
            });
        }
        for (prefix, n) in folded_in_group {
            if let Some(ops) = group_item.get(prefix).and_then(|i| group_ops.get_mut(i)) {
                *ops.entry("Constant").or_default() += n;
            }
        }
        for (&item, ops) in &group_ops {
            let it = &mut vg.items[item];
            it.rows = group_rows(ops);
            it.size = box_size(&it.title, &it.rows);
        }
        // A folded Constant is found (by search, problems, links) at its consumer's box.
        for (&c, &(consumer, _)) in &folded {
            vg.node_item[c] = vg.node_item[consumer];
        }
        let chain_items: std::collections::HashSet<usize> = in_chain.values().copied().collect();
        // Edges into a group from many of its nodes are one edge per value.
        let mut group_edges: std::collections::HashSet<(usize, usize, &str)> =
            std::collections::HashSet::new();
        for (n, node) in nodes.iter().enumerate() {
            if folded.contains_key(&n) {
                continue;
            }
            let to = vg.node_item[n];
            let mut seen = std::collections::HashSet::new();
            for input in node.input.iter().filter(|i| !i.is_empty()) {
                if !seen.insert(input) {
                    continue;
                }
                if let Some(&from) = producer_item.get(input.as_str()) {
                    let boxed = |i: &usize| group_ops.contains_key(i) || chain_items.contains(i);
                    let into_group = (!group_ops.is_empty() || !in_chain.is_empty())
                        && (boxed(&to) || boxed(&from));
                    if into_group && (from == to || !group_edges.insert((from, to, input))) {
                        continue;
                    }
                    vg.edges.push(ViewEdge {
                        from,
                        to,
                        value: input.clone(),
                        label: label(input),
                    });
                }
            }
        }
        for out in &index.outputs {
            let item = vg.items.len();
            vg.items.push(Item {
                kind: ItemKind::Output(out.clone()),
                title: out.clone(),
                category: Category::Other,
                rows: vec![],
                has_subgraph: false,
                size: (
                    (out.chars().count() as f32 * HEADER_CHAR_W + 20.0).max(40.0),
                    PILL_H,
                ),
            });
            if let Some(&from) = producer_item.get(out.as_str()) {
                vg.edges.push(ViewEdge {
                    from,
                    to: item,
                    value: out.clone(),
                    label: label(out),
                });
            }
        }
        vg
    }

    pub fn item_of_node(&self, node: NodeId) -> Option<ItemId> {
        self.node_item.get(node.0).copied().map(ItemId)
    }

    pub fn item(&self, id: ItemId) -> Option<&Item> {
        self.items.get(id.0)
    }
}

/// `float[1,3,224,224]`-style text of a declared type, for panels.
pub fn declared_type_text(model: &Model, g: GraphId, value: &str) -> Option<String> {
    if let Some(t) = model.declared_type(g, value) {
        return Some(t.to_string());
    }
    let graph = model.body(g)?.graph()?;
    let gi = model.graph(g)?;
    let t = &graph.initializer[*gi.initializers.get(value)?];
    let dims: Vec<crate::model::types::Dim> = t
        .dims
        .iter()
        .map(|&d| crate::model::types::Dim::Value(d))
        .collect();
    Some(format!(
        "{}{}",
        DataType::from_i32(t.data_type),
        format_dims(Some(&dims))
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_op_of_the_schema_table_has_a_netron_category_entry() {
        let table = SchemaTable::global();
        let known: std::collections::HashSet<(&str, &str)> = categorised_ops().collect();
        let missing: Vec<(String, String)> = table
            .ops()
            .filter(|(d, o)| !known.contains(&(normalize_domain(d), o.as_str())))
            .map(|(d, o)| (d.to_string(), o.to_string()))
            .collect();
        assert_eq!(missing, Vec::<(String, String)>::new());
        let sorted: Vec<_> = categorised_ops().collect();
        assert!(
            sorted.windows(2).all(|w| w[0] < w[1]),
            "binary search needs order"
        );
    }

    #[test]
    fn categories_are_netrons() {
        // The ops the issue found miscoloured, as Netron 9.3.3 draws them.
        let got: Vec<Category> = [
            ("", "Clip"),
            ("", "Gather"),
            ("", "Unsqueeze"),
            ("", "Squeeze"),
            ("", "Identity"),
            ("", "Conv"),
            ("", "Constant"),
            ("com.microsoft.nchwc", "Conv"),
            ("my.custom", "Thing"),
        ]
        .iter()
        .map(|(d, o)| category(d, o))
        .collect();
        use Category::*;
        assert_eq!(
            got,
            vec![Activation, Transform, Transform, Transform, Other, Layer, Constant, Layer, Other]
        );
    }
}
