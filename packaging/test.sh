#!/usr/bin/env bash
# Builds what users install and checks it: the headless Python wheel (maturin) installed into a
# fresh venv runs `onnx-lens check` on the sample, and the .deb (cargo-deb) holds the binary, the
# desktop entry, the icon and the MIME type. Run by .ci/run after the tests; needs the test venv.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The wheel: maturin from PyPI into the test venv, the binary built without the GUI.
.venv/bin/pip install -q maturin
(cd packaging/headless && ../../.venv/bin/maturin build --release --quiet --out "$work/wheels")
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q "$work"/wheels/*.whl
installed="$work/venv/bin/onnx-lens"
[ "$("$installed" --version)" = "onnx-lens $(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)" ]
"$installed" check assets/sample.onnx
echo "wheel: $(basename "$work"/wheels/*.whl) installs onnx-lens, which checks the sample"

# The .deb: cargo-deb from crates.io, the release binary with the GUI.
command -v cargo-deb >/dev/null || cargo install cargo-deb --locked --quiet
cargo deb --quiet --output "$work/onnx-lens.deb"
dpkg-deb -c "$work/onnx-lens.deb" | awk '{print $6}' | grep -v '/$' | sort > "$work/files"
cat > "$work/expected" <<'LIST'
./usr/bin/onnx-lens
./usr/share/applications/onnx-lens.desktop
./usr/share/doc/onnx-lens/README.md
./usr/share/doc/onnx-lens/copyright
./usr/share/icons/hicolor/scalable/apps/onnx-lens.svg
./usr/share/mime/packages/onnx-lens.xml
LIST
if ! diff -u "$work/expected" "$work/files"; then
  echo "the .deb holds other files than expected" >&2
  exit 1
fi
dpkg-deb -f "$work/onnx-lens.deb" Package Depends
echo "deb: $(dpkg-deb -f "$work/onnx-lens.deb" Package) $(dpkg-deb -f "$work/onnx-lens.deb" Version) holds exactly the expected files"
