"""Builds one invalid (or suspicious) model per validator check, runs onnx.checker
(full_check=True) on each, and writes a manifest of what onnx-lens must report.

usage: make_invalid_models.py OUT_DIR
Prints JSON: {"cases": [{"case", "path", "code", "node", "graph", "extra",
                          "checker_rejects", "checker_message"}]}
"extra": false when onnx.checker must reject the model too (onnx-lens reports an error); "warning" or
"error" for checks beyond onnx.checker, which must accept the model while onnx-lens reports that severity.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from common import checker_verdict, emit

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
@case("no-opset-for-domain", node="r")
def default_domain_node_without_its_import():
    m = model([relu("x", "y", "r")])
    del m.opset_import[:]
    m.opset_import.append(helper.make_opsetid("ai.onnx.ml", 3))
    return m


@case("missing-default-opset")
def no_opset_import_at_all():
    m = model([relu("x", "y", "r")])
    del m.opset_import[:]
    return m


@case("opset-import-below-ir3")
def ir2_with_opset_import():
    return model([relu("x", "y", "r")], opset=1, ir=2)


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


# ---- what onnx.checker finds that a first validator missed (issue: validator verdicts) ----------
@case("empty-value-name")
def initializer_without_name():
    return model([relu("x", "y", "r")], inits=[numpy_helper.from_array(np.zeros(2, np.float32), "")])


@case("empty-value-name")
def sparse_initializer_without_name():
    values = numpy_helper.from_array(np.array([1.0], np.float32), "")
    indices = numpy_helper.from_array(np.array([1], np.int64), "")
    return model([relu("x", "y", "r")], sparse_initializer=[helper.make_sparse_tensor(values, indices, [2, 3])])


@case("value-missing-shape")
def main_output_without_shape():
    return model([relu("x", "y", "r")], outputs=[helper.make_tensor_value_info("y", F, None)])


def calls(domain, name, callee, node_name):
    return helper.make_node(callee, ["a"], ["b"], name=node_name, domain=domain)


@case("recursive-function", graph="function local:F")
def function_calling_itself():
    fn = helper.make_function("local", "F", ["a"], ["b"], [calls("local", "F", "F", "again")],
                              [helper.make_opsetid("", 17), helper.make_opsetid("local", 1)])
    return with_function(fn)


@case("recursive-function", graph="function local:F")
def functions_calling_each_other():
    f = helper.make_function("local", "F", ["a"], ["b"], [calls("local", "F", "G", "to_g")],
                             [helper.make_opsetid("", 17), helper.make_opsetid("local", 1)])
    g = helper.make_function("local", "G", ["a"], ["b"], [calls("local", "G", "F", "to_f")],
                             [helper.make_opsetid("", 17), helper.make_opsetid("local", 1)])
    m = with_function(f)
    m.functions.append(g)
    return m


@case("shape-inference", node="deconv")
def conv_transpose_channels_not_divisible_by_group():
    w = numpy_helper.from_array(np.zeros((3, 2, 3, 3), np.float32), "W")
    return model([helper.make_node("ConvTranspose", ["x", "W"], ["y"], name="deconv", group=2)],
                 inputs=[vi("x", F, (1, 3, 5, 5))], outputs=[vi("y", F, (1, 4, 7, 7))], inits=[w])


@case("subgraph-input-count", node="loop")
def ir3_loop_body_input_not_provided():
    body = helper.make_graph(
        [helper.make_node("Add", ["v", "extra"], ["v2"], name="body_add"),
         helper.make_node("Identity", ["cond"], ["cond2"], name="body_cond")],
        "body", [vi("i", TensorProto.INT64, ()), vi("cond", TensorProto.BOOL, ()), vi("v"), vi("extra")],
        [vi("cond2", TensorProto.BOOL, ()), vi("v2")])
    node = helper.make_node("Loop", ["M", "c", "x"], ["y"], name="loop", body=body)
    return model([node], inputs=[vi("x"), vi("M", TensorProto.INT64, ()), vi("c", TensorProto.BOOL, ())],
                 opset=8, ir=3)


@case("subgraph-input-count", node="branch")
def if_branch_with_an_input():
    then_g = helper.make_graph([relu("x", "t", "then_relu")], "then", [vi("q")], [vi("t")])
    else_g = helper.make_graph([relu("x", "e", "else_relu")], "else", [], [vi("e")])
    node = helper.make_node("If", ["cond"], ["y"], name="branch", then_branch=then_g, else_branch=else_g)
    return model([node], inputs=[vi("x"), vi("cond", TensorProto.BOOL, ())])


@case("declared-shape-mismatch", node="mm")
def matmul_output_declared_with_another_rank():
    return model([helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")],
                 inputs=[vi("x", F, (2, 3)), vi("w", F, (3, 4))], outputs=[vi("y", F, (8,))])


@case("declared-shape-mismatch", node="mm")
def matmul_value_info_with_another_dim():
    return model([helper.make_node("MatMul", ["x", "w"], ["h"], name="mm"), relu("h", "y", "r")],
                 inputs=[vi("x", F, (2, 3)), vi("w", F, (3, 4))], outputs=[vi("y", F, (2, 4))],
                 value_info=[vi("h", F, (2, 5))])


@case("shape-inference", node="cat")
def concat_axis_beyond_rank():
    return model([helper.make_node("Concat", ["x", "x"], ["y"], name="cat", axis=5)],
                 outputs=[vi("y", F, (4, 3))])


@case("shape-inference", node="split")
def split_axis_beyond_rank():
    return model([helper.make_node("Split", ["x"], ["y", "z"], name="split", axis=4, num_outputs=2)],
                 inputs=[vi("x", F, (2, 4))], outputs=[vi("y", F, (2, 2)), vi("z", F, (2, 2))], opset=18)


@case("type-constraint", node="const")
def constant_of_a_type_its_opset_lacks():
    value = helper.make_tensor("v", TensorProto.BFLOAT16, [2], [0, 0])
    return model([helper.make_node("Constant", [], ["y"], name="const", value=value)], inputs=[],
                 outputs=[vi("y", TensorProto.BFLOAT16, (2,))], opset=9)


@case("shape-inference", node="enc")
def label_encoder_default_not_a_singleton():
    node = helper.make_node("LabelEncoder", ["x"], ["y"], name="enc", domain="ai.onnx.ml",
                            keys_int64s=[1, 2], values_int64s=[3, 4],
                            default_tensor=numpy_helper.from_array(np.array([1, 2], np.int64)))
    return model([node], inputs=[vi("x", TensorProto.INT64, (3,))], outputs=[vi("y", TensorProto.INT64, (3,))],
                 extra_opsets=[helper.make_opsetid("ai.onnx.ml", 4)])


@case("shape-inference", node="conv")
def conv_of_a_rank_1_input():
    return model([helper.make_node("Conv", ["x", "w"], ["y"], name="conv")],
                 inputs=[vi("x", F, (3,)), vi("w", F, (1, 3, 3))], outputs=[vi("y", F, (1,))])


@case("shape-inference", node="gemm")
def gemm_of_a_rank_1_input():
    return model([helper.make_node("Gemm", ["x", "w"], ["y"], name="gemm")],
                 inputs=[vi("x", F, (3,)), vi("w", F, (3, 4))], outputs=[vi("y", F, (4,))])


@case("shape-inference", node="ln")
def layer_norm_of_a_scalar():
    return model([helper.make_node("LayerNormalization", ["x", "s"], ["y"], name="ln", axis=-1)],
                 inputs=[vi("x", F, ()), vi("s", F, (1,))], outputs=[vi("y", F, ())])


@case("shape-inference", node="stft")
def stft_of_a_rank_1_signal():
    return model([helper.make_node("STFT", ["x", "step"], ["y"], name="stft")],
                 inputs=[vi("x", F, (16,)), vi("step", TensorProto.INT64, ())], outputs=[vi("y", F, (1, 2, 3, 2))])


# ---- valid models a validator must not call invalid ----------------------------------------------
VALID = []


def valid(builder):
    VALID.append({"case": builder.__name__, "build": builder})
    return builder


def untyped(name):
    return helper.ValueInfoProto(name=name)


def nested_if(depth, x="x", tag="if"):
    """An If whose branches leave their outputs untyped, nested `depth` deep (as silero-vad's)."""
    if depth == 0:
        return relu(x, f"{tag}_leaf", f"{tag}_relu"), f"{tag}_leaf"
    inner, inner_out = nested_if(depth - 1, x, tag + "t")
    then_g = helper.make_graph([inner], f"{tag}_then", [], [untyped(inner_out)])
    else_g = helper.make_graph([helper.make_node("Neg", [x], [f"{tag}_e"], name=f"{tag}_neg")],
                               f"{tag}_else", [], [untyped(f"{tag}_e")])
    node = helper.make_node("If", ["cond"], [f"{tag}_out"], name=tag, then_branch=then_g, else_branch=else_g)
    return node, f"{tag}_out"


@valid
def if_branches_with_untyped_outputs_three_deep():
    node, out = nested_if(3)
    return model([node, relu(out, "y", "r")], inputs=[vi("x"), vi("cond", TensorProto.BOOL, ())])


@valid
def loop_body_with_untyped_inputs_and_outputs():
    body = helper.make_graph(
        [helper.make_node("Add", ["v", "x"], ["v2"], name="body_add"),
         helper.make_node("Identity", ["cond"], ["cond2"], name="body_cond")],
        "body", [untyped("i"), untyped("cond"), untyped("v")], [untyped("cond2"), untyped("v2")])
    node = helper.make_node("Loop", ["M", "c", "x"], ["y"], name="loop", body=body)
    return model([node], inputs=[vi("x"), vi("M", TensorProto.INT64, ()), vi("c", TensorProto.BOOL, ())])


@valid
def function_body_with_an_if():
    then_g = helper.make_graph([relu("a", "t", "f_then")], "then", [], [untyped("t")])
    else_g = helper.make_graph([helper.make_node("Neg", ["a"], ["e"], name="f_else")], "else", [], [untyped("e")])
    fn = helper.make_function("local", "F", ["a", "c"], ["b"],
                              [helper.make_node("If", ["c"], ["b"], name="f_if", then_branch=then_g, else_branch=else_g)],
                              [helper.make_opsetid("", 17)])
    m = with_function(fn, ("x", "cond"))
    m.graph.input.append(vi("cond", TensorProto.BOOL, ()))
    return m


@valid
def only_the_ml_domain_imported():
    node = helper.make_node("Normalizer", ["x"], ["y"], name="norm", domain="ai.onnx.ml", norm="L2")
    m = model([node])
    del m.opset_import[:]
    m.opset_import.append(helper.make_opsetid("ai.onnx.ml", 3))
    return m


@valid
def only_a_custom_domain_imported():
    m = model([helper.make_node("MyOp", ["x"], ["y"], name="custom", domain="com.example")])
    del m.opset_import[:]
    m.opset_import.append(helper.make_opsetid("com.example", 1))
    return m


@valid
def removed_operators_onnx_still_accepts():
    nodes = [helper.make_node("Scale", ["x"], ["s"], name="scale", scale=2.0),
             helper.make_node("ConstantFill", ["s"], ["c"], name="fill", value=1.0),
             helper.make_node("GivenTensorFill", [], ["g"], name="given", values=[1.0], shape=[1]),
             helper.make_node("Add", ["c", "g"], ["y"], name="add")]
    return model(nodes, opset=9, outputs=[vi("y", F, ("a", "b"))])


@valid
def dict_vectorizer_on_a_map_of_tensors():
    x = helper.make_value_info("x", helper.make_map_type_proto(TensorProto.STRING,
                                                               helper.make_tensor_type_proto(TensorProto.INT64, None)))
    node = helper.make_node("DictVectorizer", ["x"], ["y"], name="dv", domain="ai.onnx.ml",
                            string_vocabulary=["a", "b"])
    return model([node], inputs=[x], outputs=[vi("y", TensorProto.INT64, (1, 2))],
                 extra_opsets=[helper.make_opsetid("ai.onnx.ml", 3)])


@valid
def shapes_that_agree_with_their_declarations():
    w = numpy_helper.from_array(np.zeros((4, 3, 3, 3), np.float32), "W")
    shape = numpy_helper.from_array(np.array([0, -1], np.int64), "target")
    nodes = [helper.make_node("Conv", ["x", "W"], ["c"], name="conv", pads=[1, 1, 1, 1], strides=[2, 2]),
             helper.make_node("Relu", ["c"], ["r"], name="relu"),
             helper.make_node("Reshape", ["r", "target"], ["flat"], name="reshape"),
             helper.make_node("Concat", ["flat", "flat"], ["y"], name="cat", axis=1)]
    return model(nodes, inputs=[vi("x", F, ("batch", 3, 8, 8))], inits=[w, shape],
                 outputs=[vi("y", F, ("batch", 128))],
                 value_info=[vi("c", F, ("batch", 4, 4, 4)), vi("flat", F, ("batch", 64))])


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
    rejects, message = checker_verdict(path)
    results.append({k: v for k, v in c.items() if k != "build"} |
                   {"path": path, "checker_rejects": rejects, "checker_message": message})
valid_results = []
for c in VALID:
    m = c["build"]()
    path = os.path.join(OUT, "valid_" + c["case"] + ".onnx")
    onnx.save_model(m, path)
    rejects, message = checker_verdict(path)
    valid_results.append({"case": c["case"], "path": path, "checker_rejects": rejects,
                          "checker_message": message})
emit({"cases": results, "valid": valid_results, "three_problems": {
    "path": multi, "codes": ["unknown-op", "missing-required-attribute", "dangling-input"],
    "nodes": ["p1_unknown", "p2_cast", "p3_dangling"]}})
