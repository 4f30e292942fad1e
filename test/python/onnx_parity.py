"""Runs exported ONNX models with Python onnxruntime on the rows given as JSON on stdin.

stdin: {"models": {"name": "path/model.onnx", ...}, "rows": [[f1, f2, f3, f4], ...]}
stdout: {"name": {"probabilities": [[...], ...], "labels": [...]}, "onnxruntime": "x.y.z"}
"""
import json
import sys

import numpy as np
import onnxruntime as ort

request = json.load(sys.stdin)
rows = np.asarray(request["rows"], dtype=np.float32)
result = {"onnxruntime": ort.__version__}
for name, path in request["models"].items():
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    label, probabilities = session.run(["label", "probabilities"], {session.get_inputs()[0].name: rows})
    result[name] = {"probabilities": probabilities.astype(float).tolist(), "labels": label.astype(int).tolist()}
json.dump(result, sys.stdout)
