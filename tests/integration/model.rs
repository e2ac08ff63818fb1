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

/// Decodes each expected tensor of `model` and compares it with numpy_helper's answer; returns
/// the element types seen.
fn assert_decodes_like_numpy(
    model: &onnx_lens::model::Model,
    expected: &serde_json::Value,
) -> std::collections::BTreeSet<DataType> {
    let graph = model.body(0).unwrap().graph().unwrap();
    let mut seen_types = std::collections::BTreeSet::new();
    for e in expected.as_array().unwrap() {
        let name = e["name"].as_str().unwrap();
        let t = graph.initializer.iter().find(|t| t.name == name).unwrap();
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
    seen_types
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn every_dtype_decodes_bit_identically_to_numpy_helper() {
    let dir = scratch("dtypes");
    let made = run_py_json("make_dtype_models.py", &[dir.to_str().unwrap()]);
    let model = load_path(Path::new(made["model"].as_str().unwrap())).unwrap();
    model.verify_external_data().unwrap();
    let graph = model.body(0).unwrap().graph().unwrap();
    let mut external = 0;
    for t in &graph.initializer {
        if tensor::uses_external_data(t) {
            external += 1;
            assert!(
                t.raw_data.is_empty(),
                "{}: external tensors are not read at load",
                t.name
            );
        }
    }
    assert!(
        external >= 27,
        "raw tensors were saved externally ({external})"
    );
    let seen_types = assert_decodes_like_numpy(&model, &read_json(&dir.join("expected.json")));
    let all: std::collections::BTreeSet<DataType> = DataType::all_defined().collect();
    assert_eq!(seen_types, all, "every element type is covered");

    // A big model keeps its weights in the file at load and reads them when asked, bit-identical.
    let big = load_path(Path::new(made["big_model"].as_str().unwrap())).unwrap();
    let graph = big.body(0).unwrap().graph().unwrap();
    let deferred: Vec<&str> = graph
        .initializer
        .iter()
        .filter(|t| big.deferred_raw(t).is_some())
        .map(|t| t.name.as_str())
        .collect();
    // Types of at least a byte an element (4290 bytes and more) are deferred, sub-byte ones
    // (under 4 KiB) stay inline.
    assert!(deferred.contains(&"filler") && deferred.contains(&"big_uint8"));
    assert!(!deferred.contains(&"big_int4"));
    assert!(deferred.len() >= 20, "{deferred:?}");
    for t in &graph.initializer {
        if deferred.contains(&t.name.as_str()) {
            assert!(t.raw_data.is_empty(), "{}: not copied at load", t.name);
        }
    }
    let seen = assert_decodes_like_numpy(&big, &read_json(&dir.join("expected_big.json")));
    let numeric: std::collections::BTreeSet<DataType> =
        all.into_iter().filter(|d| *d != DataType::String).collect();
    assert_eq!(seen, numeric, "every raw element type, deferred or inline");
    let filler = big.initializer(0, "filler").unwrap().unwrap();
    let TensorValues::F32(v) = &filler.values else {
        panic!("filler is float32")
    };
    assert!(v.iter().enumerate().all(|(i, x)| *x == i as f32));
    // The validator sees deferred payloads' lengths as they are.
    let report = onnx_lens::check::check_model(&big);
    assert_eq!(report.errors, 0, "{:?}", report.diagnostics);
    // …and a deferred payload that disagrees with its dims is still a finding.
    use onnx_protobuf::Message;
    let mut proto = onnx_protobuf::ModelProto::parse_from_bytes(
        &std::fs::read(made["big_model"].as_str().unwrap()).unwrap(),
    )
    .unwrap();
    let filler = proto
        .graph
        .as_mut()
        .unwrap()
        .initializer
        .iter_mut()
        .find(|t| t.name == "filler")
        .unwrap();
    filler.dims = vec![1_100_001];
    let lying = dir.join("dtypes_big_lying.onnx");
    std::fs::write(&lying, proto.write_to_bytes().unwrap()).unwrap();
    let model = load_path(&lying).unwrap();
    assert!(model.deferred.count() >= 20);
    let report = onnx_lens::check::check_model(&model);
    let finding = report
        .diagnostics
        .iter()
        .find(|d| d.code == "tensor-data-length")
        .expect("the length mismatch is found");
    assert!(
        finding.message.contains("`filler`") && finding.message.contains("4400000 bytes"),
        "{}",
        finding.message
    );
    assert!(model.initializer(0, "filler").unwrap().is_err());

    // A file the stripping pass gives up on (a second graph field) is parsed whole, from its
    // start, exactly as the same bytes parse in memory.
    let mut bytes = std::fs::read(made["big_model"].as_str().unwrap()).unwrap();
    let one_graph = onnx_protobuf::ModelProto::parse_from_bytes(&bytes).unwrap();
    let graph_field = one_graph.graph.write_to_bytes().unwrap();
    bytes.push(0x3a);
    let mut n = graph_field.len();
    while n >= 0x80 {
        bytes.push((n as u8) | 0x80);
        n >>= 7;
    }
    bytes.push(n as u8);
    bytes.extend_from_slice(&graph_field);
    let twice = dir.join("dtypes_big_two_graph_fields.onnx");
    std::fs::write(&twice, &bytes).unwrap();
    let whole = load_path(&twice).unwrap();
    assert_eq!(whole.deferred.count(), 0, "parsed whole");
    let in_memory = onnx_lens::model::load_bytes("twice", &bytes, None).unwrap();
    assert_eq!(whole.proto, in_memory.proto);
    assert_decodes_like_numpy(&whole, &read_json(&dir.join("expected_big.json")));
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

/// String inputs from `.npy`: numpy's fixed-width unicode (`<U`), bytes (`S`) and object arrays
/// of str or bytes (pickled; read, never run) as string tensors, an object array of anything
/// else refused by what it holds, and a string tensor
/// written as `.npy` reads back in numpy as the same strings.
#[test]
fn string_arrays_from_numpy() {
    use onnx_lens::run::inputs::load_tensor_file;
    let dir = scratch("npy_strings");
    let made = run_py_json("npy_strings.py", &[dir.to_str().unwrap()]);
    let want: Vec<Vec<u8>> = made["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().as_bytes().to_vec())
        .collect();
    for kind in ["unicode", "bytes", "object", "object_bytes"] {
        let t = load_tensor_file(Path::new(made[kind].as_str().unwrap())).unwrap();
        assert_eq!(t.dtype, DataType::String, "{kind}");
        assert_eq!(t.dims, vec![2, 2], "{kind}");
        assert_eq!(t.values, TensorValues::Str(want.clone()), "{kind}");
    }
    // An object array of other things is refused by what it holds.
    let e = load_tensor_file(Path::new(made["object_mixed"].as_str().unwrap())).unwrap_err();
    assert!(
        e.to_string().contains("an item is an int, not a string"),
        "{e}"
    );

    let t = load_tensor_file(Path::new(made["unicode"].as_str().unwrap())).unwrap();
    let out = dir.join("written.npy");
    std::fs::write(&out, onnx_lens::model::npy::to_npy(&t).unwrap()).unwrap();
    let back = run_py_json("npy_strings.py", &["check", out.to_str().unwrap()]);
    assert_eq!(back["dtype"], "<U17");
    assert_eq!(back["shape"], serde_json::json!([2, 2]));
    assert_eq!(back["values"], made["values"]);
}
