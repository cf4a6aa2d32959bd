//! Writing trials: a whole batch at once (one process), or one trial at a time by workers sharing
//! the database — claim (a queued trial, or a new one within the budget, under the study row's
//! lock as Optuna takes it), heartbeat, tell, and failing the RUNNING trials of a dead worker after
//! a grace time with one retry queued, as Optuna's `fail_stale_trials` and
//! `RetryFailedTrialCallback` do.

use super::db::{Db, Val};
use super::distribution;
use super::spec::Prepared;
use super::store::{now, num_json, Store, Trial, ATTR};
use crate::dse::error::DseError;

/// A trial a worker holds (state RUNNING in the database).
#[derive(Clone, Debug)]
pub struct Claim {
    pub trial_id: i64,
    pub number: usize,
    /// Parameters it came with (a retry, or a trial Optuna enqueued), as `{name: value}`; empty
    /// for a new trial, whose point the agent proposes.
    pub params: serde_json::Map<String, serde_json::Value>,
    /// The trial it retries, when it is a retry.
    pub retry_of: Option<usize>,
}

fn attr(db: &mut Db, table: &str, trial_id: i64, key: &str, json: String) -> Result<(), DseError> {
    db.exec(
        &format!("INSERT INTO {table} (trial_id, key, value_json) VALUES (?, ?, ?)"),
        &[Val::I(trial_id), key.into(), json.into()],
    )?;
    Ok(())
}

/// The searched parameters of an environment point, with their distributions.
fn write_params(
    db: &mut Db,
    trial_id: i64,
    prep: &Prepared,
    point: &serde_json::Value,
) -> Result<(), DseError> {
    for p in &prep.search.params {
        let Some(raw) = point.get(&p.name) else {
            continue;
        };
        let v = p.parse_json(raw)?;
        db.exec(
            "INSERT INTO trial_params (trial_id, param_name, param_value, distribution_json)
             VALUES (?, ?, ?, ?)",
            &[
                Val::I(trial_id),
                p.name.as_str().into(),
                Val::F(distribution::internal(p, &v)?),
                distribution::distribution_json(p).into(),
            ],
        )?;
    }
    Ok(())
}

fn finite_json(x: f64) -> String {
    if x.is_finite() {
        num_json(x)
    } else {
        "null".into()
    }
}

/// Optuna's state for a finished l2mac trial: a failed evaluation (or a NaN loss, which Optuna
/// cannot rank) is FAIL.
fn state_of(t: &Trial) -> &'static str {
    if t.metrics.is_some() && !t.loss.is_nan() {
        "COMPLETE"
    } else {
        "FAIL"
    }
}

/// The value, l2mac's attributes and the metrics of a finished trial.
fn write_result(db: &mut Db, trial_id: i64, t: &Trial) -> Result<(), DseError> {
    let sys = "trial_system_attributes";
    if state_of(t) == "COMPLETE" {
        let (value, ty) = if t.loss == f64::INFINITY {
            (Val::Null, "INF_POS")
        } else if t.loss == f64::NEG_INFINITY {
            (Val::Null, "INF_NEG")
        } else {
            (Val::F(t.loss), "FINITE")
        };
        db.exec(
            "INSERT INTO trial_values (trial_id, objective, value, value_type) VALUES (?, 0, ?, ?)",
            &[Val::I(trial_id), value, ty.into()],
        )?;
        if t.violation.is_finite() {
            // Optuna's own key: `study.best_trial` then picks among feasible trials, as l2mac does
            attr(
                db,
                sys,
                trial_id,
                "constraints",
                format!("[{}]", num_json(t.violation)),
            )?;
        }
    }
    let b = |x: bool| x.to_string();
    let fields = [
        ("point", t.point.to_string()),
        ("ok", b(t.metrics.is_some())),
        ("batch", t.batch.to_string()),
        ("loss", finite_json(t.loss)),
        ("violation", finite_json(t.violation)),
        ("reward", finite_json(t.reward)),
        ("target_met", b(t.target_met)),
        ("cached", b(t.cached)),
        ("eval_seconds", num_json(t.eval_seconds)),
    ];
    for (k, v) in fields {
        attr(db, sys, trial_id, &format!("{ATTR}{k}"), v)?;
    }
    if let Some(e) = &t.error {
        let text = serde_json::Value::String(e.clone()).to_string();
        attr(db, sys, trial_id, &format!("{ATTR}error"), text)?;
    }
    for (name, value) in t.metrics.iter().flatten() {
        attr(
            db,
            "trial_user_attributes",
            trial_id,
            name,
            num_json(*value),
        )?;
    }
    Ok(())
}

impl Store {
    /// Appends one batch of finished trials atomically (the single-process driver).
    pub fn append(&mut self, prep: &Prepared, trials: &[Trial]) -> Result<(), DseError> {
        let study = self.study_id;
        self.db.tx(|db| {
            for t in trials {
                let start = now();
                let id = db
                    .query(
                        "INSERT INTO trials (number, study_id, state, datetime_start, datetime_complete)
                         VALUES (?, ?, ?, ?, ?) RETURNING trial_id",
                        &[
                            Val::I(t.id as i64),
                            Val::I(study),
                            state_of(t).into(),
                            start.clone().into(),
                            start.into(),
                        ],
                    )?
                    .first()
                    .and_then(|r| r.int(0))
                    .unwrap_or_default();
                write_params(db, id, prep, &t.point)?;
                write_result(db, id, t)?;
            }
            Ok(())
        })
    }

    fn lock_study(db: &mut Db, study: i64) -> Result<(), DseError> {
        let sql = format!(
            "SELECT study_id FROM studies WHERE study_id = ?{}",
            db.dialect().for_update()
        );
        db.query(&sql, &[Val::I(study)])?;
        Ok(())
    }

    /// Trials that hold a place in the budget: every one but those failed as stale.
    fn budget_used(db: &mut Db, study: i64) -> Result<usize, DseError> {
        let n = db
            .query(
                "SELECT COUNT(*) FROM trials t WHERE t.study_id = ? AND NOT EXISTS
                 (SELECT 1 FROM trial_system_attributes a WHERE a.trial_id = t.trial_id AND a.key = ?)",
                &[Val::I(study), format!("{ATTR}stale").into()],
            )?
            .first()
            .and_then(|r| r.int(0))
            .unwrap_or(0);
        Ok(n as usize)
    }

    /// Records that the worker holding `trial_id` is alive (on the database clock, as Optuna does).
    pub fn heartbeat(&mut self, trial_id: i64) -> Result<(), DseError> {
        heartbeat(&mut self.db, trial_id)
    }

    /// Takes the oldest WAITING trial (a retry, or one Optuna enqueued), if any; two workers never
    /// get the same one (the update only succeeds while the trial is still WAITING).
    pub fn claim_waiting(&mut self) -> Result<Option<Claim>, DseError> {
        let study = self.study_id;
        let worker = self.worker.clone();
        let waiting = self.db.query(
            "SELECT trial_id, number FROM trials WHERE study_id = ? AND state = 'WAITING' ORDER BY number",
            &[Val::I(study)],
        )?;
        for w in waiting {
            let (Some(tid), Some(number)) = (w.int(0), w.int(1)) else {
                continue;
            };
            let got = self.db.tx(|db| {
                let n = db.exec(
                    "UPDATE trials SET state = 'RUNNING', datetime_start = ? WHERE trial_id = ? AND state = 'WAITING'",
                    &[now().into(), Val::I(tid)],
                )?;
                if n == 1 {
                    heartbeat(db, tid)?;
                    mark_worker(db, tid, worker.as_deref())?;
                }
                Ok(n == 1)
            })?;
            if got {
                let mut params = serde_json::Map::new();
                let mut retry_of = None;
                for r in self.db.query(
                    "SELECT key, value_json FROM trial_system_attributes WHERE trial_id = ?",
                    &[Val::I(tid)],
                )? {
                    match (r.text(0).as_deref(), r.text(1)) {
                        // Optuna's `enqueue_trial`
                        (Some("fixed_params"), Some(v)) => {
                            if let Ok(serde_json::Value::Object(m)) = serde_json::from_str(&v) {
                                params.extend(m);
                            }
                        }
                        (Some("failed_trial"), Some(v)) => retry_of = v.trim().parse().ok(),
                        _ => {}
                    }
                }
                for r in self.db.query(
                    "SELECT param_name, param_value, distribution_json FROM trial_params WHERE trial_id = ?",
                    &[Val::I(tid)],
                )? {
                    if let (Some(name), Some(v), Some(d)) = (r.text(0), r.real(1), r.text(2)) {
                        let ext = distribution::external(&name, v, &d)?;
                        params.insert(name, ext);
                    }
                }
                return Ok(Some(Claim {
                    trial_id: tid,
                    number: number as usize,
                    params,
                    retry_of,
                }));
            }
        }
        Ok(None)
    }

    /// Creates a RUNNING trial unless `budget` trials already hold a place; the study row is
    /// locked meanwhile, so numbers are unique and the budget is never overshot.
    pub fn claim_new(&mut self, budget: usize) -> Result<Option<Claim>, DseError> {
        let study = self.study_id;
        let worker = self.worker.clone();
        self.db.tx(|db| {
            Store::lock_study(db, study)?;
            if Store::budget_used(db, study)? >= budget {
                return Ok(None);
            }
            let number = db
                .query("SELECT COUNT(*) FROM trials WHERE study_id = ?", &[Val::I(study)])?
                .first()
                .and_then(|r| r.int(0))
                .unwrap_or(0);
            let tid = db
                .query(
                    "INSERT INTO trials (number, study_id, state, datetime_start) VALUES (?, ?, 'RUNNING', ?)
                     RETURNING trial_id",
                    &[Val::I(number), Val::I(study), now().into()],
                )?
                .first()
                .and_then(|r| r.int(0))
                .unwrap_or_default();
            heartbeat(db, tid)?;
            mark_worker(db, tid, worker.as_deref())?;
            Ok(Some(Claim {
                trial_id: tid,
                number: number as usize,
                params: serde_json::Map::new(),
                retry_of: None,
            }))
        })
    }

    /// Writes the point the agent proposed for a new trial.
    pub fn set_point(
        &mut self,
        claim: &Claim,
        prep: &Prepared,
        point: &serde_json::Value,
    ) -> Result<(), DseError> {
        let tid = claim.trial_id;
        self.db.tx(|db| {
            db.exec(
                "DELETE FROM trial_params WHERE trial_id = ?",
                &[Val::I(tid)],
            )?;
            write_params(db, tid, prep, point)
        })
    }

    /// Stores a claimed trial's result; false (nothing written) when the trial is no longer this
    /// worker's because it was failed as stale meanwhile, so a slow worker never adds a duplicate.
    pub fn tell(&mut self, claim: &Claim, t: &Trial) -> Result<bool, DseError> {
        let tid = claim.trial_id;
        self.db.tx(|db| {
            let n = db.exec(
                "UPDATE trials SET state = ?, datetime_complete = ? WHERE trial_id = ? AND state = 'RUNNING'",
                &[state_of(t).into(), now().into(), Val::I(tid)],
            )?;
            if n == 0 {
                return Ok(false);
            }
            write_result(db, tid, t)?;
            Ok(true)
        })
    }

    /// Fails the RUNNING trials whose heartbeat is older than `grace` seconds and queues one retry
    /// of each (a retry that goes stale again is not retried). Returns the failed trial numbers.
    pub fn fail_stale(&mut self, grace: f64) -> Result<Vec<usize>, DseError> {
        let study = self.study_id;
        let age = self.db.dialect().age_seconds("h.heartbeat");
        let probe = format!(
            "SELECT COUNT(*) FROM trials t JOIN trial_heartbeats h ON h.trial_id = t.trial_id
             WHERE t.study_id = ? AND t.state = 'RUNNING' AND {age} > ?"
        );
        // most calls find nothing; look before taking the study's lock
        let any = self.db.query(&probe, &[Val::I(study), Val::F(grace)])?;
        if any.first().and_then(|r| r.int(0)).unwrap_or(0) == 0 {
            return Ok(Vec::new());
        }
        let select = format!(
            "SELECT t.trial_id, t.number FROM trials t JOIN trial_heartbeats h ON h.trial_id = t.trial_id
             WHERE t.study_id = ? AND t.state = 'RUNNING' AND {age} > ? ORDER BY t.number"
        );
        self.db.tx(|db| {
            Store::lock_study(db, study)?;
            let mut failed = Vec::new();
            for r in db.query(&select, &[Val::I(study), Val::F(grace)])? {
                let (Some(tid), Some(number)) = (r.int(0), r.int(1)) else {
                    continue;
                };
                let n = db.exec(
                    "UPDATE trials SET state = 'FAIL', datetime_complete = ? WHERE trial_id = ? AND state = 'RUNNING'",
                    &[now().into(), Val::I(tid)],
                )?;
                if n == 0 {
                    continue;
                }
                failed.push(number as usize);
                attr(db, "trial_system_attributes", tid, &format!("{ATTR}stale"), "true".into())?;
                let prior = db.query(
                    "SELECT key, value_json FROM trial_system_attributes WHERE trial_id = ? AND key IN ('failed_trial', 'retry_history')",
                    &[Val::I(tid)],
                )?;
                if prior.iter().any(|r| r.text(0).as_deref() == Some("failed_trial")) {
                    continue;
                }
                queue_retry(db, study, tid, number)?;
            }
            Ok(failed)
        })
    }

    /// RUNNING or WAITING trials of the study (a worker with nothing to claim waits for these:
    /// one may go stale and come back as a retry).
    pub fn unfinished(&mut self) -> Result<usize, DseError> {
        let study = self.study_id;
        let n = self
            .db
            .query(
                "SELECT COUNT(*) FROM trials WHERE study_id = ? AND state IN ('RUNNING', 'WAITING')",
                &[Val::I(study)],
            )?
            .first()
            .and_then(|r| r.int(0))
            .unwrap_or(0);
        Ok(n as usize)
    }
}

/// A WAITING copy of a stale trial's parameters, marked as Optuna's retry callback marks it.
fn queue_retry(db: &mut Db, study: i64, tid: i64, number: i64) -> Result<(), DseError> {
    let next = db
        .query(
            "SELECT COUNT(*) FROM trials WHERE study_id = ?",
            &[Val::I(study)],
        )?
        .first()
        .and_then(|r| r.int(0))
        .unwrap_or(0);
    let new = db
        .query(
            "INSERT INTO trials (number, study_id, state) VALUES (?, ?, 'WAITING') RETURNING trial_id",
            &[Val::I(next), Val::I(study)],
        )?
        .first()
        .and_then(|r| r.int(0))
        .unwrap_or_default();
    db.exec(
        "INSERT INTO trial_params (trial_id, param_name, param_value, distribution_json)
         SELECT ?, param_name, param_value, distribution_json FROM trial_params WHERE trial_id = ?",
        &[Val::I(new), Val::I(tid)],
    )?;
    let sys = "trial_system_attributes";
    attr(db, sys, new, "failed_trial", number.to_string())?;
    attr(db, sys, new, "retry_history", format!("[{number}]"))?;
    Ok(())
}

pub(crate) fn heartbeat(db: &mut Db, trial_id: i64) -> Result<(), DseError> {
    let sql = format!(
        "INSERT INTO trial_heartbeats (trial_id, heartbeat) VALUES (?, {now})
         ON CONFLICT (trial_id) DO UPDATE SET heartbeat = excluded.heartbeat",
        now = db.dialect().now()
    );
    db.exec(&sql, &[Val::I(trial_id)])?;
    Ok(())
}

/// Which worker process holds a trial (`l2mac:worker`, `host:pid`), for the user who wants to know
/// where a trial ran and for telling a dead worker's trials apart.
fn mark_worker(db: &mut Db, trial_id: i64, worker: Option<&str>) -> Result<(), DseError> {
    if let Some(w) = worker {
        let json = serde_json::Value::String(w.to_string()).to_string();
        attr(
            db,
            "trial_system_attributes",
            trial_id,
            &format!("{ATTR}worker"),
            json,
        )?;
    }
    Ok(())
}
