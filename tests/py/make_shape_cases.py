"""onnx's operator test models with their outputs' shapes (and value_info) removed, and the shape
onnx.shape_inference.infer_shapes(strict_mode=True, data_prop=True) gives each output and each
intermediate value: the reference onnx-lens's shape engine is compared with.

usage: make_shape_cases.py OUT_DIR
Prints JSON (last line): {"cases": [{"case", "path", "error", "outputs": [{"name", "dims"}]}]}
"dims": null when onnx does not know the rank, else a list of int (fixed), str (named) or null.
"""
import os
import sys

import onnx
from onnx import shape_inference

from common import emit, operator_test_models

OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)


def dims_of(t):
    if not t.HasField("tensor_type") or not t.tensor_type.HasField("shape"):
        return None
    out = []
    for d in t.tensor_type.shape.dim:
        if d.HasField("dim_value"):
            out.append(d.dim_value)
        elif d.HasField("dim_param"):
            out.append(d.dim_param)
        else:
            out.append(None)
    return out


cases = []
for name, model in operator_test_models():
    m = onnx.ModelProto()
    m.CopyFrom(model)
    del m.graph.value_info[:]
    for o in m.graph.output:
        if o.type.HasField("tensor_type"):
            o.type.tensor_type.ClearField("shape")
    path = os.path.join(OUT, name + ".onnx")
    onnx.save_model(m, path)
    error, outputs = None, []
    try:
        inferred = shape_inference.infer_shapes(m, strict_mode=True, data_prop=True)
        # Every value onnx infers: the graph's outputs, then its intermediate values.
        outputs = [{"name": o.name, "dims": dims_of(o.type)} for o in inferred.graph.output]
        outputs += [{"name": v.name, "dims": dims_of(v.type)} for v in inferred.graph.value_info]
    except Exception as e:  # noqa: BLE001 - onnx's verdict is data here
        error = str(e).splitlines()[0][:200]
    cases.append({"case": name, "path": path, "error": error, "outputs": outputs})
emit({"cases": cases})
