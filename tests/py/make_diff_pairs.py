"""Model pairs as deployment pipelines make them, from the sample (assets/sample.onnx), for
`onnx-lens diff`: its fp16 conversion (onnxruntime.transformers.float16, onnxconverter-common's
converter, inputs and outputs kept float), its dynamic and static (QDQ) quantization
(onnxruntime.quantization), onnxruntime's basic graph optimisation (BatchNormalization folded
into Conv), onnx.version_converter's opset 21 upgrade, a re-export with one layer changed (the
Gemm's alpha), and one with a deliberately broken weight (one output channel of the second
Conv zeroed).

usage: make_diff_pairs.py OUT_DIR
Prints JSON {"sample": path, "pairs": {name: path}, "changed_node": ..., "broken_node": ...}.
"""
import logging
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper, version_converter
from onnxruntime.quantization import (QuantFormat, QuantType,
                                      quantize_dynamic, quantize_static)
from onnxruntime.transformers.float16 import convert_float_to_float16

from common import emit, random_images_reader

logging.disable(logging.WARNING)
OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
SAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "assets", "sample.onnx")
base = onnx.load(SAMPLE)
pairs = {}


def save(name, model):
    path = os.path.join(OUT, f"{name}.onnx")
    onnx.save(model, path)
    pairs[name] = path


save("fp16", convert_float_to_float16(base, keep_io_types=True))

dynamic = os.path.join(OUT, "dynamic_quant.onnx")
quantize_dynamic(SAMPLE, dynamic, weight_type=QuantType.QInt8)
pairs["dynamic_quant"] = dynamic


static = os.path.join(OUT, "static_qdq.onnx")
quantize_static(SAMPLE, static, random_images_reader(), quant_format=QuantFormat.QDQ,
                activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
pairs["static_qdq"] = static

opts = ort.SessionOptions()
opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
opts.optimized_model_filepath = os.path.join(OUT, "ort_basic.onnx")
ort.InferenceSession(SAMPLE, opts, providers=["CPUExecutionProvider"])
pairs["ort_basic"] = opts.optimized_model_filepath

save("opset21", version_converter.convert_version(base, 21))

changed = onnx.load(SAMPLE)
gemm = next(n for n in changed.graph.node if n.op_type == "Gemm")
for a in gemm.attribute:
    if a.name == "alpha":
        a.f = 0.5
        break
else:
    gemm.attribute.append(onnx.helper.make_attribute("alpha", 0.5))
save("one_layer_changed", changed)

broken = onnx.load(SAMPLE)
conv = [n for n in broken.graph.node if n.op_type == "Conv"][1]
weights = {t.name: t for t in broken.graph.initializer}
w = numpy_helper.to_array(weights[conv.input[1]]).copy()
w[0] = 0.0
weights[conv.input[1]].CopyFrom(numpy_helper.from_array(w, conv.input[1]))
save("broken_weight", broken)

emit({"sample": os.path.abspath(SAMPLE), "pairs": pairs, "changed_node": gemm.name,
      "broken_node": conv.name})
