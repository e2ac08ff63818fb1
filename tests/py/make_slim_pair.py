"""The sample simplified by onnxslim, for `onnx-lens diff` (onnxslim is not in the test venv: run
this by hand, commit its output):

    python -m venv /tmp/slim && /tmp/slim/bin/pip install onnxslim
    /tmp/slim/bin/python tests/py/make_slim_pair.py tests/models/pairs/sample_onnxslim.onnx
"""
import os
import sys

import onnxslim

SAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "assets", "sample.onnx")
onnxslim.slim(SAMPLE, sys.argv[1])
print(sys.argv[1])
