//! Design-space exploration: parameter spaces, environments, objectives and targets, seeded search
//! agents, studies with a trial store, reports and proxy models.
//!
//! This module knows nothing about prompts or LLMs. The functions below are the plain-Rust facade that
//! the tool layer calls (`dse_list_envs`, `dse_describe_env`, `dse_evaluate`, `dse_run_study`); the
//! CLI lives in [`cli`].
//!
//! Layering (each line imports only from the lines above it; keep it so):
//! `error`, then `crate::sim` <- `space`, `objective` (metrics, scores) <- `forest`, `proxy` (a trained
//! model's data) <- `env` <- `agents` <- `study` (spec, store, run, summary, CSV) <- `report`,
//! `train`, `sweep`, `similar` <- `cli` and this facade (`vsa` stands alone). Running a study does not write its report; the caller
//! does ([`report::write_study_report`]).

pub mod agents;
pub mod cli;
pub mod env;
pub mod error;
pub mod forest;
pub mod objective;
pub mod proxy;
pub mod report;
pub mod similar;
pub mod space;
pub mod study;
pub mod sweep;
pub mod train;
pub mod vsa;

use std::path::Path;

pub use agents::{list_agents, Agent, AgentInfo, Observation};
pub use env::{EnvDescription, EnvInfo, Environment, MetricInfo, Metrics};
pub use error::DseError;
pub use objective::{Bound, Objective, Score};
pub use space::{Param, ParamKind, ParamSpace, Point, Value};
pub use study::{StudySpec, StudySummary};

/// Every environment that can be named in a study (`proxy:FILE` appears once as a pattern).
pub fn list_envs() -> Vec<EnvInfo> {
    env::list_envs()
}

/// The space, metrics and options of an environment. `name` may carry options as
/// `name?key=value&key=value` (e.g. `dram?trace=random.stl`), or be `proxy:FILE`.
pub fn describe_env(name: &str) -> Result<EnvDescription, DseError> {
    env::describe(name)
}

/// Evaluates one point, given as a JSON object `{parameter: value}` with every parameter present.
pub fn evaluate(env_ref: &str, point: &serde_json::Value) -> Result<Metrics, DseError> {
    let (name, options) = env::parse_env_ref(env_ref);
    let e = env::make_env(&name, &options)?;
    let p = e.space().point_from_json(point)?;
    e.evaluate(&p)
}

/// `describe_env` for a reference a model wrote: its files must lie inside `root` (see
/// [`env::confine`]).
pub fn describe_env_in(name: &str, root: &Path) -> Result<EnvDescription, DseError> {
    env::describe_confined(name, root)
}

/// `evaluate` for a reference a model wrote: its files must lie inside `root`.
pub fn evaluate_in(
    env_ref: &str,
    point: &serde_json::Value,
    root: &Path,
) -> Result<Metrics, DseError> {
    let (name, options) = env::parse_env_ref(env_ref);
    let (name, options) = env::confine(&name, &options, root)?;
    let e = env::make_env(&name, &options)?;
    let p = e.space().point_from_json(point)?;
    e.evaluate(&p)
}

/// `run_study_from_toml` for a spec a model wrote: the files of its `[env]` must lie inside
/// `root`.
pub fn run_study_from_toml_in(
    spec_toml: &str,
    out_dir: &Path,
    root: &Path,
) -> Result<StudySummary, DseError> {
    let mut spec = StudySpec::from_toml_str(spec_toml, "study spec")?;
    let name = spec.env_name()?;
    let mut options = spec.env.clone();
    options.remove("name");
    let (name, mut options) = env::confine(&name, &options, root)?;
    options.insert("name".into(), toml::Value::String(name));
    spec.env = options;
    let summary = study::run_study(spec, out_dir, &study::RunOptions::default())?;
    report::write_study_report(out_dir, &summary)?;
    Ok(summary)
}

/// Runs the study written in `spec_toml` into the new run directory `out_dir` (created; it must not
/// already hold a study) and returns the best points, the target status and the report path.
pub fn run_study_from_toml(spec_toml: &str, out_dir: &Path) -> Result<StudySummary, DseError> {
    let spec = StudySpec::from_toml_str(spec_toml, "study spec")?;
    let summary = study::run_study(spec, out_dir, &study::RunOptions::default())?;
    report::write_study_report(out_dir, &summary)?;
    Ok(summary)
}
