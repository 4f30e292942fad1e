"""The same tritonclient calls (HTTP binary and JSON, async, gRPC unary and streaming,
classification, statistics, repository load / unload, errors) against one V2 server; the test runs
it against the gateway and against the real tritonserver (PyTriton) and compares the answers.

argv: <http host:port> <grpc host:port> <model> <admin token> [<output names>];
stdin: {"rows": [[4 floats], ...]}
stdout: JSON: per call, the outputs (label flattened: Triton's is [N, 1], the gateway's [N]) or
the error class (HTTP status / gRPC code; "client" when the client itself fails on the answer).
<output names>, for servers whose outputs are named otherwise (MLServer's scikit-learn runtime:
{"probabilities": "predict_proba", "label": "predict"}): JSON mapping the gateway's output names to
the server's; with it every inference asks for both outputs by name (MLServer answers only
"predict" otherwise), so the run against the gateway passes the identity mapping.
"""
import json
import os
import sys
import threading

import numpy as np
import tritonclient.grpc as grpcclient
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

http_url, grpc_url, model, token = sys.argv[1:5]
names = json.loads(sys.argv[5]) if len(sys.argv) > 5 else None
P, L = (names["probabilities"], names["label"]) if names else ("probabilities", "label")
rows = np.array(json.load(sys.stdin)["rows"], dtype=np.float32)
out = {}


def call(fn):
    try:
        return {"ok": fn()}
    except InferenceServerException as e:
        return {"error": str(e.status()), "message": e.message()}
    except Exception as e:  # an answer the client cannot use (e.g. a missing output)
        return {"error": "client", "message": f"{type(e).__name__}: {e}"}


def reraise(error):
    raise error


def values(res):
    return {"probabilities": res.as_numpy(P).tolist(), "label": res.as_numpy(L).reshape(-1).tolist()}


def classes(res):
    # "score:index[:label]": Triton has no labels for this model, the gateway adds the class names.
    return [[v.decode().split(":")[:2] if isinstance(v, bytes) else v.split(":")[:2] for v in row] for row in res.as_numpy(P).tolist()]


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
both = [P, L]
# Without an output mapping, as tritonclient users call: no outputs named, the server's defaults.
http_outputs = (lambda: [httpclient.InferRequestedOutput(n) for n in both]) if names else (lambda: None)
grpc_outputs = (lambda: [grpcclient.InferRequestedOutput(n) for n in both]) if names else (lambda: None)

out["http_binary"] = call(lambda: values(h.infer(model, http_inputs(rows, True), outputs=[httpclient.InferRequestedOutput(n, binary_data=True) for n in both])))
out["http_json"] = call(lambda: values(h.infer(model, http_inputs(rows, False), outputs=[httpclient.InferRequestedOutput(n, binary_data=False) for n in both])))
out["http_async"] = call(lambda: values(h.async_infer(model, http_inputs(rows[:2], True), outputs=http_outputs()).get_result()))
out["grpc"] = call(lambda: values(g.infer(model, grpc_inputs(rows), outputs=grpc_outputs())))
out["http_classification"] = call(lambda: classes(h.infer(model, http_inputs(rows, True), outputs=[httpclient.InferRequestedOutput(P, class_count=2)])))
out["http_json_classification"] = call(lambda: classes(h.infer(model, http_inputs(rows, False), outputs=[httpclient.InferRequestedOutput(P, binary_data=False, class_count=2)])))
out["grpc_classification"] = call(lambda: classes(g.infer(model, grpc_inputs(rows), outputs=[grpcclient.InferRequestedOutput(P, class_count=2)])))

answers = []


def stream():
    gs.start_stream(callback=lambda result, error: answers.append((result, error)))
    gs.async_stream_infer(model, grpc_inputs(rows[:1]), request_id="a", outputs=grpc_outputs())
    gs.async_stream_infer(model, grpc_inputs(rows[:, :3].copy()), request_id="b", outputs=grpc_outputs())
    gs.async_stream_infer(model, grpc_inputs(rows[1:]), request_id="c", outputs=grpc_outputs())
    gs.stop_stream()


# A server that fails the whole stream (MLServer without predict_stream) leaves tritonclient's
# stop_stream() waiting for ever (its response thread blocks in debug_error_string): the stream runs
# on its own client and thread, 60 s at most, and the process ends with os._exit.
gs = grpcclient.InferenceServerClient(grpc_url)
worker = threading.Thread(target=stream, daemon=True)
worker.start()
worker.join(60)
if worker.is_alive():
    answers.append((None, InferenceServerException("the stream did not close within 60 s", status="StatusCode.DEADLINE_EXCEEDED")))
out["grpc_stream"] = [{"error": "in-stream"} if error is not None else {"ok": values(result), "id": result.get_response().id} for result, error in answers]
if names:  # the stream's own failure (a server without ModelStreamInfer), as the other calls report theirs
    out["grpc_stream_errors"] = [call(lambda error=error: reraise(error)) for _, error in answers if error is not None]

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
out["http_ready_after_unload"] = call(lambda: h.is_model_ready(model)).get("ok")
out["http_load"] = call(lambda: h.load_model(model, headers=headers))
out["http_ready_after_load"] = call(lambda: h.is_model_ready(model)).get("ok")
out["grpc_unload"] = call(lambda: g.unload_model(model, headers=headers))
out["grpc_ready_after_unload"] = call(lambda: g.is_model_ready(model)).get("ok")
out["grpc_load"] = call(lambda: g.load_model(model, headers=headers))
out["grpc_ready_after_load"] = call(lambda: g.is_model_ready(model)).get("ok")
out["after_reload"] = call(lambda: values(g.infer(model, grpc_inputs(rows), outputs=grpc_outputs())))
h.close()
g.close()
json.dump(out, sys.stdout)
sys.stdout.flush()
os._exit(0)
