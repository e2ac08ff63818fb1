"""Generates assets/onnx_schemas.json: the operator table onnx-lens checks nodes against.

Run with the onnx version pinned in tests/requirements.txt (and, optionally, onnxruntime for the
names of its contrib ops, which onnx-lens knows but does not check):

    python assets/gen_schemas.py > assets/onnx_schemas.json

Layout (compact, one entry per (domain, op, since_version)):
  {"onnx_version", "ir_version", "opset_ir": {opset: min IR}, "ml_opset_ir": {...},
   "schemas": [[domain, name, since, flags, [min_in, max_in, min_out, max_out],
                inputs, outputs, attributes, type_constraints, doc]],
   "contrib": {domain: [op names]}}
  flags: 1 deprecated, 2 experimental
  inputs/outputs: [[name, type_str, option (0 single, 1 optional, 2 variadic), homogeneous, min_arity]]
  attributes: [[name, AttrType number, required]]
  type_constraints: {param: [allowed type strings]}
  doc: the first sentence of the schema's documentation.
"""
import json
import re
import sys

import onnx
import onnx.defs
from onnx import helper


def first_sentence(doc):
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>|\*\*|`", "", doc or "")).strip()
    m = re.match(r"(.{20,300}?[.!?])(\s|$)", text)
    return m.group(1) if m else text[:300]


def param(p):
    return [p.name, p.type_str, int(p.option.value), bool(p.is_homogeneous), int(p.min_arity)]


schemas = []
for s in sorted(onnx.defs.get_all_schemas_with_history(), key=lambda s: (s.domain, s.name, s.since_version)):
    flags = (1 if s.deprecated else 0) | (2 if s.support_level == s.SupportType.EXPERIMENTAL else 0)
    schemas.append([
        s.domain,
        s.name,
        s.since_version,
        flags,
        [s.min_input, min(s.max_input, 2**31 - 1), s.min_output, min(s.max_output, 2**31 - 1)],
        [param(p) for p in s.inputs],
        [param(p) for p in s.outputs],
        [[a.name, int(a.type.value), bool(a.required)] for a in s.attributes.values()],
        {t.type_param_str: list(t.allowed_type_strs) for t in s.type_constraints},
        first_sentence(s.doc),
    ])

# Lowest IR version that can carry each opset version (from onnx's release table).
opset_ir, ml_opset_ir = {}, {}
for row in helper.VERSION_TABLE:
    _, ir, opset, ml = row[:4]
    opset_ir.setdefault(opset, ir)
    ml_opset_ir.setdefault(ml, ir)

contrib = {}
try:
    from onnxruntime.capi import onnxruntime_pybind11_state as ort

    for s in ort.get_all_operator_schema():
        if s.domain not in ("", "ai.onnx", "ai.onnx.ml"):
            contrib.setdefault(s.domain, set()).add(s.name)
except ImportError:
    print("onnxruntime not installed: no contrib op names", file=sys.stderr)

json.dump(
    {
        "onnx_version": onnx.__version__,
        "ir_version": onnx.IR_VERSION,
        "opset_ir": opset_ir,
        "ml_opset_ir": ml_opset_ir,
        "schemas": schemas,
        "contrib": {d: sorted(n) for d, n in sorted(contrib.items())},
    },
    sys.stdout,
    separators=(",", ":"),
)
