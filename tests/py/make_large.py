"""Builds a plain graph of about N nodes with small weights: a stack of blocks, each splitting
into four parallel branches (MatMul, Add, Relu, Mul) joined by a Sum plus a residual Add. Weights are
shared, so the file stays small.

usage: make_large.py OUT_PATH NODES
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out, target = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(1)
D = 16
inits = [
    numpy_helper.from_array(rng.standard_normal((D, D)).astype(np.float32) * 0.1, "W"),
    numpy_helper.from_array(np.zeros(D, np.float32), "b"),
    numpy_helper.from_array(np.full(D, 0.5, np.float32), "scale"),
]
nodes = []
x = "x"
block = 0
BRANCHES = 4
while len(nodes) + 4 * BRANCHES + 2 <= target:
    p = f"blk{block}"
    outs = []
    for k in range(BRANCHES):
        q = f"{p}_b{k}"
        nodes += [
            helper.make_node("MatMul", [x, "W"], [f"{q}_mm"], name=f"{q}_MatMul"),
            helper.make_node("Add", [f"{q}_mm", "b"], [f"{q}_add"], name=f"{q}_Add"),
            helper.make_node("Relu", [f"{q}_add"], [f"{q}_relu"], name=f"{q}_Relu"),
            helper.make_node("Mul", [f"{q}_relu", "scale"], [f"{q}_mul"], name=f"{q}_Mul"),
        ]
        outs.append(f"{q}_mul")
    nodes += [
        helper.make_node("Sum", outs, [f"{p}_sum"], name=f"{p}_Sum"),
        helper.make_node("Add", [x, f"{p}_sum"], [f"{p}_out"], name=f"{p}_Residual"),
    ]
    x = f"{p}_out"
    block += 1
nodes.append(helper.make_node("Identity", [x], ["y"], name="output"))
graph = helper.make_graph(nodes, "large", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", D])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", D])], initializer=inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
onnx.save_model(model, out)
print(out, len(nodes))
