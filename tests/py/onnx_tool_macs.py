"""onnx-tool's per-node MACs and parameter counts for a model with static input shapes.

usage: onnx_tool_macs.py MODEL
Prints JSON {"nodes": {node name: {"op", "macs", "params"}}, "params": total}. onnx-tool counts a
bias add as one more MAC per output element and elementwise ops as MACs; the caller compares
where the conventions agree (README, "Cost").
"""
import sys
import warnings

warnings.filterwarnings("ignore")
import onnx_tool  # noqa: E402

from common import emit  # noqa: E402

m = onnx_tool.Model(sys.argv[1])
g = m.graph
g.shape_infer()
g.profile()
nodes = {name: {"op": n.op_type, "macs": float(n.macs[0]), "params": int(n.params)}
         for name, n in g.nodemap.items()}
emit({"nodes": nodes, "params": int(g.params)})
