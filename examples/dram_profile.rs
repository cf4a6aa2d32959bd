//! A fixed workload for profiling `sim::dram` (callgrind counts instructions, which is stable on a
//! shared machine where wall time is not): loads the trace once, then evaluates it N times.
//!
//! `valgrind --tool=callgrind --toggle-collect='l2mac::sim::dram::simulate_trace'
//!   target/release/examples/dram_profile MEMSPEC MAPPING MCCONFIG CLK_MHZ TRACE [N]`
//! gives the instructions of N evaluations without process start, config and trace parsing.

use std::path::Path;

use l2mac::sim::dram::{simulate_trace, DramConfig, Trace};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 6 {
        eprintln!("usage: dram_profile MEMSPEC MAPPING MCCONFIG CLK_MHZ TRACE [N]");
        std::process::exit(2);
    }
    let clk: f64 = match args[4].parse() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("CLK_MHZ {}: {e}", args[4]);
            std::process::exit(2);
        }
    };
    let n: u32 = args.get(6).and_then(|s| s.parse().ok()).unwrap_or(1);
    let run = || -> Result<(), l2mac::sim::dram::DramError> {
        let cfg = DramConfig::from_files(
            Path::new(&args[1]),
            Path::new(&args[2]),
            Path::new(&args[3]),
            clk,
        )?;
        let trace = Trace::from_file(Path::new(&args[5]))?;
        let start = std::time::Instant::now();
        let mut last = None;
        for _ in 0..n {
            last = Some(simulate_trace(&cfg, &trace)?);
        }
        let per = start.elapsed().as_secs_f64() * 1e3 / f64::from(n);
        if let Some(s) = last {
            println!(
                "{} requests, {} ps, {:?} pJ; {per:.3} ms per evaluation (wall)",
                s.requests, s.total_time_ps, s.total_energy_pj
            );
        }
        Ok(())
    };
    if let Err(e) = run() {
        eprintln!("{e}");
        std::process::exit(1);
    }
}
