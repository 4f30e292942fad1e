"""Loads SavedModels with TensorFlow and runs their serving_default signature on the rows given.

Usage: savedmodel_parity.py CASES_JSON   (a file: [{"dir": SAVEDMODEL_DIR, "rows": [[f1, f2, ...], ...]}, ...])
Prints [{"dir", "inputs": {name: [dtype, shape]}, "outputs": {name: values}}, ...] as JSON.
"""
import json
import os
import sys

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
import tensorflow as tf  # noqa: E402

with open(sys.argv[1]) as f:
    cases = json.load(f)
result = []
for case in cases:
    fn = tf.saved_model.load(case['dir']).signatures['serving_default']
    specs = fn.structured_input_signature[1]
    out = fn(**{name: tf.constant(case['rows'], dtype=tf.float32) for name in specs})
    result.append({
        'dir': case['dir'],
        'inputs': {name: [spec.dtype.name, spec.shape.as_list()] for name, spec in specs.items()},
        'outputs': {name: t.numpy().tolist() for name, t in out.items()},
    })
print(json.dumps(result))
