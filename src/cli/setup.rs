//! `l2mac setup-local-model`: the installer of the local model, carried inside the binary, so an
//! installed or copied `l2mac` (no checkout beside it) can install what `--provider local` needs.

use anyhow::{Context, Result};

use crate::cli::ExitCode;

/// scripts/setup-local-model.sh, as it was when this binary was built.
const SCRIPT: &str = include_str!("../../scripts/setup-local-model.sh");

#[derive(clap::Args, Debug)]
pub struct SetupArgs {
    /// Passed to the installer: --small, --model-only, --server-only, --verify, --python PY
    /// (`l2mac setup-local-model -- --help` lists them).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

pub fn setup(args: SetupArgs) -> Result<ExitCode> {
    let mut file = tempfile::Builder::new()
        .prefix("l2mac-setup-")
        .suffix(".sh")
        .tempfile()
        .context("could not write the installer to a temporary file")?;
    std::io::Write::write_all(&mut file, SCRIPT.as_bytes())
        .context("could not write the installer to a temporary file")?;
    let status = std::process::Command::new("bash")
        .arg(file.path())
        .args(&args.args)
        .status()
        .context("could not run bash for the installer (is bash installed?)")?;
    Ok(match status.code() {
        Some(0) => ExitCode::Success,
        Some(2) => ExitCode::BadInput,
        _ => ExitCode::Unfinished,
    })
}
