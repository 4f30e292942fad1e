#!/usr/bin/env bash
# npm run export:savedmodel [-- --out DIR]: TensorFlow SavedModels for TF Serving, rebuilt from the
# ONNX weights (scripts/export_savedmodel.py), in the TensorFlow virtualenv (.venv-tf, created on
# first use). Writes models/tf/<name>/<version>/, models/tf/models.config and models/tf/manifest.json.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/tf-venv.sh
ensure_tf_venv
exec .venv-tf/bin/python scripts/export_savedmodel.py "$@"
