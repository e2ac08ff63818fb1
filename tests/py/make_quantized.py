"""The sample model statically quantized by onnxruntime.quantization (QDQ, uint8 activations,
int8 weights, calibrated on random images), an input, and onnxruntime's output on it.

usage: make_quantized.py OUT_DIR
Prints JSON (last line): {"model", "input", "reference"} (paths; the reference is a .npy)
"""
import json
import logging
import os
import sys

import numpy as np
import onnxruntime as ort
from onnxruntime.quantization import QuantFormat, QuantType, quantize_static

from common import random_images_reader

logging.disable(logging.WARNING)
OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
SAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "assets", "sample.onnx")


model = os.path.join(OUT, "sample_qdq.onnx")
quantize_static(SAMPLE, model, random_images_reader(), quant_format=QuantFormat.QDQ,
                activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
x = np.random.default_rng(1).random((1, 3, 96, 96), dtype=np.float32)
inp, ref = os.path.join(OUT, "input.npy"), os.path.join(OUT, "reference.npy")
np.save(inp, x)
np.save(ref, ort.InferenceSession(model, providers=["CPUExecutionProvider"]).run(None, {"input": x})[0])
print(json.dumps({"model": model, "input": inp, "reference": ref}))
