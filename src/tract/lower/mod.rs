//! Rewrites in front of tract, one small rule per op: an ai.onnx.ml or com.microsoft op tract
//! lacks, or implements with other results than onnxruntime for some attributes, becomes
//! standard ops (or the form of the op tract gets right) with onnxruntime's semantics. Each rule is tested
//! against onnxruntime on real converter output (tests/models/sklearn, made by skl2onnx) and on
//! every attribute variant it accepts; a variant it does not handle is refused, naming the
//! node, rather than run wrong.

use tract_onnx::pb;

mod loops;

/// One node rewritten before tract saw it: what the run "ran as".
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Rewrite {
    pub node: String,
    pub op: String,
    /// What it became, e.g. "TreeEnsembleClassifier (scores) + Add + Sigmoid + Greater + Where".
    pub into: String,
    /// Why: what tract does with the original.
    pub why: &'static str,
}

/// A node tract would run wrong and no rule here handles in this configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub node: String,
    pub op: String,
    pub why: String,
}

#[derive(Debug, Default, Clone, PartialEq)]
pub struct Lowering {
    pub rewrites: Vec<Rewrite>,
    pub refused: Vec<Refusal>,
    /// Outputs that stand for a ZipMap's sequence of maps: their class labels, in column order.
    pub classes: Vec<(String, Vec<String>)>,
}

const ML: &str = "ai.onnx.ml";
const MS: &str = "com.microsoft";

/// The default-domain opset the emitted ops need (Slice with inputs, negative Gather axes).
const MIN_DEFAULT_OPSET: i64 = 11;

/// Applies every rule to the main graph of tract's proto.
pub fn lower(proto: &mut pb::ModelProto) -> Lowering {
    let mut out = Lowering::default();
    let default_opset = proto
        .opset_import
        .iter()
        .find(|o| o.domain.is_empty() || o.domain == "ai.onnx")
        .map(|o| o.version);
    if default_opset.is_some_and(|v| v < MIN_DEFAULT_OPSET) {
        return out;
    }
    let Some(graph) = proto.graph.as_mut() else {
        return out;
    };
    // Values something reads (a node or the graph's outputs): an output nobody reads needs no
    // rewrite.
    let used: std::collections::HashSet<String> = graph
        .node
        .iter()
        .flat_map(|n| n.input.iter().cloned())
        .chain(graph.output.iter().map(|o| o.name.clone()))
        .collect();
    let mut builder = Builder {
        opset: default_opset.unwrap_or(MIN_DEFAULT_OPSET),
        used,
        ..Builder::default()
    };
    let mut nodes = Vec::with_capacity(graph.node.len());
    let scalars = if graph.node.iter().any(|n| n.op_type == "Loop") {
        loops::ScalarConstants::of(graph)
    } else {
        loops::ScalarConstants::default()
    };
    let half_weights: std::collections::HashSet<String> = graph
        .initializer
        .iter()
        .filter(|t| t.data_type == FLOAT16 || t.data_type == BFLOAT16)
        .map(|t| t.name.clone())
        .collect();
    for original in std::mem::take(&mut graph.node) {
        let (before, constants_before) = (builder.nodes.len(), builder.constants.len());
        // String class labels (tract's classifiers hold none): the node labels by index, a
        // Gather maps the index to the string afterwards; the other rules see the index form.
        let (node, label_lookup) = match string_labels(&original, &mut builder) {
            Some((indexed, lookup)) => (indexed, Some(lookup)),
            None => (original.clone(), None),
        };
        let result = match (node.domain.as_str(), node.op_type.as_str()) {
            (ML, "TreeEnsembleClassifier") => binary_tree_classifier(&node, &mut builder),
            (ML, "TreeEnsembleRegressor") => tree_regressor(&node, &mut builder),
            (ML, "Scaler") => scaler(&node, &mut builder),
            (ML, "ArrayFeatureExtractor") => array_feature_extractor(&node, &mut builder),
            (ML, "ZipMap") => zip_map(&node, &mut builder, &mut out.classes),
            (ML, "SVMRegressor") => svm_regressor(&node, &mut builder),
            (ML, "SVMClassifier") => svm_classifier(&node, &mut builder),
            (ML, "OneHotEncoder") => one_hot_encoder(&node, &mut builder),
            (ML, "LabelEncoder") => label_encoder(&node, &mut builder),
            (ML, "Binarizer") => binarizer(&node, &mut builder),
            (ML, "Imputer") => imputer(&node, &mut builder),
            ("" | "ai.onnx", "Loop") => loops::loop_as_scan(&node, &mut builder, &scalars),
            ("" | "ai.onnx", "Gemm") if node.input.iter().any(|x| half_weights.contains(x)) => {
                half_gemm(&node, &mut builder)
            }
            ("" | "ai.onnx", "QuantizeLinear" | "DequantizeLinear")
                if sixteen_bit_quantization(&node, &graph.initializer).is_some() =>
            {
                quantize_16bit(&node, &mut builder, &graph.initializer)
            }
            (MS, "FusedConv") => fused_conv(&node, &mut builder),
            (MS, "FusedGemm") => fused_gemm(&node, &mut builder),
            (MS, "MatMulNBits") => matmul_nbits(&node, &mut builder, &graph.initializer),
            (MS, "FusedMatMul") => fused_matmul(&node, &mut builder, &graph.initializer),
            (MS, "BiasGelu") => gelu(&node, &mut builder, GeluForm::Erf),
            (MS, "FastGelu") => gelu(&node, &mut builder, GeluForm::Tanh),
            (MS, "SkipLayerNormalization") => skip_layer_norm(&node, &mut builder),
            (MS, "Attention") => attention(&node, &mut builder, &graph.initializer),
            (MS, "EmbedLayerNormalization") => embed_layer_norm(&node, &mut builder),
            (MS, "QGemm") => qgemm(&node, &mut builder),
            (MS, "QLinearSoftmax") => qlinear_softmax(&node, &mut builder),
            (MS, "QLinearAdd" | "QLinearMul") => qlinear_binary(&node, &mut builder),
            (MS, "QLinearSigmoid" | "QLinearLeakyRelu" | "QLinearGlobalAveragePool") => {
                qlinear_unary(&node, &mut builder)
            }
            _ => Ok(None),
        };
        let result = match (result, &label_lookup) {
            (Ok(None), Some(_)) => Ok(Some((
                "the same op labelling by index + Gather of the string labels".to_string(),
                "tract's classifiers hold no string labels",
            ))),
            (r, _) => r,
        };
        match result {
            Ok(Some((into, why))) => {
                out.rewrites.push(Rewrite {
                    node: name_of(&original).to_string(),
                    op: original.op_type.clone(),
                    into,
                    why,
                });
                let mut emitted = builder.nodes.split_off(before);
                if emitted.is_empty() {
                    // Only the labels changed: the index-labelling node itself runs.
                    emitted.push(node);
                }
                nodes.append(&mut emitted);
                nodes.extend(label_lookup);
            }
            Ok(None) => nodes.push(node),
            Err(why) => {
                builder.nodes.truncate(before);
                builder.constants.truncate(constants_before);
                out.refused.push(Refusal {
                    node: name_of(&original).to_string(),
                    op: original.op_type.clone(),
                    why,
                });
                nodes.push(original);
            }
        }
    }
    graph.node = nodes;
    graph.initializer.append(&mut builder.constants);
    if !out.rewrites.is_empty() && !proto.opset_import.iter().any(|o| o.domain.is_empty()) {
        // The standard ops the rules emit need the default domain imported.
        proto.opset_import.push(pb::OperatorSetIdProto {
            domain: String::new(),
            version: 17,
        });
    }
    out
}

/// A rule's result: `None` leaves the node to tract; `Some((into, why))` replaced it.
type RuleResult = Result<Option<(String, &'static str)>, String>;

fn name_of(node: &pb::NodeProto) -> &str {
    if node.name.is_empty() {
        node.output.first().map(String::as_str).unwrap_or("")
    } else {
        &node.name
    }
}

fn attr<'a>(node: &'a pb::NodeProto, name: &str) -> Option<&'a pb::AttributeProto> {
    node.attribute.iter().find(|a| a.name == name)
}

fn ints(node: &pb::NodeProto, name: &str) -> Vec<i64> {
    attr(node, name).map(|a| a.ints.clone()).unwrap_or_default()
}

fn floats(node: &pb::NodeProto, name: &str) -> Vec<f32> {
    attr(node, name)
        .map(|a| a.floats.clone())
        .unwrap_or_default()
}

fn string(node: &pb::NodeProto, name: &str) -> Option<String> {
    attr(node, name).map(|a| String::from_utf8_lossy(&a.s).into_owned())
}

fn has_tensor_variant(node: &pb::NodeProto) -> Option<&str> {
    node.attribute
        .iter()
        .find(|a| a.name.ends_with("_as_tensor"))
        .map(|a| a.name.as_str())
}

/// Nodes and constants a rule emits, named after the node they replace so tract's failures and
/// the profile still point at it.
#[derive(Default)]
struct Builder {
    nodes: Vec<pb::NodeProto>,
    constants: Vec<pb::TensorProto>,
    /// The model's default-domain opset (what the emitted ops may use).
    opset: i64,
    /// Value names something reads.
    used: std::collections::HashSet<String>,
}

mod attr_type {
    pub const FLOAT: i32 = 1;
    pub const INT: i32 = 2;
    pub const STRING: i32 = 3;
    pub const TENSOR: i32 = 4;
    pub const GRAPH: i32 = 5;
    pub const STRINGS: i32 = 8;
    pub const FLOATS: i32 = 6;
    pub const INTS: i32 = 7;
}

const FLOAT: i32 = 1;
const INT64: i32 = 7;
const FLOAT16: i32 = 10;
const STRING: i32 = 8;
const BOOL: i32 = 9;
const BFLOAT16: i32 = 16;

impl Builder {
    fn node(
        &mut self,
        op: &str,
        domain: &str,
        name: String,
        inputs: &[&str],
        outputs: &[&str],
        attribute: Vec<pb::AttributeProto>,
    ) {
        self.nodes.push(pb::NodeProto {
            name,
            op_type: op.to_string(),
            domain: domain.to_string(),
            input: inputs.iter().map(|s| s.to_string()).collect(),
            output: outputs.iter().map(|s| s.to_string()).collect(),
            attribute,
            ..Default::default()
        });
    }

    /// One node of a rule's rewrite, its single output named `{base}/lens_{tag}`; returns it.
    fn step(
        &mut self,
        base: &str,
        op: &str,
        inputs: &[&str],
        tag: &str,
        attribute: Vec<pb::AttributeProto>,
    ) -> String {
        let out = format!("{base}/lens_{tag}");
        self.node(op, "", out.clone(), inputs, &[&out], attribute);
        out
    }

    fn floats(&mut self, name: String, dims: &[i64], values: Vec<f32>) -> String {
        self.constants.push(pb::TensorProto {
            name: name.clone(),
            dims: dims.to_vec(),
            data_type: FLOAT,
            float_data: values,
            ..Default::default()
        });
        name
    }

    fn int64s(&mut self, name: String, dims: &[i64], values: Vec<i64>) -> String {
        self.constants.push(pb::TensorProto {
            name: name.clone(),
            dims: dims.to_vec(),
            data_type: INT64,
            int64_data: values,
            ..Default::default()
        });
        name
    }
}

fn ints_attr(name: &str, v: Vec<i64>) -> pb::AttributeProto {
    pb::AttributeProto {
        name: name.into(),
        r#type: attr_type::INTS,
        ints: v,
        ..Default::default()
    }
}

fn floats_attr(name: &str, v: Vec<f32>) -> pb::AttributeProto {
    pb::AttributeProto {
        name: name.into(),
        r#type: attr_type::FLOATS,
        floats: v,
        ..Default::default()
    }
}

fn int_attr(name: &str, v: i64) -> pb::AttributeProto {
    pb::AttributeProto {
        name: name.into(),
        r#type: attr_type::INT,
        i: v,
        ..Default::default()
    }
}

/// `[N, C] → [N, len]`: columns `start..start + len` of a score matrix.
fn columns(b: &mut Builder, base: &str, input: &str, start: i64, len: i64) -> String {
    let starts = b.int64s(format!("{base}/lens_starts"), &[1], vec![start]);
    let ends = b.int64s(format!("{base}/lens_ends"), &[1], vec![start + len]);
    let axes = b.int64s(format!("{base}/lens_axes"), &[1], vec![1]);
    let out = format!("{base}/lens_columns");
    b.node(
        "Slice",
        "",
        out.clone(),
        &[input, &starts, &ends, &axes],
        &[&out],
        vec![],
    );
    out
}

/// A TreeEnsembleClassifier emitting only its score matrix, with `labels` dummy classes (three
/// or more, so tract applies no binary layout of its own), no base values and no transform:
/// the trees' summed leaf weights per class id.
fn raw_tree_scores(
    b: &mut Builder,
    node: &pb::NodeProto,
    base: &str,
    weight_prefix: &str,
    classes: i64,
) -> String {
    let mut attribute: Vec<pb::AttributeProto> = node
        .attribute
        .iter()
        .filter(|a| a.name.starts_with("nodes_"))
        .cloned()
        .collect();
    // tract wants the votes ordered by tree (converters may list them per target).
    let field = |f: &str| ints(node, &format!("{weight_prefix}_{f}"));
    let (trees, leaves, ids) = (field("treeids"), field("nodeids"), field("ids"));
    let weights = floats(node, &format!("{weight_prefix}_weights"));
    let mut order: Vec<usize> = (0..trees
        .len()
        .min(leaves.len())
        .min(ids.len())
        .min(weights.len()))
        .collect();
    order.sort_by_key(|&i| (trees[i], leaves[i]));
    let pick = |v: &[i64]| order.iter().map(|&i| v[i]).collect::<Vec<_>>();
    attribute.push(ints_attr("class_treeids", pick(&trees)));
    attribute.push(ints_attr("class_nodeids", pick(&leaves)));
    attribute.push(ints_attr("class_ids", pick(&ids)));
    attribute.push(floats_attr(
        "class_weights",
        order.iter().map(|&i| weights[i]).collect(),
    ));
    attribute.push(ints_attr(
        "classlabels_int64s",
        (0..classes.max(3)).collect(),
    ));
    let (labels, scores) = (format!("{base}/lens_labels"), format!("{base}/lens_scores"));
    b.node(
        "TreeEnsembleClassifier",
        ML,
        base.to_string(),
        &[&node.input[0]],
        &[&labels, &scores],
        attribute,
    );
    scores
}

const TRACT_BINARY: &str = "tract labels a one-column binary classifier with its first class";

/// A binary TreeEnsembleClassifier whose leaves vote for one class column only (skl2onnx's
/// binary trees and forests, gradient boosting): onnxruntime reads that column as the positive
/// class's score `s` and labels by `s > 0.5` (all weights positive) or `s > 0`, while tract takes
/// the argmax of the single column (always the first label) and refuses base values.
fn binary_tree_classifier(node: &pb::NodeProto, b: &mut Builder) -> RuleResult {
    let labels = ints(node, "classlabels_int64s");
    let class_ids = ints(node, "class_ids");
    let single_column = class_ids.windows(2).all(|w| w[0] == w[1]);
    let string_labels = attr(node, "classlabels_strings").is_some_and(|a| a.strings.len() == 2);
    if !single_column || !(labels.len() == 2 || string_labels) || class_ids.is_empty() {
        return Ok(None);
    }
    if string_labels {
        return Err(format!("{TRACT_BINARY}; no rewrite for string labels"));
    }
    if let Some(a) = has_tensor_variant(node) {
        return Err(format!("{TRACT_BINARY}; no rewrite for `{a}`"));
    }
    let base_values = floats(node, "base_values");
    if base_values.len() > 1 {
        return Err(format!(
            "{TRACT_BINARY}; no rewrite for {} base values",
            base_values.len()
        ));
    }
    let transform = string(node, "post_transform").unwrap_or_else(|| "NONE".into());
    let logistic = match transform.as_str() {
        "NONE" => false,
        "LOGISTIC" => true,
        // Measured: onnxruntime 1.32 writes probit(s) into the first column and leaves the
        // second unwritten (0 or NaN from one model to the next), so there is no answer to match.
        "PROBIT" => {
            return Err(format!(
                "{TRACT_BINARY}; no rewrite for post_transform PROBIT, whose second column onnxruntime leaves unwritten"
            ))
        }
        other => {
            return Err(format!(
                "{TRACT_BINARY}; no rewrite for post_transform {other}"
            ))
        }
    };
    let all_positive = floats(node, "class_weights").iter().all(|w| *w >= 0.0);
    let base = name_of(node).to_string();
    let scores = raw_tree_scores(b, node, &base, "class", 3);
    let mut s = columns(b, &base, &scores, 0, 1);
    let mut into = vec!["TreeEnsembleClassifier (scores)", "Slice"];
    if let Some(&v) = base_values.first() {
        let c = b.floats(format!("{base}/lens_base"), &[1], vec![v]);
        let out = format!("{base}/lens_score");
        b.node("Add", "", out.clone(), &[&s, &c], &[&out], vec![]);
        s = out;
        into.push("Add");
    }
    // onnxruntime's probabilities: [σ(−s), σ(s)] with LOGISTIC, else [1 − s, s] for positive
    // votes and [−s, s] otherwise; its label threshold on the raw score: 0.5 for positive votes.
    let negative = format!("{base}/lens_negative");
    let (positive, other) = if logistic {
        b.node("Neg", "", negative.clone(), &[&s], &[&negative], vec![]);
        let (p, q) = (format!("{base}/lens_p1"), format!("{base}/lens_p0"));
        b.node("Sigmoid", "", p.clone(), &[&s], &[&p], vec![]);
        b.node("Sigmoid", "", q.clone(), &[&negative], &[&q], vec![]);
        into.extend(["Neg", "Sigmoid ×2"]);
        (p, q)
    } else if all_positive {
        let one = b.floats(format!("{base}/lens_one"), &[1], vec![1.0]);
        b.node(
            "Sub",
            "",
            negative.clone(),
            &[&one, &s],
            &[&negative],
            vec![],
        );
        into.push("Sub");
        (s.clone(), negative)
    } else {
        b.node("Neg", "", negative.clone(), &[&s], &[&negative], vec![]);
        into.push("Neg");
        (s.clone(), negative)
    };
    let threshold = if all_positive { 0.5 } else { 0.0 };
    b.node(
        "Concat",
        "",
        format!("{base}/lens_probabilities"),
        &[&other, &positive],
        &[&node.output[1]],
        vec![int_attr("axis", 1)],
    );
    // Labels: labels[1] where s > threshold, else labels[0].
    let t = b.floats(format!("{base}/lens_threshold"), &[1], vec![threshold]);
    let above = format!("{base}/lens_above");
    b.node("Greater", "", above.clone(), &[&s, &t], &[&above], vec![]);
    let flat = b.int64s(format!("{base}/lens_flat"), &[1], vec![-1]);
    let above_flat = format!("{base}/lens_above_flat");
    b.node(
        "Reshape",
        "",
        above_flat.clone(),
        &[&above, &flat],
        &[&above_flat],
        vec![],
    );
    let yes = b.int64s(format!("{base}/lens_label1"), &[], vec![labels[1]]);
    let no = b.int64s(format!("{base}/lens_label0"), &[], vec![labels[0]]);
    b.node(
        "Where",
        "",
        format!("{base}/lens_label"),
        &[&above_flat, &yes, &no],
        &[&node.output[0]],
        vec![],
    );
    into.extend(["Concat", "Greater", "Reshape", "Where"]);
    Ok(Some((into.join(" + "), TRACT_BINARY)))
}

const TRACT_REGRESSOR: &str = "tract has no TreeEnsembleRegressor";

/// TreeEnsembleRegressor, which tract lacks: the same trees as a classifier's score matrix (a
/// sum of leaf weights per target), averaged and offset by the base values.
fn tree_regressor(node: &pb::NodeProto, b: &mut Builder) -> RuleResult {
    if let Some(a) = has_tensor_variant(node) {
        return Err(format!("{TRACT_REGRESSOR}; no rewrite for `{a}`"));
    }
    let transform = string(node, "post_transform").unwrap_or_else(|| "NONE".into());
    if transform != "NONE" {
        return Err(format!(
            "{TRACT_REGRESSOR}; no rewrite for post_transform {transform}"
        ));
    }
    let aggregate = string(node, "aggregate_function").unwrap_or_else(|| "SUM".into());
    let targets = attr(node, "n_targets").map_or(1, |a| a.i).max(1);
    let base = name_of(node).to_string();
    let mut y = match aggregate.as_str() {
        "SUM" | "AVERAGE" => {
            let scores = raw_tree_scores(b, node, &base, "target", targets);
            columns(b, &base, &scores, 0, targets)
        }
        "MAX" | "MIN" => extreme_over_trees(node, b, &base, targets, &aggregate)?,
        other => {
            return Err(format!(
                "{TRACT_REGRESSOR}; no rewrite for aggregate_function {other}"
            ))
        }
    };
    if aggregate == "AVERAGE" {
        let mut trees = ints(node, "nodes_treeids");
        trees.sort_unstable();
        trees.dedup();
        let n = b.floats(
            format!("{base}/lens_trees"),
            &[1],
            vec![trees.len().max(1) as f32],
        );
        let out = format!("{base}/lens_average");
        b.node("Div", "", out.clone(), &[&y, &n], &[&out], vec![]);
        y = out;
    }
    let base_values = floats(node, "base_values");
    let out = &node.output[0];
    if base_values.is_empty() {
        b.node(
            "Identity",
            "",
            format!("{base}/lens_out"),
            &[&y],
            &[out],
            vec![],
        );
    } else {
        let len = base_values.len() as i64;
        let c = b.floats(format!("{base}/lens_base"), &[len], base_values);
        b.node(
            "Add",
            "",
            format!("{base}/lens_out"),
            &[&y, &c],
            &[out],
            vec![],
        );
    }
    Ok(Some((
        format!(
            "TreeEnsembleClassifier (scores{}) + Slice{}{}",
            if aggregate == "MAX" || aggregate == "MIN" {
                " per tree"
            } else {
                ""
            },
            match aggregate.as_str() {
                "AVERAGE" => " + Div",
                "MAX" => " + Max",
                "MIN" => " + Min",
                _ => "",
            },
            if floats(node, "base_values").is_empty() {
                ""
            } else {
                " + Add"
            }
        ),
        TRACT_REGRESSOR,
    )))
}

/// Keeps the entries of `v` whose position is marked in `keep` (an attribute list parallel to it).
fn keep_marked<T>(v: &mut Vec<T>, keep: &[bool]) {
    let mut k = keep.iter();
    v.retain(|_| *k.next().unwrap_or(&false));
}

/// MAX or MIN aggregation, which a summed score matrix cannot give: one score matrix per tree
/// (that tree's nodes and votes alone), then Max or Min across the trees. onnxruntime takes the
/// extreme over every vote, and a tree that does not vote for a target does not count, so the
/// rewrite needs each leaf to vote exactly once for every target (as converters write them).
fn extreme_over_trees(
    node: &pb::NodeProto,
    b: &mut Builder,
    base: &str,
    targets: i64,
    aggregate: &str,
) -> Result<String, String> {
    let tree_of_node = ints(node, "nodes_treeids");
    let node_ids = ints(node, "nodes_nodeids");
    let modes = attr(node, "nodes_modes")
        .map(|a| a.strings.clone())
        .unwrap_or_default();
    let (vote_trees, vote_nodes, vote_targets) = (
        ints(node, "target_treeids"),
        ints(node, "target_nodeids"),
        ints(node, "target_ids"),
    );
    let mut votes: std::collections::HashMap<(i64, i64), Vec<i64>> = Default::default();
    for ((t, n), k) in vote_trees.iter().zip(&vote_nodes).zip(&vote_targets) {
        votes.entry((*t, *n)).or_default().push(*k);
    }
    let every_target: Vec<i64> = (0..targets).collect();
    for ((t, n), mode) in tree_of_node.iter().zip(&node_ids).zip(&modes) {
        if mode.as_slice() == b"LEAF" {
            let mut got = votes.get(&(*t, *n)).cloned().unwrap_or_default();
            got.sort_unstable();
            if got != every_target {
                return Err(format!(
                    "{TRACT_REGRESSOR}; no rewrite for {aggregate} where a leaf does not vote once for every target"
                ));
            }
        }
    }
    let mut trees = tree_of_node.clone();
    trees.sort_unstable();
    trees.dedup();
    let mut per_tree = Vec::with_capacity(trees.len());
    for t in trees {
        // The node with only tree `t`'s entries in its parallel `nodes_*` and `target_*` lists.
        let mut one = node.clone();
        let keep_nodes: Vec<bool> = tree_of_node.iter().map(|x| *x == t).collect();
        let keep_votes: Vec<bool> = vote_trees.iter().map(|x| *x == t).collect();
        for a in one.attribute.iter_mut() {
            let keep = if a.name.starts_with("nodes_") {
                &keep_nodes
            } else if a.name.starts_with("target_") {
                &keep_votes
            } else {
                continue;
            };
            keep_marked(&mut a.ints, keep);
            keep_marked(&mut a.floats, keep);
            keep_marked(&mut a.strings, keep);
            // tract numbers a node's trees from 0.
            if a.name.ends_with("_treeids") {
                a.ints.iter_mut().for_each(|x| *x = 0);
            }
        }
        let tree_base = format!("{base}/lens_tree{t}");
        let scores = raw_tree_scores(b, &one, &tree_base, "target", targets);
        per_tree.push(columns(b, &tree_base, &scores, 0, targets));
    }
    let op = if aggregate == "MAX" { "Max" } else { "Min" };
    let inputs: Vec<&str> = per_tree.iter().map(String::as_str).collect();
    Ok(b.step(base, op, &inputs, "extreme", vec![]))
}

/// Scaler, which tract lacks: `(X − offset) · scale` in float.
fn scaler(node: &pb::NodeProto, b: &mut Builder) -> RuleResult {
    let base = name_of(node).to_string();
    let offset = floats(node, "offset");
    let scale = floats(node, "scale");
    let x = format!("{base}/lens_float");
    b.node(
        "Cast",
        "",
        x.clone(),
        &[&node.input[0]],
        &[&x],
        vec![int_attr("to", FLOAT as i64)],
    );
    let mut y = x;
    if !offset.is_empty() {
        let len = offset.len() as i64;
        let c = b.floats(format!("{base}/lens_offset"), &[len], offset);
        let out = format!("{base}/lens_centered");
        b.node("Sub", "", out.clone(), &[&y, &c], &[&out], vec![]);
        y = out;
    }
    let len = scale.len().max(1) as i64;
    let values = if scale.is_empty() { vec![1.0] } else { scale };
    let c = b.floats(format!("{base}/lens_scale"), &[len], values);
    b.node(
        "Mul",
        "",
        format!("{base}/lens_scaled"),
        &[&y, &c],
        &[&node.output[0]],
        vec![],
    );
    Ok(Some(("Cast + Sub + Mul".into(), "tract has no Scaler")))
}

/// ArrayFeatureExtractor: tract drops the last axis when one column is picked ([N] where
/// onnxruntime, and the spec, give [N, 1]); a Gather along the last axis keeps it. Only for
/// 1-D index tensors (what converters write) on inputs of rank 2 or more.
fn array_feature_extractor(node: &pb::NodeProto, b: &mut Builder) -> RuleResult {
    let base = name_of(node).to_string();
    let flat = b.int64s(format!("{base}/lens_flat"), &[1], vec![-1]);
    let indices = format!("{base}/lens_indices");
    b.node(
        "Reshape",
        "",
        indices.clone(),
        &[&node.input[1], &flat],
        &[&indices],
        vec![],
    );
    b.node(
        "Gather",
        "",
        format!("{base}/lens_gather"),
        &[&node.input[0], &indices],
        &[&node.output[0]],
        vec![int_attr("axis", -1)],
    );
    Ok(Some((
        "Reshape + Gather(axis −1)".into(),
        "tract drops the picked axis when one column is extracted",
    )))
}

/// A float16 Gemm (an fp16 conversion's classifier head): tract types its bias add in float32
/// and refuses it ("expected 1,10,F16 got 1,10,F32"); MatMul and Add (with Transposes for
/// transA/transB) run in float16 as onnxruntime does. Only alpha = beta = 1, what converters
/// write: other scales would need constants of the tensor's type.
fn half_gemm(node: &pb::NodeProto, b: &mut Builder) -> RuleResult {
    let get_f = |name: &str| attr(node, name).map_or(1.0, |a| a.f);
    let get_i = |name: &str| attr(node, name).map_or(0, |a| a.i);
    if get_f("alpha") != 1.0 || get_f("beta") != 1.0 {
        return Err(
            "tract refuses a float16 Gemm; no rewrite for alpha or beta other than 1".into(),
        );
    }
    let base = name_of(node).to_string();
    let operand = |k: usize, transposed: bool, b: &mut Builder| -> String {
        let x = node.input[k].clone();
        if !transposed {
            return x;
        }
        let out = format!("{base}/lens_transpose_{k}");
        b.node(
            "Transpose",
            "",
            out.clone(),
            &[&x],
            &[&out],
            vec![ints_attr("perm", vec![1, 0])],
        );
        out
    };
    let x = operand(0, get_i("transA") != 0, b);
    let w = operand(1, get_i("transB") != 0, b);
    let has_c = node.input.get(2).is_some_and(|c| !c.is_empty());
    let product = if has_c {
        format!("{base}/lens_product")
    } else {
        node.output[0].clone()
    };
    b.node(
        "MatMul",
        "",
        format!("{base}/lens_matmul"),
        &[&x, &w],
        &[&product],
        vec![],
    );
    if has_c {
        b.node(
            "Add",
            "",
            format!("{base}/lens_bias"),
            &[&product, &node.input[2]],
            &[&node.output[0]],
            vec![],
        );
    }
    Ok(Some((
        format!(
            "{}MatMul{}",
            if get_i("transA") != 0 || get_i("transB") != 0 {
                "Transpose + "
            } else {
                ""
            },
            if has_c { " + Add" } else { "" }
        ),
        "tract refuses a float16 Gemm (types its bias add in float32)",
    )))
}

/// Does the model read output `k` of `node`?
fn uses_output(node: &pb::NodeProto, k: usize, b: &Builder) -> bool {
    node.output
        .get(k)
        .is_some_and(|o| !o.is_empty() && b.used.contains(o))
}

fn input(node: &pb::NodeProto, k: usize) -> Option<&str> {
    node.input
        .get(k)
        .map(String::as_str)
        .filter(|x| !x.is_empty())
}

/// The activation FusedConv (and FusedGemm) apply after the product, onto `x`, into `out`.
fn activation(
    b: &mut Builder,
    base: &str,
    x: &str,
    out: &str,
    kind: &str,
    params: &[f32],
) -> Result<(), String> {
    let name = format!("{base}/lens_activation");
    match (kind, params) {
        ("Relu" | "Tanh" | "Sigmoid", _) => b.node(kind, "", name, &[x], &[out], vec![]),
        ("LeakyRelu", [alpha, ..]) => b.node(
            kind,
            "",
            name,
            &[x],
            &[out],
            vec![float_attr("alpha", *alpha)],
        ),
        ("HardSigmoid", [alpha, beta, ..]) => b.node(
            kind,
            "",
            name,
            &[x],
            &[out],
            vec![float_attr("alpha", *alpha), float_attr("beta", *beta)],
        ),
        ("Clip", [lo, hi, ..]) => {
            let lo = b.floats(format!("{base}/lens_min"), &[], vec![*lo]);
            let hi = b.floats(format!("{base}/lens_max"), &[], vec![*hi]);
            b.node(kind, "", name, &[x, &lo, &hi], &[out], vec![]);
        }
        _ => return Err(format!("no rewrite for activation {kind} {params:?}")),
    }
    Ok(())
}

fn float_attr(name: &str, v: f32) -> pb::AttributeProto {
    pb::AttributeProto {
        name: name.into(),
        r#type: 1,
        f: v,
        ..Default::default()
    }
}

/// com.microsoft FusedConv (onnxruntime's optimiser output): Conv, the optional sum input Z,
/// then the activation (parameters in activation_params).
fn fused_conv(node: &pb::NodeProto, b: &mut Builder) -> RuleResult {
    let params = floats(node, "activation_params");
    fused_product(
        node,
        b,
        "Conv",
        3,
        &params,
        "tract has no com.microsoft FusedConv",
    )
}

/// A fused product op (FusedConv, FusedGemm): the plain op on its first `operands` inputs
/// (its attributes without the activation's), the input after them added when present (a
/// FusedConv's Z), then the activation.
fn fused_product(
    node: &pb::NodeProto,
    b: &mut Builder,
    op: &str,
    operands: usize,
    params: &[f32],
    why: &'static str,
) -> RuleResult {
    let base = name_of(node).to_string();
    let kind = string(node, "activation").unwrap_or_default();
    let attrs: Vec<pb::AttributeProto> = node
        .attribute
        .iter()
        .filter(|a| !a.name.starts_with("activation"))
        .cloned()
        .collect();
    let ins: Vec<&str> = node
        .input
        .iter()
        .take(operands)
        .map(String::as_str)
        .collect();
    let mut y = format!("{base}/lens_{}", op.to_lowercase());
    b.node(op, "", base.clone(), &ins, &[&y], attrs);
    let sum = input(node, operands);
    if let Some(z) = sum {
        let out = format!("{base}/lens_sum");
        b.node("Add", "", out.clone(), &[&y, z], &[&out], vec![]);
        y = out;
    }
    if kind.is_empty() {
        b.node(
            "Identity",
            "",
            format!("{base}/lens_out"),
            &[&y],
            &[&node.output[0]],
            vec![],
        );
    } else {
        activation(b, &base, &y, &node.output[0], &kind, params)?;
    }
    let tail = if kind.is_empty() { "Identity" } else { &kind };
    Ok(Some((
        format!("{op}{} + {tail}", if sum.is_some() { " + Add" } else { "" }),
        why,
    )))
}

/// com.microsoft FusedMatMul: alpha · op(A) · op(B), op transposing the last two axes. The
/// transposes are written for initializer operands (their rank is known); batch transposes are
/// refused.
fn fused_matmul(
    node: &pb::NodeProto,
    b: &mut Builder,
    initializers: &[pb::TensorProto],
) -> RuleResult {
    let base = name_of(node).to_string();
    let get_i = |n: &str| attr(node, n).map_or(0, |a| a.i);
    if get_i("transBatchA") != 0 || get_i("transBatchB") != 0 {
        return Err("tract has no com.microsoft FusedMatMul; no rewrite for transBatchA/B".into());
    }
    let operand = |k: usize, transposed: bool, b: &mut Builder| -> Result<String, String> {
        let x = node.input[k].clone();
        if !transposed {
            return Ok(x);
        }
        let rank = initializers
            .iter()
            .find(|t| t.name == x)
            .map(|t| t.dims.len())
            .ok_or("tract has no com.microsoft FusedMatMul; no rewrite for transposing a computed operand")?;
        if rank < 2 {
            return Err("FusedMatMul transposing a rank-1 operand".into());
        }
        let mut perm: Vec<i64> = (0..rank as i64).collect();
        perm.swap(rank - 2, rank - 1);
        let out = format!("{base}/lens_transpose_{k}");
        b.node(
            "Transpose",
            "",
            out.clone(),
            &[&x],
            &[&out],
            vec![ints_attr("perm", perm)],
        );
        Ok(out)
    };
    let x = operand(0, get_i("transA") != 0, b)?;
    let w = operand(1, get_i("transB") != 0, b)?;
    let alpha = attr(node, "alpha").map_or(1.0, |a| a.f);
    let product = if alpha == 1.0 {
        node.output[0].clone()
    } else {
        format!("{base}/lens_product")
    };
    b.node("MatMul", "", base.clone(), &[&x, &w], &[&product], vec![]);
    if alpha != 1.0 {
        let c = b.floats(format!("{base}/lens_alpha"), &[], vec![alpha]);
        b.node(
            "Mul",
            "",
            format!("{base}/lens_scale"),
            &[&product, &c],
            &[&node.output[0]],
            vec![],
        );
    }
    Ok(Some((
        format!(
            "{}MatMul{}",
            if x != node.input[0] || w != node.input[1] {
                "Transpose + "
            } else {
                ""
            },
            if alpha != 1.0 { " + Mul" } else { "" }
        ),
        "tract has no com.microsoft FusedMatMul",
    )))
}

enum GeluForm {
    /// x · (1 + erf(x / √2)) / 2 (BiasGelu)
    Erf,
    /// x · (1 + tanh(√(2/π) · (x + 0.044715 x³))) / 2 (FastGelu)
    Tanh,
}

/// com.microsoft BiasGelu / FastGelu: the optional bias added, then GELU by its formula.
fn gelu(node: &pb::NodeProto, b: &mut Builder, form: GeluForm) -> RuleResult {
    let base = name_of(node).to_string();
    let mut x = node.input[0].clone();
    if let Some(bias) = input(node, 1) {
        let out = format!("{base}/lens_biased");
        b.node("Add", "", out.clone(), &[&x, bias], &[&out], vec![]);
        x = out;
    }
    let c = |b: &mut Builder, n: &str, v: f32| b.floats(format!("{base}/lens_{n}"), &[], vec![v]);
    let op = |b: &mut Builder, op: &str, ins: &[&str], n: &str| b.step(&base, op, ins, n, vec![]);
    let inner = match form {
        GeluForm::Erf => {
            let sqrt2 = c(b, "sqrt2", std::f32::consts::SQRT_2);
            let scaled = op(b, "Div", &[&x, &sqrt2], "scaled");
            op(b, "Erf", &[&scaled], "erf")
        }
        GeluForm::Tanh => {
            let k = c(b, "k", 0.044715);
            let s = c(b, "s", (2.0 / std::f32::consts::PI).sqrt());
            let sq = op(b, "Mul", &[&x, &x], "sq");
            let cube = op(b, "Mul", &[&sq, &x], "cube");
            let kc = op(b, "Mul", &[&cube, &k], "kcube");
            let sum = op(b, "Add", &[&x, &kc], "inner");
            let arg = op(b, "Mul", &[&sum, &s], "arg");
            op(b, "Tanh", &[&arg], "tanh")
        }
    };
    let one = c(b, "one", 1.0);
    let half = c(b, "half", 0.5);
    let plus = op(b, "Add", &[&inner, &one], "plus1");
    let xs = op(b, "Mul", &[&x, &plus], "times");
    b.node(
        "Mul",
        "",
        format!("{base}/lens_gelu"),
        &[&xs, &half],
        &[&node.output[0]],
        vec![],
    );
    Ok(Some((
        match form {
            GeluForm::Erf => "Add + Div + Erf + Add + Mul + Mul".into(),
            GeluForm::Tanh => "Add + Mul ×4 + Add + Tanh + Add + Mul ×2".into(),
        },
        "tract has no com.microsoft BiasGelu / FastGelu",
    )))
}

/// com.microsoft SkipLayerNormalization (onnxruntime's transformer optimiser): input + skip
/// (+ bias), then LayerNormalization over the last axis; the sum is its fourth output.
fn skip_layer_norm(node: &pb::NodeProto, b: &mut Builder) -> RuleResult {
    const WHY: &str = "tract has no com.microsoft SkipLayerNormalization";
    if b.opset < 17 {
        return Err(format!(
            "{WHY}; no rewrite below opset 17 (LayerNormalization)"
        ));
    }
    if uses_output(node, 1, b) || uses_output(node, 2, b) {
        return Err(format!(
            "{WHY}; no rewrite for its mean and inverse-variance outputs"
        ));
    }
    let base = name_of(node).to_string();
    let sum = if uses_output(node, 3, b) {
        node.output[3].clone()
    } else {
        format!("{base}/lens_sum")
    };
    let (x, skip) = (&node.input[0], &node.input[1]);
    match input(node, 4) {
        Some(bias) => {
            let partial = format!("{base}/lens_partial");
            b.node("Add", "", partial.clone(), &[x, skip], &[&partial], vec![]);
            b.node(
                "Add",
                "",
                format!("{base}/lens_add"),
                &[&partial, bias],
                &[&sum],
                vec![],
            );
        }
        None => b.node(
            "Add",
            "",
            format!("{base}/lens_add"),
            &[x, skip],
            &[&sum],
            vec![],
        ),
    }
    let epsilon = attr(node, "epsilon").map_or(1e-12, |a| a.f);
    let mut ins = vec![sum.as_str(), node.input[2].as_str()];
    if let Some(beta) = input(node, 3) {
        ins.push(beta);
    }
    b.node(
        "LayerNormalization",
        "",
        base.clone(),
        &ins,
        &[&node.output[0]],
        vec![int_attr("axis", -1), float_attr("epsilon", epsilon)],
    );
    Ok(Some(("Add + LayerNormalization".into(), WHY)))
}

/// A com.microsoft QLinear op (onnxruntime's QOperator quantization): its `operands` quantized
/// inputs (each value, scale, zero point) dequantized, the float op, the result quantized with
/// the output scale and zero point that follow them.
fn qlinear(
    node: &pb::NodeProto,
    b: &mut Builder,
    operands: usize,
    attrs: Vec<pb::AttributeProto>,
    why: &'static str,
) -> RuleResult {
    let base = name_of(node).to_string();
    let op = node.op_type.trim_start_matches("QLinear").to_string();
    if node.input.len() < 3 * operands + 1 {
        return Err(format!(
            "{} with fewer than {} inputs",
            node.op_type,
            3 * operands + 1
        ));
    }
    let floats: Vec<String> = (0..operands)
        .map(|k| {
            let out = format!("{base}/lens_dq_{k}");
            let ins: Vec<&str> = node.input[3 * k..3 * k + 3]
                .iter()
                .map(String::as_str)
                .collect();
            b.node("DequantizeLinear", "", out.clone(), &ins, &[&out], vec![]);
            out
        })
        .collect();
    let r = format!("{base}/lens_{}", op.to_lowercase());
    let refs: Vec<&str> = floats.iter().map(String::as_str).collect();
    b.node(&op, "", base.clone(), &refs, &[&r], attrs);
    let mut q_ins = vec![r.as_str(), node.input[3 * operands].as_str()];
    if let Some(zp) = input(node, 3 * operands + 1) {
        q_ins.push(zp);
    }
    b.node(
        "QuantizeLinear",
        "",
        format!("{base}/lens_q"),
        &q_ins,
        &[&node.output[0]],
        vec![],
    );
    let dq = if operands == 1 {
        "DequantizeLinear".to_string()
    } else {
        format!("DequantizeLinear ×{operands}")
    };
    Ok(Some((format!("{dq} + {op} + QuantizeLinear"), why)))
}

/// QLinearAdd / QLinearMul.
fn qlinear_binary(node: &pb::NodeProto, b: &mut Builder) -> RuleResult {
    qlinear(
        node,
        b,
        2,
        vec![],
        "tract has no com.microsoft QLinearAdd / QLinearMul",
    )
}

/// QLinearSigmoid / QLinearLeakyRelu / QLinearGlobalAveragePool (channels-last pooling refused).
fn qlinear_unary(node: &pb::NodeProto, b: &mut Builder) -> RuleResult {
    const WHY: &str = "tract has no com.microsoft quantized (QLinear) op of this kind";
    if attr(node, "channels_last").is_some_and(|a| a.i != 0) {
        return Err(format!("{WHY}; no rewrite for channels_last"));
    }
    let attrs = match node.op_type.as_str() {
        "QLinearLeakyRelu" => vec![float_attr(
            "alpha",
            attr(node, "alpha").map_or(0.01, |a| a.f),
        )],
        _ => vec![],
    };
    qlinear(node, b, 1, attrs, WHY)
}

/// com.microsoft Attention (onnxruntime's transformer optimiser): QKV = input · weights + bias,
/// split into heads, softmax(Q·Kᵀ · scale + mask) · V, heads merged. Rewritten for the plain
/// form: equal Q/K/V sizes, no past state, no attention bias; a 2-D mask_index of 1/0 per key
/// becomes (1 − mask) · mask_filter_value added to the scores, and unidirectional (causal)
/// attention masks the keys after each query the same way.
fn attention(
    node: &pb::NodeProto,
    b: &mut Builder,
    initializers: &[pb::TensorProto],
) -> RuleResult {
    const WHY: &str = "tract has no com.microsoft Attention";
    let get_i = |n: &str| attr(node, n).map_or(0, |a| a.i);
    let causal = get_i("unidirectional") != 0;
    if causal && b.opset < 14 {
        return Err(format!(
            "{WHY}; no rewrite for causal attention below opset 14 (Trilu)"
        ));
    }
    if attr(node, "qkv_hidden_sizes").is_some_and(|a| !a.ints.windows(2).all(|w| w[0] == w[1])) {
        return Err(format!("{WHY}; no rewrite for unequal qkv_hidden_sizes"));
    }
    if (4..node.input.len()).any(|k| input(node, k).is_some()) || uses_output(node, 1, b) {
        return Err(format!(
            "{WHY}; no rewrite for past state or attention bias"
        ));
    }
    let heads = get_i("num_heads");
    let weights = initializers.iter().find(|t| t.name == node.input[1]);
    let hidden = match weights.map(|t| t.dims.as_slice()) {
        Some([_, three_h]) if heads > 0 && three_h % (3 * heads) == 0 => three_h / 3,
        _ => {
            return Err(format!(
                "{WHY}; no rewrite without constant weights [H_in, 3·H]"
            ))
        }
    };
    let head = hidden / heads;
    let base = name_of(node).to_string();
    let op = |b: &mut Builder, op: &str, ins: &[&str], n: &str, attrs: Vec<pb::AttributeProto>| {
        b.step(&base, op, ins, n, attrs)
    };
    let mut qkv = op(
        b,
        "MatMul",
        &[&node.input[0], &node.input[1]],
        "qkv",
        vec![],
    );
    if let Some(bias) = input(node, 2) {
        qkv = op(b, "Add", &[&qkv, bias], "qkv_bias", vec![]);
    }
    let split_shape = b.int64s(
        format!("{base}/lens_split_shape"),
        &[4],
        vec![0, 0, heads, head],
    );
    let mut parts = Vec::new();
    for (k, (name, perm)) in [
        ("q", [0, 2, 1, 3]),
        ("k", [0, 2, 3, 1]),
        ("v", [0, 2, 1, 3]),
    ]
    .into_iter()
    .enumerate()
    {
        let k = k as i64;
        let starts = b.int64s(format!("{base}/lens_{name}_start"), &[1], vec![k * hidden]);
        let ends = b.int64s(
            format!("{base}/lens_{name}_end"),
            &[1],
            vec![(k + 1) * hidden],
        );
        let axes = b.int64s(format!("{base}/lens_{name}_axes"), &[1], vec![-1]);
        let x = op(b, "Slice", &[&qkv, &starts, &ends, &axes], name, vec![]);
        let x = op(
            b,
            "Reshape",
            &[&x, &split_shape],
            &format!("{name}_heads"),
            vec![],
        );
        parts.push(op(
            b,
            "Transpose",
            &[&x],
            &format!("{name}_t"),
            vec![ints_attr("perm", perm.to_vec())],
        ));
    }
    let scale = attr(node, "scale")
        .map(|a| a.f)
        .filter(|s| *s != 0.0)
        .unwrap_or(1.0 / (head as f32).sqrt());
    let scale = b.floats(format!("{base}/lens_scale"), &[], vec![scale]);
    let scores = op(b, "MatMul", &[&parts[0], &parts[1]], "scores", vec![]);
    let mut scores = op(b, "Mul", &[&scores, &scale], "scaled", vec![]);
    let filter = attr(node, "mask_filter_value").map_or(-10000.0, |a| a.f);
    if let Some(mask) = input(node, 3) {
        let m = op(
            b,
            "Cast",
            &[mask],
            "mask_f",
            vec![int_attr("to", FLOAT as i64)],
        );
        let one = b.floats(format!("{base}/lens_one"), &[], vec![1.0]);
        let inv = op(b, "Sub", &[&one, &m], "mask_inv", vec![]);
        let f = b.floats(format!("{base}/lens_filter"), &[], vec![filter]);
        let add = op(b, "Mul", &[&inv, &f], "mask_add", vec![]);
        let shape = b.int64s(format!("{base}/lens_mask_shape"), &[4], vec![0, 1, 1, -1]);
        let add = op(b, "Reshape", &[&add, &shape], "mask_4d", vec![]);
        scores = op(b, "Add", &[&scores, &add], "masked", vec![]);
    }
    if causal {
        // Keys after the query masked: (1 − tril(ones[S, S])) · mask_filter_value.
        let shape = op(b, "Shape", &[&scores], "scores_shape", vec![]);
        let starts = b.int64s(format!("{base}/lens_sq_start"), &[1], vec![2]);
        let ends = b.int64s(format!("{base}/lens_sq_end"), &[1], vec![4]);
        let sq = op(b, "Slice", &[&shape, &starts, &ends], "sq", vec![]);
        let one_t = pb::TensorProto {
            dims: vec![1],
            data_type: FLOAT,
            float_data: vec![1.0],
            ..Default::default()
        };
        let value = pb::AttributeProto {
            name: "value".into(),
            r#type: 4,
            t: Some(one_t),
            ..Default::default()
        };
        let ones = op(b, "ConstantOfShape", &[&sq], "ones", vec![value]);
        let lower = op(b, "Trilu", &[&ones], "lower", vec![int_attr("upper", 0)]);
        let one = b.floats(format!("{base}/lens_causal_one"), &[], vec![1.0]);
        let upper = op(b, "Sub", &[&one, &lower], "upper", vec![]);
        let f = b.floats(format!("{base}/lens_causal_filter"), &[], vec![filter]);
        let add = op(b, "Mul", &[&upper, &f], "causal_add", vec![]);
        scores = op(b, "Add", &[&scores, &add], "causal", vec![]);
    }
    let probs = op(
        b,
        "Softmax",
        &[&scores],
        "probs",
        vec![int_attr("axis", -1)],
    );
    let ctx = op(b, "MatMul", &[&probs, &parts[2]], "context", vec![]);
    let ctx = op(
        b,
        "Transpose",
        &[&ctx],
        "context_t",
        vec![ints_attr("perm", vec![0, 2, 1, 3])],
    );
    let merge = b.int64s(format!("{base}/lens_merge_shape"), &[3], vec![0, 0, hidden]);
    b.node(
        "Reshape",
        "",
        base.clone(),
        &[&ctx, &merge],
        &[&node.output[0]],
        vec![],
    );
    Ok(Some((
        format!(
            "MatMul{} + Slice/Reshape/Transpose ×3 + MatMul + Mul{} + Softmax + MatMul + Transpose + Reshape",
            if input(node, 2).is_some() { " + Add" } else { "" },
            match (input(node, 3).is_some(), causal) {
                (true, true) => " + mask + causal mask",
                (true, false) => " + mask",
                (false, true) => " + causal mask",
                _ => "",
            }
        ),
        WHY,
    )))
}

/// com.microsoft EmbedLayerNormalization (BERT after onnxruntime's transformer optimiser): word,
/// position (0..S unless position_ids are given) and segment embeddings summed, then
/// LayerNormalization; mask_index is the mask's sum per row. A mask_index without a mask, or of
/// another mask_index_type, is refused.
fn embed_layer_norm(node: &pb::NodeProto, b: &mut Builder) -> RuleResult {
    const WHY: &str = "tract has no com.microsoft EmbedLayerNormalization";
    if b.opset < 17 {
        return Err(format!(
            "{WHY}; no rewrite below opset 17 (LayerNormalization)"
        ));
    }
    let wants_mask_index = uses_output(node, 1, b);
    if wants_mask_index
        && (input(node, 7).is_none() || attr(node, "mask_index_type").is_some_and(|a| a.i != 1))
    {
        return Err(format!("{WHY}; no rewrite for this mask_index"));
    }
    let base = name_of(node).to_string();
    let op = |b: &mut Builder, op: &str, ins: &[&str], n: &str, attrs: Vec<pb::AttributeProto>| {
        b.step(&base, op, ins, n, attrs)
    };
    let ids = node.input[0].as_str();
    let words = op(b, "Gather", &[&node.input[2], ids], "words", vec![]);
    let positions = match input(node, 8) {
        Some(p) => p.to_string(),
        None => {
            let shape = op(b, "Shape", &[ids], "ids_shape", vec![]);
            let one = b.int64s(format!("{base}/lens_axis1"), &[], vec![1]);
            let seq = op(
                b,
                "Gather",
                &[&shape, &one],
                "seq",
                vec![int_attr("axis", 0)],
            );
            let zero = b.int64s(format!("{base}/lens_zero"), &[], vec![0]);
            let step = b.int64s(format!("{base}/lens_step"), &[], vec![1]);
            op(b, "Range", &[&zero, &seq, &step], "positions", vec![])
        }
    };
    let pos = op(
        b,
        "Gather",
        &[&node.input[3], &positions],
        "position",
        vec![],
    );
    let mut sum = op(b, "Add", &[&words, &pos], "sum_wp", vec![]);
    if let (Some(seg_ids), Some(seg)) = (input(node, 1), input(node, 4)) {
        let s = op(b, "Gather", &[seg, seg_ids], "segment", vec![]);
        let out = if uses_output(node, 2, b) {
            node.output[2].clone()
        } else {
            format!("{base}/lens_sum")
        };
        b.node(
            "Add",
            "",
            format!("{base}/lens_add_segment"),
            &[&sum, &s],
            &[&out],
            vec![],
        );
        sum = out;
    } else if uses_output(node, 2, b) {
        b.node(
            "Identity",
            "",
            format!("{base}/lens_sum_out"),
            &[&sum],
            &[&node.output[2]],
            vec![],
        );
    }
    let epsilon = attr(node, "epsilon").map_or(1e-12, |a| a.f);
    b.node(
        "LayerNormalization",
        "",
        base.clone(),
        &[&sum, &node.input[5], &node.input[6]],
        &[&node.output[0]],
        vec![int_attr("axis", -1), float_attr("epsilon", epsilon)],
    );
    if wants_mask_index {
        let axes = b.int64s(format!("{base}/lens_mask_axes"), &[1], vec![1]);
        let mask = &node.input[7];
        let total = op(
            b,
            "ReduceSum",
            &[mask, &axes],
            "mask_sum",
            vec![int_attr("keepdims", 0)],
        );
        b.node(
            "Cast",
            "",
            format!("{base}/lens_mask_index"),
            &[&total],
            &[&node.output[1]],
            vec![int_attr("to", 6)],
        );
    }
    Ok(Some((
        "Gather ×3 + Add ×2 + LayerNormalization (+ ReduceSum for mask_index)".into(),
        WHY,
    )))
}

/// com.microsoft QGemm (onnxruntime's QOperator quantization of Gemm): A and B dequantized (B
/// per output channel), the int32 bias C scaled by a_scale · b_scale, the float Gemm, and the
/// result quantized when y_scale is given (else it is the float output).
fn qgemm(node: &pb::NodeProto, b: &mut Builder) -> RuleResult {
    if node.input.len() < 6 {
        return Err("QGemm with fewer than 6 inputs".into());
    }
    let base = name_of(node).to_string();
    let get_i = |n: &str| attr(node, n).map_or(0, |a| a.i);
    let trans_b = get_i("transB") != 0;
    let op = |b: &mut Builder, op: &str, ins: &[&str], n: &str, attrs: Vec<pb::AttributeProto>| {
        b.step(&base, op, ins, n, attrs)
    };
    let x = op(
        b,
        "DequantizeLinear",
        &[&node.input[0], &node.input[1], &node.input[2]],
        "dq_a",
        vec![],
    );
    // B's scale runs along its output channels: axis 0 of [N, K], axis 1 of [K, N].
    let axis = vec![int_attr("axis", if trans_b { 0 } else { 1 })];
    let w = op(
        b,
        "DequantizeLinear",
        &[&node.input[3], &node.input[4], &node.input[5]],
        "dq_b",
        axis,
    );
    let mut ins = vec![x, w];
    if let Some(c) = input(node, 6) {
        let scale = op(
            b,
            "Mul",
            &[&node.input[1], &node.input[4]],
            "bias_scale",
            vec![],
        );
        let cf = op(
            b,
            "Cast",
            &[c],
            "bias_f",
            vec![int_attr("to", FLOAT as i64)],
        );
        ins.push(op(b, "Mul", &[&cf, &scale], "bias", vec![]));
    }
    let mut attrs = vec![
        int_attr("transA", get_i("transA")),
        int_attr("transB", get_i("transB")),
    ];
    if let Some(a) = attr(node, "alpha") {
        attrs.push(float_attr("alpha", a.f));
    }
    let quantized = input(node, 7).is_some();
    let y = if quantized {
        format!("{base}/lens_gemm")
    } else {
        node.output[0].clone()
    };
    let refs: Vec<&str> = ins.iter().map(String::as_str).collect();
    b.node("Gemm", "", base.clone(), &refs, &[&y], attrs);
    if quantized {
        let mut q = vec![y.as_str(), node.input[7].as_str()];
        if let Some(zp) = input(node, 8) {
            q.push(zp);
        }
        b.node(
            "QuantizeLinear",
            "",
            format!("{base}/lens_q"),
            &q,
            &[&node.output[0]],
            vec![],
        );
    }
    Ok(Some((
        format!(
            "DequantizeLinear ×2{} + Gemm{}",
            if input(node, 6).is_some() {
                " + bias scaling"
            } else {
                ""
            },
            if quantized { " + QuantizeLinear" } else { "" }
        ),
        "tract has no com.microsoft QGemm",
    )))
}

/// com.microsoft QLinearSoftmax: dequantize, Softmax, quantize. Before opset 13 (its `opset`
/// attribute) Softmax flattened the axes from `axis` on, the same only for the last axis.
fn qlinear_softmax(node: &pb::NodeProto, b: &mut Builder) -> RuleResult {
    const WHY: &str = "tract has no com.microsoft QLinearSoftmax";
    let axis = attr(node, "axis").map_or(-1, |a| a.i);
    let semantics = attr(node, "opset").map_or(13, |a| a.i);
    if semantics < 13 && axis != -1 {
        return Err(format!(
            "{WHY}; no rewrite for the flattening Softmax of opset {semantics}"
        ));
    }
    qlinear(node, b, 1, vec![int_attr("axis", axis)], WHY)
}

/// com.microsoft FusedGemm (onnxruntime's optimiser: Gemm + activation): the Gemm, then the
/// activation with activation_alpha / activation_beta as its parameters.
fn fused_gemm(node: &pb::NodeProto, b: &mut Builder) -> RuleResult {
    let params: Vec<f32> = ["activation_alpha", "activation_beta"]
        .iter()
        .filter_map(|n| attr(node, n).map(|a| a.f))
        .collect();
    fused_product(
        node,
        b,
        "Gemm",
        3,
        &params,
        "tract has no com.microsoft FusedGemm",
    )
}

/// The bytes of a constant, whether in raw_data or in the typed field it allows.
fn tensor_bytes(t: &pb::TensorProto) -> Option<Vec<u8>> {
    if !t.raw_data.is_empty() {
        return Some(t.raw_data.clone());
    }
    match t.data_type {
        2 => Some(t.int32_data.iter().map(|&v| v as u8).collect()),
        _ => None,
    }
}

fn tensor_int64s(t: &pb::TensorProto) -> Option<Vec<i64>> {
    if t.data_type != INT64 {
        return None;
    }
    if !t.int64_data.is_empty() {
        return Some(t.int64_data.clone());
    }
    Some(
        t.raw_data
            .chunks_exact(8)
            .map(|c| i64::from_le_bytes(c.try_into().unwrap()))
            .collect(),
    )
}

fn tensor_floats(t: &pb::TensorProto) -> Option<Vec<f32>> {
    if t.data_type != FLOAT {
        return None;
    }
    if !t.float_data.is_empty() {
        return Some(t.float_data.clone());
    }
    Some(
        t.raw_data
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
    )
}

/// com.microsoft MatMulNBits (4-bit weight-only quantization, onnxruntime's MatMul4BitsQuantizer
/// and LLM exports): the packed weights are dequantized once, here, into a float [K, N] constant
/// — w = (q − zero point) · scale per block of `block_size` along K, low nibble first, zero
/// point 8 unless given (packed uint8) — and the node becomes a MatMul (+ bias).
fn matmul_nbits(
    node: &pb::NodeProto,
    b: &mut Builder,
    initializers: &[pb::TensorProto],
) -> RuleResult {
    const WHY: &str = "tract has no com.microsoft MatMulNBits";
    let get_i = |n: &str| attr(node, n).map_or(0, |a| a.i);
    let (k, n, bits, block) = (
        get_i("K"),
        get_i("N"),
        attr(node, "bits").map_or(4, |a| a.i),
        get_i("block_size"),
    );
    if bits != 4 || k <= 0 || n <= 0 || block <= 0 {
        return Err(format!("{WHY}; no rewrite for bits = {bits}"));
    }
    if input(node, 4).is_some() {
        return Err(format!("{WHY}; no rewrite for g_idx"));
    }
    let constant =
        |k: usize| input(node, k).and_then(|name| initializers.iter().find(|t| t.name == name));
    let (Some(q), Some(scales)) = (
        constant(1).and_then(tensor_bytes),
        constant(2).and_then(tensor_floats),
    ) else {
        return Err(format!(
            "{WHY}; no rewrite unless the packed weights and scales are constants"
        ));
    };
    let (k, n, block) = (k as usize, n as usize, block as usize);
    let blocks = k.div_ceil(block);
    let blob = block / 2;
    if q.len() < n * blocks * blob || scales.len() < n * blocks {
        return Err(format!(
            "{WHY}: packed weights shorter than K, N and block_size say"
        ));
    }
    let zero_points: Option<Vec<u8>> = match constant(3) {
        None if input(node, 3).is_some() => {
            return Err(format!("{WHY}; no rewrite for computed zero points"))
        }
        None => None,
        Some(t) if t.data_type == 2 => tensor_bytes(t),
        Some(_) => return Err(format!("{WHY}; no rewrite for float zero points")),
    };
    let zp_row = blocks.div_ceil(2);
    let mut w = vec![0f32; k * n];
    for col in 0..n {
        for kb in 0..blocks {
            let scale = scales[col * blocks + kb];
            let zp = match &zero_points {
                Some(z) => {
                    let byte = z.get(col * zp_row + kb / 2).copied().unwrap_or(0x88);
                    if kb % 2 == 0 {
                        byte & 0x0f
                    } else {
                        byte >> 4
                    }
                }
                None => 8,
            } as f32;
            for i in 0..block {
                let row = kb * block + i;
                if row >= k {
                    break;
                }
                let byte = q[(col * blocks + kb) * blob + i / 2];
                let v = if i % 2 == 0 { byte & 0x0f } else { byte >> 4 } as f32;
                w[row * n + col] = (v - zp) * scale;
            }
        }
    }
    let base = name_of(node).to_string();
    let weights = b.floats(format!("{base}/lens_weights"), &[k as i64, n as i64], w);
    let biased = input(node, 5);
    let y = if biased.is_some() {
        format!("{base}/lens_product")
    } else {
        node.output[0].clone()
    };
    b.node(
        "MatMul",
        "",
        base.clone(),
        &[&node.input[0], &weights],
        &[&y],
        vec![],
    );
    if let Some(bias) = biased {
        b.node(
            "Add",
            "",
            format!("{base}/lens_bias"),
            &[&y, bias],
            &[&node.output[0]],
            vec![],
        );
    }
    Ok(Some((
        format!(
            "MatMul with the weights dequantized{}",
            if biased.is_some() { " + Add" } else { "" }
        ),
        WHY,
    )))
}

/// ai.onnx.ml ZipMap (skl2onnx's default classifier output: one {class: probability} map per
/// row), which tract cannot hold: the probabilities stay the [N, classes] tensor they are, under
/// the ZipMap's output name, with its class labels for the report to show as a table.
fn zip_map(
    node: &pb::NodeProto,
    b: &mut Builder,
    classes: &mut Vec<(String, Vec<String>)>,
) -> RuleResult {
    let labels: Vec<String> = match (
        attr(node, "classlabels_int64s"),
        attr(node, "classlabels_strings"),
    ) {
        (Some(a), _) if !a.ints.is_empty() => a.ints.iter().map(|v| v.to_string()).collect(),
        (_, Some(a)) => a
            .strings
            .iter()
            .map(|v| String::from_utf8_lossy(v).into_owned())
            .collect(),
        _ => return Err("ZipMap without class labels".into()),
    };
    let base = name_of(node).to_string();
    b.node(
        "Identity",
        "",
        base,
        &[&node.input[0]],
        &[&node.output[0]],
        vec![],
    );
    classes.push((node.output[0].clone(), labels));
    Ok(Some((
        "Identity: the [N, classes] probabilities, shown with the class labels".into(),
        "tract holds no sequence of maps",
    )))
}

/// The kernel matrix K [N, S] of an ai.onnx.ml SVM node between its input rows and its support
/// vectors, in standard ops: LINEAR x·sv, POLY (γ x·sv + c₀)^d, SIGMOID tanh(γ x·sv + c₀), RBF
/// exp(−γ ‖x − sv‖²) with ‖x − sv‖² = ‖x‖² − 2 x·sv + ‖sv‖². Also the number of support vectors.
fn svm_kernel(node: &pb::NodeProto, b: &mut Builder, why: &str) -> Result<(String, usize), String> {
    let kernel = string(node, "kernel_type").unwrap_or_else(|| "LINEAR".into());
    let params = floats(node, "kernel_params");
    let (gamma, coef0, degree) = (
        params.first().copied().unwrap_or(0.0),
        params.get(1).copied().unwrap_or(0.0),
        params.get(2).copied().unwrap_or(3.0),
    );
    let sv = floats(node, "support_vectors");
    let n = match attr(node, "n_supports") {
        Some(a) => a.i as usize,
        None => ints(node, "vectors_per_class").iter().sum::<i64>() as usize,
    };
    if n == 0 || !sv.len().is_multiple_of(n) {
        return Err(format!(
            "{why}; no rewrite for a linear SVM without support vectors"
        ));
    }
    let features = sv.len() / n;
    let base = name_of(node).to_string();
    let op =
        |b: &mut Builder, op: &str, ins: &[&str], tag: &str| b.step(&base, op, ins, tag, vec![]);
    // [F, S]: the support vectors as columns.
    let mut columns = vec![0f32; sv.len()];
    for i in 0..n {
        for f in 0..features {
            columns[f * n + i] = sv[i * features + f];
        }
    }
    let svt = b.floats(
        format!("{base}/lens_sv"),
        &[features as i64, n as i64],
        columns,
    );
    let x = format!("{base}/lens_x");
    b.node(
        "Cast",
        "",
        x.clone(),
        &[&node.input[0]],
        &[&x],
        vec![int_attr("to", FLOAT as i64)],
    );
    let dot = op(b, "MatMul", &[&x, &svt], "dot");
    let scalar =
        |b: &mut Builder, tag: &str, v: f32| b.floats(format!("{base}/lens_{tag}"), &[], vec![v]);
    let k = match kernel.as_str() {
        "LINEAR" => dot,
        "POLY" | "SIGMOID" => {
            let g = scalar(b, "gamma", gamma);
            let c = scalar(b, "coef0", coef0);
            let scaled = op(b, "Mul", &[&dot, &g], "scaled");
            let shifted = op(b, "Add", &[&scaled, &c], "shifted");
            if kernel == "POLY" {
                let d = scalar(b, "degree", degree);
                op(b, "Pow", &[&shifted, &d], "kernel")
            } else {
                op(b, "Tanh", &[&shifted], "kernel")
            }
        }
        "RBF" => {
            let squares = op(b, "Mul", &[&x, &x], "x_sq");
            let ones = b.floats(
                format!("{base}/lens_ones"),
                &[features as i64, 1],
                vec![1.0; features],
            );
            let xx = op(b, "MatMul", &[&squares, &ones], "xx");
            let norms: Vec<f32> = (0..n)
                .map(|i| {
                    sv[i * features..(i + 1) * features]
                        .iter()
                        .map(|v| v * v)
                        .sum()
                })
                .collect();
            let ss = b.floats(format!("{base}/lens_ss"), &[1, n as i64], norms);
            let minus_two = scalar(b, "minus_two", -2.0);
            let cross = op(b, "Mul", &[&dot, &minus_two], "cross");
            let partial = op(b, "Add", &[&xx, &cross], "partial");
            let dist = op(b, "Add", &[&partial, &ss], "dist");
            let g = scalar(b, "neg_gamma", -gamma);
            let arg = op(b, "Mul", &[&dist, &g], "arg");
            op(b, "Exp", &[&arg], "kernel")
        }
        other => return Err(format!("{why}; no rewrite for kernel {other}")),
    };
    Ok((k, n))
}

/// ai.onnx.ml SVMRegressor (skl2onnx's SVR, NuSVR), which tract lacks: y = Σ coefᵢ · K(x, svᵢ) + ρ.
/// One-class models are refused.
fn svm_regressor(node: &pb::NodeProto, b: &mut Builder) -> RuleResult {
    const WHY: &str = "tract has no SVMRegressor";
    if attr(node, "one_class").is_some_and(|a| a.i != 0) {
        return Err(format!("{WHY}; no rewrite for one-class SVMs"));
    }
    let transform = string(node, "post_transform").unwrap_or_else(|| "NONE".into());
    if transform != "NONE" {
        return Err(format!("{WHY}; no rewrite for post_transform {transform}"));
    }
    let coefficients = floats(node, "coefficients");
    let (k, n) = svm_kernel(node, b, WHY)?;
    if coefficients.len() != n {
        return Err(format!(
            "{WHY}; no rewrite for {} coefficients for {n} support vectors",
            coefficients.len()
        ));
    }
    let base = name_of(node).to_string();
    let coef = b.floats(format!("{base}/lens_coef"), &[n as i64, 1], coefficients);
    let sum = format!("{base}/lens_sum");
    b.node("MatMul", "", sum.clone(), &[&k, &coef], &[&sum], vec![]);
    let rho = floats(node, "rho").first().copied().unwrap_or(0.0);
    let r = b.floats(format!("{base}/lens_rho"), &[], vec![rho]);
    b.node(
        "Add",
        "",
        base.clone(),
        &[&sum, &r],
        &[&node.output[0]],
        vec![],
    );
    let kernel = string(node, "kernel_type").unwrap_or_else(|| "LINEAR".into());
    Ok(Some((
        format!("the {kernel} kernel in MatMul/elementwise ops + MatMul + Add"),
        WHY,
    )))
}

/// ai.onnx.ml SVMClassifier (skl2onnx's SVC): libsvm's one-vs-one decision per class pair
/// (i, j), Σ over class i's vectors of coef[j − 1] · K + Σ over class j's of coef[i] · K + ρ, as
/// one MatMul of K with a [S, pairs] weight matrix; each pair votes for i when its value is
/// positive, else for j, and the label is the first class with the most votes (also with
/// probabilities, as onnxruntime does). The second output is the pair values, for two classes
/// (−v, v), and with `prob_a` the Platt-coupled probabilities (onnx-lens's own op: the coupling
/// iterates to a tolerance, which no fixed rewrite reproduces).
fn svm_classifier(node: &pb::NodeProto, b: &mut Builder) -> RuleResult {
    const WHY: &str = "tract has no SVMClassifier";
    let (prob_a, prob_b) = (floats(node, "prob_a"), floats(node, "prob_b"));
    let platt = !prob_a.is_empty();
    let transform = string(node, "post_transform").unwrap_or_else(|| "NONE".into());
    if transform != "NONE" {
        return Err(format!("{WHY}; no rewrite for post_transform {transform}"));
    }
    let labels = ints(node, "classlabels_ints");
    let per_class = ints(node, "vectors_per_class");
    let classes = per_class.len();
    if classes < 2 || labels.len() != classes {
        return Err(format!(
            "{WHY}; no rewrite for {classes} classes with integer labels"
        ));
    }
    let coefficients = floats(node, "coefficients");
    let rho = floats(node, "rho");
    let (k, n) = svm_kernel(node, b, WHY)?;
    let pairs = classes * (classes - 1) / 2;
    if coefficients.len() != (classes - 1) * n || rho.len() != pairs {
        return Err(format!("{WHY}; coefficients or rho of unexpected length"));
    }
    if platt && (prob_a.len() != pairs || prob_b.len() != pairs) {
        return Err(format!("{WHY}; prob_a or prob_b of unexpected length"));
    }
    // onnxruntime labels a binary SVC whose coefficients are all positive with its second
    // class whatever the input: a degenerate model, left unrewritten.
    if classes == 2 && !platt && coefficients.iter().all(|c| *c >= 0.0) {
        return Err(format!(
            "{WHY}; no rewrite for a binary SVC whose coefficients are all positive"
        ));
    }
    let starts: Vec<usize> = per_class
        .iter()
        .scan(0usize, |acc, &c| {
            let s = *acc;
            *acc += c as usize;
            Some(s)
        })
        .collect();
    // W [S, pairs], and which class each pair's positive and other value votes for.
    let mut w = vec![0f32; n * pairs];
    let (mut to_i, mut to_j) = (vec![0f32; pairs * classes], vec![0f32; pairs * classes]);
    let mut p = 0;
    for i in 0..classes {
        for j in i + 1..classes {
            for t in 0..per_class[i] as usize {
                let s = starts[i] + t;
                w[s * pairs + p] = coefficients[(j - 1) * n + s];
            }
            for t in 0..per_class[j] as usize {
                let s = starts[j] + t;
                w[s * pairs + p] = coefficients[i * n + s];
            }
            to_i[p * classes + i] = 1.0;
            to_j[p * classes + j] = 1.0;
            p += 1;
        }
    }
    let base = name_of(node).to_string();
    let op =
        |b: &mut Builder, op: &str, ins: &[&str], tag: &str, attrs: Vec<pb::AttributeProto>| {
            b.step(&base, op, ins, tag, attrs)
        };
    let wt = b.floats(
        format!("{base}/lens_pair_weights"),
        &[n as i64, pairs as i64],
        w,
    );
    let sums = op(b, "MatMul", &[&k, &wt], "pair_sums", vec![]);
    let r = b.floats(format!("{base}/lens_rho"), &[pairs as i64], rho);
    // The scores output: the pair values (three or more classes), Platt probabilities, or
    // (-v, v) for the one pair of a binary SVC.
    let pair_values_out = uses_output(node, 1, b) && classes > 2 && !platt;
    let scores = if pair_values_out {
        node.output[1].clone()
    } else {
        format!("{base}/lens_scores")
    };
    b.node("Add", "", base.clone(), &[&sums, &r], &[&scores], vec![]);
    if uses_output(node, 1, b) && platt {
        b.node(
            super::ml_ops::SVM_PROBABILITIES,
            super::ml_ops::DOMAIN,
            format!("{base}/lens_probabilities"),
            &[&scores],
            &[&node.output[1]],
            vec![
                int_attr("classes", classes as i64),
                floats_attr("prob_a", prob_a),
                floats_attr("prob_b", prob_b),
            ],
        );
    } else if uses_output(node, 1, b) && classes == 2 {
        let negated = op(b, "Neg", &[&scores], "negated", vec![]);
        b.node(
            "Concat",
            "",
            format!("{base}/lens_both_sides"),
            &[&negated, &scores],
            &[&node.output[1]],
            vec![int_attr("axis", 1)],
        );
    }
    let zero = b.floats(format!("{base}/lens_zero"), &[], vec![0.0]);
    let positive = op(b, "Greater", &[&scores, &zero], "positive", vec![]);
    let pos = op(
        b,
        "Cast",
        &[&positive],
        "positive_f",
        vec![int_attr("to", FLOAT as i64)],
    );
    let one = b.floats(format!("{base}/lens_one"), &[], vec![1.0]);
    let neg = op(b, "Sub", &[&one, &pos], "negative_f", vec![]);
    let vi = b.floats(
        format!("{base}/lens_votes_i"),
        &[pairs as i64, classes as i64],
        to_i,
    );
    let vj = b.floats(
        format!("{base}/lens_votes_j"),
        &[pairs as i64, classes as i64],
        to_j,
    );
    let for_i = op(b, "MatMul", &[&pos, &vi], "votes_for_i", vec![]);
    let for_j = op(b, "MatMul", &[&neg, &vj], "votes_for_j", vec![]);
    let votes = op(b, "Add", &[&for_i, &for_j], "votes", vec![]);
    let winner = op(
        b,
        "ArgMax",
        &[&votes],
        "winner",
        vec![
            int_attr("axis", 1),
            int_attr("keepdims", 0),
            int_attr("select_last_index", 0),
        ],
    );
    let table = b.int64s(format!("{base}/lens_labels"), &[classes as i64], labels);
    b.node(
        "Gather",
        "",
        format!("{base}/lens_label"),
        &[&table, &winner],
        &[&node.output[0]],
        vec![],
    );
    Ok(Some((
        "the kernel + MatMul (pair values) + Add + votes (Greater/MatMul) + ArgMax + Gather".into(),
        WHY,
    )))
}

/// ai.onnx.ml OneHotEncoder (skl2onnx's OneHotEncoder): each value (an integer value truncated,
/// as onnxruntime does; a string as it is) compared with the categories along a new last axis,
/// as floats. A value in no category gives a zero row — with `zeros = 0` onnxruntime fails
/// instead.
fn one_hot_encoder(node: &pb::NodeProto, b: &mut Builder) -> RuleResult {
    const WHY: &str = "tract has no OneHotEncoder";
    let cats = ints(node, "cats_int64s");
    let names = attr(node, "cats_strings")
        .map(|a| a.strings.clone())
        .unwrap_or_default();
    if cats.is_empty() && names.is_empty() {
        return Err(format!("{WHY}; no categories"));
    }
    let base = name_of(node).to_string();
    let op =
        |b: &mut Builder, op: &str, ins: &[&str], tag: &str, attrs: Vec<pb::AttributeProto>| {
            b.step(&base, op, ins, tag, attrs)
        };
    let x = if names.is_empty() {
        op(
            b,
            "Cast",
            &[&node.input[0]],
            "int",
            vec![int_attr("to", INT64 as i64)],
        )
    } else {
        node.input[0].clone()
    };
    let expanded = if b.opset >= 13 {
        let axes = b.int64s(format!("{base}/lens_axes"), &[1], vec![-1]);
        op(b, "Unsqueeze", &[&x, &axes], "expanded", vec![])
    } else {
        op(
            b,
            "Unsqueeze",
            &[&x],
            "expanded",
            vec![ints_attr("axes", vec![-1])],
        )
    };
    let table = if names.is_empty() {
        let len = cats.len() as i64;
        b.int64s(format!("{base}/lens_categories"), &[len], cats)
    } else {
        strings(b, format!("{base}/lens_categories"), names)
    };
    let hit = op(b, "Equal", &[&expanded, &table], "hit", vec![]);
    b.node(
        "Cast",
        "",
        base,
        &[&hit],
        &[&node.output[0]],
        vec![int_attr("to", FLOAT as i64)],
    );
    Ok(Some((
        "Unsqueeze + Equal (the categories) + Cast".into(),
        WHY,
    )))
}

/// An ai.onnx.ml classifier with string class labels as the same node labelling by index
/// (`classlabels_int64s` 0..C, its label output renamed), and the Gather that maps the index
/// back to the string label under the original output name. Its constant goes to the builder.
fn string_labels(node: &pb::NodeProto, b: &mut Builder) -> Option<(pb::NodeProto, pb::NodeProto)> {
    const CLASSIFIERS: &[&str] = &[
        "TreeEnsembleClassifier",
        "LinearClassifier",
        "SVMClassifier",
    ];
    if node.domain != ML || !CLASSIFIERS.contains(&node.op_type.as_str()) {
        return None;
    }
    let strings_attr = "classlabels_strings";
    let labels = attr(node, strings_attr)?.strings.clone();
    if labels.is_empty() || node.output.first().is_none_or(|o| o.is_empty()) {
        return None;
    }
    let ints_attr_name = if node.op_type == "TreeEnsembleClassifier" {
        "classlabels_int64s"
    } else {
        "classlabels_ints"
    };
    let base = name_of(node).to_string();
    let mut indexed = node.clone();
    indexed.attribute.retain(|a| a.name != strings_attr);
    indexed.attribute.push(ints_attr(
        ints_attr_name,
        (0..labels.len() as i64).collect(),
    ));
    let index = format!("{base}/lens_label_index");
    indexed.output[0] = index.clone();
    let table = strings(b, format!("{base}/lens_string_labels"), labels);
    let gather = pb::NodeProto {
        name: format!("{base}/lens_label_lookup"),
        op_type: "Gather".into(),
        input: vec![table, index],
        output: vec![node.output[0].clone()],
        ..Default::default()
    };
    Some((indexed, gather))
}

/// ai.onnx.ml LabelEncoder (opset 2 attributes): each value looked up among the keys — an Equal
/// along a new axis, the index of the match (or one past the keys when none matches), a Gather
/// of the values with the default appended. Tensor-valued attributes (opset 4) are refused.
fn label_encoder(node: &pb::NodeProto, b: &mut Builder) -> RuleResult {
    const WHY: &str = "tract has no LabelEncoder";
    let listed;
    let node = if node.attribute.iter().any(|a| a.name.ends_with("_tensor")) {
        listed = tensor_attributes_as_lists(node).map_err(|e| format!("{WHY}; {e}"))?;
        &listed
    } else {
        node
    };
    let base = name_of(node).to_string();
    let key_count;
    let keys = if let Some(a) = attr(node, "keys_int64s").filter(|a| !a.ints.is_empty()) {
        key_count = a.ints.len();
        b.int64s(
            format!("{base}/lens_keys"),
            &[key_count as i64],
            a.ints.clone(),
        )
    } else if let Some(a) = attr(node, "keys_floats").filter(|a| !a.floats.is_empty()) {
        key_count = a.floats.len();
        b.floats(
            format!("{base}/lens_keys"),
            &[key_count as i64],
            a.floats.clone(),
        )
    } else if let Some(a) = attr(node, "keys_strings").filter(|a| !a.strings.is_empty()) {
        key_count = a.strings.len();
        strings(b, format!("{base}/lens_keys"), a.strings.clone())
    } else {
        return Err(format!("{WHY}; no keys"));
    };
    let values = if let Some(a) = attr(node, "values_int64s").filter(|a| !a.ints.is_empty()) {
        let mut v = a.ints.clone();
        v.push(attr(node, "default_int64").map_or(-1, |d| d.i));
        b.int64s(format!("{base}/lens_values"), &[v.len() as i64], v)
    } else if let Some(a) = attr(node, "values_floats").filter(|a| !a.floats.is_empty()) {
        let mut v = a.floats.clone();
        v.push(attr(node, "default_float").map_or(-0.0, |d| d.f));
        b.floats(format!("{base}/lens_values"), &[v.len() as i64], v)
    } else if let Some(a) = attr(node, "values_strings").filter(|a| !a.strings.is_empty()) {
        let mut v = a.strings.clone();
        v.push(attr(node, "default_string").map_or(b"_Unused".to_vec(), |d| d.s.clone()));
        strings(b, format!("{base}/lens_values"), v)
    } else {
        return Err(format!("{WHY}; no values"));
    };
    let op =
        |b: &mut Builder, op: &str, ins: &[&str], tag: &str, attrs: Vec<pb::AttributeProto>| {
            b.step(&base, op, ins, tag, attrs)
        };
    let expanded = if b.opset >= 13 {
        let axes = b.int64s(format!("{base}/lens_axes"), &[1], vec![-1]);
        op(b, "Unsqueeze", &[&node.input[0], &axes], "expanded", vec![])
    } else {
        op(
            b,
            "Unsqueeze",
            &[&node.input[0]],
            "expanded",
            vec![ints_attr("axes", vec![-1])],
        )
    };
    let hit = op(b, "Equal", &[&expanded, &keys], "hit", vec![]);
    let hit_i = op(b, "Cast", &[&hit], "hit_i", vec![int_attr("to", 6)]);
    let index = op(
        b,
        "ArgMax",
        &[&hit_i],
        "index",
        vec![int_attr("axis", -1), int_attr("keepdims", 0)],
    );
    let hit_f = op(
        b,
        "Cast",
        &[&hit],
        "hit_f",
        vec![int_attr("to", FLOAT as i64)],
    );
    let ones = b.floats(
        format!("{base}/lens_ones"),
        &[key_count as i64],
        vec![1.0; key_count],
    );
    let count = op(b, "MatMul", &[&hit_f, &ones], "count", vec![]);
    let zero = b.floats(format!("{base}/lens_zero"), &[], vec![0.0]);
    let found = op(b, "Greater", &[&count, &zero], "found", vec![]);
    let missing = b.int64s(
        format!("{base}/lens_default_index"),
        &[],
        vec![key_count as i64],
    );
    let pick = op(b, "Where", &[&found, &index, &missing], "pick", vec![]);
    b.node(
        "Gather",
        "",
        base,
        &[&values, &pick],
        &[&node.output[0]],
        vec![],
    );
    Ok(Some((
        "Unsqueeze + Equal + ArgMax + Where + Gather".into(),
        WHY,
    )))
}

/// LabelEncoder's opset-4 attributes (`keys_tensor`, `values_tensor`, `default_tensor`) as the
/// list attributes of opset 2 (`keys_int64s`, `values_strings`, `default_float`, …), for the
/// element types those have.
fn tensor_attributes_as_lists(node: &pb::NodeProto) -> Result<pb::NodeProto, String> {
    let mut out = node.clone();
    out.attribute.clear();
    for a in &node.attribute {
        let Some(role) = a.name.strip_suffix("_tensor") else {
            out.attribute.push(a.clone());
            continue;
        };
        let t =
            a.t.as_ref()
                .ok_or_else(|| format!("`{}` holds no tensor", a.name))?;
        let single = role == "default";
        let mut list = pb::AttributeProto {
            name: a.name.clone(),
            ..Default::default()
        };
        let (suffix, list_type, one_type) = match t.data_type {
            INT64 => {
                list.ints = tensor_int64s(t).unwrap_or_default();
                list.i = list.ints.first().copied().unwrap_or(-1);
                ("int64", attr_type::INTS, attr_type::INT)
            }
            FLOAT => {
                list.floats = tensor_floats(t).unwrap_or_default();
                list.f = list.floats.first().copied().unwrap_or(-0.0);
                ("float", attr_type::FLOATS, attr_type::FLOAT)
            }
            STRING => {
                list.strings = t.string_data.clone();
                list.s = list.strings.first().cloned().unwrap_or_default();
                ("string", attr_type::STRINGS, attr_type::STRING)
            }
            other => {
                return Err(format!(
                    "no rewrite for `{}` of element type {other}",
                    a.name
                ))
            }
        };
        if single {
            list.name = format!("default_{suffix}");
            list.r#type = one_type;
            (list.ints, list.floats, list.strings) = (vec![], vec![], vec![]);
        } else {
            list.name = format!("{role}_{suffix}s");
            list.r#type = list_type;
        }
        out.attribute.push(list);
    }
    Ok(out)
}

/// A string constant.
fn strings(b: &mut Builder, name: String, values: Vec<Vec<u8>>) -> String {
    b.constants.push(pb::TensorProto {
        name: name.clone(),
        dims: vec![values.len() as i64],
        data_type: STRING,
        string_data: values,
        ..Default::default()
    });
    name
}

/// ai.onnx.ml Binarizer: 1 where the value exceeds the threshold, else 0, in the input's type.
fn binarizer(node: &pb::NodeProto, b: &mut Builder) -> RuleResult {
    let base = name_of(node).to_string();
    let threshold = attr(node, "threshold").map_or(0.0, |a| a.f);
    let t = b.floats(format!("{base}/lens_threshold"), &[], vec![threshold]);
    let x = b.step(
        &base,
        "Cast",
        &[&node.input[0]],
        "x",
        vec![int_attr("to", FLOAT as i64)],
    );
    let above = b.step(&base, "Greater", &[&x, &t], "above", vec![]);
    if b.opset >= 15 {
        b.node(
            "CastLike",
            "",
            base,
            &[&above, &node.input[0]],
            &[&node.output[0]],
            vec![],
        );
    } else {
        b.node(
            "Cast",
            "",
            base,
            &[&above],
            &[&node.output[0]],
            vec![int_attr("to", FLOAT as i64)],
        );
    }
    Ok(Some(("Greater + Cast".into(), "tract has no Binarizer")))
}

const UINT16: i32 = 4;
const INT16: i32 = 5;

/// The 16-bit integer type of a Quantize/DequantizeLinear (its zero point's, or QuantizeLinear's
/// `output_dtype`), when it is one: tract quantizes to 8 bits only.
fn sixteen_bit_quantization(node: &pb::NodeProto, inits: &[pb::TensorProto]) -> Option<i32> {
    let by_attr = attr(node, "output_dtype").map(|a| a.i as i32);
    let zero_point = node
        .input
        .get(2)
        .and_then(|z| inits.iter().find(|t| &t.name == z))
        .map(|t| t.data_type);
    let quantized_input = (node.op_type == "DequantizeLinear")
        .then(|| {
            inits
                .iter()
                .find(|t| t.name == node.input[0])
                .map(|t| t.data_type)
        })
        .flatten();
    [by_attr, zero_point, quantized_input]
        .into_iter()
        .flatten()
        .find(|&t| t == UINT16 || t == INT16)
}

/// QuantizeLinear / DequantizeLinear to or from 16-bit integers, per tensor, with the spec's
/// arithmetic: saturate(round_half_even(x / scale) + zero_point), and (q − zero_point) · scale.
fn quantize_16bit(node: &pb::NodeProto, b: &mut Builder, inits: &[pb::TensorProto]) -> RuleResult {
    const WHY: &str = "tract quantizes to 8-bit integers only";
    let dtype = sixteen_bit_quantization(node, inits).unwrap_or(UINT16);
    let scale = &node.input[1];
    let per_tensor = inits
        .iter()
        .find(|t| &t.name == scale)
        .is_some_and(|t| t.dims.iter().product::<i64>() == 1);
    if !per_tensor {
        return Err(format!(
            "{} to 16-bit integers with a per-axis or computed scale has no rewrite ({WHY})",
            node.op_type
        ));
    }
    let base = name_of(node).to_string();
    let float = || vec![int_attr("to", FLOAT as i64)];
    let zero = match node.input.get(2).filter(|z| !z.is_empty()) {
        Some(z) => b.step(&base, "Cast", &[z], "zero_point", float()),
        None => b.floats(format!("{base}/lens_zero"), &[], vec![0.0]),
    };
    let scale = b.step(&base, "Cast", &[scale], "scale", float());
    if node.op_type == "DequantizeLinear" {
        let q = b.step(&base, "Cast", &[&node.input[0]], "q", float());
        let centred = b.step(&base, "Sub", &[&q, &zero], "centred", vec![]);
        b.node(
            "Mul",
            "",
            base,
            &[&centred, &scale],
            &[&node.output[0]],
            vec![],
        );
        return Ok(Some(("Cast + Sub + Mul".into(), WHY)));
    }
    let x = b.step(&base, "Cast", &[&node.input[0]], "x", float());
    let ratio = b.step(&base, "Div", &[&x, &scale], "ratio", vec![]);
    let rounded = b.step(&base, "Round", &[&ratio], "rounded", vec![]);
    let shifted = b.step(&base, "Add", &[&rounded, &zero], "shifted", vec![]);
    let (lo, hi) = if dtype == INT16 {
        (i16::MIN as f32, i16::MAX as f32)
    } else {
        (0.0, u16::MAX as f32)
    };
    let lo = b.floats(format!("{base}/lens_min"), &[], vec![lo]);
    let hi = b.floats(format!("{base}/lens_max"), &[], vec![hi]);
    let clipped = b.step(&base, "Clip", &[&shifted, &lo, &hi], "saturated", vec![]);
    b.node(
        "Cast",
        "",
        base,
        &[&clipped],
        &[&node.output[0]],
        vec![int_attr("to", dtype as i64)],
    );
    Ok(Some(("Div + Round + Add + Clip + Cast".into(), WHY)))
}

/// ai.onnx.ml Imputer: values equal to the replaced value (NaN: every NaN) become the imputed
/// value of their column (or the single one), floats or integers.
fn imputer(node: &pb::NodeProto, b: &mut Builder) -> RuleResult {
    const WHY: &str = "tract has no Imputer";
    let base = name_of(node).to_string();
    let x = node.input[0].as_str();
    let (mask, imputed) =
        if let Some(a) = attr(node, "imputed_value_floats").filter(|a| !a.floats.is_empty()) {
            let replaced = attr(node, "replaced_value_float").map_or(0.0, |a| a.f);
            let imputed = b.floats(
                format!("{base}/lens_imputed"),
                &[a.floats.len() as i64],
                a.floats.clone(),
            );
            let mask = format!("{base}/lens_mask");
            if replaced.is_nan() {
                b.node("IsNaN", "", mask.clone(), &[x], &[&mask], vec![]);
            } else {
                let r = b.floats(format!("{base}/lens_replaced"), &[], vec![replaced]);
                b.node("Equal", "", mask.clone(), &[x, &r], &[&mask], vec![]);
            }
            (mask, imputed)
        } else if let Some(a) = attr(node, "imputed_value_int64s").filter(|a| !a.ints.is_empty()) {
            let replaced = attr(node, "replaced_value_int64").map_or(0, |a| a.i);
            let imputed = b.int64s(
                format!("{base}/lens_imputed"),
                &[a.ints.len() as i64],
                a.ints.clone(),
            );
            let r = b.int64s(format!("{base}/lens_replaced"), &[], vec![replaced]);
            let mask = format!("{base}/lens_mask");
            b.node("Equal", "", mask.clone(), &[x, &r], &[&mask], vec![]);
            (mask, imputed)
        } else {
            return Err(format!("{WHY}; no imputed values"));
        };
    b.node(
        "Where",
        "",
        base,
        &[&mask, &imputed, x],
        &[&node.output[0]],
        vec![],
    );
    Ok(Some(("IsNaN/Equal + Where".into(), WHY)))
}
