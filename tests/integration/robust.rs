//! Hostile and broken models: specific errors, bounded memory, nothing opened outside the model's
//! folder, no panics under a bounded fuzz loop.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use onnx_lens::fuzzing::{exercise, Depth, Mutator, Reached, StageTimes};
use onnx_lens::model::{load_bytes, load_path};
use onnx_protobuf::{
    AttributeProto, GraphProto, Message, ModelProto, NodeProto, OperatorSetIdProto,
};

use crate::common::*;

struct CliRun {
    code: i32,
    stdout: String,
    stderr: String,
    peak_rss_kb: u64,
}

/// Runs the CLI with a deadline: a hostile model that made it open the FIFO outside its folder
/// would block forever, so a finished run proves nothing opened it.
fn cli_deadline(args: &[&str]) -> CliRun {
    let mut child = Command::new(env!("CARGO_BIN_EXE_onnx-lens"))
        .args(args)
        .env("ONNX_LENS_REPORT_PEAK_RSS", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("onnx-lens {args:?} did not finish: did it open something outside the model folder?");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let peak_rss_kb = stderr
        .lines()
        .find_map(|l| {
            l.strip_prefix("peak RSS: ")?
                .trim_end_matches(" kB")
                .trim()
                .parse()
                .ok()
        })
        .expect("peak RSS reported");
    CliRun {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
        peak_rss_kb,
    }
}

fn codes(check_json: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(check_json).unwrap();
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn hostile_models_give_specific_errors_in_bounded_memory() {
    let dir = scratch("hostile");
    let models: std::collections::BTreeMap<String, String> = serde_json::from_value(run_py_json(
        "make_hostile_models.py",
        &[dir.to_str().unwrap()],
    ))
    .unwrap();
    let expect: &[(&str, &str, &str)] = &[
        // (model, check code, what the other commands say)
        (
            "escape_dotdot",
            "external-data-outside-model-dir",
            "leaves the model's folder",
        ),
        (
            "escape_absolute",
            "external-data-outside-model-dir",
            "is an absolute path",
        ),
        (
            "escape_symlink",
            "external-data-outside-model-dir",
            "leaves the model's folder",
        ),
        (
            "offset_out_of_range",
            "external-data-out-of-range",
            "runs past the end of the file",
        ),
        ("dims_overflow", "tensor-dims-overflow", ""),
        ("negative_dims", "tensor-negative-dim", ""),
        ("raw_data_short", "tensor-data-length", ""),
        ("huge_string", "tensor-data-length", ""),
    ];
    for (name, code, refusal) in expect {
        let path = &models[*name];
        let check = cli_deadline(&["check", "--json", path]);
        assert_eq!(check.code, 1, "{name}: {}", check.stdout);
        assert!(
            codes(&check.stdout).iter().any(|c| c == code),
            "{name}: expected {code}: {}",
            check.stdout
        );
        let mut peak = check.peak_rss_kb;
        for cmd in ["info", "shapes", "axes", "run"] {
            let r = cli_deadline(&[cmd, path]);
            peak = peak.max(r.peak_rss_kb);
            assert!(!r.stderr.contains("panicked"), "{name} {cmd}: {}", r.stderr);
            if !refusal.is_empty() {
                assert_eq!(r.code, 2, "{name} {cmd}: {}", r.stderr);
                assert!(r.stderr.contains(refusal), "{name} {cmd}: {}", r.stderr);
            }
        }
        report(&format!("{name:<20} {code:<34} peak RSS {peak} kB"));
        assert!(
            peak < 300_000,
            "{name}: peak RSS {peak} kB is not bounded by the model's size"
        );
    }
    // The legitimate external file beside them works, through tract too.
    let ok = cli_deadline(&["run", "--input", "x=ones", &models["external_ok"], "--json"]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    let v: serde_json::Value = serde_json::from_str(&ok.stdout).unwrap();
    assert_eq!(
        (
            v["outputs"][0]["min"].as_f64(),
            v["outputs"][0]["max"].as_f64()
        ),
        (Some(1.0), Some(4.0))
    );
}

fn leaf_graph() -> GraphProto {
    let mut g = GraphProto::new();
    g.name = "leaf".into();
    let mut n = NodeProto::new();
    n.op_type = "Identity".into();
    n.input = vec!["x".into()];
    n.output = vec!["y".into()];
    g.node.push(n);
    g
}

/// An If whose then-branch is an If whose then-branch is … `depth` levels.
fn nested_ifs(depth: usize) -> Vec<u8> {
    let mut g = leaf_graph();
    for d in 0..depth {
        let branch = |name: &str, body: GraphProto| {
            let mut a = AttributeProto::new();
            a.name = name.into();
            a.type_ = protobuf::EnumOrUnknown::from_i32(5);
            a.g = protobuf::MessageField::some(body);
            a
        };
        let mut n = NodeProto::new();
        n.op_type = "If".into();
        n.name = format!("if_{d}");
        n.input = vec!["c".into()];
        n.output = vec!["y".into()];
        n.attribute = vec![
            branch("then_branch", g),
            branch("else_branch", leaf_graph()),
        ];
        g = GraphProto::new();
        g.name = format!("level_{d}");
        g.node.push(n);
    }
    model_bytes(g)
}

/// `g` as the main graph of an IR 8, opset 17 model.
fn model_bytes(g: GraphProto) -> Vec<u8> {
    let mut m = ModelProto::new();
    m.ir_version = 8;
    let mut op = OperatorSetIdProto::new();
    op.version = 17;
    m.opset_import.push(op);
    m.graph = protobuf::MessageField::some(g);
    m.write_to_bytes().unwrap()
}

#[test]
fn deep_nesting_is_refused_or_handled_without_stack_overflow() {
    // Serialising 10k levels recurses in rust-protobuf itself: give that a big stack.
    let deep = std::thread::Builder::new()
        .stack_size(1 << 30)
        .spawn(|| nested_ifs(10_000))
        .unwrap()
        .join()
        .unwrap();
    let err = load_bytes("deep.onnx", &deep, None)
        .err()
        .expect("10k levels are refused");
    println!("10k nested subgraphs: {err}");
    assert!(err.to_string().contains("deep.onnx"));
    // Within protobuf's depth limit (100 messages; an If level nests node, attribute, graph),
    // every scope is indexed and checked.
    let model = load_bytes("ok.onnx", &nested_ifs(30), None).unwrap();
    assert_eq!(model.index.graphs.len(), 1 + 30 * 2);
    let report = onnx_lens::check::check_model(&model);
    assert!(
        report.errors > 0,
        "If without a declared cond input is reported, not crashed on"
    );
}

#[test]
fn a_million_nodes_load_and_check_in_bounded_memory() {
    let n = 1_000_000;
    let mut g = GraphProto::new();
    g.name = "chain".into();
    for i in 0..n {
        let mut node = NodeProto::new();
        node.op_type = "Relu".into();
        node.name = format!("n{i}");
        node.input = vec![if i == 0 {
            "x".into()
        } else {
            format!("v{}", i - 1)
        }];
        node.output = vec![format!("v{i}")];
        g.node.push(node);
    }
    let f32_tensor = |name: &str| {
        let mut v = onnx_protobuf::ValueInfoProto::new();
        v.name = name.into();
        let mut t = onnx_protobuf::TypeProto::new();
        let mut tt = onnx_protobuf::type_proto::Tensor::new();
        tt.elem_type = 1;
        // A main-graph input or output needs a shape (onnx's checker requires one): [1].
        let mut shape = onnx_protobuf::TensorShapeProto::new();
        let mut dim = onnx_protobuf::tensor_shape_proto::Dimension::new();
        dim.value = Some(onnx_protobuf::tensor_shape_proto::dimension::Value::DimValue(1));
        shape.dim.push(dim);
        tt.shape = protobuf::MessageField::some(shape);
        t.value = Some(onnx_protobuf::type_proto::Value::TensorType(tt));
        v.type_ = protobuf::MessageField::some(t);
        v
    };
    g.input.push(f32_tensor("x"));
    g.output.push(f32_tensor(&format!("v{}", n - 1)));
    let path: PathBuf = scratch("million").join("million.onnx");
    std::fs::write(&path, model_bytes(g)).unwrap();
    let size_kb = std::fs::metadata(&path).unwrap().len() / 1024;
    let t0 = Instant::now();
    let r = cli_deadline(&["check", "--json", path.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", &r.stdout[..r.stdout.len().min(500)]);
    report(&format!(
        "1M nodes ({size_kb} kB file): check in {:.1} s (debug build), peak RSS {} kB = {:.1}× the file",
        t0.elapsed().as_secs_f64(),
        r.peak_rss_kb,
        r.peak_rss_kb as f64 / size_kb as f64
    ));
    // The index and the protobuf objects are the price of a parsed graph; bound them.
    assert!(
        r.peak_rss_kb < 50 * size_kb,
        "peak RSS {} kB for a {size_kb} kB file",
        r.peak_rss_kb
    );
    assert!(load_path(Path::new(&path)).is_ok());
}

/// The bounded fuzz loop CI runs: ONNX_LENS_FUZZ_CASES cases (default 20,000) mutated from the
/// sample, the backend models and the axes fixtures, through load → index → check → info →
/// tensors, with shapes (tract) and layout on a share of them.
#[test]
fn fuzz_loop_finds_no_panics() {
    let cases: usize = std::env::var("ONNX_LENS_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    let seed: u64 = std::env::var("ONNX_LENS_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2026);
    let mut seeds =
        vec![
            std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/sample.onnx"))
                .unwrap(),
        ];
    seeds.extend(
        backend_model_paths()
            .iter()
            .map(|p| std::fs::read(p).unwrap()),
    );
    // In name order: a seed reproduces the same cases from run to run.
    let mut fixtures: Vec<&String> = crate::shapes::axes_fixtures().values().collect();
    fixtures.sort();
    seeds.extend(fixtures.into_iter().map(|p| std::fs::read(p).unwrap()));
    let crashes = scratch("fuzz_crashes");
    // Panics are caught and counted; keep their messages out of the test log.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() != Some("fuzz-loop") {
            default_hook(info);
        }
    }));
    let outcome = std::thread::Builder::new()
        .name("fuzz-loop".into())
        .stack_size(512 << 20)
        .spawn(move || {
            let mut m = Mutator::new(seed, seeds);
            let (mut loaded, mut panics, mut saved) = (0usize, Vec::new(), 0);
            let (mut totals, mut slowest) = (StageTimes::default(), Vec::new());
            let start = Instant::now();
            for i in 0..cases {
                let case = m.next_case();
                let depth = Depth {
                    shapes: i % 97 == 0,
                    layout: i % 41 == 0,
                };
                let mut times = StageTimes::default();
                let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    exercise(&case, depth, &mut times)
                }));
                totals.add(&times);
                slowest.push((times.total(), i, times));
                slowest.sort_by_key(|s| std::cmp::Reverse(s.0));
                slowest.truncate(5);
                match outcome {
                    Ok(Reached::Checked) => loaded += 1,
                    Ok(Reached::LoadError) => {}
                    Err(p) => {
                        if saved < 20 {
                            let f = crashes.join(format!("case_{i}.onnx"));
                            std::fs::write(&f, &case).unwrap();
                            saved += 1;
                        }
                        panics.push(format!("case {i}: {}", onnx_lens::jobs::panic_text(&p)));
                    }
                }
            }
            (loaded, panics, start.elapsed(), totals, slowest)
        })
        .unwrap()
        .join()
        .unwrap();
    let (loaded, panics, elapsed, totals, slowest) = outcome;
    report(&format!(
        "fuzz: {cases} cases (seed {seed}) in {:.1} s, {loaded} loaded and checked, {} panics",
        elapsed.as_secs_f64(),
        panics.len()
    ));
    let per_stage: Vec<String> = totals
        .stages()
        .iter()
        .map(|(name, t)| format!("{name} {:.1} s", t.as_secs_f64()))
        .collect();
    report(&format!("fuzz: time per stage: {}", per_stage.join(", ")));
    for (total, i, times) in &slowest {
        let (stage, t) = times.stages().into_iter().max_by_key(|s| s.1).unwrap();
        report(&format!(
            "fuzz: slow case {i}: {:.2} s, {:.2} s of it in {stage}",
            total.as_secs_f64(),
            t.as_secs_f64()
        ));
    }
    assert!(
        panics.is_empty(),
        "panics (inputs saved under fuzz_crashes/):\n{}",
        panics.join("\n")
    );
    assert!(
        loaded > cases / 10,
        "the mutator should keep many cases loadable, got {loaded}"
    );
}

/// Found by cargo-fuzz: an initializer that contradicts its graph input's declared shape made
/// tract read past the tensor's data and the process died of SIGSEGV. Now the validator names
/// it, and shapes and run refuse it with that reason.
#[test]
fn an_initializer_contradicting_its_input_is_refused_before_tract() {
    let manifest = invalid_models();
    let path = manifest["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "initializer-type-mismatch")
        .map(|c| c["path"].as_str().unwrap().to_string())
        .unwrap();
    let check = cli_deadline(&["check", &path, "--json"]);
    assert_eq!(check.code, 1);
    assert!(codes(&check.stdout).contains(&"initializer-type-mismatch".to_string()));
    for args in [vec!["shapes", &path], vec!["run", &path]] {
        let r = cli_deadline(&args);
        assert!(
            r.code == 0 || r.code == 1,
            "{args:?} ended by a signal or as unreadable: {} {}",
            r.code,
            r.stderr
        );
        assert!(
            format!("{}{}", r.stdout, r.stderr)
                .contains("is also a graph input, but its dims are [3]"),
            "{args:?}: {}{}",
            r.stdout,
            r.stderr
        );
    }
}

/// Found by cargo-fuzz: a constant shape of 4 billion elements made tract's analysis allocate
/// 16 GB. The node is named instead, in bounded memory.
#[test]
fn a_constant_of_16_gb_is_refused_in_bounded_memory() {
    let dir = scratch("hostile_constant");
    let models = run_py_json("make_hostile_models.py", &[dir.to_str().unwrap()]);
    let path = models["constant_of_shape_huge"].as_str().unwrap();
    let check = cli_deadline(&["check", path]);
    assert_eq!(check.code, 0, "a valid model: {}", check.stdout);
    for cmd in ["shapes", "run"] {
        let r = cli_deadline(&[cmd, path]);
        let said = format!("{}{}", r.stdout, r.stderr);
        assert!(
            said.contains(
                "ConstantOfShape `fill` would materialise a constant of shape [64, 32, 5, 393221]"
            ),
            "{cmd}: {said}"
        );
        println!(
            "constant_of_shape_huge {cmd}: peak RSS {} kB",
            r.peak_rss_kb
        );
        assert!(r.peak_rss_kb < 300_000, "{cmd}: {} kB", r.peak_rss_kb);
    }
}

/// Inputs tract crashes on instead of failing (BatchNormalization of a rank-1 input, OneHot with
/// an empty depth) or that make it size a dim list of 2^31 entries (a ConstantOfShape whose shape
/// input is declared int64[2147483648]): `shapes` and `run` name the node, exit normally, and stay
/// in bounded memory; `check` still gives the validator's verdict.
#[test]
fn models_that_crash_tract_are_refused_by_name() {
    let dir = scratch("hostile_tract_crashers");
    let models = run_py_json("make_hostile_models.py", &[dir.to_str().unwrap()]);
    for (name, node, why) in [
        ("batchnorm_rank_1", "bn", "takes an input of rank 1"),
        ("onehot_empty_depth", "onehot", "has an empty depth tensor"),
        (
            "constant_of_shape_rank_2_31",
            "fill",
            "takes a shape of 2147483648 dims",
        ),
    ] {
        let path = models[name].as_str().unwrap();
        let check = cli_deadline(&["check", path]);
        assert!(
            check.code == 0 || check.code == 1,
            "{name}: check {}",
            check.code
        );
        for cmd in ["shapes", "run"] {
            let r = cli_deadline(&[cmd, path]);
            let said = format!("{}{}", r.stdout, r.stderr);
            assert!(
                r.code == 0 || r.code == 1,
                "{name} {cmd}: exit {} {said}",
                r.code
            );
            assert!(
                said.contains(&format!("`{node}` {why}")),
                "{name} {cmd}: {said}"
            );
            report(&format!(
                "{name} {cmd}: refused, peak RSS {} kB",
                r.peak_rss_kb
            ));
            assert!(
                r.peak_rss_kb < 300_000,
                "{name} {cmd}: {} kB",
                r.peak_rss_kb
            );
        }
    }
}
