//! CSV export of a study's trials in ArchGym's proxy-dataset schema (parameters sorted by name, metrics
//! in ArchGym's units, `Algorithm`), followed by columns in true units and the study's bookkeeping.

use std::path::Path;

use super::spec::Prepared;
use super::store::Trial;
use crate::dse::error::DseError;

pub const CSV_FILE: &str = "trials.csv";

/// The CSV header for an environment: ArchGym columns first, then `<metric>_<unit>` columns.
pub fn header(prep: &Prepared) -> Vec<String> {
    let mut params = prep.env.space().names();
    params.sort();
    let mut h = params;
    for m in prep
        .env
        .metrics()
        .iter()
        .filter(|m| m.archgym_scale.is_some())
    {
        h.push(m.name.clone());
    }
    h.push("Algorithm".into());
    // true units; a dimensionless metric gets `_value` so the column still differs from ArchGym's
    for m in prep.env.metrics() {
        let unit = if m.unit.is_empty() { "value" } else { &m.unit };
        h.push(format!("{}_{unit}", m.name));
    }
    for c in [
        "trial",
        "batch",
        "loss",
        "violation",
        "reward",
        "target_met",
        "cached",
        "error",
    ] {
        h.push(c.into());
    }
    h
}

fn num(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        String::new()
    }
}

pub fn write_csv(prep: &Prepared, trials: &[Trial], path: &Path) -> Result<(), DseError> {
    let tmp = path.with_extension("csv.tmp");
    let mut w = csv::Writer::from_path(&tmp).map_err(|e| DseError::io(&tmp, e))?;
    w.write_record(header(prep))
        .map_err(|e| DseError::io(&tmp, e))?;
    let mut params = prep.env.space().names();
    params.sort();
    for t in trials {
        let mut row: Vec<String> = params
            .iter()
            .map(|p| match t.point.get(p) {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(v) => v.to_string(),
                None => String::new(),
            })
            .collect();
        let value = |name: &str| t.metrics.as_ref().and_then(|m| m.get(name).copied());
        for m in prep.env.metrics() {
            if let Some(scale) = m.archgym_scale {
                row.push(value(&m.name).map_or(String::new(), |v| num(v * scale)));
            }
        }
        row.push(prep.agent_name.clone());
        for m in prep.env.metrics() {
            row.push(value(&m.name).map_or(String::new(), num));
        }
        row.push(t.id.to_string());
        row.push(t.batch.to_string());
        row.push(num(t.loss));
        row.push(num(t.violation));
        row.push(num(t.reward));
        row.push(t.target_met.to_string());
        row.push(t.cached.to_string());
        row.push(t.error.clone().unwrap_or_default());
        w.write_record(&row).map_err(|e| DseError::io(&tmp, e))?;
    }
    w.flush().map_err(|e| DseError::io(&tmp, e))?;
    drop(w);
    std::fs::rename(&tmp, path).map_err(|e| DseError::io(path, e))
}
