# ensure_tf_venv: creates or refreshes the TensorFlow virtualenv (.venv-tf) from
# test/python/requirements-tf.txt (sourced by scripts/setup-test-env.sh and scripts/export-savedmodel.sh).
# TensorFlow gets its own virtualenv: it pins numpy/protobuf versions that clash with .venv's peers
# (nvidia-pytriton needs numpy < 2). The tensorflow-cpu wheel is large (~260 MB), so the wheels are
# kept in a wheelhouse outside the repository (TF_WHEELHOUSE, default ~/.cache/inference-gateway/
# wheels-tf; CI can cache it): `pip download` fetches only what it lacks, and a re-creation installs
# offline from it. pip's own HTTP cache is not relied on (it only keeps what the index marks
# cacheable). The stamp (the requirements file's sha256) makes reruns instant.
ensure_tf_venv () {
  local req=test/python/requirements-tf.txt stamp=.venv-tf/.requirements.sha256 want
  local wheels="${TF_WHEELHOUSE:-${XDG_CACHE_HOME:-$HOME/.cache}/inference-gateway/wheels-tf}"
  want=$(sha256sum "$req" | cut -d' ' -f1)
  if [ ! -x .venv-tf/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "setup: creating the TensorFlow virtualenv (.venv-tf) from $req (wheels in $wheels)"
    mkdir -p "$wheels"
    python3 -m venv .venv-tf
    .venv-tf/bin/pip download -q --disable-pip-version-check -d "$wheels" -r "$req"
    .venv-tf/bin/pip install -q --disable-pip-version-check --no-index --find-links "$wheels" -r "$req"
    echo "$want" > "$stamp"
  fi
}
