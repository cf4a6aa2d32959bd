#!/usr/bin/env bash
# Validity check for the benchmark itself: every task's acceptance tests must pass against its
# reference solution, so a failing benchmark run means the model's code is wrong, not the tests.
# Usage: examples/bench/check-references.sh [TASK_DIR...]   (needs python3 with pytest)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ $# -eq 0 ]; then set -- "$here"/[0-9][0-9]-*/; fi
passed=0; failed=0
for task in "$@"; do
  task="${task%/}"
  if out="$("$here/score.sh" "$task" "$task/reference" 2>&1)"; then
    echo "ok    $(basename "$task"): $(printf '%s\n' "$out" | tail -n 1)"
    passed=$((passed + 1))
  else
    echo "FAIL  $(basename "$task")"; printf '%s\n' "$out"
    failed=$((failed + 1))
  fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
