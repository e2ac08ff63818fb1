"""String arrays as numpy saves them (fixed-width unicode, bytes, object), for the .npy reader;
with `check FILE`, reads a .npy onnx-lens wrote and prints its values.

usage: npy_strings.py OUT_DIR | npy_strings.py check FILE
Prints JSON (last line): {"unicode", "bytes", "object", "object_bytes", "object_mixed", "values"}
or {"dtype", "values"}
"""
import json
import os
import sys

import numpy as np

if sys.argv[1] == "check":
    a = np.load(sys.argv[2])
    print(json.dumps({"dtype": a.dtype.str, "shape": list(a.shape), "values": [str(x) for x in a.ravel()]}))
    sys.exit(0)
OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
values = ["hello", "wörld ✓", "", "a longer sentence"]
paths = {}
for kind, array in [("unicode", np.array(values).reshape(2, 2)),
                    ("bytes", np.array([v.encode() for v in values]).reshape(2, 2)),
                    ("object", np.array(values, dtype=object).reshape(2, 2)),
                    ("object_bytes", np.array([v.encode() for v in values], dtype=object).reshape(2, 2)),
                    ("object_mixed", np.array(["a", 1, None, 2.5], dtype=object))]:
    paths[kind] = os.path.join(OUT, kind + ".npy")
    np.save(paths[kind], array, allow_pickle=True)
paths["values"] = values
print(json.dumps(paths))
