//! `onnx-lens run`: the wheel's backend models against their expected outputs, fixtures against
//! onnxruntime, and the CLI contract.

use std::collections::BTreeMap;
use std::path::Path;

use onnx_lens::jobs::Progress;
use onnx_lens::model::{load_path, npy, DataType, TensorValues};
use onnx_lens::run::{
    self, compare, load_test_data_set, InputSource, RunError, RunRequest, Tolerance,
};

use crate::common::*;
use crate::shapes::axes_fixtures;

#[test]
fn backend_models_match_their_expected_outputs() {
    let (mut passed, mut unsupported) = (0, Vec::new());
    for path in backend_model_paths() {
        let set_dir = path.parent().unwrap().join("test_data_set_0");
        if !set_dir.is_dir() {
            continue;
        }
        let model = load_path(&path).unwrap();
        let set = load_test_data_set(&set_dir).unwrap();
        let mut req = RunRequest {
            runs: 0,
            profile: false,
            ..RunRequest::default()
        };
        run::feed_test_set(&model, &mut req.inputs, &set);
        match run::run(&model, &req, &Progress::detached()) {
            Ok(outcome) => {
                let c = compare(&outcome.outputs, &set.expected, Tolerance::default());
                assert!(c.passed, "{}: {c:?}", path.display());
                passed += 1;
            }
            Err(e @ RunError::Unsupported { .. }) => {
                assert!(e.to_string().starts_with("unsupported: ") && e.node().is_some());
                let RunError::Unsupported { nodes, .. } = &e else {
                    unreachable!()
                };
                let name = path.parent().unwrap().file_name().unwrap();
                let mut ops: Vec<&str> = nodes.iter().map(|(op, _)| op.as_str()).collect();
                ops.dedup();
                unsupported.push((name.to_string_lossy().into_owned(), ops.join(" ")));
                println!("  {}: {e}", name.to_string_lossy());
            }
            Err(e) => panic!("{}: {e}", path.display()),
        }
    }
    println!(
        "{passed} backend models pass --expected; {} unsupported by tract (above)",
        unsupported.len()
    );
    // Every other model ran and matched (asserted above); these are exactly the ones tract
    // cannot run, each with the ops it names.
    let expected: Vec<(&str, &str)> = vec![
        ("test_PReLU_1d_multiparam", "PRelu"),
        ("test_PReLU_2d_multiparam", "PRelu"),
        ("test_PReLU_3d_multiparam", "PRelu"),
        ("test_expand_shape_model1", "Expand"),
        ("test_expand_shape_model2", "Expand"),
        ("test_expand_shape_model3", "Expand"),
        ("test_expand_shape_model4", "Expand"),
        ("test_gradient_of_add", "Gradient"),
        ("test_gradient_of_add_and_mul", "Gradient"),
        (
            "test_sequence_model1",
            "SequenceEmpty SequenceInsert SequenceAt",
        ),
        (
            "test_sequence_model2",
            "SequenceConstruct SequenceErase SequenceAt",
        ),
        (
            "test_sequence_model3",
            "SequenceConstruct SequenceErase SequenceInsert SequenceAt",
        ),
        (
            "test_sequence_model4",
            "SequenceConstruct ConcatFromSequence",
        ),
        (
            "test_sequence_model5",
            "SequenceConstruct ConcatFromSequence",
        ),
        ("test_sequence_model6", "SplitToSequence SequenceLength"),
        ("test_sequence_model7", "SplitToSequence SequenceAt"),
        ("test_sequence_model8", "SplitToSequence SequenceLength"),
        (
            "test_strnorm_model_monday_casesensintive_lower",
            "StringNormalizer",
        ),
        (
            "test_strnorm_model_monday_casesensintive_nochangecase",
            "StringNormalizer",
        ),
        (
            "test_strnorm_model_monday_casesensintive_upper",
            "StringNormalizer",
        ),
        ("test_strnorm_model_monday_empty_output", "StringNormalizer"),
        (
            "test_strnorm_model_monday_insensintive_upper_twodim",
            "StringNormalizer",
        ),
        (
            "test_strnorm_model_nostopwords_nochangecase",
            "StringNormalizer",
        ),
    ];
    let mut got: Vec<(String, String)> = unsupported;
    got.sort();
    let expected: Vec<(String, String)> = expected
        .into_iter()
        .map(|(m, o)| (m.to_string(), o.to_string()))
        .collect();
    assert_eq!(got, expected);
}

/// onnx-lens and onnxruntime on the same inputs, at batch 1 and 4 (dynamic batch).
#[test]
fn fixtures_match_onnxruntime_at_batch_1_and_4() {
    let fixtures = axes_fixtures();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/sample.onnx");
    for model in [sample.to_str().unwrap(), fixtures["mlp_dynamic"].as_str()] {
        for batch in [1, 4] {
            let dir = scratch(&format!(
                "ort_{}_{batch}",
                Path::new(model).file_stem().unwrap().to_string_lossy()
            ));
            let r = run_py_json(
                "ort_reference.py",
                &[model, dir.to_str().unwrap(), &batch.to_string()],
            );
            let ours = dir.join("ours");
            let input = format!(
                "{}={}",
                r["input"].as_str().unwrap(),
                r["input_path"].as_str().unwrap()
            );
            let (code, out) = cli_json(&[
                "run",
                model,
                "--input",
                &input,
                "--output-dir",
                ours.to_str().unwrap(),
                "--runs",
                "1",
                "--json",
            ]);
            assert_eq!(code, 0, "{out}");
            for (name, ort_path) in r["outputs"].as_object().unwrap() {
                let expected =
                    npy::from_npy(name, &std::fs::read(ort_path.as_str().unwrap()).unwrap())
                        .unwrap();
                let file = onnx_lens::run::save::file_stem(name, 0);
                let actual = npy::from_npy(
                    name,
                    &std::fs::read(ours.join(format!("{file}.npy"))).unwrap(),
                )
                .unwrap();
                assert_eq!(actual.dims[0], batch, "{model}: {name}");
                let c = compare(
                    &[actual],
                    &[expected],
                    Tolerance {
                        rtol: 0.0,
                        atol: 1e-4,
                    },
                );
                assert!(c.passed, "{model} batch {batch}: {c:?}");
            }
        }
    }
}

#[test]
fn cli_contract_exit_codes_and_failures() {
    let fixtures = axes_fixtures();
    let (code, r) = cli_json(&[
        "run",
        &fixtures["mlp_dynamic"],
        "--dim",
        "batch_size=4",
        "--runs",
        "3",
        "--json",
    ]);
    assert_eq!(code, 0, "{r}");
    assert_eq!(r["outputs"][0]["name"], "output");
    assert_eq!(r["outputs"][0]["shape"], serde_json::json!([4, 10]));
    assert_eq!(r["symbols"]["batch_size"], 4);
    let l = &r["latency_ms"];
    assert!(
        l["min"].as_f64().unwrap() <= l["median"].as_f64().unwrap() && l["runs"] == 3,
        "{l}"
    );
    assert!(r["expected"].is_null());

    // A test data set whose expected output is wrong makes the run fail with exit 1.
    let src = backend_model_paths()
        .into_iter()
        .find(|p| p.to_string_lossy().contains("test_Conv2d/"))
        .unwrap();
    let dir = scratch("run_wrong_expected");
    let set = load_test_data_set(&src.parent().unwrap().join("test_data_set_0")).unwrap();
    std::fs::write(
        dir.join("input_0.pb"),
        run::save::to_pb_bytes(&set.inputs[0]).unwrap(),
    )
    .unwrap();
    let mut wrong = set.expected[0].clone();
    if let TensorValues::F32(v) = &mut wrong.values {
        v[0] += 0.5;
    }
    std::fs::write(
        dir.join("output_0.pb"),
        run::save::to_pb_bytes(&wrong).unwrap(),
    )
    .unwrap();
    let (code, r) = cli_json(&[
        "run",
        src.to_str().unwrap(),
        "--expected",
        dir.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!((code, &r["expected"]["passed"]), (1, &false.into()), "{r}");
    assert!(
        (r["expected"]["max_abs_error"].as_f64().unwrap() - 0.5).abs() < 1e-3,
        "{r}"
    );

    // Unsupported ops are named before anything runs.
    let grad = backend_model_paths()
        .into_iter()
        .find(|p| p.to_string_lossy().contains("test_gradient_of_add/"))
        .unwrap();
    let (code, r) = cli_json(&["run", grad.to_str().unwrap(), "--json"]);
    assert_eq!(code, 1);
    assert_eq!(r["error"], "unsupported: Gradient at my_gradient");

    // A run that fails inside the graph names the failing node.
    let (code, r) = cli_json(&[
        "run",
        &fixtures["mlp_view"],
        "--dim",
        "batch_size=3",
        "--json",
    ]);
    assert_eq!((code, &r["node"]), (1, &"/fc1/Gemm".into()), "{r}");

    // Bad inputs are usage errors.
    let (code, r) = cli_json(&["run", &fixtures["mlp_dynamic"], "--dim", "nope=2", "--json"]);
    assert_eq!(code, 2);
    assert!(r["error"].as_str().unwrap().contains("batch_size"), "{r}");
}

#[test]
fn generated_inputs_follow_the_declared_types() {
    let f = axes_fixtures();
    let model = load_path(Path::new(&f["transformer_dynamic"])).unwrap();
    let req = RunRequest {
        inputs: BTreeMap::from([("x".to_string(), InputSource::Zeros)]),
        dims: BTreeMap::from([("seq".to_string(), 5)]),
        runs: 0,
        ..RunRequest::default()
    };
    let out = run::run(&model, &req, &Progress::detached()).unwrap();
    assert_eq!(
        (out.inputs[0].dtype, out.inputs[0].dims.clone()),
        (DataType::Float, vec![1, 5, 64])
    );
    assert_eq!(out.outputs[0].dims, vec![1, 5, 64]);
    // Zeros through LayerNorm give its bias; the residual Add keeps the shape.
    assert!(
        out.node_times.iter().any(|t| t.node == "/attn/MatMul"),
        "profile maps to ONNX names: {:?}",
        out.node_times
    );
}

#[test]
fn threads_change_the_pool_not_the_results() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/sample.onnx");
    let model = load_path(&sample).unwrap();
    let outcome = |threads: usize| {
        let req = RunRequest {
            runs: 0,
            profile: false,
            threads,
            ..RunRequest::default()
        };
        run::run(&model, &req, &Progress::detached()).unwrap()
    };
    let (one, two) = (outcome(1), outcome(2));
    assert_eq!((one.threads, two.threads), (1, 2));
    let c = compare(
        &two.outputs,
        &one.outputs,
        Tolerance {
            rtol: 0.0,
            atol: 1e-6,
        },
    );
    assert!(c.passed, "{c:?}");

    let (code, r) = cli_json(&["run", sample.to_str().unwrap(), "--threads", "1", "--json"]);
    assert_eq!((code, &r["threads"]), (0, &1.into()), "{r}");
    let zero = cli(&["run", sample.to_str().unwrap(), "--threads", "0"]);
    assert_eq!(zero.status.code(), Some(2), "zero threads is a usage error");
}

/// tract's optimised plan breaks a QDQ-quantized CNN's DequantizeLinear → Softmax →
/// QuantizeLinear tail (every probability 1.0). The run checks it against the plain plan, says
/// so, and shows the plain plan's numbers, which match onnxruntime within a quantization step.
#[test]
fn the_optimiser_changing_the_numbers_is_caught() {
    let dir = scratch("quantized");
    let q = run_py_json("make_quantized.py", &[dir.to_str().unwrap()]);
    let input = format!("input={}", q["input"].as_str().unwrap());
    let out_dir = scratch("quantized_out");
    let (code, r) = cli_json(&[
        "run",
        q["model"].as_str().unwrap(),
        "--input",
        &input,
        "--runs",
        "0",
        "--json",
        "--output-dir",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{r}");
    let m = &r["optimizer_mismatch"];
    assert_eq!(m["output"], "probabilities", "{r}");
    assert!(m["max_abs_error"].as_f64().unwrap() > 0.5, "{m}");
    let ours = run::inputs::load_tensor_file(&out_dir.join("probabilities.npy")).unwrap();
    let reference =
        run::inputs::load_tensor_file(std::path::Path::new(q["reference"].as_str().unwrap()))
            .unwrap();
    // A quantization step of the uint8 output is 1/255.
    let c = compare(
        &[ours],
        &[reference],
        Tolerance {
            rtol: 0.0,
            atol: 1.5 / 255.0,
        },
    );
    assert!(c.passed, "{c:?}");
    // A float model's optimised plan agrees with its plain plan.
    let sample = format!("{}/assets/sample.onnx", env!("CARGO_MANIFEST_DIR"));
    let (_, r) = cli_json(&["run", &sample, "--runs", "0", "--json"]);
    assert!(r["optimizer_mismatch"].is_null(), "{r}");
}

/// An output full of NaN is traced to the node it starts at (the Div of a zero by itself), in
/// the JSON and the text report; a finite run says nothing.
#[test]
fn the_first_nonfinite_node_is_named() {
    let dir = scratch("nan_chain");
    let made = run_py_json("make_nan_model.py", &[dir.to_str().unwrap()]);
    let model = made["model"].as_str().unwrap();
    let (code, r) = cli_json(&["run", model, "--runs", "0", "--json"]);
    assert_eq!(code, 0, "{r}");
    let n = &r["first_nonfinite"];
    assert_eq!(n["node"], "/ratio/Div", "{r}");
    assert_eq!(n["output"], "q", "{r}");
    assert_eq!(n["count"], 4);
    assert_eq!(n["nan"], 4);
    // What went in there: the Sub's zeros, twice.
    assert_eq!(n["op"], "Div");
    assert_eq!(n["at"], serde_json::json!([0, 0]));
    assert_eq!(n["inputs"], serde_json::json!([0.0, 0.0]));
    let out = cli(&["run", model, "--runs", "0"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(
            "the first non-finite value appears at node /ratio/Div, output `q`: 4 of 4 elements \
             (4 NaN); Div: 0/0 at [0, 0]"
        ),
        "{text}"
    );
    let sample = format!("{}/assets/sample.onnx", env!("CARGO_MANIFEST_DIR"));
    let (_, r) = cli_json(&["run", &sample, "--runs", "0", "--json"]);
    assert!(r["first_nonfinite"].is_null(), "{r}");
}

/// `--expect NAME=FILE` compares an output with a reference saved as .npy (here onnxruntime's,
/// as one would save PyTorch's): within tolerance it passes; against another input's reference
/// it fails with exit 1; an output the model lacks is a usage error.
#[test]
fn expect_compares_an_output_with_a_saved_reference() {
    let sample = format!("{}/assets/sample.onnx", env!("CARGO_MANIFEST_DIR"));
    let two = run_py_json(
        "ort_reference.py",
        &[&sample, scratch("expect_2").to_str().unwrap(), "2"],
    );
    let three = run_py_json(
        "ort_reference.py",
        &[&sample, scratch("expect_3").to_str().unwrap(), "3"],
    );
    let input = format!("input={}", two["input_path"].as_str().unwrap());
    let expect = |r: &serde_json::Value| {
        format!(
            "probabilities={}",
            r["outputs"]["probabilities"].as_str().unwrap()
        )
    };
    let (code, r) = cli_json(&[
        "run",
        &sample,
        "--input",
        &input,
        "--expect",
        &expect(&two),
        "--rtol",
        "1e-4",
        "--atol",
        "1e-5",
        "--runs",
        "0",
        "--json",
    ]);
    assert_eq!(code, 0, "{r}");
    assert_eq!(r["expected"]["passed"], true, "{r}");
    assert_eq!(r["expected"]["outputs"][0]["name"], "probabilities");
    let (code, r) = cli_json(&[
        "run",
        &sample,
        "--input",
        &input,
        "--expect",
        &expect(&three),
        "--runs",
        "0",
        "--json",
    ]);
    assert_eq!(code, 1, "{r}");
    assert_eq!(r["expected"]["passed"], false, "{r}");
    let out = cli(&["run", &sample, "--expect", "logits=x.npy", "--runs", "0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("has no output 'logits'"));
}

/// The ai.onnx.ml models converters write (skl2onnx output committed under tests/models/sklearn),
/// the attribute variants of the ops onnx-lens rewrites for tract (make_ml_variants.py) and the
/// com.microsoft ops onnxruntime's optimiser and quantizer write (make_contrib_models.py, and a
/// small BERT through onnxruntime's transformer optimiser, make_ort_optimized.py), each
/// run with onnx-lens and onnxruntime on the same rows: every output equal (within 1e-4 of its
/// scale, labels exactly), or the exact "unsupported" list below — never a wrong answer.
#[test]
fn ml_models_match_onnxruntime() {
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/models/sklearn");
    // torch's scripted loops and more skl2onnx models (export_run_models.py).
    let exported = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/models/runs");
    let variants = scratch("ml_variants");
    run_py("make_ml_variants.py", &[variants.to_str().unwrap()]);
    let contrib = scratch("contrib_models");
    run_py("make_contrib_models.py", &[contrib.to_str().unwrap()]);
    // A small BERT and onnxruntime's transformer optimiser's version of it.
    let optimised = scratch("ort_optimised");
    let made = run_py_json("make_ort_optimized.py", &[optimised.to_str().unwrap()]);
    assert_eq!(
        made["contrib_ops"],
        serde_json::json!(["Attention", "BiasGelu", "SkipLayerNormalization"])
    );
    assert_eq!(
        made["qoperator_ops"],
        serde_json::json!([
            "QGemm",
            "QLinearAdd",
            "QLinearGlobalAveragePool",
            "QLinearSoftmax"
        ])
    );
    let mut models: Vec<std::path::PathBuf> = [committed, exported, variants, contrib, optimised]
        .iter()
        .flat_map(|dir| std::fs::read_dir(dir).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "onnx"))
        .collect();
    models.sort_by_key(|p| p.file_stem().unwrap().to_os_string());
    let (mut passed, mut rewritten, mut unsupported) = (vec![], vec![], vec![]);
    for path in &models {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let x = path.with_extension("X.npy");
        let refs = run_py_json(
            "ort_outputs.py",
            &[
                path.to_str().unwrap(),
                x.to_str().unwrap(),
                scratch(&format!("ml_ort_{name}")).to_str().unwrap(),
            ],
        );
        let model = load_path(path).unwrap();
        let mut req = RunRequest {
            runs: 0,
            profile: false,
            ..RunRequest::default()
        };
        req.inputs
            .insert(refs["input"].as_str().unwrap().into(), InputSource::File(x));
        match run::run(&model, &req, &Progress::detached()) {
            Ok(outcome) => {
                // In the model's output order (compare pairs outputs by position); a ZipMap's
                // seq(map) output has no tensor reference.
                let expected: Vec<_> = outcome
                    .outputs
                    .iter()
                    .filter_map(|o| {
                        let p = refs["outputs"][&o.name].as_str()?;
                        let mut t = run::load_tensor_file(Path::new(p)).unwrap();
                        t.name = o.name.clone();
                        Some(t)
                    })
                    .collect();
                assert_eq!(expected.len(), outcome.outputs.len(), "{name}");
                // Quantized outputs within one quantization step: onnxruntime's QLinear kernels
                // round through fixed-point scale ratios, the rewrite through float.
                let quantized = expected
                    .iter()
                    .any(|t| matches!(t.dtype, DataType::Uint8 | DataType::Int8));
                // 16-bit quantization is rewritten with the spec's float arithmetic: exact.
                let sixteen = expected
                    .iter()
                    .any(|t| matches!(t.dtype, DataType::Uint16 | DataType::Int16));
                let tolerance = if sixteen {
                    Tolerance {
                        rtol: 0.0,
                        atol: 0.0,
                    }
                } else if quantized {
                    Tolerance {
                        rtol: 0.0,
                        atol: 1.0,
                    }
                } else {
                    Tolerance {
                        rtol: 1e-4,
                        atol: 1e-6,
                    }
                };
                let c = compare(&outcome.outputs, &expected, tolerance);
                assert!(c.passed, "{name}: {c:?}");
                assert!(outcome.shape_mismatches.is_empty(), "{name}");
                // A ZipMap's maps come out as their [N, classes] table, with the classes.
                for z in refs["zip_maps"].as_array().unwrap() {
                    let classes = &outcome.output_classes[z.as_str().unwrap()];
                    assert!(!classes.is_empty(), "{name}");
                }
                if !outcome.rewrites.is_empty() {
                    rewritten.push(name.clone());
                }
                passed.push(name);
            }
            Err(e @ RunError::Unsupported { .. }) => {
                assert!(e.node().is_some(), "{name}: {e}");
                let RunError::Unsupported { nodes, .. } = &e else {
                    unreachable!()
                };
                println!("  {name}: {e}");
                unsupported.push((name, nodes[0].0.clone()));
            }
            Err(e) => panic!("{name}: {e}"),
        }
    }
    println!(
        "{} of {} ml models match onnxruntime ({} through a rewrite); unsupported: {unsupported:?}",
        passed.len(),
        models.len(),
        rewritten.len()
    );
    let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        unsupported,
        [
            ("attention_unequal_qkv", "Attention"),
            ("binary_trees_probit_mixed", "TreeEnsembleClassifier"),
            ("binary_trees_probit_mixed_base", "TreeEnsembleClassifier"),
            ("binary_trees_probit_positive", "TreeEnsembleClassifier"),
            (
                "binary_trees_probit_positive_base",
                "TreeEnsembleClassifier"
            ),
            ("loop_while", "Loop"),
            ("skip_layer_norm_mean_output", "SkipLayerNormalization"),
        ]
        .map(|(m, op)| (m.to_string(), op.to_string()))
    );
    assert_eq!(
        rewritten,
        names(&[
            "array_feature_extractor_1",
            "array_feature_extractor_2",
            "attention",
            "attention_mask",
            "attention_unidirectional",
            "bert_tiny_optimized",
            "bias_gelu",
            "binarizer",
            "binary_trees_logistic_mixed",
            "binary_trees_logistic_mixed_base",
            "binary_trees_logistic_positive",
            "binary_trees_logistic_positive_base",
            "binary_trees_none_mixed",
            "binary_trees_none_mixed_base",
            "binary_trees_none_positive",
            "binary_trees_none_positive_base",
            "decision_tree_binary",
            "decision_tree_regressor",
            "decision_tree_strings_3class",
            "decision_tree_strings_binary",
            "embed_layer_norm",
            "embed_layer_norm_no_segment",
            "fast_gelu",
            "fast_gelu_bias",
            "fused_conv_clip",
            "fused_conv_hardsigmoid",
            "fused_conv_leakyrelu",
            "fused_conv_none",
            "fused_conv_relu",
            "fused_conv_relu_sum",
            "fused_conv_sigmoid",
            "fused_conv_tanh",
            "fused_gemm_leakyrelu",
            "fused_gemm_relu",
            "fused_gemm_tanh",
            "fused_matmul_plain",
            "fused_matmul_transb_alpha",
            "gaussian_nb_3class",
            "gradient_boosting_binary",
            "imputer_nan",
            "imputer_value",
            "knn_3class",
            "label_encoder_float_float",
            "label_encoder_int_int",
            "label_encoder_int_string",
            "label_encoder_string_int",
            "label_encoder_tensor_int_string",
            "label_encoder_tensor_string_float",
            "linear_svc_binary",
            "local_function",
            "local_function_nested",
            "logistic_regression_strings_3class",
            "logistic_regression_strings_binary",
            "loop_fixed_count",
            "loop_scan_outputs",
            "loop_shape_trip_count",
            "matmul_4bit",
            "matmul_4bit_ragged_k",
            "matmul_4bit_symmetric",
            "nu_svr_rbf",
            "one_hot_encoder",
            "one_hot_logistic_pipeline",
            "one_hot_strings_logistic",
            "qlinearadd",
            "qlinearglobalaveragepool",
            "qlinearleakyrelu",
            "qlinearmul",
            "qlinearsigmoid",
            "quantize_dequantize_uint16",
            "quantize_int16_ties_saturate",
            "quantize_uint16",
            "random_forest_binary",
            "random_forest_regressor",
            "random_forest_zipmap",
            "regressor_average_1target",
            "regressor_average_2target_base",
            "regressor_max_1target",
            "regressor_max_2target_base",
            "regressor_min_1target",
            "regressor_min_2target_base",
            "regressor_sum_1target",
            "regressor_sum_2target_base",
            "sample_qoperator",
            "scaler_broadcast",
            "scaler_double",
            "scaler_float",
            "scaler_int64",
            "scaler_logistic_pipeline",
            "skip_layer_norm",
            "skip_layer_norm_bias_sum",
            "svc_linear_3class",
            "svc_linear_binary",
            "svc_poly_4class",
            "svc_poly_4class_probability",
            "svc_rbf_3class",
            "svc_rbf_binary",
            "svc_rbf_binary_probability",
            "svc_rbf_probability",
            "svr_linear",
            "svr_poly",
            "svr_rbf",
            "svr_sigmoid",
            "torch_loop_recurrence",
            "torch_loop_step_number",
        ])
    );
    assert_eq!(passed.len() + unsupported.len(), models.len());
}

/// Typed-in text feeds a string input (one line per row): a LabelEncoder from strings gives what
/// onnxruntime gives for the same strings read from numpy.
#[test]
fn typed_text_feeds_a_string_input() {
    let dir = scratch("text_input");
    run_py("make_ml_variants.py", &[dir.to_str().unwrap()]);
    let path = dir.join("label_encoder_string_int.onnx");
    let x = path.with_extension("X.npy");
    let refs = run_py_json(
        "ort_outputs.py",
        &[
            path.to_str().unwrap(),
            x.to_str().unwrap(),
            scratch("text_input_ort").to_str().unwrap(),
        ],
    );
    let TensorValues::Str(rows) = run::load_tensor_file(&x).unwrap().values else {
        panic!("the fixture's input is strings")
    };
    let text: Vec<String> = rows
        .iter()
        .map(|r| String::from_utf8(r.clone()).unwrap())
        .collect();
    let model = load_path(&path).unwrap();
    let req = RunRequest {
        runs: 0,
        profile: false,
        inputs: BTreeMap::from([("X".to_string(), InputSource::Text(text.clone()))]),
        ..RunRequest::default()
    };
    let outcome = run::run(&model, &req, &Progress::detached()).unwrap();
    let expected =
        run::load_tensor_file(Path::new(refs["outputs"]["Y"].as_str().unwrap())).unwrap();
    assert_eq!(outcome.outputs[0].values, expected.values, "fed {text:?}");
    // The same from the command line's text: source.
    let out = cli(&[
        "run",
        path.to_str().unwrap(),
        "--input",
        &format!("X=text:{}", text.join("\n")),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A number input refuses text, naming the input (an input error: exit 2, as for a bad file).
    let ints = dir.join("label_encoder_int_int.onnx");
    let out = cli(&["run", ints.to_str().unwrap(), "--input", "X=text:cat"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("input 'X' is int64: text goes to string inputs"),
        "{stderr}"
    );
}
