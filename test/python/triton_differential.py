"""The same tritonclient calls (HTTP binary and JSON, async, gRPC unary and streaming,
classification, statistics, repository load / unload, errors) against one V2 server; the test runs
it against the gateway and against the real tritonserver (PyTriton) and compares the answers.

argv: <http host:port> <grpc host:port> <model> <admin token>; stdin: {"rows": [[4 floats], ...]}
stdout: JSON: per call, the outputs (label flattened: Triton's is [N, 1], the gateway's [N]) or
the error class (HTTP status / gRPC code).
"""
import json
import sys

import numpy as np
import tritonclient.grpc as grpcclient
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

http_url, grpc_url, model, token = sys.argv[1:5]
rows = np.array(json.load(sys.stdin)["rows"], dtype=np.float32)
out = {}


def call(fn):
    try:
        return {"ok": fn()}
    except InferenceServerException as e:
        return {"error": str(e.status()), "message": e.message()}


def values(res):
    return {"probabilities": res.as_numpy("probabilities").tolist(), "label": res.as_numpy("label").reshape(-1).tolist()}


def classes(res):
    # "score:index[:label]": Triton has no labels for this model, the gateway adds the class names.
    return [[v.decode().split(":")[:2] if isinstance(v, bytes) else v.split(":")[:2] for v in row] for row in res.as_numpy("probabilities").tolist()]


def http_inputs(data, binary):
    inp = httpclient.InferInput("float_input", list(data.shape), "FP32")
    inp.set_data_from_numpy(data, binary_data=binary)
    return [inp]


def grpc_inputs(data):
    inp = grpcclient.InferInput("float_input", list(data.shape), "FP32")
    inp.set_data_from_numpy(data)
    return [inp]


h = httpclient.InferenceServerClient(http_url, concurrency=2)
g = grpcclient.InferenceServerClient(grpc_url)
both = ["probabilities", "label"]

out["http_binary"] = call(lambda: values(h.infer(model, http_inputs(rows, True), outputs=[httpclient.InferRequestedOutput(n, binary_data=True) for n in both])))
out["http_json"] = call(lambda: values(h.infer(model, http_inputs(rows, False), outputs=[httpclient.InferRequestedOutput(n, binary_data=False) for n in both])))
out["http_async"] = call(lambda: values(h.async_infer(model, http_inputs(rows[:2], True)).get_result()))
out["grpc"] = call(lambda: values(g.infer(model, grpc_inputs(rows))))
out["http_classification"] = call(lambda: classes(h.infer(model, http_inputs(rows, True), outputs=[httpclient.InferRequestedOutput("probabilities", class_count=2)])))
out["http_json_classification"] = call(lambda: classes(h.infer(model, http_inputs(rows, False), outputs=[httpclient.InferRequestedOutput("probabilities", binary_data=False, class_count=2)])))
out["grpc_classification"] = call(lambda: classes(g.infer(model, grpc_inputs(rows), outputs=[grpcclient.InferRequestedOutput("probabilities", class_count=2)])))

answers = []
g.start_stream(callback=lambda result, error: answers.append((result, error)))
g.async_stream_infer(model, grpc_inputs(rows[:1]), request_id="a")
g.async_stream_infer(model, grpc_inputs(rows[:, :3].copy()), request_id="b")
g.async_stream_infer(model, grpc_inputs(rows[1:]), request_id="c")
g.stop_stream()
out["grpc_stream"] = [{"error": "in-stream"} if error is not None else {"ok": values(result), "id": result.get_response().id} for result, error in answers]

# Rows served so far: 3 + 3 + 2 + 3 + 3 + 3 + 3 + 1 + 2 = 23 (the stream's bad request is not served).
out["http_stats"] = call(lambda: h.get_inference_statistics(model)["model_stats"][0]["inference_count"])
out["grpc_stats"] = call(lambda: int(g.get_inference_statistics(model, as_json=True)["model_stats"][0]["inference_count"]))

bad = rows[:, :3].copy()
out["http_bad_shape"] = call(lambda: h.infer(model, http_inputs(bad, True)) and None)
out["grpc_bad_shape"] = call(lambda: g.infer(model, grpc_inputs(bad)) and None)
wrong = httpclient.InferInput("x", list(rows.shape), "FP32")
wrong.set_data_from_numpy(rows)
out["http_wrong_input"] = call(lambda: h.infer(model, [wrong]) and None)
out["http_unknown_model"] = call(lambda: h.get_model_metadata("no_such_model") and None)
out["grpc_unknown_model"] = call(lambda: g.get_model_metadata("no_such_model") and None)
out["http_unknown_output"] = call(lambda: h.infer(model, http_inputs(rows, True), outputs=[httpclient.InferRequestedOutput("nope")]) and None)

headers = {"authorization": f"Bearer {token}"}
out["http_unload"] = call(lambda: h.unload_model(model, headers=headers))
out["http_ready_after_unload"] = h.is_model_ready(model)
out["http_load"] = call(lambda: h.load_model(model, headers=headers))
out["http_ready_after_load"] = h.is_model_ready(model)
out["grpc_unload"] = call(lambda: g.unload_model(model, headers=headers))
out["grpc_ready_after_unload"] = g.is_model_ready(model)
out["grpc_load"] = call(lambda: g.load_model(model, headers=headers))
out["grpc_ready_after_load"] = g.is_model_ready(model)
out["after_reload"] = call(lambda: values(g.infer(model, grpc_inputs(rows))))
h.close()
g.close()
json.dump(out, sys.stdout)
