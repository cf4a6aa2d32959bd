#!/usr/bin/env bash
# Scores one benchmark task: runs its hidden acceptance tests against a directory of produced files
# (a run's files/ dir, or the task's reference/) and prints pytest's summary line
# ("N passed, M failed in Xs"). The files are copied to a temp dir first, so nothing the tests
# write lands in the run, and the acceptance tests are never copied into the model's workspace.
# Usage: examples/bench/score.sh TASK_DIR FILES_DIR     exit status: pytest's (0 = all passed)
set -euo pipefail
task="$(cd "${1:?usage: score.sh TASK_DIR FILES_DIR}" && pwd)"
files="$(cd "${2:?usage: score.sh TASK_DIR FILES_DIR}" && pwd)"
[ -d "$task/acceptance" ] || { echo "score.sh: $task has no acceptance/ dir" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r "$files/." "$work/"
cd "$work"
# The model's own test files would otherwise be collected too; only the acceptance tests count.
# -p no:cacheprovider keeps .pytest_cache out of the task dir; timeout guards infinite loops.
rc=0
PYTHONPATH="$work" timeout 300 python3 -m pytest -q -p no:cacheprovider --rootdir "$work" \
  "$task/acceptance" >"$work/.score-out" 2>&1 || rc=$?
cat "$work/.score-out"
exit "$rc"
