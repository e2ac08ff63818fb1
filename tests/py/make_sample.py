"""Builds assets/sample.onnx: a small MobileNetV2-style classifier (inverted residual blocks,
depthwise convolutions, ReLU6 as Clip, residual Adds, global pooling, Gemm, Softmax) with a
dynamic batch axis and inferred shapes on every edge. Random weights, fixed seed.

usage: make_sample.py OUT_PATH [--width-mult F] [--blocks N]
"""
import argparse

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("--blocks", type=int, default=7)
ap.add_argument("--base", type=int, default=16)
ap.add_argument("--size", type=int, default=96)
args = ap.parse_args()

rng = np.random.default_rng(0)
nodes, inits = [], []
counter = {"n": 0}


def name(prefix):
    counter["n"] += 1
    return f"{prefix}_{counter['n']}"


def weight(shape, prefix):
    fan_in = int(np.prod(shape[1:]))
    t = numpy_helper.from_array((rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32), name(prefix))
    inits.append(t)
    return t.name


def const(values, prefix, dtype=np.float32):
    t = numpy_helper.from_array(np.array(values, dtype=dtype), name(prefix))
    inits.append(t)
    return t.name


def conv(x, cin, cout, k, stride=1, group=1):
    w = weight([cout, cin // group, k, k], "conv.weight")
    b = const(np.zeros(cout), "conv.bias")
    y = name("conv")
    nodes.append(helper.make_node("Conv", [x, w, b], [y], name=name("Conv"), kernel_shape=[k, k],
                                  strides=[stride, stride], pads=[k // 2] * 4, group=group))
    return y


def relu6(x):
    y = name("relu6")
    lo, hi = const(0.0, "min"), const(6.0, "max")
    nodes.append(helper.make_node("Clip", [x, lo, hi], [y], name=name("Clip")))
    return y


def bn(x, c):
    y = name("bn")
    scale, bias = const(np.ones(c), "bn.scale"), const(np.zeros(c), "bn.bias")
    mean, var = const(np.zeros(c), "bn.mean"), const(np.ones(c), "bn.var")
    nodes.append(helper.make_node("BatchNormalization", [x, scale, bias, mean, var], [y], name=name("BatchNormalization")))
    return y


def inverted_residual(x, cin, cout, stride, expand=4):
    hidden = cin * expand
    h = relu6(conv(x, cin, hidden, 1))
    h = relu6(bn(conv(h, hidden, hidden, 3, stride, group=hidden), hidden))
    h = conv(h, hidden, cout, 1)
    if stride == 1 and cin == cout:
        y = name("add")
        nodes.append(helper.make_node("Add", [x, h], [y], name=name("Add")))
        return y
    return h


x = relu6(conv("input", 3, args.base, 3, 2))
channels = args.base
plan = [(args.base, 1), (24, 2), (24, 1), (32, 2), (32, 1), (32, 1), (64, 2), (64, 1), (96, 1), (96, 1)]
for cout, stride in plan[: args.blocks]:
    x = inverted_residual(x, channels, cout, stride)
    channels = cout
x = relu6(conv(x, channels, 128, 1))
pooled = name("pool")
nodes.append(helper.make_node("GlobalAveragePool", [x], [pooled], name="GlobalAveragePool"))
flat = name("flatten")
nodes.append(helper.make_node("Flatten", [pooled], [flat], name="Flatten", axis=1))
fc_w = weight([10, 128], "fc.weight")
fc_b = const(np.zeros(10), "fc.bias")
logits = name("logits")
nodes.append(helper.make_node("Gemm", [flat, fc_w, fc_b], [logits], name="Gemm", transB=1))
nodes.append(helper.make_node("Softmax", [logits], ["probabilities"], name="Softmax", axis=1))

graph = helper.make_graph(
    nodes, "mobilenet_v2_small",
    [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch_size", 3, args.size, args.size])],
    [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch_size", 10])],
    initializer=inits,
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="onnx-lens sample")
helper.set_model_props(model, {"description": "MobileNetV2-style sample, random weights"})
model = onnx.shape_inference.infer_shapes(model, strict_mode=True)
onnx.checker.check_model(model, full_check=True)
onnx.save_model(model, args.out)
print(args.out, len(model.graph.node), "nodes")
