//! Genetic algorithm over per-parameter genes.
//!
//! Each gene is the parameter's own value, not a binary string: ArchGym's GA packs knobs into bits, so
//! a 3-valued knob gets 2 bits and one of its values is drawn twice as often (or an invalid code is
//! clamped). Here mutation draws among the real levels, so every value is equally reachable.

use std::collections::VecDeque;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{hi, mutate_value, Agent, AgentInfo, Hyper, Observation};
use crate::dse::error::DseError;
use crate::dse::objective::Score;
use crate::dse::space::{ParamSpace, Point};

pub fn info() -> AgentInfo {
    AgentInfo {
        name: "ga".into(),
        description: "generational genetic algorithm: tournament selection, uniform crossover, \
                      per-gene mutation over the parameter's own levels, elitism"
            .into(),
        hyperparameters: vec![
            hi("population", "16", "individuals per generation"),
            hi("tournament", "3", "tournament size for parent selection"),
            hi("crossover", "0.9", "probability a child mixes two parents"),
            hi("mutation", "1/len(params)", "per-gene mutation probability"),
            hi(
                "sigma",
                "0.15",
                "Gaussian mutation step of a real gene in its unit view",
            ),
            hi(
                "elite",
                "1",
                "best individuals carried over unchanged (not re-evaluated)",
            ),
        ],
    }
}

pub struct Genetic {
    space: ParamSpace,
    rng: ChaCha8Rng,
    population: usize,
    tournament: usize,
    crossover: f64,
    mutation: f64,
    sigma: f64,
    elite: usize,
    /// Individuals of the current generation still to be asked.
    queue: VecDeque<Point>,
    /// Evaluated members of the current generation.
    evaluated: Vec<(Point, Score)>,
}

impl Genetic {
    pub fn new(space: &ParamSpace, seed: u64, h: &Hyper) -> Result<Self, DseError> {
        let population = h.usize("population", 16, 2, 100_000)?;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let queue = (0..population).map(|_| space.sample(&mut rng)).collect();
        Ok(Genetic {
            space: space.clone(),
            population,
            tournament: h.usize("tournament", 3, 1, population)?,
            crossover: h.f64("crossover", 0.9, 0.0, 1.0)?,
            mutation: h.f64("mutation", 1.0 / space.len() as f64, 0.0, 1.0)?,
            sigma: h.f64("sigma", 0.15, 1e-6, 1.0)?,
            elite: h.usize("elite", 1, 0, population - 1)?,
            rng,
            queue,
            evaluated: Vec::new(),
        })
    }

    fn select(&mut self) -> usize {
        let n = self.evaluated.len();
        let mut best = self.rng.gen_range(0..n);
        for _ in 1..self.tournament {
            let c = self.rng.gen_range(0..n);
            if self.evaluated[c].1.better_than(&self.evaluated[best].1) {
                best = c;
            }
        }
        best
    }

    fn breed(&mut self) {
        if self.evaluated.is_empty() {
            self.queue = (0..self.population)
                .map(|_| self.space.sample(&mut self.rng))
                .collect();
            return;
        }
        self.evaluated.sort_by(|a, b| a.1.compare(&b.1));
        let elites: Vec<(Point, Score)> = self.evaluated.iter().take(self.elite).cloned().collect();
        let mut children = VecDeque::new();
        while children.len() + elites.len() < self.population {
            let a = self.select();
            let b = self.select();
            let mut child = self.evaluated[a].0.clone();
            if self.rng.gen_bool(self.crossover) {
                for (i, gene) in child.0.iter_mut().enumerate() {
                    if self.rng.gen_bool(0.5) {
                        *gene = self.evaluated[b].0 .0[i].clone();
                    }
                }
            }
            for i in 0..child.0.len() {
                if self.rng.gen_bool(self.mutation) {
                    child.0[i] = mutate_value(
                        &self.space.params[i],
                        &child.0[i],
                        self.sigma,
                        self.space.real_bins,
                        &mut self.rng,
                    );
                }
            }
            children.push_back(child);
        }
        self.queue = children;
        self.evaluated = elites;
    }
}

impl Agent for Genetic {
    fn ask(&mut self, n: usize) -> Vec<Point> {
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            match self.queue.pop_front() {
                Some(p) => out.push(p),
                None => self.breed(),
            }
        }
        out
    }

    fn tell(&mut self, results: &[Observation]) {
        for r in results {
            self.evaluated.push((r.point.clone(), r.score));
        }
    }
}
