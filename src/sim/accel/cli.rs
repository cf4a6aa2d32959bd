//! The `l2mac sim timeloop` command: evaluate one mapping of one problem on one architecture with
//! the Timeloop model's semantics, energies and areas from Accelergy's ERT/ART tables.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::error::AccelError;
use super::mapping::{load_mapping, mapping_from_map_txt, Mapping};
use super::model::{evaluate, Stats};
use super::report;
use super::spec::{load_arch, load_problem, Arch, Problem, Tables};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

/// Evaluate a mapping with Timeloop v3 model semantics.
#[derive(clap::Args, Debug, Clone)]
pub struct SimTimeloopArgs {
    /// Architecture YAML (`architecture:` v0.2 or v0.3 tree).
    pub arch: PathBuf,
    /// Problem YAML (`problem:` shape and instance).
    pub problem: PathBuf,
    /// Mapping YAML (`mapping:` directives) or a Timeloop `*.map.txt` loop nest.
    pub mapping: PathBuf,
    /// Accelergy energy reference table (`ERT:`); default: `*.ERT.yaml` beside the architecture.
    #[arg(long, value_name = "FILE")]
    pub ert: Option<PathBuf>,
    /// Accelergy area reference table (`ART:`); default: `*.ART.yaml` beside the architecture.
    #[arg(long, value_name = "FILE")]
    pub art: Option<PathBuf>,
    /// How the evaluation are printed: `text` (a table) or `json`.
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
}

fn beside(arch: &Path, suffix: &str) -> Option<PathBuf> {
    let dir = arch.parent()?;
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(suffix))
        })
        .collect();
    found.sort();
    found.into_iter().next()
}

/// Loads the three inputs and the tables (explicit or found beside the architecture).
pub fn load(
    arch: &Path,
    problem: &Path,
    mapping: &Path,
    ert: Option<&Path>,
    art: Option<&Path>,
) -> Result<(Arch, Problem, Mapping), AccelError> {
    let ert = ert
        .map(Path::to_path_buf)
        .or_else(|| beside(arch, ".ERT.yaml"))
        .ok_or_else(|| {
            AccelError::Usage(format!(
                "no energy table: pass --ert (no *.ERT.yaml beside {})",
                arch.display()
            ))
        })?;
    let art = art
        .map(Path::to_path_buf)
        .or_else(|| beside(arch, ".ART.yaml"))
        .ok_or_else(|| {
            AccelError::Usage(format!(
                "no area table: pass --art (no *.ART.yaml beside {})",
                arch.display()
            ))
        })?;
    let tables = Tables::load(Some(&ert), Some(&art))?;
    let arch_v = load_arch(arch, &tables)?;
    let prob = load_problem(problem)?;
    let name = mapping.display().to_string();
    let map = if name.ends_with(".txt") {
        let text = std::fs::read_to_string(mapping).map_err(|source| AccelError::Io {
            path: mapping.to_path_buf(),
            source,
        })?;
        mapping_from_map_txt(&name, &text, &arch_v, &prob)?
    } else {
        load_mapping(mapping, &arch_v, &prob)?
    };
    Ok((arch_v, prob, map))
}

pub fn run_files(
    arch: &Path,
    problem: &Path,
    mapping: &Path,
    ert: Option<&Path>,
    art: Option<&Path>,
) -> Result<Stats, AccelError> {
    let (a, p, m) = load(arch, problem, mapping, ert, art)?;
    evaluate(&mapping.display().to_string(), &a, &p, &m)
}

pub fn run(args: &SimTimeloopArgs, out: &mut dyn Write) -> Result<(), AccelError> {
    let stats = run_files(
        &args.arch,
        &args.problem,
        &args.mapping,
        args.ert.as_deref(),
        args.art.as_deref(),
    )?;
    let text = match args.format {
        OutputFormat::Text => report::text(&stats),
        OutputFormat::Json => {
            serde_json::to_string_pretty(&report::json(&stats)).unwrap_or_default() + "\n"
        }
    };
    out.write_all(text.as_bytes()).map_err(AccelError::Output)
}
