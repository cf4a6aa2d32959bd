//! `timeloop`: TimeloopGym's design space (after ArchGym) over the in-process Timeloop model in
//! `sim::accel` — the Eyeriss-like 45 nm accelerator's PE count, scratchpad depths and bandwidth,
//! and global-buffer depth and bandwidth; every layer of a network is mapped by the seeded
//! random mapper under the row-stationary constraints, and energy, cycles and area are reported.

use std::path::PathBuf;
use std::sync::Arc;

use super::{check_options, EnvInfo, EnvOption, Environment, MetricInfo, Metrics};
use crate::dse::error::DseError;
use crate::dse::space::{Param, ParamKind, ParamSpace, Point, Value};
use crate::sim::accel::eyeriss::{self, EyerissParams, NETWORKS};
use crate::sim::accel::mapper::{search, MapperMetric};
use crate::sim::accel::{Arch, Problem};

const OPTIONS: [&str; 5] = ["network", "samples", "seed", "metric", "dir"];

pub struct TimeloopEnv {
    name: String,
    space: ParamSpace,
    metrics: Vec<MetricInfo>,
    reference: Arch,
    layers: Vec<Problem>,
    samples: usize,
    seed: u64,
    metric: MapperMetric,
}

/// The searched knobs (TimeloopGym's, with NumPEs = 14 x PE_ROWS, 14..336 in steps of 14).
pub fn space() -> ParamSpace {
    let p = |name: &str, kind: ParamKind, d: &str| {
        Param::new(name, kind, d).expect("built-in parameter is valid")
    };
    ParamSpace::new(vec![
        p(
            "PE_ROWS",
            ParamKind::Int { low: 1, high: 24 },
            "rows of 14 PEs (NumPEs = 14 x PE_ROWS, mesh X = 14)",
        ),
        p(
            "IFMAP_SPAD_DEPTH",
            ParamKind::Int { low: 4, high: 64 },
            "ifmap scratchpad words per PE",
        ),
        p(
            "WEIGHTS_SPAD_DEPTH",
            ParamKind::Int { low: 16, high: 512 },
            "weight scratchpad words per PE",
        ),
        p(
            "PSUM_SPAD_DEPTH",
            ParamKind::Int { low: 4, high: 64 },
            "partial-sum scratchpad words per PE",
        ),
        p(
            "SPAD_BANDWIDTH",
            ParamKind::Int { low: 1, high: 4 },
            "read and write words per cycle of each scratchpad",
        ),
        p(
            "GLB_DEPTH",
            ParamKind::Pow2 {
                low: 2048,
                high: 65536,
            },
            "global buffer depth (4 words per entry)",
        ),
        p(
            "GLB_BANDWIDTH",
            ParamKind::Pow2 { low: 4, high: 64 },
            "global buffer read and write words per cycle",
        ),
    ])
    .expect("built-in space is valid")
}

fn metrics() -> Vec<MetricInfo> {
    vec![
        MetricInfo::new("Energy", "uJ", "energy of all layers (ERT energies, 45 nm)")
            .with_archgym_scale(Some(1.0)),
        MetricInfo::new("Cycles", "", "cycles of all layers").with_archgym_scale(Some(1.0)),
        MetricInfo::new(
            "Area",
            "mm2",
            "chip area (ART areas, storage scaled with capacity)",
        )
        .with_archgym_scale(Some(1.0)),
        MetricInfo::new("EDP", "uJ*cycles", "energy-delay product").with_archgym_scale(None),
    ]
}

fn bad(message: String) -> DseError {
    DseError::BadEnvOption {
        env: "timeloop".into(),
        message,
    }
}

impl TimeloopEnv {
    pub fn new(options: &toml::Table) -> Result<TimeloopEnv, DseError> {
        check_options("timeloop", options, &OPTIONS)?;
        let network = match options.get("network") {
            None => "alexnet".to_string(),
            Some(toml::Value::String(s)) => s.clone(),
            Some(other) => return Err(bad(format!("`network` must be a string, got {other}"))),
        };
        let layers = eyeriss::network(&network).ok_or_else(|| {
            bad(format!(
                "unknown network `{network}` (known: {})",
                NETWORKS.join(", ")
            ))
        })?;
        let int = |key: &str, default: i64| -> Result<i64, DseError> {
            match options.get(key) {
                None => Ok(default),
                Some(toml::Value::Integer(i)) if *i >= 1 => Ok(*i),
                Some(other) => Err(bad(format!(
                    "`{key}` must be a positive integer, got {other}"
                ))),
            }
        };
        let samples = int("samples", 100)? as usize;
        let seed = int("seed", 1)? as u64;
        let metric = match options.get("metric").and_then(|v| v.as_str()) {
            None | Some("energy") => MapperMetric::Energy,
            Some("edp") => MapperMetric::Edp,
            Some("cycles") => MapperMetric::Cycles,
            Some(other) => {
                return Err(bad(format!(
                    "`metric` must be energy, edp or cycles, got {other}"
                )))
            }
        };
        let reference = match options.get("dir") {
            // The copy inside the binary, so a study runs wherever `l2mac` is installed.
            None => eyeriss::builtin_reference_arch(),
            Some(toml::Value::String(s)) => eyeriss::reference_arch(&PathBuf::from(s)),
            Some(other) => return Err(bad(format!("`dir` must be a string, got {other}"))),
        }
        .map_err(|e| bad(e.to_string()))?;
        Ok(TimeloopEnv {
            name: format!("timeloop?network={network}"),
            space: space(),
            metrics: metrics(),
            reference,
            layers,
            samples,
            seed,
            metric,
        })
    }

    pub fn params(&self, point: &Point) -> Result<EyerissParams, DseError> {
        self.space.check(point)?;
        let get = |name: &str| -> i64 {
            match self.space.index_of(name).map(|i| &point.0[i]) {
                Some(Value::Int(v)) => *v,
                Some(Value::Real(v)) => *v as i64,
                _ => 0,
            }
        };
        Ok(EyerissParams {
            pe_rows: get("PE_ROWS") as u64,
            ifmap_spad_depth: get("IFMAP_SPAD_DEPTH") as u64,
            weights_spad_depth: get("WEIGHTS_SPAD_DEPTH") as u64,
            psum_spad_depth: get("PSUM_SPAD_DEPTH") as u64,
            spad_bandwidth: get("SPAD_BANDWIDTH") as f64,
            glb_depth: get("GLB_DEPTH") as u64,
            glb_bandwidth: get("GLB_BANDWIDTH") as f64,
        })
    }
}

impl Environment for TimeloopEnv {
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
        vec!["Energy".into(), "Cycles".into()]
    }
    fn evaluate(&self, point: &Point) -> Result<Metrics, DseError> {
        let arch = eyeriss::arch(&self.reference, &self.params(point)?);
        let space = eyeriss::map_space(&arch);
        let (mut energy, mut cycles, mut area) = (0.0, 0u64, 0.0);
        for (i, layer) in self.layers.iter().enumerate() {
            let (_, s) = search(
                &arch,
                layer,
                &space,
                self.samples,
                self.seed.wrapping_mul(1_000_003).wrapping_add(i as u64),
                self.metric,
            )
            .ok_or_else(|| DseError::Evaluation {
                env: self.name.clone(),
                message: format!(
                    "no legal mapping of layer {} in {} samples (buffers too small?)",
                    layer.name, self.samples
                ),
            })?;
            energy += s.energy_uj();
            cycles += s.cycles;
            area = s.area_mm2();
        }
        Ok(Metrics::from([
            ("Energy".into(), energy),
            ("Cycles".into(), cycles as f64),
            ("Area".into(), area),
            ("EDP".into(), energy * cycles as f64),
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
        name: "timeloop".into(),
        description: "Eyeriss-like 45 nm DNN accelerator over the in-process Timeloop model \
                      (sim::accel), TimeloopGym's knobs; each layer mapped by a seeded random \
                      row-stationary mapper; metrics Energy [uJ], Cycles, Area [mm2], EDP"
            .into(),
        options: vec![
            o(
                "network",
                "alexnet",
                "layer set: alexnet, resnet50, mobilenetv2, vgg02_layer5",
            ),
            o("samples", "100", "mappings sampled per layer"),
            o("seed", "1", "mapper seed"),
            o(
                "metric",
                "energy",
                "what the mapper minimises per layer: energy, edp, cycles",
            ),
            o(
                "dir",
                "(built in: examples/accel/eyeriss)",
                "reference architecture and ERT/ART",
            ),
        ],
    }
}

pub fn make(name: &str, options: &toml::Table) -> Result<Option<Arc<dyn Environment>>, DseError> {
    if name != "timeloop" {
        return Ok(None);
    }
    Ok(Some(Arc::new(TimeloopEnv::new(options)?)))
}
