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


def operator_test_models():
    """(name, model) for every case of onnx's operator tests (onnx.backend.test.case.node),
    each name once, in onnx's order."""
    import contextlib
    import io
    import warnings

    from onnx.backend.test.case.node import collect_testcases

    warnings.filterwarnings("ignore")
    with contextlib.redirect_stdout(io.StringIO()):
        cases = collect_testcases(None)
    seen = set()
    for c in cases:
        if c.name in seen or c.model is None:
            continue
        seen.add(c.name)
        yield c.name, c.model


def checker_verdict(model):
    """onnx.checker.check_model(full_check=True) on a model or a path: (rejects, first line)."""
    try:
        onnx.checker.check_model(model, full_check=True)
        return False, ""
    except Exception as e:  # ValidationError, or InferenceError under full_check
        return True, str(e).splitlines()[0][:300]


def emit(obj):
    json.dump(obj, sys.stdout)
    sys.stdout.write("\n")


def random_images_reader(shape=(1, 3, 96, 96), batches=4):
    """onnxruntime.quantization calibration data: seeded uniform images for the sample's input."""
    import numpy as np
    from onnxruntime.quantization import CalibrationDataReader

    class RandomImages(CalibrationDataReader):
        def __init__(self):
            rng = np.random.default_rng(0)
            self.batches = iter([{"input": rng.random(shape, dtype=np.float32)} for _ in range(batches)])

        def get_next(self):
            return next(self.batches, None)

    return RandomImages()
