"""Saves every model of onnx's own operator test cases (onnx.backend.test.case.node: about 1,900
models, one or more per op and opset) with onnx.checker's full_check verdict on each, so the
validator can be held to the same verdicts on files nobody here wrote.

usage: make_node_cases.py OUT_DIR
Prints JSON (last line): {"models": [{"case", "path", "checker_rejects", "checker_message"}]}
"""
import contextlib
import io
import json
import os
import sys
import warnings

import onnx
from onnx.backend.test.case.node import collect_testcases

OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
warnings.filterwarnings("ignore")
with contextlib.redirect_stdout(io.StringIO()):
    cases = collect_testcases(None)
models = []
seen = set()
for c in cases:
    if c.name in seen or c.model is None:
        continue
    seen.add(c.name)
    path = os.path.join(OUT, c.name + ".onnx")
    onnx.save_model(c.model, path)
    try:
        onnx.checker.check_model(c.model, full_check=True)
        rejects, message = False, ""
    except Exception as e:  # ValidationError, or InferenceError under full_check
        rejects, message = True, str(e).splitlines()[0][:300]
    models.append({"case": c.name, "path": path, "checker_rejects": rejects, "checker_message": message})
print(json.dumps({"models": models}))
