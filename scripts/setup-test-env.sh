#!/usr/bin/env bash
# Installs what the test suite runs for real and is missing on this machine: Debian's redis-server,
# prometheus and chromium, a project-local Python virtualenv (.venv) with the test peers, a second one
# (.venv-tf) with TensorFlow for the SavedModel export, and a real
# Ollama with its models (scripts/ollama-setup.sh; a failure there fails the test run).
# Safe to run repeatedly: it only installs what is absent or changed.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/apt.sh

need=()
command -v redis-server >/dev/null || need+=(redis-server)
command -v prometheus >/dev/null || need+=(prometheus)
command -v promtool >/dev/null || need+=(prometheus)
command -v chromium >/dev/null || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]} (Debian packages)"
  apt_install "${need[@]}"
fi

req=test/python/requirements.txt
stamp=.venv/.requirements.sha256
want=$(sha256sum "$req" | cut -d' ' -f1)
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: creating the Python test virtualenv (.venv) from $req"
  python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check --upgrade pip
  .venv/bin/pip install -q --disable-pip-version-check -r "$req"
  echo "$want" > "$stamp"
fi

. scripts/lib/tf-venv.sh
ensure_tf_venv
bash scripts/ollama-setup.sh
echo "setup: test environment ready"
