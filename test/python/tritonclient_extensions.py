"""Runs NVIDIA's official tritonclient against the gateway's Triton extensions: gRPC streaming
(start_stream / async_stream_infer), the classification extension (HTTP binary and JSON, gRPC)
and the model repository extension (load_model / unload_model over HTTP and gRPC, with the admin
token passed as a header).

argv: <http host:port> <grpc host:port> <admin token>; stdin: {"rows": [[4 floats], ...]}
stdout: JSON with what each client saw.
"""
import json
import sys

import numpy as np
import tritonclient.grpc as grpcclient
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

http_url, grpc_url, token = sys.argv[1], sys.argv[2], sys.argv[3]
rows = np.array(json.load(sys.stdin)["rows"], dtype=np.float32)
out = {}


def text(values):
    return [[v.decode() if isinstance(v, bytes) else v for v in row] for row in values.tolist()]


def error_of(fn):
    try:
        fn()
        return None
    except InferenceServerException as e:
        return {"status": str(e.status()), "message": e.message()}


def inputs(module, data):
    inp = module.InferInput("float_input", list(data.shape), "FP32")
    inp.set_data_from_numpy(data)
    return [inp]


h = httpclient.InferenceServerClient(http_url)
g = grpcclient.InferenceServerClient(grpc_url)

# Classification: class_count on the probabilities output.
for via, binary in (("http_binary", True), ("http_json", False)):
    inp = httpclient.InferInput("float_input", list(rows.shape), "FP32")
    inp.set_data_from_numpy(rows, binary_data=binary)
    res = h.infer("iris", [inp], outputs=[httpclient.InferRequestedOutput("probabilities", binary_data=binary, class_count=2)])
    out[f"classify_{via}"] = {"values": text(res.as_numpy("probabilities")), "datatype": res.get_output("probabilities")["datatype"]}
res = g.infer("iris", inputs(grpcclient, rows), outputs=[grpcclient.InferRequestedOutput("probabilities", class_count=2)])
out["classify_grpc"] = {"values": text(res.as_numpy("probabilities")), "datatype": res.get_output("probabilities").datatype}

# Streaming: three requests, the second one malformed; answers in order, the error in-stream.
answers = []
g.start_stream(callback=lambda result, error: answers.append((result, error)))
g.async_stream_infer("iris", inputs(grpcclient, rows), request_id="s1")
g.async_stream_infer("iris", inputs(grpcclient, rows[:, :3].copy()), request_id="s2")
g.async_stream_infer("iris_onnx", inputs(grpcclient, rows[:1]), request_id="s3", outputs=[grpcclient.InferRequestedOutput("label")])
g.stop_stream()  # half-closes and waits for every answer
out["stream"] = [
    {"error": error.message() if error is not None else None,
     "id": result.get_response().id if result is not None else None,
     "label": result.as_numpy("label").tolist() if result is not None else None}
    for result, error in answers
]
out["grpc_stats_after_stream"] = g.get_inference_statistics("iris", as_json=True)["model_stats"][0]["inference_count"]

# Repository: unload and load over both protocols, with and without the admin token.
headers = {"Authorization": f"Bearer {token}"}
grpc_headers = {"authorization": f"Bearer {token}"}
out["http_unload_anonymous"] = error_of(lambda: h.unload_model("iris_mlp"))
h.unload_model("iris_mlp", headers=headers)
out["http_ready_after_unload"] = h.is_model_ready("iris_mlp")
out["http_index_after_unload"] = [m for m in h.get_model_repository_index() if m["name"] == "iris_mlp"]
h.load_model("iris_mlp", headers=headers)
out["http_ready_after_load"] = h.is_model_ready("iris_mlp")
out["grpc_unload_anonymous"] = error_of(lambda: g.unload_model("iris_mlp"))
g.unload_model("iris_mlp", headers=grpc_headers)
out["grpc_ready_after_unload"] = g.is_model_ready("iris_mlp")
out["grpc_infer_unloaded"] = error_of(lambda: g.infer("iris_mlp", inputs(grpcclient, rows)))
g.load_model("iris_mlp", headers=grpc_headers)
out["grpc_ready_after_load"] = g.is_model_ready("iris_mlp")
out["grpc_load_unknown"] = error_of(lambda: g.load_model("nope", headers=grpc_headers))
out["http_load_unknown"] = error_of(lambda: h.load_model("nope", headers=headers))
g.close()
json.dump(out, sys.stdout)
