//! The control unit: plans a task into an instruction registry and runs each instruction with a
//! fresh agent whose context it manages, saving every turn so runs survive being killed.

pub mod agent;
pub mod agree;
pub mod blocks;
pub mod context;
pub mod events;
pub mod hooks;
mod migrate;
pub mod persist;
pub mod planner;
pub mod runner;
pub mod state;

use std::path::PathBuf;

pub use crate::domain::DomainKind;
pub use events::{CollectSink, Event, EventSink, NullSink};
pub use runner::Runner;
pub use state::{Outcome, RunReport, RunSettings, RunState, StepStatus};

/// A scratch folder for scoring a candidate or a state apart from the run's own files; removed
/// when dropped.
pub(crate) fn scratch_dir(prefix: &str) -> Result<tempfile::TempDir, ControlError> {
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .map_err(|source| ControlError::Io {
            path: std::env::temp_dir(),
            source,
        })
}

#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not a valid run state: {message}")]
    State { path: PathBuf, message: String },
    #[error("{0} is not an l2mac run directory (no .l2mac/run.json)")]
    NotARun(PathBuf),
    #[error("model call failed: {0}")]
    Llm(#[from] crate::llm::LlmError),
    #[error(transparent)]
    Tool(#[from] crate::tools::ToolError),
    #[error(transparent)]
    Prompt(#[from] crate::prompts::PromptError),
    #[error("file store: {0}")]
    Store(#[from] crate::store::StoreError),
    #[error("checks: {0}")]
    Exec(#[from] crate::exec::ExecError),
    #[error(transparent)]
    Domain(#[from] crate::domain::DomainError),
    #[error("planning failed: {0}")]
    Planning(String),
}
