#!/bin/bash
# usage: cg.sh LABEL -> prints instructions per evaluation for 8 DDR3 configs
cd /work/wt17/examples/dram
for mc in policy.json fr_fcfs.json; do for tr in stream.stl random.stl cloud-1.stl cloud-2.stl; do
  valgrind --tool=callgrind --toggle-collect='l2mac::sim::dram::simulate_trace' --callgrind-out-file=/tmp/wt17_cg_$1_${mc%.json}_${tr%.stl}.out ../../target/release/examples/dram_profile MICRON_1Gb_DDR3-1600_8bit_G.json am_ddr3_8x1Gbx8_dimm_p1KB_rbc.json $mc 800 $tr 1 > /tmp/wt17_cg_run.txt 2>/tmp/wt17_cg_err.txt
  ir=$(grep -o "Collected : [0-9]*" /tmp/wt17_cg_err.txt | awk '{print $3}')
  echo "$mc $tr $ir $(cat /tmp/wt17_cg_run.txt | cut -d';' -f1)"
done; done
