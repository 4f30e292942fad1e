"""Writes a heavy classifier for the batching bench: a wide MLP (4 -> H -> H -> 3, ReLU, softmax)
with fixed random weights, in the gateway's model layout (input float_input [N,4]; outputs
probabilities float32 [N,3] and label int64 [N]).

argv: <models_dir> [hidden=2048]. Writes <models_dir>/wide_mlp/1/model.onnx.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out_dir = os.path.join(sys.argv[1], "wide_mlp", "1")
hidden = int(sys.argv[2]) if len(sys.argv) > 2 else 2048
rng = np.random.default_rng(0)
w = lambda *shape: numpy_helper.from_array((rng.standard_normal(shape) / np.sqrt(shape[0])).astype(np.float32))
inits = []
for name, shape in (("w1", (4, hidden)), ("w2", (hidden, hidden)), ("w3", (hidden, 3))):
    t = w(*shape)
    t.name = name
    inits.append(t)
nodes = [
    helper.make_node("MatMul", ["float_input", "w1"], ["h1"]),
    helper.make_node("Relu", ["h1"], ["r1"]),
    helper.make_node("MatMul", ["r1", "w2"], ["h2"]),
    helper.make_node("Relu", ["h2"], ["r2"]),
    helper.make_node("MatMul", ["r2", "w3"], ["logits"]),
    helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1),
    helper.make_node("ArgMax", ["logits"], ["label"], axis=1, keepdims=0),
]
graph = helper.make_graph(
    nodes, "wide_mlp",
    [helper.make_tensor_value_info("float_input", TensorProto.FLOAT, [None, 4])],
    [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, 3]),
     helper.make_tensor_value_info("label", TensorProto.INT64, [None])],
    inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
model.ir_version = 8
onnx.checker.check_model(model)
os.makedirs(out_dir, exist_ok=True)
onnx.save(model, os.path.join(out_dir, "model.onnx"))
print(os.path.join(out_dir, "model.onnx"))
