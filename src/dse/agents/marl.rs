//! Multi-agent RL: one independent learner per parameter, all receiving the same (shared) reward, as in
//! the multi-agent memory-controller study that ArchGym's DRAM environment comes from.
//!
//! Unlike `rl` (one policy with a shared baseline), each parameter's agent keeps its own value
//! estimate per level (a running average of the shared reward when it chose that level), uses its own
//! baseline `V = sum(pi * Q)` for the advantage, and explores on its own with a decaying epsilon.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::rl::pg_step;
use super::{hi, sample_weighted, softmax, Agent, AgentInfo, Hyper, Observation, RankReward};
use crate::dse::error::DseError;
use crate::dse::space::{ParamSpace, Point};

pub fn info() -> AgentInfo {
    AgentInfo {
        name: "marl".into(),
        description: "multi-agent RL: one independent actor-critic learner per parameter with a \
                      shared rank-based reward, per-agent level values and epsilon exploration"
            .into(),
        hyperparameters: vec![
            hi("lr", "0.5", "learning rate of each agent's logits"),
            hi(
                "value_lr",
                "0.2",
                "step size of each agent's level-value estimates",
            ),
            hi(
                "epsilon",
                "0.2",
                "initial probability an agent picks a uniform random level",
            ),
            hi("epsilon_decay", "0.99", "epsilon multiplier per told batch"),
            hi(
                "window",
                "32",
                "recent trials the shared rank reward compares against",
            ),
        ],
    }
}

struct Learner {
    logits: Vec<f64>,
    q: Vec<f64>,
}

pub struct MultiAgent {
    space: ParamSpace,
    rng: ChaCha8Rng,
    lr: f64,
    value_lr: f64,
    epsilon: f64,
    epsilon_decay: f64,
    agents: Vec<Learner>,
    reward: RankReward,
}

impl MultiAgent {
    pub fn new(space: &ParamSpace, seed: u64, h: &Hyper) -> Result<Self, DseError> {
        Ok(MultiAgent {
            agents: space
                .levels()
                .iter()
                .map(|&n| Learner {
                    logits: vec![0.0; n],
                    q: vec![0.5; n],
                })
                .collect(),
            space: space.clone(),
            rng: ChaCha8Rng::seed_from_u64(seed),
            lr: h.f64("lr", 0.5, 0.0, 1e3)?,
            value_lr: h.f64("value_lr", 0.2, 0.0, 1.0)?,
            epsilon: h.f64("epsilon", 0.2, 0.0, 1.0)?,
            epsilon_decay: h.f64("epsilon_decay", 0.99, 0.0, 1.0)?,
            reward: RankReward::new(h.usize("window", 32, 2, 1_000_000)?),
        })
    }
}

impl Agent for MultiAgent {
    fn ask(&mut self, n: usize) -> Vec<Point> {
        (0..n)
            .map(|_| {
                let levels: Vec<usize> = self
                    .agents
                    .iter()
                    .map(|a| {
                        if self.rng.gen_bool(self.epsilon) {
                            self.rng.gen_range(0..a.logits.len())
                        } else {
                            sample_weighted(&softmax(&a.logits), &mut self.rng)
                        }
                    })
                    .collect();
                self.space.point_from_levels(&levels)
            })
            .collect()
    }

    fn tell(&mut self, results: &[Observation]) {
        let scores: Vec<_> = results.iter().map(|r| r.score).collect();
        let rewards = self.reward.rewards(&scores);
        let scale = 1.0 / results.len().max(1) as f64;
        for (r, reward) in results.iter().zip(rewards) {
            let levels = self.space.levels_of(&r.point);
            for (agent, &a) in self.agents.iter_mut().zip(&levels) {
                let pi = softmax(&agent.logits);
                let v: f64 = pi.iter().zip(&agent.q).map(|(p, q)| p * q).sum();
                pg_step(&mut agent.logits, a, reward - v, self.lr * scale, 0.0);
                agent.q[a] += self.value_lr * (reward - agent.q[a]);
            }
        }
        self.epsilon *= self.epsilon_decay;
    }
}
