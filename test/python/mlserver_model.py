"""The gateway's Iris model (models/iris/1/model.onnx, an ONNX TreeEnsembleClassifier trained by
scripts/train.ts) as a scikit-learn RandomForestClassifier with the very same trees, for MLServer's
scikit-learn runtime (test only: the gateway never loads pickles). Two steps, in two virtualenvs:

  .venv/bin/python mlserver_model.py trees <model.onnx>            (onnx)       -> stdout: the trees as JSON
  .venv-mlserver/bin/python mlserver_model.py build <dir> <name>   (sklearn)   stdin: the trees JSON
      -> <dir>/<name>/model.joblib + model-settings.json, <dir>/settings.json;
         stdout: {"rows": the 150 Iris rows, "predict_proba": [...], "predict": [...], "sklearn": "x.y"}

The test compares predict_proba to onnxruntime's answers on the same rows (within 1e-5) before it
compares the servers.
"""
import json
import os
import sys


def trees(path):
    import onnx
    from onnx import helper

    node = next(n for n in onnx.load(path).graph.node if n.op_type == "TreeEnsembleClassifier")
    a = {x.name: helper.get_attribute_value(x) for x in node.attribute}
    assert a.get("post_transform", b"NONE") == b"NONE", a.get("post_transform")
    forest = {}
    for i, tree in enumerate(a["nodes_treeids"]):
        forest.setdefault(tree, {"nodes": {}, "leaves": {}})["nodes"][a["nodes_nodeids"][i]] = {
            "mode": a["nodes_modes"][i].decode(), "feature": a["nodes_featureids"][i], "value": a["nodes_values"][i],
            "true": a["nodes_truenodeids"][i], "false": a["nodes_falsenodeids"][i]}
    for i, tree in enumerate(a["class_treeids"]):
        leaf = forest[tree]["leaves"].setdefault(a["class_nodeids"][i], {})
        leaf[a["class_ids"][i]] = leaf.get(a["class_ids"][i], 0.0) + a["class_weights"][i]
    json.dump({"classes": list(a["classlabels_int64s"]), "trees": [
        {"nodes": {str(k): v for k, v in t["nodes"].items()}, "leaves": {str(k): {str(c): w for c, w in v.items()} for k, v in t["leaves"].items()}}
        for _, t in sorted(forest.items())]}, sys.stdout)


def build(out_dir, name):
    import joblib
    import numpy as np
    import sklearn
    from sklearn.datasets import load_iris
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.tree._tree import Tree

    spec = json.load(sys.stdin)
    classes = spec["classes"]
    iris = load_iris()
    X = iris.data.astype(np.float32)
    # Fitted only to get a well-formed estimator; every tree is then replaced by the ONNX one.
    clf = RandomForestClassifier(n_estimators=len(spec["trees"]), random_state=0).fit(X, iris.target)
    template = clf.estimators_[0].tree_.__getstate__()
    for est, t in zip(clf.estimators_, spec["trees"]):
        ids = sorted(int(k) for k in t["nodes"])
        index = {nid: i for i, nid in enumerate(ids)}
        nodes = np.zeros(len(ids), dtype=template["nodes"].dtype)
        values = np.zeros((len(ids), 1, len(classes)), dtype=np.float64)
        depth = {ids[0]: 0}
        for nid in ids:  # parents come before their children in the trainer's numbering
            n = t["nodes"][str(nid)]
            row = nodes[index[nid]]
            if n["mode"] == "LEAF":
                row["left_child"] = row["right_child"] = -1
                row["feature"] = row["threshold"] = -2
                w = t["leaves"][str(nid)]
                total = sum(w.values())
                for c, v in w.items():
                    values[index[nid], 0, int(c)] = v / total
            else:
                assert n["mode"] == "BRANCH_LEQ", n["mode"]  # sklearn's test is x <= threshold too
                row["left_child"], row["right_child"] = index[n["true"]], index[n["false"]]
                row["feature"], row["threshold"] = n["feature"], n["value"]
                depth[n["true"]] = depth[n["false"]] = depth[nid] + 1
            row["n_node_samples"] = 1
            row["weighted_n_node_samples"] = 1.0
        tree = Tree(X.shape[1], np.array([len(classes)], dtype=np.intp), 1)
        tree.__setstate__({**template, "max_depth": max(depth.values()), "node_count": len(ids), "nodes": nodes, "values": values})
        est.tree_ = tree
    model_dir = os.path.join(out_dir, name)
    os.makedirs(model_dir, exist_ok=True)
    joblib.dump(clf, os.path.join(model_dir, "model.joblib"))
    with open(os.path.join(model_dir, "model-settings.json"), "w") as f:
        json.dump({"name": name, "implementation": "mlserver_sklearn.SKLearnModel", "parameters": {"uri": "./model.joblib", "version": "1"}}, f)
    json.dump({"rows": X.astype(float).tolist(), "predict_proba": clf.predict_proba(X).tolist(), "predict": clf.predict(X).tolist(), "sklearn": sklearn.__version__}, sys.stdout)


if __name__ == "__main__":
    if sys.argv[1] == "trees":
        trees(sys.argv[2])
    else:
        build(sys.argv[2], sys.argv[3])
