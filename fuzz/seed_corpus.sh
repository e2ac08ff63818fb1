#!/usr/bin/env bash
# Seeds fuzz/corpus with the sample, the onnx wheel's backend models and the test fixtures.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p fuzz/corpus
cp assets/sample.onnx fuzz/corpus/
data=$(.venv/bin/python -c "import onnx, os; print(os.path.join(os.path.dirname(onnx.__file__), 'backend/test/data'))")
# light/ holds the models as flat files; the other folders hold one model.onnx per test.
for m in "$data/light"/*.onnx; do cp "$m" "fuzz/corpus/"; done
for d in pytorch-converted pytorch-operator simple; do
  for m in "$data/$d"/*/model.onnx; do cp "$m" "fuzz/corpus/$d-$(basename "$(dirname "$m")").onnx"; done
done
.venv/bin/python tests/py/make_axes_models.py fuzz/corpus >/dev/null
ls fuzz/corpus | wc -l
