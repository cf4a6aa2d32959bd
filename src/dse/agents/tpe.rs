//! Bayesian optimisation with a tree-structured Parzen estimator (TPE), which handles the mixed
//! categorical / integer / real space natively.
//!
//! After `startup` random trials, the history is split into the best `gamma` fraction and the rest;
//! per parameter a density `l` (good) and `g` (rest) is fitted (smoothed frequencies for categorical
//! parameters, Gaussian kernels in the unit view for ordered ones), candidates are drawn from `l`, and
//! the one maximising `l/g` that has not been evaluated yet is proposed. Every proposal is evaluated
//! exactly once (ArchGym's BO wrapper ran the simulator twice per point).

use std::collections::HashSet;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{hi, neighbour, normal, sample_weighted, Agent, AgentInfo, Hyper, Observation};
use crate::dse::error::DseError;
use crate::dse::objective::Score;
use crate::dse::space::{Param, ParamKind, ParamSpace, Point};

pub fn info() -> AgentInfo {
    AgentInfo {
        name: "bo".into(),
        description:
            "Bayesian optimisation with a tree-structured Parzen estimator over the mixed \
                      space (also accepted as `tpe`); never proposes an already evaluated point \
                      while unseen candidates remain"
                .into(),
        hyperparameters: vec![
            hi("startup", "10", "random trials before the model is used"),
            hi("gamma", "0.25", "fraction of trials counted as good"),
            hi(
                "candidates",
                "24",
                "candidates drawn from the good density per proposal",
            ),
        ],
    }
}

pub struct Tpe {
    space: ParamSpace,
    rng: ChaCha8Rng,
    startup: usize,
    gamma: f64,
    candidates: usize,
    max_good: usize,
    history: Vec<(Point, Score)>,
    seen: HashSet<String>,
}

/// A per-parameter density fitted to a set of points.
enum Density {
    Cat(Vec<f64>),
    Kde { centres: Vec<f64>, sigma: f64 },
}

const PRIOR_SIGMA: f64 = 1.0;
/// Ordered discrete parameters with at most this many levels get a frequency density.
const MAX_DISCRETE_LEVELS: usize = 32;

fn gauss(x: f64, mu: f64, s: f64) -> f64 {
    (-0.5 * ((x - mu) / s).powi(2)).exp() / (s * (2.0 * std::f64::consts::PI).sqrt())
}

impl Density {
    fn frequencies(p: &Param, real_bins: usize, pts: &[&Point], idx: usize, spill: f64) -> Density {
        let n = p.levels(real_bins);
        let mut w = vec![1.0; n];
        for pt in pts {
            let l = p.level_of(&pt.0[idx], real_bins);
            w[l] += 1.0;
            if l > 0 {
                w[l - 1] += spill;
            }
            if l + 1 < n {
                w[l + 1] += spill;
            }
        }
        let s: f64 = w.iter().sum();
        Density::Cat(w.into_iter().map(|x| x / s).collect())
    }

    fn fit(p: &Param, real_bins: usize, pts: &[&Point], idx: usize) -> Density {
        match &p.kind {
            ParamKind::Categorical { .. } => Self::frequencies(p, real_bins, pts, idx, 0.0),
            // few ordered levels: frequencies with half weight spilling to the neighbouring levels,
            // so a collapsed good set still proposes the levels next to it
            _ if !p.is_real() && p.levels(real_bins) <= MAX_DISCRETE_LEVELS => {
                Self::frequencies(p, real_bins, pts, idx, 0.5)
            }
            _ => {
                let centres: Vec<f64> = pts.iter().map(|pt| p.to_unit(&pt.0[idx])).collect();
                let n = centres.len().max(1) as f64;
                let mean = centres.iter().sum::<f64>() / n;
                let std = if centres.len() > 1 {
                    (centres.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
                } else {
                    0.25
                };
                let floor = if p.is_real() {
                    0.01
                } else {
                    1.0 / (p.levels(real_bins).max(2) - 1) as f64
                };
                let sigma = (1.06 * std * n.powf(-0.2)).clamp(floor, 1.0);
                Density::Kde { centres, sigma }
            }
        }
    }

    fn pdf(&self, p: &Param, real_bins: usize, v: &crate::dse::space::Value) -> f64 {
        match self {
            Density::Cat(w) => w[p.level_of(v, real_bins)],
            Density::Kde { centres, sigma } => {
                let u = p.to_unit(v);
                let mut s = gauss(u, 0.5, PRIOR_SIGMA);
                for c in centres {
                    s += gauss(u, *c, *sigma);
                }
                s / (centres.len() + 1) as f64
            }
        }
    }

    fn sample(
        &self,
        p: &Param,
        real_bins: usize,
        rng: &mut ChaCha8Rng,
    ) -> crate::dse::space::Value {
        match self {
            Density::Cat(w) => p.value_at(sample_weighted(w, rng), real_bins),
            Density::Kde { centres, sigma } => {
                let k = rng.gen_range(0..=centres.len());
                let (mu, s) = if k == centres.len() {
                    (0.5, PRIOR_SIGMA)
                } else {
                    (centres[k], *sigma)
                };
                let mut u = mu + s * normal(rng);
                // reflect into [0, 1] a few times, then clamp (a wide prior can land far out)
                for _ in 0..4 {
                    if u < 0.0 {
                        u = -u;
                    } else if u > 1.0 {
                        u = 2.0 - u;
                    }
                }
                p.from_unit(u.clamp(0.0, 1.0))
            }
        }
    }
}

impl Tpe {
    pub fn new(space: &ParamSpace, seed: u64, h: &Hyper) -> Result<Self, DseError> {
        Ok(Tpe {
            space: space.clone(),
            rng: ChaCha8Rng::seed_from_u64(seed),
            startup: h.usize("startup", 10, 1, usize::MAX)?,
            gamma: h.f64("gamma", 0.25, 0.01, 0.99)?,
            candidates: h.usize("candidates", 24, 1, 100_000)?,
            max_good: h.usize("max_good", 25, 1, usize::MAX)?,
            history: Vec::new(),
            seen: HashSet::new(),
        })
    }

    fn unseen_neighbour(&mut self, p: &Point, taken: &HashSet<String>) -> Point {
        for k in 1..=self.space.len() {
            for _ in 0..16 {
                let q = neighbour(&self.space, p, k, 0.1, &mut self.rng);
                if !taken.contains(&self.space.key(&q)) {
                    return q;
                }
            }
        }
        self.fresh_random(taken)
    }

    fn fresh_random(&mut self, taken: &HashSet<String>) -> Point {
        let mut p = self.space.sample(&mut self.rng);
        for _ in 0..32 {
            if !taken.contains(&self.space.key(&p)) {
                break;
            }
            p = self.space.sample(&mut self.rng);
        }
        p
    }
}

impl Agent for Tpe {
    fn ask(&mut self, n: usize) -> Vec<Point> {
        let mut taken = self.seen.clone();
        let mut out = Vec::with_capacity(n);
        if self.history.len() < self.startup.max(2) {
            for _ in 0..n {
                let p = self.fresh_random(&taken);
                taken.insert(self.space.key(&p));
                out.push(p);
            }
            return out;
        }
        let mut sorted: Vec<&(Point, Score)> = self.history.iter().collect();
        sorted.sort_by(|a, b| a.1.compare(&b.1));
        let n_good = ((self.gamma * sorted.len() as f64).ceil() as usize)
            .min(self.max_good)
            .clamp(1, sorted.len() - 1);
        let good: Vec<&Point> = sorted[..n_good].iter().map(|x| &x.0).collect();
        let bad: Vec<&Point> = sorted[n_good..].iter().map(|x| &x.0).collect();
        let bins = self.space.real_bins;
        let l: Vec<Density> = self
            .space
            .params
            .iter()
            .enumerate()
            .map(|(i, p)| Density::fit(p, bins, &good, i))
            .collect();
        let g: Vec<Density> = self
            .space
            .params
            .iter()
            .enumerate()
            .map(|(i, p)| Density::fit(p, bins, &bad, i))
            .collect();
        for _ in 0..n {
            let mut best: Option<(f64, Point)> = None;
            let mut best_taken: Option<(f64, Point)> = None;
            for _ in 0..self.candidates {
                let vals = self
                    .space
                    .params
                    .iter()
                    .zip(&l)
                    .map(|(p, d)| d.sample(p, bins, &mut self.rng))
                    .collect();
                let cand = Point(vals);
                let score: f64 = self
                    .space
                    .params
                    .iter()
                    .enumerate()
                    .map(|(i, p)| {
                        let v = &cand.0[i];
                        l[i].pdf(p, bins, v).max(1e-300).ln()
                            - g[i].pdf(p, bins, v).max(1e-300).ln()
                    })
                    .sum();
                let slot = if taken.contains(&self.space.key(&cand)) {
                    &mut best_taken
                } else {
                    &mut best
                };
                if slot.as_ref().is_none_or(|(s, _)| score > *s) {
                    *slot = Some((score, cand));
                }
            }
            // when the model only proposes known points, step to an unseen neighbour of its favourite
            // rather than falling back to uniform sampling
            let p = match (best, best_taken) {
                (Some((_, p)), _) => p,
                (None, Some((_, fav))) => self.unseen_neighbour(&fav, &taken),
                (None, None) => self.fresh_random(&taken),
            };
            taken.insert(self.space.key(&p));
            out.push(p);
        }
        out
    }

    fn tell(&mut self, results: &[Observation]) {
        for r in results {
            self.seen.insert(self.space.key(&r.point));
            self.history.push((r.point.clone(), r.score));
        }
    }
}
