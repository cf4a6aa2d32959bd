//! What a study found: best points, target status, Pareto front and counts, as one serialisable value
//! (returned to the CLI and to the tool layer, and written into the report).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::spec::Prepared;
use super::store::Trial;
use crate::dse::env::Metrics;
use crate::dse::error::DseError;
use crate::dse::objective::{pareto_front, Bound, Score};

/// Where the study's report goes in its run directory (written by `dse::report`, named here so that
/// a summary can point at it).
pub const REPORT_FILE: &str = "report.md";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BestPoint {
    pub trial: usize,
    pub point: serde_json::Value,
    pub metrics: Metrics,
    pub loss: f64,
    pub violation: f64,
    pub reward: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TargetStatus {
    pub targets: Vec<Bound>,
    pub met: bool,
    /// 1-based number of trials (evaluations asked) when the target was first met.
    pub met_after_trials: Option<usize>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StudySummary {
    pub name: String,
    pub env: String,
    pub agent: String,
    pub seed: u64,
    pub budget: usize,
    pub batch: usize,
    pub trials: usize,
    /// Trials that ran the environment (not served from the cache).
    pub evaluations: usize,
    pub cache_hits: usize,
    pub failures: usize,
    /// Up to five best distinct points, best first.
    pub best: Vec<BestPoint>,
    pub target: TargetStatus,
    pub pareto_metrics: Vec<String>,
    /// The non-dominated feasible points over `pareto_metrics`, sorted by the first metric.
    pub pareto: Vec<BestPoint>,
    pub run_dir: PathBuf,
    pub db_path: PathBuf,
    pub csv_path: PathBuf,
    pub report_path: PathBuf,
    /// Wall time spent in the study (summed over resumes).
    pub seconds: f64,
    pub evaluations_per_second: f64,
    pub finished: bool,
}

fn best_point(t: &Trial) -> Option<BestPoint> {
    Some(BestPoint {
        trial: t.id,
        point: t.point.clone(),
        metrics: t.metrics.clone()?,
        loss: t.loss,
        violation: t.violation,
        reward: t.reward,
    })
}

fn score(t: &Trial) -> Score {
    Score {
        loss: t.loss,
        violation: t.violation,
    }
}

/// The metrics of the Pareto front: the objective's, else the environment's default pair.
pub fn pareto_metrics(prep: &Prepared) -> Vec<(String, bool)> {
    if !prep.objective.pareto.is_empty() {
        return prep.objective.pareto.clone();
    }
    prep.env
        .default_pareto()
        .into_iter()
        .map(|m| (m, false))
        .collect()
}

/// Distinct successful trials (first occurrence of each point).
pub fn distinct_ok(trials: &[Trial]) -> Vec<&Trial> {
    let mut seen = HashSet::new();
    trials
        .iter()
        .filter(|t| t.metrics.is_some())
        .filter(|t| seen.insert(t.point.to_string()))
        .collect()
}

pub fn summarize(
    prep: &Prepared,
    trials: &[Trial],
    dir: &Path,
    seconds: f64,
) -> Result<StudySummary, DseError> {
    let mut ok = distinct_ok(trials);
    ok.sort_by(|a, b| score(a).compare(&score(b)).then(a.id.cmp(&b.id)));
    let best = ok.iter().take(5).filter_map(|t| best_point(t)).collect();

    let pm = pareto_metrics(prep);
    let mut pareto = Vec::new();
    if pm.len() >= 2 {
        let feasible: Vec<&Trial> = distinct_ok(trials)
            .into_iter()
            .filter(|t| score(t).feasible())
            .collect();
        let rows: Vec<Vec<f64>> = feasible
            .iter()
            .map(|t| {
                pm.iter()
                    .map(|(m, max)| {
                        let v = t
                            .metrics
                            .as_ref()
                            .and_then(|x| x.get(m).copied())
                            .unwrap_or(f64::NAN);
                        if *max {
                            -v
                        } else {
                            v
                        }
                    })
                    .collect()
            })
            .collect();
        let mut idx = pareto_front(&rows);
        idx.sort_by(|&a, &b| {
            rows[a][0]
                .total_cmp(&rows[b][0])
                .then(feasible[a].id.cmp(&feasible[b].id))
        });
        pareto = idx
            .iter()
            .filter_map(|&i| best_point(feasible[i]))
            .collect();
    }
    let evaluations = trials.iter().filter(|t| !t.cached).count();
    let met_after = trials.iter().find(|t| t.target_met).map(|t| t.id + 1);
    Ok(StudySummary {
        name: prep.spec.name(),
        env: prep.env.name().to_string(),
        agent: prep.agent_name.clone(),
        seed: prep.spec.seed,
        budget: prep.spec.budget,
        batch: prep.spec.batch,
        trials: trials.len(),
        evaluations,
        cache_hits: trials.len() - evaluations,
        failures: trials.iter().filter(|t| t.metrics.is_none()).count(),
        best,
        target: TargetStatus {
            targets: prep.objective.targets.clone(),
            met: met_after.is_some(),
            met_after_trials: met_after,
        },
        pareto_metrics: pm
            .iter()
            .map(|(m, max)| if *max { format!("max:{m}") } else { m.clone() })
            .collect(),
        pareto,
        run_dir: dir.to_path_buf(),
        db_path: dir.join(super::store::DB_FILE),
        csv_path: dir.join(super::export::CSV_FILE),
        report_path: dir.join(REPORT_FILE),
        seconds,
        evaluations_per_second: if seconds > 0.0 {
            evaluations as f64 / seconds
        } else {
            0.0
        },
        finished: met_after.is_some() || trials.len() >= prep.spec.budget,
    })
}

/// Best loss seen after each trial (for the best-so-far plot and the benchmark).
pub fn best_so_far(trials: &[Trial]) -> Vec<Score> {
    let mut best = Score::FAILED;
    trials
        .iter()
        .map(|t| {
            if score(t).better_than(&best) {
                best = score(t);
            }
            best
        })
        .collect()
}
