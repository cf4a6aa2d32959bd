//! The one error type of the DRAM simulator: every message names the file (or source) and the
//! field or line that is wrong, so a user can fix a DRAMSys config without reading our code.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum DramError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: invalid JSON: {source}")]
    Json {
        path: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("{path}: missing field `{field}`")]
    MissingField { path: String, field: String },
    #[error("{path}: field `{field}` has invalid value {value}: {expected}")]
    InvalidField {
        path: String,
        field: String,
        value: String,
        expected: String,
    },
    #[error(
        "{path}: unsupported memory type {memory_type:?} (DDR3, DDR4 and LPDDR4 are simulated)"
    )]
    UnsupportedMemory { path: String, memory_type: String },
    #[error("address mapping {path} does not match the memspec: {detail}")]
    MappingMismatch { path: String, detail: String },
    #[error("{source_name}:{line}: malformed trace line: {detail}")]
    TraceLine {
        source_name: String,
        line: u64,
        detail: String,
    },
    #[error("{source_name}:{line}: address {address:#x} is outside the device (highest address {max:#x})")]
    AddressOutOfRange {
        source_name: String,
        line: u64,
        address: u64,
        max: u64,
    },
    #[error("{source_name}:{line}: request at {time} is later than the {max_ps} ps a simulation may cover")]
    TraceTime {
        source_name: String,
        line: u64,
        time: String,
        max_ps: u64,
    },
    #[error("{source_name}: more than {max} requests; stream the file (`l2mac sim dram --trace FILE`) instead of loading it")]
    TraceTooLong { source_name: String, max: usize },
    #[error("the simulation made no progress in {steps} steps at {time_ps} ps ({detail}); the configuration cannot serve the trace")]
    Stalled {
        steps: u64,
        time_ps: u64,
        detail: String,
    },
    #[error("{source_name}: the trace has no requests")]
    EmptyTrace { source_name: String },
    #[error("{path}: {detail}")]
    Csv { path: String, detail: String },
    #[error("invalid command line: {0}")]
    Usage(String),
    #[error("cannot write output: {0}")]
    Output(#[source] std::io::Error),
}

impl DramError {
    pub(crate) fn missing(path: &str, field: &str) -> Self {
        DramError::MissingField {
            path: path.to_string(),
            field: field.to_string(),
        }
    }

    pub(crate) fn invalid(path: &str, field: &str, value: impl ToString, expected: &str) -> Self {
        DramError::InvalidField {
            path: path.to_string(),
            field: field.to_string(),
            value: value.to_string(),
            expected: expected.to_string(),
        }
    }
}
