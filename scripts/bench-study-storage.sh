#!/usr/bin/env bash
# BENCHMARKS.md "Study storage": trials per second of `l2mac dse run --workers N` (N = 1, 2, 4)
# against SQLite and PostgreSQL, beside the one-process batch driver (`dse run` without workers,
# the pre-issue-18 path) on the same study; and the storage overhead per trial (wall time per
# trial of one worker minus its mean evaluation time). Release build; a throwaway PostgreSQL
# server as in scripts/test.sh. Usage: scripts/bench-study-storage.sh [BUDGET] [REPEATS]
set -euo pipefail
cd "$(dirname "$0")/.."
budget="${1:-200}"
repeats="${2:-3}"
cargo build --release -q
bin="$PWD/target/release/l2mac"
work="$(mktemp -d /tmp/l2mac-bench.XXXXXX)"
pg_dir="$(mktemp -d /tmp/l2mac-pg.XXXXXX)"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
trap 'scripts/pg-test-server.sh stop "$pg_dir"; rm -rf "$work" "$pg_dir"' EXIT
pg="$(scripts/pg-test-server.sh start "$pg_dir" "$port")"
spec() { # NAME STORAGE-LINE
  cat <<TOML
name = "$1"
budget = $budget
seed = 1
$2
[env]
name = "dram"
trace = "random.stl"
[objective]
minimize = "Latency"
[agent]
name = "random"
TOML
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
run() { # LABEL WORKERS STORAGE-KIND
  local label="$1" n="$2" kind="$3" rates=() i
  for i in $(seq "$repeats"); do
    local name="b${n}_${kind}_$i" out="$work/$label-$i" line=""
    case "$kind" in
      pg) line="storage = \"$pg\"" ;;
      sqlite) line="storage = \"sqlite:///$work/$label-$i.db\"" ;;
    esac
    spec "$name" "$line" > "$work/$name.toml"
    local flags=()
    [ "$n" -gt 0 ] && flags=(--workers "$n")
    local t0 t1
    t0=$(date +%s.%N)
    "$bin" dse run "$work/$name.toml" -o "$out" "${flags[@]}" >/dev/null
    t1=$(date +%s.%N)
    rates+=("$(echo "$budget / ($t1 - $t0)" | bc -l)")
    if [ "$n" = 1 ] && [ "$i" = 1 ]; then
      # mean evaluation time of the one-worker run, from the trials' l2mac:eval_seconds
      local q="SELECT AVG(CAST(value_json AS DOUBLE PRECISION)) FROM trial_system_attributes WHERE key = 'l2mac:eval_seconds'"
      local ev
      if [ "$kind" = pg ]; then ev=$(psql "$pg" -tAc "$q"); else ev=$(sqlite3 "$work/$label-$i.db" "${q/DOUBLE PRECISION/REAL}"); fi
      printf '%s: wall per trial %.2f ms, evaluation %.2f ms, storage and agent %.2f ms\n' "$label" \
        "$(echo "1000 * ($t1 - $t0) / $budget" | bc -l)" "$(echo "1000 * $ev" | bc -l)" \
        "$(echo "1000 * (($t1 - $t0) / $budget - $ev)" | bc -l)"
    fi
  done
  printf '%-28s %8.1f trials/s (median of %s)\n' "$label" "$(printf '%s\n' "${rates[@]}" | median)" "$repeats"
}
echo "budget $budget trials, dram random.stl, agent random, $(nproc) cores"
run "batch-driver-sqlite" 0 default
for kind in sqlite pg; do
  for n in 1 2 4; do run "workers-$n-$kind" "$n" "$kind"; done
done
