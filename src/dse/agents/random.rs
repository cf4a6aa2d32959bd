//! Random search (the baseline every other agent must beat) and a random walk (stochastic hill climbing
//! with restarts).

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::{hi, neighbour, Agent, AgentInfo, Hyper, Observation};
use crate::dse::error::DseError;
use crate::dse::objective::Score;
use crate::dse::space::{ParamSpace, Point};

pub fn info() -> AgentInfo {
    AgentInfo {
        name: "random".into(),
        description: "uniform random search over the space (reals uniform in their unit/log view)"
            .into(),
        hyperparameters: Vec::new(),
    }
}

pub fn walk_info() -> AgentInfo {
    AgentInfo {
        name: "random_walk".into(),
        description:
            "random walk: moves to a random neighbour when it is no worse (changing `step` \
                      parameters), restarts from a random point after `patience` failed moves"
                .into(),
        hyperparameters: vec![
            hi("step", "1", "parameters changed per move"),
            hi(
                "sigma",
                "0.15",
                "Gaussian step of a real parameter in its unit view",
            ),
            hi("patience", "40", "failed moves before a random restart"),
        ],
    }
}

pub struct RandomSearch {
    space: ParamSpace,
    rng: ChaCha8Rng,
}

impl RandomSearch {
    pub fn new(space: &ParamSpace, seed: u64, _h: &Hyper) -> Result<Self, DseError> {
        Ok(RandomSearch {
            space: space.clone(),
            rng: ChaCha8Rng::seed_from_u64(seed),
        })
    }
}

impl Agent for RandomSearch {
    fn ask(&mut self, n: usize) -> Vec<Point> {
        (0..n).map(|_| self.space.sample(&mut self.rng)).collect()
    }
    fn tell(&mut self, _results: &[Observation]) {}
}

pub struct RandomWalk {
    space: ParamSpace,
    rng: ChaCha8Rng,
    step: usize,
    sigma: f64,
    patience: usize,
    current: Option<(Point, Score)>,
    stalled: usize,
}

impl RandomWalk {
    pub fn new(space: &ParamSpace, seed: u64, h: &Hyper) -> Result<Self, DseError> {
        Ok(RandomWalk {
            space: space.clone(),
            rng: ChaCha8Rng::seed_from_u64(seed),
            step: h.usize("step", 1, 1, space.len())?,
            sigma: h.f64("sigma", 0.15, 1e-6, 1.0)?,
            patience: h.usize("patience", 40, 1, usize::MAX)?,
            current: None,
            stalled: 0,
        })
    }
}

impl Agent for RandomWalk {
    fn ask(&mut self, n: usize) -> Vec<Point> {
        match &self.current {
            None => (0..n).map(|_| self.space.sample(&mut self.rng)).collect(),
            Some((p, _)) => {
                let p = p.clone();
                (0..n)
                    .map(|_| neighbour(&self.space, &p, self.step, self.sigma, &mut self.rng))
                    .collect()
            }
        }
    }

    fn tell(&mut self, results: &[Observation]) {
        let Some(best) = results.iter().min_by(|a, b| a.score.compare(&b.score)) else {
            return;
        };
        match &self.current {
            Some((_, s)) if best.score.compare(s) == std::cmp::Ordering::Greater => {
                self.stalled += 1;
                if self.stalled >= self.patience {
                    self.current = None;
                    self.stalled = 0;
                }
            }
            Some((_, s)) => {
                if best.score.better_than(s) {
                    self.stalled = 0;
                } else {
                    // an equal move drifts across a plateau but is still no progress
                    self.stalled += 1;
                }
                self.current = Some((best.point.clone(), best.score));
                if self.stalled >= self.patience {
                    self.current = None;
                    self.stalled = 0;
                }
            }
            None => {
                self.current = Some((best.point.clone(), best.score));
                self.stalled = 0;
            }
        }
    }
}
