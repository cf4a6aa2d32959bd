//! DRAMPower (the 2020 version bundled with DRAMSys 4.0) command analysis and energy model,
//! evaluated incrementally so the command list never has to be stored.
//!
//! DRAMPower collects every command, turns RDA/WRA into RD/WR plus a PRE at the auto-precharge
//! time, sorts by cycle (a PRE first on ties), appends a NOP at the completion time of the last
//! command and then walks the list. Commands reach us in issue order, so only the pending
//! auto-precharges need buffering.

use super::checker::Command;
use super::config::MemSpec;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PCmd {
    Act,
    Rd,
    Wr,
    Pre,
    Prea,
    Ref,
}

/// Energy per device and per DIMM, split like DRAMPower's report (all values in pJ).
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
}

impl EnergyBreakdown {
    pub fn total_pj(&self) -> f64 {
        self.act_pj
            + self.pre_pj
            + self.read_pj
            + self.write_pj
            + self.refresh_pj
            + self.act_standby_pj
            + self.pre_standby_pj
    }
}

/// The result of the energy model for one simulation.
#[derive(Clone, Debug, PartialEq)]
pub struct PowerResult {
    /// Energy of the whole DIMM (all devices).
    pub energy: EnergyBreakdown,
    /// Cycles DRAMPower integrates over: up to the completion of the last command.
    pub window_cycles: u64,
}

pub struct PowerModel {
    // memspec values in cycles
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
    rda_offset: i64,
    wra_offset: i64,
    // pending auto-precharges (cycle, bank), unsorted; tiny
    pending: Vec<(i64, usize)>,
    activation_cycle: Vec<i64>,
    last_evaluated: Option<(PCmd, i64)>,
    // CommandAnalysis state
    active: Vec<bool>,
    n_active: usize,
    acts: u64,
    pres: u64,
    reads: u64,
    writes: u64,
    refs: u64,
    actcycles: i64,
    precycles: i64,
    first_act_cycle: i64,
    last_pre_cycle: i64,
    latest_act_cycle: i64,
    latest_pre_cycle: i64,
    latest_read_cycle: i64,
    latest_write_cycle: i64,
    end_act_op: i64,
    end_read_op: i64,
    end_write_op: i64,
    idlecycles_act: i64,
    idlecycles_pre: i64,
}

impl PowerModel {
    pub fn new(spec: &MemSpec) -> Self {
        let t = &spec.timing;
        let i = |v: u64| v as i64;
        let burst = i(u64::from(spec.burst_length / spec.data_rate));
        let banks = (spec.banks * spec.ranks) as usize;
        PowerModel {
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
            rda_offset: i(t.al) + i(t.rtp).max(4),
            wra_offset: burst + i(t.wl) + i(t.wr),
            pending: Vec::with_capacity(banks),
            activation_cycle: vec![0; banks],
            last_evaluated: None,
            active: vec![false; banks],
            n_active: 0,
            acts: 0,
            pres: 0,
            reads: 0,
            writes: 0,
            refs: 0,
            actcycles: 0,
            precycles: 0,
            first_act_cycle: 0,
            last_pre_cycle: 0,
            latest_act_cycle: -1,
            latest_pre_cycle: -1,
            latest_read_cycle: -1,
            latest_write_cycle: -1,
            end_act_op: 0,
            end_read_op: 0,
            end_write_op: 0,
            idlecycles_act: 0,
            idlecycles_pre: 0,
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
        };
        if let Some(offset) = auto_pre {
            let at = (cycle + offset).max(self.activation_cycle[bank] + self.ras);
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

    fn evaluate(&mut self, cmd: PCmd, bank: usize, t: i64) {
        self.last_evaluated = Some((cmd, t));
        match cmd {
            PCmd::Act => {
                if !self.active[bank] {
                    self.acts += 1;
                    if self.n_active == 0 {
                        self.first_act_cycle = t;
                        self.precycles += (t - self.last_pre_cycle).max(0);
                        self.idle_pre_update(t);
                    }
                    self.active[bank] = true;
                    self.n_active += 1;
                    self.latest_act_cycle = t;
                }
            }
            PCmd::Rd => {
                self.reads += 1;
                self.idle_act_update(t);
                self.latest_read_cycle = t;
            }
            PCmd::Wr => {
                self.writes += 1;
                self.idle_act_update(t);
                self.latest_write_cycle = t;
            }
            PCmd::Ref => {
                self.refs += 1;
                self.idle_pre_update(t);
                self.first_act_cycle = t;
                self.precycles += (t - self.last_pre_cycle).max(0);
                self.last_pre_cycle = t + self.rfc - self.rp;
                self.latest_pre_cycle = self.last_pre_cycle;
                self.actcycles += self.rfc - self.rp;
                self.active.iter_mut().for_each(|a| *a = false);
                self.n_active = 0;
            }
            PCmd::Pre => {
                if self.active[bank] {
                    self.pres += 1;
                    if self.n_active == 1 {
                        self.actcycles += (t - self.first_act_cycle).max(0);
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
                    self.actcycles += (t - self.first_act_cycle).max(0);
                    self.last_pre_cycle = t;
                    self.pres += self.n_active as u64;
                    self.idle_act_update(t);
                    self.latest_pre_cycle = t;
                    self.active.iter_mut().for_each(|a| *a = false);
                    self.n_active = 0;
                }
            }
        }
    }

    fn time_to_completion(&self, cmd: PCmd) -> i64 {
        match cmd {
            PCmd::Rd => self.rl + self.dqsck + 1 + self.burst,
            PCmd::Wr => self.wl + self.burst + self.wr,
            PCmd::Act => self.rcd,
            PCmd::Pre | PCmd::Prea => self.rp,
            PCmd::Ref => 0,
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
        self.idlecycles_act += (t - busy_until).max(0);
    }

    fn idle_pre_update(&mut self, t: i64) {
        if self.latest_pre_cycle > 0 {
            self.idlecycles_pre += (t - self.latest_pre_cycle - self.rp).max(0);
        } else if self.latest_pre_cycle == 0 {
            self.idlecycles_pre += (t - self.latest_pre_cycle).max(0);
        }
    }

    /// Closes the command list (DRAMPower's `calcEnergy`) and computes the DIMM energy.
    pub fn finish(mut self, spec: &MemSpec) -> PowerResult {
        self.flush_pending(|_| true);
        if let Some((last, t)) = self.last_evaluated {
            let end = self.time_to_completion(last) + t - 1;
            // the closing NOP: account the open interval up to the completion of the last command
            if self.n_active > 0 {
                self.actcycles += (end - self.first_act_cycle).max(0);
                self.idle_act_update(end);
            } else {
                self.precycles += (end - self.last_pre_cycle).max(0);
                self.idle_pre_update(end);
            }
        }
        let p = &spec.power;
        let clk_ns = 1000.0 / spec.clk_mhz;
        let e = |cycles: f64, current: f64| cycles * clk_ns * current * p.vdd;
        let devices = f64::from(spec.devices_on_dimm);
        let ranks = f64::from(spec.ranks);
        let (ras, rc, rfc) = (self.ras as f64, self.rc as f64, self.rfc as f64);
        let per_device = EnergyBreakdown {
            act_pj: e(self.acts as f64 * ras, p.idd0 - p.idd3n),
            pre_pj: e(self.pres as f64 * (rc - ras), p.idd0 - p.idd2n),
            read_pj: e((self.reads as i64 * self.burst) as f64, p.idd4r - p.idd3n),
            write_pj: e((self.writes as i64 * self.burst) as f64, p.idd4w - p.idd3n),
            refresh_pj: e(self.refs as f64 * rfc, p.idd5 - p.idd3n),
            act_standby_pj: ranks * e(self.actcycles as f64, p.idd3n),
            pre_standby_pj: ranks * e(self.precycles as f64, p.idd2n),
        };
        let scale = |v: f64| v * devices;
        PowerResult {
            energy: EnergyBreakdown {
                act_pj: scale(per_device.act_pj),
                pre_pj: scale(per_device.pre_pj),
                read_pj: scale(per_device.read_pj),
                write_pj: scale(per_device.write_pj),
                refresh_pj: scale(per_device.refresh_pj),
                act_standby_pj: scale(per_device.act_standby_pj),
                pre_standby_pj: scale(per_device.pre_standby_pj),
            },
            window_cycles: (self.actcycles + self.precycles).max(0) as u64,
        }
    }
}
