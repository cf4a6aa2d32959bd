//! The `l2mac sim dram` command: run one DRAMSys simulation file (or explicit config files) and
//! print the statistics, or evaluate a CSV of controller configs on one trace in parallel.

use std::io::Write;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::config::{AddressMapping, DramConfig, MemSpec};
use super::error::DramError;
use super::mcconfig::{McConfig, ARCHGYM_COLUMNS};
use super::simfile::SimulationFiles;
use super::stats::DramStats;
use super::trace::Trace;
use super::{simulate_file, simulate_trace};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

/// Simulate a DDR3 memory controller with DRAMSys 4.0 semantics.
#[derive(clap::Args, Debug, Clone)]
pub struct SimDramArgs {
    /// DRAMSys simulation JSON naming memspec, mcconfig, addressmapping and the trace.
    pub sim: Option<PathBuf>,
    /// Directory to look for the files named in SIM.json (also searched: SIM.json's directory).
    #[arg(long, value_name = "DIR")]
    pub resources: Option<PathBuf>,
    /// How the statistics are printed: `text` (a table) or `json`.
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
    /// Memspec JSON (instead of SIM.json).
    #[arg(long, value_name = "FILE")]
    pub memspec: Option<PathBuf>,
    /// Memory-controller config JSON (instead of SIM.json).
    #[arg(long, value_name = "FILE")]
    pub mcconfig: Option<PathBuf>,
    /// Address mapping JSON (instead of SIM.json).
    #[arg(long, value_name = "FILE")]
    pub addressmapping: Option<PathBuf>,
    /// STL trace (instead of SIM.json).
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,
    /// Trace player clock in MHz (instead of SIM.json).
    #[arg(long, value_name = "MHZ")]
    pub clk_mhz: Option<f64>,
    /// CSV of controller configs (ArchGym column names) to evaluate on one trace, in parallel.
    #[arg(long, value_name = "CONFIGS.csv")]
    pub batch: Option<PathBuf>,
    /// Write the batch CSV here instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Runs the command, writing the report (or batch CSV) to `out`.
pub fn run(args: &SimDramArgs, out: &mut dyn Write) -> Result<(), DramError> {
    if let Some(batch) = &args.batch {
        return run_batch(args, batch, out);
    }
    let (cfg, trace) = single_config(args)?;
    let stats = simulate_file(&cfg, &trace)?;
    let text = match args.format {
        OutputFormat::Text => stats.to_text(),
        OutputFormat::Json => {
            let mut s = serde_json::to_string_pretty(&stats)
                .map_err(|e| DramError::Usage(format!("cannot encode statistics: {e}")))?;
            s.push('\n');
            s
        }
    };
    out.write_all(text.as_bytes()).map_err(DramError::Output)
}

fn single_config(args: &SimDramArgs) -> Result<(DramConfig, PathBuf), DramError> {
    if let Some(sim) = &args.sim {
        let explicit = [
            &args.memspec,
            &args.mcconfig,
            &args.addressmapping,
            &args.trace,
        ];
        if explicit.iter().any(|o| o.is_some()) || args.clk_mhz.is_some() {
            return Err(DramError::Usage(
                "give either SIM.json or the explicit --memspec/--mcconfig/--addressmapping/--trace/--clk-mhz flags, not both".into(),
            ));
        }
        let files = SimulationFiles::load(sim, args.resources.as_deref())?;
        return Ok((files.config()?, files.trace));
    }
    let need = |o: &Option<PathBuf>, flag: &str| {
        o.clone()
            .ok_or_else(|| DramError::Usage(format!("missing {flag} (or give a SIM.json)")))
    };
    let cfg = DramConfig::from_files(
        &need(&args.memspec, "--memspec")?,
        &need(&args.addressmapping, "--addressmapping")?,
        &need(&args.mcconfig, "--mcconfig")?,
        args.clk_mhz
            .ok_or_else(|| DramError::Usage("missing --clk-mhz (or give a SIM.json)".into()))?,
    )?;
    Ok((cfg, need(&args.trace, "--trace")?))
}

/// Metric columns appended to every batch row.
pub const BATCH_METRICS: [&str; 9] = [
    "total_energy_pj",
    "average_power_mw",
    "total_time_ps",
    "bandwidth_gbps",
    "average_latency_ps",
    "max_latency_ps",
    "row_hits",
    "row_misses",
    "row_conflicts",
];

fn run_batch(args: &SimDramArgs, batch: &Path, out: &mut dyn Write) -> Result<(), DramError> {
    if args.sim.is_some() || args.mcconfig.is_some() {
        return Err(DramError::Usage(
            "--batch takes --memspec, --addressmapping, --trace and --clk-mhz (configs come from the CSV)".into(),
        ));
    }
    let need = |o: &Option<PathBuf>, flag: &str| {
        o.clone()
            .ok_or_else(|| DramError::Usage(format!("--batch needs {flag}")))
    };
    let memspec = need(&args.memspec, "--memspec")?;
    let mapping = need(&args.addressmapping, "--addressmapping")?;
    let clk = args
        .clk_mhz
        .ok_or_else(|| DramError::Usage("--batch needs --clk-mhz".into()))?;
    let spec = MemSpec::from_json_str(
        &super::config::read(&memspec)?,
        &memspec.display().to_string(),
    )?;
    let am_path = mapping.display().to_string();
    let am = AddressMapping::from_json_str(&super::config::read(&mapping)?, &am_path)?;
    am.check_against(&spec, &am_path)?;
    let base = DramConfig::new(spec, am, McConfig::default(), clk)?;
    let BatchCsv { header, rows } = read_batch_csv(batch)?;
    let trace = Trace::from_file(&need(&args.trace, "--trace")?)?;

    let results: Vec<Result<DramStats, DramError>> = rows
        .par_iter()
        .map(|(_, mc)| simulate_trace(&base.with_mc(mc.clone()), &trace))
        .collect();

    let mut text = String::new();
    let mut cols: Vec<&str> = header.iter().map(String::as_str).collect();
    cols.extend(BATCH_METRICS);
    text.push_str(&csv_line(cols.iter().copied()));
    for ((fields, _), result) in rows.iter().zip(results) {
        let s = result?;
        let metrics = [
            // empty cells where DRAMSys has no power model (LPDDR4)
            s.total_energy_pj
                .map_or(String::new(), |e| format!("{e:.2}")),
            s.average_power_mw
                .map_or(String::new(), |p| format!("{p:.4}")),
            s.total_time_ps.to_string(),
            format!("{:.4}", s.bandwidth_gbps),
            format!("{:.1}", s.average_latency_ps),
            s.max_latency_ps.to_string(),
            s.row_hits.to_string(),
            s.row_misses.to_string(),
            s.row_conflicts.to_string(),
        ];
        text.push_str(&csv_line(
            fields
                .iter()
                .map(String::as_str)
                .chain(metrics.iter().map(String::as_str)),
        ));
    }
    match &args.output {
        Some(path) => std::fs::write(path, text).map_err(|source| DramError::Write {
            path: path.clone(),
            source,
        }),
        None => out.write_all(text.as_bytes()).map_err(DramError::Output),
    }
}

/// An ArchGym-style CSV of controller configs: the header and, per row, its fields and config.
pub struct BatchCsv {
    pub header: Vec<String>,
    pub rows: Vec<(Vec<String>, McConfig)>,
}

/// Reads an ArchGym-style CSV: a header, then one controller config per row.
pub fn read_batch_csv(path: &Path) -> Result<BatchCsv, DramError> {
    let name = path.display().to_string();
    let csv_err = |detail: String| DramError::Csv {
        path: name.clone(),
        detail,
    };
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| csv_err(e.to_string()))?;
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| csv_err(e.to_string()))?
        .iter()
        .map(str::to_string)
        .collect();
    check_header(&header).map_err(csv_err)?;
    if !header.iter().any(|h| ARCHGYM_COLUMNS.contains(&h.as_str())) {
        return Err(csv_err(format!(
            "the header has none of the controller columns {}",
            ARCHGYM_COLUMNS.join(", ")
        )));
    }
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| csv_err(e.to_string()))?;
        let fields: Vec<String> = record.iter().map(str::to_string).collect();
        let source = format!("{name} row {}", i + 2);
        let mc = McConfig::from_columns(
            header
                .iter()
                .map(String::as_str)
                .zip(fields.iter().map(String::as_str)),
            &source,
        )?;
        rows.push((fields, mc));
    }
    Ok(BatchCsv { header, rows })
}

/// A knob column given twice would silently let the last one win, and a misspelt knob column
/// (`Schedular`) would silently be ignored as a metric column; both are errors.
fn check_header(header: &[String]) -> Result<(), String> {
    let knobs = ARCHGYM_COLUMNS.iter().chain(&["CmdMux", "PowerDownPolicy"]);
    for (i, h) in header.iter().enumerate() {
        if header[..i].contains(h) {
            return Err(format!("column `{h}` appears twice"));
        }
        if knobs.clone().any(|k| k == h) {
            continue;
        }
        if let Some(k) = knobs.clone().find(|k| {
            k.eq_ignore_ascii_case(h)
                || strsim::damerau_levenshtein(&k.to_lowercase(), &h.to_lowercase()) <= 2
        }) {
            return Err(format!(
                "column `{h}` is not a controller knob; did you mean `{k}`? (other columns are kept as they are)"
            ));
        }
    }
    Ok(())
}

fn csv_line<'a>(fields: impl Iterator<Item = &'a str>) -> String {
    let mut line = fields
        .map(|f| {
            if f.contains([',', '"', '\n']) {
                format!("\"{}\"", f.replace('"', "\"\""))
            } else {
                f.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(",");
    line.push('\n');
    line
}
