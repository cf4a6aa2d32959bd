//! Cheap analytic environments with known optima, for testing agents and studies in microseconds.

use std::sync::Arc;

use super::{check_options, EnvInfo, EnvOption, Environment, MetricInfo, Metrics};
use crate::dse::error::DseError;
use crate::dse::space::{Param, ParamKind, ParamSpace, Point, Value};

/// `mixed`: one parameter of every kind. `f` is 0 exactly at color = blue, n = 5, m = 8, x = 0.3;
/// `cost` falls as n, m and x fall, so it conflicts with `f` (a two-metric Pareto front).
pub struct Mixed {
    space: ParamSpace,
    metrics: Vec<MetricInfo>,
}

pub const MIXED_COLORS: [&str; 4] = ["red", "green", "blue", "yellow"];

impl Mixed {
    pub fn new() -> Mixed {
        let p = |name: &str, kind: ParamKind, d: &str| {
            Param::new(name, kind, d).expect("built-in parameter is valid")
        };
        let space = ParamSpace::new(vec![
            p(
                "color",
                ParamKind::Categorical {
                    choices: MIXED_COLORS.iter().map(|s| s.to_string()).collect(),
                },
                "best: blue",
            ),
            p("n", ParamKind::Int { low: 0, high: 7 }, "best: 5"),
            p("m", ParamKind::Pow2 { low: 1, high: 64 }, "best: 8"),
            p(
                "x",
                ParamKind::Real {
                    low: 0.0,
                    high: 1.0,
                    log: false,
                },
                "best: 0.3",
            ),
        ])
        .expect("built-in space is valid");
        Mixed {
            space,
            metrics: vec![
                MetricInfo::new("f", "", "distance to the optimum; 0 at the optimum"),
                MetricInfo::new("cost", "", "n + log2(m) + 2x; conflicts with f"),
            ],
        }
    }
}

impl Default for Mixed {
    fn default() -> Self {
        Self::new()
    }
}

fn num(v: &Value) -> f64 {
    match v {
        Value::Int(i) => *i as f64,
        Value::Real(r) => *r,
        Value::Cat(_) => f64::NAN,
    }
}

impl Environment for Mixed {
    fn name(&self) -> &str {
        "mixed"
    }
    fn space(&self) -> &ParamSpace {
        &self.space
    }
    fn metrics(&self) -> &[MetricInfo] {
        &self.metrics
    }
    fn evaluate(&self, point: &Point) -> Result<Metrics, DseError> {
        self.space.check(point)?;
        let color_pen = match &point.0[0] {
            Value::Cat(c) if c == "blue" => 0.0,
            _ => 1.0,
        };
        let n = num(&point.0[1]);
        let m = num(&point.0[2]).log2();
        let x = num(&point.0[3]);
        let f = color_pen + 0.1 * (n - 5.0).powi(2) + 0.1 * (m - 3.0).powi(2) + (x - 0.3).powi(2);
        let cost = n + m + 2.0 * x;
        Ok(Metrics::from([("f".into(), f), ("cost".into(), cost)]))
    }
}

/// `branin`: the classic two-dimensional test function; global minimum 0.397887 at three points.
pub struct Branin {
    space: ParamSpace,
    metrics: Vec<MetricInfo>,
}

pub const BRANIN_MIN: f64 = 0.397_887_357_729_738;

impl Branin {
    pub fn new() -> Branin {
        let real = |name: &str, low: f64, high: f64| {
            Param::new(
                name,
                ParamKind::Real {
                    low,
                    high,
                    log: false,
                },
                "",
            )
            .expect("built-in parameter is valid")
        };
        Branin {
            space: ParamSpace::new(vec![real("x1", -5.0, 10.0), real("x2", 0.0, 15.0)])
                .expect("built-in space is valid"),
            metrics: vec![MetricInfo::new(
                "f",
                "",
                "Branin-Hoo value; minimum 0.397887",
            )],
        }
    }
}

impl Default for Branin {
    fn default() -> Self {
        Self::new()
    }
}

impl Environment for Branin {
    fn name(&self) -> &str {
        "branin"
    }
    fn space(&self) -> &ParamSpace {
        &self.space
    }
    fn metrics(&self) -> &[MetricInfo] {
        &self.metrics
    }
    fn evaluate(&self, point: &Point) -> Result<Metrics, DseError> {
        self.space.check(point)?;
        let (x1, x2) = (num(&point.0[0]), num(&point.0[1]));
        let pi = std::f64::consts::PI;
        let b = 5.1 / (4.0 * pi * pi);
        let c = 5.0 / pi;
        let t = 1.0 / (8.0 * pi);
        let f = (x2 - b * x1 * x1 + c * x1 - 6.0).powi(2) + 10.0 * (1.0 - t) * x1.cos() + 10.0;
        Ok(Metrics::from([("f".into(), f)]))
    }
}

pub fn infos() -> Vec<EnvInfo> {
    vec![
        EnvInfo {
            name: "mixed".into(),
            description: "analytic test function over one categorical, int, pow2 and real \
                          parameter; f = 0 at color=blue, n=5, m=8, x=0.3; cost conflicts with f"
                .into(),
            options: Vec::<EnvOption>::new(),
        },
        EnvInfo {
            name: "branin".into(),
            description: "Branin-Hoo over x1 in [-5, 10], x2 in [0, 15]; minimum 0.397887".into(),
            options: Vec::new(),
        },
    ]
}

pub fn make(name: &str, options: &toml::Table) -> Result<Option<Arc<dyn Environment>>, DseError> {
    let env: Arc<dyn Environment> = match name {
        "mixed" => Arc::new(Mixed::new()),
        "branin" => Arc::new(Branin::new()),
        _ => return Ok(None),
    };
    check_options(name, options, &[])?;
    Ok(Some(env))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixed_optimum_is_zero_and_unique_on_the_grid() {
        let env = Mixed::new();
        let best = Point(vec![
            Value::Cat("blue".into()),
            Value::Int(5),
            Value::Int(8),
            Value::Real(0.3),
        ]);
        let m = env.evaluate(&best).expect("valid point");
        assert!(m["f"].abs() < 1e-12);
        let other = Point(vec![
            Value::Cat("red".into()),
            Value::Int(5),
            Value::Int(8),
            Value::Real(0.3),
        ]);
        assert!((env.evaluate(&other).expect("valid")["f"] - 1.0).abs() < 1e-12);
    }

    #[test]
    fn branin_minimum_matches_the_literature() {
        let env = Branin::new();
        let p = Point(vec![Value::Real(std::f64::consts::PI), Value::Real(2.275)]);
        let f = env.evaluate(&p).expect("valid")["f"];
        assert!((f - BRANIN_MIN).abs() < 1e-6, "{f}");
    }

    #[test]
    fn invalid_points_are_errors_not_panics() {
        let env = Mixed::new();
        let p = Point(vec![Value::Int(1)]);
        assert!(env.evaluate(&p).is_err());
    }
}
