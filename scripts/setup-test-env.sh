#!/usr/bin/env bash
# Installs what the test suite runs for real and is missing on this machine: Debian's redis-server,
# prometheus and chromium, project-local Python virtualenvs (.venv with the test peers, .venv-mlserver
# with MLServer), and a real Ollama with its models (scripts/ollama-setup.sh; a failure there fails the test run).
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
# MLServer (the differential tests' and the protocols bench's peer) pins many packages of its own:
# its own virtualenv, from its own pinned requirements, with its own stamp.
req=test/python/requirements-mlserver.txt
stamp=.venv-mlserver/.requirements.sha256
want=$(sha256sum "$req" | cut -d' ' -f1)
if [ ! -x .venv-mlserver/bin/mlserver ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: creating the MLServer virtualenv (.venv-mlserver) from $req"
  python3 -m venv .venv-mlserver
  .venv-mlserver/bin/pip install -q --disable-pip-version-check --upgrade pip
  .venv-mlserver/bin/pip install -q --disable-pip-version-check -r "$req"
  echo "$want" > "$stamp"
fi
bash scripts/ollama-setup.sh
echo "setup: test environment ready"
