#![allow(dead_code)] // each bench uses its own subset
//! Benchmark models: the committed sample and plain N-node graphs generated once by
//! tests/py/make_large.py (cached under the system temp folder).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub fn sample() -> PathBuf {
    root().join("assets/sample.onnx")
}

/// A plain graph of about `nodes` nodes (needs the test venv, see README).
pub fn large(nodes: usize) -> PathBuf {
    let dir = std::env::temp_dir().join("onnx-lens-bench");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("large_{nodes}.onnx"));
    if !path.exists() {
        let status = Command::new(root().join(".venv/bin/python"))
            .arg(root().join("tests/py/make_large.py"))
            .arg(&path)
            .arg(nodes.to_string())
            .stdout(Stdio::null())
            .status()
            .expect("run .venv/bin/python (create the test venv first, see README)");
        assert!(status.success(), "make_large.py failed");
    }
    path
}
