//! The initiator side of DRAMSys: the STL trace player and the arbiter, reduced to their state; the
//! callbacks that move payloads between them live in `engine.rs`. Also the payload event queue
//! (`tlm_utils::peq_with_cb_and_phase`) both of them use.

use std::collections::{BTreeMap, VecDeque};

use super::controller::PayloadId;
use super::kernel::Ps;

/// TLM-2 base-protocol phases exchanged between the modules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    BeginReq,
    EndReq,
    BeginResp,
    EndResp,
}

/// `peq_with_cb_and_phase`: zero-delay entries are delivered in the next delta cycle, timed entries
/// at their time in insertion order.
#[derive(Default)]
pub struct Peq {
    /// (delta count at insertion, payload, phase)
    delta: Vec<(u64, PayloadId, Phase)>,
    /// (due time, payload, phase), sorted by time, FIFO among equal times
    timed: VecDeque<(Ps, PayloadId, Phase)>,
}

impl Peq {
    /// Queues an entry; returns the delay with which the PEQ's event must be notified.
    pub fn insert(
        &mut self,
        now: Ps,
        delta_count: u64,
        id: PayloadId,
        phase: Phase,
        delay: Ps,
    ) -> Ps {
        if delay == 0 {
            self.delta.push((delta_count, id, phase));
        } else {
            let due = now + delay;
            let pos = self.timed.partition_point(|&(t, _, _)| t <= due);
            self.timed.insert(pos, (due, id, phase));
        }
        delay
    }

    /// Takes the entries due in the current delta cycle, in delivery order.
    pub fn take_due(&mut self, now: Ps, delta_count: u64, out: &mut Vec<(PayloadId, Phase)>) {
        out.clear();
        if !self.delta.is_empty() {
            let mut kept = 0;
            for i in 0..self.delta.len() {
                let (tag, id, phase) = self.delta[i];
                if tag < delta_count {
                    out.push((id, phase));
                } else {
                    self.delta[kept] = self.delta[i];
                    kept += 1;
                }
            }
            self.delta.truncate(kept);
        }
        while let Some(&(t, id, phase)) = self.timed.front() {
            if t != now {
                break;
            }
            self.timed.pop_front();
            out.push((id, phase));
        }
    }

    /// After delivery: the delay for re-notifying the PEQ event, if entries remain.
    pub fn renotify_delay(&self, now: Ps) -> Option<Ps> {
        if !self.delta.is_empty() {
            Some(0)
        } else {
            self.timed.front().map(|&(t, _, _)| t - now)
        }
    }
}

/// State of the STL trace player (DRAMSys `StlPlayer` / `TracePlayer`).
pub struct PlayerState {
    pub clk: Ps,
    pub relative: bool,
    pub sent: u64,
    pub received: u64,
    pub finished: bool,
}

/// State of the three arbiter variants for one initiator thread and one channel.
#[derive(Default)]
pub struct ArbiterState {
    pub next_id: u64,
    pub channel_busy: bool,
    pub thread_busy: bool,
    pub pending_requests: VecDeque<PayloadId>,
    /// Simple and Fifo: responses in arrival order.
    pub pending_responses: VecDeque<PayloadId>,
    /// Reorder: responses keyed by payload ID.
    pub reorder_responses: BTreeMap<u64, PayloadId>,
    pub next_id_to_return: u64,
    pub active: u32,
    pub outstanding_end_req: Option<PayloadId>,
    pub last_end_req: Option<Ps>,
    pub last_end_resp: Option<Ps>,
}
