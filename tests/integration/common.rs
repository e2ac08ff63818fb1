//! Shared test plumbing: the Python interpreter that builds fixtures, and the CLI binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The Python with the `onnx` package: `$ONNX_LENS_PYTHON`, else `./.venv/bin/python`, else `python3`.
/// Tests that need it fail (they do not skip) when it is missing: CI installs it.
pub fn python() -> PathBuf {
    if let Ok(p) = std::env::var("ONNX_LENS_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    if venv.exists() {
        return venv;
    }
    PathBuf::from("python3")
}

/// Runs `tests/py/<script>` with `args`; panics with its stderr when it fails.
pub fn run_py(script: &str, args: &[&str]) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/py");
    let out = Command::new(python())
        .arg(dir.join(script))
        .args(args)
        .current_dir(&dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot start {:?}: {e}", python()));
    assert!(
        out.status.success(),
        "{script} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

pub fn run_py_json(script: &str, args: &[&str]) -> serde_json::Value {
    let s = run_py(script, args);
    serde_json::from_str(s.lines().last().unwrap_or(""))
        .unwrap_or_else(|e| panic!("{script}: bad JSON ({e}): {s}"))
}

/// A fresh scratch folder for one test.
pub fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// make_invalid_models.py's manifest (the invalid cases, the valid ones, the three-problem
/// model), written once per test run for every test that reads it.
pub fn invalid_models() -> &'static serde_json::Value {
    static MANIFEST: OnceLock<serde_json::Value> = OnceLock::new();
    MANIFEST.get_or_init(|| {
        let dir = scratch("invalid_models");
        run_py_json("make_invalid_models.py", &[dir.to_str().unwrap()])
    })
}

/// What the onnx package reports for every backend test model (computed once per test run).
pub fn backend_facts() -> &'static serde_json::Value {
    static FACTS: OnceLock<serde_json::Value> = OnceLock::new();
    FACTS.get_or_init(|| run_py_json("model_facts.py", &[]))
}

pub fn backend_model_paths() -> Vec<PathBuf> {
    backend_facts()["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| PathBuf::from(m["path"].as_str().unwrap()))
        .collect()
}

/// Runs the `onnx-lens` binary.
pub fn cli(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_onnx-lens"))
        .args(args)
        .output()
        .expect("run onnx-lens")
}

pub fn cli_json(args: &[&str]) -> (i32, serde_json::Value) {
    let out = cli(args);
    let code = out.status.code().unwrap_or(-1);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let v = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "onnx-lens {args:?} printed no JSON ({e}); stdout:\n{stdout}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (code, v)
}

/// A measurement line that reaches the CI log: libtest captures `println!`, not direct writes to
/// the stderr handle.
pub fn report(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}
