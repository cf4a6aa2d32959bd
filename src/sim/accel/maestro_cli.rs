//! The `l2mac sim maestro` command: every layer of a MAESTRO mapping file through the MAESTRO
//! cost model, with MAESTRO's options (`--hw` is its `--HW_file`, which replaces the PE count,
//! buffer sizes and bandwidths as a whole, as MAESTRO does).

use std::io::Write;
use std::path::PathBuf;

use super::cli::OutputFormat;
use super::error::AccelError;
use super::maestro::load_network;
use super::maestro_config::{MaestroConfig, MaestroOptions};
use super::maestro_model::{evaluate_network, LayerStats};

/// Evaluate a MAESTRO mapping file (network DSL) with MAESTRO's cost model.
#[derive(clap::Args, Debug, Clone)]
pub struct SimMaestroArgs {
    /// MAESTRO mapping file (`Network { Layer { .. Dataflow { .. } } }`).
    pub mapping: PathBuf,
    /// MAESTRO hardware file (`num_pes: N`, `l1_size_cstr`, ...); overrides the options below
    /// except --simd, as MAESTRO's --HW_file does.
    #[arg(long, value_name = "HW.m")]
    pub hw: Option<PathBuf>,
    /// Number of PEs (MAESTRO default 7).
    #[arg(long)]
    pub pes: Option<i64>,
    /// NoC bandwidth in elements/cycle (default unbounded).
    #[arg(long)]
    pub noc_bw: Option<i64>,
    /// Latency per NoC hop in cycles (MAESTRO's command-line default 0; a hardware file's is 1).
    #[arg(long)]
    pub noc_hop_latency: Option<i64>,
    /// Average number of NoC hops (default 1).
    #[arg(long)]
    pub noc_hops: Option<i64>,
    /// L1 size given to MAESTRO (elements); only compared with the requirement.
    #[arg(long)]
    pub l1_size: Option<i64>,
    /// L2 size given to MAESTRO (elements); only compared with the requirement.
    #[arg(long)]
    pub l2_size: Option<i64>,
    /// Off-chip bandwidth in elements/cycle (MAESTRO's command-line default 70000).
    #[arg(long)]
    pub offchip_bw: Option<i64>,
    /// ALUs per PE (MAESTRO's --num_simd_lanes, default 1).
    #[arg(long)]
    pub simd: Option<i64>,
    /// How the layers are printed: `text` (a table) or `json` (`layers` in file order).
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
}

pub fn config(args: &SimMaestroArgs) -> Result<MaestroConfig, AccelError> {
    let opts = MaestroOptions {
        num_pes: args.pes,
        noc_bw: args.noc_bw,
        noc_hops: args.noc_hops,
        noc_hop_latency: args.noc_hop_latency,
        l1_size: args.l1_size,
        l2_size: args.l2_size,
        offchip_bw: args.offchip_bw,
        simd: args.simd,
    };
    match &args.hw {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|source| AccelError::Io {
                path: p.clone(),
                source,
            })?;
            MaestroConfig::from_options(&opts, Some((&p.display().to_string(), &text)))
        }
        None => MaestroConfig::from_options(&opts, None),
    }
}

pub fn evaluate_file(
    args: &SimMaestroArgs,
) -> Result<(MaestroConfig, Vec<LayerStats>), AccelError> {
    let cfg = config(args)?;
    let net = load_network(&args.mapping)?;
    let file = args.mapping.display().to_string();
    let layers = evaluate_network(&net, &cfg).map_err(|e| match e {
        AccelError::Mapping { path, detail } => AccelError::Mapping {
            path: format!("{file}: {path}"),
            detail,
        },
        AccelError::Invalid {
            key,
            value,
            expected,
            ..
        } => AccelError::Invalid {
            path: file.clone(),
            key,
            value,
            expected,
        },
        AccelError::Missing { key, .. } => AccelError::Missing {
            path: file.clone(),
            key,
        },
        other => other,
    })?;
    Ok((cfg, layers))
}

fn json(cfg: &MaestroConfig, layers: &[LayerStats]) -> serde_json::Value {
    let names = ["input", "filter", "output"];
    let layers: Vec<serde_json::Value> = layers
        .iter()
        .map(|l| {
            let per: serde_json::Map<String, serde_json::Value> = names
                .iter()
                .enumerate()
                .map(|(c, n)| {
                    (
                        n.to_string(),
                        serde_json::json!({
                            "l2_size_req": l.l2_req[c], "l1_size_req": l.l1_req[c],
                            "l2_read": l.top.l2_read[c], "l2_write": l.top.l2_write[c],
                            "l1_read": l.top.l1_read[c], "l1_write": l.top.l1_write[c],
                        }),
                    )
                })
                .collect();
            serde_json::json!({
                "name": l.name, "cycles": l.cycles, "macs": l.macs,
                "energy": l.energy_nj, "energy_unit": "nJ", "energy_mac_units": l.energy_mac,
                "l1_size_req": l.l1_size_req, "l2_size_req": l.l2_size_req,
                "noc_bw_req": l.noc_bw_req, "avg_bw_req": l.avg_bw_req,
                "offchip_bw_req": l.offchip_bw_req,
                "throughput_macs_per_cycle": l.macs as f64 / l.cycles.max(1) as f64,
                "tensors": per,
            })
        })
        .collect();
    serde_json::json!({
        "config": {"num_pes": cfg.num_pes, "noc_bw": cfg.noc_bw, "noc_latency": cfg.noc_latency,
                   "simd": cfg.simd, "l1_size": cfg.l1_size, "l2_size": cfg.l2_size,
                   "offchip_bw": cfg.offchip_bw},
        "layers": layers,
    })
}

fn text(cfg: &MaestroConfig, layers: &[LayerStats]) -> String {
    let mut s = format!(
        "MAESTRO cost model: {} PEs, NoC bw {} latency {}, off-chip bw {}\n{:<20} {:>12} {:>14} {:>12} {:>8} {:>8} {:>8} {:>8}\n",
        cfg.num_pes, cfg.noc_bw, cfg.noc_latency, cfg.offchip_bw,
        "layer", "cycles", "MACs", "energy_nJ", "L1_req", "L2_req", "NoC_bw", "offchip"
    );
    for l in layers {
        s += &format!(
            "{:<20} {:>12} {:>14} {:>12.2} {:>8} {:>8} {:>8} {:>8}\n",
            l.name,
            l.cycles,
            l.macs,
            l.energy_nj,
            l.l1_size_req,
            l.l2_size_req,
            l.noc_bw_req,
            l.offchip_bw_req
        );
    }
    let (c, e): (i64, f64) = layers
        .iter()
        .fold((0, 0.0), |(c, e), l| (c + l.cycles, e + l.energy_nj));
    s += &format!(
        "total: {c} cycles, {e:.2} nJ over {} layers\n",
        layers.len()
    );
    for (what, req, have) in [
        (
            "L1",
            layers.iter().map(|l| l.l1_size_req).max().unwrap_or(0),
            cfg.l1_size,
        ),
        (
            "L2",
            layers.iter().map(|l| l.l2_size_req).max().unwrap_or(0),
            cfg.l2_size,
        ),
    ] {
        if req > have {
            s += &format!(
                "warning: per-layer {what} size requirement {req} exceeds the given {have}\n"
            );
        }
    }
    s
}

pub fn run(args: &SimMaestroArgs, out: &mut dyn Write) -> Result<(), AccelError> {
    let (cfg, layers) = evaluate_file(args)?;
    let t = match args.format {
        OutputFormat::Text => text(&cfg, &layers),
        OutputFormat::Json => {
            serde_json::to_string_pretty(&json(&cfg, &layers)).unwrap_or_default() + "\n"
        }
    };
    out.write_all(t.as_bytes()).map_err(AccelError::Output)
}
