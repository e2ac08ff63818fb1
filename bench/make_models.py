"""Builds the benchmark models (random weights, fixed seed) into OUT_DIR:

  transformer_1k4.onnx   1.4k nodes, ~400 MB of weights inline (28 pre-norm layers, d=544)
  transformer_2k.onnx    2k nodes, ~385 MB inline (40 layers, d=448)
  transformer_ext.onnx   1.9k nodes, ~1.1 GB of weights in transformer_ext.onnx.data (38 layers, d=768)
  plain_10k.onnx, plain_100k.onnx   plain graphs with small weights (tests/py/make_large.py)
  mobilenet.onnx         MobileNetV2-class classifier at 224×224 (tests/py/make_sample.py)
  resnet50.onnx          ResNet50-class: bottleneck blocks [3, 4, 6, 3], 224×224, ~25M parameters

usage: make_models.py OUT_DIR
"""
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
HERE = os.path.dirname(os.path.abspath(__file__))
PY = os.path.join(HERE, "..", "tests", "py")
rng = np.random.default_rng(0)
F = TensorProto.FLOAT


def w(name, shape, inits):
    inits.append(numpy_helper.from_array((rng.standard_normal(shape, dtype=np.float32) * 0.02), name))
    return name


def const(name, values, nodes):
    nodes.append(helper.make_node("Constant", [], [name], name=name + "_c",
                                  value=numpy_helper.from_array(np.array(values, dtype=np.int64))))
    return name


def transformer(path, layers, d, external=False):
    heads, ff = 12 if d % 12 == 0 else 8, 4 * d
    nodes, inits = [], []
    x = "hidden"
    for l in range(layers):
        p = f"/layer.{l}"
        def n(op, ins, outs, **kw):
            nodes.append(helper.make_node(op, ins, outs, name=f"{p}/{outs[0].split('/')[-1]}", **kw))
            return outs[0]
        ln1 = n("LayerNormalization", [x, w(f"{p}.ln1.w", (d,), inits), w(f"{p}.ln1.b", (d,), inits)], [f"{p}/ln1"], axis=-1)
        shape = n("Shape", [ln1], [f"{p}/shape"])
        b = n("Gather", [shape, const(f"{p}/i0", 0, nodes)], [f"{p}/b"], axis=0)
        s = n("Gather", [shape, const(f"{p}/i1", 1, nodes)], [f"{p}/s"], axis=0)
        b1 = n("Unsqueeze", [b, const(f"{p}/ax0", [0], nodes)], [f"{p}/b1"])
        s1 = n("Unsqueeze", [s, const(f"{p}/ax0b", [0], nodes)], [f"{p}/s1"])
        split = n("Concat", [b1, s1, const(f"{p}/hd", [heads, d // heads], nodes)], [f"{p}/split"], axis=0)
        merge = n("Concat", [b1, s1, const(f"{p}/dm", [d], nodes)], [f"{p}/merge"], axis=0)
        hs = {}
        for q in "qkv":
            mm = n("MatMul", [ln1, w(f"{p}.{q}.w", (d, d), inits)], [f"{p}/{q}_mm"])
            ad = n("Add", [mm, w(f"{p}.{q}.b", (d,), inits)], [f"{p}/{q}_add"])
            rs = n("Reshape", [ad, split], [f"{p}/{q}_rs"])
            hs[q] = n("Transpose", [rs], [f"{p}/{q}_t"], perm=[0, 2, 3, 1] if q == "k" else [0, 2, 1, 3])
        sc = n("MatMul", [hs["q"], hs["k"]], [f"{p}/scores"])
        sc = n("Div", [sc, w(f"{p}.scale", (), inits)], [f"{p}/scaled"])
        sc = n("Softmax", [sc], [f"{p}/probs"], axis=-1)
        ctx = n("MatMul", [sc, hs["v"]], [f"{p}/ctx"])
        ctx = n("Transpose", [ctx], [f"{p}/ctx_t"], perm=[0, 2, 1, 3])
        ctx = n("Reshape", [ctx, merge], [f"{p}/ctx_m"])
        o = n("MatMul", [ctx, w(f"{p}.o.w", (d, d), inits)], [f"{p}/o_mm"])
        o = n("Add", [o, w(f"{p}.o.b", (d,), inits)], [f"{p}/o_add"])
        h = n("Add", [x, o], [f"{p}/res1"])
        ln2 = n("LayerNormalization", [h, w(f"{p}.ln2.w", (d,), inits), w(f"{p}.ln2.b", (d,), inits)], [f"{p}/ln2"], axis=-1)
        f1 = n("MatMul", [ln2, w(f"{p}.ff1.w", (d, ff), inits)], [f"{p}/ff1"])
        f1 = n("Add", [f1, w(f"{p}.ff1.b", (ff,), inits)], [f"{p}/ff1b"])
        # GELU (tanh form), spelled out as exporters do.
        c = [w(f"{p}.g{i}", (), inits) for i in range(4)]
        t = n("Mul", [f1, f1], [f"{p}/g_sq"])
        t = n("Mul", [t, f1], [f"{p}/g_cu"])
        t = n("Mul", [t, c[0]], [f"{p}/g_k"])
        t = n("Add", [f1, t], [f"{p}/g_in"])
        t = n("Mul", [t, c[1]], [f"{p}/g_s"])
        t = n("Tanh", [t], [f"{p}/g_tanh"])
        t = n("Add", [t, c[2]], [f"{p}/g_1p"])
        t = n("Mul", [f1, t], [f"{p}/g_x"])
        g = n("Mul", [t, c[3]], [f"{p}/gelu"])
        f2 = n("MatMul", [g, w(f"{p}.ff2.w", (ff, d), inits)], [f"{p}/ff2"])
        f2 = n("Add", [f2, w(f"{p}.ff2.b", (d,), inits)], [f"{p}/ff2b"])
        x = n("Add", [h, f2], [f"{p}/out"])
    graph = helper.make_graph(nodes, "transformer", [helper.make_tensor_value_info("hidden", F, ["batch", "seq", d])],
                              [helper.make_tensor_value_info(x, F, ["batch", "seq", d])], inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="onnx-lens-bench")
    if external:
        onnx.save_model(m, path, save_as_external_data=True, all_tensors_to_one_file=True,
                        location=os.path.basename(path) + ".data", size_threshold=1024)
    else:
        onnx.save_model(m, path)
    print(path, len(nodes), "nodes", flush=True)


def resnet50(path):
    nodes, inits = [], []
    cnt = [0]

    def conv(x, cin, cout, k, s, relu=True):
        cnt[0] += 1
        i = cnt[0]
        y = f"conv{i}"
        nodes.append(helper.make_node("Conv", [x, w(f"c{i}.w", (cout, cin, k, k), inits), w(f"c{i}.b", (cout,), inits)], [y],
                                      name=f"Conv_{i}", kernel_shape=[k, k], strides=[s, s], pads=[k // 2] * 4))
        if relu:
            nodes.append(helper.make_node("Relu", [y], [y + "_r"], name=f"Relu_{i}"))
            return y + "_r"
        return y

    x = conv("input", 3, 64, 7, 2)
    nodes.append(helper.make_node("MaxPool", [x], ["pool0"], name="MaxPool_0", kernel_shape=[3, 3], strides=[2, 2], pads=[1] * 4))
    x, cin = "pool0", 64
    for stage, (blocks, mid) in enumerate(zip([3, 4, 6, 3], [64, 128, 256, 512])):
        for b in range(blocks):
            s = 2 if b == 0 and stage > 0 else 1
            y = conv(x, cin, mid, 1, 1)
            y = conv(y, mid, mid, 3, s)
            y = conv(y, mid, mid * 4, 1, 1, relu=False)
            sc = conv(x, cin, mid * 4, 1, s, relu=False) if b == 0 else x
            out = f"s{stage}b{b}"
            nodes.append(helper.make_node("Add", [y, sc], [out + "_add"], name=f"Add_{out}"))
            nodes.append(helper.make_node("Relu", [out + "_add"], [out], name=f"Relu_{out}"))
            x, cin = out, mid * 4
    nodes.append(helper.make_node("GlobalAveragePool", [x], ["gap"], name="GlobalAveragePool_0"))
    nodes.append(helper.make_node("Flatten", ["gap"], ["flat"], name="Flatten_0"))
    nodes.append(helper.make_node("Gemm", ["flat", w("fc.w", (1000, 2048), inits), w("fc.b", (1000,), inits)], ["logits"],
                                  name="Gemm_0", transB=1))
    graph = helper.make_graph(nodes, "resnet50", [helper.make_tensor_value_info("input", F, ["batch", 3, 224, 224])],
                              [helper.make_tensor_value_info("logits", F, ["batch", 1000])], inits)
    onnx.save_model(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    print(path, len(nodes), "nodes", flush=True)


def out(name):
    return os.path.join(OUT, name)


if not os.path.exists(out("transformer_1k4.onnx")):
    transformer(out("transformer_1k4.onnx"), 28, 544)
if not os.path.exists(out("transformer_2k.onnx")):
    transformer(out("transformer_2k.onnx"), 40, 448)
if not os.path.exists(out("transformer_ext.onnx")):
    transformer(out("transformer_ext.onnx"), 38, 768, external=True)
for n in [10_000, 100_000]:
    p = out(f"plain_{n // 1000}k.onnx")
    if not os.path.exists(p):
        subprocess.run([sys.executable, os.path.join(PY, "make_large.py"), p, str(n)], check=True)
if not os.path.exists(out("mobilenet.onnx")):
    subprocess.run([sys.executable, os.path.join(PY, "make_sample.py"), out("mobilenet.onnx"), "--size", "224",
                    "--blocks", "17", "--base", "32"], check=True)
if not os.path.exists(out("resnet50.onnx")):
    resnet50(out("resnet50.onnx"))
