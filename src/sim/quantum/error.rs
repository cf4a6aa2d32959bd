//! The one error type of the quantum simulator: every message names the file (or input), the line
//! or key and the value that is wrong, so a circuit, Hamiltonian or device file can be fixed
//! without reading our code.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum QuantumError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: invalid JSON: {detail}")]
    Json { path: String, detail: String },
    #[error("{path}:{line}: {detail}")]
    Syntax {
        path: String,
        line: usize,
        detail: String,
    },
    #[error("{path}: key `{key}` has invalid value {value}: {expected}")]
    Invalid {
        path: String,
        key: String,
        value: String,
        expected: String,
    },
    #[error("{what}: {detail}")]
    Mismatch { what: String, detail: String },
    #[error("cannot write output: {0}")]
    Output(#[source] std::io::Error),
}

impl QuantumError {
    pub(crate) fn invalid(path: &str, key: &str, value: impl ToString, expected: &str) -> Self {
        QuantumError::Invalid {
            path: path.to_string(),
            key: key.to_string(),
            value: value.to_string(),
            expected: expected.to_string(),
        }
    }

    pub(crate) fn mismatch(what: &str, detail: impl Into<String>) -> Self {
        QuantumError::Mismatch {
            what: what.to_string(),
            detail: detail.into(),
        }
    }
}
