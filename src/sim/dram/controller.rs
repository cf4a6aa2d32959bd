//! The parts of the DRAMSys memory controller: request buffers and schedulers, bank machines per
//! page policy and the response queues (the refresh managers are in `refresh.rs`). The controller method that
//! drives them lives in `engine.rs`, where it can reach the event kernel and the front end.

use std::collections::{BTreeMap, VecDeque};

use super::checker::{Checker, Command};
use super::kernel::{Ps, MAX_TIME};
use super::mcconfig::{PagePolicy, RespQueue, Scheduler, SchedulerBuffer};

pub type PayloadId = u32;

/// One request travelling through the model (a `tlm_generic_payload` with DRAMSys extensions).
#[derive(Clone, Copy, Debug, Default)]
pub struct Payload {
    pub address: u64,
    pub write: bool,
    pub rank: u32,
    pub bank: u32,
    pub row: u32,
    /// Arbiter-assigned payload ID (thread and channel IDs coincide with one initiator).
    pub id: u64,
    /// When the request was sent to the memory system (BEGIN_REQ at the arbiter).
    pub begin_req: Ps,
    /// Set when a PRE or ACT was issued on this request's behalf.
    pub needed_act: bool,
    pub needed_pre: bool,
    pub refs: u8,
}

/// Request buffer occupancy limits (DRAMSys `BufferCounter*`).
pub enum BufferCounter {
    /// Note: DRAMSys checks the bank of the most recently stored request, not the incoming one.
    Bankwise {
        size: u32,
        counts: Vec<u32>,
        last_bank: usize,
    },
    ReadWrite {
        size: u32,
        reads: u32,
        writes: u32,
    },
    Shared {
        size: u32,
        count: u32,
    },
}

impl BufferCounter {
    pub fn new(kind: SchedulerBuffer, size: u32, banks: usize) -> Self {
        match kind {
            SchedulerBuffer::Bankwise => BufferCounter::Bankwise {
                size,
                counts: vec![0; banks],
                last_bank: 0,
            },
            SchedulerBuffer::ReadWrite => BufferCounter::ReadWrite {
                size,
                reads: 0,
                writes: 0,
            },
            SchedulerBuffer::Shared => BufferCounter::Shared { size, count: 0 },
        }
    }

    pub fn has_space(&self) -> bool {
        match self {
            BufferCounter::Bankwise {
                size,
                counts,
                last_bank,
            } => counts[*last_bank] < *size,
            BufferCounter::ReadWrite {
                size,
                reads,
                writes,
            } => reads < size && writes < size,
            BufferCounter::Shared { size, count } => count < size,
        }
    }

    fn store(&mut self, p: &Payload) {
        match self {
            BufferCounter::Bankwise {
                counts, last_bank, ..
            } => {
                *last_bank = p.bank as usize;
                counts[p.bank as usize] += 1;
            }
            BufferCounter::ReadWrite { reads, writes, .. } => {
                if p.write {
                    *writes += 1
                } else {
                    *reads += 1
                }
            }
            BufferCounter::Shared { count, .. } => *count += 1,
        }
    }

    fn remove(&mut self, p: &Payload) {
        match self {
            BufferCounter::Bankwise { counts, .. } => counts[p.bank as usize] -= 1,
            BufferCounter::ReadWrite { reads, writes, .. } => {
                if p.write {
                    *writes -= 1
                } else {
                    *reads -= 1
                }
            }
            BufferCounter::Shared { count, .. } => *count -= 1,
        }
    }
}

/// Per-bank request queues and the selection rule of the configured scheduler.
pub struct SchedulerState {
    kind: Scheduler,
    pub buffers: Vec<VecDeque<PayloadId>>,
    pub counter: BufferCounter,
    /// FrFcfsGrp: the direction of the last served request (DRAMSys starts with read).
    last_write: bool,
}

impl SchedulerState {
    pub fn new(kind: Scheduler, buffer: SchedulerBuffer, size: u32, banks: usize) -> Self {
        SchedulerState {
            kind,
            buffers: (0..banks)
                .map(|_| VecDeque::with_capacity(size as usize))
                .collect(),
            counter: BufferCounter::new(buffer, size, banks),
            last_write: false,
        }
    }

    pub fn store(&mut self, id: PayloadId, p: &Payload) {
        self.buffers[p.bank as usize].push_back(id);
        self.counter.store(p);
    }

    pub fn remove(&mut self, id: PayloadId, p: &Payload) {
        self.counter.remove(p);
        let buf = &mut self.buffers[p.bank as usize];
        match self.kind {
            // DRAMSys's FIFO scheduler always serves (and so removes) the head
            Scheduler::Fifo => {
                buf.pop_front();
            }
            Scheduler::FrFcfs | Scheduler::FrFcfsGrp => {
                if self.kind == Scheduler::FrFcfsGrp {
                    self.last_write = p.write;
                }
                if let Some(pos) = buf.iter().position(|&x| x == id) {
                    buf.remove(pos);
                }
            }
        }
    }

    /// The request the bank machine of `bank` should work on next.
    pub fn next_request(
        &self,
        bank: usize,
        open_row: Option<u32>,
        payloads: &[Payload],
    ) -> Option<PayloadId> {
        let buf = &self.buffers[bank];
        let front = *buf.front()?;
        let Some(row) = open_row else {
            return Some(front);
        };
        match self.kind {
            Scheduler::Fifo => Some(front),
            Scheduler::FrFcfs => Some(
                buf.iter()
                    .copied()
                    .find(|&id| payloads[id as usize].row == row)
                    .unwrap_or(front),
            ),
            Scheduler::FrFcfsGrp => {
                let mut first_hit = None;
                for (i, &id) in buf.iter().enumerate() {
                    let p = &payloads[id as usize];
                    if p.row != row {
                        continue;
                    }
                    first_hit.get_or_insert(id);
                    if p.write == self.last_write {
                        // skip a request that would overtake an earlier hit to the same address
                        let hazard = buf.iter().take(i).any(|&o| {
                            payloads[o as usize].row == row
                                && payloads[o as usize].address == p.address
                        });
                        if !hazard {
                            return Some(id);
                        }
                    }
                }
                Some(first_hit.unwrap_or(front))
            }
        }
    }

    pub fn has_further_request(&self, bank: usize) -> bool {
        self.buffers[bank].len() >= 2
    }

    pub fn has_further_row_hit(&self, bank: usize, row: u32, payloads: &[Payload]) -> bool {
        let buf = &self.buffers[bank];
        match self.kind {
            Scheduler::Fifo => buf
                .get(1)
                .is_some_and(|&id| payloads[id as usize].row == row),
            _ => buf
                .iter()
                .filter(|&&id| payloads[id as usize].row == row)
                .nth(1)
                .is_some(),
        }
    }
}

/// One bank machine (DRAMSys `BankMachine*`): which command its current request needs next.
pub struct BankMachine {
    pub rank: usize,
    pub bank: usize,
    pub activated: bool,
    pub open_row: u32,
    pub current: Option<PayloadId>,
    pub next_cmd: Option<Command>,
    pub time_to_schedule: Ps,
    pub blocked: bool,
    /// The rank is in power-down or self-refresh: no command until it wakes up.
    pub sleeping: bool,
    /// The request choice depends only on this bank's queue and state; re-select only after
    /// one of them changed.
    pub dirty: bool,
    /// Earliest issue time of `next_cmd` ignoring `now`, valid for checker version `checked_at`.
    unclamped: Ps,
    checked_at: u64,
}

impl BankMachine {
    pub fn new(rank: usize, bank: usize) -> Self {
        BankMachine {
            rank,
            bank,
            activated: false,
            open_row: 0,
            current: None,
            next_cmd: None,
            time_to_schedule: MAX_TIME,
            blocked: false,
            sleeping: false,
            dirty: true,
            unclamped: 0,
            checked_at: u64::MAX,
        }
    }

    pub fn update_state(&mut self, cmd: Command, payloads: &[Payload]) {
        self.dirty = true;
        match cmd {
            Command::Act => {
                self.activated = true;
                if let Some(id) = self.current {
                    self.open_row = payloads[id as usize].row;
                }
            }
            Command::Pre | Command::Prea => self.activated = false,
            Command::Rd | Command::Wr => self.current = None,
            Command::Rda | Command::Wra => {
                self.activated = false;
                self.current = None;
            }
            Command::Refa | Command::Refb => {
                self.blocked = false;
                self.sleeping = false;
            }
            Command::Pdea | Command::Pdep | Command::Srefen => self.sleeping = true,
            Command::Pdxa | Command::Pdxp => self.sleeping = false,
            Command::Srefex => {}
        }
    }

    /// The result of [`Self::start`] without calling it, when nothing it depends on changed
    /// except the time.
    #[inline]
    pub fn quick_time(&mut self, now: Ps, checker_version: u64) -> Option<Ps> {
        if self.blocked || self.sleeping || self.dirty {
            return None;
        }
        self.time_to_schedule = match self.next_cmd {
            None => MAX_TIME,
            Some(_) if self.checked_at == checker_version => self.unclamped.max(now),
            Some(_) => return None,
        };
        Some(self.time_to_schedule)
    }

    /// Re-evaluates the next command (DRAMSys `BankMachine*::start`) and returns its time.
    pub fn start(
        &mut self,
        policy: PagePolicy,
        sched: &SchedulerState,
        checker: &Checker,
        payloads: &[Payload],
        now: Ps,
    ) -> Ps {
        if self.blocked || self.sleeping {
            self.time_to_schedule = MAX_TIME;
            self.next_cmd = None;
            self.dirty = true;
            return MAX_TIME;
        }
        if !self.dirty {
            self.time_to_schedule = match self.next_cmd {
                Some(cmd) => {
                    // no command issued since the last evaluation: only the clamp to `now` moves
                    if self.checked_at != checker.version() {
                        self.unclamped = checker.earliest(cmd, self.rank, self.bank, 0);
                        self.checked_at = checker.version();
                    }
                    self.unclamped.max(now)
                }
                None => MAX_TIME,
            };
            return self.time_to_schedule;
        }
        self.dirty = false;
        self.time_to_schedule = MAX_TIME;
        self.next_cmd = None;
        let open = if self.activated {
            Some(self.open_row)
        } else {
            None
        };
        self.current = sched.next_request(self.bank, open, payloads);
        let Some(id) = self.current else {
            return MAX_TIME;
        };
        let p = &payloads[id as usize];
        let (plain, auto) = if p.write {
            (Command::Wr, Command::Wra)
        } else {
            (Command::Rd, Command::Rda)
        };
        let cmd = if !self.activated {
            Command::Act
        } else {
            let hit = p.row == self.open_row;
            match policy {
                PagePolicy::Open => {
                    if hit {
                        plain
                    } else {
                        Command::Pre
                    }
                }
                PagePolicy::Closed => auto,
                PagePolicy::OpenAdaptive => {
                    if !hit {
                        Command::Pre
                    } else if sched.has_further_request(self.bank)
                        && !sched.has_further_row_hit(self.bank, self.open_row, payloads)
                    {
                        auto
                    } else {
                        plain
                    }
                }
                PagePolicy::ClosedAdaptive => {
                    // DRAMSys treats a miss on an open bank as impossible for this policy; we
                    // precharge, which is what a row miss needs
                    if !hit {
                        Command::Pre
                    } else if sched.has_further_row_hit(self.bank, self.open_row, payloads) {
                        plain
                    } else {
                        auto
                    }
                }
            }
        };
        self.next_cmd = Some(cmd);
        self.unclamped = checker.earliest(cmd, self.rank, self.bank, 0);
        self.checked_at = checker.version();
        self.time_to_schedule = self.unclamped.max(now);
        self.time_to_schedule
    }
}

/// Completed requests waiting to be returned (DRAMSys `RespQueueFifo` / `RespQueueReorder`).
pub enum ResponseQueue {
    Fifo(VecDeque<(PayloadId, Ps)>),
    Reorder {
        next_id: u64,
        pending: BTreeMap<u64, (PayloadId, Ps)>,
    },
}

impl ResponseQueue {
    pub fn new(kind: RespQueue) -> Self {
        match kind {
            RespQueue::Fifo => ResponseQueue::Fifo(VecDeque::new()),
            RespQueue::Reorder => ResponseQueue::Reorder {
                next_id: 1,
                pending: BTreeMap::new(),
            },
        }
    }

    pub fn insert(&mut self, id: PayloadId, payload_id: u64, ready: Ps) {
        match self {
            ResponseQueue::Fifo(q) => q.push_back((id, ready)),
            ResponseQueue::Reorder { pending, .. } => {
                pending.insert(payload_id, (id, ready));
            }
        }
    }

    pub fn next_payload(&mut self, now: Ps) -> Option<PayloadId> {
        match self {
            ResponseQueue::Fifo(q) => match q.front() {
                Some(&(id, t)) if t <= now => {
                    q.pop_front();
                    Some(id)
                }
                _ => None,
            },
            ResponseQueue::Reorder { next_id, pending } => {
                let (&key, &(id, t)) = pending.iter().next()?;
                if key == *next_id && t <= now {
                    pending.remove(&key);
                    *next_id += 1;
                    Some(id)
                } else {
                    None
                }
            }
        }
    }

    pub fn trigger_time(&self, now: Ps) -> Ps {
        let head = match self {
            ResponseQueue::Fifo(q) => q.front().map(|&(_, t)| t),
            ResponseQueue::Reorder { next_id, pending } => pending
                .iter()
                .next()
                .filter(|(&k, _)| k == *next_id)
                .map(|(_, &(_, t))| t),
        };
        match head {
            Some(t) if t > now => t,
            _ => MAX_TIME,
        }
    }
}
