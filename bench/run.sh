#!/usr/bin/env bash
# One command: build release, generate the benchmark models (cached in $BENCH_MODELS, default
# /tmp/onnx-lens-bench), measure, write bench/results.md. Needs the test venv (.venv, see README).
set -euo pipefail
cd "$(dirname "$0")/.."
models="${BENCH_MODELS:-/tmp/onnx-lens-bench}"
cargo build --release
.venv/bin/python bench/make_models.py "$models"
.venv/bin/python bench/bench.py "$models" "${CARGO_TARGET_DIR:-target}/release/onnx-lens" "$@"
