//! `diff`: pairs made by the real tools (make_diff_pairs.py: onnxruntime's fp16 converter,
//! quantizers and optimiser, onnx's version converter) and two hand edits, each with the
//! differences it must show; numbers from both models run by tract.

use std::path::Path;
use std::sync::OnceLock;

use onnx_lens::compare::{diff, DiffOptions, ModelDiff};
use onnx_lens::model::{load_path, DataType, Model, MAIN_GRAPH};

use crate::common::*;

fn pairs() -> &'static serde_json::Value {
    static MANIFEST: OnceLock<serde_json::Value> = OnceLock::new();
    MANIFEST.get_or_init(|| {
        let dir = scratch("diff_pairs");
        run_py_json("make_diff_pairs.py", &[dir.to_str().unwrap()])
    })
}

fn pair(name: &str) -> (Model, Model, String) {
    let p = pairs();
    let b = p["pairs"][name].as_str().unwrap().to_string();
    let a = load_path(Path::new(p["sample"].as_str().unwrap())).unwrap();
    (a, load_path(Path::new(&b)).unwrap(), b)
}

fn nodes_of<'m>(m: &'m Model, op: &str) -> Vec<&'m onnx_protobuf::NodeProto> {
    let nodes = m.body(MAIN_GRAPH).unwrap().nodes();
    nodes.iter().filter(|n| n.op_type == op).collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn diff_json(b: &str, extra: &[&str]) -> (i32, serde_json::Value) {
    let sample = pairs()["sample"].as_str().unwrap();
    let mut args = vec!["diff", sample, b, "--json"];
    args.extend(extra);
    cli_json(&args)
}

/// The fp16 conversion: every float initializer changed dtype to float16 (nothing else about
/// them), a Cast inserted at the input and at the output, no node added or removed, and the
/// outputs within 1e-2 when both run.
#[test]
fn fp16_pair_shows_every_weight_retyped_and_the_io_casts() {
    let (a, b, path) = pair("fp16");
    let d: ModelDiff = diff(&a, &b, DiffOptions::default());
    let floats: Vec<String> = a
        .body(MAIN_GRAPH)
        .unwrap()
        .graph()
        .unwrap()
        .initializer
        .iter()
        .filter(|t| DataType::from_i32(t.data_type) == DataType::Float)
        .map(|t| t.name.clone())
        .collect();
    assert_eq!(
        sorted(d.weights.iter().map(|w| w.a.clone()).collect()),
        sorted(floats)
    );
    assert!(d
        .weights
        .iter()
        .all(|w| w.a_dtype == "float" && w.b_dtype == "float16" && w.a_shape == w.b_shape));
    // Rounding to half precision (the sample's weights are below 1 in magnitude).
    let worst = d
        .weights
        .iter()
        .map(|w| w.max_abs.unwrap())
        .fold(0.0, f64::max);
    assert!(worst > 0.0 && worst < 1e-3, "{worst}");
    assert!(
        d.nodes.added.is_empty() && d.nodes.removed.is_empty(),
        "{:?}",
        d.nodes
    );
    let inserted: Vec<&str> = d
        .nodes
        .groups
        .iter()
        .filter(|g| g.kind == "inserted")
        .flat_map(|g| g.b.iter().map(String::as_str))
        .collect();
    let casts: Vec<&str> = nodes_of(&b, "Cast")
        .iter()
        .map(|n| n.name.as_str())
        .collect();
    assert_eq!(inserted, casts);
    let gb = b.graph(MAIN_GRAPH).unwrap();
    let cast_nodes = nodes_of(&b, "Cast");
    assert!(cast_nodes.iter().any(|n| gb.inputs.contains(&n.input[0])));
    assert!(cast_nodes.iter().any(|n| gb.outputs.contains(&n.output[0])));
    assert_eq!(d.nodes.groups.len(), 2);
    let (code, r) = diff_json(&path, &["--run", "--rtol", "1e-2", "--atol", "1e-2"]);
    assert_eq!(code, 1, "the weights differ: {r}");
    assert_eq!(r["numeric"]["passed"], true, "{}", r["numeric"]);
    assert_eq!(r["equivalent"], false);
}

/// A re-export with one layer changed: exactly that node, for exactly that attribute.
#[test]
fn one_layer_changed_is_exactly_that_node() {
    let (a, b, path) = pair("one_layer_changed");
    let d = diff(&a, &b, DiffOptions::default());
    let node = pairs()["changed_node"].as_str().unwrap();
    let changed: Vec<(String, Vec<String>)> = d
        .nodes
        .changed
        .iter()
        .map(|c| (c.a.clone(), c.what.clone()))
        .collect();
    assert_eq!(
        changed,
        vec![(node.to_string(), vec!["attribute alpha".to_string()])]
    );
    assert!(d.nodes.added.is_empty() && d.nodes.removed.is_empty() && d.nodes.groups.is_empty());
    assert!(d.weights.is_empty() && d.signature.is_same());
    let total = a.body(MAIN_GRAPH).unwrap().nodes().len();
    assert_eq!(d.nodes.matched, total - 1);
    let (code, _) = diff_json(&path, &[]);
    assert_eq!(code, 1);
    // A model against itself is equivalent, numbers included.
    let sample = pairs()["sample"].as_str().unwrap();
    let (code, r) = diff_json(sample, &["--run"]);
    assert_eq!(code, 0, "{r}");
    assert_eq!(r["equivalent"], true);
    assert!(r["numeric"]["first_divergence"].is_null());
}

/// A deliberately broken weight: the node reading it changed (that weight), and the numeric
/// comparison names it as the first node where the values part.
#[test]
fn broken_weight_names_the_first_diverging_node() {
    let (a, b, path) = pair("broken_weight");
    let d = diff(&a, &b, DiffOptions::default());
    let node = pairs()["broken_node"].as_str().unwrap();
    let changed: Vec<(&str, &[String])> = d
        .nodes
        .changed
        .iter()
        .map(|c| (c.a.as_str(), c.what.as_slice()))
        .collect();
    assert_eq!(changed, vec![(node, &["weight 1".to_string()][..])]);
    assert_eq!(d.weights.len(), 1);
    assert_eq!(d.weights[0].max_rel, Some(1.0), "a zeroed channel");
    let (code, r) = diff_json(&path, &["--run"]);
    assert_eq!(code, 1);
    assert_eq!(
        r["numeric"]["first_divergence"]["a_node"], node,
        "{}",
        r["numeric"]
    );
    assert_eq!(r["numeric"]["first_divergence"]["b_node"], node);
}

/// Optimisers fold each BatchNormalization into the Conv before it — onnxruntime's basic level
/// (made in the run) and onnxslim (its output committed, made by make_slim_pair.py; onnxslim
/// also renames the fused Convs): the fused groups are exactly those pairs, those Convs'
/// weights changed, nothing else did, and the numbers agree.
#[test]
fn optimised_pairs_show_the_batchnorm_fusions() {
    let slim =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/models/pairs/sample_onnxslim.onnx");
    let ort_basic = pairs()["pairs"]["ort_basic"].as_str().unwrap().to_string();
    for path in [ort_basic, slim.to_string_lossy().into_owned()] {
        let a = load_path(Path::new(pairs()["sample"].as_str().unwrap())).unwrap();
        let b = load_path(Path::new(&path)).unwrap();
        let d = diff(&a, &b, DiffOptions::default());
        let ga = a.graph(MAIN_GRAPH).unwrap();
        let nodes = a.body(MAIN_GRAPH).unwrap().nodes();
        let expected: Vec<(String, String)> = nodes_of(&a, "BatchNormalization")
            .iter()
            .map(|bn| {
                let (p, _) = ga.producers[&bn.input[0]];
                (nodes[p].name.clone(), bn.name.clone())
            })
            .collect();
        let fused: Vec<(String, String)> = d
            .nodes
            .groups
            .iter()
            .map(|g| {
                assert_eq!(g.kind, "fused", "{path}");
                let into = b.node_by_tract_name(MAIN_GRAPH, &g.b[0]).unwrap();
                assert_eq!(b.node(MAIN_GRAPH, into).unwrap().op_type, "Conv");
                assert_eq!(g.b.len(), 1);
                (g.a[0].clone(), g.a[1].clone())
            })
            .collect();
        assert_eq!(fused, expected, "{path}");
        let changed: Vec<String> = d.nodes.changed.iter().map(|c| c.a.clone()).collect();
        assert_eq!(
            changed,
            expected.iter().map(|(c, _)| c.clone()).collect::<Vec<_>>()
        );
        assert!(d.nodes.changed.iter().all(|c| c.what == ["weight 1"]));
        assert!(d.nodes.added.is_empty() && d.nodes.removed.is_empty());
        let (_, r) = diff_json(&path, &["--run", "--rtol", "1e-4", "--atol", "1e-6"]);
        assert_eq!(r["numeric"]["passed"], true, "{path}: {}", r["numeric"]);
    }
}

/// onnx.version_converter 17 → 21 on this model: the opset import changes, every node stays,
/// the numbers are identical.
#[test]
fn version_converter_pair_changes_only_the_opset() {
    let (a, b, path) = pair("opset21");
    let d = diff(&a, &b, DiffOptions::default());
    assert_eq!(d.signature.opsets, vec!["ai.onnx: 17 → 21".to_string()]);
    assert_eq!(d.nodes.matched, a.body(MAIN_GRAPH).unwrap().nodes().len());
    assert!(d.nodes.changed.is_empty() && d.weights.is_empty());
    let (code, r) = diff_json(&path, &["--run", "--rtol", "0", "--atol", "0"]);
    assert_eq!(code, 1, "the opset differs");
    assert_eq!(r["numeric"]["passed"], true);
    assert!(r["numeric"]["first_divergence"].is_null());
}

/// Quantized pairs: static QDQ keeps every node of A (the Clips folded into the quantized
/// ranges of their producers, the Q/DQ pairs inserted, weights read through DequantizeLinear
/// and compared dequantized); dynamic quantization turns every Conv into a ConvInteger and the
/// Gemm into a MatMulInteger, with the Cast/Mul/Add that make their results float again.
#[test]
fn quantized_pairs_map_every_node_to_its_quantized_form() {
    let (a, b, _) = pair("static_qdq");
    let d = diff(&a, &b, DiffOptions::default());
    assert!(d.nodes.removed.is_empty(), "{:?}", d.nodes.removed);
    let clips = sorted(
        nodes_of(&a, "Clip")
            .iter()
            .map(|n| n.name.clone())
            .collect(),
    );
    let fused_clips = sorted(
        d.nodes
            .groups
            .iter()
            .filter(|g| g.kind == "fused")
            .map(|g| g.a[1].clone())
            .collect(),
    );
    assert_eq!(fused_clips, clips);
    assert!(d.nodes.added.iter().all(|n| n.op == "DequantizeLinear"));
    let quantized: Vec<_> = d.weights.iter().filter(|w| w.quantized).collect();
    assert!(!quantized.is_empty() && quantized.iter().all(|w| w.max_abs.is_some()));

    let (a, b, _) = pair("dynamic_quant");
    let d = diff(&a, &b, DiffOptions::default());
    let mut products: Vec<(String, String)> = d
        .nodes
        .changed
        .iter()
        .map(|c| (c.a_op.clone(), c.b_op.clone()))
        .collect();
    products.sort();
    products.dedup();
    assert_eq!(
        products,
        [("Conv", "ConvInteger"), ("Gemm", "MatMulInteger")].map(|(x, y)| (x.into(), y.into()))
    );
    let convs = nodes_of(&a, "Conv").len() + nodes_of(&a, "Gemm").len();
    assert_eq!(d.nodes.changed.len(), convs);
    assert_eq!(
        d.nodes
            .groups
            .iter()
            .filter(|g| g.kind == "dequantized")
            .count(),
        convs
    );
    assert!(d.nodes.removed.is_empty(), "{:?}", d.nodes.removed);
}

/// Exit codes: 2 when a file is unreadable.
#[test]
fn diff_exit_codes() {
    let sample = pairs()["sample"].as_str().unwrap();
    let out = cli(&["diff", sample, "/nonexistent.onnx"]);
    assert_eq!(out.status.code(), Some(2));
}
