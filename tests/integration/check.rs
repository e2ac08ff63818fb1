//! The validator against onnx.checker: the wheel's models pass, and each invalid model yields
//! the specific code on the specific node while onnx.checker rejects it too.

use crate::common::*;

/// The error-severity diagnostics of a `check --json` report.
fn errors_in(report: &serde_json::Value) -> Vec<&serde_json::Value> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "error")
        .collect()
}

#[test]
fn every_backend_test_model_passes_with_zero_errors() {
    let mut warnings = 0;
    let paths = backend_model_paths();
    for path in &paths {
        let (code, report) = cli_json(&["check", "--json", path.to_str().unwrap()]);
        let errors = errors_in(&report);
        assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
        assert_eq!(code, 0, "{}", path.display());
        warnings += report["warnings"].as_u64().unwrap();
    }
    println!(
        "{} backend models: 0 errors, {warnings} warnings",
        paths.len()
    );
}

#[test]
fn each_invalid_model_gets_its_code_on_its_node_and_onnx_checker_agrees() {
    let manifest = invalid_models();
    let cases = manifest["cases"].as_array().unwrap();
    let mut codes = std::collections::BTreeSet::new();
    for c in cases {
        let name = c["case"].as_str().unwrap();
        let code = c["code"].as_str().unwrap();
        codes.insert(code);
        let (expected_severity, checker_must_reject) = match &c["extra"] {
            serde_json::Value::Bool(false) => ("error", true),
            serde_json::Value::String(s) => (s.as_str(), false),
            other => panic!("{name}: bad extra {other}"),
        };
        assert_eq!(
            c["checker_rejects"].as_bool().unwrap(),
            checker_must_reject,
            "{name}: onnx.checker verdict ({})",
            c["checker_message"]
        );
        let (exit, report) = cli_json(&["check", "--json", c["path"].as_str().unwrap()]);
        let diags = report["diagnostics"].as_array().unwrap();
        let hit = diags.iter().find(|d| {
            d["code"] == code
                && (c["node"].is_null() || d["node"] == c["node"])
                && d["graph"] == c["graph"]
        });
        let Some(hit) = hit else {
            panic!(
                "{name}: expected {code} on node {} in graph {:?}; got {diags:#?}",
                c["node"], c["graph"]
            );
        };
        assert_eq!(hit["severity"], expected_severity, "{name}: {hit}");
        for key in ["code", "severity", "node", "op_type", "graph", "message"] {
            assert!(hit.get(key).is_some(), "{name}: JSON lacks {key}");
        }
        let has_error = diags.iter().any(|d| d["severity"] == "error");
        assert_eq!(exit, if has_error { 1 } else { 0 }, "{name}: exit code");
        assert_eq!(report["errors"].as_u64().unwrap() > 0, has_error);
    }
    println!(
        "{} invalid models, {} distinct codes, each found on its node",
        cases.len(),
        codes.len()
    );
    // Codes no fixture produces yet, exactly (a new code needs a fixture or a place here).
    let uncovered: Vec<&str> = onnx_lens::check::Code::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|c| !codes.contains(c))
        .collect();
    assert_eq!(
        uncovered,
        vec![
            "unreadable",
            "missing-graph",
            "experimental-op",
            "empty-required-output",
            "tensor-negative-dim",
            "tensor-dims-overflow",
            "tensor-missing-data",
            "tensor-data-field-mismatch",
            "external-data-invalid",
            "external-tensor-has-data",
            "sparse-invalid",
            "function-empty-name",
            "function-missing-domain",
            "function-duplicate-output",
            "function-duplicate-attribute",
        ]
    );
}

#[test]
fn three_independent_problems_give_three_errors() {
    let manifest = invalid_models();
    let t = &manifest["three_problems"];
    let (exit, report) = cli_json(&["check", "--json", t["path"].as_str().unwrap()]);
    assert_eq!(exit, 1);
    assert_eq!(report["errors"], 3, "{report:#}");
    let found: Vec<(String, String)> = errors_in(&report)
        .into_iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().into(),
                d["node"].as_str().unwrap().into(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = t["codes"]
        .as_array()
        .unwrap()
        .iter()
        .zip(t["nodes"].as_array().unwrap())
        .map(|(c, n)| (c.as_str().unwrap().into(), n.as_str().unwrap().into()))
        .collect();
    assert_eq!(found, expected);
}

#[test]
fn unreadable_file_still_prints_a_json_report_and_exits_2() {
    let dir = scratch("check_unreadable");
    let f = dir.join("garbage.onnx");
    std::fs::write(&f, [0xffu8; 64]).unwrap();
    let (exit, report) = cli_json(&["check", "--json", f.to_str().unwrap()]);
    assert_eq!(exit, 2);
    assert_eq!(report["errors"], 1);
    assert_eq!(report["diagnostics"][0]["severity"], "error");
    assert!(report["diagnostics"][0]["message"]
        .as_str()
        .unwrap()
        .contains("garbage.onnx"));
}

/// Models onnx.checker accepts that a validator must not call invalid: untyped subgraph
/// outputs three Ifs deep (as silero-vad ships), Loop bodies and function bodies with untyped
/// values, models importing only ai.onnx.ml or a custom domain, operators removed from the
/// standard, a map of tensors into DictVectorizer, shapes that agree with their declarations.
#[test]
fn valid_models_that_exporters_write_get_no_error() {
    let manifest = invalid_models();
    let cases = manifest["valid"].as_array().unwrap();
    let mut names = Vec::new();
    for c in cases {
        let name = c["case"].as_str().unwrap();
        assert!(
            !c["checker_rejects"].as_bool().unwrap(),
            "{name}: onnx.checker rejects it ({})",
            c["checker_message"]
        );
        let (exit, report) = cli_json(&["check", "--json", c["path"].as_str().unwrap()]);
        let errors = errors_in(&report);
        assert!(errors.is_empty(), "{name}: {errors:#?}");
        assert_eq!(exit, 0, "{name}");
        names.push(name);
    }
    println!(
        "{} valid models: 0 errors ({})",
        names.len(),
        names.join(", ")
    );
    assert_eq!(
        names,
        [
            "if_branches_with_untyped_outputs_three_deep",
            "loop_body_with_untyped_inputs_and_outputs",
            "function_body_with_an_if",
            "only_the_ml_domain_imported",
            "only_a_custom_domain_imported",
            "removed_operators_onnx_still_accepts",
            "dict_vectorizer_on_a_map_of_tensors",
            "shapes_that_agree_with_their_declarations",
        ]
    );
}

/// onnx's own operator test models (every case of onnx.backend.test.case.node, ~1,900 models
/// over every op and opset): onnx-lens's verdict (any error or none) equals onnx.checker's
/// full_check verdict on each, but for the documented exceptions.
#[test]
fn same_verdict_as_onnx_checker_on_onnx_operator_test_models() {
    let dir = scratch("node_cases");
    let manifest = run_py_json("make_node_cases.py", &[dir.to_str().unwrap()]);
    let models = manifest["models"].as_array().unwrap();
    let mut disagree = Vec::new();
    for m in models {
        let name = m["case"].as_str().unwrap();
        let (exit, report) = cli_json(&["check", "--json", m["path"].as_str().unwrap()]);
        let errors: Vec<String> = errors_in(&report)
            .into_iter()
            .map(|d| format!("{}: {}", d["code"], d["message"]))
            .collect();
        assert_eq!(exit, i32::from(!errors.is_empty()), "{name}: exit code");
        if errors.is_empty() == m["checker_rejects"].as_bool().unwrap() {
            println!(
                "  {name}: onnx.checker {}; onnx-lens {:?}",
                if errors.is_empty() {
                    format!("rejects it ({})", m["checker_message"])
                } else {
                    "accepts it".into()
                },
                errors
            );
            disagree.push(name.to_string());
        }
    }
    println!(
        "{} of onnx's operator test models: onnx-lens and onnx.checker agree on {}",
        models.len(),
        models.len() - disagree.len()
    );
    // test_mvn: onnx's full_check fails inside its own expansion of MeanVarianceNormalization
    // (a Constant of the op's function body); onnxruntime runs the model, and so does tract.
    assert_eq!(disagree, ["test_mvn"]);
}
