//! Shared by the DRAMSys 4.0 calibration tests: reads a calibration CSV row (as the DRAMSys runs
//! printed it), builds the same configuration and compares our statistics with it.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use l2mac::sim::dram::{simulate_trace, DramConfig, DramStats, McConfig, Request, Trace};

pub fn data(dir: &str, name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/dram")
        .join(dir)
        .join(name)
}

pub fn ddr3(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/dram")
        .join(name)
}

/// One row of a calibration CSV, by column name.
pub struct CalRow(pub HashMap<String, String>);

impl CalRow {
    pub fn get(&self, col: &str) -> &str {
        self.0
            .get(col)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("calibration column {col} missing"))
    }

    /// DRAMSys's printed total time in picoseconds (printed in ps or ns).
    pub fn time_ps(&self) -> u64 {
        let raw: u64 = self.get("time_raw").parse().expect("time_raw");
        match self.get("time_unit") {
            "ps" => raw,
            "ns" => raw * 1000,
            "us" => raw * 1_000_000,
            u => panic!("unknown time unit {u}"),
        }
    }

    pub fn energy_pj(&self) -> Option<f64> {
        self.get("energy_raw").parse().ok()
    }

    pub fn power_mw(&self) -> Option<f64> {
        self.get("power_raw").parse().ok()
    }

    pub fn mc(&self, source: &str) -> McConfig {
        McConfig::from_columns(self.0.iter().map(|(k, v)| (k.as_str(), v.as_str())), source)
            .expect("controller columns parse")
    }
}

pub fn read_rows(csv: &Path) -> Vec<CalRow> {
    let text = std::fs::read_to_string(csv).expect("calibration CSV readable");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            CalRow(
                header
                    .iter()
                    .zip(l.split(','))
                    .map(|(h, v)| (h.to_string(), v.to_string()))
                    .collect(),
            )
        })
        .collect()
}

pub fn find_row(csv: &Path, cfg_id: &str, trace: &str) -> CalRow {
    read_rows(csv)
        .into_iter()
        .find(|r| r.get("cfg_id") == cfg_id && r.get("trace") == trace)
        .unwrap_or_else(|| panic!("no calibration row {cfg_id} / {trace}"))
}

/// A trace with every address reduced to the device's address bits, as DRAMSys does after its
/// "address out of range" warning (the writes README checked the masked traces give identical
/// results).
pub fn masked_trace(path: &Path, max_address: u64) -> Trace {
    let mut t = Trace::from_file(path).expect("trace parses");
    for r in &mut t.requests {
        *r = Request {
            address: r.address & max_address,
            ..*r
        };
    }
    t
}

pub fn rel(a: f64, b: f64) -> f64 {
    if b == 0.0 {
        a.abs()
    } else {
        ((a - b) / b).abs()
    }
}

/// How a row compares with DRAMSys.
#[derive(Debug)]
pub struct Comparison {
    pub energy_rel: Option<f64>,
    pub power_rel: Option<f64>,
    pub time_rel: f64,
    /// Energy to the printed cent of a pJ, power to the printed hundredth of a mW, time in ps.
    pub exact: bool,
}

pub fn compare(s: &DramStats, row: &CalRow) -> Comparison {
    let time_ps = row.time_ps();
    let time_rel = rel(s.total_time_ps as f64, time_ps as f64);
    let mut exact = s.total_time_ps == time_ps;
    // a row without energy and power (LPDDR4: no power model in DRAMSys 4.0) must get none either
    let energy_rel = match (row.energy_pj(), s.total_energy_pj) {
        (Some(e), Some(ours)) => {
            exact &= (ours - e).abs() <= 0.0051 + e * 1e-12;
            Some(rel(ours, e))
        }
        (None, None) => None,
        _ => {
            exact = false;
            None
        }
    };
    let power_rel = match (row.power_mw(), s.average_power_mw) {
        (Some(p), Some(ours)) => {
            exact &= (ours - p).abs() <= 0.0051;
            Some(rel(ours, p))
        }
        (None, None) => None,
        _ => {
            exact = false;
            None
        }
    };
    Comparison {
        energy_rel,
        power_rel,
        time_rel,
        exact,
    }
}

pub fn run(cfg: &DramConfig, trace: &Trace) -> DramStats {
    simulate_trace(cfg, trace).expect("simulation runs")
}
