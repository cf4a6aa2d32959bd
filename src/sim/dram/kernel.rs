//! A tiny discrete-event kernel with SystemC 2.3 scheduling semantics, so that the order in which
//! the trace player, arbiter and controller react within one picosecond matches DRAMSys exactly.
//!
//! Only what DRAMSys uses is modelled: method processes with static sensitivity, events with at
//! most one pending notification (delta or timed), delta cycles, and the timed-event priority queue.
//! The timed queue is the same binary heap as SystemC's `sc_ppq` (cancelled entries stay in it as
//! dead entries), because events due at the same time are triggered in heap order and that order
//! decides which process runs first.

use std::collections::VecDeque;

/// Simulation time in picoseconds (the SystemC resolution DRAMSys sets).
pub type Ps = u64;

/// Stand-in for `sc_max_time()`.
pub const MAX_TIME: Ps = u64::MAX;

/// The events DRAMSys notifies, one per `sc_event` object in the modelled modules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Ev {
    /// The trace player's payload event queue.
    PlayerPeq = 0,
    /// The arbiter's payload event queue.
    ArbiterPeq = 1,
    /// `Controller::beginReqEvent`.
    BeginReq = 2,
    /// `Controller::endRespEvent`.
    EndResp = 3,
    /// `Controller::controllerEvent`.
    Controller = 4,
    /// `Controller::dataResponseEvent`.
    DataResponse = 5,
}

const N_EVENTS: usize = 6;

/// The method processes; the controller method is sensitive to four events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Proc {
    PlayerFec = 0,
    ArbiterFec = 1,
    Controller = 2,
    PlayerInit = 3,
}

const N_PROCS: usize = 4;

fn process_of(ev: u8) -> Proc {
    match ev {
        0 => Proc::PlayerFec,
        1 => Proc::ArbiterFec,
        _ => Proc::Controller,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Pending {
    None,
    Delta,
    Timed(u32),
}

/// One `sc_event_timed`: `event == None` marks a cancelled entry left in the heap.
#[derive(Clone, Copy)]
struct Timed {
    time: Ps,
    event: Option<u8>,
}

pub struct Kernel {
    now: Ps,
    pending: [Pending; N_EVENTS],
    delta_events: Vec<u8>,
    /// 1-based binary heap of indices into `slab`, exactly as `sc_ppq_base`.
    heap: Vec<u32>,
    slab: Vec<Timed>,
    free: Vec<u32>,
    runnable: VecDeque<Proc>,
    queued: [bool; N_PROCS],
    stop: bool,
}

impl Default for Kernel {
    fn default() -> Self {
        Self::new()
    }
}

impl Kernel {
    pub fn new() -> Self {
        Kernel {
            now: 0,
            pending: [Pending::None; N_EVENTS],
            delta_events: Vec::with_capacity(8),
            heap: vec![0],
            slab: Vec::with_capacity(16),
            free: Vec::with_capacity(16),
            runnable: VecDeque::with_capacity(8),
            queued: [false; N_PROCS],
            stop: false,
        }
    }

    pub fn now(&self) -> Ps {
        self.now
    }

    /// `sc_stop()` with `SC_STOP_FINISH_DELTA`: the current evaluation phase still completes.
    pub fn request_stop(&mut self) {
        self.stop = true;
    }

    pub fn stopped(&self) -> bool {
        self.stop
    }

    /// Initialisation phase: method processes without `dont_initialize`, in creation order.
    pub fn make_runnable(&mut self, p: Proc) {
        if !self.queued[p as usize] {
            self.queued[p as usize] = true;
            self.runnable.push_back(p);
        }
    }

    /// Next process of the current evaluation phase, if any.
    pub fn pop_runnable(&mut self) -> Option<Proc> {
        let p = self.runnable.pop_front()?;
        self.queued[p as usize] = false;
        Some(p)
    }

    /// `sc_event::notify(delay)`: a delta notification wins over a timed one, and an earlier timed
    /// notification wins over a later one.
    pub fn notify(&mut self, ev: Ev, delay: Ps) {
        let e = ev as usize;
        match self.pending[e] {
            Pending::Delta => return,
            Pending::Timed(idx) => {
                if delay != 0 && self.slab[idx as usize].time <= self.now + delay {
                    return;
                }
                self.slab[idx as usize].event = None;
            }
            Pending::None => {}
        }
        if delay == 0 {
            self.delta_events.push(ev as u8);
            self.pending[e] = Pending::Delta;
            return;
        }
        let entry = Timed {
            time: self.now + delay,
            event: Some(ev as u8),
        };
        let idx = match self.free.pop() {
            Some(i) => {
                self.slab[i as usize] = entry;
                i
            }
            None => {
                self.slab.push(entry);
                (self.slab.len() - 1) as u32
            }
        };
        self.heap_insert(idx);
        self.pending[e] = Pending::Timed(idx);
    }

    fn trigger(&mut self, ev: u8) {
        self.pending[ev as usize] = Pending::None;
        self.make_runnable(process_of(ev));
    }

    /// Notification phase after an evaluation phase: delta events fire in reverse order of
    /// notification (as `sc_simcontext::crunch` does). Returns whether anything became runnable.
    pub fn delta_phase(&mut self) -> bool {
        while let Some(ev) = self.delta_events.pop() {
            self.trigger(ev);
        }
        !self.runnable.is_empty()
    }

    /// Advances time to the next live timed event and triggers every event due then.
    /// Returns false when no event is left (event starvation ends the simulation).
    pub fn advance(&mut self) -> bool {
        loop {
            // skip dead entries at the top, as `sc_simcontext::next_time` does
            loop {
                if self.heap.len() <= 1 {
                    return false;
                }
                let top = self.heap[1];
                if self.slab[top as usize].event.is_some() {
                    break;
                }
                self.heap_extract();
                self.free.push(top);
            }
            let t = self.slab[self.heap[1] as usize].time;
            self.now = t;
            loop {
                let idx = self.heap_extract();
                let entry = self.slab[idx as usize];
                self.free.push(idx);
                if let Some(ev) = entry.event {
                    self.trigger(ev);
                }
                if self.heap.len() <= 1 || self.slab[self.heap[1] as usize].time != t {
                    break;
                }
            }
            if !self.runnable.is_empty() {
                return true;
            }
        }
    }

    fn earlier(&self, a: u32, b: u32) -> bool {
        self.slab[a as usize].time < self.slab[b as usize].time
    }

    fn heap_insert(&mut self, idx: u32) {
        self.heap.push(idx);
        let mut i = self.heap.len() - 1;
        while i > 1 && self.earlier(idx, self.heap[i >> 1]) {
            self.heap[i] = self.heap[i >> 1];
            i >>= 1;
        }
        self.heap[i] = idx;
    }

    fn heap_extract(&mut self) -> u32 {
        let top = self.heap[1];
        let last = self.heap.pop().unwrap_or(top);
        let size = self.heap.len() - 1;
        if size >= 1 {
            self.heap[1] = last;
            let mut i = 1;
            loop {
                let l = i << 1;
                if l > size {
                    break;
                }
                let mut largest = if self.earlier(self.heap[l], self.heap[i]) {
                    l
                } else {
                    i
                };
                let r = l + 1;
                if r <= size && self.earlier(self.heap[r], self.heap[largest]) {
                    largest = r;
                }
                if largest == i {
                    break;
                }
                self.heap.swap(i, largest);
                i = largest;
            }
        }
        top
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delta_notification_overrides_timed_and_fires_in_reverse_order() {
        let mut k = Kernel::new();
        k.notify(Ev::Controller, 5000);
        k.notify(Ev::PlayerPeq, 0);
        k.notify(Ev::Controller, 0);
        k.notify(Ev::ArbiterPeq, 0);
        assert!(k.delta_phase());
        let order: Vec<Proc> = std::iter::from_fn(|| k.pop_runnable()).collect();
        assert_eq!(
            order,
            vec![Proc::ArbiterFec, Proc::Controller, Proc::PlayerFec]
        );
        // the cancelled timed entry must not wake anybody
        assert!(!k.advance());
    }

    #[test]
    fn earlier_timed_notification_wins_and_time_advances_to_it() {
        let mut k = Kernel::new();
        k.notify(Ev::DataResponse, 9000);
        k.notify(Ev::DataResponse, 4000);
        k.notify(Ev::DataResponse, 7000);
        assert!(k.advance());
        assert_eq!(k.now(), 4000);
        assert_eq!(k.pop_runnable(), Some(Proc::Controller));
        assert!(!k.advance());
    }
}
