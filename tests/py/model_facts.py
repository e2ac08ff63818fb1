"""Counts the onnx package reports for each backend test model, as JSON (the reference for `info`)."""
import onnx

from common import backend_data_dir, backend_models, emit

facts = []
for path in backend_models():
    m = onnx.load(path, load_external_data=False)
    inits = {t.name for t in m.graph.initializer}
    facts.append(
        {
            "path": path,
            "ir_version": m.ir_version,
            "inputs": [i.name for i in m.graph.input if i.name not in inits],
            "outputs": [o.name for o in m.graph.output],
            "initializer_count": len(m.graph.initializer),
            "node_count": len(m.graph.node),
            "opset_import": [[o.domain, o.version] for o in m.opset_import],
        }
    )
emit({"data_dir": backend_data_dir(), "models": facts})
