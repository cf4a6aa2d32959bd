//! Studies: a spec file, a run directory with the trial store (a study in Optuna's schema, on
//! SQLite or PostgreSQL), batched parallel evaluation with a cache, resume, workers sharing one
//! study, CSV export and a summary.

mod claims;
mod db;
mod distribution;
pub mod export;
pub mod run;
mod schema;
pub mod spec;
pub mod store;
pub mod summary;
pub mod worker;

pub use claims::Claim;
pub use run::{resume_study, run_study, RunOptions};
pub use spec::{Prepared, StudySpec};
pub use store::{Store, Trial, TrialRow};
pub use summary::{BestPoint, StudySummary, TargetStatus};

/// Loads the study stored in `dir` (its checked spec and its trials) without running anything.
pub fn load(dir: &std::path::Path) -> Result<(Prepared, Vec<Trial>), crate::dse::error::DseError> {
    let mut store = Store::open(dir)?;
    let prep = stored_spec(&mut store, dir)?;
    Ok((prep, store.trials()?))
}

pub(crate) fn stored_spec(
    store: &mut Store,
    dir: &std::path::Path,
) -> Result<Prepared, crate::dse::error::DseError> {
    let text = store
        .meta("spec")?
        .ok_or_else(|| crate::dse::error::DseError::Resume {
            path: dir.into(),
            message: "the store has no study spec".into(),
        })?;
    let spec = StudySpec::from_toml_str(&text, store.shown_url())?;
    Prepared::new(spec)
}

/// Loads the summary of the study stored in `dir` without running anything.
pub fn load_summary(dir: &std::path::Path) -> Result<StudySummary, crate::dse::error::DseError> {
    let mut store = Store::open(dir)?;
    let prep = stored_spec(&mut store, dir)?;
    let seconds = store
        .meta("seconds")?
        .and_then(|s| s.parse().ok())
        .unwrap_or(0.0);
    summary::summarize(&prep, &store.trials()?, dir, seconds)
}

/// Loads the summary of study `name` in the database at `url` (a worker study's home).
pub fn load_summary_from(
    url: &str,
    name: &str,
) -> Result<StudySummary, crate::dse::error::DseError> {
    let mut store = Store::open_url(url, Some(name))?;
    let prep = stored_spec(&mut store, std::path::Path::new(name))?;
    let seconds = store
        .meta("seconds")?
        .and_then(|s| s.parse().ok())
        .unwrap_or(0.0);
    summary::summarize(&prep, &store.trials()?, std::path::Path::new("."), seconds)
}
