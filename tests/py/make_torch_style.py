"""A MobileNetV2 written the way torch.onnx.export (legacy exporter, opset 13) writes it, for the
viewer tests: ReLU6 as Clip whose min/max are `Constant` nodes of their own, BatchNormalization
folded into Conv biases, torch's scoped node names (`/features/features.1/conv/conv.0/conv.0.0/Conv`),
and `x.view(x.size(0), -1)` as Shape → Gather → Unsqueeze → Concat → Reshape with Constant
indices, axes and `-1`. torch is not installable here, so the graph is built with onnx.helper
node for node as the exporter emits it. Width 0.35 at 96×96, random weights inline (~1 MB).

usage: make_torch_style.py OUT_DIR
Also writes if_torch.onnx, an If with a 1-node then branch and a 3-node else branch, and
bert_like_torch.onnx, a 36-layer encoder of over 2,000 nodes named as torch names transformers.
Prints JSON {"path", "constants", "foldable", "clips": [node names], "shape_chain": [its ops],
"if_path", "transformer_path"}: `foldable` counts the
Constants Netron folds (one attribute, no inputs, one output read by exactly one input slot of
one node and not a graph output).
"""
import collections
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from common import emit


class Export:
    def __init__(self, seed=0):
        self.nodes, self.inits, self.rng = [], [], np.random.default_rng(seed)
        self.counter = collections.Counter()

    def node(self, op, inputs, scope, **attrs):
        # torch names the k-th node of an op in a scope `{scope}/{Op}_{k}` (the first without _k).
        k = self.counter[(scope, op)]
        self.counter[(scope, op)] += 1
        name = f"{scope}/{op}" + (f"_{k}" if k else "")
        out = f"{name}_output_0"
        self.nodes.append(helper.make_node(op, inputs, [out], name=name, **attrs))
        return out

    def constant(self, scope, value, dtype):
        t = numpy_helper.from_array(np.array(value, dtype=dtype))
        return self.node("Constant", [], scope, value=t)

    def weight(self, name, shape):
        self.inits.append(numpy_helper.from_array(
            (self.rng.standard_normal(shape) * 0.1).astype(np.float32), name))
        return name


def conv_bn_act(e, x, cin, cout, k, stride, scope, param, groups=1, relu6=True):
    w = e.weight(f"onnx::Conv_{len(e.inits) + 500}", [cout, cin // groups, k, k])
    b = e.weight(f"onnx::Conv_{len(e.inits) + 500}", [cout])
    # A ConvBNReLU's Conv is `{param}.0`; a bare Conv (the linear bottleneck) is `{param}`.
    at = f"{scope}/{param}.0" if relu6 else f"{scope}/{param}"
    y = e.node("Conv", [x, w, b], at, kernel_shape=[k, k],
               strides=[stride, stride], pads=[k // 2] * 4, group=groups, dilations=[1, 1])
    if relu6:
        act = f"{scope}/{param}.2"
        lo = e.constant(act, 0.0, np.float32)
        hi = e.constant(act, 6.0, np.float32)
        y = e.node("Clip", [y, lo, hi], act)
    return y


def make(out_dir):
    e = Export()
    width = lambda c: max(8, int(c * 0.35 + 4) // 8 * 8)
    x = "input"
    y = conv_bn_act(e, x, 3, width(32), 3, 2, "/features/features.0", "features.0")
    cin, i = width(32), 1
    for t, c, n, s in [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                       (6, 160, 3, 2), (6, 320, 1, 1)]:
        c = width(c)
        for j in range(n):
            stride = s if j == 0 else 1
            scope = f"/features/features.{i}/conv"
            hidden = cin * t
            h = y
            k = 0
            if t != 1:
                h = conv_bn_act(e, h, cin, hidden, 1, 1, f"{scope}/conv.0", "conv.0")
                k = 1
            h = conv_bn_act(e, h, hidden, hidden, 3, stride, f"{scope}/conv.{k}", f"conv.{k}",
                            groups=hidden)
            h = conv_bn_act(e, h, hidden, c, 1, 1, f"{scope}", f"conv.{k + 1}", relu6=False)
            if stride == 1 and cin == c:
                h = e.node("Add", [y, h], f"/features/features.{i}")
            y, cin, i = h, c, i + 1
    y = conv_bn_act(e, y, cin, 1280, 1, 1, f"/features/features.{i}", f"features.{i}")
    y = e.node("GlobalAveragePool", [y], "")
    # x.view(x.size(0), -1)
    shape = e.node("Shape", [y], "")
    index = e.constant("", 0, np.int64)
    batch = e.node("Gather", [shape, index], "", axis=0)
    axes = e.constant("", [0], np.int64)
    batch = e.node("Unsqueeze", [batch, axes], "")
    rest = e.constant("", [-1], np.int64)
    target = e.node("Concat", [batch, rest], "", axis=0)
    y = e.node("Reshape", [y, target], "")
    y = e.node("Gemm", [y, e.weight("classifier.1.weight", [10, 1280]),
                        e.weight("classifier.1.bias", [10])], "/classifier/classifier.1",
               alpha=1.0, beta=1.0, transB=1)
    graph = helper.make_graph(
        e.nodes, "main_graph",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch_size", 3, 96, 96])],
        [helper.make_tensor_value_info(y, TensorProto.FLOAT, ["batch_size", 10])],
        e.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                              producer_name="pytorch", producer_version="2.5.1")
    model.ir_version = 7
    onnx.checker.check_model(model, full_check=True)
    path = os.path.join(out_dir, "mobilenet_v2_torch.onnx")
    onnx.save(model, path)
    return model, path


def make_if(out_dir):
    """`y = x * 2 if x.sum() > 0 else relu(x) - 1`, as a scripted torch function exports: an If
    whose branches read `x` from the outer scope (then: 1 node, else: 3)."""
    two = numpy_helper.from_array(np.array(2.0, np.float32), "two")
    one = numpy_helper.from_array(np.array(1.0, np.float32), "one")
    zero = numpy_helper.from_array(np.array(0.0, np.float32), "zero")
    out = lambda n: helper.make_tensor_value_info(n, TensorProto.FLOAT, None)
    then = helper.make_graph([helper.make_node("Mul", ["x", "two"], ["t"], name="/Mul")],
                             "then_graph", [], [out("t")])
    orelse = helper.make_graph([
        helper.make_node("Relu", ["x"], ["r"], name="/Relu"),
        helper.make_node("Identity", ["r"], ["ri"], name="/Identity"),
        helper.make_node("Sub", ["ri", "one"], ["e"], name="/Sub")], "else_graph", [], [out("e")])
    nodes = [
        helper.make_node("ReduceSum", ["x"], ["s"], name="/ReduceSum", keepdims=0),
        helper.make_node("Greater", ["s", "zero"], ["c"], name="/Greater"),
        helper.make_node("If", ["c"], ["y"], name="/If", then_branch=then, else_branch=orelse),
    ]
    graph = helper.make_graph(
        nodes, "main_graph", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])], [two, one, zero])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    onnx.checker.check_model(model, full_check=True)
    path = os.path.join(out_dir, "if_torch.onnx")
    onnx.save(model, path)
    return path


def make_transformer(out_dir, layers=36, hidden=16):
    """A BERT-like encoder named as torch exports transformers (`/embeddings/...`,
    `/encoder/layer.{i}/attention/self/MatMul`, `/pooler/dense/Gemm`), deep enough (> 2,000
    nodes) that the viewer opens it collapsed."""
    e = Export(seed=1)
    x = e.node("Gather", [e.weight("embeddings.word_embeddings.weight", [32, hidden]), "input_ids"],
               "/embeddings/word_embeddings", axis=0)
    x = e.node("Add", [x, e.weight("embeddings.position", [1, 8, hidden])], "/embeddings")
    x = e.node("LayerNormalization", [x, e.weight("embeddings.ln.w", [hidden]),
                                      e.weight("embeddings.ln.b", [hidden])], "/embeddings/LayerNorm",
               axis=-1)
    for i in range(layers):
        scope = f"/encoder/layer.{i}"
        att = f"{scope}/attention/self"
        q, k, v = (e.node("MatMul", [x, e.weight(f"l{i}.{n}", [hidden, hidden])], f"{att}/{n}")
                   for n in ("query", "key", "value"))
        kt = e.node("Transpose", [k], att, perm=[0, 2, 1])
        s = e.node("MatMul", [q, kt], att)
        s = e.node("Div", [s, e.constant(att, 4.0, np.float32)], att)
        s = e.node("Softmax", [s], att, axis=-1)
        c = e.node("MatMul", [s, v], att)
        o = e.node("MatMul", [c, e.weight(f"l{i}.o", [hidden, hidden])], f"{scope}/attention/output/dense")
        o = e.node("Add", [o, x], f"{scope}/attention/output")
        o = e.node("LayerNormalization", [o, e.weight(f"l{i}.ln1.w", [hidden]), e.weight(f"l{i}.ln1.b", [hidden])],
                   f"{scope}/attention/output/LayerNorm", axis=-1)
        h = e.node("MatMul", [o, e.weight(f"l{i}.i", [hidden, 4 * hidden])], f"{scope}/intermediate/dense")
        h = e.node("Relu", [h], f"{scope}/intermediate/intermediate_act_fn")
        # Stand-ins for the exporter's many small ops per layer (Erf-based GELU pieces, casts),
        # so the graph is as deep as a real export: 20 Mul/Add pairs with their Constants.
        for k in range(20):
            h = e.node("Mul", [h, e.constant(f"{scope}/intermediate", 1.0, np.float32)], f"{scope}/intermediate")
            h = e.node("Add", [h, e.constant(f"{scope}/intermediate", 0.0, np.float32)], f"{scope}/intermediate")
        h = e.node("MatMul", [h, e.weight(f"l{i}.out", [4 * hidden, hidden])], f"{scope}/output/dense")
        h = e.node("Add", [h, o], f"{scope}/output")
        x = e.node("LayerNormalization", [h, e.weight(f"l{i}.ln2.w", [hidden]), e.weight(f"l{i}.ln2.b", [hidden])],
                   f"{scope}/output/LayerNorm", axis=-1)
    first = e.node("Gather", [x, e.constant("/pooler", 0, np.int64)], "/pooler", axis=1)
    pooled = e.node("Tanh", [e.node("MatMul", [first, e.weight("pooler.w", [hidden, hidden])], "/pooler/dense")],
                    "/pooler/activation")
    graph = helper.make_graph(
        e.nodes, "main_graph",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", 8])],
        [helper.make_tensor_value_info(x, TensorProto.FLOAT, ["batch", 8, hidden]),
         helper.make_tensor_value_info(pooled, TensorProto.FLOAT, ["batch", hidden])],
        e.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="pytorch")
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    path = os.path.join(out_dir, "bert_like_torch.onnx")
    onnx.save(model, path)
    return path


def netron_foldable(graph):
    reads = collections.Counter(i for n in graph.node for i in n.input)
    outputs = {o.name for o in graph.output}
    return sum(
        1 for n in graph.node
        if n.op_type == "Constant" and len(n.attribute) == 1 and not n.input
        and len(n.output) == 1 and reads[n.output[0]] == 1 and n.output[0] not in outputs)


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    model, path = make(out_dir)
    g = model.graph
    emit({
        "path": path,
        "constants": sum(n.op_type == "Constant" for n in g.node),
        "foldable": netron_foldable(g),
        "clips": [n.name for n in g.node if n.op_type == "Clip"],
        # x.view(x.size(0), -1): the one shape computation, as written above.
        "shape_chain": [n.op_type for n in g.node if n.op_type in ("Shape", "Gather", "Unsqueeze", "Concat")],
        "if_path": make_if(out_dir),
        "transformer_path": make_transformer(out_dir),
    })


if __name__ == "__main__":
    main(sys.argv[1])
