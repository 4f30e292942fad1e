"""TF Serving REST API conformance, call by call as its REST API document describes them
(api_rest.md; /work/shared/reference facts A1-A8): model status, metadata, :predict in row and
columnar formats, :classify, :regress, the /versions/N and /labels/L paths, and the {"error": ...}
shape with TF Serving's messages and codes. A plain HTTP client (urllib), as a TF Serving user has.

argv: <base url>; stdin: {"rows": [[4 floats]...], "probabilities": [[3]...], "labels": [...],
      "classes": [...], "regress": {"model": name, "rows": [[3 floats]...], "predict": [...]}}
stdout: {"checks": [{"name": ..., "ok": bool, "detail": ...}]}: every check, passed or not.
"""
import json
import sys
import urllib.error
import urllib.request

base = sys.argv[1].rstrip("/")
spec = json.load(sys.stdin)
ROWS, PROBS, LABELS, CLASSES = spec["rows"], spec["probabilities"], spec["labels"], spec["classes"]
NAMES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
EPS = 1e-5
checks = []


def request(method, path, body=None, raw=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(base + path, data=data, method=method, headers={"content-type": "application/json"} if data is not None else {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers.get("content-type", ""), json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("content-type", ""), json.loads(e.read())


def check(name, fn):
    try:
        detail = fn()
        checks.append({"name": name, "ok": True, "detail": detail})
    except AssertionError as e:
        checks.append({"name": name, "ok": False, "detail": str(e)})
    except Exception as e:  # a crash in a call is a failed check, with its reason
        checks.append({"name": name, "ok": False, "detail": f"{type(e).__name__}: {e}"})


def near(a, b):
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(near(x, y) for x, y in zip(a, b))
    return isinstance(b, (int, float)) and abs(a - b) <= EPS


def expect(status, ctype, body, want_status, want_body=None):
    assert status == want_status, f"status {status}, want {want_status}: {body}"
    assert ctype.startswith("application/json"), f"Content-Type {ctype!r}"
    if want_body is not None:
        assert body == want_body, f"body {body}, want {want_body}"
    return body


AVAILABLE = {"model_version_status": [{"version": "1", "state": "AVAILABLE", "status": {"error_code": "OK", "error_message": ""}}]}

# A2: model status (int64 version as a string; a label is ignored by status, as TF Serving does).
check("status GET /v1/models/{m}", lambda: expect(*request("GET", "/v1/models/iris"), 200, AVAILABLE))
check("status GET /v1/models/{m}/versions/{v}", lambda: expect(*request("GET", "/v1/models/iris/versions/1"), 200, AVAILABLE))
check("status GET /v1/models/{m}/labels/{l}", lambda: expect(*request("GET", "/v1/models/iris/labels/whatever"), 200, AVAILABLE))
check("status unknown model 404", lambda: expect(*request("GET", "/v1/models/nope"), 404, {"error": "Could not find any versions of model nope"}))
check("status unknown version 404", lambda: expect(*request("GET", "/v1/models/iris/versions/9"), 404, {"error": "Could not find version 9 of model iris"}))


# A3: metadata, signature_def nested twice, dims as int64 strings, method names.
def metadata(path):
    body = expect(*request("GET", path), 200)
    assert body["model_spec"] == {"name": "iris", "signature_name": "", "version": "1"}, body["model_spec"]
    sigs = body["metadata"]["signature_def"]["signature_def"]
    default = sigs["serving_default"]
    assert default["method_name"] == "tensorflow/serving/predict", default["method_name"]
    inp = default["inputs"]["float_input"]
    assert inp["dtype"] == "DT_FLOAT" and inp["tensor_shape"] == {"dim": [{"size": "-1", "name": ""}, {"size": "4", "name": ""}], "unknown_rank": False}, inp
    for s in sigs.values():
        for t in list(s["inputs"].values()) + list(s["outputs"].values()):
            assert all(isinstance(d["size"], str) for d in t["tensor_shape"]["dim"]), t
    assert sigs["classification"]["method_name"] == "tensorflow/serving/classify", sigs["classification"]
    return sorted(sigs)


check("metadata GET /v1/models/{m}/metadata", lambda: metadata("/v1/models/iris/metadata"))
check("metadata GET /v1/models/{m}/versions/{v}/metadata", lambda: metadata("/v1/models/iris/versions/1/metadata"))
check("metadata GET /v1/models/{m}/labels/{l}/metadata", lambda: metadata("/v1/models/iris/labels/latest/metadata"))


# A4: predict. Row format: one output -> a list of values per row; several -> one object per row.
def predict_rows_one_output():
    body = expect(*request("POST", "/v1/models/iris:predict", {"instances": ROWS}), 200)
    assert list(body) == ["predictions"] and near(PROBS, body["predictions"]), body
    return "predictions: a list per row"


def predict_rows_several_outputs():
    body = expect(*request("POST", "/v1/models/iris/versions/1:predict", {"signature_name": "predict_all", "instances": [{"float_input": r} for r in ROWS]}), 200)
    preds = body["predictions"]
    assert [p["label"] for p in preds] == LABELS and near(PROBS, [p["probabilities"] for p in preds]), body
    return "predictions: an object per row"


def predict_columnar():
    body = expect(*request("POST", "/v1/models/iris/labels/latest:predict", {"inputs": ROWS}), 200)
    assert list(body) == ["outputs"] and near(PROBS, body["outputs"]), body
    named = expect(*request("POST", "/v1/models/iris:predict", {"signature_name": "predict_all", "inputs": {"float_input": ROWS}}), 200)
    assert named["outputs"]["label"] == LABELS and near(PROBS, named["outputs"]["probabilities"]), named
    return "outputs: bare with one output, keyed by name with several"


check("predict row format, one output", predict_rows_one_output)
check("predict row format, several outputs (named inputs)", predict_rows_several_outputs)
check("predict columnar format, bare and named", predict_columnar)


# A6: classify -> {"results": [[[label, score], ...]]}; regress -> {"results": [v, ...]}.
def classify():
    examples = [dict(zip(NAMES, r)) for r in ROWS]
    body = expect(*request("POST", "/v1/models/iris:classify", {"signature_name": "classification", "examples": examples}), 200)
    results = body["results"]
    assert len(results) == len(ROWS), body
    for r, row in enumerate(results):
        assert [c for c, _ in row] == CLASSES and near(PROBS[r], [s for _, s in row]), row
    ctx = expect(*request("POST", "/v1/models/iris/versions/1:classify", {"context": dict(zip(NAMES[:2], ROWS[2][:2])), "examples": [dict(zip(NAMES[2:], ROWS[2][2:]))]}), 200)
    assert near(PROBS[2], [s for _, s in ctx["results"][0]]), ctx
    return "results: [label, score] per class per example; context merged"


def regress():
    rg = spec["regress"]
    examples = [dict(zip(NAMES[:3], r)) for r in rg["rows"]]
    body = expect(*request("POST", f"/v1/models/{rg['model']}:regress", {"signature_name": "regression", "examples": examples}), 200)
    assert list(body) == ["results"] and near(rg["predict"], body["results"]), body
    return "results: one value per example"


check("classify POST /v1/models/{m}:classify", classify)
check("regress POST /v1/models/{m}:regress", regress)

# A7 / A8: {"error": message} with TF Serving's codes.
ERRORS = [
    ("predict both keys 400", "/v1/models/iris:predict", {"instances": ROWS, "inputs": ROWS}, 400, "Not formatted correctly expecting only one of 'inputs' or 'instances' keys to exist"),
    ("predict neither key 400", "/v1/models/iris:predict", {}, 400, "Missing 'inputs' or 'instances' key"),
    ("predict instances not a list 400", "/v1/models/iris:predict", {"instances": 3}, 400, "Expecting 'instances' to be an list/array"),
    ("predict empty instances 400", "/v1/models/iris:predict", {"instances": []}, 400, "No values in 'instances' array"),
    ("predict unknown signature 400", "/v1/models/iris:predict", {"signature_name": "other", "instances": ROWS}, 400, 'Serving signature name: "other" not found in signature def'),
    ("predict unknown label 400", "/v1/models/iris/labels/canary:predict", {"instances": ROWS}, 400, "Unrecognized servable version label: canary"),
    ("predict unknown model 404", "/v1/models/nope:predict", {"instances": ROWS}, 404, "Servable not found for request: Latest(nope)"),
    ("predict unknown version 404", "/v1/models/iris/versions/9:predict", {"instances": ROWS}, 404, "Servable not found for request: Specific(iris, 9)"),
    ("classify without examples 400", "/v1/models/iris:classify", {"instances": ROWS}, 400, "Missing 'examples' key"),
    ("regress on a classifier 400", "/v1/models/iris:regress", {"examples": [dict(zip(NAMES, ROWS[0]))]}, 400, "Expected regression signature method_name to be tensorflow/serving/regress. Was: tensorflow/serving/classify"),
]
for name, path, body, status, message in ERRORS:
    check(name, lambda path=path, body=body, status=status, message=message: expect(*request("POST", path, body), status, {"error": message}) and message)


def error_body(method, path, raw, status):
    code, ctype, body = request(method, path, raw=raw)
    expect(code, ctype, body, status)
    assert list(body) == ["error"] and isinstance(body["error"], str) and body["error"], body
    return body["error"]


check("malformed JSON 400 {error}", lambda: error_body("POST", "/v1/models/iris:predict", b'{"instances": [', 400))
check("malformed request 400 {error}", lambda: expect(*request("DELETE", "/v1/models/iris"), 400, {"error": "Malformed request: DELETE /v1/models/iris"}))
json.dump({"checks": checks}, sys.stdout)
