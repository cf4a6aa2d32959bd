//! The trial store: one SQLite file per run (`study.db`) holding the study spec and every trial, written
//! one batch per transaction so an interrupted run loses at most the batch in flight.

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::dse::env::Metrics;
use crate::dse::error::DseError;

pub const DB_FILE: &str = "study.db";
const SCHEMA_VERSION: &str = "2";

/// One stored trial.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Trial {
    /// 0-based trial number.
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

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

impl Store {
    /// Creates a new store; fails if one already exists in `dir`.
    pub fn create(dir: &Path, spec_toml: &str) -> Result<Store, DseError> {
        let path = dir.join(DB_FILE);
        if path.exists() {
            return Err(DseError::BadStudy(format!(
                "{} already holds a study; resume it with `l2mac dse resume {}` or choose another output directory",
                dir.display(),
                dir.display()
            )));
        }
        std::fs::create_dir_all(dir).map_err(|e| DseError::io(dir, e))?;
        let conn = Connection::open(&path).map_err(|e| DseError::store(&path, e))?;
        let s = Store { conn, path };
        s.conn
            .execute_batch(
                "PRAGMA journal_mode=WAL;
                 PRAGMA synchronous=NORMAL;
                 CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                 CREATE TABLE trials (
                    id INTEGER PRIMARY KEY, batch INTEGER NOT NULL, point TEXT NOT NULL,
                    ok INTEGER NOT NULL, error TEXT, loss REAL, violation REAL, reward REAL,
                    target_met INTEGER NOT NULL, cached INTEGER NOT NULL, eval_seconds REAL NOT NULL);
                 -- metrics as REAL columns, not JSON text: JSON parsing may change the last bit, and a
                 -- resumed study must see exactly the values the original run saw
                 CREATE TABLE trial_metrics (trial INTEGER NOT NULL, name TEXT NOT NULL, value REAL,
                    PRIMARY KEY (trial, name));",
            )
            .map_err(|e| DseError::store(&s.path, e))?;
        s.set_meta("schema_version", SCHEMA_VERSION)?;
        s.set_meta("spec", spec_toml)?;
        Ok(s)
    }

    /// Opens an existing store.
    pub fn open(dir: &Path) -> Result<Store, DseError> {
        let path = dir.join(DB_FILE);
        if !path.exists() {
            return Err(DseError::Store {
                path,
                message: "no study here (missing study.db)".into(),
            });
        }
        let conn = Connection::open(&path).map_err(|e| DseError::store(&path, e))?;
        let s = Store { conn, path };
        let v = s.meta("schema_version")?;
        if v.as_deref() != Some(SCHEMA_VERSION) {
            return Err(DseError::store(
                &s.path,
                format!("unsupported schema version {v:?}"),
            ));
        }
        Ok(s)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), DseError> {
        self.conn
            .execute(
                "INSERT INTO meta(key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .map_err(|e| DseError::store(&self.path, e))?;
        Ok(())
    }

    pub fn meta(&self, key: &str) -> Result<Option<String>, DseError> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", params![key], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| DseError::store(&self.path, e))
    }

    /// Appends one batch of trials atomically.
    pub fn append(&mut self, trials: &[Trial]) -> Result<(), DseError> {
        let tx = self
            .conn
            .transaction()
            .map_err(|e| DseError::store(&self.path, e))?;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO trials (id, batch, point, ok, error, loss, violation, reward,
                     target_met, cached, eval_seconds) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
                )
                .map_err(|e| DseError::store(&self.path, e))?;
            let mut mstmt = tx
                .prepare_cached(
                    "INSERT INTO trial_metrics (trial, name, value) VALUES (?1, ?2, ?3)",
                )
                .map_err(|e| DseError::store(&self.path, e))?;
            for t in trials {
                stmt.execute(params![
                    t.id as i64,
                    t.batch as i64,
                    t.point.to_string(),
                    t.metrics.is_some(),
                    t.error,
                    finite(t.loss),
                    finite(t.violation),
                    finite(t.reward),
                    t.target_met,
                    t.cached,
                    t.eval_seconds
                ])
                .map_err(|e| DseError::store(&self.path, e))?;
                for (name, value) in t.metrics.iter().flatten() {
                    let v = if value.is_nan() { None } else { Some(*value) };
                    mstmt
                        .execute(params![t.id as i64, name, v])
                        .map_err(|e| DseError::store(&self.path, e))?;
                }
            }
        }
        tx.commit().map_err(|e| DseError::store(&self.path, e))
    }

    /// Every trial in order.
    pub fn trials(&self) -> Result<Vec<Trial>, DseError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, batch, point, ok, error, loss, violation, reward, target_met,
                 cached, eval_seconds FROM trials ORDER BY id",
            )
            .map_err(|e| DseError::store(&self.path, e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, bool>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, Option<f64>>(5)?,
                    r.get::<_, Option<f64>>(6)?,
                    r.get::<_, Option<f64>>(7)?,
                    r.get::<_, bool>(8)?,
                    r.get::<_, bool>(9)?,
                    r.get::<_, f64>(10)?,
                ))
            })
            .map_err(|e| DseError::store(&self.path, e))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, batch, point, ok, error, loss, violation, reward, met, cached, secs) =
                row.map_err(|e| DseError::store(&self.path, e))?;
            let point = serde_json::from_str(&point)
                .map_err(|e| DseError::store(&self.path, format!("trial {id}: point: {e}")))?;
            let metrics = if ok { Some(Metrics::new()) } else { None };
            out.push(Trial {
                id: id as usize,
                batch: batch as usize,
                point,
                metrics,
                error,
                loss: loss.unwrap_or(f64::INFINITY),
                violation: violation.unwrap_or(f64::INFINITY),
                // a non-finite reward is only ever -inf (failed trial without targets)
                reward: reward.unwrap_or(f64::NEG_INFINITY),
                target_met: met,
                cached,
                eval_seconds: secs,
            });
        }
        let mut mstmt = self
            .conn
            .prepare("SELECT trial, name, value FROM trial_metrics ORDER BY trial")
            .map_err(|e| DseError::store(&self.path, e))?;
        let mrows = mstmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<f64>>(2)?,
                ))
            })
            .map_err(|e| DseError::store(&self.path, e))?;
        for row in mrows {
            let (id, name, value) = row.map_err(|e| DseError::store(&self.path, e))?;
            if let Some(Some(m)) = out.get_mut(id as usize).map(|t| t.metrics.as_mut()) {
                m.insert(name, value.unwrap_or(f64::NAN));
            }
        }
        Ok(out)
    }
}
