"""What onnxruntime says about every declared dynamic dim of a model: the truth the dynamic-axes
report is tested against. Each symbol is judged on its own: the others are held at values at which
the model runs, the symbol is run at two values, and it is `dynamic` when both runs succeed (and
`lost` when one fails, with the node onnxruntime names) — or when it runs with another symbol moved
by as much (tied symbols: a KV-cache step's mask is past + sequence long). Unnamed dims (`?`) that only work when
varied together (a Concat or Add of two inputs' batch) are one symbol.

With the outputs' shapes onnxruntime gives at the held values (`outputs_at_base`), the truth the
shape inference of the same files is tested against.

usage: axes_truth.py MODEL...   (prints JSON: {model: {"dims": [...], "base": {...}, "outputs_at_base": [...]}})
"""
import json
import re
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper

ort.set_default_logger_severity(3)
CANDIDATES = [2, 3, 4, 5, 6, 7, 8, 12, 16, 24, 32, 64]


def declared_dims(model):
    inits = {t.name for t in model.graph.initializer}
    dims = []
    for i in model.graph.input:
        if i.name in inits:
            continue
        for k, d in enumerate(i.type.tensor_type.shape.dim):
            if d.HasField("dim_value") and d.dim_value >= 0:
                continue
            dims.append((i.name, k, d.dim_param if d.HasField("dim_param") else None))
    return dims


def constants(model):
    """Small positive integers written in the model's integer constants: where a traced size hides."""
    out = set()
    tensors = list(model.graph.initializer)
    for n in model.graph.node:
        for a in n.attribute:
            if a.type == onnx.AttributeProto.TENSOR:
                tensors.append(a.t)
    for t in tensors:
        if t.data_type in (onnx.TensorProto.INT64, onnx.TensorProto.INT32) and np.prod(t.dims) <= 8:
            out.update(int(v) for v in numpy_helper.to_array(t).ravel() if 1 < v <= 4096)
    return out


def feeds(session, model, sizes):
    inits = {t.name for t in model.graph.initializer}
    rng = np.random.default_rng(0)
    out = {}
    for i in session.get_inputs():
        proto = next(p for p in model.graph.input if p.name == i.name and p.name not in inits)
        shape = []
        for k, d in enumerate(proto.type.tensor_type.shape.dim):
            shape.append(d.dim_value if d.HasField("dim_value") and d.dim_value >= 0 else sizes[(i.name, k)])
        name = i.name.lower()
        if "int" in i.type:
            dtype = np.int64 if "int64" in i.type else np.int32
            if "mask" in name:
                out[i.name] = np.ones(shape, dtype)
            elif "type" in name or "position" in name:
                out[i.name] = np.zeros(shape, dtype)
            else:
                out[i.name] = rng.integers(0, 10, shape).astype(dtype)
        elif "double" in i.type:
            out[i.name] = rng.standard_normal(shape)
        else:
            out[i.name] = rng.standard_normal(shape).astype(np.float32)
    return out


def run(session, model, sizes):
    """None when it runs, else the node onnxruntime names in its error (or the error's text)."""
    try:
        outs = session.run(None, feeds(session, model, sizes))
        return None, [list(np.shape(o)) for o in outs]
    except Exception as e:  # onnxruntime's errors name the node: "… node. Name:'/fc/Gemm' Status Message …"
        m = re.search(r"Name:'([^']*)'", str(e))
        return (m.group(1) if m else str(e)[:200]), None


def blamable(model, failing):
    """The nodes a report may rightly blame for a loss onnxruntime sees at `failing`: that node,
    the nodes upstream of it (where the symbol was pinned, as a Reshape to a traced shape before
    the Gemm that fails), and the nodes reading the same constant (onnxruntime may meet either of
    two Expands of one traced initial state first)."""
    producer = {o: n for n in model.graph.node for o in n.output}
    fixed = {t.name for t in model.graph.initializer} | {n.output[0] for n in model.graph.node if n.op_type == "Constant"}
    start = next((n for n in model.graph.node if n.name == failing), None)
    if start is None:
        return [failing]
    out, todo = set(), [start]
    while todo:
        n = todo.pop()
        if n.name in out:
            continue
        out.add(n.name)
        todo.extend(producer[i] for i in n.input if i in producer)
    def constants_behind(node, depth=4):
        """The constants a node's non-data inputs are computed from (a traced shape's numbers)."""
        found, todo = set(), [(i, 0) for i in node.input[1:]]
        while todo:
            v, d = todo.pop()
            if v in fixed:
                found.add(v)
            elif v in producer and d < depth:
                todo.extend((i, d + 1) for i in producer[v].input)
        return found
    shared = constants_behind(start) | {i for i in start.input if i in fixed}
    out.update(n.name for n in model.graph.node
               if (n.op_type == start.op_type and shared & constants_behind(n)) or shared & set(n.input))
    return sorted(out)


def placeholder(param):
    """No name, or one an exporter made up for a dim it did not know (tf2onnx's unk__N)."""
    return not param or re.fullmatch(r"unk__\d+", param) is not None or "DynamicDimension" in param


def key(name, k, param):
    return f"?{name}:{k}" if placeholder(param) else param


def judge(path):
    model = onnx.load(path)
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    dims = declared_dims(model)
    # Symbols: a named dim is one symbol wherever it appears; an unnamed one is its own.
    groups = {}
    for name, k, param in dims:
        groups.setdefault(key(name, k, param), []).append((name, k))
    candidates = sorted(set(CANDIDATES) | constants(model))
    # A base at which the model runs: each symbol moved to the first value that makes it run.
    base = {g: 2 for g in groups}

    def sizes(values):
        return {d: values[g] for g, ds in groups.items() for d in ds}

    def runs(values):
        return run(session, model, sizes(values))[0] is None

    for _ in range(2):
        for g in groups:
            if runs(base):
                break
            for v in candidates:
                trial = dict(base, **{g: v})
                if runs(trial):
                    base = trial
                    break
    # Symbols the model needs together (a ViT's height and width at its position embeddings' size).
    names = list(groups)
    for i, g in enumerate(names):
        for h in names[i + 1:]:
            for v in candidates:
                if runs(base):
                    break
                trial = dict(base, **{g: v, h: v})
                if runs(trial):
                    base = trial
    verdicts = {}
    for g in groups:
        # Twice the working value keeps what divisibility the model needs (a UNet's skip
        # connections want even sizes): the question is whether the dim is dynamic at all.
        other = 2 * base[g]
        together = [g]
        if g.startswith("?"):
            # Unnamed dims the graph forces equal: varied alone they fail, together they run.
            alone = run(session, model, sizes(dict(base, **{g: other})))[0]
            if alone is not None:
                same_axis = [h for h in groups if h.startswith("?") and h.split(":")[1] == g.split(":")[1]]
                if run(session, model, sizes(dict(base, **{h: other for h in same_axis})))[0] is None:
                    together = same_axis
        failed_at = None
        for v in (base[g], other):
            err, _ = run(session, model, sizes(dict(base, **{h: v for h in together})))
            if err is not None:
                failed_at = err
                break
        if failed_at is not None:
            # Tied symbols (a KV-cache mask is past + sequence long): moved by the same amount
            # together, does it run?
            delta = other - base[g]
            for h in groups:
                if h not in together and runs(dict(base, **{g: other, h: base[h] + delta})):
                    failed_at = None
                    break
        verdicts[g] = ("dynamic", None) if failed_at is None else ("lost", failed_at)
    out = []
    for name, k, param in dims:
        g = key(name, k, param)
        status, node = verdicts[g]
        out.append({"input": name, "dim_index": k, "status": status, "ort_failing_node": node,
                    "blamable": blamable(model, node) if node else []})
    _, shapes = run(session, model, sizes(base))
    outputs = [{"name": o.name, "shape": s} for o, s in zip(session.get_outputs(), shapes or [])]
    # Every dim name at its held value too (a placeholder's group is keyed by its first dim).
    named = {param: base[key(name, k, param)] for name, k, param in dims if param}
    return {"dims": out, "base": {**named, **{g: base[g] for g in groups}}, "outputs_at_base": outputs}


print(json.dumps({p: judge(p) for p in sys.argv[1:]}))
