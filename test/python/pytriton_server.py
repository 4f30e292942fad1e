"""Real Triton (PyTriton 0.7's bundled tritonserver) serving our exported iris model.

The bound Python function runs Python onnxruntime on models/iris/1/model.onnx, behind Triton's
dynamic batcher, so the gateway's Triton client is tested against the real server and protocol.
Usage: pytriton_server.py --http-port N --grpc-port N --metrics-port N [--model PATH] [--name iris_onnx]
Stops on SIGTERM/SIGINT.
"""
import argparse
import os
import signal
import sys
import sysconfig
import time

# The Python backend stub links libpython; without the interpreter's own LIBDIR first it can pick
# another patch release's libpython and fail in multiprocessing (pyenv builds in particular).
os.environ["LD_LIBRARY_PATH"] = os.pathsep.join(filter(None, [sysconfig.get_config_var("LIBDIR"), os.environ.get("LD_LIBRARY_PATH")]))

import numpy as np
import onnxruntime as ort
from pytriton.decorators import batch
from pytriton.model_config import DynamicBatcher, ModelConfig, QueuePolicy, Tensor, TimeoutAction
from pytriton.triton import Triton, TritonConfig, TritonSecurityConfig

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

parser = argparse.ArgumentParser()
parser.add_argument("--http-port", type=int, required=True)
parser.add_argument("--grpc-port", type=int, required=True)
parser.add_argument("--metrics-port", type=int, required=True)
parser.add_argument("--model", default=os.path.join(ROOT, "models", "iris", "1", "model.onnx"))
parser.add_argument("--name", default="iris_onnx")
parser.add_argument("--max-queue-size", type=int, default=256)
args = parser.parse_args()

options = ort.SessionOptions()
options.intra_op_num_threads = 1
session = ort.InferenceSession(args.model, options, providers=["CPUExecutionProvider"])


def run(float_input):
    label, probabilities = session.run(["label", "probabilities"], {"float_input": float_input.astype(np.float32)})
    return {"label": label.astype(np.int64).reshape(-1, 1), "probabilities": probabilities.astype(np.float32)}


@batch
def infer(float_input):
    return run(float_input)


config = TritonConfig(http_address="127.0.0.1", http_port=args.http_port, grpc_address="127.0.0.1",
                      grpc_port=args.grpc_port, metrics_address="127.0.0.1", metrics_port=args.metrics_port)
with Triton(config=config, security_config=TritonSecurityConfig(restricted_endpoints=[])) as triton:
    triton.bind(
        model_name=args.name,
        infer_func=infer,
        inputs=[Tensor(name="float_input", dtype=np.float32, shape=(4,))],
        outputs=[Tensor(name="label", dtype=np.int64, shape=(1,)),
                 Tensor(name="probabilities", dtype=np.float32, shape=(3,))],
        config=ModelConfig(
            max_batch_size=64,
            batcher=DynamicBatcher(
                max_queue_delay_microseconds=100,
                preferred_batch_size=[16, 32],
                default_queue_policy=QueuePolicy(max_queue_size=args.max_queue_size, timeout_action=TimeoutAction.REJECT)),
        ),
        strict=False,
    )

    # A deliberately slow copy with a one-request queue, so tests can see Triton's real
    # "Exceeds maximum queue size" (503) and client deadlines.
    @batch
    def slow_infer(float_input):
        time.sleep(0.3)
        return run(float_input)

    triton.bind(
        model_name=f"{args.name}_slow",
        infer_func=slow_infer,
        inputs=[Tensor(name="float_input", dtype=np.float32, shape=(4,))],
        outputs=[Tensor(name="label", dtype=np.int64, shape=(1,)),
                 Tensor(name="probabilities", dtype=np.float32, shape=(3,))],
        config=ModelConfig(max_batch_size=1, batcher=DynamicBatcher(
            default_queue_policy=QueuePolicy(max_queue_size=1, timeout_action=TimeoutAction.REJECT))),
        strict=False,
    )

    def stop(*_):
        triton.stop()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    print("pytriton ready", flush=True)
    triton.serve()
