//! Running a study: ask a batch, evaluate the new points in parallel, store, tell; stop at the budget
//! or when the target is met. Resuming replays the stored trials through a fresh agent (which is
//! seeded, so it proposes the same points again) and continues, giving the same trials as a run that
//! was never interrupted.

use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

use rayon::prelude::*;

use super::spec::{Prepared, StudySpec};
use super::store::{Store, Trial};
use super::summary::{summarize, StudySummary};
use crate::dse::agents::Observation;
use crate::dse::env::Metrics;
use crate::dse::error::DseError;
use crate::dse::objective::Score;
use crate::dse::space::{Point, Value};

/// Held by the process running or resuming the study in a directory.
pub const LOCK_FILE: &str = "study.lock";

/// Options that are not part of the study's identity.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Stop at the first batch boundary after this many new trials in this call (to simulate an
    /// interruption in tests, or to run a study in slices); the study can be resumed afterwards.
    /// Batches are never split, so the resumed study asks exactly what an uninterrupted one would.
    pub max_new_trials: Option<usize>,
    /// Skip writing the CSV (sweeps write their own summary). The report is never written here: the
    /// caller writes it with `dse::report::write_study_report`.
    pub no_report: bool,
}

/// Starts a new study in `dir` (which must not already hold one).
pub fn run_study(spec: StudySpec, dir: &Path, opts: &RunOptions) -> Result<StudySummary, DseError> {
    let prepared = Prepared::new(spec)?;
    let (_lock, mut store) = new_study(&prepared, dir)?;
    drive(&prepared, &mut store, dir, opts)
}

/// Makes the run directory and the study in its storage (checked first, so that an unreachable
/// database or a foreign schema leaves no directory behind); the lock is held while it runs.
pub(crate) fn new_study(
    prep: &Prepared,
    dir: &Path,
) -> Result<(crate::lockfile::DirLock, Store), DseError> {
    if let Some(url) = &prep.spec.storage {
        Store::probe(url)?;
    }
    std::fs::create_dir_all(dir).map_err(|e| DseError::io(dir, e))?;
    let lock = crate::lockfile::try_lock(dir, LOCK_FILE)?;
    let mut store = Store::create(
        dir,
        prep.spec.storage.as_deref(),
        &prep.spec.name(),
        &prep.spec.to_toml(),
    )?;
    store.set_meta("created", &chrono::Utc::now().to_rfc3339())?;
    Ok((lock, store))
}

/// Continues the study stored in `dir`, optionally with a larger budget.
pub fn resume_study(
    dir: &Path,
    budget: Option<usize>,
    opts: &RunOptions,
) -> Result<StudySummary, DseError> {
    let mut store = Store::open(dir)?;
    let _lock = crate::lockfile::try_lock(dir, LOCK_FILE)?;
    let text = store.meta("spec")?.ok_or_else(|| DseError::Resume {
        path: dir.into(),
        message: "the store has no study spec".into(),
    })?;
    let mut spec = StudySpec::from_toml_str(&text, store.shown_url())?;
    if let Some(b) = budget {
        if b < spec.budget {
            return Err(DseError::Resume {
                path: dir.into(),
                message: format!(
                    "--budget {b} is below the study's budget of {}; a resume can only raise it",
                    spec.budget
                ),
            });
        }
        spec.budget = b;
    }
    // checked before anything is saved, so a bad budget cannot break later resumes
    let prepared = Prepared::new(spec)?;
    if budget.is_some() {
        store.set_meta("spec", &prepared.spec.to_toml())?;
    }
    drive(&prepared, &mut store, dir, opts)
}

/// Rebuilds the agent from the stored trials, then continues.
fn drive(
    prep: &Prepared,
    store: &mut Store,
    dir: &Path,
    opts: &RunOptions,
) -> Result<StudySummary, DseError> {
    let started = Instant::now();
    let prev: f64 = store
        .meta("seconds")?
        .and_then(|s| s.parse().ok())
        .unwrap_or(0.0);
    let mut agent = prep.make_agent()?;
    let past = store.trials()?;
    let env_space = prep.env.space();
    // failures are cached too: environments are pure, so a failing point fails again
    let mut cache: HashMap<String, Result<Metrics, String>> = HashMap::new();
    let mut met = false;
    let mut i = 0;
    let mut batch_no = 0;
    while i < past.len() {
        let b = past[i].batch;
        let j = past[i..]
            .iter()
            .position(|t| t.batch != b)
            .map_or(past.len(), |k| i + k);
        let asked = agent.ask(j - i);
        let mut obs = Vec::with_capacity(j - i);
        for (t, p) in past[i..j].iter().zip(asked) {
            let stored = env_space.point_from_json(&t.point)?;
            let proposed = prep.env_point(&p);
            if !same_point(&proposed, &stored) {
                return Err(DseError::Resume {
                    path: dir.into(),
                    message: format!(
                        "trial {} does not replay: the agent now proposes {} but the store has {}; \
                         was the agent or environment changed since the run started?",
                        t.id,
                        env_space.point_to_json(&prep.env_point(&p)),
                        t.point
                    ),
                });
            }
            let outcome = match (&t.metrics, &t.error) {
                (Some(m), _) => Ok(m.clone()),
                (None, e) => Err(e.clone().unwrap_or_default()),
            };
            // keyed by the agent's exact point: JSON text does not always round-trip the last bit
            cache.insert(env_space.key(&proposed), outcome);
            met |= t.target_met;
            obs.push(Observation {
                point: p,
                score: Score {
                    loss: t.loss,
                    violation: t.violation,
                },
            });
        }
        agent.tell(&obs);
        i = j;
        batch_no = b + 1;
    }

    let pool = match prep.spec.threads {
        Some(n) => Some(
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .map_err(|e| DseError::BadStudy(format!("threads = {n}: {e}")))?,
        ),
        None => None,
    };
    let budget = prep.spec.budget;
    let mut done = past.len();
    let mut new_trials = 0;
    while done < budget && !met && opts.max_new_trials.is_none_or(|m| new_trials < m) {
        let n = prep.spec.batch.min(budget - done);
        let asked = agent.ask(n);
        let env_points: Vec<Point> = asked.iter().map(|p| prep.env_point(p)).collect();
        let keys: Vec<String> = env_points.iter().map(|p| env_space.key(p)).collect();
        // evaluate each new distinct point once, in parallel
        let mut todo: Vec<(String, Point)> = Vec::new();
        for (k, p) in keys.iter().zip(&env_points) {
            if !cache.contains_key(k) && !todo.iter().any(|(t, _)| t == k) {
                todo.push((k.clone(), p.clone()));
            }
        }
        let env = &prep.env;
        let eval_all = || -> Vec<(String, Result<Metrics, DseError>, f64)> {
            todo.par_iter()
                .map(|(k, p)| {
                    let t0 = Instant::now();
                    let r = env.evaluate(p);
                    (k.clone(), r, t0.elapsed().as_secs_f64())
                })
                .collect()
        };
        let results = match &pool {
            Some(pool) => pool.install(eval_all),
            None => eval_all(),
        };
        let mut fresh: HashMap<String, (Result<Metrics, String>, f64)> = HashMap::new();
        for (k, r, secs) in results {
            fresh.insert(k, (r.map_err(|e| e.to_string()), secs));
        }
        let mut trials = Vec::with_capacity(n);
        let mut obs = Vec::with_capacity(n);
        for (idx, ((k, p), asked_p)) in keys.iter().zip(&env_points).zip(asked).enumerate() {
            // the first occurrence of a new point pays for the run; every repeat is a cache hit
            let (outcome, cached, secs) = match cache.get(k) {
                Some(r) => (r.clone(), true, 0.0),
                None => match fresh.remove(k) {
                    Some((r, s)) => {
                        cache.insert(k.clone(), r.clone());
                        (r, false, s)
                    }
                    None => (Err("internal: point was not evaluated".into()), false, 0.0),
                },
            };
            let (trial, score) = finish_trial(
                prep,
                done + idx,
                batch_no,
                env_space.point_to_json(p),
                outcome,
                cached,
                secs,
            );
            met |= trial.target_met;
            trials.push(trial);
            obs.push(Observation {
                point: asked_p,
                score,
            });
        }
        store.append(prep, &trials)?;
        // per batch, so that a killed study still reports the time it ran
        store.set_meta(
            "seconds",
            &format!("{}", prev + started.elapsed().as_secs_f64()),
        )?;
        agent.tell(&obs);
        done += n;
        new_trials += n;
        batch_no += 1;
    }
    let secs = started.elapsed().as_secs_f64();
    store.set_meta("seconds", &format!("{}", prev + secs))?;
    let trials = store.trials()?;
    let summary = summarize(prep, &trials, dir, prev + secs)?;
    if !opts.no_report {
        super::export::write_csv(prep, &trials, &dir.join(super::export::CSV_FILE))?;
    }
    Ok(summary)
}

/// Equality up to the last bits of reals (the store keeps points as JSON text, and parsing JSON does
/// not always give back the exact same `f64`).
fn same_point(a: &Point, b: &Point) -> bool {
    a.0.len() == b.0.len()
        && a.0.iter().zip(&b.0).all(|(x, y)| match (x, y) {
            (Value::Real(x), Value::Real(y)) => (x - y).abs() <= 1e-12 * x.abs().max(1.0),
            _ => x == y,
        })
}

/// A trial record from an evaluation's outcome: its score, reward and target status.
pub(crate) fn finish_trial(
    prep: &Prepared,
    id: usize,
    batch: usize,
    point: serde_json::Value,
    outcome: Result<Metrics, String>,
    cached: bool,
    eval_seconds: f64,
) -> (Trial, Score) {
    let (metrics, error) = match outcome {
        Ok(m) => (Some(m), None),
        Err(e) => (None, Some(e)),
    };
    let (score, reward, hit) = match &metrics {
        Some(m) => (
            prep.objective.score(m),
            prep.objective.reward(m),
            prep.objective.target_met(m),
        ),
        None => (
            Score::FAILED,
            if prep.objective.targets.is_empty() {
                f64::NEG_INFINITY
            } else {
                0.0
            },
            false,
        ),
    };
    let trial = Trial {
        id,
        batch,
        point,
        metrics,
        error,
        loss: score.loss,
        violation: score.violation,
        reward,
        target_met: hit,
        cached,
        eval_seconds,
    };
    (trial, score)
}
