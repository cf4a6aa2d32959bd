//! `CheckerLPDDR4` of DRAMSys 4.0: LPDDR4's per-bank and all-bank precharge and refresh timings,
//! tPPD between precharges, per-bank refresh (REFB) in the four-activate window, and commands
//! several clocks long on the bus (so several constraints count from a command's last cycle).
//!
//! DRAMSys computes some composites as `sc_time` differences that go below zero (tWRRD_R is
//! tWL + tBURST + tRTRS - tRL); `sc_time` is unsigned and wraps, and adding the wrapped value to
//! a time wraps back. The same wrapping arithmetic is used here, so those constraints act as the
//! (negative) offsets DRAMSys effectively applies.

use super::{Checker, Command};
use crate::sim::dram::config::Timing;
use crate::sim::dram::kernel::{Ps, MAX_TIME};

/// The composites of `CheckerLPDDR4`'s constructor and the LPDDR4-only timings, in ps.
#[derive(Clone, Debug, Default)]
pub struct Derived {
    rd_wr: Ps,
    rd_wr_r: Ps,
    wr_rd: Ps,
    wr_rd_r: Ps,
    rd_pre: Ps,
    rda_act: Ps,
    wr_pre: Ps,
    wra_act: Ps,
    act_pden: Ps,
    pr_pden: Ps,
    rd_pden: Ps,
    wr_pden: Ps,
    wra_pden: Ps,
    ref_pden: Ps,
    rp_ab: Ps,
    rfc_pb: Ps,
    ppd: Ps,
}

impl Derived {
    pub fn new(t: &Timing, tck: Ps, burst: Ps) -> Self {
        let c = |cycles: u64| cycles * tck;
        let (rl, wl, rp_pb) = (c(t.rl), c(t.wl), c(t.rp));
        let wr_pden = 3 * tck + wl + c(t.dqss) + c(t.dqs2dq) + burst + c(t.wr);
        Derived {
            rd_wr: (rl + c(t.dqsck) + burst + c(t.wpre) + c(t.rpst)).wrapping_sub(wl),
            rd_wr_r: (rl + burst + c(t.rtrs)).wrapping_sub(wl),
            wr_rd: wl + tck + burst + c(t.wtr),
            wr_rd_r: (wl + burst + c(t.rtrs)).wrapping_sub(rl),
            rd_pre: (c(t.rtp) + burst).wrapping_sub(6 * tck),
            rda_act: (c(t.rtp) + burst).wrapping_sub(8 * tck).wrapping_add(rp_pb),
            wr_pre: wl + burst + tck + c(t.wr) + 2 * tck,
            wra_act: wl + burst + tck + c(t.wr) + rp_pb,
            act_pden: 3 * tck + c(t.cmdcke),
            pr_pden: tck + c(t.cmdcke),
            rd_pden: 3 * tck + rl + c(t.dqsck) + burst + c(t.rpst),
            wr_pden,
            wra_pden: wr_pden + 2 * tck,
            ref_pden: tck + c(t.cmdcke),
            rp_ab: c(t.rp_ab),
            rfc_pb: c(t.rfc_pb),
            ppd: c(t.ppd),
        }
    }
}

/// `base + delta` (wrapping, as `sc_time`) unless `base` is unset.
#[inline]
fn at(base: Ps, delta: Ps) -> Ps {
    if base == MAX_TIME {
        0
    } else {
        base.wrapping_add(delta)
    }
}

pub(super) fn bank_part(c: &Checker, cmd: Command, bank: usize) -> Ps {
    use Command::*;
    let (t, d) = (&c.t, &c.t.lp);
    let b = |x: Command| c.bank(x, bank);
    let two = 2 * t.tck;
    match cmd {
        Rd | Rda => {
            let mut e = at(b(Act), t.rcd);
            if cmd == Rda {
                e = e.max(at(b(Wr), d.wr_pre.wrapping_sub(d.rd_pre)));
            }
            e
        }
        Wr | Wra => at(b(Act), t.rcd),
        Act => at(b(Act), t.rc)
            .max(at(b(Rda), d.rda_act))
            .max(at(b(Wra), d.wra_act))
            .max(at(b(Pre), t.rp.wrapping_sub(two)))
            .max(at(b(Refb), d.rfc_pb.wrapping_sub(two))),
        Pre => at(b(Act), t.ras + two)
            .max(at(b(Rd), d.rd_pre))
            .max(at(b(Wr), d.wr_pre)),
        Refb => at(b(Act), t.rc + two)
            .max(at(b(Rda), d.rd_pre.wrapping_add(t.rp)))
            .max(at(b(Wra), d.wr_pre + t.rp))
            .max(at(b(Pre), t.rp)),
        _ => 0,
    }
}

pub(super) fn rank_part(c: &Checker, cmd: Command, rank: usize) -> Ps {
    use Command::*;
    let (t, d) = (&c.t, &c.t.lp);
    let two = 2 * t.tck;
    let mut e = at(c.last_on_bus, t.tck);
    let mut m = |v: Ps| {
        if v > e {
            e = v
        }
    };
    let r = |x: Command| c.rank(x, rank);
    let other = |x: Command| c.other_rank(x, rank);
    // the oldest of the last four ACT/REFB, which DRAMSys stores at the command's last cycle
    let faw = |back: Ps| {
        if c.act_count[rank] >= 4 {
            let oldest = c.last_acts[rank][c.act_head[rank] as usize];
            (oldest + t.faw).wrapping_sub(back)
        } else {
            0
        }
    };
    match cmd {
        Rd | Rda => {
            m(at(r(Rd), t.ccd));
            m(at(other(Rd), t.burst + t.rtrs));
            m(at(r(Rda), t.ccd));
            m(at(other(Rda), t.burst + t.rtrs));
            m(at(r(Wr), d.wr_rd));
            m(at(other(Wr), d.wr_rd_r));
            m(at(r(Wra), d.wr_rd));
            m(at(other(Wra), d.wr_rd_r));
            m(at(r(Pdxa), t.xp));
        }
        Wr | Wra => {
            m(at(r(Rd), d.rd_wr));
            m(at(other(Rd), d.rd_wr_r));
            m(at(r(Rda), d.rd_wr));
            m(at(other(Rda), d.rd_wr_r));
            m(at(r(Wr), t.ccd));
            m(at(other(Wr), t.burst + t.rtrs));
            m(at(r(Wra), t.ccd));
            m(at(other(Wra), t.burst + t.rtrs));
            m(at(r(Pdxa), t.xp));
        }
        Act => {
            m(at(r(Act), t.rrd));
            m(at(r(Prea), d.rp_ab.wrapping_sub(two)));
            m(at(r(Pdxa), t.xp));
            m(at(r(Pdxp), t.xp));
            m(at(r(Refa), t.rfc.wrapping_sub(two)));
            m(at(r(Refb), t.rrd.wrapping_sub(two)));
            m(at(r(Srefex), t.xs.wrapping_sub(two)));
            m(faw(3 * t.tck));
        }
        Pre => {
            m(at(r(Pre), d.ppd));
            m(at(r(Pdxa), t.xp));
        }
        Prea => {
            m(at(r(Act), t.ras + two));
            m(at(r(Rd), d.rd_pre));
            m(at(r(Rda), d.rd_pre));
            m(at(r(Wr), d.wr_pre));
            m(at(r(Wra), d.wr_pre));
            m(at(r(Pre), d.ppd));
            m(at(r(Pdxa), t.xp));
            m(at(r(Refb), d.rfc_pb));
        }
        Refa => {
            m(at(r(Act), t.rc + two));
            m(at(r(Rda), d.rd_pre.wrapping_add(t.rp)));
            m(at(r(Wra), d.wr_pre + t.rp));
            m(at(r(Pre), t.rp));
            m(at(r(Prea), d.rp_ab));
            m(at(r(Pdxp), t.xp));
            m(at(r(Refa), t.rfc));
            m(at(r(Refb), d.rfc_pb));
            m(at(r(Srefex), t.xs));
        }
        Refb => {
            m(at(r(Act), t.rrd + two));
            m(at(r(Prea), d.rp_ab));
            m(at(r(Pdxa), t.xp));
            m(at(r(Pdxp), t.xp));
            m(at(r(Refa), t.rfc));
            m(at(r(Refb), d.rfc_pb));
            m(at(r(Srefex), t.xs));
            m(faw(t.tck));
        }
        Pdea => {
            m(at(r(Act), d.act_pden));
            m(at(r(Rd), d.rd_pden));
            m(at(r(Rda), d.rd_pden));
            m(at(r(Wr), d.wr_pden));
            m(at(r(Wra), d.wra_pden));
            m(at(r(Pre), d.pr_pden));
            m(at(r(Refb), d.ref_pden));
            m(at(r(Pdxa), t.cke));
        }
        Pdxa => m(at(r(Pdea), t.cke)),
        Pdep => {
            m(at(r(Rd), d.rd_pden));
            m(at(r(Rda), d.rd_pden));
            m(at(r(Wra), d.wra_pden));
            m(at(r(Pre), d.pr_pden));
            m(at(r(Prea), d.pr_pden));
            m(at(r(Refa), d.ref_pden));
            m(at(r(Refb), d.ref_pden));
            m(at(r(Pdxp), t.cke));
            m(at(r(Srefex), t.xs));
        }
        Pdxp => m(at(r(Pdep), t.cke)),
        Srefen => {
            m(at(r(Act), t.rc + two));
            m(at(r(Rda), d.rd_pden.max(d.rd_pre.wrapping_add(t.rp))));
            m(at(r(Wra), d.wra_pden.max(d.wr_pre + t.rp)));
            m(at(r(Pre), t.rp));
            m(at(r(Prea), d.rp_ab));
            m(at(r(Pdxp), t.xp));
            m(at(r(Refa), t.rfc));
            m(at(r(Refb), d.rfc_pb));
            m(at(r(Srefex), t.xs));
        }
        Srefex => m(at(r(Srefen), t.ckesr)),
    }
    e
}
