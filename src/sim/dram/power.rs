//! DRAMPower (the 2020 version bundled with DRAMSys 4.0) command analysis and energy model,
//! evaluated incrementally so the command list never has to be stored.
//!
//! DRAMPower collects every command, turns RDA/WRA into RD/WR plus a PRE at the auto-precharge
//! time, sorts by cycle (a PRE first on ties), appends a NOP at the completion time of the last
//! command and then walks the list. Commands reach us in issue order, so only the pending
//! auto-precharges need buffering. Power-down and self-refresh follow DRAMPower's bookkeeping
//! literally, including where it double counts (an active power-down entered with every bank
//! precharged charges the time since the last activation again): DRAMSys prints those numbers.

use super::checker::Command;
use super::config::{MemSpec, MemoryType};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PCmd {
    Act,
    Rd,
    Wr,
    Pre,
    Prea,
    Ref,
    PdnAct,
    PupAct,
    PdnPre,
    PupPre,
    Sren,
    Srex,
}

/// DRAMPower's memory state (DRAMSys only uses the slow-exit power-downs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MemState {
    NotInPd,
    PdnAct,
    PdnPre,
    Sref,
}

/// Energy per DIMM, split like DRAMPower's report (all values in pJ).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EnergyBreakdown {
    pub act_pj: f64,
    pub pre_pj: f64,
    pub read_pj: f64,
    pub write_pj: f64,
    pub refresh_pj: f64,
    /// Background energy while at least one bank is active (IDD3N).
    pub act_standby_pj: f64,
    /// Background energy while all banks are precharged (IDD2N).
    pub pre_standby_pj: f64,
    /// Background energy in active and precharged power-down (IDD3P0, IDD2P0).
    #[serde(default)]
    pub power_down_pj: f64,
    /// Self-refresh (IDD6) and the refresh it starts and ends with.
    #[serde(default)]
    pub self_refresh_pj: f64,
}

impl EnergyBreakdown {
    /// The parts summed in DRAMPower's order (the printed total is this sum).
    pub fn total_pj(&self) -> f64 {
        self.act_pj
            + self.pre_pj
            + self.read_pj
            + self.write_pj
            + self.refresh_pj
            + self.act_standby_pj
            + self.pre_standby_pj
            + self.power_down_pj
            + self.self_refresh_pj
    }
}

/// The result of the energy model for one simulation.
#[derive(Clone, Debug, PartialEq)]
pub struct PowerResult {
    /// Energy of the whole DIMM (all devices).
    pub energy: EnergyBreakdown,
    /// DRAMPower's total, summed in its order and scaled to the DIMM as DRAMSys prints it.
    pub total_pj: f64,
    /// Cycles DRAMPower integrates over: the states it accounted, up to the completion of the
    /// last command.
    pub window_cycles: u64,
    /// DRAMPower's average power for the DIMM (energy over the window).
    pub average_power_mw: f64,
}

/// The memspec values DRAMPower uses, in cycles and mA.
struct Spec {
    ras: i64,
    rc: i64,
    rp: i64,
    rfc: i64,
    rcd: i64,
    rl: i64,
    wl: i64,
    wr: i64,
    dqsck: i64,
    burst: i64,
    xpdll: i64,
    xsdll: i64,
}

#[derive(Default)]
struct Counters {
    acts: u64,
    pres: u64,
    reads: u64,
    writes: u64,
    refs: u64,
    actcycles: i64,
    precycles: i64,
    s_act_pdcycles: i64,
    s_pre_pdcycles: i64,
    pup_act_cycles: i64,
    pup_pre_cycles: i64,
    sref_cycles: i64,
    spup_cycles: i64,
    sref_ref_act_cycles: i64,
    sref_ref_pre_cycles: i64,
    spup_ref_act_cycles: i64,
    spup_ref_pre_cycles: i64,
    idlecycles_act: i64,
    idlecycles_pre: i64,
}

pub struct PowerModel {
    s: Spec,
    rda_offset: i64,
    wra_offset: i64,
    // pending auto-precharges (cycle, bank), unsorted; tiny
    pending: Vec<(i64, usize)>,
    activation_cycle: Vec<i64>,
    last_evaluated: Option<(PCmd, i64)>,
    active: Vec<bool>,
    /// Bank states saved at an active power-down entry, restored at its exit.
    saved_active: Vec<bool>,
    n_active: usize,
    mem_state: MemState,
    c: Counters,
    first_act_cycle: i64,
    last_pre_cycle: i64,
    latest_act_cycle: i64,
    latest_pre_cycle: i64,
    latest_read_cycle: i64,
    latest_write_cycle: i64,
    end_act_op: i64,
    end_read_op: i64,
    end_write_op: i64,
    pdn_cycle: i64,
    sref_cycle: i64,
    sref_cycle_window: i64,
    sref_ref_act_cycles_window: i64,
    sref_ref_pre_cycles_window: i64,
}

/// DRAMPower's `zero_guard`: a negative interval counts as none.
fn zg(v: i64) -> i64 {
    v.max(0)
}

impl PowerModel {
    pub fn new(spec: &MemSpec) -> Self {
        let t = &spec.timing;
        let i = |v: u64| v as i64;
        let burst = i(u64::from(spec.burst_length / spec.data_rate));
        let banks = (spec.banks * spec.ranks) as usize;
        PowerModel {
            s: Spec {
                ras: i(t.ras),
                rc: i(t.rc),
                rp: i(t.rp),
                rfc: i(t.rfc),
                rcd: i(t.rcd),
                rl: i(t.rl),
                wl: i(t.wl),
                wr: i(t.wr),
                dqsck: i(t.dqsck),
                burst,
                xpdll: i(t.xpdll),
                xsdll: i(t.xsdll),
            },
            // DRAMPower's auto-precharge offset differs per standard
            rda_offset: match spec.memory_type {
                MemoryType::Ddr3 => i(t.al) + i(t.rtp).max(4),
                // (LPDDR4 never gets here: DRAMSys 4.0 has no power model for it)
                MemoryType::Ddr4 | MemoryType::Lpddr4 => i(t.al) + i(t.rtp),
            },
            wra_offset: burst + i(t.wl) + i(t.wr),
            pending: Vec::with_capacity(banks),
            activation_cycle: vec![0; banks],
            last_evaluated: None,
            active: vec![false; banks],
            saved_active: vec![false; banks],
            n_active: 0,
            mem_state: MemState::NotInPd,
            c: Counters::default(),
            first_act_cycle: 0,
            last_pre_cycle: 0,
            latest_act_cycle: -1,
            latest_pre_cycle: -1,
            latest_read_cycle: -1,
            latest_write_cycle: -1,
            end_act_op: 0,
            end_read_op: 0,
            end_write_op: 0,
            pdn_cycle: 0,
            sref_cycle: 0,
            sref_cycle_window: 0,
            sref_ref_act_cycles_window: 0,
            sref_ref_pre_cycles_window: 0,
        }
    }

    /// Records a command issued at `cycle` (commands must arrive in non-decreasing cycle order).
    pub fn command(&mut self, cmd: Command, bank: usize, cycle: i64) {
        let (pcmd, auto_pre) = match cmd {
            Command::Act => {
                self.activation_cycle[bank] = cycle;
                (PCmd::Act, None)
            }
            Command::Rd => (PCmd::Rd, None),
            Command::Wr => (PCmd::Wr, None),
            Command::Rda => (PCmd::Rd, Some(self.rda_offset)),
            Command::Wra => (PCmd::Wr, Some(self.wra_offset)),
            Command::Pre => (PCmd::Pre, None),
            Command::Prea => (PCmd::Prea, None),
            Command::Refa => (PCmd::Ref, None),
            // DRAMSys sends the slow-exit variants (DLL off during power-down)
            Command::Pdea => (PCmd::PdnAct, None),
            Command::Pdxa => (PCmd::PupAct, None),
            Command::Pdep => (PCmd::PdnPre, None),
            Command::Pdxp => (PCmd::PupPre, None),
            Command::Srefen => (PCmd::Sren, None),
            Command::Srefex => (PCmd::Srex, None),
            // only LPDDR4 refreshes per bank, and DRAMSys 4.0 has no power model for it
            Command::Refb => return,
        };
        if let Some(offset) = auto_pre {
            let at = (cycle + offset).max(self.activation_cycle[bank] + self.s.ras);
            self.pending.push((at, bank));
        }
        self.flush_pending(|t| t <= cycle);
        self.evaluate(pcmd, bank, cycle);
    }

    /// Evaluates buffered auto-precharges due according to `due`, oldest first.
    fn flush_pending(&mut self, due: impl Fn(i64) -> bool) {
        while let Some((pos, &(t, bank))) = self
            .pending
            .iter()
            .enumerate()
            .filter(|(_, &(t, _))| due(t))
            .min_by_key(|(_, &(t, _))| t)
        {
            self.pending.swap_remove(pos);
            self.evaluate(PCmd::Pre, bank, t);
        }
    }

    fn set_all_precharged(&mut self) {
        self.active.iter_mut().for_each(|a| *a = false);
        self.n_active = 0;
    }

    fn evaluate(&mut self, cmd: PCmd, bank: usize, t: i64) {
        self.last_evaluated = Some((cmd, t));
        match cmd {
            PCmd::Act => {
                if !self.active[bank] {
                    self.c.acts += 1;
                    if self.n_active == 0 {
                        self.first_act_cycle = t;
                        self.c.precycles += zg(t - self.last_pre_cycle);
                        self.idle_pre_update(t);
                    }
                    self.active[bank] = true;
                    self.n_active += 1;
                    self.latest_act_cycle = t;
                }
            }
            PCmd::Rd => {
                self.c.reads += 1;
                self.idle_act_update(t);
                self.latest_read_cycle = t;
            }
            PCmd::Wr => {
                self.c.writes += 1;
                self.idle_act_update(t);
                self.latest_write_cycle = t;
            }
            PCmd::Ref => {
                self.c.refs += 1;
                self.idle_pre_update(t);
                self.first_act_cycle = t;
                self.c.precycles += zg(t - self.last_pre_cycle);
                self.last_pre_cycle = t + self.s.rfc - self.s.rp;
                self.latest_pre_cycle = self.last_pre_cycle;
                self.c.actcycles += self.s.rfc - self.s.rp;
                self.set_all_precharged();
            }
            PCmd::Pre => {
                if self.active[bank] {
                    self.c.pres += 1;
                    if self.n_active == 1 {
                        self.c.actcycles += zg(t - self.first_act_cycle);
                        self.last_pre_cycle = t;
                        self.idle_act_update(t);
                    }
                    self.active[bank] = false;
                    self.n_active -= 1;
                    self.latest_pre_cycle = t;
                }
            }
            PCmd::Prea => {
                if self.n_active > 0 {
                    self.c.actcycles += zg(t - self.first_act_cycle);
                    self.last_pre_cycle = t;
                    self.c.pres += self.n_active as u64;
                    self.idle_act_update(t);
                    self.latest_pre_cycle = t;
                    self.set_all_precharged();
                }
            }
            PCmd::PdnAct => {
                self.saved_active.copy_from_slice(&self.active);
                self.pdn_cycle = t;
                self.c.actcycles += zg(t - self.first_act_cycle);
                self.idle_act_update(t);
                self.mem_state = MemState::PdnAct;
            }
            PCmd::PdnPre => {
                self.pdn_cycle = t;
                self.c.precycles += zg(t - self.last_pre_cycle);
                self.idle_pre_update(t);
                self.mem_state = MemState::PdnPre;
            }
            PCmd::PupAct => {
                // slow exit with the DLL on, as DRAMSys configures DRAMPower
                if self.mem_state == MemState::PdnAct {
                    self.c.s_act_pdcycles += zg(t - self.pdn_cycle);
                    self.c.pup_act_cycles += self.s.xpdll - self.s.rcd;
                    self.latest_act_cycle = t + zg(self.s.xpdll - 2 * self.s.rcd);
                }
                self.mem_state = MemState::NotInPd;
                self.active.copy_from_slice(&self.saved_active);
                self.n_active = self.active.iter().filter(|a| **a).count();
                self.first_act_cycle = t;
            }
            PCmd::PupPre => {
                if self.mem_state == MemState::PdnPre {
                    self.c.s_pre_pdcycles += zg(t - self.pdn_cycle);
                    self.c.pup_pre_cycles += self.s.xpdll - self.s.rcd;
                    self.latest_pre_cycle = t + zg(self.s.xpdll - self.s.rcd - self.s.rp);
                }
                self.mem_state = MemState::NotInPd;
                self.last_pre_cycle = t;
            }
            PCmd::Sren => {
                self.sref_cycle = t;
                self.sref_cycle_window = t;
                self.sref_ref_pre_cycles_window = 0;
                self.sref_ref_act_cycles_window = 0;
                self.c.precycles += zg(t - self.last_pre_cycle);
                self.idle_pre_update(t);
                self.mem_state = MemState::Sref;
            }
            PCmd::Srex => self.self_refresh_exit(t),
        }
    }

    /// DRAMPower's `handleSREx` (DLL on): how much of the refresh that starts a self-refresh
    /// happened inside it decides which counters the stay is charged to.
    fn self_refresh_exit(&mut self, t: i64) {
        let s = &self.s;
        let c = &mut self.c;
        let duration = (t - self.sref_cycle).max(0);
        if duration >= s.rfc {
            c.sref_ref_act_cycles += s.rfc - s.rp - self.sref_ref_act_cycles_window;
            c.sref_ref_pre_cycles += s.rp - self.sref_ref_pre_cycles_window;
            self.last_pre_cycle = t;
            if self.sref_cycle_window > self.sref_cycle + s.rfc {
                c.sref_cycles += zg(t - self.sref_cycle_window);
            } else {
                c.sref_cycles += zg(t - self.sref_cycle - s.rfc);
            }
            c.spup_cycles += s.xsdll - s.rcd;
            self.latest_pre_cycle = t + zg(s.xsdll - s.rcd - s.rp);
        } else {
            let ref_act_cycles = s.rfc - s.rp;
            if duration >= ref_act_cycles {
                let pre_cycles = duration - ref_act_cycles - self.sref_ref_pre_cycles_window;
                c.sref_ref_act_cycles += ref_act_cycles - self.sref_ref_act_cycles_window;
                c.sref_ref_pre_cycles += pre_cycles;
                let spup_pre = s.rp - pre_cycles;
                c.spup_ref_pre_cycles += spup_pre;
                self.last_pre_cycle = t + spup_pre;
                c.spup_cycles += s.xsdll - s.rcd - spup_pre;
                self.latest_pre_cycle = t + zg(s.xsdll - s.rcd - spup_pre - s.rp);
            } else {
                c.sref_ref_act_cycles += duration - self.sref_ref_act_cycles_window;
                let spup_act = (s.rfc - s.rp) - duration;
                c.spup_ref_act_cycles += spup_act;
                c.spup_ref_pre_cycles += s.rp;
                self.last_pre_cycle = t + spup_act + s.rp;
                c.spup_cycles += s.xsdll - s.rcd - spup_act - s.rp;
                self.latest_pre_cycle = t + zg(s.xsdll - s.rcd - spup_act - 2 * s.rp);
            }
        }
        self.mem_state = MemState::NotInPd;
    }

    fn time_to_completion(&self, cmd: PCmd) -> i64 {
        let s = &self.s;
        match cmd {
            PCmd::Rd => s.rl + s.dqsck + 1 + s.burst,
            PCmd::Wr => s.wl + s.burst + s.wr,
            PCmd::Act => s.rcd,
            PCmd::Pre | PCmd::Prea => s.rp,
            _ => 0,
        }
    }

    fn idle_act_update(&mut self, t: i64) {
        if self.latest_read_cycle >= 0 {
            self.end_read_op = self.latest_read_cycle + self.time_to_completion(PCmd::Rd) - 1;
        }
        if self.latest_write_cycle >= 0 {
            self.end_write_op = self.latest_write_cycle + self.time_to_completion(PCmd::Wr) - 1;
        }
        if self.latest_act_cycle >= 0 {
            self.end_act_op = self.latest_act_cycle + self.time_to_completion(PCmd::Act) - 1;
        }
        let busy_until = self.end_read_op.max(self.end_write_op).max(self.end_act_op);
        self.c.idlecycles_act += zg(t - busy_until);
    }

    fn idle_pre_update(&mut self, t: i64) {
        if self.latest_pre_cycle > 0 {
            self.c.idlecycles_pre += zg(t - self.latest_pre_cycle - self.s.rp);
        } else if self.latest_pre_cycle == 0 {
            self.c.idlecycles_pre += zg(t - self.latest_pre_cycle);
        }
    }

    /// DRAMPower's closing NOP (`handleNopEnd`): accounts the open state up to `end`.
    fn close(&mut self, end: i64) {
        match self.mem_state {
            MemState::NotInPd if self.n_active > 0 => {
                self.c.actcycles += zg(end - self.first_act_cycle);
                self.idle_act_update(end);
            }
            MemState::NotInPd => {
                self.c.precycles += zg(end - self.last_pre_cycle);
                self.idle_pre_update(end);
            }
            MemState::PdnAct => self.c.s_act_pdcycles += zg(end - self.pdn_cycle),
            MemState::PdnPre => self.c.s_pre_pdcycles += zg(end - self.pdn_cycle),
            MemState::Sref => {
                let s = &self.s;
                let c = &mut self.c;
                let rfc_minus_rp = s.rfc - s.rp;
                if end > self.sref_cycle + s.rfc {
                    if self.sref_cycle_window <= self.sref_cycle + rfc_minus_rp {
                        c.sref_ref_act_cycles += rfc_minus_rp - self.sref_ref_act_cycles_window;
                        self.sref_ref_act_cycles_window = rfc_minus_rp;
                        self.sref_cycle_window = self.sref_cycle + rfc_minus_rp;
                    }
                    if self.sref_cycle_window <= self.sref_cycle + s.rfc {
                        c.sref_ref_pre_cycles += s.rp - self.sref_ref_pre_cycles_window;
                        self.sref_ref_pre_cycles_window = s.rp;
                        self.sref_cycle_window = self.sref_cycle + s.rfc;
                    }
                    c.sref_cycles += zg(end - self.sref_cycle_window);
                } else if end > self.sref_cycle + rfc_minus_rp {
                    if self.sref_cycle_window <= self.sref_cycle + rfc_minus_rp {
                        c.sref_ref_act_cycles += rfc_minus_rp - self.sref_ref_act_cycles_window;
                        self.sref_ref_act_cycles_window = rfc_minus_rp;
                        self.sref_cycle_window = self.sref_cycle + rfc_minus_rp;
                    }
                    self.sref_ref_pre_cycles_window += end - self.sref_cycle_window;
                    c.sref_ref_pre_cycles += end - self.sref_cycle_window;
                } else {
                    self.sref_ref_act_cycles_window += end - self.sref_cycle_window;
                    c.sref_ref_act_cycles += end - self.sref_cycle_window;
                }
            }
        }
    }

    /// Closes the command list (DRAMPower's `calcEnergy`) and computes the DIMM energy (none
    /// for a memspec without currents).
    pub fn finish(mut self, spec: &MemSpec) -> Option<PowerResult> {
        let p = spec.power.as_ref()?;
        self.flush_pending(|_| true);
        if let Some((last, t)) = self.last_evaluated {
            let end = self.time_to_completion(last) + t - 1;
            self.close(end);
        }
        let clk_ns = 1000.0 / spec.clk_mhz;
        let e = |cycles: f64, current: f64| cycles * clk_ns * current * p.vdd;
        let ei = |cycles: i64, current: f64| e(cycles as f64, current);
        let devices = f64::from(spec.devices_on_dimm);
        let ranks = f64::from(spec.ranks);
        let (s, c) = (&self.s, &self.c);
        // DDR4's second domain (VPP): DRAMSys gives DRAMPower only idd02 and idd62 there, the
        // other second-domain currents are 0
        let e2 = |cycles: f64, current: f64| cycles * clk_ns * current * p.vdd2;
        let two = spec.memory_type == MemoryType::Ddr4;
        let mut act = ei(c.acts as i64 * s.ras, p.idd0 - p.idd3n);
        let mut pre = ei(c.pres as i64 * (s.rc - s.ras), p.idd0 - p.idd2n);
        if two {
            act += e2((c.acts as i64 * s.ras) as f64, p.idd02);
            pre += e2((c.pres as i64 * (s.rc - s.ras)) as f64, p.idd02);
        }
        let read = ei(c.reads as i64 * s.burst, p.idd4r - p.idd3n);
        let write = ei(c.writes as i64 * s.burst, p.idd4w - p.idd3n);
        let refresh = ei(c.refs as i64 * s.rfc, p.idd5 - p.idd3n);
        let pre_stdby = ei(c.precycles, p.idd2n);
        let act_stdby = ei(c.actcycles, p.idd3n);
        let s_act_pd = ei(c.s_act_pdcycles, p.idd3p0);
        let s_pre_pd = ei(c.s_pre_pdcycles, p.idd2p0);
        let mut sref = (p.idd6 * c.sref_cycles as f64
            + (p.idd5 - p.idd3n)
                * (c.sref_ref_act_cycles
                    + c.spup_ref_act_cycles
                    + c.sref_ref_pre_cycles
                    + c.spup_ref_pre_cycles) as f64)
            * p.vdd
            * clk_ns;
        if two {
            sref += p.idd62 * c.sref_cycles as f64 * p.vdd2 * clk_ns;
        }
        let sref_ref = ei(c.sref_ref_act_cycles, p.idd3p0) + ei(c.sref_ref_pre_cycles, p.idd2p0);
        let spup_ref = ei(c.spup_ref_act_cycles, p.idd3n) + ei(c.spup_ref_pre_cycles, p.idd2n);
        // DRAMPower's sum, term by term (fast-exit power-down terms are zero here)
        let per_device = act
            + pre
            + read
            + write
            + refresh
            + ranks
                * (act_stdby
                    + pre_stdby
                    + sref
                    + 0.0
                    + 0.0
                    + s_act_pd
                    + s_pre_pd
                    + sref_ref
                    + spup_ref);
        let window = c.actcycles
            + c.precycles
            + c.s_act_pdcycles
            + c.s_pre_pdcycles
            + c.sref_cycles
            + c.sref_ref_act_cycles
            + c.sref_ref_pre_cycles
            + c.spup_ref_act_cycles
            + c.spup_ref_pre_cycles;
        let average = if window > 0 {
            per_device / (window as f64 * clk_ns) * devices
        } else {
            0.0
        };
        let d = |v: f64| v * devices;
        Some(PowerResult {
            energy: EnergyBreakdown {
                act_pj: d(act),
                pre_pj: d(pre),
                read_pj: d(read),
                write_pj: d(write),
                refresh_pj: d(refresh),
                act_standby_pj: d(ranks * act_stdby),
                pre_standby_pj: d(ranks * pre_stdby),
                power_down_pj: d(ranks * (s_act_pd + s_pre_pd)),
                self_refresh_pj: d(ranks * (sref + sref_ref + spup_ref)),
            },
            total_pj: per_device * devices,
            window_cycles: window.max(0) as u64,
            average_power_mw: average,
        })
    }
}
