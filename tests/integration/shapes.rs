//! Shape inference and the dynamic-axes report, on export-shaped fixtures and the onnx wheel's models.

use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

use onnx_lens::model::load_path;
use onnx_lens::run::inputs::load_tensor_file;
use onnx_lens::shapes::{analyse, analyse_shapes, analyse_with, ShapeOrigin, ShapeSource, Weights};

use crate::common::*;

/// Builds the dynamic-axes fixtures once per test binary run (tests share them read-only).
pub fn axes_fixtures() -> &'static HashMap<String, String> {
    static FIXTURES: OnceLock<HashMap<String, String>> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let dir = scratch("axes_fixtures");
        let v = run_py_json("make_axes_models.py", &[dir.to_str().unwrap()]);
        serde_json::from_value(v).unwrap()
    })
}

fn entry<'a>(report: &'a serde_json::Value, input: &str, dim: u64) -> &'a serde_json::Value {
    report["axes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["input"] == input && e["dim_index"] == dim)
        .unwrap_or_else(|| panic!("no entry for {input}[{dim}] in {report}"))
}

#[test]
fn dynamic_axes_verdicts_agree_with_the_runs() {
    let f = axes_fixtures();

    let (code, r) = cli_json(&["axes", "--json", &f["mlp_dynamic"]]);
    let e = entry(&r, "input", 0);
    assert_eq!(
        (code, &e["status"], &e["symbol"]),
        (0, &"dynamic".into(), &"batch_size".into()),
        "{r}"
    );
    assert!(
        e["reason"]
            .as_str()
            .unwrap()
            .contains("output [batch_size, 10]"),
        "{e}"
    );
    assert_eq!(e["confirmed_by_run"], true, "{e}");

    let (code, r) = cli_json(&["axes", "--json", &f["mlp_static"]]);
    let e = entry(&r, "input", 0);
    assert_eq!(
        (code, &e["status"], &e["fixed_value"]),
        (0, &"fixed".into(), &1.into()),
        "{r}"
    );
    assert_eq!(r["axes"].as_array().unwrap().len(), 1, "{r}");

    let (code, r) = cli_json(&["axes", "--json", &f["mlp_view"]]);
    let e = entry(&r, "input", 0);
    assert_eq!(code, 1, "a lost axis is a problem: {r}");
    assert_eq!(
        (&e["status"], &e["lost_at_node"]),
        (&"lost".into(), &"/Reshape".into()),
        "{e}"
    );
    assert!(
        e["reason"]
            .as_str()
            .unwrap()
            .contains("`/Constant` = [1, -1] was traced at export with batch_size = 1"),
        "{e}"
    );
    assert_eq!(e["pinned_by"], "/Constant", "{e}");
    assert_eq!(e["confirmed_by_run"], true, "{e}");

    let (code, r) = cli_json(&["axes", "--json", &f["transformer_traced"]]);
    let e = entry(&r, "x", 1);
    assert_eq!(
        (code, &e["status"], &e["symbol"]),
        (1, &"lost".into(), &"seq".into()),
        "{r}"
    );
    assert_eq!(
        e["lost_at_node"], "/attn/Reshape_q",
        "the first traced Reshape: {e}"
    );
    assert!(
        e["reason"]
            .as_str()
            .unwrap()
            .contains("`/attn/Constant` = [1, 16, 4, 16] was traced at export with seq = 16"),
        "{e}"
    );
    assert_eq!(e["confirmed_by_run"], true, "{e}");
    assert_eq!(entry(&r, "x", 0)["status"], "fixed");

    let (code, r) = cli_json(&["axes", "--json", &f["transformer_dynamic"]]);
    let e = entry(&r, "x", 1);
    assert_eq!(
        (code, &e["status"], &e["confirmed_by_run"]),
        (0, &"dynamic".into(), &true.into()),
        "{r}"
    );
}

#[test]
fn shapes_show_symbolic_expressions_and_origins() {
    let f = axes_fixtures();
    let (code, s) = cli_json(&["shapes", "--json", &f["mlp_view"]]);
    assert_eq!(code, 0);
    let value = |name: &str| {
        s["values"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(
        value("/Reshape_output_0")["dims"],
        serde_json::json!(["1", "784*batch_size"])
    );
    assert_eq!(value("/Reshape_output_0")["origin"], "inferred");
    assert!(s["analysis_error"].as_str().unwrap().contains("/fc1/Gemm"));

    let m = load_path(Path::new(&f["transformer_dynamic"])).unwrap();
    let a = analyse(&m);
    assert!(a.error.is_none(), "{:?}", a.error);
    assert_eq!(a.known_rate(), 1.0);
    let y = a.get("/merged").unwrap();
    assert_eq!(
        (y.dims.clone().unwrap(), y.origin),
        (
            vec!["1".to_string(), "seq".into(), "64".into()],
            ShapeOrigin::Inferred
        )
    );
}

#[test]
fn inferred_shapes_equal_expected_outputs_on_backend_models() {
    let (mut compared, mut values, mut known) = (0, 0usize, 0.0);
    for path in backend_model_paths() {
        let set = path.parent().unwrap().join("test_data_set_0");
        if !set.is_dir() {
            continue;
        }
        let model = load_path(&path).unwrap();
        let a = analyse(&model);
        values += a.values.len();
        known += a.known_rate() * a.values.len() as f64;
        for (i, out) in a.outputs.iter().enumerate() {
            let Some(v) = a.get(out).filter(|v| v.origin == ShapeOrigin::Inferred) else {
                continue;
            };
            let Some(dims) = v.dims.as_ref().and_then(|d| {
                d.iter()
                    .map(|x| x.parse::<u64>().ok())
                    .collect::<Option<Vec<_>>>()
            }) else {
                continue;
            };
            let expected = load_tensor_file(&set.join(format!("output_{i}.pb"))).unwrap();
            assert_eq!(dims, expected.dims, "{}: output {out}", path.display());
            compared += 1;
        }
    }
    println!(
        "inferred output shapes equal the expected ones on {compared} outputs; {:.1}% of {values} values have a known shape",
        100.0 * known / values as f64
    );
    assert!(
        compared >= 100,
        "only {compared} outputs had an inferred concrete shape"
    );
}

/// Where onnx-lens's engine determines a whole main graph, `shapes` skips tract's analysis: on
/// every such model here (the onnx wheel's backend models, the real exports, the sample) each
/// value's element type and dims equal what the full analysis (tract, then the engine) gives.
#[test]
fn engine_only_shapes_equal_the_full_analysis() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/sample.onnx");
    let mut paths: Vec<std::path::PathBuf> = backend_model_paths();
    paths.extend(real_exports().into_iter().map(std::path::PathBuf::from));
    paths.push(sample);
    let (mut fast, mut compared, mut differ) = (vec![], 0, vec![]);
    for path in &paths {
        let model = load_path(path).unwrap();
        let quick = analyse_shapes(&model);
        if quick.values.is_empty()
            || !quick
                .values
                .iter()
                .all(|v| v.source == Some(ShapeSource::Engine))
        {
            continue;
        }
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let full = analyse(&model);
        assert_eq!(quick.values.len(), full.values.len(), "{name}");
        for v in &quick.values {
            let f = full.get(&v.name).unwrap();
            if f.dtype.is_some() && f.dtype != v.dtype {
                differ.push(format!(
                    "{name} {}: dtype {:?} vs {:?}",
                    v.name, v.dtype, f.dtype
                ));
            }
            let known = f.dims.as_ref().is_some_and(|d| d.iter().all(|x| x != "?"));
            if known && f.dims != v.dims {
                differ.push(format!("{name} {}: {:?} vs {:?}", v.name, v.dims, f.dims));
            }
            compared += 1;
        }
        assert_eq!(quick.symbols, full.symbols, "{name}");
        fast.push(name);
    }
    println!(
        "engine alone on {} of {} models ({compared} values), {} differ from the full analysis",
        fast.len(),
        paths.len(),
        differ.len()
    );
    for d in &differ {
        println!("  {d}");
    }
    assert!(differ.is_empty());
    // The real exports the engine determines alone (the others hold a Slice, Reshape or Conv
    // whose output dims are expressions of the inputs' names: tract's analysis gives those).
    let exports: Vec<&str> = fast
        .iter()
        .map(String::as_str)
        .filter(|n| {
            real_exports()
                .iter()
                .any(|f| f.ends_with(&format!("/{n}.onnx")))
        })
        .collect();
    assert_eq!(
        exports,
        ["gru_bidirectional", "lstm_const_state", "traced_seq_block"]
    );
    assert!(fast.iter().any(|n| n == "sample"), "{fast:?}");
}

/// Shape analysis gives tract big float weights as typed graph inputs instead of reading them;
/// on every model here it must infer exactly what reading them does.
#[test]
fn weights_as_inputs_infer_what_reading_them_does() {
    use onnx_lens::model::DataType;
    use onnx_protobuf::{Message, ModelProto, TensorProto};

    // The sample padded past 4 MiB, so its weights stay in the file (deferred) while loaded.
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/sample.onnx");
    let mut padded = ModelProto::parse_from_bytes(&std::fs::read(&sample).unwrap()).unwrap();
    let mut pad = TensorProto::new();
    pad.name = "unused_padding".into();
    pad.data_type = 1;
    pad.dims = vec![1 << 20];
    pad.raw_data = vec![0; 4 << 20];
    padded.graph.mut_or_insert_default().initializer.push(pad);
    let big = scratch("weights_as_inputs").join("sample_padded.onnx");
    std::fs::write(&big, padded.write_to_bytes().unwrap()).unwrap();

    let mut paths = backend_model_paths();
    paths.push(sample);
    paths.push(big.clone());
    paths.extend(axes_fixtures().values().map(Into::into));
    let (mut models, mut with_big_weights) = (0, 0);
    for path in paths {
        let model = load_path(&path).unwrap();
        let converted = model.all_initializers().any(|(g, t)| {
            g == 0
                && matches!(DataType::from_i32(t.data_type), DataType::Float)
                && t.dims.iter().product::<i64>() >= 1024
        });
        let fast = analyse_with(&model, Weights::AsInputs);
        let full = analyse_with(&model, Weights::Read);
        assert_eq!(fast.values, full.values, "{}", path.display());
        assert_eq!(
            fast.error.is_some(),
            full.error.is_some(),
            "{}: {:?} vs {:?}",
            path.display(),
            fast.error,
            full.error
        );
        models += 1;
        with_big_weights += usize::from(converted);
    }
    let padded = load_path(&big).unwrap();
    assert!(
        padded
            .all_initializers()
            .any(|(_, t)| padded.deferred_raw(t).is_some()),
        "the padded sample keeps its weights in the file"
    );
    println!("{models} models, {with_big_weights} with weights given as inputs: same shapes");
    assert!(
        with_big_weights >= 5,
        "only {with_big_weights} models exercised it"
    );
}

/// onnx-lens's own shape engine against onnx's shape inference (strict, data_prop) on every
/// value of onnx's operator test models (outputs and intermediate values; declared shapes
/// removed first): where both know a shape they must agree, rank and every fixed dim. Prints
/// how often each knows it.
#[test]
fn shape_engine_agrees_with_onnx_shape_inference_on_operator_test_models() {
    use onnx_lens::model::types::Dim;
    use onnx_lens::shapes::engine::infer_scope;
    let dir = scratch("shape_cases");
    let manifest = run_py_json("make_shape_cases.py", &[dir.to_str().unwrap()]);
    let (mut both, mut only_onnx, mut only_ours, mut neither) = (0, 0, 0, 0);
    let mut differ = Vec::new();
    for c in manifest["cases"].as_array().unwrap() {
        let name = c["case"].as_str().unwrap();
        let model =
            onnx_lens::model::load_path(std::path::Path::new(c["path"].as_str().unwrap())).unwrap();
        let scope = infer_scope(&model, 0, model.opset(""), &[]);
        for o in c["outputs"].as_array().unwrap() {
            let out = o["name"].as_str().unwrap();
            let ours = scope.shapes.get(out);
            let theirs = o["dims"].as_array();
            match (ours, theirs) {
                (Some(a), Some(b)) => {
                    both += 1;
                    let same_rank = a.len() == b.len();
                    let clash = !same_rank
                        || a.iter().zip(b).any(
                            |(x, y)| matches!((x, y.as_i64()), (Dim::Value(p), Some(q)) if *p != q),
                        );
                    if clash {
                        let shown: Vec<String> = a.iter().map(|d| d.to_string()).collect();
                        differ.push(format!(
                            "{name}/{out}: onnx-lens [{}], onnx {b:?}",
                            shown.join(", ")
                        ));
                    }
                }
                (None, Some(_)) => {
                    only_onnx += 1;
                    if std::env::var_os("ONNX_LENS_SHOW_ONLY_ONNX").is_some() {
                        let op = model
                            .body(0)
                            .and_then(|b| {
                                b.nodes().iter().find(|n| n.output.iter().any(|o| o == out))
                            })
                            .map_or("input", |n| n.op_type.as_str());
                        println!("  only onnx: {op}");
                    }
                }
                (Some(a), None) => {
                    only_ours += 1;
                    if std::env::var_os("ONNX_LENS_SHOW_ONLY_OURS").is_some() {
                        let shown: Vec<String> = a.iter().map(|d| d.to_string()).collect();
                        println!("  only onnx-lens: {name}/{out} [{}]", shown.join(", "));
                    }
                }
                (None, None) => neither += 1,
            }
        }
    }
    println!(
        "shape engine vs onnx on operator test values: both know {both}, only onnx {only_onnx}, only onnx-lens {only_ours}, neither {neither}; {} differ",
        differ.len()
    );
    for d in &differ {
        println!("  {d}");
    }
    assert!(differ.is_empty(), "{} outputs differ", differ.len());
}

/// `shapes --json` lists the values of subgraphs with their graph path, with the outer scope's
/// shapes flowing in (x is [2, 3] in the main graph; Neg(x) in each else branch is too).
#[test]
fn shapes_reach_into_subgraphs() {
    let manifest = invalid_models();
    let nested = manifest["valid"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["case"] == "if_branches_with_untyped_outputs_three_deep")
        .unwrap();
    let (code, s) = cli_json(&["shapes", "--json", nested["path"].as_str().unwrap()]);
    assert_eq!(code, 0);
    let got: Vec<(String, String, String)> = s["subgraph_values"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["origin"] == "inferred")
        .map(|v| {
            (
                v["graph"].as_str().unwrap().to_string(),
                v["name"].as_str().unwrap().to_string(),
                v["dims"].to_string(),
            )
        })
        .collect();
    // Each If's output comes from its branches, nested three deep.
    let want: Vec<(String, String, String)> = [
        ("if/else_branch", "if_e"),
        ("if/then_branch", "ift_out"),
        ("if/then_branch/ift/else_branch", "ift_e"),
        ("if/then_branch/ift/then_branch", "iftt_out"),
        ("if/then_branch/ift/then_branch/iftt/else_branch", "iftt_e"),
        (
            "if/then_branch/ift/then_branch/iftt/then_branch",
            "ifttt_leaf",
        ),
    ]
    .iter()
    .map(|(g, n)| (g.to_string(), n.to_string(), r#"["2","3"]"#.to_string()))
    .collect();
    assert_eq!(got, want);
    let if_out = s["values"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "if_out")
        .unwrap();
    assert_eq!(if_out["dims"], serde_json::json!(["2", "3"]));

    // A Loop body's untyped inputs get what the Loop hands them.
    let looped = manifest["valid"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["case"] == "loop_body_with_untyped_inputs_and_outputs")
        .unwrap();
    let (_, s) = cli_json(&["shapes", "--json", looped["path"].as_str().unwrap()]);
    let body: Vec<(String, String)> = s["subgraph_values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["name"].as_str().unwrap().to_string(),
                v["dims"].to_string(),
            )
        })
        .collect();
    let want: Vec<(String, String)> = [
        ("i", "[]"),
        ("cond", "[]"),
        ("v", r#"["2","3"]"#),
        ("v2", r#"["2","3"]"#),
        ("cond2", "[]"),
    ]
    .iter()
    .map(|(n, d)| (n.to_string(), d.to_string()))
    .collect();
    assert_eq!(body, want);
}

/// The files under tests/models/exports/, exported by the real tools (tests/py/export_real_models.py).
fn real_exports() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/models/exports");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "onnx"))
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    files.sort();
    files
}

/// Every declared dynamic dim of the real exports (torch's legacy exporter, onnxruntime's
/// transformer optimizer, onnxslim, torchvision, skl2onnx) gets the verdict onnxruntime gives it
/// (tests/py/axes_truth.py, in the same run): with runs exactly; from static analysis alone the
/// same or `unknown`, never a wrong one. A lost dim names a node onnxruntime's failure leads
/// back to, and no report prints a panic.
/// onnxruntime's verdicts on the real exports (once per test binary run).
fn real_exports_truth() -> &'static serde_json::Value {
    static TRUTH: OnceLock<serde_json::Value> = OnceLock::new();
    TRUTH.get_or_init(|| {
        let files = real_exports();
        let args: Vec<&str> = files.iter().map(String::as_str).collect();
        run_py_json("axes_truth.py", &args)
    })
}

/// A dim's text (`-1+(samples)/10`, `4*batch`) at the given symbol values, with ONNX's integer
/// division; `None` for what is not such an expression (`?`, `broadcast(…)`).
fn eval_dim(text: &str, values: &std::collections::BTreeMap<String, f64>) -> Option<i64> {
    type Values = std::collections::BTreeMap<String, f64>;
    fn expr(s: &[u8], i: &mut usize, v: &Values) -> Option<i64> {
        let mut acc = term(s, i, v)?;
        while *i < s.len() && (s[*i] == b'+' || s[*i] == b'-') {
            let op = s[*i];
            *i += 1;
            let t = term(s, i, v)?;
            acc = if op == b'+' { acc + t } else { acc - t };
        }
        Some(acc)
    }
    fn term(s: &[u8], i: &mut usize, v: &Values) -> Option<i64> {
        let mut acc = atom(s, i, v)?;
        while *i < s.len() && (s[*i] == b'*' || s[*i] == b'/') {
            let op = s[*i];
            *i += 1;
            let t = atom(s, i, v)?;
            acc = if op == b'*' {
                acc * t
            } else {
                acc.div_euclid(t)
            };
        }
        Some(acc)
    }
    fn atom(s: &[u8], i: &mut usize, v: &Values) -> Option<i64> {
        match *s.get(*i)? {
            b'(' => {
                *i += 1;
                let e = expr(s, i, v)?;
                if s.get(*i) != Some(&b')') {
                    return None;
                }
                *i += 1;
                Some(e)
            }
            b'-' => {
                *i += 1;
                Some(-atom(s, i, v)?)
            }
            c if c.is_ascii_digit() => {
                let start = *i;
                while *i < s.len() && s[*i].is_ascii_digit() {
                    *i += 1;
                }
                std::str::from_utf8(&s[start..*i]).ok()?.parse().ok()
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let start = *i;
                while *i < s.len() && (s[*i].is_ascii_alphanumeric() || s[*i] == b'_') {
                    *i += 1;
                }
                v.get(std::str::from_utf8(&s[start..*i]).ok()?)
                    .map(|&x| x as i64)
            }
            _ => None,
        }
    }
    let s: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let mut i = 0;
    let out = expr(&s, &mut i, values)?;
    (i == s.len()).then_some(out)
}

/// The inferred output shapes of the real exports, evaluated at the values onnxruntime ran them
/// with, equal the shapes onnxruntime produced: symbolic dims are the model's own names in real
/// relations (`batch`, `sequence`), never names an exporter invented for an output. Outputs whose
/// shape stays unknown (an unnamed `?` batch) are listed exactly.
#[test]
fn inferred_output_shapes_of_real_exports_equal_onnxruntime() {
    let truth = real_exports_truth();
    let mut unknown = Vec::new();
    let mut equal = 0;
    for f in real_exports() {
        let name = Path::new(&f)
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let t = &truth[f.as_str()];
        let values: std::collections::BTreeMap<String, f64> = t["base"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_f64().unwrap()))
            .collect();
        let (code, s) = cli_json(&["shapes", "--json", &f]);
        assert_eq!(code, 0, "{name}: {s}");
        for o in t["outputs_at_base"].as_array().unwrap() {
            let out = o["name"].as_str().unwrap();
            let want: Vec<f64> = o["shape"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d.as_f64().unwrap())
                .collect();
            let v = s["values"]
                .as_array()
                .unwrap()
                .iter()
                .find(|v| v["name"] == out)
                .unwrap();
            let dims: Option<Vec<f64>> = v["dims"].as_array().and_then(|d| {
                d.iter()
                    .map(|x| eval_dim(x.as_str()?, &values).map(|v| v as f64))
                    .collect()
            });
            match dims {
                Some(d) => {
                    assert_eq!(d, want, "{name} {out}: onnx-lens {v} vs onnxruntime {o}");
                    equal += 1;
                }
                None => unknown.push(format!("{name}:{out}")),
            }
        }
    }
    report(&format!(
        "real exports: {equal} output shapes equal onnxruntime's, {} unknown: {unknown:?}",
        unknown.len()
    ));
    assert_eq!(
        unknown,
        vec![
            "sklearn_two_inputs:label",
            "sklearn_two_inputs:probabilities"
        ]
    );
}

#[test]
fn axes_on_real_exports_agree_with_onnxruntime() {
    let files = real_exports();
    let truth = real_exports_truth();
    let mut agree = 0;
    let mut total = 0;
    for f in &files {
        let name = Path::new(f)
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let expected = truth[f.as_str()]["dims"].as_array().unwrap();
        let want: Vec<(String, u64, String)> = expected
            .iter()
            .map(|d| {
                (
                    d["input"].as_str().unwrap().to_string(),
                    d["dim_index"].as_u64().unwrap(),
                    d["status"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        for no_run in [false, true] {
            let mut args = vec!["axes", "--json"];
            if no_run {
                args.push("--no-run");
            }
            args.push(f);
            let out = cli(&args);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                !stderr.contains("panicked"),
                "{name}: a raw panic: {stderr}"
            );
            let r: serde_json::Value = serde_json::from_slice(&out.stdout)
                .unwrap_or_else(|e| panic!("{name}: no JSON ({e}): {stderr}"));
            let got: Vec<(String, u64, String)> = r["axes"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["status"] != "fixed")
                .map(|e| {
                    (
                        e["input"].as_str().unwrap().to_string(),
                        e["dim_index"].as_u64().unwrap(),
                        e["status"].as_str().unwrap().to_string(),
                    )
                })
                .collect();
            if no_run {
                // Static analysis may not know (a contrib op), but never says the wrong thing.
                let fits = got.len() == want.len()
                    && got
                        .iter()
                        .zip(&want)
                        .all(|(g, w)| g.0 == w.0 && g.1 == w.1 && (g.2 == w.2 || g.2 == "unknown"));
                assert!(
                    fits,
                    "{name} --no-run: {got:?}, onnxruntime: {want:?}\n{r:#}"
                );
            } else {
                assert_eq!(got, want, "{name}: onnx-lens vs onnxruntime\n{r:#}");
            }
            total += got.len();
            agree += got.iter().zip(&want).filter(|(g, w)| g == w).count();
            for (e, d) in r["axes"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["status"] == "lost")
                .zip(expected.iter().filter(|d| d["status"] == "lost"))
            {
                let blamable: Vec<&str> = d["blamable"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|b| b.as_str().unwrap())
                    .collect();
                let node = e["lost_at_node"].as_str().unwrap_or_default();
                assert!(
                    blamable.contains(&node),
                    "{name}: lost at {node}, onnxruntime fails at {}: {e:#}",
                    d["ort_failing_node"]
                );
            }
        }
    }
    report(&format!(
        "dynamic axes on {} real exports: {agree} of {total} verdicts equal onnxruntime's (runs and static)",
        files.len()
    ));
}
