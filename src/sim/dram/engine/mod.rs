//! One DRAMSys simulation: trace player -> arbiter -> controller -> DRAM, with every hand-over
//! (TLM phase, delay, event) as in DRAMSys 4.0, run on the SystemC-like kernel. The result is
//! bit-for-bit the command schedule DRAMSys produces, which is what makes energy and time match.

mod arbiter;

use super::checker::{Checker, Command, TimingPs};
use super::config::DramConfig;
use super::controller::{BankMachine, Payload, PayloadId, ResponseQueue, SchedulerState};
use super::decoder::Decoder;
use super::error::DramError;
use super::frontend::{ArbiterState, Peq, Phase, PlayerState};
use super::kernel::{Ev, Kernel, Proc, Ps, MAX_TIME};
use super::limits::{MAX_TRACE_TIME_PS, STALL_STEPS};
use super::mcconfig::{PowerDownPolicy, RefreshPolicy, Scheduler};
use super::power::PowerModel;
use super::powerdown::PowerDownManager;
use super::refresh::RefreshManager;
use super::stats::{CommandCounts, DramStats};
use super::trace::Request;

/// A pending hand-over into the controller (`Controller::transToAcquire/transToRelease`).
#[derive(Clone, Copy)]
struct Transaction {
    payload: Option<PayloadId>,
    time: Ps,
}

const NO_TRANSACTION: Transaction = Transaction {
    payload: None,
    time: MAX_TIME,
};

/// Who a ready command comes from; refresh and power-down commands carry dummy payloads.
#[derive(Clone, Copy, Debug)]
enum Source {
    Bank(PayloadId),
    Refresh(usize),
    PowerDown(usize),
}

/// The payload ID of the power-down managers' dummy payload (DRAMSys `UINT64_MAX - 1`).
const POWER_DOWN_ID: u64 = u64::MAX - 1;

pub struct Engine<'a> {
    cfg: &'a DramConfig,
    t: TimingPs,
    kernel: Kernel,
    payloads: Vec<Payload>,
    free: Vec<PayloadId>,
    trace: &'a mut dyn Iterator<Item = Result<Request, DramError>>,
    lookahead: Option<Request>,
    error: Option<DramError>,
    max_address: u64,
    banks_per_rank: u32,
    decoder: Decoder,
    // front end
    player: PlayerState,
    player_peq: Peq,
    arbiter: ArbiterState,
    arbiter_peq: Peq,
    arb_delay_fw: Ps,
    arb_delay_bw: Ps,
    think_fw: Ps,
    think_bw: Ps,
    phy_fw: Ps,
    phy_bw: Ps,
    // controller
    checker: Checker,
    sched: SchedulerState,
    banks: Vec<BankMachine>,
    refresh: Vec<RefreshManager>,
    /// One per rank with Staggered power-down, none without.
    pdm: Vec<PowerDownManager>,
    resp: ResponseQueue,
    to_acquire: Transaction,
    to_release: Transaction,
    total_payloads: u32,
    rank_payloads: Vec<u32>,
    due: Vec<(PayloadId, Phase)>,
    delta_count: u64,
    stall_steps: u64,
    // results (no power model for LPDDR4, as in DRAMSys 4.0)
    power: Option<PowerModel>,
    counts: CommandCounts,
    served: u64,
    latency_sum: u128,
    latency_max: Ps,
    row_hits: u64,
    row_misses: u64,
    row_conflicts: u64,
    reads: u64,
    writes: u64,
}

/// Ends a run whose configuration cannot serve the trace (say, refreshes at a rate that leaves no
/// time for requests) with an error instead of a loop: it counts process activations since the last
/// request sent or answered, and gives up after `limit` of them while requests are outstanding or
/// simulated time stands still. Idle gaps of the trace (only refreshes running) are not stalls.
struct Watchdog {
    limit: u64,
    steps: u64,
    since: u64,
    sent: u64,
    received: u64,
    time: Ps,
}

impl Watchdog {
    fn new(limit: u64) -> Self {
        Watchdog {
            limit,
            steps: 0,
            since: 0,
            sent: 0,
            received: 0,
            time: 0,
        }
    }

    fn step(&mut self, player: &PlayerState, now: Ps) -> Result<(), DramError> {
        self.steps += 1;
        if player.sent != self.sent || player.received != self.received {
            (self.sent, self.received, self.time, self.since) =
                (player.sent, player.received, now, self.steps);
            return Ok(());
        }
        let outstanding = player.sent > player.received;
        if self.steps - self.since > self.limit && (outstanding || now == self.time) {
            return Err(DramError::Stalled {
                steps: self.limit,
                time_ps: now,
                detail: format!(
                    "{} of {} requests answered{}",
                    player.received,
                    player.sent,
                    if now == self.time {
                        ", simulated time not advancing"
                    } else {
                        ""
                    }
                ),
            });
        }
        Ok(())
    }
}

fn round_to_clock(ns: f64, tck: Ps) -> Ps {
    ((ns * 1000.0) / tck as f64).round() as Ps * tck
}

impl<'a> Engine<'a> {
    pub fn new(
        cfg: &'a DramConfig,
        trace: &'a mut dyn Iterator<Item = Result<Request, DramError>>,
        relative: bool,
    ) -> Self {
        let spec = &cfg.memspec;
        let t = TimingPs::new(spec);
        let ranks = spec.ranks as usize;
        let banks = (spec.banks * spec.ranks) as usize;
        let mc = &cfg.mc;
        let refresh = match mc.refresh_policy {
            RefreshPolicy::NoRefresh => Vec::new(),
            RefreshPolicy::AllBank => (0..ranks)
                .map(|r| {
                    RefreshManager::all_bank(
                        r,
                        ranks,
                        t.refi,
                        t.tck,
                        mc.refresh_max_postponed,
                        mc.refresh_max_pulledin,
                    )
                })
                .collect(),
            // `cfg.check()` has refused these where DRAMSys 4.0 does (all but LPDDR4's per-bank)
            RefreshPolicy::PerBank | RefreshPolicy::SameBank => (0..ranks)
                .map(|r| {
                    RefreshManager::per_bank(
                        r,
                        ranks,
                        spec.banks as usize,
                        t.tck * spec.timing.refi_pb,
                        t.tck,
                        mc.refresh_max_postponed,
                        mc.refresh_max_pulledin,
                    )
                })
                .collect(),
        };
        let tck = t.tck;
        Engine {
            cfg,
            kernel: Kernel::new(),
            payloads: Vec::with_capacity(64),
            free: Vec::with_capacity(64),
            trace,
            lookahead: None,
            error: None,
            max_address: cfg.mapping.max_address(),
            banks_per_rank: spec.banks,
            decoder: Decoder::new(&cfg.mapping, spec.banks),
            player: PlayerState {
                clk: (1.0e6 / cfg.trace_clk_mhz).round() as Ps,
                relative,
                sent: 0,
                received: 0,
                finished: false,
            },
            player_peq: Peq::default(),
            arbiter: ArbiterState {
                next_id: 1,
                next_id_to_return: 1,
                ..ArbiterState::default()
            },
            arbiter_peq: Peq::default(),
            arb_delay_fw: round_to_clock(mc.arbitration_delay_fw_ns, tck),
            arb_delay_bw: round_to_clock(mc.arbitration_delay_bw_ns, tck),
            think_fw: round_to_clock(mc.think_delay_fw_ns, tck),
            think_bw: round_to_clock(mc.think_delay_bw_ns, tck),
            phy_fw: round_to_clock(mc.phy_delay_fw_ns, tck),
            phy_bw: round_to_clock(mc.phy_delay_bw_ns, tck),
            checker: Checker::new(
                spec.memory_type,
                t.clone(),
                banks,
                ranks,
                spec.bank_groups as usize,
            ),
            sched: SchedulerState::new(
                mc.scheduler,
                mc.scheduler_buffer,
                mc.request_buffer_size,
                banks,
            ),
            banks: (0..banks)
                .map(|b| BankMachine::new(b / spec.banks as usize, b))
                .collect(),
            refresh,
            pdm: match mc.power_down {
                PowerDownPolicy::NoPowerDown => Vec::new(),
                PowerDownPolicy::Staggered => (0..ranks).map(PowerDownManager::new).collect(),
            },
            resp: ResponseQueue::new(mc.resp_queue),
            to_acquire: NO_TRANSACTION,
            to_release: NO_TRANSACTION,
            total_payloads: 0,
            rank_payloads: vec![0; ranks],
            due: Vec::with_capacity(8),
            delta_count: 0,
            stall_steps: STALL_STEPS,
            power: spec.power.as_ref().map(|_| PowerModel::new(spec)),
            counts: CommandCounts::default(),
            served: 0,
            latency_sum: 0,
            latency_max: 0,
            row_hits: 0,
            row_misses: 0,
            row_conflicts: 0,
            reads: 0,
            writes: 0,
            t,
        }
    }

    /// Runs the simulation to the last response and returns the statistics.
    pub fn run(mut self) -> Result<DramStats, DramError> {
        self.fetch_next();
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        if self.lookahead.is_none() {
            return Err(DramError::EmptyTrace {
                source_name: "trace".into(),
            });
        }
        // initialisation phase: controller method, then the player's first request
        self.kernel.make_runnable(Proc::Controller);
        self.kernel.make_runnable(Proc::PlayerInit);
        let mut watch = Watchdog::new(self.stall_steps);
        loop {
            // evaluation phase
            let mut ran = false;
            while let Some(p) = self.kernel.pop_runnable() {
                ran = true;
                watch.step(&self.player, self.kernel.now())?;
                match p {
                    Proc::PlayerInit => self.next_payload(),
                    Proc::PlayerFec => self.player_fec(),
                    Proc::ArbiterFec => self.arbiter_fec(),
                    Proc::Controller => self.controller_method(),
                }
                if let Some(e) = self.error.take() {
                    return Err(e);
                }
            }
            if ran {
                self.delta_count += 1;
            }
            if self.kernel.stopped() {
                break;
            }
            if !self.kernel.delta_phase() && !self.kernel.advance() {
                break;
            }
        }
        Ok(self.finish())
    }

    fn finish(self) -> DramStats {
        let end = self.kernel.now();
        let spec = &self.cfg.memspec;
        let power = self.power.and_then(|p| p.finish(spec));
        let tck = self.t.tck;
        let requests = self.player.received;
        let bytes = requests * spec.bytes_per_burst();
        let seconds = end as f64 * 1e-12;
        let peak_gbps = 1e6 / self.t.tck as f64
            * f64::from(spec.data_rate)
            * f64::from(spec.width)
            * f64::from(spec.devices_on_dimm)
            / 1000.0;
        let active_ps = self.served * u64::from(spec.burst_length / spec.data_rate) * self.t.tck;
        DramStats {
            total_energy_pj: power.as_ref().map(|p| p.total_pj),
            average_power_mw: power.as_ref().map(|p| p.average_power_mw),
            power_window_ps: power.as_ref().map(|p| p.window_cycles * tck),
            energy: power.map(|p| p.energy),
            total_time_ps: end,
            requests,
            reads: self.reads,
            writes: self.writes,
            bytes,
            bandwidth_gbps: if end == 0 {
                0.0
            } else {
                bytes as f64 * 8.0 / seconds / 1e9
            },
            bandwidth_utilization: if end == 0 {
                0.0
            } else {
                active_ps as f64 / end as f64
            },
            peak_bandwidth_gbps: peak_gbps,
            average_latency_ps: if requests == 0 {
                0.0
            } else {
                self.latency_sum as f64 / requests as f64
            },
            max_latency_ps: self.latency_max,
            row_hits: self.row_hits,
            row_misses: self.row_misses,
            row_conflicts: self.row_conflicts,
            commands: self.counts,
        }
    }

    // ---------------------------------------------------------------- payloads and trace

    fn fetch_next(&mut self) {
        self.lookahead = match self.trace.next() {
            None => None,
            Some(Err(e)) => {
                self.error = Some(e);
                None
            }
            Some(Ok(r)) => {
                if r.address > self.max_address {
                    self.error = Some(DramError::AddressOutOfRange {
                        source_name: "trace".into(),
                        line: r.line,
                        address: r.address,
                        max: self.max_address,
                    });
                    None
                } else {
                    Some(r)
                }
            }
        };
    }

    fn alloc(&mut self, p: Payload) -> PayloadId {
        match self.free.pop() {
            Some(id) => {
                self.payloads[id as usize] = p;
                id
            }
            None => {
                self.payloads.push(p);
                (self.payloads.len() - 1) as PayloadId
            }
        }
    }

    fn release(&mut self, id: PayloadId) {
        let p = &mut self.payloads[id as usize];
        p.refs -= 1;
        if p.refs == 0 {
            self.free.push(id);
        }
    }

    // ---------------------------------------------------------------- trace player

    /// `StlPlayer::nextPayload`: sends the next request, at least one player clock after the last.
    fn next_payload(&mut self) {
        let Some(req) = self.lookahead.take() else {
            self.player.finished = true;
            return;
        };
        self.fetch_next();
        self.player.sent += 1;
        let now = self.kernel.now();
        let (rank, bank, row) = self.decoder.decode(req.address);
        let id = self.alloc(Payload {
            address: req.address,
            write: req.write,
            rank,
            bank,
            row,
            refs: 1,
            ..Payload::default()
        });
        let clk = self.player.clk;
        let offset = if self.player.sent == 1 {
            0
        } else {
            clk - now % clk
        };
        // checked: a wrapped time would send the request early and report a faster memory
        let line_time = req.cycle.checked_mul(clk);
        let sending = match line_time {
            Some(t) if self.player.relative => (now + offset).checked_add(t),
            Some(t) => Some((now + offset).max(t)),
            None => None,
        };
        let Some(sending) = sending.filter(|t| *t <= MAX_TRACE_TIME_PS) else {
            self.error = Some(DramError::TraceTime {
                source_name: "trace".into(),
                line: req.line,
                time: format!("cycle {} of a {clk} ps clock", req.cycle),
                max_ps: MAX_TRACE_TIME_PS,
            });
            return;
        };
        self.arbiter_fw(id, Phase::BeginReq, sending - now);
    }

    fn player_fec(&mut self) {
        let now = self.kernel.now();
        let mut due = std::mem::take(&mut self.due);
        self.player_peq.take_due(now, self.delta_count, &mut due);
        for &(id, phase) in &due {
            match phase {
                Phase::EndReq => self.next_payload(),
                Phase::BeginResp => {
                    let latency = now - self.payloads[id as usize].begin_req;
                    self.latency_sum += u128::from(latency);
                    self.latency_max = self.latency_max.max(latency);
                    self.release(id);
                    self.arbiter_fw(id, Phase::EndResp, 0);
                    self.player.received += 1;
                    if self.player.finished && self.player.sent == self.player.received {
                        self.kernel.request_stop();
                    }
                }
                _ => {}
            }
        }
        self.due = due;
        if let Some(d) = self.player_peq.renotify_delay(now) {
            self.kernel.notify(Ev::PlayerPeq, d);
        }
    }

    /// Arbiter -> player (`nb_transport_bw`).
    fn player_bw(&mut self, id: PayloadId, phase: Phase, delay: Ps) {
        let now = self.kernel.now();
        let d = self
            .player_peq
            .insert(now, self.delta_count, id, phase, delay);
        self.kernel.notify(Ev::PlayerPeq, d);
    }

    // ---------------------------------------------------------------- controller

    /// Arbiter -> controller (`Controller::nb_transport_fw`).
    fn controller_fw(&mut self, id: PayloadId, phase: Phase, delay: Ps) {
        let now = self.kernel.now();
        match phase {
            Phase::BeginReq => {
                self.to_acquire = Transaction {
                    payload: Some(id),
                    time: now + delay,
                };
                self.kernel.notify(Ev::BeginReq, delay);
            }
            Phase::EndResp => {
                self.to_release.time = now + delay;
                self.kernel.notify(Ev::EndResp, delay);
            }
            _ => {}
        }
    }

    fn manage_requests(&mut self, delay: Ps) {
        let now = self.kernel.now();
        let Some(id) = self.to_acquire.payload else {
            return;
        };
        if self.to_acquire.time > now || !self.sched.counter.has_space() {
            return;
        }
        self.total_payloads += 1;
        let p = self.payloads[id as usize];
        if self.rank_payloads[p.rank as usize] == 0 {
            if let Some(pdm) = self.pdm.get_mut(p.rank as usize) {
                pdm.trigger_exit();
            }
        }
        self.rank_payloads[p.rank as usize] += 1;
        self.sched.store(id, &p);
        self.payloads[id as usize].refs += 1;
        let bank = p.bank as usize;
        self.banks[bank].dirty = true;
        self.banks[bank].start(
            self.cfg.mc.page_policy,
            &self.sched,
            &self.checker,
            &self.payloads,
            now,
        );
        self.arbiter_bw(id, Phase::EndReq, delay);
        self.to_acquire.payload = None;
    }

    fn manage_responses(&mut self) {
        let now = self.kernel.now();
        let tck = self.t.tck;
        if let Some(id) = self.to_release.payload {
            if self.to_release.time == now {
                self.release(id);
                self.to_release.payload = None;
                self.served += 1;
                self.total_payloads -= 1;
                if self.total_payloads != 0 {
                    self.to_release.payload = self.resp.next_payload(now);
                    if let Some(next) = self.to_release.payload {
                        self.arbiter_bw(next, Phase::BeginResp, tck);
                        self.to_release.time = MAX_TIME;
                    } else {
                        self.notify_data_response();
                    }
                }
            }
        } else {
            self.to_release.payload = self.resp.next_payload(now);
            if let Some(next) = self.to_release.payload {
                let d = if self.to_release.time == now { tck } else { 0 };
                self.arbiter_bw(next, Phase::BeginResp, d);
                self.to_release.time = MAX_TIME;
            } else {
                self.notify_data_response();
            }
        }
    }

    fn notify_data_response(&mut self) {
        let now = self.kernel.now();
        let trigger = self.resp.trigger_time(now);
        if trigger != MAX_TIME {
            self.kernel.notify(Ev::DataResponse, trigger - now);
        }
    }

    /// Starts rank `r`'s refresh manager (`RefreshManager*::start`) and returns its time; a due
    /// refresh first asks the power-down manager to wake the rank.
    fn start_refresh(&mut self, r: usize, now: Ps) -> Ps {
        let rank = self.refresh[r].rank;
        let due = self.refresh[r].is_due(now);
        if due {
            if let Some(pdm) = self.pdm.get_mut(rank) {
                pdm.trigger_interruption();
            }
        }
        let bpr = self.banks_per_rank as usize;
        let banks = &mut self.banks[rank * bpr..(rank + 1) * bpr];
        self.refresh[r].start(now, banks, rank * bpr, &self.checker)
    }

    /// `Controller::controllerMethod`.
    fn controller_method(&mut self) {
        let now = self.kernel.now();
        let policy = self.cfg.mc.page_policy;
        self.manage_responses();
        self.manage_requests(0);

        for r in 0..self.refresh.len() {
            self.start_refresh(r, now);
        }
        for pdm in &mut self.pdm {
            pdm.start(&self.checker, now);
        }

        // CmdMuxOldest over the ready commands of the power-down managers, refresh managers and
        // bank machines: earliest ready time, then the oldest payload (refresh uses payload ID 0,
        // power-down 2^64 - 2). A rank whose power-down manager has a command offers only that.
        let mut best: Option<(Ps, u64, Command, Source, Ps)> = None;
        let cmd_len = &self.t.cmd_len;
        let mut consider = |cmd: Command, src: Source, pid: u64, time: Ps| {
            let key = time + cmd_len[cmd as usize];
            match best {
                Some((bt, bid, ..)) if !(key < bt || (key == bt && pid < bid)) => {}
                _ => best = Some((key, pid, cmd, src, time)),
            }
        };
        let bpr = self.banks_per_rank as usize;
        for rank in 0..self.rank_payloads.len() {
            if let Some(pdm) = self.pdm.get(rank) {
                if let Some(cmd) = pdm.next_cmd {
                    consider(
                        cmd,
                        Source::PowerDown(rank),
                        POWER_DOWN_ID,
                        pdm.time_to_schedule.max(now),
                    );
                    continue;
                }
            }
            if let Some(r) = self.refresh.get(rank) {
                if let Some(cmd) = r.next_cmd {
                    consider(cmd, Source::Refresh(rank), 0, r.time_to_schedule.max(now));
                }
            }
            for b in &self.banks[rank * bpr..(rank + 1) * bpr] {
                if let (Some(cmd), Some(id)) = (b.next_cmd, b.current) {
                    consider(
                        cmd,
                        Source::Bank(id),
                        self.payloads[id as usize].id,
                        b.time_to_schedule.max(now),
                    );
                }
            }
        }
        let mut blocked = false;
        match best {
            Some((_, _, cmd, src, time)) if time == now => self.issue(cmd, src),
            Some(_) => blocked = true,
            None => {}
        }

        let mut next = MAX_TIME;
        let version = self.checker.version();
        for b in 0..self.banks.len() {
            let t = match self.banks[b].quick_time(now, version) {
                Some(t) => t,
                None => {
                    self.banks[b].start(policy, &self.sched, &self.checker, &self.payloads, now)
                }
            };
            if !(t == now && blocked) {
                next = next.min(t);
            }
        }
        for r in 0..self.refresh.len() {
            let t = self.start_refresh(r, now);
            if !(t == now && blocked) {
                next = next.min(t);
            }
        }
        for pdm in &mut self.pdm {
            let t = pdm.start(&self.checker, now);
            if !(t == now && blocked) {
                next = next.min(t);
            }
        }
        if next != MAX_TIME {
            self.kernel.notify(Ev::Controller, next - now);
        }
    }

    fn issue(&mut self, cmd: Command, src: Source) {
        let now = self.kernel.now();
        let bpr = self.banks_per_rank as usize;
        let (rank, bank) = match src {
            Source::PowerDown(rank) => (rank, 0usize),
            // all-bank refresh names bank 0 of the channel, per-bank refresh its bank
            Source::Refresh(rank) => match self.refresh[rank].bank() {
                None => (rank, 0),
                Some(b) => (rank, rank * bpr + b),
            },
            Source::Bank(id) => {
                let p = &self.payloads[id as usize];
                (p.rank as usize, p.bank as usize)
            }
        };
        if cmd.is_rank_command() {
            for b in &mut self.banks[rank * bpr..(rank + 1) * bpr] {
                b.update_state(cmd, &self.payloads);
            }
        } else {
            self.banks[bank].update_state(cmd, &self.payloads);
        }
        if let Some(r) = self.refresh.get_mut(rank) {
            r.update_state(cmd, now);
        }
        if let Some(pdm) = self.pdm.get_mut(rank) {
            pdm.update_state(cmd);
        }
        self.checker.insert(cmd, rank, bank, now);
        self.counts.add(cmd);
        if let Source::Bank(id) = src {
            match cmd {
                Command::Act => self.payloads[id as usize].needed_act = true,
                Command::Pre => self.payloads[id as usize].needed_pre = true,
                _ => {}
            }
            if cmd.is_cas() {
                self.cas_issued(id, rank, now);
            }
        }
        if self.rank_payloads[rank] == 0 {
            if let Some(pdm) = self.pdm.get_mut(rank) {
                pdm.trigger_entry();
            }
        }
        // DRAMPower sees the command at its issue cycle on the DRAM side
        let at = now + self.think_fw + self.phy_fw;
        if let Some(power) = &mut self.power {
            let cycle = (at as f64 / self.t.tck as f64 + 0.5) as i64;
            power.command(cmd, bank, cycle);
        }
    }

    /// The bookkeeping after a RD/WR/RDA/WRA: statistics, scheduler, response queue.
    fn cas_issued(&mut self, id: PayloadId, rank: usize, now: Ps) {
        let p = self.payloads[id as usize];
        if p.needed_pre {
            self.row_conflicts += 1;
        } else if p.needed_act {
            self.row_misses += 1;
        } else {
            self.row_hits += 1;
        }
        if p.write {
            self.writes += 1;
        } else {
            self.reads += 1;
        }
        self.sched.remove(id, &p);
        if self.cfg.mc.scheduler == Scheduler::FrFcfsGrp {
            // the read/write grouping preference of every bank may have flipped
            self.banks.iter_mut().for_each(|b| b.dirty = true);
        } else {
            self.banks[p.bank as usize].dirty = true;
        }
        self.manage_requests(self.think_fw);
        let strobe_end = if p.write {
            self.t.wr_strobe_end
        } else {
            self.t.rd_strobe_end
        };
        let ready = now + self.think_fw + self.phy_fw + strobe_end + self.phy_bw + self.think_bw;
        self.resp.insert(id, p.id, ready);
        self.notify_data_response();
        self.rank_payloads[rank] -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::dram::{DramConfig, Trace};

    /// A config that bypasses the checks (as a future bug might): REFI = 0 with all-bank refresh
    /// used to loop forever at time 0; the watchdog ends it.
    #[test]
    fn watchdog_ends_a_run_that_makes_no_progress() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/dram");
        let mut cfg = DramConfig::from_files(
            &dir.join("MICRON_1Gb_DDR3-1600_8bit_G.json"),
            &dir.join("am_ddr3_8x1Gbx8_dimm_p1KB_rbc.json"),
            &dir.join("policy.json"),
            800.0,
        )
        .expect("example config");
        cfg.memspec.timing.refi = 0;
        cfg.mc.refresh_policy = RefreshPolicy::AllBank;
        let trace =
            Trace::from_reader(&b"0:\tread\t0x0\n5:\tread\t0x40\n"[..], "t.stl").expect("trace");
        let mut iter = trace.requests.iter().map(|r| Ok(*r));
        let mut engine = Engine::new(&cfg, &mut iter, false);
        engine.stall_steps = 100_000;
        let err = engine.run().expect_err("stalls");
        assert!(
            matches!(err, DramError::Stalled { steps: 100_000, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("no progress"), "{err}");
    }
}
