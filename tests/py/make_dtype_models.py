"""Builds a model holding one initializer per ONNX element type, twice: once as raw_data saved to an
external file, once in the typed fields (inline). Writes expected.json with what numpy_helper.to_array
returns for each (dtype, dims, and the array's bytes as hex), the reference for bit-identical decoding.

Also dtypes_big.onnx: the same element types as inline raw_data of 4290 elements each, plus a 4.4 MB
float32 filler (values 0, 1, 2, …), so the file is big enough for onnx-lens to leave its weights in the
file at load (expected_big.json).

usage: make_dtype_models.py OUT_DIR
"""
import json
import os
import sys

import ml_dtypes
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(7)
SHAPE = (2, 3, 5)  # 30 elements: odd counts of 4- and 2-bit types exercise the padding nibble

def floats(n, rng=rng):
    v = rng.normal(0, 3, n).astype(np.float64)
    v[:4] = [0.0, -0.0, 1.0, -2.5]
    return v

def make_samples(n, rng):
    floats_ = lambda k: floats(k, rng)
    return {
        TensorProto.FLOAT: floats_(n).astype(np.float32),
        TensorProto.DOUBLE: floats_(n),
        TensorProto.FLOAT16: floats_(n).astype(np.float16),
        TensorProto.BFLOAT16: floats_(n).astype(ml_dtypes.bfloat16),
        TensorProto.INT8: rng.integers(-128, 128, n).astype(np.int8),
        TensorProto.INT16: rng.integers(-(2**15), 2**15, n).astype(np.int16),
        TensorProto.INT32: rng.integers(-(2**31), 2**31, n).astype(np.int32),
        TensorProto.INT64: rng.integers(-(2**62), 2**62, n).astype(np.int64),
        TensorProto.UINT8: rng.integers(0, 256, n).astype(np.uint8),
        TensorProto.UINT16: rng.integers(0, 2**16, n).astype(np.uint16),
        TensorProto.UINT32: rng.integers(0, 2**32, n).astype(np.uint32),
        TensorProto.UINT64: rng.integers(0, 2**63, n).astype(np.uint64),
        TensorProto.BOOL: rng.integers(0, 2, n).astype(bool),
        TensorProto.COMPLEX64: (floats_(n) + 1j * floats_(n)).astype(np.complex64),
        TensorProto.COMPLEX128: floats_(n) + 1j * floats_(n),
        TensorProto.FLOAT8E4M3FN: floats_(n).astype(ml_dtypes.float8_e4m3fn),
        TensorProto.FLOAT8E4M3FNUZ: floats_(n).astype(ml_dtypes.float8_e4m3fnuz),
        TensorProto.FLOAT8E5M2: floats_(n).astype(ml_dtypes.float8_e5m2),
        TensorProto.FLOAT8E5M2FNUZ: floats_(n).astype(ml_dtypes.float8_e5m2fnuz),
        TensorProto.FLOAT8E8M0: np.abs(floats_(n)).astype(ml_dtypes.float8_e8m0fnu),
        TensorProto.INT4: rng.integers(-8, 8, n).astype(ml_dtypes.int4),
        TensorProto.UINT4: rng.integers(0, 16, n).astype(ml_dtypes.uint4),
        TensorProto.FLOAT4E2M1: floats_(n).astype(ml_dtypes.float4_e2m1fn),
        TensorProto.INT2: rng.integers(-2, 2, n).astype(ml_dtypes.int2),
        TensorProto.UINT2: rng.integers(0, 4, n).astype(ml_dtypes.uint2),
        TensorProto.FLOAT6E2M3: np.clip(floats_(n), -7, 7).astype(ml_dtypes.float6_e2m3fn),
        TensorProto.FLOAT6E3M2: np.clip(floats_(n), -28, 28).astype(ml_dtypes.float6_e3m2fn),
    }

n = int(np.prod(SHAPE))
samples = make_samples(n, rng)

raw_tensors, typed_tensors = [], []
for dtype, arr in samples.items():
    name = TensorProto.DataType.Name(dtype).lower()
    arr = arr.reshape(SHAPE)
    t = numpy_helper.from_array(arr, name=f"raw_{name}")
    t.data_type = dtype  # from_array picks the same type; set it so the intent is explicit
    raw_tensors.append(t)
    typed = helper.make_tensor(f"typed_{name}", dtype, SHAPE, arr.flatten().tolist() if dtype not in (
        TensorProto.COMPLEX64, TensorProto.COMPLEX128) else arr.flatten(), raw=False)
    typed_tensors.append(typed)
strings = helper.make_tensor("typed_string", TensorProto.STRING, (3,), [b"a", b"", "\u00e9t\u00e9".encode()])
typed_tensors.append(strings)
scalar = numpy_helper.from_array(np.array(3.5, dtype=np.float32), name="raw_scalar")
raw_tensors.append(scalar)

x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])
y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])
graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "dtypes", [x], [y],
                          initializer=raw_tensors + typed_tensors)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)])
path = os.path.join(out, "dtypes.onnx")
onnx.save_model(model, path, save_as_external_data=True, all_tensors_to_one_file=True,
                location="dtypes.data", size_threshold=0)

loaded = onnx.load(path, load_external_data=False)
expected = []
for t in loaded.graph.initializer:
    arr = numpy_helper.to_array(t, base_dir=out)
    entry = {
        "name": t.name,
        "data_type": t.data_type,
        "dims": list(t.dims),
        "external": onnx.external_data_helper.uses_external_data(t),
    }
    if t.data_type == TensorProto.STRING:
        entry["strings"] = [s.encode("utf-8").hex() for s in arr.flatten().tolist()]
    else:
        entry["hex"] = arr.tobytes().hex()
    expected.append(entry)
with open(os.path.join(out, "expected.json"), "w") as f:
    json.dump(expected, f)

BIG_SHAPE = (33, 65, 2)
big = []
for dtype, arr in make_samples(int(np.prod(BIG_SHAPE)), np.random.default_rng(8)).items():
    t = numpy_helper.from_array(arr.reshape(BIG_SHAPE), name=f"big_{TensorProto.DataType.Name(dtype).lower()}")
    t.data_type = dtype
    big.append(t)
big.append(numpy_helper.from_array(np.arange(1_100_000, dtype=np.float32), name="filler"))
graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "dtypes_big", [x], [y], initializer=big)
big_path = os.path.join(out, "dtypes_big.onnx")
onnx.save_model(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)]), big_path)
expected_big = [{"name": t.name, "data_type": t.data_type, "dims": list(t.dims),
                 "hex": numpy_helper.to_array(t).tobytes().hex()} for t in big if t.name != "filler"]
with open(os.path.join(out, "expected_big.json"), "w") as f:
    json.dump(expected_big, f)
print(json.dumps({"model": path, "tensors": len(expected), "big_model": big_path}))
