"""Hostile models for the robustness suite. Layout written under OUT_DIR:

  OUT_DIR/secret.fifo        a named pipe outside the model folder: opening it would block,
                             so a test that finishes proves nothing opened it
  OUT_DIR/models/*.onnx      the hostile models
  OUT_DIR/models/weights.bin 16 bytes of legitimate external data
  OUT_DIR/models/link.bin    a symlink escaping to ../secret.fifo

usage: make_hostile_models.py OUT_DIR   (prints JSON: {name: path})
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = sys.argv[1]
MODELS = os.path.join(OUT, "models")
os.makedirs(MODELS, exist_ok=True)
fifo = os.path.join(OUT, "secret.fifo")
if not os.path.exists(fifo):
    os.mkfifo(fifo)
with open(os.path.join(MODELS, "weights.bin"), "wb") as f:
    f.write(np.arange(4, dtype=np.float32).tobytes())
link = os.path.join(MODELS, "link.bin")
if not os.path.lexists(link):
    os.symlink("../secret.fifo", link)


def model_with(init, name):
    """x + init -> y: the initializer is consumed, so every stage touches it."""
    dims = [int(d) for d in init.dims] if all(0 <= d < 1 << 20 for d in init.dims) else None
    g = helper.make_graph(
        [helper.make_node("Add", ["x", init.name], ["y"], name="add")], name,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT if init.data_type != TensorProto.STRING else TensorProto.STRING, dims)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], initializer=[init])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    path = os.path.join(MODELS, name + ".onnx")
    with open(path, "wb") as f:
        f.write(m.SerializeToString())
    return path


def external(name, location, offset=0, length=16, dims=(4,)):
    t = TensorProto()
    t.name, t.data_type = "w", TensorProto.FLOAT
    t.dims.extend(dims)
    t.data_location = TensorProto.EXTERNAL
    for k, v in [("location", location), ("offset", str(offset)), ("length", str(length))]:
        e = t.external_data.add()
        e.key, e.value = k, v
    return model_with(t, name)


def raw(name, dims, data, dtype=TensorProto.FLOAT):
    t = TensorProto()
    t.name, t.data_type = "w", dtype
    t.dims.extend(dims)
    t.raw_data = data
    return model_with(t, name)


paths = {
    "escape_dotdot": external("escape_dotdot", "../secret.fifo"),
    "escape_absolute": external("escape_absolute", os.path.abspath(fifo)),
    "escape_symlink": external("escape_symlink", "link.bin"),
    "offset_out_of_range": external("offset_out_of_range", "weights.bin", offset=8, length=4096),
    "external_ok": external("external_ok", "weights.bin"),
    "dims_overflow": raw("dims_overflow", [1 << 40, 1 << 40, 1 << 40], b"\0" * 4),
    "negative_dims": raw("negative_dims", [-3, 4], b"\0" * 48),
    "raw_data_short": raw("raw_data_short", [1000, 1000], b"\0" * 16),
}
t = TensorProto()
t.name, t.data_type = "w", TensorProto.STRING
t.dims.extend([10 ** 12])
t.string_data.extend([b"a", b"b"])
paths["huge_string"] = model_with(t, "huge_string")

# A valid model whose ConstantOfShape asks for 64×32×5×393221 floats (16 GB), from a fuzzed file:
# shape inference would materialise it.
shape = numpy_helper.from_array(np.array([64, 32, 5, 393221], dtype=np.int64), "shape")
g = helper.make_graph(
    [helper.make_node("ConstantOfShape", ["shape"], ["big"], name="fill"),
     helper.make_node("ReduceSum", ["big"], ["y"], name="sum", keepdims=0)], "constant_of_shape_huge",
    [], [helper.make_tensor_value_info("y", TensorProto.FLOAT, [])], initializer=[shape])
path = os.path.join(MODELS, "constant_of_shape_huge.onnx")
onnx.save_model(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), path)
paths["constant_of_shape_huge"] = path


def tract_crasher(name, nodes, inputs, outputs, inits=()):
    g = helper.make_graph(nodes, name, inputs, outputs, initializer=list(inits))
    p = os.path.join(MODELS, name + ".onnx")
    onnx.save_model(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), p)
    paths[name] = p


# From onnx's shape-inference cases: inputs tract crashes on (SIGSEGV in release, an abort in
# debug builds) or that make it allocate a dim list of 2^31 entries.
F = TensorProto.FLOAT
stats = [numpy_helper.from_array(np.ones(3, np.float32), n) for n in ("scale", "bias", "mean", "var")]
tract_crasher("batchnorm_rank_1",
              [helper.make_node("BatchNormalization", ["x", "scale", "bias", "mean", "var"], ["y"], name="bn")],
              [helper.make_tensor_value_info("x", F, [3])], [helper.make_tensor_value_info("y", F, [3])], stats)
tract_crasher("onehot_empty_depth",
              [helper.make_node("OneHot", ["indices", "depth", "values"], ["y"], name="onehot")],
              [helper.make_tensor_value_info("indices", TensorProto.INT64, [4])],
              [helper.make_tensor_value_info("y", F, [4, "depth"])],
              [numpy_helper.from_array(np.array([], np.int64), "depth"),
               numpy_helper.from_array(np.array([0, 1], np.float32), "values")])
tract_crasher("constant_of_shape_rank_2_31",
              [helper.make_node("ConstantOfShape", ["shape"], ["y"], name="fill")],
              [helper.make_tensor_value_info("shape", TensorProto.INT64, [2147483648])],
              [helper.make_tensor_value_info("y", F, ["r"])])
print(json.dumps(paths))
