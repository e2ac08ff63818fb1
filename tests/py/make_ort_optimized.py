"""What onnxruntime's tools write, for onnx-lens to run (src/tract/lower.rs): a small BERT (2
layers, hidden 32, 4 heads, the layer pattern torch exports: see make_cost_models.bert_base) with
random weights and what onnxruntime's transformer optimiser makes of it
(onnxruntime.transformers.optimizer, model_type "bert"); the sample quantized statically in the
QOperator format (QLinearConv, QLinearAdd, QLinearGlobalAveragePool, QGemm, QLinearSoftmax) and
dynamically (ConvInteger, MatMulInteger); MatMuls quantized to 4-bit blocks by onnxruntime's
MatMulNBitsQuantizer (MatMulNBits: asymmetric, symmetric, K not a multiple of the block).

usage: make_ort_optimized.py OUT_DIR
Writes OUT_DIR/bert_tiny.onnx, bert_tiny_optimized.onnx, sample_qoperator.onnx,
sample_dynamic_quant.onnx and their .X.npy inputs; prints JSON {"models": [paths],
"contrib_ops": [com.microsoft op types in the optimised BERT], "qoperator_ops": [...]}.
"""
import logging
import os
import shutil
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper
from onnx import numpy_helper
from onnxruntime.quantization import QuantFormat, QuantType, quantize_dynamic, quantize_static
from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer
from onnxruntime.transformers import optimizer

from common import emit, random_images_reader
from make_cost_models import Builder, bert_base

logging.disable(logging.WARNING)
OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
HIDDEN, HEADS, VOCAB = 32, 4, 100
b = Builder("unused", rng=np.random.default_rng(0))
ids = helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "sequence"])
h, pooled = bert_base(b, "input_ids", hidden=HIDDEN, heads=HEADS, ffn=64, layers=2, vocab=VOCAB)
plain = os.path.join(OUT, "bert_tiny.onnx")
b.save(plain, [ids], [helper.make_tensor_value_info(h, TensorProto.FLOAT, ["batch", "sequence", HIDDEN]),
                      helper.make_tensor_value_info(pooled, TensorProto.FLOAT, ["batch", HIDDEN])])
opt = optimizer.optimize_model(plain, model_type="bert", num_heads=HEADS, hidden_size=HIDDEN, opt_level=0)
optimised = os.path.join(OUT, "bert_tiny_optimized.onnx")
opt.save_model_to_file(optimised)
x = np.random.default_rng(1).integers(0, VOCAB, (2, 8)).astype(np.int64)
for p in [plain, optimised]:
    np.save(p.replace(".onnx", ".X.npy"), x)
contrib = sorted({n.op_type for n in onnx.load(optimised).graph.node if n.domain == "com.microsoft"})

SAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "assets", "sample.onnx")
qop = os.path.join(OUT, "sample_qoperator.onnx")
quantize_static(SAMPLE, qop, random_images_reader(), quant_format=QuantFormat.QOperator,
                activation_type=QuantType.QUInt8, weight_type=QuantType.QUInt8)
dyn = os.path.join(OUT, "sample_dynamic_quant.onnx")
quantize_dynamic(SAMPLE, dyn, weight_type=QuantType.QInt8)
image = np.random.default_rng(1).random((1, 3, 96, 96), dtype=np.float32)
for p in [qop, dyn]:
    np.save(p.replace(".onnx", ".X.npy"), image)
qoperator = sorted({n.op_type for n in onnx.load(qop).graph.node if n.domain == "com.microsoft"})

nbits = []
for name, k, symmetric in [("matmul_4bit", 64, False), ("matmul_4bit_symmetric", 64, True),
                           ("matmul_4bit_ragged_k", 40, False)]:
    rng = np.random.default_rng(2)
    w = rng.standard_normal((k, 48)).astype(np.float32)
    graph = helper.make_graph([helper.make_node("MatMul", ["X", "W"], ["Y"], name="mm")], name,
                              [helper.make_tensor_value_info("X", TensorProto.FLOAT, [2, k])],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [2, 48])],
                              [numpy_helper.from_array(w, "W")])
    q = MatMulNBitsQuantizer(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
                             block_size=32, is_symmetric=symmetric)
    q.process()
    path = os.path.join(OUT, f"{name}.onnx")
    onnx.save(q.model.model, path)
    assert [n.op_type for n in onnx.load(path).graph.node] == ["MatMulNBits"]
    np.save(path.replace(".onnx", ".X.npy"), rng.standard_normal((2, k)).astype(np.float32))
    nbits.append(path)
emit({"models": [plain, optimised, qop, dyn] + nbits, "contrib_ops": contrib, "qoperator_ops": qoperator})
