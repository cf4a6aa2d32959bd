//! The one error type of the accelerator models: every message names the file, the key and the
//! value that is wrong, so a Timeloop or MAESTRO user can fix an input without reading our code.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum AccelError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: invalid YAML: {detail}")]
    Yaml { path: String, detail: String },
    #[error("{path}: missing key `{key}`")]
    Missing { path: String, key: String },
    #[error("{path}: key `{key}` has invalid value {value}: {expected}")]
    Invalid {
        path: String,
        key: String,
        value: String,
        expected: String,
    },
    #[error("{path}: mapping: {detail}")]
    Mapping { path: String, detail: String },
    #[error("{path}:{line}: {detail}")]
    Syntax {
        path: String,
        line: usize,
        detail: String,
    },
    #[error("invalid command line: {0}")]
    Usage(String),
    #[error("cannot write output: {0}")]
    Output(#[source] std::io::Error),
}

impl AccelError {
    pub(crate) fn missing(path: &str, key: &str) -> Self {
        AccelError::Missing {
            path: path.to_string(),
            key: key.to_string(),
        }
    }

    pub(crate) fn invalid(path: &str, key: &str, value: impl ToString, expected: &str) -> Self {
        AccelError::Invalid {
            path: path.to_string(),
            key: key.to_string(),
            value: value.to_string(),
            expected: expected.to_string(),
        }
    }

    pub(crate) fn mapping(path: &str, detail: impl Into<String>) -> Self {
        AccelError::Mapping {
            path: path.to_string(),
            detail: detail.into(),
        }
    }
}
