//! `dse sweep`: one agent over a grid of hyperparameters and seeds (the "hyperparameter lottery"
//! experiment: how often does each setting reach the target, and how fast).
//!
//! The grid is the study's `[sweep]` table: each key is an agent hyperparameter with a list of values,
//! and `seeds` (optional) lists the seeds. Each combination runs as its own study in a sub-directory;
//! an interrupted sweep is continued by running it again (finished sub-studies are only re-read).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::error::DseError;
use super::study::{resume_study, run_study, Prepared, RunOptions, StudySpec, StudySummary};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepRow {
    pub combo: usize,
    /// Hyperparameter settings of this combination, as `key=value`.
    pub settings: Vec<String>,
    pub seed: u64,
    pub trials: usize,
    pub best_loss: f64,
    pub target_met: bool,
    pub met_after_trials: Option<usize>,
    pub run_dir: PathBuf,
}

/// One grid point: hyperparameter name and value pairs.
pub type Combo = Vec<(String, toml::Value)>;

/// Expands the `[sweep]` table into (settings, seeds).
pub fn grid(spec: &StudySpec) -> Result<(Vec<Combo>, Vec<u64>), DseError> {
    let mut seeds = vec![spec.seed];
    let mut combos: Vec<Combo> = vec![Vec::new()];
    for (k, v) in &spec.sweep {
        let list = v.as_array().ok_or_else(|| {
            DseError::BadStudy(format!("[sweep] `{k}` must be a list of values, got {v}"))
        })?;
        if list.is_empty() {
            return Err(DseError::BadStudy(format!(
                "[sweep] `{k}` is an empty list"
            )));
        }
        if k == "seeds" {
            seeds = list
                .iter()
                .map(|s| match s {
                    toml::Value::Integer(i) if *i >= 0 => Ok(*i as u64),
                    other => Err(DseError::BadStudy(format!(
                        "[sweep] seeds must be non-negative integers, got {other}"
                    ))),
                })
                .collect::<Result<_, _>>()?;
            continue;
        }
        let mut next = Vec::new();
        for c in &combos {
            for val in list {
                let mut c2 = c.clone();
                c2.push((k.clone(), val.clone()));
                next.push(c2);
            }
        }
        combos = next;
    }
    Ok((combos, seeds))
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// Runs every combination; writes `sweep.csv` and `sweep.md` into `out`.
pub fn run_sweep(spec: &StudySpec, out: &Path) -> Result<Vec<SweepRow>, DseError> {
    let (combos, seeds) = grid(spec)?;
    // check every combination before running any
    let mut specs = Vec::new();
    for (ci, c) in combos.iter().enumerate() {
        for &seed in &seeds {
            let mut s = spec.clone();
            s.sweep = toml::Table::new();
            s.seed = seed;
            for (k, v) in c {
                s.agent.insert(k.clone(), v.clone());
            }
            s.name = Some(format!("{}-{ci:03}-s{seed}", spec.name()));
            Prepared::new(s.clone())?;
            specs.push((ci, c.clone(), seed, s));
        }
    }
    std::fs::create_dir_all(out).map_err(|e| DseError::io(out, e))?;
    let mut rows = Vec::new();
    for (ci, c, seed, s) in specs {
        let dir = out.join(format!("{ci:03}-s{seed}"));
        let opts = RunOptions {
            no_report: true,
            ..Default::default()
        };
        let sum: StudySummary = if dir.join(super::study::store::DB_FILE).exists() {
            resume_study(&dir, None, &opts)?
        } else {
            run_study(s, &dir, &opts)?
        };
        rows.push(SweepRow {
            combo: ci,
            settings: c.iter().map(|(k, v)| format!("{k}={v}")).collect(),
            seed,
            trials: sum.trials,
            best_loss: sum.best.first().map_or(f64::INFINITY, |b| b.loss),
            target_met: sum.target.met,
            met_after_trials: sum.target.met_after_trials,
            run_dir: dir,
        });
    }
    write_outputs(spec, &rows, out)?;
    Ok(rows)
}

fn write_outputs(spec: &StudySpec, rows: &[SweepRow], out: &Path) -> Result<(), DseError> {
    let path = out.join("sweep.csv");
    let mut w = csv::Writer::from_path(&path).map_err(|e| DseError::io(&path, e))?;
    w.write_record([
        "combo",
        "settings",
        "seed",
        "trials",
        "best_loss",
        "target_met",
        "met_after_trials",
        "run_dir",
    ])
    .map_err(|e| DseError::io(&path, e))?;
    for r in rows {
        w.write_record([
            r.combo.to_string(),
            r.settings.join(" "),
            r.seed.to_string(),
            r.trials.to_string(),
            format!("{}", r.best_loss),
            r.target_met.to_string(),
            r.met_after_trials.map_or(String::new(), |n| n.to_string()),
            r.run_dir.display().to_string(),
        ])
        .map_err(|e| DseError::io(&path, e))?;
    }
    w.flush().map_err(|e| DseError::io(&path, e))?;
    let mut md = String::new();
    let _ = writeln!(
        md,
        "# Sweep of `{}` on `{}`\n\n| combo | settings | seeds | target met | median trials to target | median best loss |\n|---|---|---|---|---|---|",
        spec.agent_name().unwrap_or_default(),
        spec.env_name().unwrap_or_default()
    );
    let n_combos = rows.iter().map(|r| r.combo).max().map_or(0, |m| m + 1);
    for c in 0..n_combos {
        let rs: Vec<&SweepRow> = rows.iter().filter(|r| r.combo == c).collect();
        let met = rs.iter().filter(|r| r.target_met).count();
        let to_target = median(
            rs.iter()
                .filter_map(|r| r.met_after_trials.map(|n| n as f64))
                .collect(),
        );
        let best = median(rs.iter().map(|r| r.best_loss).collect());
        let _ = writeln!(
            md,
            "| {c} | {} | {} | {met}/{} | {} | {} |",
            rs.first().map(|r| r.settings.join(" ")).unwrap_or_default(),
            rs.len(),
            rs.len(),
            to_target.map_or("-".into(), |v| format!("{v}")),
            best.map_or("-".into(), |v| format!("{v:.6}")),
        );
    }
    let p = out.join("sweep.md");
    std::fs::write(&p, md).map_err(|e| DseError::io(&p, e))
}
