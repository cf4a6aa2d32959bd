#!/usr/bin/env bash
# The README's main job: build l2mac, install the local model if it is missing, and run an example
# task from examples/ end to end with it. Extra arguments go to `l2mac run` (e.g. --threads 1).
#   scripts/demo.sh                          # examples/tasks/temperature.md
#   TASK=examples/bench/02-roman-numerals/task.md scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
TASK="${TASK:-examples/tasks/temperature.md}"

echo "== building l2mac (release)"
cargo build --release --quiet

home="${L2MAC_HOME:-$HOME/.cache/l2mac}"
if [ -z "${OPENAI_BASE_URL:-}" ] && { [ ! -x "$home/venv/bin/python" ] || ! ls "$home"/models/*.gguf >/dev/null 2>&1; }; then
  echo "== no local model yet: installing it (one time, a few minutes)"
  scripts/setup-local-model.sh
fi
python3 -m pytest --version >/dev/null 2>&1 || python3 -m pip install -q pytest

out="workspace/demo-$(date +%Y%m%d-%H%M%S)"
echo "== l2mac run --task-file $TASK --out $out"
set +e
./target/release/l2mac run --task-file "$TASK" --out "$out" "$@"
code=$?
set -e
echo
echo "== files written to $out:"
(cd "$out" && find . -path ./.l2mac -prune -o -type f -print | grep -v -e __pycache__ -e .pytest_cache | sort)
echo "(the plan, transcript, per-step diffs and log are under $out/.l2mac/; 'l2mac status $out' summarises)"
exit $code
