//! The `l2mac sim quantum` command: one circuit's energy for a Pauli-sum Hamiltonian, exact or
//! with device noise and seeded shots, as text or JSON.

use std::io::Write;
use std::path::PathBuf;

use super::circuit::Circuit;
use super::error::QuantumError;
use super::hamiltonian::Hamiltonian;
use super::noise::DeviceNoise;
use super::sim::{energy, EnergyStats, SimConfig};
use crate::sim::accel::cli::OutputFormat;

/// Energy of a circuit for a Hamiltonian on the noisy density-matrix simulator.
#[derive(clap::Args, Debug, Clone)]
pub struct SimQuantumArgs {
    /// Circuit JSON: {"qubits": N, "gates": [{"gate": "RY", "qubits": [0], "theta": 0.5}, ...]}.
    pub circuit: PathBuf,
    /// Hamiltonian: `coef PAULISTRING` per line (character i acts on qubit i).
    #[arg(long, value_name = "H.txt")]
    pub hamiltonian: PathBuf,
    /// Device-noise JSON (per-gate errors and times, T1/T2, readout); noiseless without it.
    #[arg(long, value_name = "DEVICE.json")]
    pub noise: Option<PathBuf>,
    /// Measurement shots per Pauli term (exact expectation without it).
    #[arg(long)]
    pub shots: Option<u64>,
    /// Seed of the shot noise.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// How the energy is printed: `text` or `json`.
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
}

pub fn evaluate_files(args: &SimQuantumArgs) -> Result<(EnergyStats, f64), QuantumError> {
    let circuit = Circuit::load(&args.circuit)?;
    let h = Hamiltonian::load(&args.hamiltonian)?;
    let noise = match &args.noise {
        Some(p) => Some(DeviceNoise::load(p)?.compile()),
        None => None,
    };
    let cfg = SimConfig {
        noise,
        shots: args.shots,
        seed: args.seed,
    };
    let stats = energy(&circuit, &h, &cfg)?;
    Ok((stats, h.ground_energy()))
}

pub fn run(args: &SimQuantumArgs, out: &mut dyn Write) -> Result<(), QuantumError> {
    let (s, e0) = evaluate_files(args)?;
    let text = match args.format {
        OutputFormat::Json => {
            serde_json::to_string_pretty(&serde_json::json!({
                "energy": s.energy, "ground_energy": e0, "error": s.energy - e0,
                "trace": s.trace, "purity": s.purity, "gates": s.gates, "cnots": s.cnots,
                "depth": s.depth, "noise": args.noise.as_ref().map(|p| p.display().to_string()),
                "shots": args.shots, "seed": args.seed,
            }))
            .unwrap_or_default()
                + "\n"
        }
        OutputFormat::Text => format!(
            "energy {:.12} Ha (exact ground {:.12}, error {:.3e})\n{} gates, {} CNOTs, depth {}, purity {:.6}\n",
            s.energy,
            e0,
            s.energy - e0,
            s.gates,
            s.cnots,
            s.depth,
            s.purity
        ),
    };
    out.write_all(text.as_bytes()).map_err(QuantumError::Output)
}
