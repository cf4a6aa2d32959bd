//! `maestro`: a GAMMA-style mapping genome (after MaestroGym/GAMMA) on one layer over the
//! in-process MAESTRO cost model (`sim::accel::maestro_model`): the outer level's parallel
//! dimension, loop order and tile sizes, the cluster size, and the inner parallel dimension;
//! reported as MAESTRO's runtime, energy, buffer and NoC bandwidth requirements.

use std::sync::Arc;

use super::{check_options, EnvInfo, EnvOption, Environment, MetricInfo, Metrics};
use crate::dse::error::DseError;
use crate::dse::space::{Param, ParamKind, ParamSpace, Point, Value};
use crate::sim::accel::maestro::{parse_network, Directive, Extent, Layer};
use crate::sim::accel::maestro_config::{MaestroConfig, MaestroOptions};
use crate::sim::accel::maestro_model::{evaluate_layer, NetworkState};

const OPTIONS: [&str; 3] = ["mapping", "layer", "pes"];
/// The genome's dimensions, as GAMMA's (output rows/columns, MAESTRO's `Y'`/`X'`).
const DIMS: [&str; 4] = ["K", "C", "Y'", "X'"];
const BUILTIN: &str = include_str!("../../../examples/accel/maestro/alexnet_rs_validation.m");

pub struct MaestroEnv {
    name: String,
    space: ParamSpace,
    metrics: Vec<MetricInfo>,
    layer: Layer,
    cfg: MaestroConfig,
}

pub fn space() -> ParamSpace {
    let p = |name: &str, kind: ParamKind, d: &str| {
        Param::new(name, kind, d).expect("built-in parameter is valid")
    };
    let cat = || ParamKind::Categorical {
        choices: DIMS.iter().map(|s| s.to_string()).collect(),
    };
    let tile = || ParamKind::Pow2 { low: 1, high: 64 };
    ParamSpace::new(vec![
        p("OUTER_PAR", cat(), "dimension spread over the clusters"),
        p(
            "ORDER",
            ParamKind::Int { low: 0, high: 23 },
            "outer loop order (a permutation of K, C, Y', X')",
        ),
        p("TILE_K", tile(), "outer tile of K"),
        p("TILE_C", tile(), "outer tile of C"),
        p("TILE_Y", tile(), "outer tile of Y' (output rows)"),
        p("TILE_X", tile(), "outer tile of X' (output columns)"),
        p(
            "CLUSTER",
            ParamKind::Pow2 { low: 1, high: 64 },
            "PEs per cluster",
        ),
        p("INNER_PAR", cat(), "dimension spread over a cluster's PEs"),
    ])
    .expect("built-in space is valid")
}

fn metrics() -> Vec<MetricInfo> {
    vec![
        MetricInfo::new("Cycles", "", "MAESTRO runtime of the layer").with_archgym_scale(Some(1.0)),
        MetricInfo::new("Energy", "nJ", "MAESTRO activity-count energy")
            .with_archgym_scale(Some(1.0)),
        MetricInfo::new("L1", "elements", "L1 size requirement per PE").with_archgym_scale(None),
        MetricInfo::new("L2", "elements", "L2 size requirement").with_archgym_scale(None),
        MetricInfo::new("NoC_BW", "elements/cycle", "peak NoC bandwidth requirement")
            .with_archgym_scale(None),
    ]
}

fn bad(message: String) -> DseError {
    DseError::BadEnvOption {
        env: "maestro".into(),
        message,
    }
}

fn permutation(mut k: usize) -> Vec<usize> {
    let mut left: Vec<usize> = (0..4).collect();
    let mut out = Vec::with_capacity(4);
    for n in (1..=4).rev() {
        let f: usize = (1..n).product();
        out.push(left.remove(k / f));
        k %= f;
    }
    out
}

impl MaestroEnv {
    pub fn new(options: &toml::Table) -> Result<MaestroEnv, DseError> {
        check_options("maestro", options, &OPTIONS)?;
        let (path, text) = match options.get("mapping") {
            None => (
                "(built in) alexnet_rs_validation.m".to_string(),
                BUILTIN.to_string(),
            ),
            Some(toml::Value::String(s)) => (
                s.clone(),
                std::fs::read_to_string(s).map_err(|e| bad(format!("cannot read {s}: {e}")))?,
            ),
            Some(other) => return Err(bad(format!("`mapping` must be a string, got {other}"))),
        };
        let net = parse_network(&path, &text).map_err(|e| bad(e.to_string()))?;
        let want = match options.get("layer") {
            None => net
                .layers
                .get(1)
                .or(net.layers.first())
                .map(|l| l.name.clone())
                .unwrap_or_default(),
            Some(toml::Value::String(s)) => s.clone(),
            Some(other) => return Err(bad(format!("`layer` must be a string, got {other}"))),
        };
        let layer = net
            .layers
            .iter()
            .find(|l| l.name == want)
            .cloned()
            .ok_or_else(|| {
                bad(format!(
                    "{path}: no layer `{want}` (has {})",
                    net.layers
                        .iter()
                        .map(|l| l.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?;
        let pes = match options.get("pes") {
            None => 168,
            Some(toml::Value::Integer(i)) if *i >= 1 => *i,
            Some(other) => {
                return Err(bad(format!(
                    "`pes` must be a positive integer, got {other}"
                )))
            }
        };
        let cfg = MaestroConfig::from_options(
            &MaestroOptions {
                num_pes: Some(pes),
                noc_bw: Some(14),
                noc_hop_latency: Some(1),
                l1_size: Some(5120),
                l2_size: Some(1024000),
                ..Default::default()
            },
            None,
        )
        .map_err(|e| bad(e.to_string()))?;
        Ok(MaestroEnv {
            name: format!("maestro?layer={want}&pes={pes}"),
            space: space(),
            metrics: metrics(),
            layer,
            cfg,
        })
    }

    /// The layer with the genome's dataflow.
    pub fn mapped_layer(&self, point: &Point) -> Result<Layer, DseError> {
        self.space.check(point)?;
        let get = |name: &str| self.space.index_of(name).map(|i| point.0[i].clone());
        let int = |name: &str| match get(name) {
            Some(Value::Int(v)) => v,
            _ => 1,
        };
        let cat = |name: &str| match get(name) {
            Some(Value::Cat(s)) => s,
            _ => "K".into(),
        };
        let (outer, inner) = (cat("OUTER_PAR"), cat("INNER_PAR"));
        let tiles = [int("TILE_K"), int("TILE_C"), int("TILE_Y"), int("TILE_X")];
        let mut df = Vec::new();
        for d in permutation(int("ORDER").clamp(0, 23) as usize) {
            let name = DIMS[d].to_string();
            let base = name.trim_end_matches('\'');
            let full = self.layer.dim(base).unwrap_or(1) as i64;
            let t = Extent::Num(tiles[d].clamp(1, full.max(1)) as u64);
            df.push(if name == outer {
                Directive::SpatialMap {
                    size: t.clone(),
                    offset: t,
                    dim: name,
                }
            } else {
                Directive::TemporalMap {
                    size: t.clone(),
                    offset: t,
                    dim: name,
                }
            });
        }
        for f in ["R", "S"] {
            df.push(Directive::TemporalMap {
                size: Extent::SizeOf(f.into()),
                offset: Extent::SizeOf(f.into()),
                dim: f.into(),
            });
        }
        df.push(Directive::Cluster {
            size: Extent::Num(int("CLUSTER").max(1) as u64),
            kind: "P".into(),
        });
        df.push(Directive::SpatialMap {
            size: Extent::Num(1),
            offset: Extent::Num(1),
            dim: inner,
        });
        let mut layer = self.layer.clone();
        layer.dataflow = df;
        Ok(layer)
    }
}

impl Environment for MaestroEnv {
    fn name(&self) -> &str {
        &self.name
    }
    fn space(&self) -> &ParamSpace {
        &self.space
    }
    fn metrics(&self) -> &[MetricInfo] {
        &self.metrics
    }
    fn default_pareto(&self) -> Vec<String> {
        vec!["Cycles".into(), "Energy".into()]
    }
    fn evaluate(&self, point: &Point) -> Result<Metrics, DseError> {
        let layer = self.mapped_layer(point)?;
        let s =
            evaluate_layer(&layer, &self.cfg, &mut NetworkState::default(), None).map_err(|e| {
                DseError::Evaluation {
                    env: self.name.clone(),
                    message: e.to_string(),
                }
            })?;
        Ok(Metrics::from([
            ("Cycles".into(), s.cycles as f64),
            ("Energy".into(), s.energy_nj),
            ("L1".into(), s.l1_size_req as f64),
            ("L2".into(), s.l2_size_req as f64),
            ("NoC_BW".into(), s.noc_bw_req as f64),
        ]))
    }
}

pub fn info() -> EnvInfo {
    let o = |name: &str, default: &str, description: &str| EnvOption {
        name: name.into(),
        default: default.into(),
        description: description.into(),
    };
    EnvInfo {
        name: "maestro".into(),
        description: "GAMMA-style mapping genome (outer parallel dim, loop order, tiles, cluster size, \
                      inner parallel dim) on one layer over the in-process MAESTRO cost model; \
                      Eyeriss validation hardware (NoC bw 14, hop latency 1); metrics Cycles, Energy [nJ], \
                      L1, L2, NoC_BW"
            .into(),
        options: vec![
            o("mapping", "(built in: examples/accel/maestro/alexnet_rs_validation.m)", "MAESTRO mapping file holding the layer"),
            o("layer", "the file's second layer (CONV2)", "layer name"),
            o("pes", "168", "number of PEs"),
        ],
    }
}

pub fn make(name: &str, options: &toml::Table) -> Result<Option<Arc<dyn Environment>>, DseError> {
    if name != "maestro" {
        return Ok(None);
    }
    Ok(Some(Arc::new(MaestroEnv::new(options)?)))
}
