//! The one error type of the ABC backend: each message names the circuit, the recipe or the binary
//! involved and quotes ABC's own words, so a failed synthesis can be fixed without reading our code.

use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum AbcError {
    #[error(
        "ABC binary `{binary}` not found ({detail}); install it with `apt-get install -y yosys` \
         (it provides yosys-abc) or set the binary path"
    )]
    BinaryMissing { binary: PathBuf, detail: String },
    #[error("circuit {circuit}: ABC could not read it: {message}")]
    BadCircuit { circuit: String, message: String },
    #[error("circuit {circuit}: unknown recipe pass `{pass}` (known: {known})")]
    BadPass {
        circuit: String,
        pass: String,
        known: String,
    },
    #[error("circuit {circuit}: ABC stopped at `{command}`: {message}")]
    CommandFailed {
        circuit: String,
        command: String,
        message: String,
    },
    #[error("circuit {circuit}: ABC (`{binary}`) crashed ({status}); last output: {output}")]
    Crashed {
        circuit: String,
        binary: PathBuf,
        status: String,
        output: String,
    },
    #[error(
        "circuit {circuit}: ABC (`{binary}`) did not finish within {timeout:?} and was killed"
    )]
    Timeout {
        circuit: String,
        binary: PathBuf,
        timeout: Duration,
    },
    #[error("circuit {circuit}: cannot parse ABC output line `{line}`: {detail}")]
    Unparsable {
        circuit: String,
        line: String,
        detail: String,
    },
    #[error("{path}: {detail}")]
    Io { path: PathBuf, detail: String },
    #[error("circuit {circuit}: {detail}")]
    BadInput { circuit: String, detail: String },
}
