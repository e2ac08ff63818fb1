//! `cost`: totals against published figures for standard architectures, symbolic totals against
//! fixed-shape counts, per-node MACs against onnx-tool's, and the `info` contract.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use onnx_lens::cost::{cost, ModelCost};
use onnx_lens::model::load_path;

use crate::common::*;

/// make_cost_models.py's manifest, written once per run.
fn cost_models() -> &'static serde_json::Value {
    static MANIFEST: OnceLock<serde_json::Value> = OnceLock::new();
    MANIFEST.get_or_init(|| {
        let dir = scratch("cost_models");
        run_py_json("make_cost_models.py", &[dir.to_str().unwrap()])["models"].clone()
    })
}

fn path_of(name: &str) -> String {
    cost_models()[name]["path"].as_str().unwrap().to_string()
}

fn cost_of(name: &str, values: &[(&str, f64)]) -> ModelCost {
    let model = load_path(Path::new(&path_of(name))).unwrap();
    let values: BTreeMap<String, f64> = values.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    cost(&model, &onnx_lens::shapes::analyse(&model), &values)
}

fn within(got: f64, published: f64, share: f64) -> bool {
    (got - published).abs() <= share * published
}

/// ResNet-50 at 224×224: 4.1 G MACs, 25.6 M parameters; MobileNetV2 1.0: 0.30 G MACs, 3.5 M;
/// BERT-base at sequence 128: about 11 G MACs (torchvision's model card, the BERT paper's
/// 110 M parameters) — within 2 %, with nothing left uncounted.
#[test]
fn totals_match_published_figures() {
    for (name, macs, params) in [
        ("resnet50_b1", 4.1e9, 25.6e6),
        ("mobilenet_v2_b1", 0.30e9, 3.5e6),
        ("bert_base_b1s128", 11.0e9, 110e6),
    ] {
        let c = cost_of(name, &[]);
        let got = c.macs.fixed().unwrap();
        report(&format!(
            "{name}: {got:.4e} MACs (published {macs:.2e}), {} parameters (published {params:.2e})",
            c.params
        ));
        assert!(within(got, macs, 0.02), "{name}: {got} MACs");
        assert!(
            within(c.params as f64, params, 0.02),
            "{name}: {} params",
            c.params
        );
        assert!(c.flops.fixed().unwrap() >= 2.0 * got, "{name}");
        assert!(c.not_counted.is_empty(), "{name}: {:?}", c.not_counted);
        assert!(c.activation_peak.is_some(), "{name}");
    }
}

/// A model with a symbolic batch (and sequence) evaluated at two values gives exactly the count
/// of the same model exported with those dims fixed: MACs, FLOPs, the peak activation memory.
#[test]
fn symbolic_totals_evaluate_to_the_fixed_shape_counts() {
    for (symbolic, fixed) in [
        ("resnet50", ["resnet50_b1", "resnet50_b3"]),
        ("mobilenet_v2", ["mobilenet_v2_b1", "mobilenet_v2_b3"]),
        ("bert_base", ["bert_base_b1s128", "bert_base_b2s64"]),
    ] {
        for f in fixed {
            let dims = cost_models()[f]["dims"].as_object().unwrap();
            let values: Vec<(&str, f64)> = dims
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_f64().unwrap()))
                .collect();
            let s = cost_of(symbolic, &values);
            let c = cost_of(f, &[]);
            assert!(s.macs.fixed().is_none(), "{symbolic}: {}", s.macs);
            let same = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
            assert!(
                same(s.macs_at, c.macs.fixed().unwrap()),
                "{symbolic} at {f}: {} vs {}",
                s.macs_at,
                c.macs
            );
            assert!(
                same(s.flops_at, c.flops.fixed().unwrap()),
                "{symbolic} at {f}"
            );
            let (ps, pc) = (s.activation_peak.unwrap(), c.activation_peak.unwrap());
            assert!(
                same(ps.bytes, pc.bytes),
                "{symbolic} at {f}: {} vs {}",
                ps.bytes,
                pc.bytes
            );
            assert_eq!(ps.after_node, pc.after_node);
            assert_eq!(s.params, c.params);
        }
    }
}

/// onnx-tool's per-node MACs on the same models: equal for MatMul; for Conv and Gemm onnx-tool
/// adds the bias as one MAC per output element, which onnx-lens counts as a FLOP (its
/// convention: MACs are multiply-adds only), so theirs = our MACs + our bias FLOPs. Parameters
/// per node are equal.
#[test]
fn per_node_macs_agree_with_onnx_tool() {
    for name in ["resnet50_b1", "mobilenet_v2_b1", "bert_base_b1s128"] {
        let theirs = run_py_json("onnx_tool_macs.py", &[&path_of(name)]);
        let ours = cost_of(name, &[]);
        let mut compared = 0;
        for n in &ours.nodes {
            let Some(t) = theirs["nodes"].get(&n.node) else {
                continue;
            };
            let (macs, flops) = (n.macs.fixed().unwrap(), n.flops.fixed().unwrap());
            let expected = match n.op.as_str() {
                "MatMul" => macs,
                "Conv" | "Gemm" => macs + (flops - 2.0 * macs),
                _ => continue,
            };
            assert_eq!(t["macs"].as_f64().unwrap(), expected, "{name} {}", n.node);
            assert_eq!(t["params"].as_u64().unwrap(), n.params, "{name} {}", n.node);
            compared += 1;
        }
        let products = ours
            .nodes
            .iter()
            .filter(|n| ["MatMul", "Conv", "Gemm"].contains(&n.op.as_str()))
            .count();
        assert_eq!(compared, products, "{name}: every product node compared");
    }
}

/// `info` prints the totals with the convention; `info --json` carries `cost` with symbolic
/// expressions and the figures at `--dim` values, per node behind `--per-node`.
#[test]
fn info_reports_cost() {
    let path = path_of("bert_base");
    let out = cli(&["info", &path, "--dim", "batch=1", "--dim", "sequence=128"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("1 MAC = 1 multiply-add = 2 FLOPs"), "{text}");
    assert!(text.contains("batch·sequence"), "{text}");
    assert!(text.contains("at batch=1 sequence=128"), "{text}");
    let (code, j) = cli_json(&[
        "info",
        &path,
        "--json",
        "--dim",
        "batch=2",
        "--dim",
        "sequence=64",
        "--per-node",
    ]);
    assert_eq!(code, 0);
    let c = &j["cost"];
    let fixed = cost_of("bert_base_b2s64", &[]);
    assert_eq!(c["macs_at"].as_f64().unwrap(), fixed.macs.fixed().unwrap());
    assert!(
        c["macs"].as_str().unwrap().contains("batch·sequence^2"),
        "{c}"
    );
    assert_eq!(c["symbols"]["batch"], 2.0);
    assert_eq!(c["not_counted"], serde_json::json!([]));
    assert_eq!(c["per_node"].as_array().unwrap().len(), fixed.nodes.len());
    // Namespace totals: the twelve encoder layers each carry the same MACs, their sum within
    // the model's.
    let layers: Vec<&serde_json::Value> = c["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| {
            let n = g["name"].as_str().unwrap();
            n.starts_with("/encoder/layer.") && n.matches('/').count() == 2
        })
        .collect();
    assert_eq!(layers.len(), 12, "{layers:?}");
    assert!(layers.iter().all(|g| g["macs"] == layers[0]["macs"]));
    let (_, j) = cli_json(&["info", &path_of("resnet50_b1"), "--json"]);
    assert!(j["cost"]["macs"].is_f64(), "{}", j["cost"]);
    assert!(j["cost"].get("per_node").is_none());
    let out = cli(&["info", &path, "--dim", "batch"]);
    assert_eq!(out.status.code(), Some(2));
}
