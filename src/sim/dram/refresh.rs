//! DRAMSys's refresh managers, one per rank: all-bank (`RefreshManagerAllBank`: REFA every
//! tREFI) and per-bank (`RefreshManagerPerBank`, LPDDR4: REFB every tREFIpb to one bank at a
//! time, an idle one when it can). Both postpone a due refresh while the controller is busy (up
//! to RefreshMaxPostponed) and pull refreshes in while it is idle (up to RefreshMaxPulledin),
//! with DRAMSys's flexibility counter; per-bank counts both in banks' worth of refreshes.

use super::checker::{Checker, Command};
use super::controller::BankMachine;
use super::kernel::{Ps, MAX_TIME};

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Regular,
    Pulledin,
}

/// What only one of the two managers keeps.
enum Kind {
    /// Banks of the rank DRAMSys believes open (ACT up, PRE/RDA/WRA down, PREA to 0).
    AllBank { activated_banks: u32 },
    /// The banks (rank-local indices) not yet refreshed in this round, in bank order; the bank
    /// chosen by the last `start` (`current`, at `current_at` in `remaining`); and whether a
    /// forced refresh has fixed that choice until its REFB is issued.
    PerBank {
        banks: usize,
        remaining: Vec<usize>,
        current_at: usize,
        current: usize,
        skip_selection: bool,
    },
}

pub struct RefreshManager {
    pub rank: usize,
    interval: Ps,
    next_trigger: Ps,
    state: State,
    flexibility: i64,
    max_postponed: i64,
    max_pulledin: i64,
    /// The rank is powered down: a due refresh waits for the power-down manager to wake it.
    sleeping: bool,
    kind: Kind,
    pub next_cmd: Option<Command>,
    pub time_to_schedule: Ps,
}

/// DRAMSys `getTimeForFirstTrigger`: bit-reversed rank order staggers the ranks' first refresh,
/// rounded up to the clock.
fn first_trigger(interval: Ps, rank: usize, ranks: usize, tck: Ps) -> Ps {
    let bits = usize::BITS - ranks.max(1).leading_zeros() - 1;
    let mut reversed = 0usize;
    for b in 0..bits {
        if rank & (1 << b) != 0 {
            reversed |= 1 << (bits - 1 - b);
        }
    }
    let first = interval - reversed as u64 * (interval / ranks as u64);
    first.div_ceil(tck) * tck
}

impl RefreshManager {
    fn with_kind(
        rank: usize,
        ranks: usize,
        interval: Ps,
        tck: Ps,
        max_postponed: i64,
        max_pulledin: i64,
        kind: Kind,
    ) -> Self {
        RefreshManager {
            rank,
            interval,
            next_trigger: first_trigger(interval, rank, ranks, tck),
            state: State::Regular,
            flexibility: 0,
            max_postponed,
            max_pulledin: -max_pulledin,
            sleeping: false,
            kind,
            next_cmd: None,
            time_to_schedule: MAX_TIME,
        }
    }

    /// An all-bank manager refreshing every `refi`.
    pub fn all_bank(
        rank: usize,
        ranks: usize,
        refi: Ps,
        tck: Ps,
        max_postponed: u32,
        max_pulledin: u32,
    ) -> Self {
        let kind = Kind::AllBank { activated_banks: 0 };
        let (p, q) = (i64::from(max_postponed), i64::from(max_pulledin));
        Self::with_kind(rank, ranks, refi, tck, p, q, kind)
    }

    /// A per-bank manager refreshing one of `banks` banks every `refi_pb`; DRAMSys scales the
    /// postpone and pull-in limits by the number of banks.
    pub fn per_bank(
        rank: usize,
        ranks: usize,
        banks: usize,
        refi_pb: Ps,
        tck: Ps,
        max_postponed: u32,
        max_pulledin: u32,
    ) -> Self {
        let kind = Kind::PerBank {
            banks,
            remaining: (0..banks).collect(),
            current_at: 0,
            current: 0,
            skip_selection: false,
        };
        let n = banks as i64;
        let (p, q) = (i64::from(max_postponed) * n, i64::from(max_pulledin) * n);
        Self::with_kind(rank, ranks, refi_pb, tck, p, q, kind)
    }

    pub fn is_due(&self, now: Ps) -> bool {
        now >= self.next_trigger
    }

    /// The rank-local bank a per-bank refresh's next command is for (none for all-bank).
    pub fn bank(&self) -> Option<usize> {
        match &self.kind {
            Kind::AllBank { .. } => None,
            Kind::PerBank { current, .. } => Some(*current),
        }
    }

    /// `start()`: decides whether to refresh now, given the rank's bank machines (`banks`, the
    /// rank's slice; `first_bank` the global index of its first bank). Returns the next time the
    /// manager wants to run. (The caller has asked the power-down manager to wake a rank whose
    /// refresh is due.)
    pub fn start(
        &mut self,
        now: Ps,
        banks: &mut [BankMachine],
        first_bank: usize,
        checker: &Checker,
    ) -> Ps {
        self.time_to_schedule = MAX_TIME;
        self.next_cmd = None;
        if now < self.next_trigger {
            return self.next_trigger;
        }
        if self.sleeping {
            return MAX_TIME;
        }
        if now >= self.next_trigger + self.interval {
            self.next_trigger += self.interval;
            self.state = State::Regular;
        }
        let forced = self.flexibility == self.max_postponed;
        match &mut self.kind {
            Kind::AllBank { activated_banks } => {
                let busy = banks.iter().any(|b| b.current.is_some());
                let cmd = if self.state == State::Regular {
                    if forced {
                        banks.iter_mut().for_each(|b| b.blocked = true);
                    } else if busy {
                        self.flexibility += 1;
                        self.next_trigger += self.interval;
                        return self.next_trigger;
                    }
                    if *activated_banks > 0 {
                        Command::Prea
                    } else {
                        Command::Refa
                    }
                } else if busy {
                    self.state = State::Regular;
                    self.next_trigger += self.interval;
                    return self.next_trigger;
                } else {
                    Command::Refa
                };
                self.next_cmd = Some(cmd);
                // DRAMSys asks about bank 0 of the channel for every rank's all-bank refresh
                self.time_to_schedule = checker.earliest(cmd, self.rank, 0, now);
                self.time_to_schedule
            }
            Kind::PerBank {
                remaining,
                current_at,
                current,
                skip_selection,
                ..
            } => {
                let regular = self.state == State::Regular;
                let mut all_busy = true;
                if !regular || !*skip_selection {
                    if regular {
                        *current_at = 0;
                        *current = remaining[0];
                    }
                    if let Some(at) = remaining.iter().position(|&b| banks[b].current.is_none()) {
                        *current_at = at;
                        *current = remaining[at];
                        all_busy = false;
                    }
                }
                if all_busy && (!regular || !forced) {
                    if !regular {
                        self.state = State::Regular;
                    } else {
                        self.flexibility += 1;
                    }
                    self.next_trigger += self.interval;
                    return self.next_trigger;
                }
                let bank = &mut banks[*current];
                let cmd = if bank.activated {
                    Command::Pre
                } else {
                    if regular && forced {
                        bank.blocked = true;
                        *skip_selection = true;
                    }
                    Command::Refb
                };
                self.next_cmd = Some(cmd);
                self.time_to_schedule =
                    checker.earliest(cmd, self.rank, first_bank + *current, now);
                self.time_to_schedule
            }
        }
    }

    pub fn update_state(&mut self, cmd: Command, now: Ps) {
        match (&mut self.kind, cmd) {
            (Kind::AllBank { activated_banks }, Command::Act) => *activated_banks += 1,
            (Kind::AllBank { activated_banks }, Command::Pre | Command::Rda | Command::Wra) => {
                *activated_banks = activated_banks.saturating_sub(1)
            }
            (Kind::AllBank { activated_banks }, Command::Prea) => *activated_banks = 0,
            (Kind::AllBank { .. }, Command::Refa) if !self.sleeping => self.count_refresh(),
            // the refresh that ends a self-refresh restarts the interval (per-bank: any REFA)
            (_, Command::Refa) => {
                self.state = State::Regular;
                self.next_trigger = now + self.interval;
                self.sleeping = false;
            }
            (
                Kind::PerBank {
                    banks,
                    remaining,
                    current_at,
                    skip_selection,
                    ..
                },
                Command::Refb,
            ) => {
                *skip_selection = false;
                remaining.remove(*current_at);
                if remaining.is_empty() {
                    remaining.extend(0..*banks);
                }
                self.count_refresh();
            }
            (_, Command::Pdea | Command::Pdep) => self.sleeping = true,
            (_, Command::Srefen) => {
                self.sleeping = true;
                self.next_trigger = MAX_TIME;
            }
            (_, Command::Pdxa | Command::Pdxp) => self.sleeping = false,
            _ => {}
        }
    }

    /// A regular or pulled-in refresh was issued.
    fn count_refresh(&mut self) {
        if self.state == State::Pulledin {
            self.flexibility -= 1;
        } else {
            self.state = State::Pulledin;
        }
        if self.flexibility == self.max_pulledin {
            self.state = State::Regular;
            self.next_trigger += self.interval;
        }
    }
}
