//! `CheckerDDR3` and `CheckerDDR4` of DRAMSys 4.0 (one rule set: DDR3 is DDR4 with one bank group
//! per rank, the same value for the `_S` and `_L` spacings and no preambles).

use super::{after, Checker, Command};
use crate::sim::dram::kernel::Ps;

/// Constraints from earlier commands on the same bank.
pub(super) fn bank_part(c: &Checker, cmd: Command, bank: usize) -> Ps {
    use Command::*;
    let t = &c.t;
    let b = |x: Command| c.bank(x, bank);
    match cmd {
        Rd | Rda => {
            let mut e = after(b(Act), t.rcd).saturating_sub(t.al);
            if cmd == Rda {
                e = e.max(after(b(Wr), t.wr_pre).saturating_sub(t.rtp));
            }
            e
        }
        Wr | Wra => after(b(Act), t.rcd).saturating_sub(t.al),
        Act => after(b(Act), t.rc)
            .max(after(b(Rda), t.al + t.rtp + t.rp))
            .max(after(b(Wra), t.wr_pre + t.rp))
            .max(after(b(Pre), t.rp)),
        Pre => after(b(Act), t.ras)
            .max(after(b(Rd), t.al + t.rtp))
            .max(after(b(Wr), t.wr_pre)),
        _ => 0,
    }
}

/// Constraints from commands on the rank, other ranks and the command bus.
pub(super) fn rank_part(c: &Checker, cmd: Command, rank: usize, group: usize) -> Ps {
    use Command::*;
    let t = &c.t;
    let mut e = after(c.last_on_bus, t.tck);
    let mut m = |v: Ps| {
        if v > e {
            e = v
        }
    };
    match cmd {
        Rd | Rda => {
            m(after(c.group(Rd, group), t.ccd_l));
            m(after(c.rank(Rd, rank), t.ccd));
            m(after(c.other_rank(Rd, rank), t.burst + t.rtrs));
            m(after(c.group(Rda, group), t.ccd_l));
            m(after(c.rank(Rda, rank), t.ccd));
            m(after(c.other_rank(Rda, rank), t.burst + t.rtrs));
            m(after(c.group(Wr, group), t.wr_rd_l));
            m(after(c.rank(Wr, rank), t.wr_rd));
            m(after(c.by_cmd[Wr as usize], t.wr_rd_r));
            m(after(c.group(Wra, group), t.wr_rd_l));
            m(after(c.rank(Wra, rank), t.wr_rd));
            m(after(c.by_cmd[Wra as usize], t.wr_rd_r));
            m(after(c.rank(Pdxa, rank), t.xp));
            m(after(c.rank(Srefex, rank), t.xsdll));
        }
        Wr | Wra => {
            m(after(c.rank(Rd, rank), t.rd_wr));
            m(after(c.other_rank(Rd, rank), t.rd_wr_r));
            m(after(c.rank(Rda, rank), t.rd_wr));
            m(after(c.other_rank(Rda, rank), t.rd_wr_r));
            m(after(c.group(Wr, group), t.ccd_l));
            m(after(c.rank(Wr, rank), t.ccd));
            m(after(c.other_rank(Wr, rank), t.burst + t.rtrs));
            m(after(c.group(Wra, group), t.ccd_l));
            m(after(c.rank(Wra, rank), t.ccd));
            m(after(c.other_rank(Wra, rank), t.burst + t.rtrs));
            m(after(c.rank(Pdxa, rank), t.xp));
            m(after(c.rank(Srefex, rank), t.xsdll));
        }
        Act => {
            m(after(c.group(Act, group), t.rrd_l));
            m(after(c.rank(Act, rank), t.rrd));
            m(after(c.rank(Prea, rank), t.rp));
            m(after(c.rank(Pdxa, rank), t.xp));
            m(after(c.rank(Pdxp, rank), t.xp));
            m(after(c.rank(Refa, rank), t.rfc));
            m(after(c.rank(Srefex, rank), t.xs));
            if c.act_count[rank] >= 4 {
                let oldest = c.last_acts[rank][c.act_head[rank] as usize];
                m(oldest + t.faw);
            }
        }
        Pre => m(after(c.rank(Pdxa, rank), t.xp)),
        Prea => {
            m(after(c.rank(Act, rank), t.ras));
            m(after(c.rank(Rd, rank), t.al + t.rtp));
            m(after(c.rank(Rda, rank), t.al + t.rtp));
            m(after(c.rank(Wr, rank), t.wr_pre));
            m(after(c.rank(Wra, rank), t.wr_pre));
            m(after(c.rank(Pdxa, rank), t.xp));
        }
        Refa => {
            m(after(c.rank(Act, rank), t.rc));
            m(after(c.rank(Rda, rank), t.al + t.rtp + t.rp));
            m(after(c.rank(Wra, rank), t.wr_pre + t.rp));
            m(after(c.rank(Pre, rank), t.rp));
            m(after(c.rank(Prea, rank), t.rp));
            m(after(c.rank(Pdxp, rank), t.xp));
            m(after(c.rank(Refa, rank), t.rfc));
            m(after(c.rank(Srefex, rank), t.xs));
        }
        Pdea => {
            m(after(c.rank(Act, rank), t.actpden));
            m(after(c.rank(Rd, rank), t.rd_pden));
            m(after(c.rank(Rda, rank), t.rd_pden));
            m(after(c.rank(Wr, rank), t.wr_pden));
            m(after(c.rank(Wra, rank), t.wra_pden));
            m(after(c.rank(Pre, rank), t.prpden));
            m(after(c.rank(Pdxa, rank), t.cke));
        }
        // DDR3's tPD is tCKE
        Pdxa => m(after(c.rank(Pdea, rank), t.cke)),
        Pdep => {
            m(after(c.rank(Rd, rank), t.rd_pden));
            m(after(c.rank(Rda, rank), t.rd_pden));
            m(after(c.rank(Wra, rank), t.wra_pden));
            m(after(c.rank(Pre, rank), t.prpden));
            m(after(c.rank(Prea, rank), t.prpden));
            m(after(c.rank(Pdxp, rank), t.cke));
            m(after(c.rank(Refa, rank), t.refpden));
            m(after(c.rank(Srefex, rank), t.xs));
        }
        Pdxp => m(after(c.rank(Pdep, rank), t.cke)),
        Srefen => {
            m(after(c.rank(Act, rank), t.rc));
            m(after(c.rank(Rda, rank), t.rd_pden.max(t.al + t.rtp + t.rp)));
            m(after(c.rank(Wra, rank), t.wra_pden.max(t.wr_pre + t.rp)));
            m(after(c.rank(Pre, rank), t.rp));
            m(after(c.rank(Prea, rank), t.rp));
            m(after(c.rank(Pdxp, rank), t.xp));
            m(after(c.rank(Refa, rank), t.rfc));
            m(after(c.rank(Srefex, rank), t.xs));
        }
        Srefex => m(after(c.rank(Srefen, rank), t.ckesr)),
        // per-bank refresh is LPDDR4's only (DRAMSys 4.0 refuses it for DDR3 and DDR4)
        Refb => {}
    }
    e
}
