#!/usr/bin/env bash
# Installs what the test suite runs for real and is missing on this machine: Debian's redis-server,
# prometheus, chromium and shellcheck; project-local Python virtualenvs (.venv with the test peers,
# .venv-tf with TensorFlow for the SavedModel export, .venv-mlserver with MLServer), built side by side;
# the Go validators of deploy/ and .github/ (kubeconform, actionlint, built into .cache/bin); and a
# real Ollama with its models (scripts/ollama-setup.sh; a failure there fails the test run).
# Safe to run repeatedly: it only installs what is absent or changed.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/apt.sh

need=()
command -v redis-server >/dev/null || need+=(redis-server)
command -v prometheus >/dev/null || need+=(prometheus)
command -v promtool >/dev/null || need+=(prometheus)
command -v chromium >/dev/null || need+=(chromium)
# actionlint runs shellcheck on the workflows' run: blocks when it is on PATH (test/deploy/workflows.test.ts needs it).
command -v shellcheck >/dev/null || need+=(shellcheck)
command -v curl >/dev/null || need+=(curl) # the README examples test runs them with curl
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]} (Debian packages)"
  apt_install "${need[@]}"
fi

# A virtualenv from a requirements file, rebuilt when the file changes (its sha256 is the stamp).
python_venv () { # dir requirements-file
  local dir=$1 req=$2 stamp=$1/.requirements.sha256 want
  want=$(sha256sum "$req" | cut -d' ' -f1)
  if [ ! -x "$dir/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "setup: creating the Python virtualenv $dir from $req"
    python3 -m venv "$dir"
    "$dir/bin/pip" install -q --disable-pip-version-check --upgrade pip
    "$dir/bin/pip" install -q --disable-pip-version-check -r "$req"
    echo "$want" > "$stamp"
  fi
}
# Go tools, built from their modules (Go module proxy) into .cache/bin; rebuilt when the version moves.
mkdir -p .cache
gobin=$(cd .cache && pwd -P)/bin
go_tool () { # name module@version
  if [ ! -x "$gobin/$1" ] || [ "$(cat "$gobin/.$1.version" 2>/dev/null)" != "$2" ]; then
    command -v go >/dev/null || { echo "setup: Go (>= 1.24) is needed to build $1 ($2)" >&2; exit 1; }
    echo "setup: building $1 ($2)"
    GOBIN=$gobin GOFLAGS=-buildvcs=false go install "$2"
    echo "$2" > "$gobin/.$1.version"
  fi
}
. scripts/lib/tf-venv.sh

# The installs are independent and mostly wait on the network and the disk: run them side by side,
# and fail when any of them fails. .venv holds the test peers; MLServer (the differential tests' and
# the protocols bench's peer) and TensorFlow pin many packages of their own, so each has its own.
pids=()
python_venv .venv test/python/requirements.txt & pids+=($!)
python_venv .venv-mlserver test/python/requirements-mlserver.txt & pids+=($!)
ensure_tf_venv & pids+=($!)
{ go_tool actionlint github.com/rhysd/actionlint/cmd/actionlint@v1.7.12 &&
  go_tool kubeconform github.com/yannh/kubeconform/cmd/kubeconform@v0.8.0; } & pids+=($!)
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
[ "$failed" = 0 ] || { echo "setup: an install failed (see above)" >&2; exit 1; }

bash scripts/ollama-setup.sh
echo "setup: test environment ready"
