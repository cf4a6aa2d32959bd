//! Objectives: how a trial's metrics become the one score agents compare, whether the study's target
//! is met, the bounded reward recorded per trial, constraints, and the Pareto front.
//!
//! Reward (documented contract): with targets, `reward = 1 / (1 + d)` where `d` is the summed
//! normalised distance to the targets (0 when every target holds), so the reward lies in (0, 1] and is
//! exactly 1 when the target is met; an infeasible or failed trial gets 0. ArchGym's
//! `target / |value - target|` instead grows without bound near the target and rewards overshooting
//! a `<=` target as badly as undershooting it. Without targets the reward is `-loss`.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::error::DseError;

/// Metric values by name, in the environment's own units.
pub type Metrics = BTreeMap<String, f64>;

/// What one metric means.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MetricInfo {
    pub name: String,
    /// The true unit of the value the environment reports ("" when dimensionless).
    pub unit: String,
    pub description: String,
    /// Whether the metric is a column of the ArchGym proxy dataset, and the factor to its units
    /// there (the column holds `value * scale`; ArchGym stores DRAM energy in pJ/1e9, power in
    /// mW/1e3 and latency in ns/1e9). `None`: only in the true-unit columns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archgym_scale: Option<f64>,
}

impl MetricInfo {
    pub fn new(name: &str, unit: &str, description: &str) -> MetricInfo {
        MetricInfo {
            name: name.into(),
            unit: unit.into(),
            description: description.into(),
            archgym_scale: Some(1.0),
        }
    }

    /// A metric with its ArchGym column scale (`None` for metrics ArchGym does not record).
    pub fn with_archgym_scale(mut self, scale: Option<f64>) -> MetricInfo {
        self.archgym_scale = scale;
        self
    }
}

/// How a metric is compared with a target value.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Op {
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = ">=")]
    Ge,
    /// Within a relative tolerance of the value.
    #[serde(rename = "~=")]
    Approx,
}

impl Op {
    /// As a study spec writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Le => "<=",
            Op::Ge => ">=",
            Op::Approx => "~=",
        }
    }
}

/// One target or constraint: `metric op value`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bound {
    pub metric: String,
    pub op: Op,
    pub value: f64,
    /// Relative tolerance for `~=` (default 5%).
    #[serde(default = "default_tol")]
    pub tolerance: f64,
}

fn default_tol() -> f64 {
    0.05
}

impl Bound {
    /// Normalised distance from satisfying the bound; 0 when it holds.
    pub fn distance(&self, metrics: &Metrics) -> f64 {
        let Some(&m) = metrics.get(&self.metric) else {
            return f64::INFINITY;
        };
        if !m.is_finite() {
            return f64::INFINITY;
        }
        let scale = if self.value.abs() > 0.0 {
            self.value.abs()
        } else {
            1.0
        };
        let d = match self.op {
            Op::Le => (m - self.value) / scale,
            Op::Ge => (self.value - m) / scale,
            Op::Approx => (m - self.value).abs() / scale - self.tolerance,
        };
        d.max(0.0)
    }
}

/// The objective as written in a study's `[objective]` table.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectiveSpec {
    pub minimize: Option<String>,
    pub maximize: Option<String>,
    /// Minimise `sum(weight * metric)`; give a negative weight to maximise a term.
    pub weights: Option<std::collections::BTreeMap<String, f64>>,
    /// ArchGym-style targets; the study stops once all hold (and the constraints too).
    #[serde(default)]
    pub target: Vec<Bound>,
    #[serde(default)]
    pub constraint: Vec<Bound>,
    /// Metrics of the reported Pareto front; all minimised, write `max:NAME` to maximise one.
    #[serde(default)]
    pub pareto: Vec<String>,
}

/// The scalar an agent minimises.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Goal {
    Minimize(String),
    Maximize(String),
    Weighted(Vec<(String, f64)>),
    /// Summed distance to the targets.
    Targets,
}

/// What agents compare: feasibility first (smaller total violation), then loss.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Score {
    pub loss: f64,
    pub violation: f64,
}

impl Score {
    pub const FAILED: Score = Score {
        loss: f64::INFINITY,
        violation: f64::INFINITY,
    };

    pub fn feasible(&self) -> bool {
        self.violation == 0.0
    }

    /// Total order: lower violation, then lower loss; NaN sorts last.
    pub fn compare(&self, other: &Score) -> Ordering {
        // `+ 0.0` turns -0.0 (the sum of an empty float iterator) into 0.0, which `total_cmp` would
        // otherwise order before a stored 0.0
        let key = |s: &Score| {
            (
                if s.violation.is_nan() {
                    f64::INFINITY
                } else {
                    s.violation + 0.0
                },
                if s.loss.is_nan() {
                    f64::INFINITY
                } else {
                    s.loss + 0.0
                },
            )
        };
        let (a, b) = (key(self), key(other));
        a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1))
    }

    pub fn better_than(&self, other: &Score) -> bool {
        self.compare(other) == Ordering::Less
    }
}

/// A checked objective.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Objective {
    pub goal: Goal,
    pub targets: Vec<Bound>,
    pub constraints: Vec<Bound>,
    /// (metric, maximise?)
    pub pareto: Vec<(String, bool)>,
}

impl Objective {
    /// Checks the spec against the metrics an environment reports.
    pub fn from_spec(spec: &ObjectiveSpec, metrics: &[MetricInfo]) -> Result<Objective, DseError> {
        let known = |name: &str| -> Result<String, DseError> {
            if metrics.iter().any(|m| m.name == name) {
                Ok(name.to_string())
            } else {
                Err(DseError::UnknownMetric {
                    name: name.into(),
                    known: metrics
                        .iter()
                        .map(|m| m.name.clone())
                        .collect::<Vec<_>>()
                        .join(", "),
                })
            }
        };
        let given = [
            spec.minimize.is_some(),
            spec.maximize.is_some(),
            spec.weights.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count();
        if given > 1 {
            return Err(DseError::BadObjective(
                "give only one of `minimize`, `maximize`, `weights`".into(),
            ));
        }
        let goal = if let Some(m) = &spec.minimize {
            Goal::Minimize(known(m)?)
        } else if let Some(m) = &spec.maximize {
            Goal::Maximize(known(m)?)
        } else if let Some(w) = &spec.weights {
            if w.is_empty() {
                return Err(DseError::BadObjective("`weights` is empty".into()));
            }
            let mut v = Vec::new();
            for (k, x) in w {
                if !x.is_finite() {
                    return Err(DseError::BadObjective(format!("weight of `{k}` is {x}")));
                }
                v.push((known(k)?, *x));
            }
            Goal::Weighted(v)
        } else if !spec.target.is_empty() {
            Goal::Targets
        } else {
            return Err(DseError::BadObjective(
                "nothing to optimise: give `minimize`, `maximize`, `weights` or a `[[objective.target]]`"
                    .into(),
            ));
        };
        for b in spec.target.iter().chain(&spec.constraint) {
            known(&b.metric)?;
            if !b.value.is_finite() || b.tolerance.is_nan() || b.tolerance < 0.0 {
                return Err(DseError::BadObjective(format!(
                    "bound on `{}` needs a finite value and a tolerance >= 0",
                    b.metric
                )));
            }
        }
        let mut pareto = Vec::new();
        for p in &spec.pareto {
            let (name, max) = match p.strip_prefix("max:") {
                Some(n) => (n, true),
                None => (p.strip_prefix("min:").unwrap_or(p), false),
            };
            pareto.push((known(name)?, max));
        }
        if pareto.len() == 1 {
            return Err(DseError::BadObjective(
                "`pareto` needs at least two metrics".into(),
            ));
        }
        Ok(Objective {
            goal,
            targets: spec.target.clone(),
            constraints: spec.constraint.clone(),
            pareto,
        })
    }

    /// A plain objective: minimise one metric.
    pub fn minimize(metric: &str) -> Objective {
        Objective {
            goal: Goal::Minimize(metric.into()),
            targets: Vec::new(),
            constraints: Vec::new(),
            pareto: Vec::new(),
        }
    }

    fn target_distance(&self, m: &Metrics) -> f64 {
        self.targets
            .iter()
            .map(|b| b.distance(m))
            .fold(0.0, |a, b| a + b)
    }

    pub fn score(&self, m: &Metrics) -> Score {
        let get = |k: &str| m.get(k).copied().unwrap_or(f64::NAN);
        let loss = match &self.goal {
            Goal::Minimize(k) => get(k),
            Goal::Maximize(k) => -get(k),
            Goal::Weighted(w) => w.iter().map(|(k, x)| x * get(k)).sum(),
            Goal::Targets => self.target_distance(m),
        };
        let violation: f64 = self
            .constraints
            .iter()
            .map(|b| b.distance(m))
            .fold(0.0, |a, b| a + b);
        Score {
            loss: if loss.is_nan() { f64::INFINITY } else { loss },
            violation: if violation.is_nan() {
                f64::INFINITY
            } else {
                violation
            },
        }
    }

    /// Whether the study's target is met (false when there are no targets).
    pub fn target_met(&self, m: &Metrics) -> bool {
        !self.targets.is_empty()
            && self.target_distance(m) == 0.0
            && self.constraints.iter().all(|b| b.distance(m) == 0.0)
    }

    /// The bounded reward described in the module documentation.
    pub fn reward(&self, m: &Metrics) -> f64 {
        let score = self.score(m);
        if !score.feasible() {
            return if self.targets.is_empty() {
                f64::NEG_INFINITY
            } else {
                0.0
            };
        }
        if self.targets.is_empty() {
            -score.loss
        } else {
            let d = self.target_distance(m);
            if d.is_finite() {
                1.0 / (1.0 + d)
            } else {
                0.0
            }
        }
    }
}

/// Indices of the non-dominated rows, each row holding the values to minimise.
pub fn pareto_front(rows: &[Vec<f64>]) -> Vec<usize> {
    let dominates = |a: &Vec<f64>, b: &Vec<f64>| {
        a.iter().zip(b).all(|(x, y)| x <= y) && a.iter().zip(b).any(|(x, y)| x < y)
    };
    (0..rows.len())
        .filter(|&i| rows[i].iter().all(|v| v.is_finite()))
        .filter(|&i| {
            !(0..rows.len()).any(|j| {
                j != i && rows[j].iter().all(|v| v.is_finite()) && dominates(&rows[j], &rows[i])
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics() -> Vec<MetricInfo> {
        vec![
            MetricInfo::new("power", "W", ""),
            MetricInfo::new("latency", "s", ""),
        ]
    }

    fn m(p: f64, l: f64) -> Metrics {
        Metrics::from([("power".into(), p), ("latency".into(), l)])
    }

    #[test]
    fn target_reward_is_bounded_and_one_exactly_at_the_target() {
        let spec: ObjectiveSpec =
            toml::from_str("[[target]]\nmetric = \"power\"\nop = \"<=\"\nvalue = 2.0\n")
                .expect("valid");
        let o = Objective::from_spec(&spec, &metrics()).expect("valid");
        assert_eq!(o.reward(&m(1.5, 0.0)), 1.0);
        assert!(o.target_met(&m(2.0, 0.0)));
        assert_eq!(o.reward(&m(3.0, 0.0)), 1.0 / 1.5);
        assert!(!o.target_met(&m(3.0, 0.0)));
        assert_eq!(o.score(&m(4.0, 0.0)).loss, 1.0);
    }

    #[test]
    fn approx_target_uses_a_relative_tolerance() {
        let b = Bound {
            metric: "power".into(),
            op: Op::Approx,
            value: 10.0,
            tolerance: 0.1,
        };
        assert_eq!(b.distance(&m(10.9, 0.0)), 0.0);
        assert!((b.distance(&m(12.0, 0.0)) - 0.1).abs() < 1e-12);
    }

    #[test]
    fn feasible_beats_infeasible_whatever_the_loss() {
        let spec: ObjectiveSpec = toml::from_str(
            "minimize = \"power\"\n[[constraint]]\nmetric = \"latency\"\nop = \"<=\"\nvalue = 1.0\n",
        )
        .expect("valid");
        let o = Objective::from_spec(&spec, &metrics()).expect("valid");
        let good = o.score(&m(100.0, 0.5));
        let bad = o.score(&m(1.0, 2.0));
        assert!(good.better_than(&bad));
        assert!(!bad.feasible());
    }

    #[test]
    fn unknown_metric_and_double_goal_are_errors() {
        let spec: ObjectiveSpec = toml::from_str("minimize = \"energy\"").expect("parses");
        let err = Objective::from_spec(&spec, &metrics()).expect_err("unknown");
        assert!(err.to_string().contains("unknown metric `energy`"), "{err}");
        let spec: ObjectiveSpec =
            toml::from_str("minimize = \"power\"\nmaximize = \"latency\"").expect("parses");
        assert!(Objective::from_spec(&spec, &metrics()).is_err());
    }

    #[test]
    fn pareto_front_keeps_only_non_dominated_rows() {
        let rows = vec![
            vec![1.0, 5.0],
            vec![2.0, 2.0],
            vec![3.0, 3.0],
            vec![5.0, 1.0],
            vec![f64::NAN, 0.0],
        ];
        assert_eq!(pareto_front(&rows), vec![0, 1, 3]);
    }
}
