//! The arbiter between the trace player and the controller (DRAMSys `ArbiterSimple`,
//! `ArbiterFifo`, `ArbiterReorder`): payload IDs, back-pressure, MaxActiveTransactions and the
//! order in which responses return.

use super::super::controller::PayloadId;
use super::super::frontend::Phase;
use super::super::kernel::{Ev, Ps};
use super::super::mcconfig::Arbiter;
use super::Engine;

impl Engine<'_> {
    /// Player -> arbiter (`Arbiter::nb_transport_fw`): arrivals are aligned to the memory clock.
    pub(super) fn arbiter_fw(&mut self, id: PayloadId, phase: Phase, delay: Ps) {
        let now = self.kernel.now();
        let tck = self.t.tck;
        let offset = (now + delay) % tck;
        let delay = if offset == 0 {
            delay
        } else {
            delay + tck - offset
        };
        if phase == Phase::BeginReq {
            let p = &mut self.payloads[id as usize];
            p.refs += 1;
            p.begin_req = now + delay;
        }
        let d = self
            .arbiter_peq
            .insert(now, self.delta_count, id, phase, delay);
        self.kernel.notify(Ev::ArbiterPeq, d);
    }

    /// Controller -> arbiter (`Arbiter::nb_transport_bw`).
    pub(super) fn arbiter_bw(&mut self, id: PayloadId, phase: Phase, delay: Ps) {
        let now = self.kernel.now();
        let d = self
            .arbiter_peq
            .insert(now, self.delta_count, id, phase, delay);
        self.kernel.notify(Ev::ArbiterPeq, d);
    }

    pub(super) fn arbiter_fec(&mut self) {
        let now = self.kernel.now();
        let mut due = std::mem::take(&mut self.due);
        self.arbiter_peq.take_due(now, self.delta_count, &mut due);
        for &(id, phase) in &due {
            match self.cfg.mc.arbiter {
                Arbiter::Simple => self.arbiter_simple(id, phase),
                Arbiter::Fifo | Arbiter::Reorder => self.arbiter_queued(id, phase),
            }
        }
        self.due = due;
        if let Some(d) = self.arbiter_peq.renotify_delay(now) {
            self.kernel.notify(Ev::ArbiterPeq, d);
        }
    }

    fn assign_id(&mut self, id: PayloadId) {
        self.payloads[id as usize].id = self.arbiter.next_id;
        self.arbiter.next_id += 1;
    }

    fn arbiter_simple(&mut self, id: PayloadId, phase: Phase) {
        let tck = self.t.tck;
        match phase {
            Phase::BeginReq => {
                self.assign_id(id);
                if !self.arbiter.channel_busy {
                    self.arbiter.channel_busy = true;
                    self.controller_fw(id, Phase::BeginReq, self.arb_delay_fw);
                } else {
                    self.arbiter.pending_requests.push_back(id);
                }
            }
            Phase::EndReq => {
                self.player_bw(id, Phase::EndReq, 0);
                if let Some(next) = self.arbiter.pending_requests.pop_front() {
                    self.controller_fw(next, Phase::BeginReq, tck + self.arb_delay_fw);
                } else {
                    self.arbiter.channel_busy = false;
                }
            }
            Phase::BeginResp => {
                if !self.arbiter.thread_busy {
                    self.player_bw(id, Phase::BeginResp, self.arb_delay_bw);
                    self.arbiter.thread_busy = true;
                } else {
                    self.arbiter.pending_responses.push_back(id);
                }
            }
            Phase::EndResp => {
                self.controller_fw(id, Phase::EndResp, 0);
                self.release(id);
                if let Some(next) = self.arbiter.pending_responses.pop_front() {
                    self.player_bw(next, Phase::BeginResp, tck + self.arb_delay_bw);
                } else {
                    self.arbiter.thread_busy = false;
                }
            }
        }
    }

    /// ArbiterFifo and ArbiterReorder: they differ only in the order responses are returned.
    fn arbiter_queued(&mut self, id: PayloadId, phase: Phase) {
        let tck = self.t.tck;
        let now = self.kernel.now();
        let reorder = self.cfg.mc.arbiter == Arbiter::Reorder;
        let gap = |last: Option<Ps>| if last == Some(now) { tck } else { 0 };
        match phase {
            Phase::BeginReq => {
                if self.arbiter.active < self.cfg.mc.max_active_transactions {
                    self.arbiter.active += 1;
                    self.assign_id(id);
                    self.player_bw(id, Phase::EndReq, 0);
                    self.arbiter.pending_requests.push_back(id);
                } else {
                    self.arbiter.outstanding_end_req = Some(id);
                }
                if !self.arbiter.channel_busy {
                    if let Some(next) = self.arbiter.pending_requests.pop_front() {
                        self.arbiter.channel_busy = true;
                        let d = gap(self.arbiter.last_end_req);
                        self.controller_fw(next, Phase::BeginReq, d);
                    }
                }
            }
            Phase::EndReq => {
                self.arbiter.last_end_req = Some(now);
                if let Some(next) = self.arbiter.pending_requests.pop_front() {
                    self.controller_fw(next, Phase::BeginReq, tck);
                } else {
                    self.arbiter.channel_busy = false;
                }
            }
            Phase::BeginResp => {
                self.controller_fw(id, Phase::EndResp, 0);
                if reorder {
                    let key = self.payloads[id as usize].id;
                    self.arbiter.reorder_responses.insert(key, id);
                    if !self.arbiter.thread_busy {
                        self.reorder_return_head(gap(self.arbiter.last_end_resp), true);
                    }
                } else {
                    self.arbiter.pending_responses.push_back(id);
                    if !self.arbiter.thread_busy {
                        self.arbiter.thread_busy = true;
                        if let Some(next) = self.arbiter.pending_responses.pop_front() {
                            let d = gap(self.arbiter.last_end_resp);
                            self.player_bw(next, Phase::BeginResp, d);
                        }
                    }
                }
            }
            Phase::EndResp => {
                self.arbiter.last_end_resp = Some(now);
                self.release(id);
                if let Some(waiting) = self.arbiter.outstanding_end_req.take() {
                    self.assign_id(waiting);
                    self.player_bw(waiting, Phase::EndReq, 0);
                    if !self.arbiter.channel_busy {
                        self.arbiter.channel_busy = true;
                        let d = gap(self.arbiter.last_end_req);
                        self.controller_fw(waiting, Phase::BeginReq, d);
                    } else {
                        self.arbiter.pending_requests.push_back(waiting);
                    }
                } else {
                    self.arbiter.active -= 1;
                }
                if reorder {
                    if !self.reorder_return_head(tck, false) {
                        self.arbiter.thread_busy = false;
                    }
                } else if let Some(next) = self.arbiter.pending_responses.pop_front() {
                    self.player_bw(next, Phase::BeginResp, tck);
                } else {
                    self.arbiter.thread_busy = false;
                }
            }
        }
    }

    /// Returns the oldest buffered response if it is the next in order; true if one was sent.
    fn reorder_return_head(&mut self, delay: Ps, mark_busy: bool) -> bool {
        let Some((&key, &next)) = self.arbiter.reorder_responses.iter().next() else {
            return false;
        };
        if key != self.arbiter.next_id_to_return {
            return false;
        }
        self.arbiter.next_id_to_return += 1;
        self.arbiter.reorder_responses.remove(&key);
        if mark_busy {
            self.arbiter.thread_busy = true;
        }
        self.player_bw(next, Phase::BeginResp, delay);
        true
    }
}
