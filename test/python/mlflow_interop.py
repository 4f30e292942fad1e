"""The official MLflow client as its users drive it, for the interop tests: train a scikit-learn
classifier on Iris, convert it with skl2onnx's defaults (ZipMap output, no options), log it with
mlflow.onnx.log_model and register it (no metadata: the gateway must read the labels from the
graph), and move, delete or re-create aliases and models with MlflowClient. Prints one JSON object;
changes carry `at`, the Unix time MLflow had made them (the gateway's delay is measured from it)."""
import argparse
import contextlib
import json
import sys
import time

import mlflow
import numpy as np
from mlflow import MlflowClient


def train(algo: str, seed: int, labels: str):
    from sklearn.datasets import load_iris
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LinearRegression, LogisticRegression

    iris = load_iris()
    x = iris.data.astype(np.float32)
    y = iris.target if labels == "ints" else iris.target_names[iris.target]
    if algo == "logreg":
        return LogisticRegression(max_iter=500, C=0.05 if seed % 2 else 10.0).fit(x, y), x
    if algo == "forest":
        return RandomForestClassifier(n_estimators=10, max_depth=3, random_state=seed).fit(x, y), x
    if algo == "regressor":
        return LinearRegression().fit(x, iris.target.astype(np.float32)), x
    raise ValueError(algo)


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser()
    ap.add_argument("command", choices=["log", "set-alias", "delete-alias", "delete-model", "export", "serve"])
    ap.add_argument("--tracking")
    ap.add_argument("--name")
    ap.add_argument("--alias")
    ap.add_argument("--version")
    ap.add_argument("--algo", default="logreg", choices=["logreg", "forest", "regressor"])
    ap.add_argument("--labels", default="strings", choices=["strings", "ints"])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--dtype", default="float", choices=["float", "int64"])
    ap.add_argument("--signature", action="store_true", help="log a column signature (feature and class names)")
    ap.add_argument("--out", help="export: where to write the ONNX file")
    ap.add_argument("--onnx", help="log: this ONNX file as it is, with a column signature naming --features and --classes")
    ap.add_argument("--features", default="sepal_length,sepal_width,petal_length,petal_width")
    ap.add_argument("--classes", default="setosa,versicolor,virginica")
    ap.add_argument("--rows", default="[[5.1,3.5,1.4,0.2],[6.4,3.2,4.5,1.5],[6.3,3.3,6.0,2.5]]")
    return ap


def main() -> None:
    a = parser().parse_args()
    if a.command == "serve":
        return serve()
    # MLflow prints run links on stdout; keep stdout for the one JSON answer.
    with contextlib.redirect_stdout(sys.stderr):
        result = run(a)
    print(json.dumps(result))


def serve() -> None:
    """One command per stdin line (a JSON list of arguments), one JSON answer per stdout line, so the
    imports (mlflow, scikit-learn, skl2onnx) are paid once for a whole test."""
    out = sys.stdout
    for line in sys.stdin:
        with contextlib.redirect_stdout(sys.stderr):
            try:
                result = run(parser().parse_args(json.loads(line)))
            except Exception as e:  # reported to the test, which fails with it
                result = {"error": f"{type(e).__name__}: {e}"}
        out.write(json.dumps(result) + "\n")
        out.flush()


def run(a: argparse.Namespace) -> dict:
    if a.tracking:
        mlflow.set_tracking_uri(a.tracking)
    if a.command == "log" and a.onnx:
        return log_file(a)
    if a.command in ("log", "export"):
        from skl2onnx import to_onnx

        model, x = train(a.algo, a.seed, a.labels)
        # skl2onnx's defaults (ZipMap on classifiers); integer data gives an int64 input the gateway cannot feed.
        onx = to_onnx(model, x[:1].astype(np.int64) if a.dtype == "int64" else x[:1])
        rows = np.asarray(json.loads(a.rows), dtype=np.float32)
        out = {"outputs": [o.name for o in onx.graph.output]}
        if hasattr(model, "predict_proba"):
            out["probabilities"] = model.predict_proba(rows).tolist()
            out["classes"] = [str(c) for c in model.classes_]
        else:
            out["predictions"] = model.predict(rows).tolist()
        if a.command == "export":
            with open(a.out, "wb") as f:
                f.write(onx.SerializeToString())
            return out
        signature = None
        if a.signature:
            import pandas as pd
            from mlflow.models import infer_signature

            names = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
            signature = infer_signature(pd.DataFrame(x, columns=names),
                                        pd.DataFrame(model.predict_proba(x), columns=[str(c) for c in model.classes_]))
        mlflow.set_experiment("interop")
        with mlflow.start_run() as active:
            info = mlflow.onnx.log_model(onx, name="model", registered_model_name=a.name, signature=signature)
        version = str(info.registered_model_version)
        if a.alias:
            MlflowClient().set_registered_model_alias(a.name, a.alias, version)
        return {**out, "version": version, "run_id": active.info.run_id, "model_uri": info.model_uri}
    client = MlflowClient()
    if a.command == "set-alias":
        client.set_registered_model_alias(a.name, a.alias, a.version)
        return {"alias": a.alias, "version": a.version, "at": time.time()}
    if a.command == "delete-alias":
        client.delete_registered_model_alias(a.name, a.alias)
        return {"deleted": a.alias, "at": time.time()}
    client.delete_registered_model(a.name)
    return {"deleted": a.name, "at": time.time()}


def log_file(a: argparse.Namespace) -> dict:
    """An ONNX file whose graph carries no class labels, logged with only an MLflow signature to name them."""
    import onnx
    from mlflow.models import ModelSignature
    from mlflow.types import ColSpec, Schema

    signature = ModelSignature(inputs=Schema([ColSpec("double", f) for f in a.features.split(",")]),
                               outputs=Schema([ColSpec("double", c) for c in a.classes.split(",")]))
    mlflow.set_experiment("interop")
    with mlflow.start_run() as active:
        info = mlflow.onnx.log_model(onnx.load(a.onnx), name="model", registered_model_name=a.name, signature=signature)
    version = str(info.registered_model_version)
    if a.alias:
        MlflowClient().set_registered_model_alias(a.name, a.alias, version)
    return {"version": version, "run_id": active.info.run_id, "model_uri": info.model_uri}


if __name__ == "__main__":
    main()
