//! `qas`: CRLQAS's quantum architecture search as a design space: a point is a sequence of
//! actions (add RX/RY/RZ on a qubit, a CNOT on an ordered pair, or HALT), played as one episode
//! over `sim::quantum` (masking, per-step VQE, the paper's reward); metrics are the final energy,
//! its error against the exact ground energy, depth, CNOTs, the episode's return and the
//! energy evaluations it used.

use std::path::Path;
use std::sync::Arc;

use super::{check_options, EnvInfo, EnvOption, Environment, MetricInfo, Metrics};
use crate::dse::error::DseError;
use crate::dse::space::{Param, ParamKind, ParamSpace, Point, Value};
use crate::sim::quantum::noise::DeviceNoise;
use crate::sim::quantum::qas::{Action, Episode, EpisodeConfig};
use crate::sim::quantum::sim::SimConfig;
use crate::sim::quantum::vqe::Optimizer;
use crate::sim::quantum::Hamiltonian;

const OPTIONS: [&str; 7] = [
    "problem",
    "noise",
    "steps",
    "threshold",
    "optimizer",
    "evals_per_step",
    "seed",
];

/// The shipped problems (examples/quantum/hamiltonians).
const PROBLEMS: [(&str, &str); 4] = [
    (
        "h2_2q",
        include_str!("../../../examples/quantum/hamiltonians/h2_2q.txt"),
    ),
    (
        "h2_4q",
        include_str!("../../../examples/quantum/hamiltonians/h2_4q.txt"),
    ),
    (
        "lih_4q",
        include_str!("../../../examples/quantum/hamiltonians/lih_4q.txt"),
    ),
    (
        "lih_6q",
        include_str!("../../../examples/quantum/hamiltonians/lih_6q.txt"),
    ),
];
const MUMBAI: &str = include_str!("../../../examples/quantum/noise/ibmq_mumbai_median.json");

pub struct QasEnv {
    name: String,
    space: ParamSpace,
    metrics: Vec<MetricInfo>,
    h: Hamiltonian,
    e_min: f64,
    sim: SimConfig,
    cfg: EpisodeConfig,
    actions: Vec<Action>,
}

fn bad(message: String) -> DseError {
    DseError::BadEnvOption {
        env: "qas".into(),
        message,
    }
}

fn string_opt<'a>(
    options: &'a toml::Table,
    key: &str,
    default: &'a str,
) -> Result<&'a str, DseError> {
    match options.get(key) {
        None => Ok(default),
        Some(toml::Value::String(s)) => Ok(s),
        Some(other) => Err(bad(format!("`{key}` must be a string, got {other}"))),
    }
}

fn int_opt(
    options: &toml::Table,
    key: &str,
    default: i64,
    low: i64,
    high: i64,
) -> Result<i64, DseError> {
    match options.get(key) {
        None => Ok(default),
        Some(toml::Value::Integer(i)) if (low..=high).contains(i) => Ok(*i),
        Some(other) => Err(bad(format!(
            "`{key}` must be an integer in {low}..={high}, got {other}"
        ))),
    }
}

fn metrics() -> Vec<MetricInfo> {
    vec![
        MetricInfo::new("Error", "Ha", "final energy minus the exact ground energy")
            .with_archgym_scale(None),
        MetricInfo::new("Energy", "Ha", "final (noisy, if noise is set) VQE energy")
            .with_archgym_scale(None),
        MetricInfo::new("Depth", "", "circuit depth").with_archgym_scale(None),
        MetricInfo::new("CNOTs", "", "number of CNOT gates").with_archgym_scale(None),
        MetricInfo::new("Gates", "", "number of gates").with_archgym_scale(None),
        MetricInfo::new("Return", "", "sum of CRLQAS rewards over the episode")
            .with_archgym_scale(None),
        MetricInfo::new(
            "Evaluations",
            "",
            "energy evaluations used by the VQE inner loop",
        )
        .with_archgym_scale(None),
        MetricInfo::new("Masked", "", "illegal actions skipped").with_archgym_scale(None),
        MetricInfo::new("Solved", "", "1 when the error is below the threshold")
            .with_archgym_scale(None),
    ]
}

impl QasEnv {
    pub fn new(options: &toml::Table) -> Result<QasEnv, DseError> {
        check_options("qas", options, &OPTIONS)?;
        let problem = string_opt(options, "problem", "h2_2q")?;
        let h = match PROBLEMS.iter().find(|(n, _)| *n == problem) {
            Some((n, text)) => Hamiltonian::parse(n, text),
            None => Hamiltonian::load(Path::new(problem)),
        }
        .map_err(|e| bad(format!("`problem` = `{problem}`: {e}")))?;
        let noise = string_opt(options, "noise", "none")?;
        let noise_model = match noise {
            "none" => None,
            "mumbai" => Some(DeviceNoise::parse("ibmq_mumbai_median.json", MUMBAI)),
            path => Some(DeviceNoise::load(Path::new(path))),
        }
        .transpose()
        .map_err(|e| bad(format!("`noise` = `{noise}`: {e}")))?
        .map(|d| d.compile());
        let steps = int_opt(options, "steps", 8, 1, 40)? as usize;
        let threshold = match options.get("threshold") {
            None => 1.6e-3,
            Some(toml::Value::Float(f)) if *f > 0.0 => *f,
            Some(other) => {
                return Err(bad(format!(
                    "`threshold` must be a positive energy in Ha, got {other}"
                )))
            }
        };
        let opt_name = string_opt(options, "optimizer", "cobyla")?;
        let optimizer = Optimizer::parse(opt_name).ok_or_else(|| {
            bad(format!(
                "`optimizer` = `{opt_name}`: one of cobyla, adam-spsa, spsa"
            ))
        })?;
        let evals = int_opt(options, "evals_per_step", 200, 1, 100_000)? as usize;
        let seed = int_opt(options, "seed", 1, 0, i64::MAX)? as u64;
        let actions = Action::all(h.n_qubits);
        let choices: Vec<String> = actions.iter().map(|a| a.name()).collect();
        let params = (0..steps)
            .map(|i| {
                Param::new(
                    &format!("A{i:02}"),
                    ParamKind::Categorical {
                        choices: choices.clone(),
                    },
                    "action of step i: RX/RY/RZ<q>, CX<control><target> or HALT",
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        let e_min = h.ground_energy();
        Ok(QasEnv {
            name: format!("qas?problem={problem}&noise={noise}&steps={steps}&optimizer={opt_name}"),
            space: ParamSpace::new(params)?,
            metrics: metrics(),
            e_min,
            sim: SimConfig {
                noise: noise_model,
                shots: None,
                seed,
            },
            cfg: EpisodeConfig {
                max_steps: steps,
                threshold,
                optimizer,
                evals_per_step: evals,
                seed,
            },
            h,
            actions,
        })
    }

    /// The exact ground energy the errors are measured against.
    pub fn ground_energy(&self) -> f64 {
        self.e_min
    }

    /// Plays the point's actions as one episode.
    pub fn play(&self, point: &Point) -> Result<Episode, DseError> {
        self.space.check(point)?;
        let fail = |e: crate::sim::quantum::QuantumError| DseError::Evaluation {
            env: self.name.clone(),
            message: e.to_string(),
        };
        let mut ep = Episode::new(&self.h, &self.sim, self.cfg.max_steps).map_err(fail)?;
        for v in &point.0 {
            let Value::Cat(s) = v else { continue };
            let Some(a) = self.actions.iter().find(|a| a.name() == *s) else {
                continue;
            };
            ep.step(*a, &self.h, &self.sim, &self.cfg, self.e_min)
                .map_err(fail)?;
            if ep.done {
                break;
            }
        }
        Ok(ep)
    }
}

impl Environment for QasEnv {
    fn name(&self) -> &str {
        &self.name
    }
    fn space(&self) -> &ParamSpace {
        &self.space
    }
    fn metrics(&self) -> &[MetricInfo] {
        &self.metrics
    }
    fn default_pareto(&self) -> Vec<String> {
        vec!["Error".into(), "CNOTs".into()]
    }
    fn evaluate(&self, point: &Point) -> Result<Metrics, DseError> {
        let ep = self.play(point)?;
        Ok(Metrics::from([
            ("Error".into(), ep.energy - self.e_min),
            ("Energy".into(), ep.energy),
            ("Depth".into(), ep.circuit.depth() as f64),
            ("CNOTs".into(), ep.circuit.cnot_count() as f64),
            ("Gates".into(), ep.circuit.gates.len() as f64),
            ("Return".into(), ep.ret),
            ("Evaluations".into(), ep.evaluations as f64),
            ("Masked".into(), ep.masked as f64),
            ("Solved".into(), if ep.success { 1.0 } else { 0.0 }),
        ]))
    }
}

pub fn info() -> EnvInfo {
    let o = |name: &str, default: &str, description: &str| EnvOption {
        name: name.into(),
        default: default.into(),
        description: description.into(),
    };
    EnvInfo {
        name: "qas".into(),
        description: "CRLQAS quantum architecture search: a point is a sequence of gate actions \
                      (RX/RY/RZ<q>, CX<c><t>, HALT) played as one episode on the native noisy \
                      density-matrix simulator with VQE after each gate; metrics Error [Ha] vs \
                      the exact ground energy, Energy, Depth, CNOTs, Gates, Return, Evaluations, \
                      Masked, Solved"
            .into(),
        options: vec![
            o(
                "problem",
                "h2_2q",
                "h2_2q, h2_4q, lih_4q, lih_6q (shipped) or a Pauli-string file",
            ),
            o(
                "noise",
                "none",
                "none, mumbai (ibmq_mumbai median calibration) or a device-noise JSON",
            ),
            o("steps", "8", "actions per episode (1..=40)"),
            o(
                "threshold",
                "0.0016",
                "error [Ha] that ends an episode as solved",
            ),
            o(
                "optimizer",
                "cobyla",
                "VQE inner loop: cobyla, adam-spsa or spsa",
            ),
            o("evals_per_step", "200", "energy evaluations per VQE run"),
            o("seed", "1", "seed of the inner-loop optimiser"),
        ],
    }
}

pub fn make(name: &str, options: &toml::Table) -> Result<Option<Arc<dyn Environment>>, DseError> {
    if name != "qas" {
        return Ok(None);
    }
    Ok(Some(Arc::new(QasEnv::new(options)?)))
}
