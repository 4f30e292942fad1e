"""Evidently 0.7's own drift report on fixed seeded windows, for the gateway's parity test.

For each window (reference + current rows: float features and a predicted-class column), runs one
Report with two presets on the dataset as Evidently infers it: DataDriftPreset() (its default:
every numerical and categorical column counts in the share, the prediction included) and
DataDriftPreset(columns=<features>). Prints JSON: {"versions", "windows": [{name, features,
classes, reference, current, evidently: {columns: {col: {method, score, drifted}}, count, share,
categorical_columns}, features_only: {count, share}, homogeneity: {p}}]}.
"""
import json
import sys
import warnings

import numpy as np
import pandas as pd
import scipy
from scipy import stats

import evidently
from evidently import Dataset, Report
from evidently.presets import DataDriftPreset

warnings.filterwarnings("ignore")
rng = np.random.default_rng(20261202)
CLASSES = np.array(["setosa", "versicolor", "virginica"])
FEATURES = ["sepal_length", "sepal_width", "petal_level", "flag"]


def rows(n, shift=0.0, level_p=(0.25, 0.25, 0.25, 0.25), flag_p=0.5, class_p=(1 / 3, 1 / 3, 1 / 3)):
    """Iris-like rows: two 1-decimal measurements (ties), a 4-level and a binary float column."""
    return pd.DataFrame({
        "sepal_length": np.round(rng.normal(5.8 + shift, 0.8, n), 1),
        "sepal_width": np.round(rng.normal(3.0 + shift / 4, 0.45, n), 1),
        "petal_level": rng.choice([1.0, 2.0, 3.0, 4.0], size=n, p=level_p),
        "flag": (rng.uniform(size=n) < flag_p).astype(float),
        "prediction": rng.choice(CLASSES, size=n, p=class_p),
    })


def run(reference, current):
    """One Evidently report with both presets: the default and DataDriftPreset(columns=FEATURES)."""
    report = Report([DataDriftPreset(), DataDriftPreset(columns=FEATURES)], include_tests=True)
    snapshot = report.run(Dataset.from_pandas(current), Dataset.from_pandas(reference))
    out = snapshot.dict()
    definition = Dataset.from_pandas(current)._data_definition
    default = {"columns": {}, "categorical_columns": definition.categorical_columns, "numerical_columns": definition.numerical_columns}
    features_only = {}
    for metric in out["metrics"]:
        params = metric["config"]
        if params["type"].endswith("DriftedColumnsCount"):
            target = default if params.get("columns") is None else features_only
            target["count"] = metric["value"]["count"]
            target["share"] = metric["value"]["share"]
        elif params["type"].endswith("ValueDrift"):
            default["columns"][params["column"]] = {"method": params["method"], "score": float(metric["value"]), "threshold": params["threshold"]}
    for test in out["tests"]:
        params = test["metric_config"]["params"]
        if params["type"].endswith("ValueDrift"):
            default["columns"][params["column"]]["drifted"] = test["status"] == "FAIL"
    return default, features_only


def window(name, reference, current):
    keys = sorted(set(reference["prediction"]) | set(current["prediction"]))
    evidently_default, features_only = run(reference, current)
    table = np.array([[int((reference["prediction"] == k).sum()) for k in keys], [int((current["prediction"] == k).sum()) for k in keys]])
    return {
        "name": name,
        "features": FEATURES,
        "reference": {c: reference[c].tolist() for c in reference.columns},
        "current": {c: current[c].tolist() for c in current.columns},
        "evidently": evidently_default,
        "features_only": features_only,
        "homogeneity": {"prediction": float(stats.chi2_contingency(table).pvalue)},
    }


def leaning(reference, current, lean=(0.07, -0.035, -0.035)):
    """current with its predicted classes set to the reference shares plus `lean`: a drift the
    goodness of fit (current noise only) sees and the homogeneity test (both samples' noise) does not."""
    shares = np.array([(reference["prediction"] == c).mean() for c in CLASSES])
    counts = np.round(len(current) * (shares + np.array(lean))).astype(int)
    counts[-1] = len(current) - counts[:-1].sum()
    return current.assign(prediction=rng.permutation(np.repeat(CLASSES, counts)))


small_ref = rows(120)
windows = [
    window("unshifted, 120 vs 60", small_ref, rows(60)),
    window("shifted, 120 vs 60", small_ref, rows(60, shift=1.5, level_p=(0.1, 0.2, 0.3, 0.4), flag_p=0.8, class_p=(0.1, 0.3, 0.6))),
    # Half the rows shifted; the predicted classes lean towards one class: Evidently's goodness of fit
    # flags them, the 2xk homogeneity test (which also counts the reference's noise) may not.
    window("mixed, 120 vs 400", small_ref, leaning(small_ref, pd.concat([rows(200), rows(200, shift=0.6)], ignore_index=True))),
    window("a class the reference never had, 120 vs 60", small_ref.assign(prediction=np.where(small_ref["prediction"] == "virginica", "versicolor", small_ref["prediction"])), rows(60)),
    window("> 1000 current rows, exact KS: 900 vs 5000 mixed", rows(900), pd.concat([rows(4000), rows(1000, shift=0.4)], ignore_index=True)),
    window("> 10000 current rows, asymptotic KS: 900 vs 12000 shifted", rows(900), rows(12000, shift=0.3, class_p=(0.3, 0.3, 0.4))),
    window("> 1000 reference rows (distances): 1500 vs 1200 shifted", rows(1500), rows(1200, shift=0.8, level_p=(0.1, 0.2, 0.3, 0.4), class_p=(0.2, 0.3, 0.5))),
    window("> 1000 reference rows (distances): 1500 vs 1200 unshifted", rows(1500), rows(1200)),
]

json.dump({"versions": {"evidently": evidently.__version__, "scipy": scipy.__version__, "pandas": pd.__version__, "numpy": np.__version__}, "windows": windows}, sys.stdout)
