"""Models for the tutorial run flow: a MobileNetV2 1.0 (torchvision's layers, random weights,
batch `N`, input `input` N×3×224×224) and a BERT-like encoder layer with the three inputs
tokenizers produce (`input_ids`, `attention_mask`, `token_type_ids`) over a character-level
vocabulary of 7 rows, so that random ids beyond the table would fail. A labels file with one
name per MobileNet class. An NHWC Identity with any height and width (the photo as decoded); a Relu fixed at batch 1.

usage: make_tutorial_models.py OUT_DIR
Prints JSON (last line): {"fixed_b1", "identity_nhwc", "mobilenet", "bert_like", "labels", "vocab"}
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from common import emit
from make_cost_models import Builder, mobilenet_v2

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(3)

b = Builder(None, rng=rng)
x = helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, 224, 224])
y = mobilenet_v2(b, "input")
mobilenet = os.path.join(out, "mobilenet_v2.onnx")
b.save(mobilenet, [x], [helper.make_tensor_value_info(y, TensorProto.FLOAT, ["N", 1000])])
labels = os.path.join(out, "labels.txt")
with open(labels, "w") as f:
    f.write("".join(f"class-{i:04d}\n" for i in range(1000)))

vocab, hidden = 7, 8
w = lambda *s: rng.standard_normal(s).astype(np.float32)
inits = [numpy_helper.from_array(w(vocab, hidden), "word_embeddings"),
         numpy_helper.from_array(w(2, hidden), "token_type_embeddings"),
         numpy_helper.from_array(w(hidden, hidden), "dense.weight"),
         numpy_helper.from_array(np.array([2], np.int64), "axes")]
nodes = [
    helper.make_node("Gather", ["word_embeddings", "input_ids"], ["words"], name="/embeddings/word/Gather"),
    helper.make_node("Gather", ["token_type_embeddings", "token_type_ids"], ["types"],
                     name="/embeddings/token_type/Gather"),
    helper.make_node("Add", ["words", "types"], ["emb"], name="/embeddings/Add"),
    helper.make_node("Cast", ["attention_mask"], ["mask_f"], name="/mask/Cast", to=TensorProto.FLOAT),
    helper.make_node("Unsqueeze", ["mask_f", "axes"], ["mask3"], name="/mask/Unsqueeze"),
    helper.make_node("Mul", ["emb", "mask3"], ["masked"], name="/mask/Mul"),
    helper.make_node("MatMul", ["masked", "dense.weight"], ["dense"], name="/dense/MatMul"),
    helper.make_node("Tanh", ["dense"], ["last_hidden_state"], name="/act/Tanh"),
]
ints = lambda n: helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "sequence"])
graph = helper.make_graph(nodes, "bert_like", [ints("input_ids"), ints("attention_mask"),
                                               ints("token_type_ids")],
                          [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT,
                                                         ["batch", "sequence", hidden])], inits)
bert_like = os.path.join(out, "bert_like.onnx")
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), bert_like)
# Feeds its input through: what a run dumps is then the decoded photo itself.
nhwc = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, "h", "w", 3])
identity = os.path.join(out, "identity_nhwc.onnx")
onnx.save(helper.make_model(
    helper.make_graph([helper.make_node("Identity", ["x"], ["y"], name="/Identity")], "identity",
                      [nhwc], [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, "h", "w", 3])]),
    opset_imports=[helper.make_opsetid("", 17)]), identity)
# Every dim fixed, batch 1: the Run tab has no batch to offer and says why.
fixed = os.path.join(out, "fixed_b1.onnx")
onnx.save(helper.make_model(
    helper.make_graph([helper.make_node("Relu", ["x"], ["y"], name="/Relu")], "fixed",
                      [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                      [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])]),
    opset_imports=[helper.make_opsetid("", 17)]), fixed)
emit({"fixed_b1": fixed, "identity_nhwc": identity, "mobilenet": mobilenet, "bert_like": bert_like, "labels": labels, "vocab": vocab})
