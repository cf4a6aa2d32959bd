//! DRAMSys's Staggered power-down manager (`PowerDownManagerStaggered`), one per rank: a rank
//! without requests enters power-down, a precharged power-down left while the controller is still
//! idle becomes self-refresh, and a request or a due refresh wakes it up.
//!
//! Kept as DRAMSys has it, including that it counts open banks from ACT, PRE and PREA only: after
//! an RDA or WRA it believes a bank is still open and enters *active* power-down on a precharged
//! rank (which is what makes DRAMPower's numbers odd under the closed page policies).

use super::checker::{Checker, Command};
use super::kernel::{Ps, MAX_TIME};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Idle,
    ActivePdn,
    PrechargePdn,
    SelfRefresh,
    ExtraRefresh,
}

pub struct PowerDownManager {
    pub rank: usize,
    state: State,
    controller_idle: bool,
    entry_triggered: bool,
    exit_triggered: bool,
    enter_self_refresh: bool,
    activated_banks: i64,
    pub next_cmd: Option<Command>,
    pub time_to_schedule: Ps,
}

impl PowerDownManager {
    pub fn new(rank: usize) -> Self {
        PowerDownManager {
            rank,
            state: State::Idle,
            controller_idle: true,
            // DRAMSys starts with an entry pending: an idle rank powers down at once
            entry_triggered: true,
            exit_triggered: false,
            enter_self_refresh: false,
            activated_banks: 0,
            next_cmd: None,
            time_to_schedule: MAX_TIME,
        }
    }

    /// The rank's last request has been served.
    pub fn trigger_entry(&mut self) {
        self.controller_idle = true;
        if self.state == State::Idle {
            self.entry_triggered = true;
        }
    }

    /// A request for the rank has arrived.
    pub fn trigger_exit(&mut self) {
        self.controller_idle = false;
        self.enter_self_refresh = false;
        self.entry_triggered = false;
        if self.state != State::Idle {
            self.exit_triggered = true;
        }
    }

    /// A refresh is due.
    pub fn trigger_interruption(&mut self) {
        self.entry_triggered = false;
        if self.state != State::Idle {
            self.exit_triggered = true;
        }
    }

    /// Chooses the next power-down command and when the checker allows it.
    pub fn start(&mut self, checker: &Checker, now: Ps) -> Ps {
        self.time_to_schedule = MAX_TIME;
        self.next_cmd = None;
        let cmd = if self.exit_triggered {
            match self.state {
                State::ActivePdn => Command::Pdxa,
                State::PrechargePdn => Command::Pdxp,
                State::SelfRefresh => Command::Srefex,
                State::ExtraRefresh => Command::Refa,
                // DRAMSys asks the checker for a NOP here and never issues it
                State::Idle => return MAX_TIME,
            }
        } else if self.entry_triggered {
            if self.activated_banks != 0 {
                Command::Pdea
            } else {
                Command::Pdep
            }
        } else if self.enter_self_refresh {
            Command::Srefen
        } else {
            return MAX_TIME;
        };
        self.next_cmd = Some(cmd);
        self.time_to_schedule = checker.earliest(cmd, self.rank, 0, now);
        self.time_to_schedule
    }

    pub fn update_state(&mut self, cmd: Command) {
        match cmd {
            Command::Act => self.activated_banks += 1,
            Command::Pre => self.activated_banks -= 1,
            Command::Prea => self.activated_banks = 0,
            Command::Pdea => {
                self.state = State::ActivePdn;
                self.entry_triggered = false;
            }
            Command::Pdep => {
                self.state = State::PrechargePdn;
                self.entry_triggered = false;
            }
            Command::Srefen => {
                self.state = State::SelfRefresh;
                self.entry_triggered = false;
                self.enter_self_refresh = false;
            }
            Command::Pdxa => {
                self.state = State::Idle;
                self.exit_triggered = false;
            }
            Command::Pdxp => {
                self.state = State::Idle;
                self.exit_triggered = false;
                if self.controller_idle {
                    self.enter_self_refresh = true;
                }
            }
            Command::Srefex => self.state = State::ExtraRefresh,
            Command::Refa => {
                if self.state == State::ExtraRefresh {
                    self.state = State::Idle;
                    self.exit_triggered = false;
                } else if self.controller_idle {
                    self.entry_triggered = true;
                }
            }
            Command::Refb => {
                if self.controller_idle {
                    self.entry_triggered = true;
                }
            }
            Command::Rd | Command::Wr | Command::Rda | Command::Wra => {}
        }
    }
}
