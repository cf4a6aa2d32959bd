//! Ant colony optimisation over the discrete view of the space (max–min ant system with a greedy choice).
//!
//! Each ant picks one level per parameter with probability proportional to the pheromone. After a
//! colony, pheromone evaporates and the ranked ants deposit pheromone on their levels, the best ant
//! most: deposits are always added, so good choices become *more* likely. (ArchGym's DeepSwarm port
//! updates with the wrong sign for a minimised cost, steering the colony away from good designs.)

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{hi, sample_weighted, Agent, AgentInfo, Hyper, Observation};
use crate::dse::error::DseError;
use crate::dse::objective::Score;
use crate::dse::space::{ParamSpace, Point};

pub fn info() -> AgentInfo {
    AgentInfo {
        name: "aco".into(),
        description:
            "ant colony optimisation (max-min ant system): pheromone per parameter level, \
                      rank-based deposits by the best ants of each colony and the best-so-far ant"
                .into(),
        hyperparameters: vec![
            hi("ants", "8", "ants per colony (pheromone update interval)"),
            hi(
                "evaporation",
                "0.2",
                "fraction of pheromone that evaporates per colony",
            ),
            hi(
                "greediness",
                "0.1",
                "probability an ant takes the strongest level outright",
            ),
            hi(
                "deposit",
                "1.0",
                "pheromone laid by the best ant of a colony",
            ),
            hi("elite", "3", "ants per colony that deposit (ranked)"),
            hi(
                "tau_min",
                "0.05",
                "pheromone floor, keeps every level reachable",
            ),
            hi("tau_max", "5.0", "pheromone ceiling"),
        ],
    }
}

pub struct AntColony {
    space: ParamSpace,
    rng: ChaCha8Rng,
    ants: usize,
    evaporation: f64,
    greediness: f64,
    deposit: f64,
    elite: usize,
    tau_min: f64,
    tau_max: f64,
    tau: Vec<Vec<f64>>,
    colony: Vec<(Vec<usize>, Score)>,
    best: Option<(Vec<usize>, Score)>,
}

impl AntColony {
    pub fn new(space: &ParamSpace, seed: u64, h: &Hyper) -> Result<Self, DseError> {
        let ants = h.usize("ants", 8, 1, 100_000)?;
        let tau_min = h.f64("tau_min", 0.05, 1e-9, 1e9)?;
        let tau_max = h.f64("tau_max", 5.0, tau_min, 1e9)?;
        Ok(AntColony {
            tau: space
                .levels()
                .iter()
                .map(|&n| vec![1.0_f64.clamp(tau_min, tau_max); n])
                .collect(),
            space: space.clone(),
            rng: ChaCha8Rng::seed_from_u64(seed),
            ants,
            evaporation: h.f64("evaporation", 0.2, 0.0, 1.0)?,
            greediness: h.f64("greediness", 0.1, 0.0, 1.0)?,
            deposit: h.f64("deposit", 1.0, 0.0, 1e9)?,
            elite: h.usize("elite", 3, 1, ants)?,
            tau_min,
            tau_max,
            colony: Vec::new(),
            best: None,
        })
    }

    fn update(&mut self) {
        self.colony.sort_by(|a, b| a.1.compare(&b.1));
        for row in &mut self.tau {
            for t in row.iter_mut() {
                *t *= 1.0 - self.evaporation;
            }
        }
        let k = self.elite.min(self.colony.len());
        for (rank, (levels, _)) in self.colony.iter().take(k).enumerate() {
            let amount = self.deposit * (k - rank) as f64 / k as f64;
            for (p, &l) in levels.iter().enumerate() {
                self.tau[p][l] += amount;
            }
        }
        if let Some((levels, _)) = &self.best {
            for (p, &l) in levels.iter().enumerate() {
                self.tau[p][l] += self.deposit;
            }
        }
        for row in &mut self.tau {
            for t in row.iter_mut() {
                *t = t.clamp(self.tau_min, self.tau_max);
            }
        }
        self.colony.clear();
    }

    /// The pheromone table (parameter by level), for tests and reports.
    pub fn pheromone(&self) -> &[Vec<f64>] {
        &self.tau
    }
}

impl Agent for AntColony {
    fn ask(&mut self, n: usize) -> Vec<Point> {
        (0..n)
            .map(|_| {
                let levels: Vec<usize> = self
                    .tau
                    .iter()
                    .map(|row| {
                        if self.rng.gen_bool(self.greediness) {
                            // strongest level; ties go to the lowest index
                            let mut best = 0;
                            for (i, t) in row.iter().enumerate() {
                                if *t > row[best] {
                                    best = i;
                                }
                            }
                            best
                        } else {
                            sample_weighted(row, &mut self.rng)
                        }
                    })
                    .collect();
                self.space.point_from_levels(&levels)
            })
            .collect()
    }

    fn tell(&mut self, results: &[Observation]) {
        for r in results {
            let levels = self.space.levels_of(&r.point);
            if self
                .best
                .as_ref()
                .is_none_or(|(_, s)| r.score.better_than(s))
            {
                self.best = Some((levels.clone(), r.score));
            }
            self.colony.push((levels, r.score));
            if self.colony.len() >= self.ants {
                self.update();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dse::space::{Param, ParamKind, Value};

    #[test]
    fn pheromone_grows_on_the_better_choice() {
        let space = ParamSpace::new(vec![Param::new(
            "c",
            ParamKind::Categorical {
                choices: vec!["good".into(), "bad".into()],
            },
            "",
        )
        .expect("valid")])
        .expect("valid");
        let t = toml::Table::new();
        let mut aco = AntColony::new(&space, 1, &Hyper::new("aco", &t)).expect("valid");
        let obs = |c: &str, loss: f64| Observation {
            point: Point(vec![Value::Cat(c.into())]),
            score: Score {
                loss,
                violation: 0.0,
            },
        };
        let colony: Vec<Observation> = (0..8)
            .map(|i| {
                if i % 2 == 0 {
                    obs("good", 1.0)
                } else {
                    obs("bad", 5.0)
                }
            })
            .collect();
        aco.tell(&colony);
        let tau = &aco.pheromone()[0];
        assert!(tau[0] > tau[1], "good {} vs bad {}", tau[0], tau[1]);
    }
}
