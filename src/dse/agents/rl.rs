//! Policy-gradient RL agent (REINFORCE) with one softmax head per parameter.
//!
//! Each head is a categorical distribution over that parameter's levels, so every value is reachable
//! with non-zero probability. (ArchGym's PPO agent emits one real action in [-1, 1] per knob and
//! rounds it before binning, which leaves most levels of an 8-valued knob unreachable.) The reward is
//! the trial's rank among recent trials (see `RankReward`), which is bounded and needs no knowledge of
//! the metric's scale; the policy gradient uses `reward - 0.5` as the advantage.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::{hi, sample_weighted, softmax, Agent, AgentInfo, Hyper, Observation, RankReward};
use crate::dse::error::DseError;
use crate::dse::space::{ParamSpace, Point};

pub fn info() -> AgentInfo {
    AgentInfo {
        name: "rl".into(),
        description: "REINFORCE policy gradient with one discrete softmax head per parameter \
                      (reals binned), rank-based reward over a window of recent trials, entropy bonus"
            .into(),
        hyperparameters: vec![
            hi("lr", "0.5", "learning rate of the logits"),
            hi("entropy", "0.01", "entropy bonus weight"),
            hi("window", "32", "recent trials the rank reward compares against"),
        ],
    }
}

pub struct Reinforce {
    space: ParamSpace,
    rng: ChaCha8Rng,
    lr: f64,
    entropy: f64,
    logits: Vec<Vec<f64>>,
    reward: RankReward,
}

impl Reinforce {
    pub fn new(space: &ParamSpace, seed: u64, h: &Hyper) -> Result<Self, DseError> {
        Ok(Reinforce {
            logits: space.levels().iter().map(|&n| vec![0.0; n]).collect(),
            space: space.clone(),
            rng: ChaCha8Rng::seed_from_u64(seed),
            lr: h.f64("lr", 0.5, 0.0, 1e3)?,
            entropy: h.f64("entropy", 0.01, 0.0, 1e3)?,
            reward: RankReward::new(h.usize("window", 32, 2, 1_000_000)?),
        })
    }

    /// The current policy (probability per level of each parameter).
    pub fn policy(&self) -> Vec<Vec<f64>> {
        self.logits.iter().map(|l| softmax(l)).collect()
    }
}

/// One policy-gradient step on a softmax head: `d log pi(a) / d logit_k = [k == a] - pi_k`, plus the
/// entropy gradient `-pi_k (log pi_k + H)`.
pub(crate) fn pg_step(logits: &mut [f64], action: usize, advantage: f64, lr: f64, entropy: f64) {
    let pi = softmax(logits);
    let h: f64 = -pi
        .iter()
        .map(|p| if *p > 0.0 { p * p.ln() } else { 0.0 })
        .sum::<f64>();
    for (k, l) in logits.iter_mut().enumerate() {
        let grad_logp = if k == action { 1.0 } else { 0.0 } - pi[k];
        let grad_h = if pi[k] > 0.0 {
            -pi[k] * (pi[k].ln() + h)
        } else {
            0.0
        };
        *l += lr * (advantage * grad_logp + entropy * grad_h);
    }
}

impl Agent for Reinforce {
    fn ask(&mut self, n: usize) -> Vec<Point> {
        let policy = self.policy();
        (0..n)
            .map(|_| {
                let levels: Vec<usize> = policy
                    .iter()
                    .map(|pi| sample_weighted(pi, &mut self.rng))
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
            for (p, &a) in levels.iter().enumerate() {
                pg_step(
                    &mut self.logits[p],
                    a,
                    reward - 0.5,
                    self.lr * scale,
                    self.entropy,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_level_of_every_head_starts_reachable() {
        let space = super::super::test_space();
        let t = toml::Table::new();
        let agent = Reinforce::new(&space, 3, &Hyper::new("rl", &t)).expect("valid");
        for (pi, n) in agent.policy().iter().zip(space.levels()) {
            assert_eq!(pi.len(), n);
            assert!(pi.iter().all(|p| (*p - 1.0 / n as f64).abs() < 1e-12));
        }
    }

    #[test]
    fn positive_advantage_raises_the_probability_of_the_action() {
        let mut l = vec![0.0; 4];
        pg_step(&mut l, 2, 0.5, 1.0, 0.0);
        let pi = softmax(&l);
        assert!(pi[2] > 0.25 && pi[0] < 0.25);
    }
}
