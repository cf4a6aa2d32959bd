//! `abc`: ABC-RL's logic-synthesis recipe search over the real ABC (`sim::abc`): a point is a
//! recipe of `length` passes (ABC-RL's seven moves, episodes of 10 by default), its quality the
//! area-delay product after mapping relative to the circuit mapped without synthesis.
//! [`AbcEnv::state`] gives the episode view (the AIG after each pass, the recipe so far) for
//! agents that build a recipe pass by pass.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use serde::Serialize;

use super::{check_options, EnvInfo, EnvOption, Environment, MetricInfo, Metrics};
use crate::dse::error::DseError;
use crate::dse::space::{Param, ParamKind, ParamSpace, Point, Value};
use crate::sim::abc::{circuits, Abc, AbcConfig, AigStats, Circuit, Pass, Recipe, SynthStats};

const OPTIONS: [&str; 3] = ["circuit", "length", "timeout"];
/// ABC-RL's episode length.
pub const DEFAULT_LENGTH: usize = 10;
const DEFAULT_CIRCUIT: &str = "alu8";

pub struct AbcEnv {
    name: String,
    space: ParamSpace,
    metrics: Vec<MetricInfo>,
    circuit: Circuit,
    abc: Abc,
    length: usize,
    /// The circuit mapped with no recipe: the reference of the QoR.
    base: OnceLock<SynthStats>,
}

/// Where an episode stands: the AIG after the passes so far and the passes themselves.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EpisodeState {
    pub aig: AigStats,
    pub recipe: Vec<Pass>,
}

fn bad(message: String) -> DseError {
    DseError::BadEnvOption {
        env: "abc".into(),
        message,
    }
}

/// `length` parameters STEP1..STEPn, each one of the seven passes.
pub fn space(length: usize) -> ParamSpace {
    let choices: Vec<String> = Pass::ALL.iter().map(|p| p.short().to_string()).collect();
    ParamSpace::new(
        (1..=length)
            .map(|i| {
                Param::new(
                    &format!("STEP{i}"),
                    ParamKind::Categorical {
                        choices: choices.clone(),
                    },
                    &format!("pass {i} of the recipe"),
                )
                .expect("built-in parameter is valid")
            })
            .collect(),
    )
    .expect("built-in space is valid")
}

fn metrics() -> Vec<MetricInfo> {
    let m = |n: &str, u: &str, d: &str| MetricInfo::new(n, u, d).with_archgym_scale(None);
    vec![
        m(
            "ADP_ratio",
            "",
            "area x delay after mapping, over the same for the circuit mapped without synthesis (the QoR; lower is better)",
        ),
        m("Area", "cell units", "mapped area (shipped genlib)"),
        m("Delay", "NAND2 delays", "mapped delay"),
        m("ADP", "", "area x delay"),
        m("ANDs", "", "AIG nodes after the recipe"),
        m("Levels", "", "AIG levels after the recipe"),
    ]
}

impl AbcEnv {
    pub fn new(options: &toml::Table) -> Result<AbcEnv, DseError> {
        check_options("abc", options, &OPTIONS)?;
        let name = match options.get("circuit") {
            None => DEFAULT_CIRCUIT.to_string(),
            Some(toml::Value::String(s)) => s.clone(),
            Some(other) => return Err(bad(format!("`circuit` must be a string, got {other}"))),
        };
        let circuit = match circuits::circuit(&name) {
            Some(c) => c,
            // a file only by a path, so a bare name can never read a file from the working folder
            None if name.contains('/') => Circuit::from_file(std::path::Path::new(&name))
                .map_err(|e| bad(format!("`circuit` = `{name}`: {e}")))?,
            None => {
                return Err(bad(format!(
                    "`circuit` = `{name}` is not a generated circuit (known: {}); name a BLIF/AIGER file by a path such as ./{name}",
                    circuits::known_names()
                )))
            }
        };
        let length = match options.get("length") {
            None => DEFAULT_LENGTH,
            Some(toml::Value::Integer(i)) if (1..=40).contains(i) => *i as usize,
            Some(other) => return Err(bad(format!("`length` must be in 1..=40, got {other}"))),
        };
        let timeout = match options.get("timeout") {
            None => 60.0,
            Some(toml::Value::Integer(i)) if (1..=3600).contains(i) => *i as f64,
            Some(toml::Value::Float(f)) if *f > 0.0 && *f <= 3600.0 => *f,
            Some(other) => {
                return Err(bad(format!(
                    "`timeout` must be seconds in (0, 3600], got {other}"
                )))
            }
        };
        Ok(AbcEnv {
            name: format!("abc?circuit={name}&length={length}"),
            space: space(length),
            metrics: metrics(),
            abc: Abc::new(AbcConfig {
                timeout: Duration::from_secs_f64(timeout),
                ..AbcConfig::default()
            }),
            circuit,
            length,
            base: OnceLock::new(),
        })
    }

    pub fn circuit(&self) -> &Circuit {
        &self.circuit
    }

    pub fn length(&self) -> usize {
        self.length
    }

    /// ABC runs so far (cache hits excluded).
    pub fn abc_calls(&self) -> u64 {
        self.abc.calls()
    }

    fn err(&self, e: impl ToString) -> DseError {
        DseError::Evaluation {
            env: self.name.clone(),
            message: e.to_string(),
        }
    }

    /// The circuit mapped without synthesis.
    pub fn unsynthesised(&self) -> Result<&SynthStats, DseError> {
        if let Some(b) = self.base.get() {
            return Ok(b);
        }
        let b = self
            .abc
            .synthesize(&self.circuit, &Recipe::default())
            .map_err(|e| self.err(e))?;
        Ok(self.base.get_or_init(|| b))
    }

    /// Synthesis with any recipe (of any length), cached.
    pub fn synthesize(&self, recipe: &Recipe) -> Result<SynthStats, DseError> {
        self.abc
            .synthesize(&self.circuit, recipe)
            .map_err(|e| self.err(e))
    }

    /// The QoR of a recipe: its ADP over the unsynthesised circuit's.
    pub fn adp_ratio(&self, s: &SynthStats) -> Result<f64, DseError> {
        let base = self.unsynthesised()?.adp();
        Ok(if base > 0.0 { s.adp() / base } else { 1.0 })
    }

    /// The episode state after `prefix` (one ABC run, cached).
    pub fn state(&self, prefix: &[Pass]) -> Result<EpisodeState, DseError> {
        let aig = if prefix.is_empty() {
            self.unsynthesised()?.initial
        } else {
            let s = self.synthesize(&Recipe(prefix.to_vec()))?;
            s.aig
        };
        Ok(EpisodeState {
            aig,
            recipe: prefix.to_vec(),
        })
    }

    /// The recipe a point stands for.
    pub fn recipe_of(&self, point: &Point) -> Result<Recipe, DseError> {
        self.space.check(point)?;
        let mut passes = Vec::with_capacity(self.length);
        for v in &point.0 {
            let Value::Cat(s) = v else {
                return Err(self.err(format!("a pass must be a name, got {v}")));
            };
            let r = Recipe::parse(s, &self.circuit.name).map_err(|e| self.err(e))?;
            passes.extend(r.0);
        }
        Ok(Recipe(passes))
    }

    /// The point of a recipe of this environment's length.
    pub fn point_of(&self, recipe: &Recipe) -> Result<Point, DseError> {
        if recipe.len() != self.length {
            return Err(self.err(format!(
                "recipe `{recipe}` has {} passes, the space {}",
                recipe.len(),
                self.length
            )));
        }
        Ok(Point(
            recipe
                .0
                .iter()
                .map(|p| Value::Cat(p.short().into()))
                .collect(),
        ))
    }

    /// The metrics of a synthesis result.
    pub fn metrics_of(&self, s: &SynthStats) -> Result<Metrics, DseError> {
        Ok(Metrics::from([
            ("ADP_ratio".into(), self.adp_ratio(s)?),
            ("Area".into(), s.mapped.area),
            ("Delay".into(), s.mapped.delay),
            ("ADP".into(), s.adp()),
            ("ANDs".into(), s.aig.ands as f64),
            ("Levels".into(), s.aig.levels as f64),
        ]))
    }
}

impl Environment for AbcEnv {
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
        vec!["Area".into(), "Delay".into()]
    }
    fn evaluate(&self, point: &Point) -> Result<Metrics, DseError> {
        let recipe = self.recipe_of(point)?;
        let s = self.synthesize(&recipe)?;
        self.metrics_of(&s)
    }
}

pub fn info() -> EnvInfo {
    let o = |name: &str, default: &str, description: &str| EnvOption {
        name: name.into(),
        default: default.into(),
        description: description.into(),
    };
    EnvInfo {
        name: "abc".into(),
        description: "logic-synthesis recipe search (ABC-RL) in the real ABC (yosys-abc): STEP1..STEPn \
                      each one of b, rw, rwz, rf, rfz, rs, rsz; the circuit mapped to the shipped genlib; \
                      metrics ADP_ratio (QoR vs the unsynthesised circuit), Area, Delay, ADP, ANDs, Levels"
            .into(),
        options: vec![
            o(
                "circuit",
                DEFAULT_CIRCUIT,
                "a generated circuit (rcaN, claN, ksN, arrmulN, wallaceN, cmpN, aluN, aes_sbox) or a path to a .blif/.aig file",
            ),
            o("length", "10", "passes per recipe (ABC-RL's episode length is 10)"),
            o("timeout", "60", "seconds one ABC run may take"),
        ],
    }
}

pub fn make(name: &str, options: &toml::Table) -> Result<Option<Arc<dyn Environment>>, DseError> {
    if name != "abc" {
        return Ok(None);
    }
    Ok(Some(Arc::new(AbcEnv::new(options)?)))
}
