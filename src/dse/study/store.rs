//! The trial store: one study in Optuna's relational schema, in a SQLite file of the run directory
//! (`study.db`, the default) or any database a `storage` URL names (PostgreSQL for many workers).
//! Optuna's columns hold what Optuna knows (parameters, the loss as the value, states, times);
//! everything else l2mac needs goes in system attributes under `l2mac:` and the metrics in user
//! attributes, so Optuna and its dashboard see a normal study and l2mac loses nothing.
//! Writing trials (batches, workers' claims and results) is in `claims.rs`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::db::{Db, Url, Val};
use super::distribution;
use crate::dse::env::Metrics;
use crate::dse::error::DseError;

pub const DB_FILE: &str = "study.db";
/// In a run directory whose study lives elsewhere (`storage = "postgresql://..."`): where.
pub const POINTER_FILE: &str = "storage.toml";
/// Prefix of l2mac's study and trial system attributes.
pub(crate) const ATTR: &str = "l2mac:";

/// One stored trial.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Trial {
    /// 0-based trial number (Optuna's `number`).
    pub id: usize,
    /// The ask/tell step it belongs to.
    pub batch: usize,
    /// The environment's point (fixed parameters included), as a JSON object.
    pub point: serde_json::Value,
    /// None when the evaluation failed.
    pub metrics: Option<Metrics>,
    pub error: Option<String>,
    pub loss: f64,
    pub violation: f64,
    pub reward: f64,
    pub target_met: bool,
    /// Served from the cache of earlier identical points (no simulator run).
    pub cached: bool,
    pub eval_seconds: f64,
}

#[derive(Serialize, Deserialize)]
struct Pointer {
    url: String,
    study: String,
}

pub struct Store {
    pub(crate) db: Db,
    pub(crate) study_id: i64,
    name: String,
    url: String,
    /// `host:pid` of the worker process, recorded on the trials it claims.
    pub(crate) worker: Option<String>,
}

/// A number as JSON text that reads back bit for bit (`{:?}` is the shortest round-trip form;
/// the non-finite ones as Python's `json` writes them).
pub(crate) fn num_json(x: f64) -> String {
    if x.is_nan() {
        "NaN".into()
    } else if x == f64::INFINITY {
        "Infinity".into()
    } else if x == f64::NEG_INFINITY {
        "-Infinity".into()
    } else {
        format!("{x:?}")
    }
}

/// Reads [`num_json`]'s text (and Python's) exactly: Rust's parser rounds correctly, serde_json's
/// default one may miss the last bit.
pub(crate) fn json_num(text: &str) -> Option<f64> {
    text.trim().parse().ok()
}

fn now_text() -> String {
    chrono::Utc::now()
        .naive_utc()
        .format(super::db::TIME_FORMAT)
        .to_string()
}

impl Store {
    /// Creates study `name` (storage `url`, default `study.db` in `dir`); fails if `dir` or the
    /// database already holds it. Nothing is written when the database cannot be reached or holds
    /// a schema l2mac does not know.
    pub fn create(
        dir: &Path,
        url: Option<&str>,
        name: &str,
        spec_toml: &str,
    ) -> Result<Store, DseError> {
        if dir.join(DB_FILE).exists() || dir.join(POINTER_FILE).exists() {
            return Err(DseError::BadStudy(format!(
                "{} already holds a study; resume it with `l2mac dse resume {}` or choose another output directory",
                dir.display(),
                dir.display()
            )));
        }
        let url = match url {
            Some(u) => u.to_string(),
            None => Url::sqlite_for(&dir.join(DB_FILE)),
        };
        Url::parse(&url)?;
        let mut db = Db::connect(&url, true)?;
        super::schema::ensure(&mut db)?;
        let study_id = db.tx(|db| {
            if !db
                .query("SELECT study_id FROM studies WHERE study_name = ?", &[name.into()])?
                .is_empty()
            {
                return Err(DseError::Storage {
                    url: db.url.clone(),
                    message: format!(
                        "a study named `{name}` already exists; join it with `l2mac dse worker '{name}' --storage URL` or give the new study another name"
                    ),
                });
            }
            let id = db
                .query(
                    "INSERT INTO studies (study_name) VALUES (?) RETURNING study_id",
                    &[name.into()],
                )?
                .first()
                .and_then(|r| r.int(0))
                .ok_or_else(|| DseError::Storage {
                    url: db.url.clone(),
                    message: "no study id returned".into(),
                })?;
            db.exec(
                "INSERT INTO study_directions (direction, study_id, objective) VALUES ('MINIMIZE', ?, 0)",
                &[Val::I(id)],
            )?;
            Ok(id)
        })?;
        let mut s = Store {
            db,
            study_id,
            name: name.into(),
            url: url.clone(),
            worker: None,
        };
        s.set_meta("spec", spec_toml)?;
        std::fs::create_dir_all(dir).map_err(|e| DseError::io(dir, e))?;
        if url != Url::sqlite_for(&dir.join(DB_FILE)) {
            let p = dir.join(POINTER_FILE);
            let text = toml::to_string(&Pointer {
                url,
                study: name.into(),
            })
            .map_err(|e| DseError::io(&p, e))?;
            std::fs::write(&p, text).map_err(|e| DseError::io(&p, e))?;
        }
        Ok(s)
    }

    /// Checks, writing nothing, that a storage URL can be used for a new study: the server
    /// answers and the schema there (if any) is Optuna's. Run before a run directory is made.
    pub fn probe(url: &str) -> Result<(), DseError> {
        if let Url::Sqlite(path) = Url::parse(url)? {
            if !path.exists() {
                return Ok(());
            }
        }
        let mut db = Db::connect(url, false)?;
        if super::schema::has_tables(&mut db)? {
            super::schema::check(&mut db)?;
        }
        Ok(())
    }

    /// Opens the study of a run directory.
    pub fn open(dir: &Path) -> Result<Store, DseError> {
        let pointer = dir.join(POINTER_FILE);
        if pointer.is_file() {
            let text = std::fs::read_to_string(&pointer).map_err(|e| DseError::io(&pointer, e))?;
            let p: Pointer = toml::from_str(&text).map_err(|e| DseError::Toml {
                file: pointer.display().to_string(),
                message: e.to_string(),
            })?;
            return Store::open_url(&p.url, Some(&p.study));
        }
        let path = dir.join(DB_FILE);
        if !path.exists() {
            return Err(DseError::Store {
                path,
                message: "no study here (missing study.db)".into(),
            });
        }
        Store::open_url(&Url::sqlite_for(&path), None)
    }

    /// Opens study `name` in the database at `url` (`None`: the database's only study). Refuses,
    /// writing nothing, an unreachable database, an unknown schema or a study that is not there.
    pub fn open_url(url: &str, name: Option<&str>) -> Result<Store, DseError> {
        let mut db = Db::connect(url, false)?;
        if !super::schema::has_tables(&mut db)? {
            return Err(DseError::Storage {
                url: db.url.clone(),
                message: format!(
                    "holds no Optuna tables, so no study{}; create one with `l2mac dse run` (storage = this URL) or Optuna",
                    name.map(|n| format!(" named `{n}`")).unwrap_or_default()
                ),
            });
        }
        super::schema::check(&mut db)?;
        let studies = db.query(
            "SELECT study_id, study_name FROM studies ORDER BY study_id",
            &[],
        )?;
        let names: Vec<String> = studies.iter().filter_map(|r| r.text(1)).collect();
        let found = match name {
            Some(n) => studies.iter().find(|r| r.text(1).as_deref() == Some(n)),
            None if studies.len() == 1 => studies.first(),
            None => None,
        };
        let Some(row) = found else {
            let known = if names.is_empty() {
                "it holds no study".to_string()
            } else {
                format!("it holds {}", names.join(", "))
            };
            return Err(DseError::Storage {
                url: db.url.clone(),
                message: match name {
                    Some(n) => format!("no study named `{n}` ({known})"),
                    None => format!("name the study ({known})"),
                },
            });
        };
        let study_id = row.int(0).unwrap_or_default();
        let name = row.text(1).unwrap_or_default();
        let dirs = db.query(
            "SELECT direction FROM study_directions WHERE study_id = ? ORDER BY objective",
            &[Val::I(study_id)],
        )?;
        let dirs: Vec<String> = dirs.iter().filter_map(|r| r.text(0)).collect();
        if dirs != ["MINIMIZE"] {
            return Err(DseError::Storage {
                url: db.url.clone(),
                message: format!(
                    "study `{name}` has directions {dirs:?}; l2mac minimises one loss, so it joins single-objective MINIMIZE studies only"
                ),
            });
        }
        Ok(Store {
            db,
            study_id,
            name,
            url: url.to_string(),
            worker: None,
        })
    }

    /// The storage URL (as given; may hold a password, so print [`Store::shown_url`] instead).
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn shown_url(&self) -> &str {
        &self.db.url
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Sets study system attribute `l2mac:KEY` to a text.
    pub fn set_meta(&mut self, key: &str, value: &str) -> Result<(), DseError> {
        let json = serde_json::Value::String(value.to_string()).to_string();
        let id = self.study_id;
        self.db.exec(
            "INSERT INTO study_system_attributes (study_id, key, value_json) VALUES (?, ?, ?)
             ON CONFLICT (study_id, key) DO UPDATE SET value_json = excluded.value_json",
            &[Val::I(id), format!("{ATTR}{key}").into(), json.into()],
        )?;
        Ok(())
    }

    pub fn meta(&mut self, key: &str) -> Result<Option<String>, DseError> {
        let id = self.study_id;
        let rows = self.db.query(
            "SELECT value_json FROM study_system_attributes WHERE study_id = ? AND key = ?",
            &[Val::I(id), format!("{ATTR}{key}").into()],
        )?;
        Ok(rows
            .first()
            .and_then(|r| r.text(0))
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .map(|v| match v {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            }))
    }

    /// Every finished trial in number order: l2mac's own, and those Optuna (or another tool) made,
    /// read from their parameters and value. Trials failed as stale (a worker died) are left out:
    /// their retry stands for them.
    pub fn trials(&mut self) -> Result<Vec<Trial>, DseError> {
        let id = Val::I(self.study_id);
        let rows = self.db.query(
            "SELECT trial_id, number, state FROM trials WHERE study_id = ?
             AND state IN ('COMPLETE', 'FAIL', 'PRUNED') ORDER BY number",
            std::slice::from_ref(&id),
        )?;
        let mut sys: HashMap<i64, HashMap<String, String>> = HashMap::new();
        for r in self.db.query(
            "SELECT a.trial_id, a.key, a.value_json FROM trial_system_attributes a
             JOIN trials t ON a.trial_id = t.trial_id WHERE t.study_id = ?",
            std::slice::from_ref(&id),
        )? {
            if let (Some(t), Some(k)) = (r.int(0), r.text(1)) {
                sys.entry(t)
                    .or_default()
                    .insert(k, r.text(2).unwrap_or_default());
            }
        }
        let mut user: HashMap<i64, Metrics> = HashMap::new();
        for r in self.db.query(
            "SELECT a.trial_id, a.key, a.value_json FROM trial_user_attributes a
             JOIN trials t ON a.trial_id = t.trial_id WHERE t.study_id = ?",
            std::slice::from_ref(&id),
        )? {
            if let (Some(t), Some(k), Some(v)) =
                (r.int(0), r.text(1), r.text(2).as_deref().and_then(json_num))
            {
                user.entry(t).or_default().insert(k, v);
            }
        }
        let mut params: HashMap<i64, serde_json::Map<String, serde_json::Value>> = HashMap::new();
        for r in self.db.query(
            "SELECT p.trial_id, p.param_name, p.param_value, p.distribution_json FROM trial_params p
             JOIN trials t ON p.trial_id = t.trial_id WHERE t.study_id = ?",
            std::slice::from_ref(&id),
        )? {
            if let (Some(t), Some(name), Some(v), Some(d)) = (r.int(0), r.text(1), r.real(2), r.text(3)) {
                let ext = distribution::external(&name, v, &d)?;
                params.entry(t).or_default().insert(name, ext);
            }
        }
        let mut values: HashMap<i64, f64> = HashMap::new();
        for r in self.db.query(
            "SELECT v.trial_id, v.value, v.value_type FROM trial_values v
             JOIN trials t ON v.trial_id = t.trial_id WHERE t.study_id = ? AND v.objective = 0",
            std::slice::from_ref(&id),
        )? {
            let v = match r.text(2).as_deref() {
                Some("INF_POS") => f64::INFINITY,
                Some("INF_NEG") => f64::NEG_INFINITY,
                _ => r.real(1).unwrap_or(f64::NAN),
            };
            if let Some(t) = r.int(0) {
                values.insert(t, v);
            }
        }
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let (Some(tid), Some(number)) = (r.int(0), r.int(1)) else {
                continue;
            };
            let empty = HashMap::new();
            let attrs = sys.get(&tid).unwrap_or(&empty);
            if attrs.contains_key(&format!("{ATTR}stale")) {
                continue;
            }
            let complete = r.text(2).as_deref() == Some("COMPLETE");
            let metrics = user.remove(&tid).unwrap_or_default();
            let point = params.remove(&tid).unwrap_or_default();
            out.push(read_trial(
                number as usize,
                complete,
                attrs,
                metrics,
                point,
                values.get(&tid).copied(),
            )?);
        }
        Ok(out)
    }
}

/// A trial as the database holds it, in any state (what `trials()` leaves out included).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrialRow {
    pub number: usize,
    /// Optuna's state: RUNNING, WAITING, COMPLETE, FAIL or PRUNED.
    pub state: String,
    /// `host:pid` of the worker that claimed it.
    pub worker: Option<String>,
    /// The trial it retries (Optuna's `failed_trial`).
    pub retry_of: Option<usize>,
    /// Failed because its worker stopped sending heartbeats.
    pub stale: bool,
    /// Its parameters, `{name: value}`.
    pub params: serde_json::Map<String, serde_json::Value>,
}

impl Store {
    /// Every trial row of the study in number order, for checking what workers did.
    pub fn trial_rows(&mut self) -> Result<Vec<TrialRow>, DseError> {
        let id = Val::I(self.study_id);
        let mut rows: Vec<TrialRow> = Vec::new();
        let mut index = HashMap::new();
        for r in self.db.query(
            "SELECT trial_id, number, state FROM trials WHERE study_id = ? ORDER BY number",
            std::slice::from_ref(&id),
        )? {
            if let (Some(t), Some(n)) = (r.int(0), r.int(1)) {
                index.insert(t, rows.len());
                rows.push(TrialRow {
                    number: n as usize,
                    state: r.text(2).unwrap_or_default(),
                    worker: None,
                    retry_of: None,
                    stale: false,
                    params: serde_json::Map::new(),
                });
            }
        }
        for r in self.db.query(
            "SELECT a.trial_id, a.key, a.value_json FROM trial_system_attributes a
             JOIN trials t ON a.trial_id = t.trial_id WHERE t.study_id = ?",
            std::slice::from_ref(&id),
        )? {
            let Some(row) = r.int(0).and_then(|t| index.get(&t)).map(|&i| &mut rows[i]) else {
                continue;
            };
            let v = r.text(2).unwrap_or_default();
            match r.text(1).as_deref() {
                Some("l2mac:worker") => row.worker = serde_json::from_str(&v).ok(),
                Some("failed_trial") => row.retry_of = v.trim().parse().ok(),
                Some("l2mac:stale") => row.stale = true,
                _ => {}
            }
        }
        for r in self.db.query(
            "SELECT p.trial_id, p.param_name, p.param_value, p.distribution_json FROM trial_params p
             JOIN trials t ON p.trial_id = t.trial_id WHERE t.study_id = ?",
            std::slice::from_ref(&id),
        )? {
            if let (Some(&i), Some(name), Some(v), Some(d)) =
                (r.int(0).and_then(|t| index.get(&t)), r.text(1), r.real(2), r.text(3))
            {
                let ext = distribution::external(&name, v, &d)?;
                rows[i].params.insert(name, ext);
            }
        }
        Ok(rows)
    }
}

/// One trial from its rows: l2mac's attributes when it has them, else Optuna's view of it.
fn read_trial(
    number: usize,
    complete: bool,
    attrs: &HashMap<String, String>,
    metrics: Metrics,
    params: serde_json::Map<String, serde_json::Value>,
    value: Option<f64>,
) -> Result<Trial, DseError> {
    let get = |k: &str| attrs.get(&format!("{ATTR}{k}"));
    let num = |k: &str| get(k).and_then(|t| json_num(t));
    let flag = |k: &str| get(k).is_some_and(|t| t.trim() == "true");
    let point = match get("point") {
        Some(text) => serde_json::from_str(text).map_err(|e| DseError::Store {
            path: PathBuf::from(format!("trial {number}")),
            message: format!("point: {e}"),
        })?,
        None => serde_json::Value::Object(params),
    };
    if get("point").is_some() {
        let ok = flag("ok");
        return Ok(Trial {
            id: number,
            batch: num("batch").map_or(number, |b| b as usize),
            point,
            metrics: ok.then_some(metrics),
            error: get("error").and_then(|t| serde_json::from_str(t).ok()),
            loss: num("loss").unwrap_or(f64::INFINITY),
            violation: num("violation").unwrap_or(f64::INFINITY),
            // a non-finite reward is only ever -inf (failed trial without targets)
            reward: num("reward").unwrap_or(f64::NEG_INFINITY),
            target_met: flag("target_met"),
            cached: flag("cached"),
            eval_seconds: num("eval_seconds").unwrap_or(0.0),
        });
    }
    // a trial Optuna made: its value is the loss, its constraints (Optuna's `constraints` system
    // attribute) the violation
    let violation = attrs
        .get("constraints")
        .and_then(|t| serde_json::from_str::<Vec<f64>>(t).ok())
        .map(|c| c.iter().map(|x| x.max(0.0)).sum())
        .unwrap_or(0.0);
    let ok = complete && value.is_some_and(|v| !v.is_nan());
    Ok(Trial {
        id: number,
        batch: number,
        point,
        metrics: ok.then_some(metrics),
        error: (!ok).then(|| "failed outside l2mac".to_string()),
        loss: if ok {
            value.unwrap_or(f64::INFINITY)
        } else {
            f64::INFINITY
        },
        violation: if ok { violation } else { f64::INFINITY },
        reward: if ok {
            -value.unwrap_or(f64::INFINITY)
        } else {
            f64::NEG_INFINITY
        },
        target_met: false,
        cached: false,
        eval_seconds: 0.0,
    })
}

pub(crate) fn now() -> String {
    now_text()
}
