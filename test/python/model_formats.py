"""Writes one artifact per model format the gateway must refuse into argv[1]; prints {format: path}.

Real files where the venv has the writer (pickle, joblib, a scikit-learn model pickled, zips made by
zipfile); the safetensors and HDF5 files are built to their published layouts (8-byte header length +
JSON header + data; the HDF5 superblock signature), since neither library is in the test venv.
"""
import io
import json
import os
import pickle
import struct
import sys
import zipfile

import joblib
import numpy as np
from sklearn.linear_model import LogisticRegression

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
paths = {}


def write(name, data):
    path = os.path.join(out, name)
    with open(path, "wb") as f:
        f.write(data)
    paths[name] = path


X = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [0.9, 0.1]])
model = LogisticRegression().fit(X, [0, 1, 0, 1])
write("pickle-sklearn.pkl", pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL))
write("pickle-protocol0.pkl", pickle.dumps({"weights": [1, 2, 3]}, protocol=0))
buf = io.BytesIO()
joblib.dump(model, buf)
write("joblib.joblib", buf.getvalue())
buf = io.BytesIO()
joblib.dump(model, buf, compress=3)
write("joblib-compressed.joblib", buf.getvalue())
header = json.dumps({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}).encode()
write("model.safetensors", struct.pack("<Q", len(header)) + header + np.array([1.0, 2.0], dtype="<f4").tobytes())
write("model.h5", b"\x89HDF\r\n\x1a\n" + bytes([0, 0, 0, 0, 0, 8, 8, 0]) + bytes(88))
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("my_model/saved_model.pb", b"\x08\x01")
    z.writestr("my_model/variables/variables.index", b"")
write("savedmodel.zip", buf.getvalue())
write("random.bin", np.random.default_rng(7).integers(0, 256, 4096, dtype=np.uint8).tobytes())
print(json.dumps(paths))
