#!/usr/bin/env bash
# The README's test command. Installs what the tests need when it is missing (pytest for the
# generated Python projects, bubblewrap for the check sandbox), then runs the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v bwrap >/dev/null 2>&1 || need_apt+=(bubblewrap)
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
if ! python3 -m pytest --version >/dev/null 2>&1; then
  echo "== installing pytest (pip)"
  python3 -m pip install -q pytest
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
