#!/usr/bin/env bash
# The README's test command. Installs what the tests need when it is missing (pytest for the
# generated Python projects, bubblewrap for the check sandbox), then runs the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v bwrap >/dev/null 2>&1 || need_apt+=(bubblewrap)
# the study-storage tests run workers against a throwaway PostgreSQL server
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
# sim::abc drives the real ABC (yosys-abc, from the yosys package); tests/abc_*.rs
command -v yosys-abc >/dev/null 2>&1 || need_apt+=(yosys)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing ${need_apt[*]} (apt)"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null \
      || echo "warning: could not install ${need_apt[*]}"
  else
    echo "note: ${need_apt[*]} not installed and no root apt"
  fi
fi
# Every sandbox test that would say "sandbox unavailable, skipping" fails instead: CI must test
# bubblewrap and the Landlock fallback for real. L2MAC_REQUIRE_SANDBOX=0 allows the skips.
export L2MAC_REQUIRE_SANDBOX="${L2MAC_REQUIRE_SANDBOX:-1}"
# The ABC tests (tests/abc_*.rs) fail instead of skipping when yosys-abc is absent.
# L2MAC_REQUIRE_ABC=0 allows the skips.
export L2MAC_REQUIRE_ABC="${L2MAC_REQUIRE_ABC:-1}"
if ! python3 -m pytest --version >/dev/null 2>&1; then
  echo "== installing pytest (pip)"
  python3 -m pip install -q pytest
fi

# Study storage (tests/dse_workers.rs, dse_optuna.rs, dse_storage_errors.rs): the real optuna and
# optuna-dashboard in a venv under target/ (psycopg for their PostgreSQL URLs), and a PostgreSQL
# server in a temp dir on a loopback port, stopped on exit. Their absence fails those tests
# (L2MAC_REQUIRE_STUDY_TOOLS=1); L2MAC_REQUIRE_STUDY_TOOLS=0 allows the skips.
export L2MAC_REQUIRE_STUDY_TOOLS="${L2MAC_REQUIRE_STUDY_TOOLS:-1}"
venv="$PWD/target/optuna-venv"
if ! "$venv/bin/python" -c "import optuna, optuna_dashboard, psycopg" >/dev/null 2>&1; then
  echo "== installing optuna, optuna-dashboard (pip, $venv)"
  python3 -m venv "$venv" && "$venv/bin/pip" install -q optuna optuna-dashboard "psycopg[binary]" \
    || echo "warning: could not install optuna into $venv"
fi
export L2MAC_OPTUNA_PYTHON="$venv/bin/python"
pg_dir="$(mktemp -d /tmp/l2mac-pg.XXXXXX)"
pg_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
trap 'scripts/pg-test-server.sh stop "$pg_dir"; rm -rf "$pg_dir"' EXIT
if L2MAC_TEST_PG_URL="$(scripts/pg-test-server.sh start "$pg_dir" "$pg_port")"; then
  export L2MAC_TEST_PG_URL
  echo "== PostgreSQL for the study tests: $L2MAC_TEST_PG_URL"
else
  echo "warning: could not start PostgreSQL (see $pg_dir/*.log)"
fi

# The real-model tests (tests/real_model.rs) run against the local Qwen2.5-Coder-1.5B; install it
# (idempotent, a few minutes the first time) and make its absence a failure rather than a skip.
# L2MAC_SKIP_REAL_MODEL=1 skips both, for a quick local loop.
if [ "${L2MAC_SKIP_REAL_MODEL:-0}" != 1 ]; then
  echo "== local model (scripts/setup-local-model.sh)"
  scripts/setup-local-model.sh
  export L2MAC_REQUIRE_REAL_MODEL=1
fi

echo "== cargo test"
cargo test --all-targets
