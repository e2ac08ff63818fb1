"""A small BERT (2 layers, hidden 32, 4 heads, the layer pattern torch exports: see
make_cost_models.bert_base) with random weights, and what onnxruntime's transformer optimiser
makes of it (onnxruntime.transformers.optimizer, model_type "bert"): the contrib ops it fuses
the layers into are what onnx-lens must run (src/tract/lower.rs).

usage: make_ort_optimized.py OUT_DIR
Writes OUT_DIR/bert_tiny.onnx, OUT_DIR/bert_tiny_optimized.onnx and their .X.npy inputs (token
ids); prints JSON {"models": [paths], "contrib_ops": [op types of com.microsoft in the optimised one]}.
"""
import logging
import os
import shutil
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper
from onnxruntime.transformers import optimizer

from common import emit
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
emit({"models": [plain, optimised], "contrib_ops": contrib})
