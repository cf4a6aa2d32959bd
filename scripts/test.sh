#!/usr/bin/env bash
# The README's test command: installs the test prerequisites, then runs the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --all-targets
