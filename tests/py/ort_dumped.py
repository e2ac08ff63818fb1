"""onnxruntime on the inputs `onnx-lens run --dump-values DIR` fed (DIR/<input>.npy): the
outputs, and each output's top-5 class indices when it is one row of scores.

usage: ort_dumped.py MODEL DUMP_DIR OUT_DIR
Writes OUT_DIR/ort_<output>.npy; prints JSON {"outputs": {name: path}, "top5": {name: [i…]}}
"""
import os
import re
import sys

import numpy as np
import onnxruntime as ort

from common import emit

model, dump, out = sys.argv[1:4]
os.makedirs(out, exist_ok=True)
opts = ort.SessionOptions()
opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
sess = ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])
feed = {i.name: np.load(os.path.join(dump, re.sub(r"[^A-Za-z0-9._-]", "_", i.name) + ".npy"))
        for i in sess.get_inputs()}
outputs, top5 = {}, {}
for o, v in zip(sess.get_outputs(), sess.run(None, feed)):
    path = os.path.join(out, "ort_" + re.sub(r"[^A-Za-z0-9._-]", "_", o.name) + ".npy")
    np.save(path, v)
    outputs[o.name] = path
    if v.ndim >= 1 and int(np.prod(v.shape[:-1])) == 1:
        top5[o.name] = [int(i) for i in np.argsort(-v.reshape(-1), kind="stable")[:5]]
emit({"outputs": outputs, "top5": top5})
