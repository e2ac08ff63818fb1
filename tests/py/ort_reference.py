"""Reference outputs from onnxruntime for a model with one float input, at a given batch size.

Writes OUT_DIR/input.npy (seeded normal values; symbolic dims other than the batch must not
occur) and OUT_DIR/ort_<output name sanitised>.npy for every output; prints JSON
{"input": name, "input_path": path, "outputs": {name: path}}.

usage: ort_reference.py MODEL OUT_DIR BATCH
"""
import json
import os
import re
import sys

import numpy as np
import onnxruntime as ort

model, out_dir, batch = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.makedirs(out_dir, exist_ok=True)
opts = ort.SessionOptions()
# The reference must not depend on fused-kernel rounding choices.
opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
sess = ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])
(inp,) = sess.get_inputs()
shape = [batch if not isinstance(d, int) else d for d in inp.shape]
x = np.random.default_rng(batch).standard_normal(shape).astype(np.float32)
input_path = os.path.join(out_dir, "input.npy")
np.save(input_path, x)
outputs = {}
for o, v in zip(sess.get_outputs(), sess.run(None, {inp.name: x})):
    p = os.path.join(out_dir, "ort_" + re.sub(r"[^A-Za-z0-9._-]", "_", o.name) + ".npy")
    np.save(p, v)
    outputs[o.name] = p
print(json.dumps({"input": inp.name, "input_path": input_path, "outputs": outputs}))
