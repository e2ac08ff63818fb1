"""A model whose output is NaN: d = x - x is zero, q = d / d is 0/0 at every element, and the
Neg after it passes NaN on (tract's Relu would turn NaN into 0, where onnxruntime keeps it).
The first non-finite node is the Div.

usage: make_nan_model.py OUT_DIR
Prints JSON (last line): {"model"}
"""
import json
import os
import sys

import onnx
from onnx import TensorProto, helper

OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])
y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 4])
graph = helper.make_graph(
    [helper.make_node("Sub", ["x", "x"], ["d"], name="/zero/Sub"),
     helper.make_node("Div", ["d", "d"], ["q"], name="/ratio/Div"),
     helper.make_node("Neg", ["q"], ["y"], name="/act/Neg")],
    "nan_chain", [x], [y])
path = os.path.join(OUT, "nan_chain.onnx")
onnx.save_model(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
print(json.dumps({"model": path}))
