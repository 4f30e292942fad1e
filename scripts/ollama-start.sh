#!/usr/bin/env bash
# Serves the project's real Ollama in the foreground with `smollm2` and `all-minilm` ready
# (scripts/ollama-setup.sh runs first; it is quick once everything is cached).
# Env: OLLAMA_PORT (default 11434), OLLAMA_BIND (default 127.0.0.1), OLLAMA_NUM_PARALLEL (default 1),
# OLLAMA_KEEP_ALIVE (default 30m). The models live in .cache/ollama/models, not in ~/.ollama.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ollama-setup.sh
setup=.cache/ollama/setup.json
field () { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$setup" "$1"; }
bin=$(field bin)
models=$(field models)
port=${OLLAMA_PORT:-11434}
bind=${OLLAMA_BIND:-127.0.0.1}

echo "ollama-start: serving on http://$bind:$port (OLLAMA_MODELS=$models); gateway: OLLAMA_URL=http://127.0.0.1:$port OLLAMA_MODEL=smollm2 EMBED_MODEL=all-minilm"
export OLLAMA_HOST=$bind:$port
export OLLAMA_MODELS=$models
export OLLAMA_NUM_PARALLEL=${OLLAMA_NUM_PARALLEL:-1}
export OLLAMA_KEEP_ALIVE=${OLLAMA_KEEP_ALIVE:-30m}
export OLLAMA_NO_CLOUD=1
# Worktrees share .cache: never delete blobs another server may be using.
export OLLAMA_NOPRUNE=1
exec "$bin" serve
