//! DRAM commands and the timing checker: the earliest time each command may be issued given the
//! commands already on the bus, with the same constraints as DRAMSys's `CheckerDDR3`,
//! `CheckerDDR4` (`ddr.rs`) and `CheckerLPDDR4` (`lpddr4.rs`). The bookkeeping of issued commands
//! and the memoising of answers are shared here.

mod ddr;
mod lpddr4;

use std::cell::Cell;

use super::config::{MemSpec, MemoryType};
use super::kernel::{Ps, MAX_TIME};

/// The commands the controller issues, power-down entry and exit included.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Command {
    Rd = 0,
    Wr = 1,
    Rda = 2,
    Wra = 3,
    Act = 4,
    Pre = 5,
    Prea = 6,
    Refa = 7,
    /// Active power-down entry and exit.
    Pdea = 8,
    Pdxa = 9,
    /// Precharged power-down entry and exit.
    Pdep = 10,
    Pdxp = 11,
    /// Self-refresh entry and exit.
    Srefen = 12,
    Srefex = 13,
    /// Per-bank refresh (LPDDR4).
    Refb = 14,
}

pub const N_COMMANDS: usize = 15;

impl Command {
    pub fn is_cas(self) -> bool {
        matches!(
            self,
            Command::Rd | Command::Wr | Command::Rda | Command::Wra
        )
    }

    pub fn is_rank_command(self) -> bool {
        !matches!(
            self,
            Command::Rd
                | Command::Wr
                | Command::Rda
                | Command::Wra
                | Command::Act
                | Command::Pre
                | Command::Refb
        )
    }

    pub fn name(self) -> &'static str {
        match self {
            Command::Rd => "RD",
            Command::Wr => "WR",
            Command::Rda => "RDA",
            Command::Wra => "WRA",
            Command::Act => "ACT",
            Command::Pre => "PRE",
            Command::Prea => "PREA",
            Command::Refa => "REFA",
            Command::Pdea => "PDEA",
            Command::Pdxa => "PDXA",
            Command::Pdep => "PDEP",
            Command::Pdxp => "PDXP",
            Command::Srefen => "SREFEN",
            Command::Srefex => "SREFEX",
            Command::Refb => "REFB",
        }
    }
}

/// Timing parameters converted to picoseconds, plus the derived DRAMSys composites.
#[derive(Clone, Debug)]
pub struct TimingPs {
    pub tck: Ps,
    pub rcd: Ps,
    pub al: Ps,
    pub ccd: Ps,
    /// Same-bank-group spacings (DDR4 `_L`; for DDR3 equal to the plain ones).
    pub ccd_l: Ps,
    pub rrd_l: Ps,
    pub wr_rd_l: Ps,
    pub rtrs: Ps,
    pub rc: Ps,
    pub rrd: Ps,
    pub rtp: Ps,
    pub rp: Ps,
    pub ras: Ps,
    pub rfc: Ps,
    pub faw: Ps,
    pub refi: Ps,
    pub burst: Ps,
    pub rd_wr: Ps,
    pub rd_wr_r: Ps,
    pub wr_rd: Ps,
    pub wr_rd_r: Ps,
    pub wr_pre: Ps,
    pub cke: Ps,
    pub ckesr: Ps,
    pub xp: Ps,
    pub xs: Ps,
    pub xsdll: Ps,
    pub actpden: Ps,
    pub prpden: Ps,
    pub refpden: Ps,
    pub rd_pden: Ps,
    pub wr_pden: Ps,
    pub wra_pden: Ps,
    /// Cycles each command occupies the command bus, in ps (LPDDR4's ACT takes 4, DDR's 1).
    pub cmd_len: [Ps; N_COMMANDS],
    /// From a RD/RDA (WR/WRA) to the end of its burst on the data strobe (DRAMSys
    /// `getIntervalOnDataStrobe(...).end`).
    pub rd_strobe_end: Ps,
    pub wr_strobe_end: Ps,
    /// LPDDR4's composites (zero for DDR3/DDR4).
    pub lp: lpddr4::Derived,
}

impl TimingPs {
    pub fn new(spec: &MemSpec) -> Self {
        let tck = spec.tck_ps();
        let t = &spec.timing;
        let c = |cycles: u64| cycles * tck;
        let burst = u64::from(spec.burst_length / spec.data_rate) * tck;
        // CheckerDDR3 leaves two clocks between a read burst and a write, CheckerDDR4 one plus
        // the write preamble
        let rd_wr_gap = match spec.memory_type {
            MemoryType::Ddr3 | MemoryType::Lpddr4 => 2 * tck,
            MemoryType::Ddr4 => tck + c(t.wpre),
        };
        let lp4 = spec.memory_type == MemoryType::Lpddr4;
        let mut cmd_len = [tck; N_COMMANDS];
        if lp4 {
            // MemSpecLPDDR4's commandLengthInCycles
            for (cmd, cycles) in [
                (Command::Act, 4),
                (Command::Pre, 2),
                (Command::Prea, 2),
                (Command::Rd, 4),
                (Command::Rda, 4),
                (Command::Wr, 4),
                (Command::Wra, 4),
                (Command::Refa, 2),
                (Command::Refb, 2),
                (Command::Srefen, 2),
                (Command::Srefex, 2),
            ] {
                cmd_len[cmd as usize] = cycles * tck;
            }
        }
        let (rd_strobe_end, wr_strobe_end) = if lp4 {
            (
                c(t.rl) + c(t.dqsck) + burst + 3 * tck,
                c(t.wl) + c(t.dqss) + c(t.dqs2dq) + burst + 3 * tck,
            )
        } else {
            (c(t.rl) + burst, c(t.wl) + burst)
        };
        TimingPs {
            tck,
            rcd: c(t.rcd),
            al: c(t.al),
            ccd: c(t.ccd),
            ccd_l: c(t.ccd_l),
            rrd_l: c(t.rrd_l),
            wr_rd_l: c(t.wl) + burst + c(t.wtr_l),
            rtrs: c(t.rtrs),
            rc: c(t.rc),
            rrd: c(t.rrd),
            rtp: c(t.rtp),
            rp: c(t.rp),
            ras: c(t.ras),
            rfc: c(t.rfc),
            faw: c(t.faw),
            refi: c(t.refi),
            burst,
            rd_wr: (c(t.rl) + burst + rd_wr_gap).saturating_sub(c(t.wl)),
            rd_wr_r: (c(t.rl) + burst + c(t.rtrs) + c(t.wpre)).saturating_sub(c(t.wl)),
            wr_rd: c(t.wl) + burst + c(t.wtr),
            wr_rd_r: (c(t.wl) + burst + c(t.rtrs) + c(t.rpre)).saturating_sub(c(t.rl)),
            wr_pre: c(t.wl) + burst + c(t.wr),
            cke: c(t.cke),
            ckesr: c(t.ckesr),
            xp: c(t.xp),
            xs: c(t.xs),
            xsdll: c(t.xsdll),
            actpden: c(t.actpden),
            prpden: c(t.prpden),
            refpden: c(t.refpden),
            rd_pden: c(t.rl) + burst + tck,
            wr_pden: c(t.wl) + burst + c(t.wr),
            wra_pden: c(t.wl) + burst + c(t.wr) + tck,
            cmd_len,
            rd_strobe_end,
            wr_strobe_end,
            lp: if lp4 {
                lpddr4::Derived::new(t, tck, burst)
            } else {
                lpddr4::Derived::default()
            },
        }
    }
}

/// Last issue times per command (per bank, per rank and overall) and the four-activate window.
pub struct Checker {
    kind: MemoryType,
    t: TimingPs,
    banks: usize,
    by_bank: Vec<Ps>,
    by_rank: Vec<Ps>,
    /// Per bank group (DDR4; DDR3 has one group per rank, so this repeats `by_rank`).
    by_group: Vec<Ps>,
    groups: usize,
    groups_per_rank: usize,
    /// Per bank: its bank group across the channel, and that group's index within its rank
    /// (divisions precomputed: `earliest` runs hundreds of thousands of times per evaluation).
    group_of: Vec<u32>,
    local_group: Vec<u32>,
    by_cmd: [Ps; N_COMMANDS],
    /// The last cycle of the last command on the bus (its issue time for one-cycle commands).
    last_on_bus: Ps,
    /// Ring of the last four ACT (LPDDR4: and REFB) times per rank, each the last cycle of the
    /// command on the bus as DRAMSys stores it (MAX_TIME = empty slot).
    last_acts: Vec<[Ps; 4]>,
    act_count: Vec<u8>,
    act_head: Vec<u8>,
    // The bank machines ask for the same (command, bank) many times between two issued
    // commands; the bank part only changes with a command on that bank, the rank part with any
    // command, so both are memoised with a version stamp.
    version: u64,
    bank_version: Vec<u64>,
    bank_cache: Vec<Cell<(u64, Ps)>>,
    rank_cache: Vec<Cell<(u64, Ps)>>,
}

/// `base + delta` unless `base` is unset; unset constraints never delay a command.
#[inline]
fn after(base: Ps, delta: Ps) -> Ps {
    if base == MAX_TIME {
        0
    } else {
        base + delta
    }
}

impl Checker {
    pub fn new(
        kind: MemoryType,
        t: TimingPs,
        banks: usize,
        ranks: usize,
        groups_per_rank: usize,
    ) -> Self {
        let groups = ranks * groups_per_rank;
        Checker {
            kind,
            t,
            banks,
            by_bank: vec![MAX_TIME; N_COMMANDS * banks],
            by_rank: vec![MAX_TIME; N_COMMANDS * ranks],
            by_group: vec![MAX_TIME; N_COMMANDS * groups],
            groups,
            groups_per_rank,
            group_of: (0..banks)
                .map(|b| (b / (banks / groups.max(1)).max(1)) as u32)
                .collect(),
            local_group: (0..banks)
                .map(|b| ((b / (banks / groups.max(1)).max(1)) % groups_per_rank.max(1)) as u32)
                .collect(),
            by_cmd: [MAX_TIME; N_COMMANDS],
            last_on_bus: MAX_TIME,
            last_acts: vec![[MAX_TIME; 4]; ranks],
            act_count: vec![0; ranks],
            act_head: vec![0; ranks],
            version: 0,
            bank_version: vec![0; banks],
            bank_cache: vec![Cell::new((u64::MAX, 0)); N_COMMANDS * banks],
            rank_cache: vec![Cell::new((u64::MAX, 0)); N_COMMANDS * groups],
        }
    }

    #[inline]
    fn bank(&self, c: Command, bank: usize) -> Ps {
        self.by_bank[c as usize * self.banks + bank]
    }

    #[inline]
    fn rank(&self, c: Command, rank: usize) -> Ps {
        let ranks = self.act_count.len();
        self.by_rank[c as usize * ranks + rank]
    }

    #[inline]
    fn group(&self, c: Command, group: usize) -> Ps {
        self.by_group[c as usize * self.groups + group]
    }

    /// The same command on another rank (rank-to-rank switching), as DRAMSys derives it.
    #[inline]
    fn other_rank(&self, c: Command, rank: usize) -> Ps {
        let any = self.by_cmd[c as usize];
        if any != self.rank(c, rank) {
            any
        } else {
            MAX_TIME
        }
    }

    /// Changes whenever a command is recorded; cached results are valid for one version.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Earliest time at or after `now` at which `cmd` satisfies every constraint of the standard.
    pub fn earliest(&self, cmd: Command, rank: usize, bank: usize, now: Ps) -> Ps {
        let bslot = &self.bank_cache[cmd as usize * self.banks + bank];
        let bank_part = match bslot.get() {
            (v, t) if v == self.bank_version[bank] => t,
            _ => {
                let t = self.bank_part(cmd, bank);
                bslot.set((self.bank_version[bank], t));
                t
            }
        };
        // dummy payloads of refresh and power-down name bank 0 on every rank: key by the rank's
        // own group so that ranks never share a cached answer
        let slot = rank * self.groups_per_rank + self.local_group[bank] as usize;
        let rslot = &self.rank_cache[cmd as usize * self.groups + slot];
        let rank_part = match rslot.get() {
            (v, t) if v == self.version => t,
            _ => {
                let t = self.rank_part(cmd, rank, self.group_of[bank] as usize);
                rslot.set((self.version, t));
                t
            }
        };
        now.max(bank_part).max(rank_part)
    }

    /// Constraints from earlier commands on the same bank.
    fn bank_part(&self, cmd: Command, bank: usize) -> Ps {
        match self.kind {
            MemoryType::Lpddr4 => lpddr4::bank_part(self, cmd, bank),
            _ => ddr::bank_part(self, cmd, bank),
        }
    }

    /// Constraints from commands on the rank, other ranks and the command bus.
    fn rank_part(&self, cmd: Command, rank: usize, group: usize) -> Ps {
        match self.kind {
            MemoryType::Lpddr4 => lpddr4::rank_part(self, cmd, rank),
            _ => ddr::rank_part(self, cmd, rank, group),
        }
    }

    /// Records that `cmd` was issued at `now`.
    pub fn insert(&mut self, cmd: Command, rank: usize, bank: usize, now: Ps) {
        let ranks = self.act_count.len();
        self.by_rank[cmd as usize * ranks + rank] = now;
        self.by_bank[cmd as usize * self.banks + bank] = now;
        let group = self.group_of[bank] as usize;
        self.by_group[cmd as usize * self.groups + group] = now;
        self.by_cmd[cmd as usize] = now;
        self.last_on_bus = now + self.t.cmd_len[cmd as usize] - self.t.tck;
        self.version += 1;
        self.bank_version[bank] += 1;
        if matches!(cmd, Command::Act | Command::Refb) {
            let now = self.last_on_bus;
            // a FIFO of the last four activates: the head is the oldest once four are stored
            let count = self.act_count[rank] as usize;
            if count < 4 {
                self.last_acts[rank][count] = now;
                self.act_count[rank] += 1;
            } else {
                let head = self.act_head[rank] as usize;
                self.last_acts[rank][head] = now;
                self.act_head[rank] = ((head + 1) % 4) as u8;
            }
        }
    }
}
