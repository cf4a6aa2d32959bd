//! Circuits: the gate set of CRLQAS (RX, RY, RZ, CNOT) plus CZ, H and X, read from a small JSON
//! format (`{"qubits": 2, "gates": [{"gate": "RY", "qubits": [0], "theta": 0.5}, ...]}`).

use std::path::Path;

use num_complex::Complex64 as C;
use serde::{Deserialize, Serialize};

use super::error::QuantumError;
use super::state::{Mat2, MAX_QUBITS};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum GateKind {
    Rx,
    Ry,
    Rz,
    H,
    X,
    Cnot,
    Cz,
}

impl GateKind {
    pub const ALL: [GateKind; 7] = [
        GateKind::Rx,
        GateKind::Ry,
        GateKind::Rz,
        GateKind::H,
        GateKind::X,
        GateKind::Cnot,
        GateKind::Cz,
    ];

    pub fn name(self) -> &'static str {
        match self {
            GateKind::Rx => "RX",
            GateKind::Ry => "RY",
            GateKind::Rz => "RZ",
            GateKind::H => "H",
            GateKind::X => "X",
            GateKind::Cnot => "CNOT",
            GateKind::Cz => "CZ",
        }
    }

    pub fn parse(s: &str) -> Option<GateKind> {
        let up = s.to_ascii_uppercase();
        let up = if up == "CX" { "CNOT".to_string() } else { up };
        GateKind::ALL.into_iter().find(|g| g.name() == up)
    }

    pub fn arity(self) -> usize {
        match self {
            GateKind::Cnot | GateKind::Cz => 2,
            _ => 1,
        }
    }

    pub fn is_parametric(self) -> bool {
        matches!(self, GateKind::Rx | GateKind::Ry | GateKind::Rz)
    }
}

/// One gate; `qubits[1]` is the target of a CNOT (the second qubit of a CZ) and unused otherwise.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Gate {
    pub kind: GateKind,
    pub qubits: [usize; 2],
    pub theta: f64,
}

impl Gate {
    pub fn one(kind: GateKind, q: usize, theta: f64) -> Gate {
        Gate {
            kind,
            qubits: [q, q],
            theta,
        }
    }
    pub fn two(kind: GateKind, a: usize, b: usize) -> Gate {
        Gate {
            kind,
            qubits: [a, b],
            theta: 0.0,
        }
    }
    pub fn support(&self) -> &[usize] {
        &self.qubits[..self.kind.arity()]
    }

    /// The 2x2 matrix of a 1-qubit gate (None for 2-qubit gates).
    pub fn matrix1(&self) -> Option<Mat2> {
        let z = C::new(0.0, 0.0);
        let (c, s) = ((self.theta / 2.0).cos(), (self.theta / 2.0).sin());
        let h = std::f64::consts::FRAC_1_SQRT_2;
        Some(match self.kind {
            GateKind::Rx => [
                [C::new(c, 0.0), C::new(0.0, -s)],
                [C::new(0.0, -s), C::new(c, 0.0)],
            ],
            GateKind::Ry => [
                [C::new(c, 0.0), C::new(-s, 0.0)],
                [C::new(s, 0.0), C::new(c, 0.0)],
            ],
            GateKind::Rz => [[C::new(c, -s), z], [z, C::new(c, s)]],
            GateKind::H => [
                [C::new(h, 0.0), C::new(h, 0.0)],
                [C::new(h, 0.0), C::new(-h, 0.0)],
            ],
            GateKind::X => [[z, C::new(1.0, 0.0)], [C::new(1.0, 0.0), z]],
            GateKind::Cnot | GateKind::Cz => return None,
        })
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Circuit {
    pub n_qubits: usize,
    pub gates: Vec<Gate>,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawGate {
    gate: String,
    qubits: Vec<i64>,
    #[serde(default)]
    theta: Option<f64>,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawCircuit {
    qubits: i64,
    gates: Vec<RawGate>,
}

impl Circuit {
    pub fn new(n_qubits: usize) -> Circuit {
        Circuit {
            n_qubits,
            gates: Vec::new(),
        }
    }

    pub fn push(&mut self, g: Gate) {
        self.gates.push(g);
    }

    pub fn load(path: &Path) -> Result<Circuit, QuantumError> {
        let text = std::fs::read_to_string(path).map_err(|source| QuantumError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Circuit::parse(&path.display().to_string(), &text)
    }

    pub fn parse(path: &str, text: &str) -> Result<Circuit, QuantumError> {
        let raw: RawCircuit = serde_json::from_str(text).map_err(|e| QuantumError::Json {
            path: path.into(),
            detail: e.to_string(),
        })?;
        if raw.qubits < 1 || raw.qubits > MAX_QUBITS as i64 {
            return Err(QuantumError::invalid(
                path,
                "qubits",
                raw.qubits,
                &format!("between 1 and {MAX_QUBITS}"),
            ));
        }
        let n = raw.qubits as usize;
        let mut c = Circuit::new(n);
        for (i, g) in raw.gates.iter().enumerate() {
            let key = format!("gates[{i}]");
            let kind = GateKind::parse(&g.gate).ok_or_else(|| {
                QuantumError::invalid(
                    path,
                    &format!("{key}.gate"),
                    &g.gate,
                    "one of RX, RY, RZ, H, X, CNOT (CX), CZ",
                )
            })?;
            if g.qubits.len() != kind.arity() {
                return Err(QuantumError::invalid(
                    path,
                    &format!("{key}.qubits"),
                    format!("{:?}", g.qubits),
                    &format!("{} acts on {} qubit(s)", kind.name(), kind.arity()),
                ));
            }
            let mut qs = [0usize; 2];
            for (j, &q) in g.qubits.iter().enumerate() {
                if q < 0 || q >= n as i64 {
                    return Err(QuantumError::invalid(
                        path,
                        &format!("{key}.qubits"),
                        q,
                        &format!("a qubit index below {n}"),
                    ));
                }
                qs[j] = q as usize;
            }
            if kind.arity() == 2 && qs[0] == qs[1] {
                return Err(QuantumError::invalid(
                    path,
                    &format!("{key}.qubits"),
                    format!("{:?}", g.qubits),
                    "two different qubits",
                ));
            }
            let theta = match (kind.is_parametric(), g.theta) {
                (true, Some(t)) if t.is_finite() => t,
                (true, other) => {
                    return Err(QuantumError::invalid(
                        path,
                        &format!("{key}.theta"),
                        format!("{other:?}"),
                        "a finite angle in radians",
                    ))
                }
                (false, None) => 0.0,
                (false, Some(t)) => {
                    return Err(QuantumError::invalid(
                        path,
                        &format!("{key}.theta"),
                        t,
                        &format!("no angle: {} is not parametrised", kind.name()),
                    ))
                }
            };
            c.push(if kind.arity() == 2 {
                Gate::two(kind, qs[0], qs[1])
            } else {
                Gate::one(kind, qs[0], theta)
            });
        }
        Ok(c)
    }

    pub fn to_json(&self) -> serde_json::Value {
        let gates: Vec<RawGate> = self
            .gates
            .iter()
            .map(|g| RawGate {
                gate: g.kind.name().into(),
                qubits: g.support().iter().map(|&q| q as i64).collect(),
                theta: g.kind.is_parametric().then_some(g.theta),
            })
            .collect();
        serde_json::to_value(RawCircuit {
            qubits: self.n_qubits as i64,
            gates,
        })
        .unwrap_or_default()
    }

    pub fn n_params(&self) -> usize {
        self.gates.iter().filter(|g| g.kind.is_parametric()).count()
    }

    pub fn params(&self) -> Vec<f64> {
        self.gates
            .iter()
            .filter(|g| g.kind.is_parametric())
            .map(|g| g.theta)
            .collect()
    }

    /// Sets the angles of the parametrised gates in circuit order; `theta` must have `n_params()`.
    pub fn set_params(&mut self, theta: &[f64]) {
        let mut it = theta.iter();
        for g in self.gates.iter_mut().filter(|g| g.kind.is_parametric()) {
            if let Some(&t) = it.next() {
                g.theta = t;
            }
        }
    }

    pub fn cnot_count(&self) -> usize {
        self.gates.iter().filter(|g| g.kind.arity() == 2).count()
    }

    /// Circuit depth: layers of gates on disjoint qubits, each gate as early as its qubits allow.
    pub fn depth(&self) -> usize {
        let mut front = vec![0usize; self.n_qubits];
        for g in &self.gates {
            let layer = g.support().iter().map(|&q| front[q]).max().unwrap_or(0) + 1;
            for &q in g.support() {
                front[q] = layer;
            }
        }
        front.into_iter().max().unwrap_or(0)
    }
}
