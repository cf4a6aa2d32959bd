//! A mapper: random sampling of the legal mappings of a map space (which dimensions each level
//! may tile temporally and spatially, fixed loop orders, which data spaces each level keeps),
//! each sample evaluated with the model; the best by energy, EDP or cycles is kept. Seeded, so a
//! design-space environment that calls it stays deterministic.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::mapping::{LevelMapping, Loop, Mapping};
use super::model::{evaluate, Stats};
use super::spec::{Arch, Problem};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapperMetric {
    Energy,
    Edp,
    Cycles,
}

impl MapperMetric {
    fn score(self, s: &Stats) -> f64 {
        match self {
            MapperMetric::Energy => s.energy_pj,
            MapperMetric::Edp => s.edp(),
            MapperMetric::Cycles => s.cycles as f64 + s.energy_pj * 1e-12,
        }
    }
}

/// What one storage level may do.
#[derive(Clone, Debug, PartialEq)]
pub struct LevelSpace {
    /// Dimensions this level may tile temporally.
    pub temporal: Vec<bool>,
    /// Temporal loop order, innermost first, when fixed (else random per sample).
    pub permutation: Option<Vec<usize>>,
    pub spatial_x: Vec<bool>,
    pub spatial_y: Vec<bool>,
    pub keep: Vec<bool>,
}

/// The map space: one entry per storage level, innermost first.
#[derive(Clone, Debug, PartialEq)]
pub struct MapSpace {
    pub levels: Vec<LevelSpace>,
}

impl MapSpace {
    /// Every dimension anywhere, keeping every data space everywhere.
    pub fn unconstrained(arch: &Arch, prob: &Problem) -> MapSpace {
        let nd = prob.dims.len();
        MapSpace {
            levels: (0..arch.storage.len())
                .map(|i| {
                    let (fx, fy) = arch.fanout_xy(i);
                    LevelSpace {
                        temporal: vec![true; nd],
                        permutation: None,
                        spatial_x: vec![fx > 1; nd],
                        spatial_y: vec![fy > 1; nd],
                        keep: vec![true; prob.data_spaces.len()],
                    }
                })
                .collect(),
        }
    }
}

fn prime_factors(mut n: i64) -> Vec<i64> {
    let mut f = Vec::new();
    let mut p = 2;
    while p * p <= n {
        while n % p == 0 {
            f.push(p);
            n /= p;
        }
        p += 1;
    }
    if n > 1 {
        f.push(n);
    }
    f
}

#[derive(Clone, Copy)]
enum Slot {
    Temporal(usize),
    X(usize),
    Y(usize),
}

/// One random legal-looking mapping (spatial factors fit the fan-out; capacity is checked by the
/// model).
pub fn sample(arch: &Arch, prob: &Problem, space: &MapSpace, rng: &mut impl Rng) -> Mapping {
    let nl = arch.storage.len();
    let nd = prob.dims.len();
    let mut t = vec![vec![1i64; nd]; nl];
    let mut x = vec![vec![1i64; nd]; nl];
    let mut y = vec![vec![1i64; nd]; nl];
    let mut used_x = vec![1u64; nl];
    let mut used_y = vec![1u64; nl];
    let mut dims: Vec<usize> = (0..nd).collect();
    dims.shuffle(rng);
    for &d in &dims {
        let mut primes = prime_factors(prob.bounds[d]);
        primes.shuffle(rng);
        for p in primes {
            let mut slots = Vec::new();
            for (l, ls) in space.levels.iter().enumerate() {
                let (fx, fy) = arch.fanout_xy(l);
                if ls.temporal[d] {
                    slots.push(Slot::Temporal(l));
                }
                if ls.spatial_x[d] && used_x[l] * p as u64 <= fx {
                    slots.push(Slot::X(l));
                }
                if ls.spatial_y[d] && used_y[l] * p as u64 <= fy {
                    slots.push(Slot::Y(l));
                }
            }
            match slots.choose(rng).copied().unwrap_or(Slot::Temporal(nl - 1)) {
                Slot::Temporal(l) => t[l][d] *= p,
                Slot::X(l) => {
                    x[l][d] *= p;
                    used_x[l] *= p as u64;
                }
                Slot::Y(l) => {
                    y[l][d] *= p;
                    used_y[l] *= p as u64;
                }
            }
        }
    }
    let levels = (0..nl)
        .map(|l| {
            let ls = &space.levels[l];
            let mut perm: Vec<usize> = ls.permutation.clone().unwrap_or_else(|| {
                let mut p: Vec<usize> = (0..nd).collect();
                p.shuffle(rng);
                p
            });
            for d in 0..nd {
                if !perm.contains(&d) {
                    perm.push(d);
                }
            }
            // Permutations list the innermost loop first; loops are stored outer to inner.
            let temporal = perm
                .iter()
                .rev()
                .map(|&d| Loop {
                    dim: d,
                    end: t[l][d],
                    spatial: false,
                    x: false,
                })
                .collect();
            let spatial = (0..nd)
                .rev()
                .filter(|&d| y[l][d] > 1)
                .map(|d| Loop {
                    dim: d,
                    end: y[l][d],
                    spatial: true,
                    x: false,
                })
                .chain((0..nd).rev().filter(|&d| x[l][d] > 1).map(|d| Loop {
                    dim: d,
                    end: x[l][d],
                    spatial: true,
                    x: true,
                }))
                .collect();
            LevelMapping {
                temporal,
                spatial,
                keep: ls.keep.clone(),
            }
        })
        .collect();
    Mapping { levels }
}

/// The best of `samples` random mappings (`None` when none is legal).
pub fn search(
    arch: &Arch,
    prob: &Problem,
    space: &MapSpace,
    samples: usize,
    seed: u64,
    metric: MapperMetric,
) -> Option<(Mapping, Stats)> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut best: Option<(Mapping, Stats)> = None;
    for _ in 0..samples {
        let m = sample(arch, prob, space, &mut rng);
        let Ok(s) = evaluate("mapper", arch, prob, &m) else {
            continue;
        };
        let better = match &best {
            None => true,
            Some((_, b)) => metric.score(&s) < metric.score(b),
        };
        if better {
            best = Some((m, s));
        }
    }
    best
}
