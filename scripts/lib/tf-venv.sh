# ensure_tf_venv: creates or refreshes the TensorFlow virtualenv (.venv-tf) from
# test/python/requirements-tf.txt (sourced by scripts/setup-test-env.sh and scripts/export-savedmodel.sh).
# TensorFlow gets its own virtualenv: it pins numpy/protobuf versions that clash with .venv's peers
# (nvidia-pytriton needs numpy < 2). The tensorflow-cpu wheel is large (~260 MB): pip's cache makes a
# re-creation quick, and the stamp (the requirements file's sha256) makes reruns instant.
ensure_tf_venv () {
  local req=test/python/requirements-tf.txt stamp=.venv-tf/.requirements.sha256 want
  want=$(sha256sum "$req" | cut -d' ' -f1)
  if [ ! -x .venv-tf/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "setup: creating the TensorFlow virtualenv (.venv-tf) from $req"
    python3 -m venv .venv-tf
    .venv-tf/bin/pip install -q --disable-pip-version-check --upgrade pip
    .venv-tf/bin/pip install -q --disable-pip-version-check -r "$req"
    echo "$want" > "$stamp"
  fi
}
