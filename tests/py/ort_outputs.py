"""onnxruntime's outputs for a model with one input fed from a .npy file.

usage: ort_outputs.py MODEL INPUT.npy OUT_DIR
Writes OUT_DIR/ort_<output name sanitised>.npy per tensor output; prints JSON
{"input": name, "outputs": {name: path}, "non_tensor": [names], "zip_maps": [names]}: a ZipMap's
sequence of {class: probability} maps is saved as the [N, classes] table it stands for (columns in
the maps' order) and listed in "zip_maps"; other non-tensors are listed, not saved.
"""
import os
import re
import sys

import numpy as np
import onnxruntime as ort

from common import emit

model, input_path, out_dir = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(out_dir, exist_ok=True)
opts = ort.SessionOptions()
opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
sess = ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])
(inp,) = sess.get_inputs()
outputs, non_tensor, zip_maps = {}, [], []
for o, v in zip(sess.get_outputs(), sess.run(None, {inp.name: np.load(input_path)})):
    if isinstance(v, list) and v and all(isinstance(m, dict) for m in v):
        v = np.array([list(m.values()) for m in v], dtype=np.float32)
        zip_maps.append(o.name)
    elif not isinstance(v, np.ndarray):
        non_tensor.append(o.name)
        continue
    if v.dtype == object:
        v = v.astype(str)  # string tensors come back as objects; np.save would pickle them
    p = os.path.join(out_dir, "ort_" + re.sub(r"[^A-Za-z0-9._-]", "_", o.name) + ".npy")
    np.save(p, v)
    outputs[o.name] = p
emit({"input": inp.name, "outputs": outputs, "non_tensor": non_tensor, "zip_maps": zip_maps})
