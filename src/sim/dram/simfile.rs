//! The DRAMSys simulation JSON (`{"simulation": {memspec, mcconfig, addressmapping, tracesetup}}`)
//! and where the files it names are found: next to it, in a resources directory, or in the
//! DRAMSys resources layout (`configs/memspecs/`, `configs/amconfigs/`, `configs/mcconfigs/`,
//! `traces/`).

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::config::{read, DramConfig};
use super::error::DramError;

/// The files one DRAMSys simulation uses, with paths resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct SimulationFiles {
    pub memspec: PathBuf,
    pub mapping: PathBuf,
    pub mcconfig: PathBuf,
    pub trace: PathBuf,
    pub trace_clk_mhz: f64,
}

impl SimulationFiles {
    /// Reads `sim_json` and resolves the files it names (one trace player in `tracesetup`).
    pub fn load(sim_json: &Path, resources: Option<&Path>) -> Result<Self, DramError> {
        let path = sim_json.display().to_string();
        let doc: Value =
            serde_json::from_str(&read(sim_json)?).map_err(|source| DramError::Json {
                path: path.clone(),
                source,
            })?;
        let sim = doc
            .get("simulation")
            .filter(|v| v.is_object())
            .ok_or_else(|| DramError::missing(&path, "simulation"))?;
        let name = |field: &str| -> Result<String, DramError> {
            match sim.get(field) {
                Some(Value::String(s)) => Ok(s.clone()),
                Some(other) => Err(DramError::invalid(
                    &path,
                    field,
                    other,
                    "expected a file name",
                )),
                None => Err(DramError::missing(&path, &format!("simulation.{field}"))),
            }
        };
        for field in ["memspec", "addressmapping", "mcconfig"] {
            name(field)?;
        }
        let setups = match sim.get("tracesetup") {
            Some(Value::Array(a)) if !a.is_empty() => a,
            Some(other) => {
                return Err(DramError::invalid(
                    &path,
                    "tracesetup",
                    other,
                    "expected a non-empty list",
                ))
            }
            None => return Err(DramError::missing(&path, "simulation.tracesetup")),
        };
        if setups.len() > 1 {
            return Err(DramError::invalid(
                &path,
                "tracesetup",
                format!("{} trace players", setups.len()),
                "only one trace player per simulation is simulated",
            ));
        }
        let setup = &setups[0];
        let trace_name = match setup.get("name") {
            Some(Value::String(s)) => s.clone(),
            _ => return Err(DramError::missing(&path, "simulation.tracesetup[0].name")),
        };
        let clk = setup
            .get("clkMhz")
            .and_then(Value::as_f64)
            .filter(|f| *f > 0.0)
            .ok_or_else(|| match setup.get("clkMhz") {
                Some(v) => DramError::invalid(
                    &path,
                    "tracesetup[0].clkMhz",
                    v,
                    "expected a positive frequency",
                ),
                None => DramError::missing(&path, "simulation.tracesetup[0].clkMhz"),
            })?;
        let base = sim_json.parent().unwrap_or(Path::new("."));
        let find =
            |file: String, sub: &str, field: &str| -> Result<PathBuf, DramError> {
                resolve(&file, sub, base, resources).ok_or_else(|| {
                    DramError::invalid(
                        &path,
                        field,
                        format!("{file:?}"),
                        &format!(
                        "file not found next to the simulation file{} or in its {sub} directory",
                        if resources.is_some() { ", in --resources" } else { "" }
                    ),
                    )
                })
            };
        Ok(SimulationFiles {
            memspec: find(name("memspec")?, "configs/memspecs", "memspec")?,
            mapping: find(
                name("addressmapping")?,
                "configs/amconfigs",
                "addressmapping",
            )?,
            mcconfig: find(name("mcconfig")?, "configs/mcconfigs", "mcconfig")?,
            trace: find(trace_name, "traces", "tracesetup[0].name")?,
            trace_clk_mhz: clk,
        })
    }

    pub fn config(&self) -> Result<DramConfig, DramError> {
        DramConfig::from_files(
            &self.memspec,
            &self.mapping,
            &self.mcconfig,
            self.trace_clk_mhz,
        )
    }
}

fn resolve(file: &str, sub: &str, base: &Path, resources: Option<&Path>) -> Option<PathBuf> {
    let direct = Path::new(file);
    if direct.is_absolute() {
        return direct.is_file().then(|| direct.to_path_buf());
    }
    let mut roots: Vec<PathBuf> = Vec::new();
    if let Some(r) = resources {
        roots.push(r.to_path_buf());
    }
    roots.push(base.to_path_buf());
    // DRAMSys keeps simulations in resources/simulations/, next to resources/configs/
    if let Some(parent) = base.parent() {
        roots.push(parent.to_path_buf());
    }
    roots.iter().find_map(|root| {
        [root.join(file), root.join(sub).join(file)]
            .into_iter()
            .find(|p| p.is_file())
    })
}
