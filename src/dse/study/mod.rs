//! Studies: a spec file, a run directory with the trial store, batched parallel evaluation with a
//! cache, resume, CSV export and a summary.

pub mod export;
pub mod run;
pub mod spec;
pub mod store;
pub mod summary;

pub use run::{resume_study, run_study, RunOptions};
pub use spec::{Prepared, StudySpec};
pub use store::{Store, Trial};
pub use summary::{BestPoint, StudySummary, TargetStatus};

/// Loads the study stored in `dir` (its checked spec and its trials) without running anything.
pub fn load(dir: &std::path::Path) -> Result<(Prepared, Vec<Trial>), crate::dse::error::DseError> {
    let store = Store::open(dir)?;
    let prep = stored_spec(&store, dir)?;
    Ok((prep, store.trials()?))
}

fn stored_spec(
    store: &Store,
    dir: &std::path::Path,
) -> Result<Prepared, crate::dse::error::DseError> {
    let text = store
        .meta("spec")?
        .ok_or_else(|| crate::dse::error::DseError::Resume {
            path: dir.into(),
            message: "the store has no study spec".into(),
        })?;
    let spec = StudySpec::from_toml_str(&text, &store.path().display().to_string())?;
    Prepared::new(spec)
}

/// Loads the summary of the study stored in `dir` without running anything.
pub fn load_summary(dir: &std::path::Path) -> Result<StudySummary, crate::dse::error::DseError> {
    let store = Store::open(dir)?;
    let prep = stored_spec(&store, dir)?;
    let seconds = store
        .meta("seconds")?
        .and_then(|s| s.parse().ok())
        .unwrap_or(0.0);
    summary::summarize(&prep, &store.trials()?, dir, seconds)
}
