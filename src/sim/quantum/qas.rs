//! CRLQAS's architecture-search episode: a circuit grown one gate per action (a rotation RX/RY/RZ
//! on a qubit or a CNOT on an ordered pair), encoded as a depth x qubits x gate-type tensor,
//! with illegal-action masking, halting, the paper's reward and its moving-threshold curriculum.
//! After each action the angles are re-optimised (warm-started) by the VQE inner loop.

use super::circuit::{Circuit, Gate, GateKind};
use super::error::QuantumError;
use super::hamiltonian::Hamiltonian;
use super::sim::{energy, SimConfig};
use super::vqe::{vqe, Optimizer};

/// One action: add a gate, or halt the episode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Rot(GateKind, usize),
    Cnot(usize, usize),
    Halt,
}

impl Action {
    /// Every action on `n` qubits: 3n rotations, n(n-1) CNOTs, then HALT (CRLQAS's action set
    /// plus an explicit halt, so a search can choose short circuits).
    pub fn all(n: usize) -> Vec<Action> {
        let mut v = Vec::new();
        for q in 0..n {
            for k in [GateKind::Rx, GateKind::Ry, GateKind::Rz] {
                v.push(Action::Rot(k, q));
            }
        }
        for c in 0..n {
            for t in 0..n {
                if c != t {
                    v.push(Action::Cnot(c, t));
                }
            }
        }
        v.push(Action::Halt);
        v
    }

    pub fn name(&self) -> String {
        match self {
            Action::Rot(k, q) => format!("{}{q}", k.name()),
            Action::Cnot(c, t) => format!("CX{c}{t}"),
            Action::Halt => "HALT".into(),
        }
    }

    pub fn parse(s: &str, n: usize) -> Option<Action> {
        Action::all(n).into_iter().find(|a| a.name() == s)
    }
}

/// The paper's reward (`incremental_with_fixed_ends`): +5 when the error is below the threshold,
/// -5 when the last allowed step is reached without that, otherwise the relative energy
/// improvement (E_prev - E)/|E_prev - E_min| clipped to [-1, 1].
pub fn reward(prev: f64, e: f64, e_min: f64, threshold: f64, last_step: bool) -> f64 {
    if (e - e_min).abs() < threshold {
        5.0
    } else if last_step {
        -5.0
    } else {
        let denom = (prev - e_min).abs().max(1e-12);
        ((prev - e) / denom).clamp(-1.0, 1.0)
    }
}

/// CRLQAS's moving-threshold curriculum: the threshold starts at `accept_err`; after
/// `success_thresh` successes it shrinks by `ball / radius_shift` (at most `radius_shift` times);
/// every `shift_time` episodes it is reset greedily to |lowest energy - E_min| + `ball`.
#[derive(Clone, Debug, PartialEq)]
pub struct Curriculum {
    pub threshold: f64,
    pub e_min: f64,
    pub lowest_energy: f64,
    pub ball: f64,
    pub shift_time: usize,
    pub success_thresh: usize,
    pub radius_shift: usize,
    successes: usize,
    shifts: usize,
    episodes: usize,
}

impl Curriculum {
    /// With CRLQAS's configuration-file values (shift_threshold_ball 0.5e-3, shift time 500,
    /// success_thresh 25, succ_radius_shift 10).
    pub fn new(e_min: f64, accept_err: f64) -> Curriculum {
        Curriculum {
            threshold: accept_err,
            e_min,
            lowest_energy: e_min + accept_err,
            ball: 0.5e-3,
            shift_time: 500,
            success_thresh: 25,
            radius_shift: 10,
            successes: 0,
            shifts: 0,
            episodes: 0,
        }
    }

    /// Records an episode's end: whether it reached the threshold, and its lowest energy.
    pub fn episode_done(&mut self, success: bool, lowest: f64) {
        self.lowest_energy = self.lowest_energy.min(lowest);
        if success {
            self.successes += 1;
            if self.successes >= self.success_thresh && self.shifts < self.radius_shift {
                self.threshold -= self.ball / self.radius_shift as f64;
                self.successes = 0;
                self.shifts += 1;
            }
        }
        self.episodes += 1;
        if self.episodes > 10 && self.episodes.is_multiple_of(self.shift_time) {
            self.threshold = (self.lowest_energy - self.e_min).abs() + self.ball;
            self.shifts = 0;
            self.successes = 0;
        }
    }
}

/// The episode settings.
#[derive(Clone, Debug)]
pub struct EpisodeConfig {
    pub max_steps: usize,
    pub threshold: f64,
    pub optimizer: Optimizer,
    pub evals_per_step: usize,
    pub seed: u64,
}

/// One episode's state: the circuit, the per-qubit moments (the tensor layer each qubit is at)
/// and the tensor, as CRLQAS keeps them.
#[derive(Clone, Debug)]
pub struct Episode {
    pub circuit: Circuit,
    pub moments: Vec<usize>,
    /// `max_steps` x (n + 3) x n: rows 0..n one-hot the CNOT target per control column, rows n..n+3
    /// the rotation axis per qubit column.
    pub tensor: Vec<f32>,
    max_steps: usize,
    pub steps: usize,
    pub energy: f64,
    pub ret: f64,
    pub evaluations: usize,
    pub masked: usize,
    pub done: bool,
    pub success: bool,
}

/// What one step gave.
#[derive(Clone, Debug, PartialEq)]
pub struct StepResult {
    pub reward: f64,
    pub energy: f64,
    pub done: bool,
}

impl Episode {
    pub fn new(
        h: &Hamiltonian,
        sim: &SimConfig,
        max_steps: usize,
    ) -> Result<Episode, QuantumError> {
        let n = h.n_qubits;
        let circuit = Circuit::new(n);
        let e = energy(&circuit, h, sim)?.energy;
        Ok(Episode {
            circuit,
            moments: vec![0; n],
            tensor: vec![0.0; max_steps * (n + 3) * n],
            max_steps,
            steps: 0,
            energy: e,
            ret: 0.0,
            evaluations: 1,
            masked: 0,
            done: false,
            success: false,
        })
    }

    fn last_gate_on(&self, q: usize) -> Option<&Gate> {
        self.circuit
            .gates
            .iter()
            .rev()
            .find(|g| g.support().contains(&q))
    }

    /// CRLQAS's mask: an action is illegal when it repeats the gate last applied to its qubits
    /// (a CNOT twice in a row cancels, two rotations about one axis merge), and HALT is illegal
    /// on an empty circuit.
    pub fn is_legal(&self, a: Action) -> bool {
        match a {
            Action::Halt => !self.circuit.gates.is_empty(),
            Action::Rot(k, q) => !matches!(self.last_gate_on(q), Some(g) if g.kind == k),
            Action::Cnot(c, t) => {
                let same = |g: Option<&Gate>| matches!(g, Some(g) if g.kind == GateKind::Cnot && g.qubits == [c, t]);
                !(same(self.last_gate_on(c)) && same(self.last_gate_on(t)))
            }
        }
    }

    pub fn legal_actions(&self) -> Vec<Action> {
        Action::all(self.circuit.n_qubits)
            .into_iter()
            .filter(|a| self.is_legal(*a))
            .collect()
    }

    fn encode(&mut self, a: Action) {
        let n = self.circuit.n_qubits;
        let (layer, row, col) = match a {
            Action::Rot(k, q) => {
                let axis = match k {
                    GateKind::Rx => 0,
                    GateKind::Ry => 1,
                    _ => 2,
                };
                let l = self.moments[q];
                self.moments[q] += 1;
                (l, n + axis, q)
            }
            Action::Cnot(c, t) => {
                let l = self.moments[c].max(self.moments[t]);
                self.moments[c] = l + 1;
                self.moments[t] = l + 1;
                (l, t, c)
            }
            Action::Halt => return,
        };
        if layer < self.max_steps {
            self.tensor[(layer * (n + 3) + row) * n + col] = 1.0;
        }
    }

    /// Takes action `a`: an illegal one is masked (skipped, counted, no reward); a gate is added
    /// and all angles re-optimised from the previous ones.
    pub fn step(
        &mut self,
        a: Action,
        h: &Hamiltonian,
        sim: &SimConfig,
        cfg: &EpisodeConfig,
        e_min: f64,
    ) -> Result<StepResult, QuantumError> {
        if self.done {
            return Ok(StepResult {
                reward: 0.0,
                energy: self.energy,
                done: true,
            });
        }
        if !self.is_legal(a) {
            self.masked += 1;
            return Ok(StepResult {
                reward: 0.0,
                energy: self.energy,
                done: false,
            });
        }
        if a == Action::Halt {
            self.done = true;
            return Ok(StepResult {
                reward: 0.0,
                energy: self.energy,
                done: true,
            });
        }
        self.encode(a);
        self.circuit.push(match a {
            Action::Rot(k, q) => Gate::one(k, q, 0.0),
            Action::Cnot(c, t) => Gate::two(GateKind::Cnot, c, t),
            Action::Halt => unreachable!("handled above"),
        });
        self.steps += 1;
        let r = vqe(
            &self.circuit,
            h,
            sim,
            &cfg.optimizer,
            cfg.evals_per_step,
            cfg.seed.wrapping_add(self.steps as u64),
        )?;
        self.evaluations += r.evaluations;
        // the next step starts from these angles (the new gate's own angle starts at 0)
        self.circuit.set_params(&r.params);
        let last = self.steps >= self.max_steps;
        let rw = reward(self.energy, r.energy, e_min, cfg.threshold, last);
        self.energy = r.energy;
        self.ret += rw;
        self.success = (r.energy - e_min).abs() < cfg.threshold;
        self.done = self.success || last;
        Ok(StepResult {
            reward: rw,
            energy: r.energy,
            done: self.done,
        })
    }
}
