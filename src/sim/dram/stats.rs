//! The statistics of one simulation, in the units DRAMSys reports (pJ, mW, ps) plus the request
//! level figures a design-space search needs (bandwidth, latency, row-buffer behaviour).

use super::checker::Command;
use super::power::EnergyBreakdown;

/// How many commands of each kind the controller issued.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CommandCounts {
    pub act: u64,
    pub pre: u64,
    pub prea: u64,
    pub rd: u64,
    pub rda: u64,
    pub wr: u64,
    pub wra: u64,
    pub refa: u64,
    /// Per-bank refreshes (LPDDR4).
    #[serde(default)]
    pub refb: u64,
    #[serde(default)]
    pub pdea: u64,
    #[serde(default)]
    pub pdxa: u64,
    #[serde(default)]
    pub pdep: u64,
    #[serde(default)]
    pub pdxp: u64,
    #[serde(default)]
    pub srefen: u64,
    #[serde(default)]
    pub srefex: u64,
}

impl CommandCounts {
    pub fn add(&mut self, cmd: Command) {
        let slot = match cmd {
            Command::Act => &mut self.act,
            Command::Pre => &mut self.pre,
            Command::Prea => &mut self.prea,
            Command::Rd => &mut self.rd,
            Command::Rda => &mut self.rda,
            Command::Wr => &mut self.wr,
            Command::Wra => &mut self.wra,
            Command::Refa => &mut self.refa,
            Command::Refb => &mut self.refb,
            Command::Pdea => &mut self.pdea,
            Command::Pdxa => &mut self.pdxa,
            Command::Pdep => &mut self.pdep,
            Command::Pdxp => &mut self.pdxp,
            Command::Srefen => &mut self.srefen,
            Command::Srefex => &mut self.srefex,
        };
        *slot += 1;
    }
}

/// Result of [`super::simulate`]. Energy and power follow DRAMSys/DRAMPower exactly: the energy
/// covers the DIMM up to the completion of the last command, and the average power is that energy
/// over the same window (`power_window_ps`), which is what DRAMSys prints. All four are `None`
/// for LPDDR4, which DRAMSys 4.0 has no power model for (it prints time and bandwidth only).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DramStats {
    pub total_energy_pj: Option<f64>,
    pub energy: Option<EnergyBreakdown>,
    pub average_power_mw: Option<f64>,
    /// Simulation end: the time the last response reached the trace player (DRAMSys "Total Time").
    pub total_time_ps: u64,
    /// The interval DRAMPower integrates over (from 0 to the completion of the last command).
    pub power_window_ps: Option<u64>,
    pub requests: u64,
    pub reads: u64,
    pub writes: u64,
    pub bytes: u64,
    /// Delivered bandwidth over the whole simulation.
    pub bandwidth_gbps: f64,
    /// Fraction of the simulated time the data bus carried bursts (DRAMSys "AVG BW" percentage).
    pub bandwidth_utilization: f64,
    pub peak_bandwidth_gbps: f64,
    /// From the request entering the memory system (BEGIN_REQ at the arbiter) to its response
    /// reaching the trace player.
    pub average_latency_ps: f64,
    pub max_latency_ps: u64,
    /// Requests served from an already open row.
    pub row_hits: u64,
    /// Requests that needed an activate of a precharged bank.
    pub row_misses: u64,
    /// Requests that needed another row to be closed first.
    pub row_conflicts: u64,
    pub commands: CommandCounts,
}

impl DramStats {
    /// Total time in nanoseconds (exact: a picosecond count divided by 1000).
    pub fn total_time_ns(&self) -> f64 {
        self.total_time_ps as f64 / 1000.0
    }

    /// A short human-readable report.
    pub fn to_text(&self) -> String {
        let c = &self.commands;
        let absent = "n/a (no power model for this standard in DRAMSys 4.0)";
        let (energy, power) = match (self.total_energy_pj, self.average_power_mw) {
            (Some(e), Some(p)) => (format!("{e:.2} pJ"), format!("{p:.2} mW")),
            _ => (absent.to_string(), absent.to_string()),
        };
        let mut text = format!(
            "Total Energy:   {energy}\n\
             Average Power:  {power}\n\
             Total Time:     {} ps ({:.3} ns)\n\
             Requests:       {} ({} reads, {} writes)\n\
             Bandwidth:      {:.2} Gb/s ({:.2} % of {:.2} Gb/s)\n\
             Latency:        avg {:.1} ns, max {:.1} ns\n\
             Row buffer:     {} hits, {} misses, {} conflicts\n\
             Commands:       ACT {} PRE {} PREA {} RD {} RDA {} WR {} WRA {} REFA {} REFB {}\n",
            self.total_time_ps,
            self.total_time_ns(),
            self.requests,
            self.reads,
            self.writes,
            self.bandwidth_gbps,
            self.bandwidth_utilization * 100.0,
            self.peak_bandwidth_gbps,
            self.average_latency_ps / 1000.0,
            self.max_latency_ps as f64 / 1000.0,
            self.row_hits,
            self.row_misses,
            self.row_conflicts,
            c.act,
            c.pre,
            c.prea,
            c.rd,
            c.rda,
            c.wr,
            c.wra,
            c.refa,
            c.refb,
        );
        if let Some(e) = &self.energy {
            text += &format!(
                "Energy (pJ):    ACT {:.2} PRE {:.2} RD {:.2} WR {:.2} REF {:.2} ACT-standby {:.2} PRE-standby {:.2}\n",
                e.act_pj,
                e.pre_pj,
                e.read_pj,
                e.write_pj,
                e.refresh_pj,
                e.act_standby_pj,
                e.pre_standby_pj,
            );
        }
        text
    }
}
