//! `dram`: the memory-controller design space of ArchGym's DRAMGym over the native DRAMSys model in
//! `sim::dram` — ArchGym's ten controller knobs, one of its four traces, and energy, power and
//! latency as metrics (plus average request latency and bandwidth in true units).
//!
//! ArchGym's CSV divides DRAMSys's printed total time by 1e9 whatever unit SystemC chose to print
//! (ns for whole nanoseconds, ps otherwise); the ArchGym `Latency` column written here is always
//! nanoseconds / 1e9, and `Latency_ns` holds the exact value.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{check_options, EnvInfo, EnvOption, Environment, MetricInfo, Metrics};
use crate::dse::error::DseError;
use crate::dse::space::{Param, ParamKind, ParamSpace, Point, Value};
use crate::sim::dram::{simulate_trace, AddressMapping, DramConfig, McConfig, MemSpec, Trace};

/// ArchGym's four DRAM workloads.
pub const TRACES: [&str; 4] = ["stream.stl", "random.stl", "cloud-1.stl", "cloud-2.stl"];

const OPTIONS: [&str; 7] = [
    "trace",
    "dir",
    "memspec",
    "mapping",
    "mcconfig",
    "clk_mhz",
    "linear_transactions",
];

/// The default configuration files and ArchGym's traces, built into the binary so that an installed
/// or copied `l2mac` needs no source tree (about 800 kB).
const EMBEDDED: [(&str, &[u8]); 7] = [
    (
        "MICRON_1Gb_DDR3-1600_8bit_G.json",
        include_bytes!("../../../examples/dram/MICRON_1Gb_DDR3-1600_8bit_G.json"),
    ),
    (
        "am_ddr3_8x1Gbx8_dimm_p1KB_rbc.json",
        include_bytes!("../../../examples/dram/am_ddr3_8x1Gbx8_dimm_p1KB_rbc.json"),
    ),
    (
        "policy.json",
        include_bytes!("../../../examples/dram/policy.json"),
    ),
    (
        "stream.stl",
        include_bytes!("../../../examples/dram/stream.stl"),
    ),
    (
        "random.stl",
        include_bytes!("../../../examples/dram/random.stl"),
    ),
    (
        "cloud-1.stl",
        include_bytes!("../../../examples/dram/cloud-1.stl"),
    ),
    (
        "cloud-2.stl",
        include_bytes!("../../../examples/dram/cloud-2.stl"),
    ),
];

/// Where one input comes from: a file, or (when no `dir` is given and the name is a built-in one)
/// the copy inside the binary.
enum Source {
    Embedded(&'static str, &'static [u8]),
    File(PathBuf),
}

impl Source {
    fn text(&self) -> Result<(String, String), crate::sim::dram::DramError> {
        match self {
            Source::Embedded(name, bytes) => Ok((
                format!("<built-in>/{name}"),
                String::from_utf8_lossy(bytes).into_owned(),
            )),
            Source::File(p) => Ok((
                p.display().to_string(),
                std::fs::read_to_string(p).map_err(|source| crate::sim::dram::DramError::Io {
                    path: p.clone(),
                    source,
                })?,
            )),
        }
    }
}

/// The options that name files; a study file's relative paths are taken from its directory.
pub const PATH_OPTIONS: [&str; 5] = ["dir", "memspec", "mapping", "mcconfig", "trace"];

pub struct DramEnv {
    name: String,
    space: ParamSpace,
    metrics: Vec<MetricInfo>,
    base: DramConfig,
    trace: Trace,
}

/// ArchGym's ten knobs with the values its DRAMGym samples (DeepSwarm's lists; the transaction
/// count as the powers of two its RL decoder produces, or, with `linear_transactions`, every integer
/// in 1..=128 as its random walker draws them, which is what the `ex.csv` proxy dataset holds).
pub fn archgym_space(linear_transactions: bool) -> ParamSpace {
    let cat = |name: &str, choices: &[&str]| {
        Param::new(
            name,
            ParamKind::Categorical {
                choices: choices.iter().map(|s| s.to_string()).collect(),
            },
            "",
        )
        .expect("built-in parameter is valid")
    };
    let int = |name: &str, low: i64, high: i64| {
        Param::new(name, ParamKind::Int { low, high }, "").expect("built-in parameter is valid")
    };
    ParamSpace::new(vec![
        cat(
            "PagePolicy",
            &["Open", "OpenAdaptive", "Closed", "ClosedAdaptive"],
        ),
        cat("Scheduler", &["Fifo", "FrFcfsGrp", "FrFcfs"]),
        cat("SchedulerBuffer", &["Bankwise", "ReadWrite", "Shared"]),
        int("RequestBufferSize", 1, 8),
        cat("RespQueue", &["Fifo", "Reorder"]),
        cat("RefreshPolicy", &["NoRefresh", "AllBank"]),
        int("RefreshMaxPostponed", 1, 8),
        int("RefreshMaxPulledin", 1, 8),
        cat("Arbiter", &["Simple", "Fifo", "Reorder"]),
        Param::new(
            "MaxActiveTransactions",
            if linear_transactions {
                ParamKind::Int { low: 1, high: 128 }
            } else {
                ParamKind::Pow2 { low: 1, high: 128 }
            },
            "",
        )
        .expect("built-in parameter is valid"),
    ])
    .expect("built-in space is valid")
}

fn metrics() -> Vec<MetricInfo> {
    vec![
        MetricInfo::new("Energy", "pJ", "total DRAM energy (DRAMPower)")
            .with_archgym_scale(Some(1e-9)),
        MetricInfo::new("Power", "mW", "average power over the simulated window")
            .with_archgym_scale(Some(1e-3)),
        MetricInfo::new(
            "Latency",
            "ns",
            "total simulated time of the trace (DRAMSys `Total Time`, ArchGym's Latency)",
        )
        .with_archgym_scale(Some(1e-9)),
        MetricInfo::new("AvgLatency", "ns", "average request latency").with_archgym_scale(None),
        MetricInfo::new("Bandwidth", "GBps", "delivered bandwidth").with_archgym_scale(None),
    ]
}

fn opt_str(env: &str, options: &toml::Table, key: &str, default: &str) -> Result<String, DseError> {
    match options.get(key) {
        None => Ok(default.to_string()),
        Some(toml::Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(DseError::BadEnvOption {
            env: env.into(),
            message: format!("`{key}` must be a string, got {other}"),
        }),
    }
}

impl DramEnv {
    pub fn new(options: &toml::Table) -> Result<DramEnv, DseError> {
        check_options("dram", options, &OPTIONS)?;
        let dir = match options.get("dir") {
            None => None,
            Some(_) => Some(PathBuf::from(opt_str("dram", options, "dir", "")?)),
        };
        let trace_name = opt_str("dram", options, "trace", TRACES[0])?;
        let file = |key: &str, default: &str| -> Result<Source, DseError> {
            let f = PathBuf::from(opt_str("dram", options, key, default)?);
            if f.is_absolute() {
                return Ok(Source::File(f));
            }
            Ok(match &dir {
                Some(d) => Source::File(d.join(f)),
                None => match EMBEDDED.iter().find(|(n, _)| Path::new(n) == f) {
                    Some((n, bytes)) => Source::Embedded(n, bytes),
                    None => Source::File(f),
                },
            })
        };
        let clk = match options.get("clk_mhz") {
            None => 800.0,
            Some(toml::Value::Float(f)) => *f,
            Some(toml::Value::Integer(i)) => *i as f64,
            Some(other) => {
                return Err(DseError::BadEnvOption {
                    env: "dram".into(),
                    message: format!("`clk_mhz` must be a number, got {other}"),
                })
            }
        };
        let linear = match options.get("linear_transactions") {
            None => false,
            Some(toml::Value::Boolean(b)) => *b,
            Some(other) => {
                return Err(DseError::BadEnvOption {
                    env: "dram".into(),
                    message: format!("`linear_transactions` must be true or false, got {other}"),
                })
            }
        };
        let bad = |e: crate::sim::dram::DramError| DseError::BadEnvOption {
            env: "dram".into(),
            message: e.to_string(),
        };
        let (spec_name, spec_text) = file("memspec", "MICRON_1Gb_DDR3-1600_8bit_G.json")?
            .text()
            .map_err(bad)?;
        let (am_name, am_text) = file("mapping", "am_ddr3_8x1Gbx8_dimm_p1KB_rbc.json")?
            .text()
            .map_err(bad)?;
        let (mc_name, mc_text) = file("mcconfig", "policy.json")?.text().map_err(bad)?;
        let spec = MemSpec::from_json_str(&spec_text, &spec_name).map_err(bad)?;
        let am = AddressMapping::from_json_str(&am_text, &am_name).map_err(bad)?;
        am.check_against(&spec, &am_name).map_err(bad)?;
        let mc = McConfig::from_json_str(&mc_text, &mc_name).map_err(bad)?;
        let base = DramConfig::new(spec, am, mc, clk).map_err(bad)?;
        let trace = match file("trace", &trace_name)? {
            Source::Embedded(name, bytes) => Trace::from_reader(bytes, name),
            Source::File(p) => Trace::from_file(&p),
        }
        .map_err(bad)?;
        Ok(DramEnv {
            name: format!("dram?trace={trace_name}"),
            space: archgym_space(linear),
            metrics: metrics(),
            base,
            trace,
        })
    }

    /// The controller configuration of a point of the space.
    pub fn mc_config(&self, point: &Point) -> Result<McConfig, DseError> {
        self.space.check(point)?;
        let mut mc = self.base.mc.clone();
        for (p, v) in self.space.params.iter().zip(&point.0) {
            let text = match v {
                Value::Cat(s) => s.clone(),
                other => other.to_string(),
            };
            mc.set(&p.name, &text, "dse point")
                .map_err(|e| DseError::BadValue {
                    name: p.name.clone(),
                    value: text.clone(),
                    allowed: e.to_string(),
                })?;
        }
        Ok(mc)
    }
}

impl Environment for DramEnv {
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
        vec!["Power".into(), "Latency".into()]
    }
    fn evaluate(&self, point: &Point) -> Result<Metrics, DseError> {
        let cfg = self.base.with_mc(self.mc_config(point)?);
        let s = simulate_trace(&cfg, &self.trace).map_err(|e| DseError::Evaluation {
            env: self.name.clone(),
            message: e.to_string(),
        })?;
        let mut m = Metrics::from([
            ("Latency".into(), s.total_time_ns()),
            ("AvgLatency".into(), s.average_latency_ps / 1000.0),
            ("Bandwidth".into(), s.bandwidth_gbps),
        ]);
        // absent, not zero, where DRAMSys 4.0 has no power model (LPDDR4)
        if let (Some(e), Some(p)) = (s.total_energy_pj, s.average_power_mw) {
            m.insert("Energy".into(), e);
            m.insert("Power".into(), p);
        }
        Ok(m)
    }
}

pub fn info() -> EnvInfo {
    let o = |name: &str, default: &str, description: &str| EnvOption {
        name: name.into(),
        default: default.into(),
        description: description.into(),
    };
    EnvInfo {
        name: "dram".into(),
        description: "DDR3 memory controller over the native DRAMSys model (sim::dram): ArchGym's 10 \
                      controller knobs; metrics Energy [pJ], Power [mW], Latency (total time) [ns], \
                      AvgLatency [ns], Bandwidth [GBps]"
            .into(),
        options: vec![
            o("trace", TRACES[0], "trace file: stream.stl, random.stl, cloud-1.stl, cloud-2.stl or a path"),
            o("dir", "(built in)", "directory of the configuration files and traces (default: the copies built into l2mac)"),
            o("memspec", "MICRON_1Gb_DDR3-1600_8bit_G.json", "DRAMSys memspec"),
            o("mapping", "am_ddr3_8x1Gbx8_dimm_p1KB_rbc.json", "DRAMSys address mapping"),
            o("mcconfig", "policy.json", "base mcconfig (the searched knobs override it)"),
            o("clk_mhz", "800", "trace player clock"),
            o(
                "linear_transactions",
                "false",
                "MaxActiveTransactions over every integer 1..=128 instead of powers of two",
            ),
        ],
    }
}

pub fn make(name: &str, options: &toml::Table) -> Result<Option<Arc<dyn Environment>>, DseError> {
    if name != "dram" {
        return Ok(None);
    }
    Ok(Some(Arc::new(DramEnv::new(options)?)))
}
