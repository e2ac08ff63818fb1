"""Standard architectures for the cost tests, built layer by layer with onnx.helper the way
torch.onnx.export writes them (BatchNormalization folded into Conv biases, ReLU6 as Clip,
LayerNormalization at opset 17): ResNet-50 and MobileNetV2 1.0 at 224×224, BERT-base (12
layers, hidden 768, 12 heads, FFN 3072, vocabulary 30522) with position ids from Shape/Range.

The weights are zeros in one sparse external-data file per model (a few hundred MB that take no
disk and no time to write): cost depends on shapes, not values, and onnx-tool still reads them.

usage: make_cost_models.py OUT_DIR
Writes, per architecture, a model with a symbolic batch (and sequence) and two static copies:
resnet50.onnx / resnet50_b1.onnx / resnet50_b3.onnx, mobilenet_v2*.onnx, bert_base.onnx /
bert_base_b1s128.onnx / bert_base_b2s64.onnx. Prints JSON {"models": {name: {"path",
"dims": {symbol: value} for the static copies}}}.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

from common import emit



class Builder:
    """Nodes and weights of one model: zeros in a sparse external file (`weights_file`), or, with
    `rng`, random values stored inline (for models that are run)."""

    def __init__(self, weights_file, rng=None):
        self.nodes, self.inits, self.offset, self.n = [], [], 0, 0
        self.weights_file, self.rng = weights_file, rng

    def name(self, prefix):
        self.n += 1
        return f"{prefix}_{self.n}"

    def weight(self, prefix, shape):
        name = self.name(prefix)
        if self.rng is not None:
            values = (self.rng.standard_normal(shape) * 0.1).astype(np.float32)
            self.inits.append(onnx.numpy_helper.from_array(values, name))
            return name
        t = TensorProto(name=name, data_type=TensorProto.FLOAT, dims=shape)
        length = 4 * int(np.prod(shape))
        t.data_location = TensorProto.EXTERNAL
        for k, v in [("location", self.weights_file), ("offset", str(self.offset)), ("length", str(length))]:
            e = t.external_data.add()
            e.key, e.value = k, v
        self.offset += (length + 63) // 64 * 64
        self.inits.append(t)
        return name

    def const(self, prefix, values, dtype=np.int64):
        name = self.name(prefix)
        self.inits.append(onnx.numpy_helper.from_array(np.array(values, dtype=dtype), name))
        return name

    def op(self, op_type, inputs, node_name, **attrs):
        out = self.name(node_name.strip("/").replace("/", "_") + "_out")
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=node_name, **attrs))
        return out

    def save(self, path, inputs, outputs, opset=17):
        graph = helper.make_graph(self.nodes, os.path.basename(path), inputs, outputs, self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
        model.ir_version = 8
        onnx.save(model, path)

    def finish_weights(self, folder):
        with open(os.path.join(folder, self.weights_file), "wb") as f:
            f.truncate(self.offset)


def conv(b, x, cin, cout, k, stride, name, groups=1, act=None):
    w = b.weight(f"{name}.weight", [cout, cin // groups, k, k])
    bias = b.weight(f"{name}.bias", [cout])
    y = b.op("Conv", [x, w, bias], f"{name}/Conv", kernel_shape=[k, k], strides=[stride, stride],
             pads=[k // 2] * 4, group=groups)
    if act == "relu":
        y = b.op("Relu", [y], f"{name}/Relu")
    elif act == "relu6":
        y = b.op("Clip", [y, b.const("zero", 0.0, np.float32), b.const("six", 6.0, np.float32)],
                 f"{name}/Clip")
    return y


def resnet50(b, x):
    y = conv(b, x, 3, 64, 7, 2, "/conv1", act="relu")
    y = b.op("MaxPool", [y], "/maxpool/MaxPool", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    cin = 64
    for li, (blocks, width, stride) in enumerate([(3, 64, 1), (4, 128, 2), (6, 256, 2), (3, 512, 2)]):
        for bi in range(blocks):
            s = stride if bi == 0 else 1
            p = f"/layer{li + 1}/{bi}"
            h = conv(b, y, cin, width, 1, 1, f"{p}/conv1", act="relu")
            h = conv(b, h, width, width, 3, s, f"{p}/conv2", act="relu")
            h = conv(b, h, width, width * 4, 1, 1, f"{p}/conv3")
            skip = conv(b, y, cin, width * 4, 1, s, f"{p}/downsample/0") if bi == 0 else y
            y = b.op("Relu", [b.op("Add", [h, skip], f"{p}/Add")], f"{p}/Relu")
            cin = width * 4
    y = b.op("GlobalAveragePool", [y], "/avgpool/GlobalAveragePool")
    y = b.op("Flatten", [y], "/Flatten", axis=1)
    return b.op("Gemm", [y, b.weight("fc.weight", [1000, 2048]), b.weight("fc.bias", [1000])],
                "/fc/Gemm", transB=1)


def mobilenet_v2(b, x):
    y = conv(b, x, 3, 32, 3, 2, "/features/0", act="relu6")
    cin, i = 32, 1
    for t, c, n, s in [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                       (6, 160, 3, 2), (6, 320, 1, 1)]:
        for j in range(n):
            stride = s if j == 0 else 1
            p = f"/features/{i}"
            hidden = cin * t
            h = y if t == 1 else conv(b, y, cin, hidden, 1, 1, f"{p}/conv/0", act="relu6")
            h = conv(b, h, hidden, hidden, 3, stride, f"{p}/conv/1", groups=hidden, act="relu6")
            h = conv(b, h, hidden, c, 1, 1, f"{p}/conv/2")
            y = b.op("Add", [y, h], f"{p}/Add") if stride == 1 and cin == c else h
            cin, i = c, i + 1
    y = conv(b, y, 320, 1280, 1, 1, f"/features/{i}", act="relu6")
    y = b.op("GlobalAveragePool", [y], "/GlobalAveragePool")
    y = b.op("Flatten", [y], "/Flatten", axis=1)
    return b.op("Gemm", [y, b.weight("classifier.weight", [1000, 1280]),
                         b.weight("classifier.bias", [1000])], "/classifier/1/Gemm", transB=1)


def bert_base(b, ids, hidden=768, heads=12, ffn=3072, layers=12, vocab=30522):
    dense = lambda x, cin, cout, name: b.op(
        "Add", [b.op("MatMul", [x, b.weight(f"{name}.weight", [cin, cout])], f"{name}/MatMul"),
                b.weight(f"{name}.bias", [cout])], f"{name}/Add")
    norm = lambda x, name: b.op(
        "LayerNormalization", [x, b.weight(f"{name}.weight", [hidden]), b.weight(f"{name}.bias", [hidden])],
        f"{name}/LayerNormalization", axis=-1, epsilon=1e-12)
    e = "/embeddings"
    words = b.op("Gather", [b.weight("word_embeddings", [vocab, hidden]), ids], f"{e}/word_embeddings/Gather")
    seq = b.op("Gather", [b.op("Shape", [ids], f"{e}/Shape"), b.const("one", 1)], f"{e}/Gather", axis=0)
    positions = b.op("Range", [b.const("start", 0), seq, b.const("delta", 1)], f"{e}/Range")
    pos = b.op("Gather", [b.weight("position_embeddings", [512, hidden]), positions],
               f"{e}/position_embeddings/Gather")
    typ = b.op("Gather", [b.weight("token_type_embeddings", [2, hidden]), b.const("zero", 0)],
               f"{e}/token_type_embeddings/Gather")
    h = b.op("Add", [b.op("Add", [words, pos], f"{e}/Add"), typ], f"{e}/Add_1")
    h = norm(h, f"{e}/LayerNorm")
    split = b.const("heads_shape", [0, 0, heads, hidden // heads])
    merge = b.const("merge_shape", [0, 0, hidden])
    scale = b.const("scale", np.sqrt(hidden // heads), np.float32)
    for layer in range(layers):
        p = f"/encoder/layer.{layer}"
        a = f"{p}/attention/self"
        q = b.op("Transpose", [b.op("Reshape", [dense(h, hidden, hidden, f"{a}/query"), split], f"{a}/Reshape")],
                 f"{a}/Transpose", perm=[0, 2, 1, 3])
        k = b.op("Transpose", [b.op("Reshape", [dense(h, hidden, hidden, f"{a}/key"), split], f"{a}/Reshape_1")],
                 f"{a}/Transpose_1", perm=[0, 2, 3, 1])
        v = b.op("Transpose", [b.op("Reshape", [dense(h, hidden, hidden, f"{a}/value"), split], f"{a}/Reshape_2")],
                 f"{a}/Transpose_2", perm=[0, 2, 1, 3])
        scores = b.op("Div", [b.op("MatMul", [q, k], f"{a}/MatMul"), scale], f"{a}/Div")
        probs = b.op("Softmax", [scores], f"{a}/Softmax", axis=-1)
        ctx = b.op("MatMul", [probs, v], f"{a}/MatMul_1")
        ctx = b.op("Reshape", [b.op("Transpose", [ctx], f"{a}/Transpose_3", perm=[0, 2, 1, 3]), merge],
                   f"{a}/Reshape_3")
        o = dense(ctx, hidden, hidden, f"{p}/attention/output/dense")
        h = norm(b.op("Add", [o, h], f"{p}/attention/output/Add"), f"{p}/attention/output/LayerNorm")
        i = dense(h, hidden, ffn, f"{p}/intermediate/dense")
        # exact GELU as torch exports it: x · (erf(x / √2) + 1) / 2
        g = f"{p}/intermediate/intermediate_act_fn"
        erf = b.op("Erf", [b.op("Div", [i, b.const("sqrt2", np.sqrt(2.0), np.float32)], f"{g}/Div")], f"{g}/Erf")
        gelu = b.op("Mul", [b.op("Mul", [i, b.op("Add", [erf, b.const("one_f", 1.0, np.float32)], f"{g}/Add")],
                                 f"{g}/Mul"), b.const("half", 0.5, np.float32)], f"{g}/Mul_1")
        o = dense(gelu, ffn, hidden, f"{p}/output/dense")
        h = norm(b.op("Add", [o, h], f"{p}/output/Add"), f"{p}/output/LayerNorm")
    first = b.op("Gather", [h, b.const("cls", 0)], "/pooler/Gather", axis=1)
    pooled = b.op("Gemm", [first, b.weight("pooler.weight", [hidden, hidden]), b.weight("pooler.bias", [hidden])],
                  "/pooler/dense/Gemm", transB=1)
    return h, b.op("Tanh", [pooled], "/pooler/activation/Tanh")


def main(out):
    os.makedirs(out, exist_ok=True)
    models = {}
    for arch, make in [("resnet50", resnet50), ("mobilenet_v2", mobilenet_v2)]:
        for suffix, batch in [("", "N"), ("_b1", 1), ("_b3", 3)]:
            b = Builder(f"{arch}.weights")
            x = helper.make_tensor_value_info("input", TensorProto.FLOAT, [batch, 3, 224, 224])
            y = make(b, "input")
            path = os.path.join(out, f"{arch}{suffix}.onnx")
            b.save(path, [x], [helper.make_tensor_value_info(y, TensorProto.FLOAT, [batch, 1000])])
            b.finish_weights(out)
            models[f"{arch}{suffix}"] = {"path": path, "dims": {} if batch == "N" else {"N": batch}}

    for suffix, batch, seq in [("", "batch", "sequence"), ("_b1s128", 1, 128), ("_b2s64", 2, 64)]:
        b = Builder("bert_base.weights")
        ids = helper.make_tensor_value_info("input_ids", TensorProto.INT64, [batch, seq])
        h, pooled = bert_base(b, "input_ids")
        path = os.path.join(out, f"bert_base{suffix}.onnx")
        b.save(path, [ids], [helper.make_tensor_value_info(h, TensorProto.FLOAT, [batch, seq, 768]),
                             helper.make_tensor_value_info(pooled, TensorProto.FLOAT, [batch, 768])])
        b.finish_weights(out)
        dims = {} if batch == "batch" else {"batch": batch, "sequence": seq}
        models[f"bert_base{suffix}"] = {"path": path, "dims": dims}

    emit({"models": models})


if __name__ == "__main__":
    main(sys.argv[1])
