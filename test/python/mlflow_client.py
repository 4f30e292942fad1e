"""The Python MLflow client side of the registry tests: register an ONNX model the way a data
scientist would (mlflow.onnx.log_model with registered_model_name), move an alias, and load a
version registered by the gateway back in Python. Prints one JSON object."""
import argparse
import contextlib
import json
import sys

import mlflow
import numpy as np
import onnx
from mlflow import MlflowClient


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("command", choices=["register", "set-alias", "load"])
    ap.add_argument("--tracking", required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--onnx")
    ap.add_argument("--alias")
    ap.add_argument("--version")
    ap.add_argument("--rows", help="JSON list of feature rows for load")
    a = ap.parse_args()
    # MLflow prints run links on stdout; keep stdout for the one JSON answer.
    with contextlib.redirect_stdout(sys.stderr):
        result = run(a)
    print(json.dumps(result))


def run(a: argparse.Namespace) -> dict:
    mlflow.set_tracking_uri(a.tracking)

    if a.command == "register":
        model = onnx.load(a.onnx)
        mlflow.set_experiment("python-client")
        with mlflow.start_run() as active:
            mlflow.log_metric("accuracy", 0.9333)
            mlflow.log_param("n_estimators", 50)
            info = mlflow.onnx.log_model(
                model, name="model", registered_model_name=a.name,
                metadata={"classes": ["setosa", "versicolor", "virginica"],
                          "feature_names": ["sepal_length", "sepal_width", "petal_length", "petal_width"]})
        version = str(info.registered_model_version)
        if a.alias:
            MlflowClient().set_registered_model_alias(a.name, a.alias, version)
        return {"version": version, "run_id": active.info.run_id, "model_uri": info.model_uri}
    elif a.command == "set-alias":
        MlflowClient().set_registered_model_alias(a.name, a.alias, a.version)
        return {"alias": a.alias, "version": a.version}
    else:
        uri = f"models:/{a.name}@{a.alias}" if a.alias else f"models:/{a.name}/{a.version}"
        rows = np.asarray(json.loads(a.rows), dtype=np.float32)
        onnx_model = mlflow.onnx.load_model(uri)
        import onnxruntime as ort
        sess = ort.InferenceSession(onnx_model.SerializeToString(), providers=["CPUExecutionProvider"])
        outputs = [o.name for o in sess.get_outputs()]
        result = dict(zip(outputs, sess.run(None, {sess.get_inputs()[0].name: rows})))
        pyfunc = mlflow.pyfunc.load_model(uri)
        pf = pyfunc.predict(rows)
        pf_probs = pf["probabilities"] if isinstance(pf, dict) else None
        return {
            "outputs": outputs,
            "probabilities": np.asarray(result["probabilities"]).tolist(),
            "pyfunc_probabilities": None if pf_probs is None else np.asarray(pf_probs).tolist(),
            "metadata": pyfunc.metadata.metadata,
        }


if __name__ == "__main__":
    main()
