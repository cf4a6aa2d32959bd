#!/bin/bash
# Instructions per sim::dram evaluation (callgrind, stable on a shared machine) for the 8 DDR3
# configs of BENCHMARKS.md: policy.json and fr_fcfs.json on the four shared traces. Needs
# `cargo build --release --example dram_profile` first. Usage: scripts/dram-callgrind.sh [OUTDIR]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$(mktemp -d)}"
cd "$root/examples/dram"
for mc in policy.json fr_fcfs.json; do
  for tr in stream.stl random.stl cloud-1.stl cloud-2.stl; do
    log="$out/${mc%.json}_${tr%.stl}"
    valgrind --tool=callgrind --toggle-collect='l2mac::sim::dram::simulate_trace' \
      --callgrind-out-file="$log.callgrind" "$root/target/release/examples/dram_profile" \
      MICRON_1Gb_DDR3-1600_8bit_G.json am_ddr3_8x1Gbx8_dimm_p1KB_rbc.json "$mc" 800 "$tr" 1 \
      > "$log.out" 2> "$log.err"
    echo "$mc $tr $(grep -o 'Collected : [0-9]*' "$log.err" | awk '{print $3}')"
  done
done
