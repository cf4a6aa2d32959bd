//! Search agents behind one ask/tell trait, built by name from a study's `[agent]` table.
//!
//! An agent owns a seeded ChaCha generator and nothing else that is random, and it is told every
//! result in the order it asked, so the same seed and batch size always give the same trials (and a
//! resumed study can rebuild an agent by replaying the stored trials through `ask`/`tell`).

pub mod aco;
pub mod ga;
pub mod marl;
pub mod mcts;
pub mod random;
pub mod rl;
pub mod tpe;

use std::cell::RefCell;
use std::collections::HashSet;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::error::DseError;
use super::objective::Score;
use super::space::{Param, ParamKind, ParamSpace, Point, Value};

/// One evaluated point as agents see it.
#[derive(Clone, Debug, PartialEq)]
pub struct Observation {
    pub point: Point,
    pub score: Score,
}

/// A search strategy. `ask(n)` proposes `n` points; `tell` reports their scores in the same order
/// before the next `ask`.
pub trait Agent: Send {
    fn ask(&mut self, n: usize) -> Vec<Point>;
    fn tell(&mut self, results: &[Observation]);
}

/// A hyperparameter an agent accepts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HyperInfo {
    pub name: String,
    pub default: String,
    pub description: String,
}

/// A registry entry, as listed by `l2mac dse agents`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AgentInfo {
    pub name: String,
    pub description: String,
    pub hyperparameters: Vec<HyperInfo>,
}

pub(crate) fn hi(name: &str, default: &str, description: &str) -> HyperInfo {
    HyperInfo {
        name: name.into(),
        default: default.into(),
        description: description.into(),
    }
}

pub fn list_agents() -> Vec<AgentInfo> {
    vec![
        random::info(),
        random::walk_info(),
        ga::info(),
        aco::info(),
        tpe::info(),
        rl::info(),
        marl::info(),
        mcts::info(),
    ]
}

/// Builds an agent; unknown names and unknown or out-of-range hyperparameters are errors.
pub fn make_agent(
    name: &str,
    hyper: &toml::Table,
    space: &ParamSpace,
    seed: u64,
) -> Result<Box<dyn Agent>, DseError> {
    let h = Hyper::new(name, hyper);
    let agent: Box<dyn Agent> = match name {
        "random" => Box::new(random::RandomSearch::new(space, seed, &h)?),
        "random_walk" => Box::new(random::RandomWalk::new(space, seed, &h)?),
        "ga" => Box::new(ga::Genetic::new(space, seed, &h)?),
        "aco" => Box::new(aco::AntColony::new(space, seed, &h)?),
        "bo" | "tpe" => Box::new(tpe::Tpe::new(space, seed, &h)?),
        "rl" => Box::new(rl::Reinforce::new(space, seed, &h)?),
        "marl" => Box::new(marl::MultiAgent::new(space, seed, &h)?),
        "mcts" => Box::new(mcts::Mcts::new(space, seed, &h)?),
        _ => {
            return Err(DseError::UnknownAgent {
                name: name.into(),
                known: list_agents()
                    .iter()
                    .map(|a| a.name.clone())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
        }
    };
    h.finish()?;
    Ok(agent)
}

/// Reads hyperparameters from a TOML table, remembering which keys were read so that an unknown
/// (mistyped) key is reported instead of silently ignored.
pub struct Hyper<'a> {
    agent: &'a str,
    table: &'a toml::Table,
    used: RefCell<HashSet<String>>,
}

impl<'a> Hyper<'a> {
    pub fn new(agent: &'a str, table: &'a toml::Table) -> Hyper<'a> {
        Hyper {
            agent,
            table,
            used: RefCell::new(HashSet::new()),
        }
    }

    fn err(&self, key: &str, message: String) -> DseError {
        DseError::BadHyper {
            agent: self.agent.into(),
            key: key.into(),
            message,
        }
    }

    pub fn f64(&self, key: &str, default: f64, lo: f64, hi: f64) -> Result<f64, DseError> {
        self.used.borrow_mut().insert(key.into());
        let v = match self.table.get(key) {
            None => return Ok(default),
            Some(toml::Value::Float(f)) => *f,
            Some(toml::Value::Integer(i)) => *i as f64,
            Some(other) => return Err(self.err(key, format!("expected a number, got {other}"))),
        };
        if !(lo..=hi).contains(&v) {
            return Err(self.err(key, format!("{v} is outside [{lo}, {hi}]")));
        }
        Ok(v)
    }

    pub fn usize(
        &self,
        key: &str,
        default: usize,
        lo: usize,
        hi: usize,
    ) -> Result<usize, DseError> {
        self.used.borrow_mut().insert(key.into());
        let v = match self.table.get(key) {
            None => return Ok(default),
            Some(toml::Value::Integer(i)) if *i >= 0 => *i as usize,
            Some(other) => {
                return Err(self.err(key, format!("expected a non-negative integer, got {other}")))
            }
        };
        if !(lo..=hi).contains(&v) {
            return Err(self.err(key, format!("{v} is outside {lo}..={hi}")));
        }
        Ok(v)
    }

    pub fn finish(&self) -> Result<(), DseError> {
        let used = self.used.borrow();
        let mut keys: Vec<&String> = self.table.keys().collect();
        keys.sort();
        for k in keys {
            if !used.contains(k) {
                let mut known: Vec<String> = used.iter().cloned().collect();
                known.sort();
                return Err(self.err(
                    k,
                    format!(
                        "unknown hyperparameter (known: {})",
                        if known.is_empty() {
                            "none".into()
                        } else {
                            known.join(", ")
                        }
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// A standard normal draw (Box–Muller), so agents need no extra distribution crate.
pub(crate) fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = rng.gen::<f64>().max(1e-300);
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// Changes one value: a different choice for a categorical, one level up or down (or, with
/// probability 1/4, any other level) for an ordered discrete parameter, a Gaussian step of `sigma`
/// in the unit view for a real. A parameter with one value is returned unchanged.
pub(crate) fn mutate_value(
    p: &Param,
    v: &Value,
    sigma: f64,
    real_bins: usize,
    rng: &mut ChaCha8Rng,
) -> Value {
    match &p.kind {
        ParamKind::Real { .. } => {
            let u = p.to_unit(v) + sigma * normal(rng);
            // reflect at the walls so the ends are not over-sampled
            let u = if u < 0.0 {
                -u
            } else if u > 1.0 {
                2.0 - u
            } else {
                u
            };
            p.from_unit(u.clamp(0.0, 1.0))
        }
        _ => {
            let n = p.levels(real_bins);
            if n < 2 {
                return v.clone();
            }
            let cur = p.level_of(v, real_bins);
            let next = if !p.is_ordered() || n == 2 || rng.gen_bool(0.25) {
                let k = rng.gen_range(0..n - 1);
                if k >= cur {
                    k + 1
                } else {
                    k
                }
            } else if cur == 0 {
                1
            } else if cur == n - 1 || rng.gen_bool(0.5) {
                cur - 1
            } else {
                cur + 1
            };
            p.value_at(next, real_bins)
        }
    }
}

/// A neighbour of `point` that differs in `k` distinct parameters (chosen among those that can change).
pub(crate) fn neighbour(
    space: &ParamSpace,
    point: &Point,
    k: usize,
    sigma: f64,
    rng: &mut ChaCha8Rng,
) -> Point {
    let mutable: Vec<usize> = (0..space.len())
        .filter(|&i| space.params[i].is_real() || space.params[i].levels(space.real_bins) > 1)
        .collect();
    let mut out = point.clone();
    if mutable.is_empty() {
        return out;
    }
    let mut chosen: Vec<usize> = Vec::new();
    while chosen.len() < k.min(mutable.len()) {
        let i = mutable[rng.gen_range(0..mutable.len())];
        if !chosen.contains(&i) {
            chosen.push(i);
        }
    }
    for i in chosen {
        out.0[i] = mutate_value(&space.params[i], &out.0[i], sigma, space.real_bins, rng);
    }
    out
}

/// Samples an index from unnormalised non-negative weights.
pub(crate) fn sample_weighted(weights: &[f64], rng: &mut ChaCha8Rng) -> usize {
    let total: f64 = weights.iter().sum();
    if total.is_nan() || total <= 0.0 || !total.is_finite() {
        return rng.gen_range(0..weights.len());
    }
    let mut x = rng.gen::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        x -= w;
        if x < 0.0 {
            return i;
        }
    }
    weights.len() - 1
}

/// Softmax of logits.
pub(crate) fn softmax(logits: &[f64]) -> Vec<f64> {
    let max = logits.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = logits.iter().map(|x| (x - max).exp()).collect();
    let s: f64 = e.iter().sum();
    e.iter().map(|x| x / s).collect()
}

/// Scale-free reward for the RL agents: the fraction of a window of recent scores this score beats
/// (ties count half), so the reward lies in [0, 1] whatever the metric's units.
pub(crate) struct RankReward {
    window: std::collections::VecDeque<Score>,
    size: usize,
}

impl RankReward {
    pub fn new(size: usize) -> RankReward {
        RankReward {
            window: std::collections::VecDeque::new(),
            size: size.max(2),
        }
    }

    /// Rewards a batch against the window (including the batch itself), then adds it to the window.
    pub fn rewards(&mut self, batch: &[Score]) -> Vec<f64> {
        for s in batch {
            self.window.push_back(*s);
            while self.window.len() > self.size {
                self.window.pop_front();
            }
        }
        let n = self.window.len() as f64;
        batch
            .iter()
            .map(|s| {
                let mut beats = 0.0;
                for w in &self.window {
                    match s.compare(w) {
                        std::cmp::Ordering::Less => beats += 1.0,
                        std::cmp::Ordering::Equal => beats += 0.5,
                        std::cmp::Ordering::Greater => {}
                    }
                }
                // `s` ties with itself once; remove that half and normalise to [0, 1]
                if n > 1.0 {
                    (beats - 0.5) / (n - 1.0)
                } else {
                    0.5
                }
            })
            .collect()
    }
}

/// A small mixed space (categorical, int, pow2, real) for the agents' unit tests, built here so that
/// the agents' tests, like the agents, do not depend on the environments above them.
#[cfg(test)]
pub(crate) fn test_space() -> ParamSpace {
    let p = |name: &str, kind: ParamKind| Param::new(name, kind, "").expect("valid");
    ParamSpace::new(vec![
        p(
            "color",
            ParamKind::Categorical {
                choices: ["red", "green", "blue", "yellow"]
                    .map(String::from)
                    .to_vec(),
            },
        ),
        p("n", ParamKind::Int { low: 0, high: 7 }),
        p("m", ParamKind::Pow2 { low: 1, high: 64 }),
        p(
            "x",
            ParamKind::Real {
                low: 0.0,
                high: 1.0,
                log: false,
            },
        ),
    ])
    .expect("valid")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn mutation_reaches_every_level_and_always_changes_the_value() {
        let p = Param::new("k", ParamKind::Pow2 { low: 1, high: 128 }, "").expect("valid");
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut seen = HashSet::new();
        let mut v = Value::Int(1);
        for _ in 0..500 {
            let next = mutate_value(&p, &v, 0.1, 16, &mut rng);
            assert_ne!(next, v);
            p.check(&next).expect("valid");
            seen.insert(next.to_string());
            v = next;
        }
        assert_eq!(seen.len(), 8);
    }

    #[test]
    fn unknown_agent_and_unknown_hyperparameter_are_named() {
        let space = test_space();
        let err = make_agent("annealing", &toml::Table::new(), &space, 1)
            .err()
            .expect("unknown agent");
        assert!(
            err.to_string().contains("unknown agent `annealing`"),
            "{err}"
        );
        let t: toml::Table = toml::from_str("populaton = 8").expect("toml");
        let err = make_agent("ga", &t, &space, 1).err().expect("typo");
        assert!(err.to_string().contains("`populaton`"), "{err}");
        let t: toml::Table = toml::from_str("population = 1").expect("toml");
        let err = make_agent("ga", &t, &space, 1).err().expect("too small");
        assert!(err.to_string().contains("population"), "{err}");
    }

    #[test]
    fn rank_reward_is_scale_free() {
        let mut r = RankReward::new(10);
        let s = |l: f64| Score {
            loss: l,
            violation: 0.0,
        };
        let a = r.rewards(&[s(3.0), s(1.0), s(2.0)]);
        assert_eq!(a, vec![0.0, 1.0, 0.5]);
        let mut r2 = RankReward::new(10);
        assert_eq!(r2.rewards(&[s(3e6), s(1e6), s(2e6)]), a);
    }
}
