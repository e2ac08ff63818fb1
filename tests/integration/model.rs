//! Loading, indexing, tensor decoding and `info`, against what the Python onnx package says.

use std::path::Path;

use onnx_lens::model::{load_path, tensor, DataType, TensorValues};

use crate::common::*;

#[test]
fn info_matches_onnx_on_every_backend_test_model() {
    let facts = backend_facts();
    let models = facts["models"].as_array().unwrap();
    assert!(
        models.len() >= 140,
        "expected the wheel's backend models, found {}",
        models.len()
    );
    for m in models {
        let path = m["path"].as_str().unwrap();
        let (code, info) = cli_json(&["info", "--json", path]);
        assert_eq!(code, 0, "{path}: {info}");
        let names = |v: &serde_json::Value| -> Vec<String> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|x| x["name"].as_str().unwrap().to_string())
                .collect()
        };
        let expected_inputs: Vec<String> = serde_json::from_value(m["inputs"].clone()).unwrap();
        let expected_outputs: Vec<String> = serde_json::from_value(m["outputs"].clone()).unwrap();
        assert_eq!(names(&info["inputs"]), expected_inputs, "{path}: inputs");
        assert_eq!(names(&info["outputs"]), expected_outputs, "{path}: outputs");
        assert_eq!(info["initializer_count"], m["initializer_count"], "{path}");
        assert_eq!(info["node_count"], m["node_count"], "{path}");
        assert_eq!(info["ir_version"], m["ir_version"], "{path}");
        let opsets: Vec<(String, i64)> = info["opset_import"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                (
                    o["domain"].as_str().unwrap().to_string(),
                    o["version"].as_i64().unwrap(),
                )
            })
            .collect();
        let expected_opsets: Vec<(String, i64)> =
            serde_json::from_value(m["opset_import"].clone()).unwrap();
        assert_eq!(opsets, expected_opsets, "{path}");
        let op_total: u64 = info["op_counts"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum();
        assert_eq!(
            op_total,
            m["node_count"].as_u64().unwrap(),
            "{path}: op_counts add up to the nodes"
        );
    }
    println!("info agreed with onnx on {} models", models.len());
}

#[test]
fn every_dtype_decodes_bit_identically_to_numpy_helper() {
    let dir = scratch("dtypes");
    let made = run_py_json("make_dtype_models.py", &[dir.to_str().unwrap()]);
    let model = load_path(Path::new(made["model"].as_str().unwrap())).unwrap();
    model.verify_external_data().unwrap();
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let graph = model.body(0).unwrap().graph().unwrap();
    let mut external = 0;
    let mut seen_types = std::collections::BTreeSet::new();
    for e in expected.as_array().unwrap() {
        let name = e["name"].as_str().unwrap();
        let t = graph.initializer.iter().find(|t| t.name == name).unwrap();
        if tensor::uses_external_data(t) {
            external += 1;
            assert!(
                t.raw_data.is_empty(),
                "{name}: external tensors are not read at load"
            );
        }
        let decoded = model
            .decode_tensor(t)
            .unwrap_or_else(|err| panic!("{name}: {err}"));
        assert_eq!(
            decoded.dtype.code() as i64,
            e["data_type"].as_i64().unwrap(),
            "{name}"
        );
        let dims: Vec<u64> = serde_json::from_value(e["dims"].clone()).unwrap();
        assert_eq!(decoded.dims, dims, "{name}");
        seen_types.insert(decoded.dtype);
        if let Some(strings) = e.get("strings") {
            let TensorValues::Str(v) = &decoded.values else {
                panic!("{name}: not strings")
            };
            let hex: Vec<String> = v
                .iter()
                .map(|s| s.iter().map(|b| format!("{b:02x}")).collect())
                .collect();
            assert_eq!(serde_json::to_value(hex).unwrap(), *strings, "{name}");
        } else {
            let hex: String = decoded
                .values
                .numpy_bytes()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(
                hex,
                e["hex"].as_str().unwrap(),
                "{name}: bytes differ from numpy_helper.to_array"
            );
        }
    }
    assert!(
        external >= 27,
        "raw tensors were saved externally ({external})"
    );
    let all: std::collections::BTreeSet<DataType> = DataType::all_defined().collect();
    assert_eq!(seen_types, all, "every element type is covered");
}

#[test]
fn unreadable_files_exit_2_with_one_clear_message() {
    let dir = scratch("unreadable");
    let not_onnx = dir.join("notes.onnx");
    std::fs::write(&not_onnx, b"this is plain text, not a protobuf\n").unwrap();
    let out = cli(&["info", not_onnx.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("notes.onnx") && err.contains("not an ONNX model"),
        "{err}"
    );

    // A truncated real model.
    let real = &backend_model_paths()[0];
    let bytes = std::fs::read(real).unwrap();
    let cut = dir.join("cut.onnx");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let out = cli(&["info", cut.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let missing = dir.join("nope.onnx");
    let out = cli(&["info", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope.onnx"));
}

#[test]
fn missing_external_file_is_named() {
    let dir = scratch("missing_external");
    let made = run_py_json("make_dtype_models.py", &[dir.to_str().unwrap()]);
    std::fs::remove_file(dir.join("dtypes.data")).unwrap();
    let out = cli(&["info", made["model"].as_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("dtypes.data") && err.contains("cannot be opened"),
        "{err}"
    );
}
