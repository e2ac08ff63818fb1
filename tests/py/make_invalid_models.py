"""Builds one invalid (or suspicious) model per validator check, runs onnx.checker
(full_check=True) on each, and writes a manifest of what onnx-lens must report.

usage: make_invalid_models.py OUT_DIR
Prints JSON: {"cases": [{"case", "path", "code", "node", "graph", "extra",
                          "checker_rejects", "checker_message"}]}
"extra": false when onnx.checker must reject the model too (onnx-lens reports an error); "warning" or
"error" for checks beyond onnx.checker, which must accept the model while onnx-lens reports that severity.
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
F = TensorProto.FLOAT
CASES = []


def case(code, node=None, graph="", extra=False, name=None):
    def register(builder):
        CASES.append({"case": name or builder.__name__, "code": code, "node": node, "graph": graph,
                      "extra": extra, "build": builder})
        return builder
    return register


def vi(name, dtype=F, shape=(2, 3)):
    return helper.make_tensor_value_info(name, dtype, list(shape) if shape is not None else None)


def model(nodes, inputs=None, outputs=None, inits=(), opset=17, ir=None, extra_opsets=(), **kw):
    g = helper.make_graph(nodes, "g", inputs if inputs is not None else [vi("x")],
                          outputs if outputs is not None else [vi("y")], initializer=list(inits), **kw)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset), *extra_opsets])
    if ir is not None:
        m.ir_version = ir
    return m


def relu(i, o, name):
    return helper.make_node("Relu", [i], [o], name=name)


# ---- graph structure -------------------------------------------------------------------------
@case("cycle", node="first")
def real_cycle():
    return model([helper.make_node("Add", ["x", "b"], ["a"], name="first"),
                  helper.make_node("Relu", ["a"], ["b"], name="second"),
                  relu("a", "y", "out")])


@case("dangling-input", node="uses_ghost")
def dangling_input():
    return model([helper.make_node("Add", ["x", "ghost"], ["y"], name="uses_ghost")])


@case("unsorted-nodes", node="early")
def unsorted_nodes():
    return model([relu("h", "y", "early"), relu("x", "h", "late")])


@case("ssa-violation", node="twice_b")
def duplicate_output_name():
    return model([relu("x", "h", "twice_a"), relu("x", "h", "twice_b"), relu("h", "y", "out")])


@case("ssa-violation", node="shadows_input")
def output_overwrites_graph_input():
    return model([relu("x", "x", "shadows_input"), relu("x", "y", "out")])


@case("graph-output-not-produced")
def output_not_produced():
    return model([relu("x", "h", "r")], outputs=[vi("y")])


@case("empty-graph-name")
def empty_graph_name():
    m = model([relu("x", "y", "r")])
    m.graph.name = ""
    return m


@case("value-missing-type")
def input_without_type():
    x = onnx.ValueInfoProto()
    x.name = "x"
    return model([relu("x", "y", "r")], inputs=[x])


@case("value-missing-elem-type")
def input_without_elem_type():
    x = helper.make_tensor_value_info("x", TensorProto.UNDEFINED, [2])
    return model([relu("x", "y", "r")], inputs=[x])


@case("duplicate-initializer")
def duplicate_initializer():
    w = numpy_helper.from_array(np.ones((2, 3), np.float32), "w")
    return model([helper.make_node("Add", ["x", "w"], ["y"], name="add")], inits=[w, w])


@case("initializer-not-in-inputs")
def ir3_initializer_not_an_input():
    w = numpy_helper.from_array(np.ones((2, 3), np.float32), "w")
    return model([helper.make_node("Add", ["x", "w"], ["y"], name="add")], inits=[w], opset=8, ir=3)


@case("initializer-type-mismatch")
def ir3_initializer_contradicts_its_input():
    # Found by fuzzing: tract read such a tensor past its data (a segfault), so shapes and run refuse it.
    w = numpy_helper.from_array(np.ones((3,), np.float32), "w")
    return model([helper.make_node("Add", ["x", "w"], ["y"], name="add")], inputs=[vi("x"), vi("w")],
                 inits=[w], opset=8, ir=3)


# ---- model -------------------------------------------------------------------------------------
@case("missing-default-opset")
def missing_default_opset():
    m = model([relu("x", "y", "r")])
    del m.opset_import[:]
    m.opset_import.append(helper.make_opsetid("ai.onnx.ml", 3))
    return m


@case("ir-version-missing")
def ir_version_zero():
    return model([relu("x", "y", "r")], ir=0)


@case("ir-version-too-new")
def ir_version_from_the_future():
    return model([relu("x", "y", "r")], ir=99)


@case("duplicate-metadata-key")
def duplicate_metadata():
    m = model([relu("x", "y", "r")])
    helper.set_model_props(m, {"author": "a"})
    m.metadata_props.add(key="author", value="b")
    return m


@case("opset-too-new", extra="warning")
def opset_from_the_future():
    return model([relu("x", "y", "r")], opset=99)


@case("ir-too-old-for-opset", extra="warning")
def ir_too_old_for_opset():
    return model([relu("x", "y", "r")], opset=17, ir=7)


@case("duplicate-opset-import", extra="warning")
def duplicate_opset_import():
    return model([relu("x", "y", "r")], extra_opsets=[helper.make_opsetid("", 13)])


@case("unused-opset-import", extra="warning")
def unused_opset_import():
    return model([relu("x", "y", "r")], extra_opsets=[helper.make_opsetid("ai.onnx.ml", 3)])


# ---- nodes -------------------------------------------------------------------------------------
@case("unknown-op", node="mystery")
def unknown_op():
    return model([helper.make_node("Frobnicate", ["x"], ["y"], name="mystery")])


@case("op-not-in-opset", node="gelu")
def op_newer_than_opset():
    return model([helper.make_node("Gelu", ["x"], ["y"], name="gelu")], opset=13)


@case("deprecated-op", node="up")
def deprecated_op():
    scales = numpy_helper.from_array(np.array([1, 1], np.float32), "scales")
    return model([helper.make_node("Upsample", ["x", "scales"], ["y"], name="up")], inits=[scales], opset=10)


@case("no-opset-for-domain", node="norm")
def domain_not_imported():
    return model([helper.make_node("Normalizer", ["x"], ["y"], name="norm", domain="ai.onnx.ml", norm="MAX")])


@case("input-arity", node="relu2")
def too_many_inputs():
    return model([helper.make_node("Relu", ["x", "x"], ["y"], name="relu2")])


@case("input-arity", node="add1")
def too_few_inputs():
    return model([helper.make_node("Add", ["x"], ["y"], name="add1")])


@case("output-arity", node="relu_two_out")
def too_many_outputs():
    return model([helper.make_node("Relu", ["x"], ["y", "z"], name="relu_two_out")])


@case("empty-required-input", node="add_empty")
def empty_required_input():
    return model([helper.make_node("Add", ["", "x"], ["y"], name="add_empty")])


@case("attribute-type", node="conv")
def wrong_attribute_type():
    x = vi("x", shape=(1, 1, 4, 4))
    w = numpy_helper.from_array(np.ones((1, 1, 3, 3), np.float32), "w")
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="conv")
    node.attribute.append(helper.make_attribute("group", 1.0))
    return model([node], inputs=[x], outputs=[vi("y", shape=(1, 1, 2, 2))], inits=[w])


@case("missing-required-attribute", node="cast")
def missing_required_attribute():
    return model([helper.make_node("Cast", ["x"], ["y"], name="cast")])


@case("unknown-attribute", node="relu_alpha")
def unknown_attribute():
    return model([helper.make_node("Relu", ["x"], ["y"], name="relu_alpha", alpha=0.1)])


@case("duplicate-attribute", node="dup_attr")
def duplicate_attribute():
    node = helper.make_node("Concat", ["x", "x"], ["y"], name="dup_attr", axis=0)
    node.attribute.append(helper.make_attribute("axis", 1))
    return model([node], outputs=[vi("y", shape=(4, 3))])


@case("attribute-value-fields", node="two_values")
def attribute_with_two_value_fields():
    node = helper.make_node("Concat", ["x", "x"], ["y"], name="two_values", axis=0)
    node.attribute[0].floats.extend([1.0, 2.0])
    return model([node], outputs=[vi("y", shape=(4, 3))])


@case("ref-attr-outside-function", node="ref", extra="warning")
def ref_attr_in_main_graph():
    node = helper.make_node("Concat", ["x", "x"], ["y"], name="ref")
    a = onnx.AttributeProto()
    a.name, a.ref_attr_name, a.type = "axis", "outer_axis", onnx.AttributeProto.INT
    node.attribute.append(a)
    return model([node], outputs=[vi("y", shape=(4, 3))])


@case("type-constraint", node="relu_int")
def relu_on_int64_at_opset_13():
    x = vi("x", TensorProto.INT64)
    return model([relu("x", "y", "relu_int")], inputs=[x], outputs=[vi("y", TensorProto.INT64)], opset=13)


@case("type-mismatch", node="mixed_add")
def add_of_float_and_int():
    return model([helper.make_node("Add", ["x", "i"], ["y"], name="mixed_add")],
                 inputs=[vi("x"), vi("i", TensorProto.INT64)])


@case("type-mismatch", node="r")
def output_declared_with_other_type():
    return model([relu("x", "y", "r")], outputs=[vi("y", TensorProto.DOUBLE)])


# ---- tensors -----------------------------------------------------------------------------------
def add_with(t):
    return model([helper.make_node("Add", ["x", t.name], ["y"], name="add")], inits=[t])


@case("tensor-data-length")
def raw_data_length_mismatch():
    t = numpy_helper.from_array(np.ones((2, 3), np.float32), "w")
    t.raw_data = t.raw_data[:-4]
    return add_with(t)


@case("tensor-data-length", name="typed_data_length_mismatch")
def typed_length_mismatch():
    t = helper.make_tensor("w", F, (2, 3), [1.0] * 6)
    del t.float_data[-1]
    return add_with(t)


@case("tensor-undefined-dtype")
def undefined_tensor_dtype():
    t = numpy_helper.from_array(np.ones((2, 3), np.float32), "w")
    t.data_type = TensorProto.UNDEFINED
    return add_with(t)


@case("string-in-raw-data")
def string_tensor_in_raw_data():
    t = helper.make_tensor("w", TensorProto.STRING, (1,), [b"a"])
    del t.string_data[:]
    t.raw_data = b"a"
    return model([helper.make_node("Identity", ["w"], ["y"], name="id")], inputs=[],
                 outputs=[vi("y", TensorProto.STRING, (1,))], inits=[t])


@case("tensor-multiple-data-fields")
def tensor_with_two_data_fields():
    t = numpy_helper.from_array(np.ones((2, 3), np.float32), "w")
    t.float_data.extend([1.0] * 6)
    return add_with(t)


def external(location):
    t = numpy_helper.from_array(np.ones((2, 3), np.float32), "w")
    t.ClearField("raw_data")
    t.data_location = TensorProto.EXTERNAL
    t.external_data.add(key="location", value=location)
    return add_with(t)


@case("external-data-outside-model-dir")
def external_data_escapes():
    return external("../outside.bin")


@case("external-data-outside-model-dir", name="external_data_absolute_path")
def external_data_absolute():
    return external("/etc/passwd")


@case("external-data-missing")
def external_data_missing():
    return external("not_there.bin")


@case("external-data-out-of-range", extra="error")
def external_data_past_end():
    m = external("short.bin")
    m.graph.initializer[0].external_data.add(key="offset", value="16")
    with open(os.path.join(OUT, "short.bin"), "wb") as f:
        f.write(b"\0" * 20)
    return m


@case("sparse-indices-out-of-range")
def sparse_index_out_of_range():
    values = numpy_helper.from_array(np.array([1.0, 2.0], np.float32), "s")
    indices = numpy_helper.from_array(np.array([1, 7], np.int64), "s_idx")
    sp = helper.make_sparse_tensor(values, indices, [2, 3])
    return model([helper.make_node("Add", ["x", "s"], ["y"], name="add")], sparse_initializer=[sp])


@case("sparse-indices-unsorted")
def sparse_indices_unsorted():
    values = numpy_helper.from_array(np.array([1.0, 2.0], np.float32), "s")
    indices = numpy_helper.from_array(np.array([4, 1], np.int64), "s_idx")
    sp = helper.make_sparse_tensor(values, indices, [2, 3])
    return model([helper.make_node("Add", ["x", "s"], ["y"], name="add")], sparse_initializer=[sp])


# ---- subgraphs ----------------------------------------------------------------------------------
def if_model(then_nodes):
    then_g = helper.make_graph(then_nodes, "then", [], [vi("t_out")])
    else_g = helper.make_graph([relu("x", "e_out", "else_relu")], "else", [], [vi("e_out")])
    cond = vi("cond", TensorProto.BOOL, ())
    node = helper.make_node("If", ["cond"], ["y"], name="branch", then_branch=then_g, else_branch=else_g)
    return model([node], inputs=[vi("x"), cond])


@case("dangling-input", node="then_add", graph="branch/then_branch")
def subgraph_with_dangling_input():
    return if_model([helper.make_node("Add", ["x", "nowhere"], ["t_out"], name="then_add")])


@case("unknown-op", node="then_mystery", graph="branch/then_branch")
def subgraph_with_unknown_op():
    return if_model([helper.make_node("Frobnicate", ["x"], ["t_out"], name="then_mystery")])


# ---- functions ----------------------------------------------------------------------------------
def with_function(fn, call_inputs=("x",)):
    call = helper.make_node(fn.name, list(call_inputs), ["y"], name="call", domain=fn.domain)
    m = model([call], extra_opsets=[helper.make_opsetid(fn.domain, 1)])
    m.functions.append(fn)
    return m


@case("function-duplicate-input", graph="function local:F")
def function_duplicate_input():
    fn = helper.make_function("local", "F", ["a", "a"], ["b"], [relu("a", "b", "f_relu")],
                              [helper.make_opsetid("", 17)])
    return with_function(fn, ("x", "x"))


@case("unknown-op", node="f_bad", graph="function local:F")
def function_with_unknown_op():
    fn = helper.make_function("local", "F", ["a"], ["b"], [helper.make_node("Frobnicate", ["a"], ["b"], name="f_bad")],
                              [helper.make_opsetid("", 17)])
    return with_function(fn)


@case("function-opset-mismatch", graph="function local:F")
def function_opset_mismatch():
    fn = helper.make_function("local", "F", ["a"], ["b"], [relu("a", "b", "f_relu")],
                              [helper.make_opsetid("", 13)])
    return with_function(fn)


@case("dangling-input", node="f_add", graph="function local:F")
def function_dangling_input():
    fn = helper.make_function("local", "F", ["a"], ["b"], [helper.make_node("Add", ["a", "zz"], ["b"], name="f_add")],
                              [helper.make_opsetid("", 17)])
    return with_function(fn)


# ---- beyond onnx.checker (warnings) -------------------------------------------------------------
@case("unused-initializer", extra="warning")
def unused_initializer():
    w = numpy_helper.from_array(np.ones((2, 3), np.float32), "never_used")
    return model([relu("x", "y", "r")], inits=[w])


@case("dead-node", node="orphan", extra="warning")
def dead_node():
    return model([relu("x", "y", "r"), helper.make_node("Neg", ["x"], ["lost"], name="orphan")])


@case("unused-input", extra="warning")
def unused_input():
    return model([relu("x", "y", "r")], inputs=[vi("x"), vi("spare")])


@case("unused-function", graph="function local:Never", extra="warning")
def unused_function():
    m = model([relu("x", "y", "r")])
    m.functions.append(helper.make_function("local", "Never", ["a"], ["b"], [relu("a", "b", "f")],
                                            [helper.make_opsetid("", 17)]))
    return m


@case("unchecked-op", node="custom", extra="warning")
def custom_domain_op():
    return model([helper.make_node("MyOp", ["x"], ["y"], name="custom", domain="com.example")],
                 extra_opsets=[helper.make_opsetid("com.example", 1)])


def three_independent_problems():
    return model([helper.make_node("Frobnicate", ["x"], ["a"], name="p1_unknown"),
                  helper.make_node("Cast", ["a"], ["b"], name="p2_cast"),
                  helper.make_node("Add", ["b", "ghost"], ["y"], name="p3_dangling")])


multi = os.path.join(OUT, "three_problems.onnx")
onnx.save_model(three_independent_problems(), multi)

results = []
for c in CASES:
    m = c["build"]()
    path = os.path.join(OUT, c["case"] + ".onnx")
    onnx.save_model(m, path)
    try:
        onnx.checker.check_model(path, full_check=True)
        rejects, message = False, ""
    except Exception as e:  # the checker raises ValidationError, or InferenceError with full_check
        rejects, message = True, str(e).splitlines()[0][:300]
    results.append({k: v for k, v in c.items() if k != "build"} |
                   {"path": path, "checker_rejects": rejects, "checker_message": message})
print(json.dumps({"cases": results, "three_problems": {
    "path": multi, "codes": ["unknown-op", "missing-required-attribute", "dangling-input"],
    "nodes": ["p1_unknown", "p2_cast", "p3_dangling"]}}))
