"""Trains a scikit-learn RandomForest on Iris and exports it with skl2onnx twice: with zipmap=False
(tensor outputs) and with the default ZipMap output (a sequence of maps).

argv: <models_dir>. Writes <models_dir>/sk_forest/1/model.onnx and <models_dir>/sk_zipmap/1/model.onnx.
stdout: {"rows": [[...]], "predict_proba": [[...]], "classes": [...], "skl2onnx": "x.y"}
"""
import json
import os
import sys

import numpy as np
import skl2onnx
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier

models_dir = sys.argv[1]
iris = load_iris()
X = iris.data.astype(np.float32)
clf = RandomForestClassifier(n_estimators=25, max_depth=4, random_state=0).fit(X, iris.target)
types = [("float_input", FloatTensorType([None, 4]))]
for name, options in (("sk_forest", {id(clf): {"zipmap": False}}), ("sk_zipmap", None)):
    onx = convert_sklearn(clf, initial_types=types, options=options, target_opset={"": 17, "ai.onnx.ml": 3})
    out = os.path.join(models_dir, name, "1")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "model.onnx"), "wb") as f:
        f.write(onx.SerializeToString())
json.dump({
    "rows": X.astype(float).tolist(),
    "predict_proba": clf.predict_proba(X).tolist(),
    "classes": iris.target_names.tolist(),
    "skl2onnx": skl2onnx.__version__,
}, sys.stdout)
