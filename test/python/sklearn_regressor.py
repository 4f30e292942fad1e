"""Trains a scikit-learn LinearRegression on Iris (petal width from the other three features) and
exports it with skl2onnx, for the TF-Serving :regress tests.

argv: <models_dir>. Writes <models_dir>/petal_width/1/model.onnx and metadata.json.
stdout: {"rows": [[3 floats], ...], "predict": [...]} (scikit-learn's own predictions)
"""
import json
import os
import sys

import numpy as np
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType
from sklearn.datasets import load_iris
from sklearn.linear_model import LinearRegression

models_dir = sys.argv[1]
iris = load_iris()
X = iris.data[:, :3].astype(np.float32)
y = iris.data[:, 3]
reg = LinearRegression().fit(X, y)
onx = convert_sklearn(reg, initial_types=[("float_input", FloatTensorType([None, 3]))], target_opset={"": 17, "ai.onnx.ml": 3})
out = os.path.join(models_dir, "petal_width", "1")
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "model.onnx"), "wb") as f:
    f.write(onx.SerializeToString())
with open(os.path.join(out, "metadata.json"), "w") as f:
    json.dump({"model_type": "LinearRegression", "feature_names": ["sepal_length", "sepal_width", "petal_length"], "input_name": "float_input"}, f)
rows = X[:3].astype(float).tolist()
json.dump({"rows": rows, "predict": reg.predict(np.array(rows, dtype=np.float32)).tolist()}, sys.stdout)
