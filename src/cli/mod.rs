//! The command line: clap definitions and the handlers behind each command.

pub mod bench;
pub mod progress;
pub mod run;
pub mod setup;

/// The documented exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// All steps complete and the checks pass.
    Success = 0,
    /// The run ended without finishing (failed steps, failing checks, budget, model errors).
    Unfinished = 1,
    /// Bad input or configuration.
    BadInput = 2,
}
