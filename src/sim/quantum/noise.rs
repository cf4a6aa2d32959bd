//! Device noise: a JSON of per-gate error rates and durations, T1/T2 and readout errors (taken from
//! a published device calibration), compiled into the channels attached after each gate, the way
//! Qiskit Aer's device noise model does it: a depolarising channel whose strength makes the total
//! average gate error equal the calibrated one, followed by T1/T2 relaxation over the gate time.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::circuit::GateKind;
use super::error::QuantumError;
use super::state::{compose, depolarizing1, thermal_relaxation, Superop1};

/// One gate's calibration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateNoise {
    /// Average gate error (1 - average gate fidelity), as a calibration reports it.
    pub error: f64,
    /// Gate duration in nanoseconds (0 for the virtual RZ).
    #[serde(default)]
    pub time_ns: f64,
}

/// A device-noise file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceNoise {
    #[serde(default)]
    pub device: String,
    #[serde(default)]
    pub source: String,
    /// Relaxation time T1 in microseconds.
    pub t1_us: f64,
    /// Dephasing time T2 in microseconds (at most 2 T1).
    pub t2_us: f64,
    /// Probability of reading 1 when the qubit is in |0>.
    #[serde(default)]
    pub readout_p01: f64,
    /// Probability of reading 0 when the qubit is in |1>.
    #[serde(default)]
    pub readout_p10: f64,
    /// Per-gate calibration, keyed by gate name (RX, RY, RZ, H, X, CNOT, CZ); a gate without an
    /// entry is noiseless.
    pub gates: BTreeMap<String, GateNoise>,
}

impl DeviceNoise {
    pub fn load(path: &Path) -> Result<DeviceNoise, QuantumError> {
        let text = std::fs::read_to_string(path).map_err(|source| QuantumError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        DeviceNoise::parse(&path.display().to_string(), &text)
    }

    pub fn parse(path: &str, text: &str) -> Result<DeviceNoise, QuantumError> {
        let d: DeviceNoise = serde_json::from_str(text).map_err(|e| QuantumError::Json {
            path: path.into(),
            detail: e.to_string(),
        })?;
        d.validate(path)?;
        Ok(d)
    }

    fn validate(&self, path: &str) -> Result<(), QuantumError> {
        let pos = |key: &str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(QuantumError::invalid(path, key, v, "a positive time"))
            }
        };
        pos("t1_us", self.t1_us)?;
        pos("t2_us", self.t2_us)?;
        if self.t2_us > 2.0 * self.t1_us {
            return Err(QuantumError::invalid(
                path,
                "t2_us",
                self.t2_us,
                &format!("at most 2 * t1_us = {}", 2.0 * self.t1_us),
            ));
        }
        for (key, v) in [
            ("readout_p01", self.readout_p01),
            ("readout_p10", self.readout_p10),
        ] {
            if !(0.0..0.5).contains(&v) {
                return Err(QuantumError::invalid(
                    path,
                    key,
                    v,
                    "a probability in [0, 0.5)",
                ));
            }
        }
        for (name, g) in &self.gates {
            let kind = GateKind::parse(name).ok_or_else(|| {
                QuantumError::invalid(
                    path,
                    &format!("gates.{name}"),
                    name,
                    "a gate name (RX, RY, RZ, H, X, CNOT, CZ)",
                )
            })?;
            let dim = (1u32 << kind.arity()) as f64;
            if !(0.0..=dim / (dim + 1.0)).contains(&g.error) {
                return Err(QuantumError::invalid(
                    path,
                    &format!("gates.{name}.error"),
                    g.error,
                    &format!("an average gate error in [0, {}]", dim / (dim + 1.0)),
                ));
            }
            if !(g.time_ns.is_finite() && g.time_ns >= 0.0) {
                return Err(QuantumError::invalid(
                    path,
                    &format!("gates.{name}.time_ns"),
                    g.time_ns,
                    "a duration >= 0 in ns",
                ));
            }
        }
        Ok(())
    }

    fn gate(&self, kind: GateKind) -> Option<&GateNoise> {
        self.gates
            .iter()
            .find(|(k, _)| GateKind::parse(k) == Some(kind))
            .map(|(_, g)| g)
    }

    /// The channels after each gate kind.
    pub fn compile(&self) -> NoiseModel {
        let mut after = BTreeMap::new();
        for kind in GateKind::ALL {
            let Some(g) = self.gate(kind) else { continue };
            let t_us = g.time_ns / 1000.0;
            let relax = thermal_relaxation(self.t1_us, self.t2_us, t_us);
            let n = kind.arity();
            // average gate fidelity of the relaxation on the gate's qubits: F = (d F_pro + 1)/(d + 1)
            // with F_pro = Tr(S)/d^2, and Tr(S) of a product channel the product of the traces
            let tr1: f64 = (0..4).map(|i| relax[i][i].re).sum();
            let d = (1u32 << n) as f64;
            let f_pro = tr1.powi(n as i32) / (d * d);
            let relax_fid = (d * f_pro + 1.0) / (d + 1.0);
            let depol = depolarizing_param(g.error, relax_fid, n);
            after.insert(kind, GateChannels { depol, relax });
        }
        NoiseModel {
            after,
            readout: (self.readout_p01, self.readout_p10),
        }
    }
}

/// The depolarising parameter that, composed with a relaxation of average fidelity `relax_fid`,
/// gives the average gate error `error` (Qiskit Aer's `_device_depolarizing_error` formula);
/// zero when relaxation alone already explains the error.
fn depolarizing_param(error: f64, relax_fid: f64, n: usize) -> f64 {
    let relax_infid = 1.0 - relax_fid;
    if error <= relax_infid {
        return 0.0;
    }
    let dim = (1u32 << n) as f64;
    let error = error.min(dim / (dim + 1.0));
    let p = dim * (error - relax_infid) / (dim * relax_fid - 1.0);
    let max = 4f64.powi(n as i32) / (4f64.powi(n as i32) - 1.0);
    p.min(max)
}

/// What follows a gate of one kind.
#[derive(Clone, Debug, PartialEq)]
pub struct GateChannels {
    /// Depolarising parameter on the gate's qubits (1- or 2-qubit channel).
    pub depol: f64,
    /// Relaxation over the gate time, on each of the gate's qubits.
    pub relax: Superop1,
}

impl GateChannels {
    /// Depolarising then relaxation, as one superoperator (1-qubit gates only).
    pub fn superop1(&self) -> Superop1 {
        compose(&self.relax, &depolarizing1(self.depol))
    }
}

/// A compiled noise model.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct NoiseModel {
    pub after: BTreeMap<GateKind, GateChannels>,
    /// (p01, p10) on every qubit.
    pub readout: (f64, f64),
}

impl NoiseModel {
    /// A uniform model for experiments and tests: depolarising `p1` after 1-qubit gates and `p2`
    /// after 2-qubit gates, no relaxation, no readout error.
    pub fn depolarizing(p1: f64, p2: f64) -> NoiseModel {
        let mut after = BTreeMap::new();
        for kind in GateKind::ALL {
            let depol = if kind.arity() == 2 { p2 } else { p1 };
            after.insert(
                kind,
                GateChannels {
                    depol,
                    relax: super::state::identity1(),
                },
            );
        }
        NoiseModel {
            after,
            readout: (0.0, 0.0),
        }
    }
}
