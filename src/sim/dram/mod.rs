//! `sim::dram`: a native re-implementation of the DRAMSys 4.0 memory controller (DDR3, DDR4,
//! LPDDR4) and its DRAMPower energy model, so a design-space search can evaluate controller configs in process and
//! in parallel instead of launching a SystemC simulator per point.
//!
//! Inputs are the DRAMSys JSON files (memspec, CONGEN address mapping, mcconfig) and STL traces;
//! the output is a [`DramStats`]. Everything is pure: no files written, no global state, and
//! [`DramConfig`] is `Send + Sync`, so configs can be evaluated on many threads at once.
//!
//! Fidelity: the model follows DRAMSys 4.0 (the 2021 code ArchGym's DRAMGym binary is built from)
//! module by module: STL player, arbiter (Simple/Fifo/Reorder), controller method, bank machines,
//! schedulers and buffer counters, all-bank and (LPDDR4) per-bank refresh managers, Staggered
//! power-down manager (power-down and self-refresh), `CheckerDDR3`/`CheckerDDR4`/`CheckerLPDDR4`,
//! response queues and DRAMPower (DDR3 and DDR4; DRAMSys 4.0 has none for LPDDR4, so LPDDR4
//! results have time and bandwidth, and energy and power are `None`). Hand-overs between modules run on a small kernel with SystemC's delta-cycle and
//! timed-event ordering, so the command schedule, and therefore energy and time, are the same as
//! DRAMSys's (checked against the DRAMSys binary on thousands of configs).
//!
//! Reported figures, as DRAMSys defines them: `total_time_ps` is the simulation end (the last
//! response reaching the trace player), exact in picoseconds; `total_energy_pj` is DRAMPower's
//! energy for all devices of the DIMM, integrated up to the completion of the last command;
//! `average_power_mw` is that energy over the same DRAMPower window (`power_window_ps`), which is
//! the power DRAMSys prints. Latency runs from a request entering the arbiter to its response
//! reaching the player.
//!
//! Not simulated (rejected with an error naming the file and field): memory types other than
//! DDR3, DDR4 and LPDDR4, more than one channel, per-bank refresh except for LPDDR4 and same-bank
//! refresh (as DRAMSys 4.0 refuses them),
//! `CmdMux` other than `Oldest`, and more than one
//! trace player in a simulation file's `tracesetup`.
//!
//! ```no_run
//! use l2mac::sim::dram::{simulate_trace, DramConfig, Trace};
//! use std::path::Path;
//! let dir = Path::new("examples/dram");
//! let cfg = DramConfig::from_files(
//!     &dir.join("MICRON_1Gb_DDR3-1600_8bit_G.json"),
//!     &dir.join("am_ddr3_8x1Gbx8_dimm_p1KB_rbc.json"),
//!     &dir.join("policy.json"),
//!     800.0,
//! )?;
//! let trace = Trace::from_file(&dir.join("stream.stl"))?;
//! let stats = simulate_trace(&cfg, &trace)?;
//! println!("{:?} pJ, {:?} mW, {} ps", stats.total_energy_pj, stats.average_power_mw, stats.total_time_ps);
//! # Ok::<(), l2mac::sim::dram::DramError>(())
//! ```

mod checker;
pub mod cli;
mod config;
mod controller;
mod decoder;
mod engine;
mod error;
mod frontend;
mod kernel;
pub mod limits;
mod mcconfig;
mod power;
mod powerdown;
mod refresh;
mod simfile;
mod stats;
mod trace;

pub use checker::Command;
pub use config::{AddressMapping, Decoded, DramConfig, MemSpec, MemoryType, PowerSpec, Timing};
pub use error::DramError;
pub use mcconfig::{
    Arbiter, McConfig, PagePolicy, PowerDownPolicy, RefreshPolicy, RespQueue, Scheduler,
    SchedulerBuffer, ARCHGYM_COLUMNS,
};
pub use power::EnergyBreakdown;
pub use simfile::SimulationFiles;
pub use stats::{CommandCounts, DramStats};
pub use trace::{is_relative, parse_line, Request, StlReader, Trace};

/// Simulates a stream of requests (e.g. an [`StlReader`] over a file); memory use does not grow
/// with the number of requests. `relative` selects `.rstl` semantics (times relative to the
/// previous request).
pub fn simulate<I>(cfg: &DramConfig, requests: I, relative: bool) -> Result<DramStats, DramError>
where
    I: IntoIterator<Item = Result<Request, DramError>>,
{
    cfg.check()?;
    let mut iter = requests.into_iter();
    engine::Engine::new(cfg, &mut iter, relative).run()
}

/// Simulates an in-memory trace (for evaluating many configs on the same trace).
pub fn simulate_trace(cfg: &DramConfig, trace: &Trace) -> Result<DramStats, DramError> {
    cfg.check()?;
    let mut iter = trace.requests.iter().map(|r| Ok(*r));
    let stats = engine::Engine::new(cfg, &mut iter, trace.relative).run();
    stats.map_err(|e| rename_source(e, &trace.name))
}

/// Errors raised inside the engine only know "trace"; name the real source instead.
fn rename_source(e: DramError, name: &str) -> DramError {
    match e {
        DramError::AddressOutOfRange {
            line, address, max, ..
        } => DramError::AddressOutOfRange {
            source_name: name.to_string(),
            line,
            address,
            max,
        },
        DramError::EmptyTrace { .. } => DramError::EmptyTrace {
            source_name: name.to_string(),
        },
        DramError::TraceTime {
            line, time, max_ps, ..
        } => DramError::TraceTime {
            source_name: name.to_string(),
            line,
            time,
            max_ps,
        },
        other => other,
    }
}

/// Streams the STL file at `path` through the simulator.
pub fn simulate_file(cfg: &DramConfig, path: &std::path::Path) -> Result<DramStats, DramError> {
    let reader = StlReader::open(path)?;
    let name = path.display().to_string();
    simulate(cfg, reader, is_relative(&name)).map_err(|e| rename_source(e, &name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn public_types_are_send_and_sync() {
        assert_send_sync::<DramConfig>();
        assert_send_sync::<Trace>();
        assert_send_sync::<DramStats>();
    }
}
