//! The `l2mac sim abc` command: one circuit (a generated one by name, or a BLIF/AIGER file)
//! through one recipe in the real ABC, reported with the unsynthesised circuit's mapping beside
//! it so the gain of the recipe is plain.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::circuits;
use super::error::AbcError;
use super::recipe::Recipe;
use super::run::{Abc, AbcConfig, Circuit, SynthStats};

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    Text,
    Json,
}

/// Synthesise a circuit with a recipe of ABC passes (yosys-abc) and map it to a cell library.
#[derive(clap::Args, Debug, Clone)]
pub struct SimAbcArgs {
    /// A generated circuit (rca16, cla16, ks32, arrmul6, wallace8, cmp16, alu8, aes_sbox) or a
    /// .blif/.aig/.aag file.
    pub circuit: String,
    /// Passes separated by `;`: b, rw, rwz, rf, rfz, rs, rsz (or their full ABC commands);
    /// `resyn2` stands for ABC's script of that name.
    #[arg(long, default_value = "resyn2")]
    pub recipe: String,
    /// The ABC binary.
    #[arg(long, default_value = "yosys-abc")]
    pub abc: PathBuf,
    /// A genlib cell library instead of the shipped one.
    #[arg(long)]
    pub genlib: Option<PathBuf>,
    /// Seconds one ABC run may take.
    #[arg(long, default_value_t = 60.0)]
    pub timeout: f64,
    /// Also write the circuit as ABC reads it (generated circuits as BLIF) to this file.
    #[arg(long, value_name = "FILE")]
    pub write_circuit: Option<PathBuf>,
    /// How the result is printed: `text` or `json`.
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
}

/// A circuit by generator name, else by file.
pub fn load_circuit(name: &str) -> Result<Circuit, AbcError> {
    if let Some(c) = circuits::circuit(name) {
        return Ok(c);
    }
    let p = Path::new(name);
    if !p.exists() {
        return Err(AbcError::BadInput {
            circuit: name.into(),
            detail: format!(
                "neither a file nor a generated circuit (known: {})",
                circuits::known_names()
            ),
        });
    }
    Circuit::from_file(p)
}

pub fn run(args: &SimAbcArgs, out: &mut dyn Write) -> Result<(), AbcError> {
    if !(args.timeout.is_finite() && args.timeout > 0.0 && args.timeout <= 86_400.0) {
        return Err(AbcError::BadInput {
            circuit: args.circuit.clone(),
            detail: format!("--timeout {} must be in (0, 86400] seconds", args.timeout),
        });
    }
    let circuit = load_circuit(&args.circuit)?;
    let recipe = Recipe::parse(&args.recipe, &circuit.name)?;
    if let Some(p) = &args.write_circuit {
        std::fs::write(p, &circuit.data).map_err(|e| AbcError::Io {
            path: p.clone(),
            detail: format!("cannot write: {e}"),
        })?;
    }
    let abc = Abc::new(AbcConfig {
        binary: args.abc.clone(),
        timeout: Duration::from_secs_f64(args.timeout),
        genlib: args.genlib.clone(),
    });
    let base = abc.synthesize(&circuit, &Recipe::default())?;
    let s = abc.synthesize(&circuit, &recipe)?;
    let io = |e: std::io::Error| AbcError::Io {
        path: "stdout".into(),
        detail: e.to_string(),
    };
    match args.format {
        OutputFormat::Json => {
            let v = serde_json::json!({
                "circuit": s.circuit, "recipe": s.recipe,
                "initial": s.initial, "steps": s.steps, "aig": s.aig, "mapped": s.mapped,
                "adp": s.adp(), "unsynthesised": {"mapped": base.mapped, "adp": base.adp()},
                "adp_ratio": ratio(&s, &base),
            });
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&v).unwrap_or_default()
            )
            .map_err(io)
        }
        OutputFormat::Text => {
            let w = |out: &mut dyn Write, s: String| writeln!(out, "{s}").map_err(io);
            w(out, format!("circuit {}  recipe {}", s.circuit, s.recipe))?;
            w(
                out,
                format!(
                    "AIG: {} inputs, {} outputs; {} ANDs / {} levels -> {} ANDs / {} levels",
                    s.initial.inputs,
                    s.initial.outputs,
                    s.initial.ands,
                    s.initial.levels,
                    s.aig.ands,
                    s.aig.levels
                ),
            )?;
            w(
                out,
                format!(
                    "mapped: {} gates, area {:.2}, delay {:.2}, ADP {:.2} ({:.4} of the unsynthesised {:.2})",
                    s.mapped.gates,
                    s.mapped.area,
                    s.mapped.delay,
                    s.adp(),
                    ratio(&s, &base),
                    base.adp()
                ),
            )
        }
    }
}

fn ratio(s: &SynthStats, base: &SynthStats) -> f64 {
    if base.adp() > 0.0 {
        s.adp() / base.adp()
    } else {
        1.0
    }
}
