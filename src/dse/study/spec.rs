//! The study file (`STUDY.toml`): parsed, then checked against the environment so that every mistake
//! (unknown parameter, empty range, unknown agent or metric) is reported before anything is written.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::dse::agents::{make_agent, Agent};
use crate::dse::env::{make_env, Environment};
use crate::dse::error::DseError;
use crate::dse::objective::{Objective, ObjectiveSpec};
use crate::dse::space::{Param, ParamKind, ParamSpace, Point, RawParam, Value};

/// Worker threads a study may ask for: beyond this a pool only adds thread overhead (and
/// `threads = 100000` spawned thousands of threads).
pub const MAX_THREADS: usize = 256;
/// Points asked per step (every point of a batch is held in memory with its metrics).
pub const MAX_BATCH: usize = 100_000;
/// Local worker processes `workers = N` may start.
pub const MAX_WORKERS: usize = 64;
/// Heartbeat interval and grace time when the spec gives none (Optuna's grace defaults to twice
/// the interval; a little more here, since a busy 2-core machine may delay a heartbeat thread).
pub const DEFAULT_HEARTBEAT: f64 = 5.0;
pub const DEFAULT_GRACE_FACTOR: f64 = 4.0;

/// A study as written in TOML.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudySpec {
    /// Name of the study (default: the file's stem).
    pub name: Option<String>,
    #[serde(default)]
    pub seed: u64,
    /// Maximum number of trials (proposed points, repeats included).
    pub budget: usize,
    /// Points asked per step and evaluated in parallel (also accepted as `parallelism`). The trials
    /// depend on the batch size, never on the number of threads.
    #[serde(default = "one", alias = "parallelism")]
    pub batch: usize,
    /// Worker threads for a batch (default: rayon's global pool, which honours RAYON_NUM_THREADS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads: Option<usize>,
    /// Where the study lives: `sqlite:///FILE` or `postgresql://USER@HOST:PORT/DB` (Optuna's
    /// relational schema; default: `study.db` in the run directory).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage: Option<String>,
    /// Worker processes `dse run` starts on this machine, each claiming one trial at a time from
    /// the storage (default: one process evaluating whole batches, reproducible and resumable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workers: Option<usize>,
    /// How often a worker records that it is alive while it evaluates a trial (seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heartbeat_seconds: Option<f64>,
    /// A RUNNING trial whose heartbeat is older than this is failed and retried once (seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grace_seconds: Option<f64>,
    /// `name = "..."` plus the environment's options (e.g. `trace` for dram).
    pub env: toml::Table,
    #[serde(default)]
    pub space: SpaceSpec,
    pub objective: ObjectiveSpec,
    /// `name = "..."` plus the agent's hyperparameters.
    pub agent: toml::Table,
    /// For `dse sweep`: hyperparameter name -> list of values, plus optional `seeds = [..]`.
    #[serde(default, skip_serializing_if = "toml::Table::is_empty")]
    pub sweep: toml::Table,
}

fn one() -> usize {
    1
}

/// Optional narrowing of the environment's space.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpaceSpec {
    /// Parameters re-declared with a narrower domain (same name as in the environment).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub param: Vec<toml::Table>,
    /// Parameters pinned to one value (not searched).
    #[serde(default, skip_serializing_if = "toml::Table::is_empty")]
    pub fixed: toml::Table,
    pub real_bins: Option<usize>,
}

/// A study name becomes a folder name (`workspace/dse/<name>`), so it must be a plain name: no
/// separators, no `..`, nothing absolute, so it cannot put the study anywhere else.
pub fn check_plain_name(name: &str) -> Result<(), DseError> {
    let plain = !name.is_empty()
        && name.len() <= 100
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ' '));
    if plain {
        Ok(())
    } else {
        Err(DseError::BadStudy(format!(
            "the study name `{name}` is not a plain name; use letters, digits, spaces, `-`, `_` and `.` only (it names the study's folder)"
        )))
    }
}

impl StudySpec {
    pub fn from_toml_str(text: &str, file: &str) -> Result<StudySpec, DseError> {
        let mut spec: StudySpec = toml::from_str(text).map_err(|e| DseError::Toml {
            file: file.into(),
            message: e.to_string(),
        })?;
        // A name the file gives is checked; one taken from the file's own stem is a name already.
        if let Some(name) = &spec.name {
            check_plain_name(name)?;
        }
        if spec.name.is_none() {
            let stem = std::path::Path::new(file)
                .file_stem()
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_else(|| "study".into());
            spec.name = Some(stem);
        }
        Ok(spec)
    }

    /// Reads a study file; relative file names in its `[env]` table are taken from its directory
    /// (and stored resolved, so a later resume works from any working directory).
    pub fn from_file(path: &std::path::Path) -> Result<StudySpec, DseError> {
        let text = std::fs::read_to_string(path).map_err(|e| DseError::io(path, e))?;
        let mut spec = StudySpec::from_toml_str(&text, &path.display().to_string())?;
        let base = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(std::path::Path::new("."));
        crate::dse::env::resolve_paths(&mut spec.env, base);
        Ok(spec)
    }

    pub fn heartbeat(&self) -> f64 {
        self.heartbeat_seconds.unwrap_or(DEFAULT_HEARTBEAT)
    }

    pub fn grace(&self) -> f64 {
        self.grace_seconds
            .unwrap_or(self.heartbeat() * DEFAULT_GRACE_FACTOR)
    }

    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }

    pub fn name(&self) -> String {
        self.name.clone().unwrap_or_else(|| "study".into())
    }

    pub fn env_name(&self) -> Result<String, DseError> {
        table_name(&self.env, "[env]")
    }

    pub fn agent_name(&self) -> Result<String, DseError> {
        table_name(&self.agent, "[agent]")
    }

    /// The agent's hyperparameters (the `[agent]` table without `name`).
    pub fn agent_hyper(&self) -> toml::Table {
        let mut t = self.agent.clone();
        t.remove("name");
        t
    }
}

fn table_name(t: &toml::Table, what: &str) -> Result<String, DseError> {
    match t.get("name") {
        Some(toml::Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(DseError::BadStudy(format!(
            "{what} name must be a string, got {other}"
        ))),
        None => Err(DseError::BadStudy(format!("{what} needs `name = \"...\"`"))),
    }
}

/// A study spec checked against its environment: everything needed to run it.
pub struct Prepared {
    pub spec: StudySpec,
    pub env: Arc<dyn Environment>,
    /// The space the agent searches (the environment's, narrowed and without fixed parameters).
    pub search: ParamSpace,
    /// For each searched parameter, its index in the environment's space.
    pub mapping: Vec<usize>,
    /// Pinned values by environment index.
    pub fixed: Vec<(usize, Value)>,
    pub objective: Objective,
    pub agent_name: String,
}

fn kind_tag(k: &ParamKind) -> &'static str {
    match k {
        ParamKind::Categorical { .. } => "categorical",
        ParamKind::Int { .. } => "int",
        ParamKind::Pow2 { .. } => "pow2",
        ParamKind::Real { .. } => "real",
    }
}

/// Whether every value of `narrow` is a value of `wide`.
fn within(narrow: &Param, wide: &Param) -> Result<(), DseError> {
    let bad = |m: String| DseError::BadParam {
        name: narrow.name.clone(),
        message: m,
    };
    let ok = match (&narrow.kind, &wide.kind) {
        (ParamKind::Categorical { choices: a }, ParamKind::Categorical { choices: b }) => {
            if let Some(c) = a.iter().find(|c| !b.contains(c)) {
                return Err(bad(format!(
                    "choice `{c}` is not offered by the environment ({})",
                    wide.describe_domain()
                )));
            }
            true
        }
        (ParamKind::Int { low, high }, ParamKind::Int { low: l, high: h })
        | (ParamKind::Pow2 { low, high }, ParamKind::Pow2 { low: l, high: h }) => {
            low >= l && high <= h
        }
        (
            ParamKind::Real { low, high, .. },
            ParamKind::Real {
                low: l, high: h, ..
            },
        ) => low >= l && high <= h,
        _ => {
            return Err(bad(format!(
                "kind `{}` does not match the environment's kind `{}`",
                kind_tag(&narrow.kind),
                kind_tag(&wide.kind)
            )))
        }
    };
    if ok {
        Ok(())
    } else {
        Err(bad(format!(
            "{} is wider than the environment's domain, {}",
            narrow.describe_domain(),
            wide.describe_domain()
        )))
    }
}

fn to_json(v: &toml::Value) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

impl Prepared {
    pub fn new(spec: StudySpec) -> Result<Prepared, DseError> {
        if spec.budget == 0 {
            return Err(DseError::BadStudy("budget must be at least 1".into()));
        }
        if spec.batch == 0 {
            return Err(DseError::BadStudy("batch must be at least 1".into()));
        }
        if spec.threads == Some(0) {
            return Err(DseError::BadStudy("threads must be at least 1".into()));
        }
        if let Some(n) = spec.threads.filter(|n| *n > MAX_THREADS) {
            return Err(DseError::BadStudy(format!(
                "threads = {n}: at most {MAX_THREADS} (leave it out to use one per core)"
            )));
        }
        if spec.batch > MAX_BATCH {
            return Err(DseError::BadStudy(format!(
                "batch = {}: at most {MAX_BATCH} points per step",
                spec.batch
            )));
        }
        if let Some(n) = spec.workers {
            if n == 0 || n > MAX_WORKERS {
                return Err(DseError::BadStudy(format!(
                    "workers = {n}: between 1 and {MAX_WORKERS} local worker processes"
                )));
            }
        }
        let (hb, grace) = (spec.heartbeat(), spec.grace());
        if !(hb > 0.0 && hb.is_finite() && grace > hb && grace.is_finite()) {
            return Err(DseError::BadStudy(format!(
                "heartbeat_seconds = {hb}, grace_seconds = {grace}: both must be positive, the grace time longer than the heartbeat"
            )));
        }
        if let Some(url) = &spec.storage {
            super::db::Url::parse(url)?;
        }
        let env_name = spec.env_name()?;
        let mut options = spec.env.clone();
        options.remove("name");
        let env = make_env(&env_name, &options)?;
        let env_space = env.space().clone();
        let mut fixed = Vec::new();
        for (k, v) in &spec.space.fixed {
            let i = env_space
                .index_of(k)
                .ok_or_else(|| DseError::UnknownParam {
                    context: "[space.fixed]".into(),
                    name: k.clone(),
                    known: env_space.names().join(", "),
                })?;
            fixed.push((i, env_space.params[i].parse_json(&to_json(v))?));
        }
        let mut params: Vec<Param> = Vec::new();
        let mut mapping = Vec::new();
        let mut overrides = std::collections::HashMap::new();
        for t in &spec.space.param {
            let raw: RawParam = toml::Value::Table(t.clone())
                .try_into()
                .map_err(|e| DseError::BadStudy(format!("[[space.param]]: {e}")))?;
            let p = raw.check()?;
            let i = env_space
                .index_of(&p.name)
                .ok_or_else(|| DseError::UnknownParam {
                    context: "[[space.param]]".into(),
                    name: p.name.clone(),
                    known: env_space.names().join(", "),
                })?;
            within(&p, &env_space.params[i])?;
            if fixed.iter().any(|(f, _)| *f == i) {
                return Err(DseError::BadParam {
                    name: p.name.clone(),
                    message: "both fixed and re-declared".into(),
                });
            }
            if overrides.contains_key(&i) {
                return Err(DseError::BadParam {
                    name: p.name.clone(),
                    message: "declared twice in [[space.param]]".into(),
                });
            }
            overrides.insert(i, p);
        }
        for (i, p) in env_space.params.iter().enumerate() {
            if fixed.iter().any(|(f, _)| *f == i) {
                continue;
            }
            params.push(overrides.remove(&i).unwrap_or_else(|| p.clone()));
            mapping.push(i);
        }
        if params.is_empty() {
            return Err(DseError::BadStudy(
                "every parameter is fixed; nothing to search".into(),
            ));
        }
        let mut search = ParamSpace::new(params)?;
        search.real_bins = env_space.real_bins;
        if let Some(b) = spec.space.real_bins {
            if b < 2 {
                return Err(DseError::BadStudy(format!(
                    "[space] real_bins must be >= 2, got {b}"
                )));
            }
            search.real_bins = b;
        }
        let objective = Objective::from_spec(&spec.objective, env.metrics())?;
        let agent_name = spec.agent_name()?;
        // build once now so that an unknown agent or hyperparameter fails before anything is written
        make_agent(&agent_name, &spec.agent_hyper(), &search, spec.seed)?;
        Ok(Prepared {
            spec,
            env,
            search,
            mapping,
            fixed,
            objective,
            agent_name,
        })
    }

    pub fn make_agent(&self) -> Result<Box<dyn Agent>, DseError> {
        make_agent(
            &self.agent_name,
            &self.spec.agent_hyper(),
            &self.search,
            self.spec.seed,
        )
    }

    /// The environment's point for a searched point (fixed values filled in).
    pub fn env_point(&self, p: &Point) -> Point {
        let n = self.env.space().len();
        let mut values: Vec<Option<Value>> = vec![None; n];
        for (k, &i) in self.mapping.iter().enumerate() {
            values[i] = Some(p.0[k].clone());
        }
        for (i, v) in &self.fixed {
            values[*i] = Some(v.clone());
        }
        Point(
            values
                .into_iter()
                .map(|v| v.unwrap_or(Value::Int(0)))
                .collect(),
        )
    }

    /// The searched point inside an environment point.
    pub fn search_point(&self, env_point: &Point) -> Point {
        Point(
            self.mapping
                .iter()
                .map(|&i| env_point.0[i].clone())
                .collect(),
        )
    }
}
