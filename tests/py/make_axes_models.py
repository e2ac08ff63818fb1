"""Builds the dynamic-axes fixtures with onnx.helper, to the structure torch.onnx.export writes
(node names like /fc1/Gemm, Constant nodes for traced shapes), so CI needs no PyTorch:

  mlp_dynamic         Linear-ReLU-Linear, dynamic_axes={"input": {0: "batch_size"}, ...}
  mlp_static          the same exported without dynamic_axes: batch frozen at 1
  mlp_view            forward does x.view(1, -1) while declaring a dynamic batch
  transformer_traced  attention block, dynamic "seq", but head-split Reshapes traced to constants
  transformer_dynamic the same block exported correctly (Shape/Gather/Concat computes the Reshape target)

usage: make_axes_models.py OUT_DIR   (prints JSON: {name: path})
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(3)
F = TensorProto.FLOAT


def w(name, shape):
    return numpy_helper.from_array((rng.standard_normal(shape) * 0.1).astype(np.float32), name)


def const_node(name, values, out):
    return helper.make_node("Constant", [], [out], name=name,
                            value=numpy_helper.from_array(np.array(values, dtype=np.int64)))


def save(name, nodes, inputs, outputs, inits):
    g = helper.make_graph(nodes, "main_graph", inputs, outputs, initializer=inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], producer_name="pytorch",
                          producer_version="2.5.0")
    onnx.checker.check_model(m)
    path = os.path.join(OUT, name + ".onnx")
    onnx.save_model(m, path)
    return path


def mlp(name, batch, view=False):
    inits = [w("fc1.weight", (64, 784)), w("fc1.bias", (64,)), w("fc2.weight", (10, 64)), w("fc2.bias", (10,))]
    nodes = []
    x = "input"
    if view:
        nodes.append(const_node("/Constant", [1, -1], "/Constant_output_0"))
        nodes.append(helper.make_node("Reshape", ["input", "/Constant_output_0"], ["/Reshape_output_0"], name="/Reshape"))
        x = "/Reshape_output_0"
    nodes += [
        helper.make_node("Gemm", [x, "fc1.weight", "fc1.bias"], ["/fc1/Gemm_output_0"], name="/fc1/Gemm",
                         alpha=1.0, beta=1.0, transB=1),
        helper.make_node("Relu", ["/fc1/Gemm_output_0"], ["/relu/Relu_output_0"], name="/relu/Relu"),
        helper.make_node("Gemm", ["/relu/Relu_output_0", "fc2.weight", "fc2.bias"], ["output"], name="/fc2/Gemm",
                         alpha=1.0, beta=1.0, transB=1),
    ]
    in_shape = [batch, 1, 28, 28] if view else [batch, 784]
    return save(name, nodes, [helper.make_tensor_value_info("input", F, in_shape)],
                [helper.make_tensor_value_info("output", F, [batch, 10])], inits)


def transformer(name, traced):
    """Pre-norm self-attention block, d_model 64, 4 heads; sequence exported at length 16."""
    d, heads, hd, seq0 = 64, 4, 16, 16
    inits = [w("ln.weight", (d,)), w("ln.bias", (d,))]
    nodes = [helper.make_node("LayerNormalization", ["x", "ln.weight", "ln.bias"], ["/ln/out"], name="/ln/LayerNormalization",
                              axis=-1, epsilon=1e-5)]
    if not traced:
        # batch, seq = x.shape[0], x.shape[1]; view(batch, seq, heads, hd)
        nodes += [
            helper.make_node("Shape", ["x"], ["/Shape_output_0"], name="/Shape"),
            const_node("/Constant_0", 0, "/c0"),
            const_node("/Constant_1", 1, "/c1"),
            helper.make_node("Gather", ["/Shape_output_0", "/c0"], ["/batch"], name="/Gather", axis=0),
            helper.make_node("Gather", ["/Shape_output_0", "/c1"], ["/seq"], name="/Gather_1", axis=0),
            const_node("/Constant_axes", [0], "/axes0"),
            helper.make_node("Unsqueeze", ["/batch", "/axes0"], ["/batch_1d"], name="/Unsqueeze"),
            helper.make_node("Unsqueeze", ["/seq", "/axes0"], ["/seq_1d"], name="/Unsqueeze_1"),
            const_node("/Constant_heads", [heads, hd], "/heads_hd"),
            helper.make_node("Concat", ["/batch_1d", "/seq_1d", "/heads_hd"], ["/split_shape"], name="/Concat", axis=0),
            const_node("/Constant_d", [d], "/d_1d"),
            helper.make_node("Concat", ["/batch_1d", "/seq_1d", "/d_1d"], ["/merge_shape"], name="/Concat_1", axis=0),
        ]
        split_shape, merge_shape = "/split_shape", "/merge_shape"
    else:
        nodes += [
            const_node("/attn/Constant", [1, seq0, heads, hd], "/attn/split_shape"),
            const_node("/attn/Constant_1", [1, seq0, d], "/attn/merge_shape"),
        ]
        split_shape, merge_shape = "/attn/split_shape", "/attn/merge_shape"
    heads_out = {}
    for p in ["q", "k", "v"]:
        inits += [w(f"{p}_proj.weight_t", (d, d)), w(f"{p}_proj.bias", (d,))]
        nodes += [
            helper.make_node("MatMul", ["/ln/out", f"{p}_proj.weight_t"], [f"/{p}/mm"], name=f"/{p}_proj/MatMul"),
            helper.make_node("Add", [f"/{p}/mm", f"{p}_proj.bias"], [f"/{p}/out"], name=f"/{p}_proj/Add"),
            helper.make_node("Reshape", [f"/{p}/out", split_shape], [f"/{p}/split"], name=f"/attn/Reshape_{p}"),
            helper.make_node("Transpose", [f"/{p}/split"], [f"/{p}/heads"], name=f"/attn/Transpose_{p}",
                             perm=[0, 2, 3, 1] if p == "k" else [0, 2, 1, 3]),
        ]
        heads_out[p] = f"/{p}/heads"
    inits.append(numpy_helper.from_array(np.array(4.0, np.float32), "scale"))
    inits += [w("out_proj.weight_t", (d, d)), w("out_proj.bias", (d,))]
    nodes += [
        helper.make_node("MatMul", [heads_out["q"], heads_out["k"]], ["/scores"], name="/attn/MatMul"),
        helper.make_node("Div", ["/scores", "scale"], ["/scaled"], name="/attn/Div"),
        helper.make_node("Softmax", ["/scaled"], ["/probs"], name="/attn/Softmax", axis=-1),
        helper.make_node("MatMul", ["/probs", heads_out["v"]], ["/ctx"], name="/attn/MatMul_1"),
        helper.make_node("Transpose", ["/ctx"], ["/ctx_t"], name="/attn/Transpose", perm=[0, 2, 1, 3]),
        helper.make_node("Reshape", ["/ctx_t", merge_shape], ["/merged"], name="/attn/Reshape"),
        helper.make_node("MatMul", ["/merged", "out_proj.weight_t"], ["/o/mm"], name="/out_proj/MatMul"),
        helper.make_node("Add", ["/o/mm", "out_proj.bias"], ["/o/out"], name="/out_proj/Add"),
        helper.make_node("Add", ["x", "/o/out"], ["y"], name="/Add"),
    ]
    return save(name, nodes, [helper.make_tensor_value_info("x", F, [1, "seq", d])],
                [helper.make_tensor_value_info("y", F, [1, "seq", d])], inits)


paths = {
    "mlp_dynamic": mlp("mlp_dynamic", "batch_size"),
    "mlp_static": mlp("mlp_static", 1),
    "mlp_view": mlp("mlp_view", "batch_size", view=True),
    "transformer_traced": transformer("transformer_traced", traced=True),
    "transformer_dynamic": transformer("transformer_dynamic", traced=False),
}
print(json.dumps(paths))
