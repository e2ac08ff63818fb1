"""Saves every model of onnx's own operator test cases (onnx.backend.test.case.node: about 1,900
models, one or more per op and opset) with onnx.checker's full_check verdict on each, so the
validator can be held to the same verdicts on files nobody here wrote.

usage: make_node_cases.py OUT_DIR
Prints JSON (last line): {"models": [{"case", "path", "checker_rejects", "checker_message"}]}
"""
import os
import sys

import onnx

from common import checker_verdict, emit, operator_test_models

OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
models = []
for name, model in operator_test_models():
    path = os.path.join(OUT, name + ".onnx")
    onnx.save_model(model, path)
    rejects, message = checker_verdict(model)
    models.append({"case": name, "path": path, "checker_rejects": rejects, "checker_message": message})
emit({"models": models})
