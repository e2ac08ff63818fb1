"""Helpers shared by the fixture scripts."""
import json
import os
import sys

import onnx


def backend_data_dir():
    """The backend test models that ship inside the onnx wheel."""
    return os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data")


def backend_models():
    """Every model file of the wheel's backend test data, sorted."""
    root = backend_data_dir()
    found = []
    for dirpath, _, files in os.walk(root):
        for f in files:
            if f.endswith(".onnx"):
                found.append(os.path.join(dirpath, f))
    return sorted(found)


def emit(obj):
    json.dump(obj, sys.stdout)
    sys.stdout.write("\n")
