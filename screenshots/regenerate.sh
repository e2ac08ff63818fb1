#!/usr/bin/env bash
# Regenerates screenshots/*.png: real renders of the app's window (egui_kittest + wgpu, software
# Vulkan via Mesa's lavapipe), driven like a user would: drop a model, click, open a tensor.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --test integration regenerate_screenshots -- --ignored --nocapture
ls -la screenshots/*.png
