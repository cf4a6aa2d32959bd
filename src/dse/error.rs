//! The one error type of the `dse` module, so that every failure names the file, field or value at fault.

use std::path::PathBuf;

/// Everything that can go wrong in a study, from a bad spec file to a full disk.
#[derive(Debug, thiserror::Error)]
pub enum DseError {
    #[error("{file}: invalid TOML: {message}")]
    Toml { file: String, message: String },
    #[error("{context}: unknown parameter `{name}` (known: {known})")]
    UnknownParam {
        context: String,
        name: String,
        known: String,
    },
    #[error("parameter `{name}`: {message}")]
    BadParam { name: String, message: String },
    #[error("parameter `{name}`: value {value} is not allowed ({allowed})")]
    BadValue {
        name: String,
        value: String,
        allowed: String,
    },
    #[error("point is missing parameter `{0}`")]
    MissingParam(String),
    #[error("unknown environment `{name}` (known: {known})")]
    UnknownEnv { name: String, known: String },
    #[error("environment `{env}`: {message}")]
    BadEnvOption { env: String, message: String },
    #[error("environment `{env}` failed to evaluate the point: {message}")]
    Evaluation { env: String, message: String },
    #[error("unknown metric `{name}` (the environment reports: {known})")]
    UnknownMetric { name: String, known: String },
    #[error("objective: {0}")]
    BadObjective(String),
    #[error("unknown agent `{name}` (known: {known})")]
    UnknownAgent { name: String, known: String },
    #[error("agent `{agent}`: hyperparameter `{key}`: {message}")]
    BadHyper {
        agent: String,
        key: String,
        message: String,
    },
    #[error("study spec: {0}")]
    BadStudy(String),
    #[error("{path}: {message}")]
    Io { path: PathBuf, message: String },
    #[error("trial store {path}: {message}")]
    Store { path: PathBuf, message: String },
    /// A study database (SQLite or PostgreSQL), named by its URL with any password removed.
    #[error("study storage {url}: {message}")]
    Storage { url: String, message: String },
    #[error("resume of {path}: {message}")]
    Resume { path: PathBuf, message: String },
    #[error("proxy model: {0}")]
    Proxy(String),
    #[error("report: {0}")]
    Report(String),
    #[error(transparent)]
    Busy(#[from] crate::lockfile::LockError),
}

impl DseError {
    pub(crate) fn io(path: impl Into<PathBuf>, err: impl std::fmt::Display) -> Self {
        DseError::Io {
            path: path.into(),
            message: err.to_string(),
        }
    }
}
