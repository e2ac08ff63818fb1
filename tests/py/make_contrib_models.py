"""The com.microsoft ops onnxruntime's optimiser and quantizer write into models, one small model
per op and attribute variant, built with onnx.helper (onnxruntime runs each; it is the judge of
what they output, tests/py/ort_outputs.py): FusedConv with each activation and the sum input,
FusedGemm (three activations), FusedMatMul (alpha, transB), BiasGelu, FastGelu (with and without bias), SkipLayerNormalization
(with bias and the sum output, and with the mean output onnx-lens does not rewrite), Attention
(plain, with a 2-D key mask, causal, and with unequal Q/K/V sizes, which onnx-lens does not rewrite), EmbedLayerNormalization (with
segments and mask_index, and without segments),
QLinearAdd, QLinearMul, QLinearSigmoid, QLinearLeakyRelu, QLinearGlobalAveragePool; and
model-local functions (a Block with an attribute reference and its default, nested calls).

usage: make_contrib_models.py OUT_DIR
Writes OUT_DIR/<name>.onnx and OUT_DIR/<name>.X.npy (the one input, X); prints JSON {"models": [...]}.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from common import emit

OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(0)
MS = "com.microsoft"
names = []


def save(name, nodes, x, outputs, inits=(), in_type=TensorProto.FLOAT):
    graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info("X", in_type, list(x.shape))],
                              [helper.make_tensor_value_info(o, t, None) for o, t in outputs],
                              [numpy_helper.from_array(v, k) for k, v in inits])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid(MS, 1)])
    onnx.save(model, os.path.join(OUT, f"{name}.onnx"))
    np.save(os.path.join(OUT, f"{name}.X.npy"), x)
    names.append(name)


F = TensorProto.FLOAT
x4 = rng.standard_normal((1, 3, 8, 8)).astype(np.float32)
w = {"W": rng.standard_normal((4, 3, 3, 3)).astype(np.float32), "B": rng.standard_normal(4).astype(np.float32)}
for act, params in [("Relu", []), ("Sigmoid", []), ("Tanh", []), ("LeakyRelu", [0.2]), ("Clip", [-0.5, 0.7]),
                    ("HardSigmoid", [0.3, 0.4]), ("", [])]:
    attrs = dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1])
    if act:
        attrs["activation"] = act
    if params:
        attrs["activation_params"] = params
    node = helper.make_node("FusedConv", ["X", "W", "B"], ["Y"], domain=MS, **attrs)
    save(f"fused_conv_{act.lower() or 'none'}", [node], x4, [("Y", F)], w.items())
z = {"Z": rng.standard_normal((1, 4, 8, 8)).astype(np.float32)}
node = helper.make_node("FusedConv", ["X", "W", "B", "Z"], ["Y"], domain=MS, kernel_shape=[3, 3],
                        pads=[1, 1, 1, 1], activation="Relu")
save("fused_conv_relu_sum", [node], x4, [("Y", F)], list(w.items()) + list(z.items()))

x2 = rng.standard_normal((3, 6)).astype(np.float32)
gw = {"gw": rng.standard_normal((6, 5)).astype(np.float32), "gb": rng.standard_normal(5).astype(np.float32)}
for act, attrs in [("Relu", {}), ("LeakyRelu", {"activation_alpha": 0.2}), ("Tanh", {})]:
    node = helper.make_node("FusedGemm", ["X", "gw", "gb"], ["Y"], domain=MS, activation=act, **attrs)
    save(f"fused_gemm_{act.lower()}", [node], x2, [("Y", F)], gw.items())

x3 = rng.standard_normal((2, 5, 6)).astype(np.float32)
wm = {"Wm": rng.standard_normal((7, 6)).astype(np.float32)}
save("fused_matmul_transb_alpha",
     [helper.make_node("FusedMatMul", ["X", "Wm"], ["Y"], domain=MS, alpha=0.5, transB=1)], x3, [("Y", F)], wm.items())
save("fused_matmul_plain",
     [helper.make_node("FusedMatMul", ["X", "Wt"], ["Y"], domain=MS)], x3, [("Y", F)],
     {"Wt": rng.standard_normal((6, 7)).astype(np.float32)}.items())

bias = {"bias": rng.standard_normal(6).astype(np.float32)}
save("bias_gelu", [helper.make_node("BiasGelu", ["X", "bias"], ["Y"], domain=MS)], x3, [("Y", F)], bias.items())
save("fast_gelu_bias", [helper.make_node("FastGelu", ["X", "bias"], ["Y"], domain=MS)], x3, [("Y", F)], bias.items())
save("fast_gelu", [helper.make_node("FastGelu", ["X"], ["Y"], domain=MS)], x3, [("Y", F)])

ln = {"skip": rng.standard_normal((2, 5, 6)).astype(np.float32), "gamma": rng.standard_normal(6).astype(np.float32),
      "beta": rng.standard_normal(6).astype(np.float32), "lbias": rng.standard_normal(6).astype(np.float32)}
save("skip_layer_norm_bias_sum",
     [helper.make_node("SkipLayerNormalization", ["X", "skip", "gamma", "beta", "lbias"], ["Y", "", "", "S"],
                       domain=MS, epsilon=1e-5)], x3, [("Y", F), ("S", F)], ln.items())
save("skip_layer_norm",
     [helper.make_node("SkipLayerNormalization", ["X", "skip", "gamma", "beta"], ["Y"], domain=MS, epsilon=1e-5)],
     x3, [("Y", F)], [(k, ln[k]) for k in ["skip", "gamma", "beta"]])
save("skip_layer_norm_mean_output",
     [helper.make_node("SkipLayerNormalization", ["X", "skip", "gamma", "beta"], ["Y", "M"], domain=MS, epsilon=1e-5)],
     x3, [("Y", F), ("M", F)], [(k, ln[k]) for k in ["skip", "gamma", "beta"]])

hid, heads = 8, 2
att = {"aw": rng.standard_normal((hid, 3 * hid)).astype(np.float32) * 0.5,
       "ab": rng.standard_normal(3 * hid).astype(np.float32) * 0.1,
       "mask": np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], np.int32)}
xa = rng.standard_normal((2, 5, hid)).astype(np.float32)
save("attention", [helper.make_node("Attention", ["X", "aw", "ab"], ["Y"], domain=MS, num_heads=heads)],
     xa, [("Y", F)], [(k, att[k]) for k in ["aw", "ab"]])
save("attention_mask", [helper.make_node("Attention", ["X", "aw", "ab", "mask"], ["Y"], domain=MS, num_heads=heads)],
     xa, [("Y", F)], att.items())
save("attention_unidirectional",
     [helper.make_node("Attention", ["X", "aw", "ab"], ["Y"], domain=MS, num_heads=heads, unidirectional=1)],
     xa, [("Y", F)], [(k, att[k]) for k in ["aw", "ab"]])
uneq = {"uw": rng.standard_normal((hid, 2 * hid + 4)).astype(np.float32) * 0.5,
        "ub": rng.standard_normal(2 * hid + 4).astype(np.float32) * 0.1}
save("attention_unequal_qkv",
     [helper.make_node("Attention", ["X", "uw", "ub"], ["Y"], domain=MS, num_heads=heads,
                       qkv_hidden_sizes=[hid, hid, 4])], xa, [("Y", F)], uneq.items())

V, P, H = 30, 16, 8
emb = {"word": rng.standard_normal((V, H)).astype(np.float32), "pos": rng.standard_normal((P, H)).astype(np.float32),
       "seg": rng.standard_normal((2, H)).astype(np.float32), "eg": rng.standard_normal(H).astype(np.float32),
       "eb": rng.standard_normal(H).astype(np.float32),
       "segids": np.array([[0, 0, 1, 1, 1, 0], [0, 1, 1, 1, 0, 0]], np.int32),
       "emask": np.array([[1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1]], np.int32)}
ids = rng.integers(0, V, (2, 6)).astype(np.int32)
I32 = TensorProto.INT32
save("embed_layer_norm",
     [helper.make_node("EmbedLayerNormalization", ["X", "segids", "word", "pos", "seg", "eg", "eb", "emask"],
                       ["Y", "mask_index"], domain=MS, epsilon=1e-5)],
     ids, [("Y", F), ("mask_index", I32)], emb.items(), I32)
save("embed_layer_norm_no_segment",
     [helper.make_node("EmbedLayerNormalization", ["X", "", "word", "pos", "", "eg", "eb"], ["Y", "unread_mask_index"],
                       domain=MS, epsilon=1e-5)],
     ids, [("Y", F)], [(k, emb[k]) for k in ["word", "pos", "eg", "eb"]], I32)

# Model-local functions (as onnxscript writes them): a Block with an attribute reference and a
# default, called with and without the attribute, and an Outer function calling Block twice.
leaky = helper.make_node("LeakyRelu", ["h"], ["y"])
ref = onnx.AttributeProto()
ref.name, ref.ref_attr_name, ref.type = "alpha", "alpha", onnx.AttributeProto.FLOAT
leaky.attribute.append(ref)
block = helper.make_function(
    "local", "Block", ["x", "w", "b"], ["y"],
    [helper.make_node("MatMul", ["x", "w"], ["m"]), helper.make_node("Add", ["m", "b"], ["h"]), leaky],
    [helper.make_opsetid("", 17)], attributes=[],
    attribute_protos=[helper.make_attribute("alpha", 0.3)])
outer = helper.make_function(
    "local", "Outer", ["x", "w", "b"], ["y"],
    [helper.make_node("Block", ["x", "w", "b"], ["t"], domain="local", alpha=0.05),
     helper.make_node("Block", ["t", "w", "b"], ["y"], domain="local")],
    [helper.make_opsetid("", 17), helper.make_opsetid("local", 1)])
fw = {"fw": rng.standard_normal((6, 6)).astype(np.float32), "fb": rng.standard_normal(6).astype(np.float32)}
for name, calls in [
    ("local_function", [helper.make_node("Block", ["X", "fw", "fb"], ["t"], domain="local", alpha=0.2),
                        helper.make_node("Block", ["t", "fw", "fb"], ["Y"], domain="local")]),
    ("local_function_nested", [helper.make_node("Outer", ["X", "fw", "fb"], ["Y"], domain="local")]),
]:
    graph = helper.make_graph(calls, name, [helper.make_tensor_value_info("X", F, [3, 6])],
                              [helper.make_tensor_value_info("Y", F, [3, 6])],
                              [numpy_helper.from_array(v, k) for k, v in fw.items()])
    model = helper.make_model(graph, functions=[block, outer],
                              opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("local", 1)])
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, os.path.join(OUT, f"{name}.onnx"))
    np.save(os.path.join(OUT, f"{name}.X.npy"), rng.standard_normal((3, 6)).astype(np.float32))
    names.append(name)

U8 = TensorProto.UINT8
xq = rng.integers(0, 255, (1, 4, 6, 6), dtype=np.uint8)
q = {"xs": np.array(0.05, np.float32), "xz": np.array(128, np.uint8), "bq": rng.integers(0, 255, (1, 4, 6, 6), dtype=np.uint8),
     "bs": np.array(0.03, np.float32), "bz": np.array(100, np.uint8), "ys": np.array(0.08, np.float32),
     "yz": np.array(120, np.uint8)}
for op in ["QLinearAdd", "QLinearMul"]:
    save(op.lower(), [helper.make_node(op, ["X", "xs", "xz", "bq", "bs", "bz", "ys", "yz"], ["Y"], domain=MS)],
         xq, [("Y", U8)], q.items(), U8)
for op, attrs in [("QLinearSigmoid", {}), ("QLinearLeakyRelu", {"alpha": 0.1}), ("QLinearGlobalAveragePool", {})]:
    save(op.lower(), [helper.make_node(op, ["X", "xs", "xz", "ys", "yz"], ["Y"], domain=MS, **attrs)],
         xq, [("Y", U8)], [(k, q[k]) for k in ["xs", "xz", "ys", "yz"]], U8)

emit({"models": names})
