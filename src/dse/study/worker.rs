//! Workers: processes on any machine that join one study in a shared database and loop — fail
//! the stale trials of dead workers, claim a trial (a queued retry or enqueued point first, else a
//! new one within the budget), ask the agent rebuilt from the whole shared history (as Optuna's
//! samplers read the study), evaluate while a thread keeps the heartbeat, tell. `dse run` with
//! `workers = N` starts N of them as child processes.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::claims::Claim;
use super::db::Db;
use super::run::finish_trial;
use super::spec::{Prepared, StudySpec};
use super::store::{Store, Trial};
use super::summary::{summarize, StudySummary};
use crate::dse::agents::{make_agent, Observation};
use crate::dse::env::Metrics;
use crate::dse::error::DseError;
use crate::dse::objective::Score;
use crate::dse::space::Point;

/// What `dse worker` was asked.
#[derive(Clone, Debug, Default)]
pub struct WorkerOptions {
    /// Stop after this many trials told by this worker.
    pub n_trials: Option<usize>,
    /// The spec for a study that has none yet (one Optuna created): env, objective, agent, budget.
    pub spec: Option<StudySpec>,
}

/// What one worker did.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkerReport {
    pub study: String,
    /// Trials this worker evaluated and stored.
    pub told: usize,
    /// Of those, retries of trials whose worker died, and trials Optuna had enqueued.
    pub retries: usize,
    pub enqueued: usize,
    /// Trials of dead workers this worker failed as stale.
    pub failed_stale: Vec<usize>,
    /// Results dropped because the trial had been failed as stale meanwhile.
    pub dropped: usize,
    pub seconds: f64,
}

/// The environment point of a stored point: parameters the study fixes are filled in (a trial
/// Optuna made holds only the searched ones).
fn env_point(prep: &Prepared, json: &serde_json::Value) -> Result<Point, DseError> {
    let space = prep.env.space();
    let mut obj = json.as_object().cloned().unwrap_or_default();
    for (i, v) in &prep.fixed {
        obj.entry(space.params[*i].name.clone())
            .or_insert_with(|| v.to_json());
    }
    space.point_from_json(&serde_json::Value::Object(obj))
}

/// A seed per trial number, so that workers asking at the same time propose different points and
/// a trial's point does not depend on which worker took it.
fn trial_seed(seed: u64, number: usize) -> u64 {
    seed ^ (number as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// The agent's proposal for trial `number` after the whole finished history, told in the batches
/// it was made in.
fn propose(prep: &Prepared, history: &[Trial], number: usize) -> Result<Point, DseError> {
    let mut agent = make_agent(
        &prep.agent_name,
        &prep.spec.agent_hyper(),
        &prep.search,
        trial_seed(prep.spec.seed, number),
    )?;
    let mut i = 0;
    while i < history.len() {
        let b = history[i].batch;
        let j = history[i..]
            .iter()
            .position(|t| t.batch != b)
            .map_or(history.len(), |k| i + k);
        let obs: Vec<Observation> = history[i..j]
            .iter()
            .filter_map(|t| {
                // a point outside this spec's space (another tool's trial) teaches nothing
                let p = env_point(prep, &t.point).ok()?;
                Some(Observation {
                    point: prep.search_point(&p),
                    score: Score {
                        loss: t.loss,
                        violation: t.violation,
                    },
                })
            })
            .collect();
        agent.tell(&obs);
        i = j;
    }
    agent
        .ask(1)
        .pop()
        .ok_or_else(|| DseError::BadStudy(format!("agent `{}` proposed no point", prep.agent_name)))
}

/// One connection that records the heartbeat of the trial the worker holds, every interval.
struct Heart {
    current: Arc<Mutex<Option<i64>>>,
    stop: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Heart {
    fn start(url: &str, interval: f64) -> Result<Heart, DseError> {
        let mut db = Db::connect(url, false)?;
        let current: Arc<Mutex<Option<i64>>> = Arc::new(Mutex::new(None));
        let held = current.clone();
        let (tx, rx) = mpsc::channel::<()>();
        let thread = std::thread::spawn(move || loop {
            match rx.recv_timeout(Duration::from_secs_f64(interval)) {
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    let id = *held.lock().unwrap_or_else(|p| p.into_inner());
                    if let Some(id) = id {
                        if let Err(e) = super::claims::heartbeat(&mut db, id) {
                            tracing::warn!("heartbeat of trial {id}: {e}");
                        }
                    }
                }
                _ => return,
            }
        });
        Ok(Heart {
            current,
            stop: Some(tx),
            thread: Some(thread),
        })
    }
    fn hold(&self, trial: Option<i64>) {
        *self.current.lock().unwrap_or_else(|p| p.into_inner()) = trial;
    }
}

impl Drop for Heart {
    fn drop(&mut self) {
        self.stop.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The spec of the study, attaching `given` to a study that has none (one Optuna created).
fn study_spec(store: &mut Store, given: Option<&StudySpec>) -> Result<Prepared, DseError> {
    let spec = match store.meta("spec")? {
        Some(text) => StudySpec::from_toml_str(&text, store.shown_url())?,
        None => {
            let Some(spec) = given else {
                return Err(DseError::Storage {
                    url: store.shown_url().to_string(),
                    message: format!(
                        "study `{}` has no l2mac spec (it was made by another tool); give one with --spec STUDY.toml",
                        store.name()
                    ),
                });
            };
            // checked before it is saved, so a bad spec leaves the study as it was
            let prep = Prepared::new(spec.clone())?;
            store.set_meta("spec", &prep.spec.to_toml())?;
            return Ok(prep);
        }
    };
    Prepared::new(spec)
}

/// Runs one worker on study `name` at `url` until the budget is spent (and no trial of another
/// worker is left that could come back as a retry) or `n_trials` are told.
pub fn run_worker(url: &str, name: &str, opts: &WorkerOptions) -> Result<WorkerReport, DseError> {
    let started = Instant::now();
    let mut store = Store::open_url(url, Some(name))?;
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    store.worker = Some(format!("{}:{}", host.trim(), std::process::id()));
    let prep = study_spec(&mut store, opts.spec.as_ref())?;
    let budget = prep.spec.budget;
    let grace = prep.spec.grace();
    let heart = Heart::start(url, prep.spec.heartbeat())?;
    let mut report = WorkerReport {
        study: name.to_string(),
        ..WorkerReport::default()
    };
    let env_space = prep.env.space();
    // short: at the end of a study every idle worker waits here for the last trials
    let poll = Duration::from_secs_f64((prep.spec.heartbeat() / 4.0).clamp(0.01, 0.05));
    while opts.n_trials.is_none_or(|n| report.told < n) {
        report.failed_stale.extend(store.fail_stale(grace)?);
        let claim = match store.claim_waiting()? {
            Some(c) => c,
            None => match store.claim_new(budget)? {
                Some(c) => c,
                None if store.unfinished()? > 0 => {
                    std::thread::sleep(poll);
                    continue;
                }
                None => break,
            },
        };
        heart.hold(Some(claim.trial_id));
        let history = store.trials()?;
        let point = point_for(&prep, &claim, &history)?;
        // also for an enqueued trial, whose parameters Optuna keeps aside until they are used
        store.set_point(&claim, &prep, &env_space.point_to_json(&point))?;
        let key = env_space.key(&point);
        let seen: HashMap<String, &Trial> = history
            .iter()
            .filter(|t| !t.cached)
            .filter_map(|t| Some((env_space.key(&env_point(&prep, &t.point).ok()?), t)))
            .collect();
        // environments are pure: a point evaluated before gives the same result again
        let (outcome, cached, secs) = match seen.get(&key) {
            Some(t) => (
                match (&t.metrics, &t.error) {
                    (Some(m), _) => Ok(m.clone()),
                    (None, e) => Err(e.clone().unwrap_or_default()),
                },
                true,
                0.0,
            ),
            None => {
                let t0 = Instant::now();
                let r: Result<Metrics, String> =
                    prep.env.evaluate(&point).map_err(|e| e.to_string());
                (r, false, t0.elapsed().as_secs_f64())
            }
        };
        let (trial, _) = finish_trial(
            &prep,
            claim.number,
            claim.number,
            env_space.point_to_json(&point),
            outcome,
            cached,
            secs,
        );
        let stored = store.tell(&claim, &trial)?;
        heart.hold(None);
        if stored {
            report.told += 1;
            report.retries += usize::from(claim.retry_of.is_some());
            report.enqueued += usize::from(claim.retry_of.is_none() && !claim.params.is_empty());
        } else {
            report.dropped += 1;
        }
    }
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// The point of a claimed trial: the parameters it came with, the agent's proposal for the rest.
fn point_for(prep: &Prepared, claim: &Claim, history: &[Trial]) -> Result<Point, DseError> {
    let space = prep.env.space();
    if prep
        .search
        .params
        .iter()
        .all(|p| claim.params.contains_key(&p.name))
    {
        return env_point(prep, &serde_json::Value::Object(claim.params.clone()));
    }
    let mut proposed = prep.env_point(&propose(prep, history, claim.number)?);
    for (name, v) in &claim.params {
        let i = space.index_of(name).ok_or_else(|| DseError::UnknownParam {
            context: format!("trial {}", claim.number),
            name: name.clone(),
            known: space.names().join(", "),
        })?;
        proposed.0[i] = space.params[i].parse_json(v)?;
    }
    Ok(proposed)
}

/// `dse run` with `workers = N`: creates the study, starts N `l2mac dse worker` processes on it
/// and waits for them; the summary is read back from the storage.
pub fn run_with_workers(
    spec: StudySpec,
    dir: &Path,
    workers: usize,
    exe: &Path,
) -> Result<StudySummary, DseError> {
    let started = Instant::now();
    let prep = Prepared::new(spec)?;
    let (_lock, mut store) = super::run::new_study(&prep, dir)?;
    let name = prep.spec.name();
    let url = store.url().to_string();
    let mut children = Vec::with_capacity(workers);
    for _ in 0..workers {
        let child = std::process::Command::new(exe)
            .args(["dse", "worker", &name, "--storage", &url])
            .stdout(std::process::Stdio::null())
            .spawn()
            .map_err(|e| DseError::io(exe, e))?;
        children.push(child);
    }
    let mut failed = Vec::new();
    for (i, mut c) in children.into_iter().enumerate() {
        let status = c.wait().map_err(|e| DseError::io(exe, e))?;
        if !status.success() {
            failed.push(format!("worker {i}: {status}"));
        }
    }
    let secs = started.elapsed().as_secs_f64();
    store.set_meta("seconds", &format!("{secs}"))?;
    let trials = store.trials()?;
    if !failed.is_empty() {
        return Err(DseError::Storage {
            url: store.shown_url().to_string(),
            message: format!(
                "{} of {workers} workers failed ({}); {} trials are stored, `l2mac dse worker '{name}' --storage URL` continues",
                failed.len(),
                failed.join(", "),
                trials.len()
            ),
        });
    }
    let summary = summarize(&prep, &trials, dir, secs)?;
    super::export::write_csv(&prep, &trials, &dir.join(super::export::CSV_FILE))?;
    Ok(summary)
}
