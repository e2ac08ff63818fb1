"""Attribute variants of the ai.onnx.ml ops onnx-lens rewrites for tract (src/tract/lower.rs),
built with onnx.helper: every post_transform / weight-sign / base-values combination of a
one-column binary TreeEnsembleClassifier, TreeEnsembleRegressor with SUM and AVERAGE, several
targets and base values, Scaler on doubles and ints, ArrayFeatureExtractor picking one and two
columns, LabelEncoder between integers, strings and floats. onnxruntime is the judge of what each should output (tests/py/ort_outputs.py).

usage: make_ml_variants.py OUT_DIR
Writes OUT_DIR/<name>.onnx and OUT_DIR/<name>.X.npy; prints JSON {"models": [names]}.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from common import emit

OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(0)
X = rng.standard_normal((10, 3)).astype(np.float32)

# Two trees of depth 1 on features 0 and 2; leaves 1 and 2 of each. The positive weights put
# some scores in (0, 0.5], where onnxruntime's two labelling thresholds disagree.
TREES = dict(
    nodes_treeids=[0, 0, 0, 1, 1, 1],
    nodes_nodeids=[0, 1, 2, 0, 1, 2],
    nodes_featureids=[0, 0, 0, 2, 0, 0],
    nodes_values=[0.1, 0, 0, -0.3, 0, 0],
    nodes_modes=["BRANCH_LEQ", "LEAF", "LEAF", "BRANCH_LEQ", "LEAF", "LEAF"],
    nodes_truenodeids=[1, 0, 0, 1, 0, 0],
    nodes_falsenodeids=[2, 0, 0, 2, 0, 0],
)
LEAVES = dict(treeids=[0, 0, 1, 1], nodeids=[1, 2, 1, 2])


def save(name, node, x, outputs, in_type=TensorProto.FLOAT):
    graph = helper.make_graph(
        [node], name, [helper.make_tensor_value_info("X", in_type, [None, x.shape[1]])], outputs)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                    helper.make_opsetid("ai.onnx.ml", 3)])
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, os.path.join(OUT, f"{name}.onnx"))
    np.save(os.path.join(OUT, f"{name}.X.npy"), x)
    names.append(name)


names = []
label = helper.make_tensor_value_info("label", TensorProto.INT64, [None])
probabilities = helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, 2])
for transform in ["NONE", "LOGISTIC", "PROBIT"]:
    for sign, weights in [("positive", [0.05, 0.9, 0.1, 0.7]), ("mixed", [-0.6, 0.5, 0.3, -0.2])]:
        for base in [None, [0.25]]:
            attrs = dict(TREES, class_treeids=LEAVES["treeids"], class_nodeids=LEAVES["nodeids"],
                         class_ids=[0] * 4, class_weights=weights, classlabels_int64s=[3, 7],
                         post_transform=transform)
            if base:
                attrs["base_values"] = base
            node = helper.make_node("TreeEnsembleClassifier", ["X"], ["label", "probabilities"],
                                    domain="ai.onnx.ml", **attrs)
            save(f"binary_trees_{transform.lower()}_{sign}{'_base' if base else ''}", node, X,
                 [label, probabilities])

for aggregate in ["SUM", "AVERAGE", "MAX", "MIN"]:
    for targets, base in [(1, None), (2, [1.5, -2.0])]:
        attrs = dict(TREES, target_treeids=LEAVES["treeids"] * targets,
                     target_nodeids=LEAVES["nodeids"] * targets,
                     target_ids=[t for t in range(targets) for _ in range(4)],
                     target_weights=list(np.linspace(-1, 2, 4 * targets)), n_targets=targets,
                     aggregate_function=aggregate)
        if base:
            attrs["base_values"] = base
        node = helper.make_node("TreeEnsembleRegressor", ["X"], ["variable"], domain="ai.onnx.ml",
                                **attrs)
        save(f"regressor_{aggregate.lower()}_{targets}target{'_base' if base else ''}", node, X,
             [helper.make_tensor_value_info("variable", TensorProto.FLOAT, [None, targets])])

scaled = helper.make_tensor_value_info("scaled", TensorProto.FLOAT, [None, 3])
for kind, x, t in [("float", X, TensorProto.FLOAT), ("double", X.astype(np.float64), TensorProto.DOUBLE),
                   ("int64", (X * 10).astype(np.int64), TensorProto.INT64)]:
    node = helper.make_node("Scaler", ["X"], ["scaled"], domain="ai.onnx.ml",
                            offset=[0.5, -1.0, 2.0], scale=[2.0, 0.5, -1.0])
    save(f"scaler_{kind}", node, x, [scaled], t)
node = helper.make_node("Scaler", ["X"], ["scaled"], domain="ai.onnx.ml", offset=[0.5], scale=[3.0])
save("scaler_broadcast", node, X, [scaled])

for picked in [[1], [2, 0]]:
    idx = helper.make_node("Constant", [], ["idx"],
                           value=helper.make_tensor("idx", TensorProto.INT64, [len(picked)], picked))
    afe = helper.make_node("ArrayFeatureExtractor", ["X", "idx"], ["columns"], domain="ai.onnx.ml")
    graph = helper.make_graph([idx, afe], "afe", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 3])],
                              [helper.make_tensor_value_info("columns", TensorProto.FLOAT, [None, len(picked)])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 3)])
    name = f"array_feature_extractor_{len(picked)}"
    onnx.save(model, os.path.join(OUT, f"{name}.onnx"))
    np.save(os.path.join(OUT, f"{name}.X.npy"), X)
    names.append(name)

# LabelEncoder between integers, strings and floats, with a value not among the keys.
ML2 = [helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 2)]
for name, attrs, x, in_t, out_t in [
    ("label_encoder_int_int", dict(keys_int64s=[3, 5, 9], values_int64s=[0, 1, 2], default_int64=-7),
     np.array([5, 3, 4, 9, 9], np.int64), TensorProto.INT64, TensorProto.INT64),
    ("label_encoder_int_string", dict(keys_int64s=[0, 1, 2], values_strings=["cat", "dog", "eel"],
                                      default_string="none"),
     np.array([2, 0, 7, 1], np.int64), TensorProto.INT64, TensorProto.STRING),
    ("label_encoder_string_int", dict(keys_strings=["cat", "dog", "eel"], values_int64s=[10, 20, 30]),
     np.array(["dog", "fox", "cat"]), TensorProto.STRING, TensorProto.INT64),
    ("label_encoder_float_float", dict(keys_floats=[0.5, 1.5], values_floats=[10.0, 20.0], default_float=-1.0),
     np.array([1.5, 0.5, 2.0], np.float32), TensorProto.FLOAT, TensorProto.FLOAT),
]:
    node = helper.make_node("LabelEncoder", ["X"], ["Y"], domain="ai.onnx.ml", **attrs)
    graph = helper.make_graph([node], name, [helper.make_tensor_value_info("X", in_t, [len(x)])],
                              [helper.make_tensor_value_info("Y", out_t, [len(x)])])
    onnx.save(helper.make_model(graph, opset_imports=ML2), os.path.join(OUT, f"{name}.onnx"))
    np.save(os.path.join(OUT, f"{name}.X.npy"), x)
    names.append(name)

# LabelEncoder at ai.onnx.ml opset 4: keys, values and the default as tensors.
ML4 = [helper.make_opsetid("", 21), helper.make_opsetid("ai.onnx.ml", 4)]
for name, attrs, x, in_t, out_t in [
    ("label_encoder_tensor_int_string",
     dict(keys_tensor=helper.make_tensor("k", TensorProto.INT64, [3], [3, 5, 9]),
          values_tensor=helper.make_tensor("v", TensorProto.STRING, [3], [b"three", b"five", b"nine"]),
          default_tensor=helper.make_tensor("d", TensorProto.STRING, [1], [b"other"])),
     np.array([5, 3, 4, 9], np.int64), TensorProto.INT64, TensorProto.STRING),
    ("label_encoder_tensor_string_float",
     dict(keys_tensor=helper.make_tensor("k", TensorProto.STRING, [2], [b"cat", b"dog"]),
          values_tensor=numpy_helper.from_array(np.array([0.25, -4.0], np.float32), "v")),
     np.array(["dog", "fox", "cat"]), TensorProto.STRING, TensorProto.FLOAT),
]:
    node = helper.make_node("LabelEncoder", ["X"], ["Y"], domain="ai.onnx.ml", **attrs)
    graph = helper.make_graph([node], name, [helper.make_tensor_value_info("X", in_t, [len(x)])],
                              [helper.make_tensor_value_info("Y", out_t, [len(x)])])
    onnx.save(helper.make_model(graph, opset_imports=ML4), os.path.join(OUT, f"{name}.onnx"))
    np.save(os.path.join(OUT, f"{name}.X.npy"), x)
    names.append(name)

# Binarizer, Imputer (NaN and a value replaced), Normalizer (tract's own), QuantizeLinear to
# uint16 and a Loop (both left to tract).
def plain(name, nodes, x, y_type, opsets, inits=(), x_type=TensorProto.FLOAT):
    graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info("X", x_type, list(x.shape))],
                              [helper.make_tensor_value_info("Y", y_type, list(x.shape))],
                              [numpy_helper.from_array(v, k) for k, v in inits])
    onnx.save(helper.make_model(graph, opset_imports=opsets), os.path.join(OUT, f"{name}.onnx"))
    np.save(os.path.join(OUT, f"{name}.X.npy"), x)
    names.append(name)


ML3 = [helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 3)]
xs = np.array([[0.2, -1.0, 3.0], [1.0, 0.5, -0.1]], np.float32)
xnan = np.array([[0.2, np.nan, 3.0], [np.nan, 0.5, -1.0]], np.float32)
plain("binarizer", [helper.make_node("Binarizer", ["X"], ["Y"], domain="ai.onnx.ml", threshold=0.3)], xs,
      TensorProto.FLOAT, ML3)
plain("imputer_nan", [helper.make_node("Imputer", ["X"], ["Y"], domain="ai.onnx.ml", imputed_value_floats=[1.0, 2.0, 3.0],
                                       replaced_value_float=float("nan"))], xnan, TensorProto.FLOAT, ML3)
plain("imputer_value", [helper.make_node("Imputer", ["X"], ["Y"], domain="ai.onnx.ml", imputed_value_floats=[9.0],
                                         replaced_value_float=-1.0)], xs, TensorProto.FLOAT, ML3)
plain("normalizer_l2", [helper.make_node("Normalizer", ["X"], ["Y"], domain="ai.onnx.ml", norm="L2")], xs,
      TensorProto.FLOAT, ML3)
plain("quantize_uint16", [helper.make_node("QuantizeLinear", ["X", "s", "z"], ["Y"])], xs, TensorProto.UINT16,
      [helper.make_opsetid("", 21)], [("s", np.array(0.01, np.float32)), ("z", np.array(30000, np.uint16))])
# Halves (rounded to even) and values past the range (saturated), to int16 by output_dtype.
xq = np.array([[0.25, 0.75, -0.25], [1e6, -1e6, 2.5]], np.float32)
plain("quantize_int16_ties_saturate", [helper.make_node("QuantizeLinear", ["X", "s"], ["Y"], output_dtype=TensorProto.INT16)],
      xq, TensorProto.INT16, [helper.make_opsetid("", 21)], [("s", np.array(0.5, np.float32))])
plain("quantize_dequantize_uint16", [helper.make_node("QuantizeLinear", ["X", "s", "z"], ["q"]),
                                     helper.make_node("DequantizeLinear", ["q", "s", "z"], ["Y"])],
      xq, TensorProto.FLOAT, [helper.make_opsetid("", 21)],
      [("s", np.array(0.01, np.float32)), ("z", np.array(30000, np.uint16))])
body = helper.make_graph(
    [helper.make_node("Identity", ["cond_in"], ["cond_out"]), helper.make_node("Mul", ["y_in", "two"], ["t"]),
     helper.make_node("Add", ["t", "one"], ["y_out"])], "body",
    [helper.make_tensor_value_info("i", TensorProto.INT64, []), helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
     helper.make_tensor_value_info("y_in", TensorProto.FLOAT, [2, 3])],
    [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []), helper.make_tensor_value_info("y_out", TensorProto.FLOAT, [2, 3])],
    [numpy_helper.from_array(np.array(2.0, np.float32), "two"), numpy_helper.from_array(np.array(1.0, np.float32), "one")])
plain("loop_fixed_count", [helper.make_node("Loop", ["n", "c", "X"], ["Y"], body=body)], xs, TensorProto.FLOAT,
      [helper.make_opsetid("", 17)], [("n", np.array(3, np.int64)), ("c", np.array(True))])


# Loops with scan outputs, a body reading the outer scope and the iteration number, a trip count
# computed from the input's shape, and a while loop (its body computes the condition).
F, I64, B = TensorProto.FLOAT, TensorProto.INT64, TensorProto.BOOL
scale = numpy_helper.from_array(np.array([0.5, -1.0, 2.0], np.float32), "scale")
scan_body = helper.make_graph(
    [helper.make_node("Identity", ["cond_in"], ["cond_out"]),
     helper.make_node("Cast", ["i"], ["i_f"], to=F),
     helper.make_node("Mul", ["acc_in", "scale"], ["scaled"]),
     helper.make_node("Add", ["scaled", "i_f"], ["acc_out"]),
     helper.make_node("ReduceSum", ["acc_out"], ["step_sum"], keepdims=0)], "body",
    [helper.make_tensor_value_info("i", I64, []), helper.make_tensor_value_info("cond_in", B, []),
     helper.make_tensor_value_info("acc_in", F, [2, 3])],
    [helper.make_tensor_value_info("cond_out", B, []), helper.make_tensor_value_info("acc_out", F, [2, 3]),
     helper.make_tensor_value_info("step_sum", F, [])])


def loop_model(name, trip_nodes, body, extra_inits, cond_init=True):
    nodes = trip_nodes + [helper.make_node("Loop", ["n", "c", "X"], ["Y", "sums"], name="loop", body=body)]
    inits = [numpy_helper.from_array(np.array(cond_init), "c"), scale] + extra_inits
    graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info("X", F, [2, 3])],
                              [helper.make_tensor_value_info("Y", F, [2, 3]),
                               helper.make_tensor_value_info("sums", F, [None])], inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
              os.path.join(OUT, f"{name}.onnx"))
    np.save(os.path.join(OUT, f"{name}.X.npy"), xs)
    names.append(name)


loop_model("loop_scan_outputs", [], scan_body, [numpy_helper.from_array(np.array(4, np.int64), "n")])
# n = X.shape[1] (3), computed at run time.
loop_model("loop_shape_trip_count",
           [helper.make_node("Shape", ["X"], ["shape"]),
            helper.make_node("Gather", ["shape", "one"], ["n"], axis=0)],
           scan_body, [numpy_helper.from_array(np.array(1, np.int64), "one")])
while_body = helper.make_graph(
    [helper.make_node("Less", ["i", "limit"], ["cond_out"]),
     helper.make_node("Cast", ["i"], ["i_f"], to=F),
     helper.make_node("Mul", ["acc_in", "scale"], ["scaled"]),
     helper.make_node("Add", ["scaled", "i_f"], ["acc_out"]),
     helper.make_node("ReduceSum", ["acc_out"], ["step_sum"], keepdims=0)], "body",
    [helper.make_tensor_value_info("i", I64, []), helper.make_tensor_value_info("cond_in", B, []),
     helper.make_tensor_value_info("acc_in", F, [2, 3])],
    [helper.make_tensor_value_info("cond_out", B, []), helper.make_tensor_value_info("acc_out", F, [2, 3]),
     helper.make_tensor_value_info("step_sum", F, [])],
    [numpy_helper.from_array(np.array(2, np.int64), "limit")])
loop_model("loop_while", [], while_body, [numpy_helper.from_array(np.array(10, np.int64), "n")])

emit({"models": names})
