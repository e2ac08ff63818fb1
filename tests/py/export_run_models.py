"""Models for the run tests written by the real tools, beside tests/models/sklearn: torch's
legacy exporter on scripted modules with `for` loops (ONNX Loop nodes), and skl2onnx models with
string categories and probability SVCs. Random weights, no downloads. Needs torch, scikit-learn
and skl2onnx (not in the test venv: run it by hand, commit its output):

    python -m venv /tmp/tv && /tmp/tv/bin/pip install torch==2.7.1 onnx==1.23.2 onnxruntime==1.32.0 \\
        scikit-learn==1.9.1 skl2onnx==1.20.0
    /tmp/tv/bin/python tests/py/export_run_models.py tests/models/runs

Writes OUT_DIR/<name>.onnx and OUT_DIR/<name>.X.npy (the rows the tests feed). What they should
output is not written down: the tests ask onnxruntime (tests/py/ort_outputs.py) in the same run.
"""
import os
import sys
import warnings

import numpy as np
import onnx
import torch
from sklearn.compose import ColumnTransformer
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder
from sklearn.svm import SVC
from skl2onnx import to_onnx
from skl2onnx.common.data_types import StringTensorType

warnings.filterwarnings("ignore")
OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
torch.manual_seed(0)


def save_x(name, x):
    np.save(os.path.join(OUT, f"{name}.X.npy"), x)


def export_scripted(name, module, x, dynamic):
    path = os.path.join(OUT, f"{name}.onnx")
    scripted = torch.jit.script(module.eval())
    torch.onnx.export(scripted, (torch.from_numpy(x),), path, dynamo=False, input_names=["x"],
                      output_names=["y"], dynamic_axes={"x": dynamic} if dynamic else None, opset_version=17)
    ops = {n.op_type for n in onnx.load(path).graph.node}
    assert "Loop" in ops, f"{name}: torch wrote no Loop ({sorted(ops)})"
    save_x(name, x)


class Recurrence(torch.nn.Module):
    """h ← tanh(W·h + x_t) over the steps of x: a trip count read from the input's shape."""

    def __init__(self):
        super().__init__()
        self.w = torch.nn.Linear(8, 8)

    def forward(self, x):
        h = torch.zeros(x.size(1), 8)
        for t in range(x.size(0)):
            h = torch.tanh(self.w(h) + x[t])
        return h


class Refine(torch.nn.Module):
    """Refinement steps, as many as the features / 4, with the step number in the arithmetic
    (torch unrolls a loop over a constant range, so the count comes from the shape)."""

    def __init__(self):
        super().__init__()
        self.w = torch.nn.Linear(8, 8)

    def forward(self, x):
        y = x
        for i in range(x.size(1) // 4):
            y = y + torch.relu(self.w(y)) * float(i + 1)
        return y


rng = np.random.default_rng(0)
export_scripted("torch_loop_recurrence", Recurrence(), rng.standard_normal((5, 2, 8)).astype(np.float32), {0: "steps"})
export_scripted("torch_loop_step_number", Refine(), rng.standard_normal((4, 8)).astype(np.float32), {0: "batch"})

# skl2onnx: one-hot string columns into a logistic regression, and SVCs with probabilities.
colours, sizes = np.array(["red", "green", "blue"]), np.array(["S", "M", "L", "XL"])
Xs = np.stack([colours[rng.integers(0, 3, 200)], sizes[rng.integers(0, 4, 200)]], axis=1)
ys = ((Xs[:, 0] == "red") ^ (Xs[:, 1] == "L")).astype(np.int64)
pipe = make_pipeline(OneHotEncoder(handle_unknown="ignore"), LogisticRegression()).fit(Xs, ys)
onx = to_onnx(pipe, initial_types=[("X", StringTensorType([None, 2]))], options={"zipmap": False},
              target_opset={"": 17, "ai.onnx.ml": 3})
onnx.save(onx, os.path.join(OUT, "one_hot_strings_logistic.onnx"))
# Rows the encoder knows and one it does not (handle_unknown="ignore": a zero row).
save_x("one_hot_strings_logistic", np.concatenate([Xs[:11], np.array([["purple", "M"]])]).astype(str))

X3, y3 = make_classification(n_samples=200, n_features=6, n_informative=4, n_classes=3, random_state=0)
X3 = X3.astype(np.float32)
y2 = (y3 > 0).astype(np.int64)
for name, model, y in [("svc_rbf_binary_probability", SVC(probability=True, random_state=0), y2),
                       ("svc_linear_binary", SVC(kernel="linear", random_state=0), y2),
                       ("svc_poly_4class_probability", SVC(kernel="poly", degree=2, probability=True, random_state=0),
                        make_classification(n_samples=200, n_features=6, n_informative=4, n_classes=4,
                                            random_state=1)[1])]:
    model.fit(X3, y)
    onx = to_onnx(model, X3[:1], options={"zipmap": False}, target_opset={"": 17, "ai.onnx.ml": 3})
    onnx.save(onx, os.path.join(OUT, f"{name}.onnx"))
    save_x(name, X3[:12])
print("wrote", sorted(f for f in os.listdir(OUT) if f.endswith(".onnx")))
