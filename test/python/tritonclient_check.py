"""Runs NVIDIA's official tritonclient (HTTP in its default binary mode, HTTP JSON, and gRPC) against
a V2 server, here the gateway.

argv: <http host:port> <grpc host:port> <model name>; stdin: {"rows": [[4 floats], ...]}
stdout: JSON with what each client saw (health, metadata, config, outputs per protocol, errors).
"""
import json
import sys

import numpy as np
import tritonclient.grpc as grpcclient
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

http_url, grpc_url, model = sys.argv[1], sys.argv[2], sys.argv[3]
rows = np.array(json.load(sys.stdin)["rows"], dtype=np.float32)
out = {}


def infer(client, module, binary):
    inp = module.InferInput("float_input", list(rows.shape), "FP32")
    outputs = [module.InferRequestedOutput("probabilities"), module.InferRequestedOutput("label")]
    if module is httpclient:
        inp.set_data_from_numpy(rows, binary_data=binary)
        outputs = [module.InferRequestedOutput(n, binary_data=binary) for n in ("probabilities", "label")]
    else:
        inp.set_data_from_numpy(rows)
    res = client.infer(model, [inp], outputs=outputs, request_id="req-7")
    response = res.get_response()
    return {
        "probabilities": res.as_numpy("probabilities").tolist(),
        "label": res.as_numpy("label").tolist(),
        "id": response["id"] if isinstance(response, dict) else response.id,
        "model_version": response["model_version"] if isinstance(response, dict) else response.model_version,
    }


def error_of(fn):
    try:
        fn()
        return None
    except InferenceServerException as e:
        return {"status": str(e.status()), "message": e.message()}


h = httpclient.InferenceServerClient(http_url)
out["http_live"] = h.is_server_live()
out["http_ready"] = h.is_server_ready()
out["http_model_ready"] = h.is_model_ready(model)
out["http_server_metadata"] = h.get_server_metadata()
out["http_model_metadata"] = h.get_model_metadata(model)
out["http_model_config"] = h.get_model_config(model)
out["http_binary"] = infer(h, httpclient, True)
out["http_json"] = infer(h, httpclient, False)
out["http_stats"] = h.get_inference_statistics(model)
out["http_index"] = h.get_model_repository_index()
out["http_unknown_model"] = error_of(lambda: h.get_model_metadata("no_such_model"))
bad = httpclient.InferInput("float_input", [1, 3], "FP32")
bad.set_data_from_numpy(np.zeros((1, 3), dtype=np.float32))
out["http_bad_shape"] = error_of(lambda: h.infer(model, [bad]))

g = grpcclient.InferenceServerClient(grpc_url)
out["grpc_live"] = g.is_server_live()
out["grpc_ready"] = g.is_server_ready()
out["grpc_model_ready"] = g.is_model_ready(model)
out["grpc_server_metadata"] = g.get_server_metadata(as_json=True)
out["grpc_model_metadata"] = g.get_model_metadata(model, as_json=True)
out["grpc_model_config"] = g.get_model_config(model, as_json=True)
out["grpc"] = infer(g, grpcclient, True)
out["grpc_stats"] = g.get_inference_statistics(model, as_json=True)
out["grpc_index"] = g.get_model_repository_index(as_json=True)
out["grpc_unknown_model"] = error_of(lambda: g.get_model_metadata("no_such_model"))
gbad = grpcclient.InferInput("float_input", [1, 3], "FP32")
gbad.set_data_from_numpy(np.zeros((1, 3), dtype=np.float32))
out["grpc_bad_shape"] = error_of(lambda: g.infer(model, [gbad]))
json.dump(out, sys.stdout)
