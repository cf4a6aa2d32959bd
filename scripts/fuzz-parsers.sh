#!/usr/bin/env bash
# Long property-test run over the input parsers (tests/parsers_prop.rs), outside CI: each property
# is run again and again with fresh random seeds until MINUTES of wall clock have passed, in a
# release build, with memory capped (bounded memory is one of the properties) and each round under
# a timeout (a hang is a failure, not a stuck script). CI runs the default 200 cases per property.
#
#   MINUTES=10 CASES=2000 scripts/fuzz-parsers.sh            # every property
#   MINUTES=1 scripts/fuzz-parsers.sh stl_streams_of_any_bytes_end_with_bounded_lines
#
# Prints one line per property: rounds, cases, wall seconds, peak RSS, result. A failure leaves
# its seed in tests/parsers_prop.proptest-regressions (commit it) and the log in $LOG_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."

MINUTES=${MINUTES:-10}
CASES=${CASES:-2000}
ROUND_TIMEOUT=${ROUND_TIMEOUT:-900}
MEM_KB=${MEM_KB:-4194304}
LOG_DIR=${LOG_DIR:-$(mktemp -d /tmp/fuzz-parsers.XXXXXX)}
mkdir -p "$LOG_DIR"

bin=$(cargo test --release --test parsers_prop --no-run 2>&1 |
    sed -n 's/.*Executable tests\/parsers_prop.rs (\(.*\))/\1/p' | tail -1)
[ -x "$bin" ] || { echo "no test binary built" >&2; exit 2; }

if [ $# -gt 0 ]; then
    props=("$@")
else
    mapfile -t props < <("$bin" --list 2>/dev/null | sed -n 's/: test$//p')
fi

status=0
for p in "${props[@]}"; do
    start=$(date +%s)
    rounds=0 peak=0 result=ok
    while [ $(($(date +%s) - start)) -lt $((MINUTES * 60)) ]; do
        log="$LOG_DIR/$p.$rounds.log"
        if ! (ulimit -v "$MEM_KB"; PROPTEST_CASES=$CASES /usr/bin/time -f '%M' -o "$log.rss" \
            timeout "$ROUND_TIMEOUT" "$bin" --exact "$p" --test-threads 1) >"$log" 2>&1; then
            result="FAILED (see $log)"
            status=1
            break
        fi
        rss=$(tail -1 "$log.rss")
        [ "$rss" -gt "$peak" ] && peak=$rss
        rounds=$((rounds + 1))
    done
    echo "$p: $rounds rounds x $CASES = $((rounds * CASES)) cases in $(($(date +%s) - start)) s, peak RSS $((peak / 1024)) MiB: $result"
done
exit $status
