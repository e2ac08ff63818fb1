"""Validates SARIF logs against the vendored SARIF 2.1.0 JSON schema (tests/sarif/).

usage: validate_sarif.py LOG.json [LOG.json ...]
Prints JSON (last line): {"logs": [{"path", "valid", "errors"}]}
"""
import json
import os
import sys

import jsonschema

SCHEMA = os.path.join(os.path.dirname(__file__), "..", "sarif", "sarif-2.1.0-rtm.5.json")
with open(SCHEMA) as f:
    schema = json.load(f)
validator = jsonschema.Draft4Validator(schema)
logs = []
for path in sys.argv[1:]:
    with open(path) as f:
        log = json.load(f)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(log)]
    logs.append({"path": path, "valid": not errors, "errors": errors[:20]})
print(json.dumps({"logs": logs}))
