//! Monte-Carlo tree search over the parameters taken in order as a sequence of decisions (a
//! synthesis recipe's passes, ABC-RL's search), for spaces in their discrete view.
//!
//! Each asked point walks the tree from the root: at a node with untried levels one is expanded
//! (drawn from the prior), else the child with the best PUCT value is taken; the remaining
//! parameters are drawn from the prior (a random rollout when the prior is uniform). Visits are
//! counted when a point is asked, so the points of one batch spread out; rewards are ranks among
//! all results so far (scale free), added when told. An optional prior per parameter
//! ([`Mcts::with_prior`]) is how a trained policy steers the search (ABC-RL's mix of a
//! pre-trained policy and a uniform one by the weight alpha).

use std::collections::HashSet;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{hi, sample_weighted, Agent, AgentInfo, Hyper, Observation, RankReward};
use crate::dse::error::DseError;
use crate::dse::space::{ParamSpace, Point};

pub fn info() -> AgentInfo {
    AgentInfo {
        name: "mcts".into(),
        description:
            "Monte-Carlo tree search taking the parameters in order as decisions (a recipe \
                      pass by pass): expand untried levels, PUCT selection, random rollouts, \
                      rank rewards"
                .into(),
        hyperparameters: vec![hi("c", "0.7", "exploration weight of the PUCT term")],
    }
}

#[derive(Clone, Debug)]
struct Node {
    children: Vec<Option<usize>>,
    visits: f64,
    reward: f64,
}

pub struct Mcts {
    space: ParamSpace,
    rng: ChaCha8Rng,
    c: f64,
    levels: Vec<usize>,
    /// Per parameter, a probability per level.
    prior: Vec<Vec<f64>>,
    nodes: Vec<Node>,
    /// The tree path (node ids, root first) of each asked point, oldest first.
    pending: Vec<Vec<usize>>,
    seen: HashSet<Vec<usize>>,
    ranks: RankReward,
}

impl Mcts {
    pub fn new(space: &ParamSpace, seed: u64, h: &Hyper) -> Result<Self, DseError> {
        let c = h.f64("c", 0.7, 0.0, 100.0)?;
        Ok(Mcts::build(space, seed, c))
    }

    fn build(space: &ParamSpace, seed: u64, c: f64) -> Mcts {
        let levels: Vec<usize> = space.levels().iter().map(|n| (*n).max(1)).collect();
        let prior = levels.iter().map(|&n| vec![1.0 / n as f64; n]).collect();
        let root = Node {
            children: vec![None; levels.first().copied().unwrap_or(0)],
            visits: 0.0,
            reward: 0.0,
        };
        Mcts {
            space: space.clone(),
            rng: ChaCha8Rng::seed_from_u64(seed),
            c,
            levels,
            prior,
            nodes: vec![root],
            pending: Vec::new(),
            seen: HashSet::new(),
            ranks: RankReward::new(usize::MAX / 2),
        }
    }

    /// MCTS steered by `policy` (per parameter, a weight per level), mixed with the uniform
    /// distribution as `alpha * policy + (1 - alpha) * uniform`; alpha = 0 is plain MCTS.
    /// A policy of the wrong shape is an error naming the parameter.
    pub fn with_prior(
        space: &ParamSpace,
        seed: u64,
        c: f64,
        policy: &[Vec<f64>],
        alpha: f64,
    ) -> Result<Mcts, DseError> {
        let mut m = Mcts::build(space, seed, c);
        if policy.len() != m.levels.len() {
            return Err(DseError::BadHyper {
                agent: "mcts".into(),
                key: "prior".into(),
                message: format!(
                    "{} parameters in the prior, {} in the space",
                    policy.len(),
                    m.levels.len()
                ),
            });
        }
        let alpha = alpha.clamp(0.0, 1.0);
        for (i, (w, &n)) in policy.iter().zip(&m.levels).enumerate() {
            let total: f64 = w.iter().filter(|x| x.is_finite() && **x > 0.0).sum();
            if w.len() != n || total <= 0.0 {
                return Err(DseError::BadHyper {
                    agent: "mcts".into(),
                    key: "prior".into(),
                    message: format!(
                        "parameter {} (`{}`): {} weights summing to {total}, want {n} with a positive sum",
                        i + 1,
                        m.space.params[i].name,
                        w.len()
                    ),
                });
            }
            m.prior[i] = w
                .iter()
                .map(|x| {
                    let x = if x.is_finite() && *x > 0.0 { *x } else { 0.0 };
                    alpha * x / total + (1.0 - alpha) / n as f64
                })
                .collect();
        }
        Ok(m)
    }

    fn new_node(&mut self, depth: usize) -> usize {
        let n = self.levels.get(depth).copied().unwrap_or(0);
        self.nodes.push(Node {
            children: vec![None; n],
            visits: 0.0,
            reward: 0.0,
        });
        self.nodes.len() - 1
    }

    /// One walk: the levels of a point and the tree nodes it passed.
    fn walk(&mut self) -> (Vec<usize>, Vec<usize>) {
        let depth_max = self.levels.len();
        let mut path = vec![0];
        let mut lv = Vec::with_capacity(depth_max);
        let mut node = 0;
        let mut in_tree = true;
        for d in 0..depth_max {
            if !in_tree {
                lv.push(sample_weighted(&self.prior[d], &mut self.rng));
                continue;
            }
            let untried: Vec<usize> = (0..self.levels[d])
                .filter(|&l| self.nodes[node].children[l].is_none())
                .collect();
            let level = if !untried.is_empty() {
                let w: Vec<f64> = untried.iter().map(|&l| self.prior[d][l]).collect();
                let l = untried[sample_weighted(&w, &mut self.rng)];
                let child = self.new_node(d + 1);
                self.nodes[node].children[l] = Some(child);
                in_tree = false;
                l
            } else {
                let parent = self.nodes[node].visits.max(1.0);
                let mut best = (f64::NEG_INFINITY, 0);
                for l in 0..self.levels[d] {
                    let Some(ch) = self.nodes[node].children[l] else {
                        continue;
                    };
                    let c = &self.nodes[ch];
                    let q = if c.visits > 0.0 {
                        c.reward / c.visits
                    } else {
                        0.5
                    };
                    let u = self.c * self.prior[d][l] * self.levels[d] as f64 * parent.sqrt()
                        / (1.0 + c.visits);
                    // ties broken at random so equal children share visits
                    let v = q + u + 1e-9 * self.rng.gen::<f64>();
                    if v > best.0 {
                        best = (v, l);
                    }
                }
                best.1
            };
            lv.push(level);
            if let Some(ch) = self.nodes[node].children[level] {
                node = ch;
                path.push(ch);
            }
        }
        (lv, path)
    }
}

impl Agent for Mcts {
    fn ask(&mut self, n: usize) -> Vec<Point> {
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            // a handful of walks to find a point not asked before; the tree's statistics decide
            // when the space is (nearly) exhausted
            let mut walk = self.walk();
            for _ in 0..16 {
                if !self.seen.contains(&walk.0) {
                    break;
                }
                walk = self.walk();
            }
            let (lv, path) = walk;
            for id in &path {
                self.nodes[*id].visits += 1.0;
            }
            self.seen.insert(lv.clone());
            out.push(self.space.point_from_levels(&lv));
            self.pending.push(path);
        }
        out
    }

    fn tell(&mut self, results: &[Observation]) {
        let scores: Vec<_> = results.iter().map(|o| o.score).collect();
        let rewards = self.ranks.rewards(&scores);
        let paths: Vec<Vec<usize>> = self
            .pending
            .drain(..results.len().min(self.pending.len()))
            .collect();
        for (path, r) in paths.iter().zip(rewards) {
            for id in path {
                self.nodes[*id].reward += r;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_space;
    use super::*;
    use crate::dse::objective::Score;

    /// Loss: the number of parameters not at level 1 (a sequence with one best answer).
    fn loss(space: &ParamSpace, p: &Point) -> f64 {
        space.levels_of(p).iter().filter(|l| **l != 1).count() as f64
    }

    /// Best loss after 100 batches of 4.
    fn best_after(space: &ParamSpace, agent: &mut dyn Agent) -> f64 {
        let mut best = f64::INFINITY;
        for _ in 0..100 {
            let obs: Vec<Observation> = agent
                .ask(4)
                .iter()
                .map(|p| Observation {
                    point: p.clone(),
                    score: Score {
                        loss: loss(space, p),
                        violation: 0.0,
                    },
                })
                .collect();
            for o in &obs {
                best = best.min(o.score.loss);
            }
            agent.tell(&obs);
        }
        best
    }

    #[test]
    fn beats_random_search_and_a_good_prior_helps() {
        let space = crate::dse::env::abc::space(6);
        let h = toml::Table::new();
        let mut random = 0.0;
        let mut plain = 0.0;
        let mut guided = 0.0;
        let good: Vec<Vec<f64>> = (0..6)
            .map(|_| vec![0.1, 1.0, 0.1, 0.1, 0.1, 0.1, 0.1])
            .collect();
        for seed in 0..6 {
            let mut r =
                super::super::random::RandomSearch::new(&space, seed, &Hyper::new("random", &h))
                    .unwrap();
            random += best_after(&space, &mut r);
            plain += best_after(&space, &mut Mcts::build(&space, seed, 0.7));
            guided += best_after(
                &space,
                &mut Mcts::with_prior(&space, seed, 0.7, &good, 0.8).unwrap(),
            );
        }
        assert!(
            plain < random,
            "mcts {plain} vs random {random} (sums of 6 best losses)"
        );
        assert!(guided < plain, "guided {guided} vs plain {plain}");
        let bad = vec![vec![1.0; 3]; 6];
        let e = Mcts::with_prior(&space, 0, 0.7, &bad, 0.5).err().unwrap();
        assert!(e.to_string().contains("STEP1"), "{e}");
    }

    #[test]
    fn points_are_valid_and_distinct_on_a_mixed_space() {
        let space = test_space();
        let mut a = Mcts::build(&space, 3, 0.7);
        let mut keys = HashSet::new();
        for _ in 0..20 {
            let pts = a.ask(3);
            let obs: Vec<Observation> = pts
                .iter()
                .map(|p| {
                    space.check(p).expect("valid point");
                    keys.insert(space.key(p));
                    Observation {
                        point: p.clone(),
                        score: Score {
                            loss: space.units_of(p).iter().sum(),
                            violation: 0.0,
                        },
                    }
                })
                .collect();
            a.tell(&obs);
        }
        assert!(keys.len() >= 55, "{} distinct of 60", keys.len());
    }
}
