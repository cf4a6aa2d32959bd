//! Running a circuit: gates applied in order to |0...0><0...0|, each followed by its noise
//! channels; the energy is Tr(rho H) with readout error on each Pauli term and, when asked,
//! seeded shot noise.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::circuit::{Circuit, GateKind};
use super::error::QuantumError;
use super::hamiltonian::Hamiltonian;
use super::noise::NoiseModel;
use super::state::{compose, superop_of_kraus, DensityMatrix};

/// What a simulation is asked for.
#[derive(Clone, Debug, Default)]
pub struct SimConfig {
    pub noise: Option<NoiseModel>,
    /// Measurement shots per Pauli term; None for the exact expectation.
    pub shots: Option<u64>,
    pub seed: u64,
}

/// What a simulation gives.
#[derive(Clone, Debug, PartialEq)]
pub struct EnergyStats {
    pub energy: f64,
    pub trace: f64,
    pub purity: f64,
    pub gates: usize,
    pub cnots: usize,
    pub depth: usize,
}

/// The density matrix after `circuit` under `noise`.
pub fn run(circuit: &Circuit, noise: Option<&NoiseModel>) -> Result<DensityMatrix, QuantumError> {
    let mut rho = DensityMatrix::zero_state(circuit.n_qubits)?;
    apply(&mut rho, circuit, noise);
    Ok(rho)
}

/// Applies `circuit` (gates on qubits of `rho`'s register) to `rho`.
pub fn apply(rho: &mut DensityMatrix, circuit: &Circuit, noise: Option<&NoiseModel>) {
    for g in &circuit.gates {
        let ch = noise.and_then(|m| m.after.get(&g.kind));
        match g.kind {
            GateKind::Cnot | GateKind::Cz => {
                let [a, b] = g.qubits;
                if g.kind == GateKind::Cnot {
                    rho.apply_cnot(a, b);
                } else {
                    rho.apply_cz(a, b);
                }
                if let Some(ch) = ch {
                    if ch.depol > 0.0 {
                        rho.depolarize2(a, b, ch.depol);
                    }
                    rho.apply_superop1(a, &ch.relax);
                    rho.apply_superop1(b, &ch.relax);
                }
            }
            _ => {
                let Some(u) = g.matrix1() else { continue };
                let s = superop_of_kraus(&[u]);
                // gate and its noise fused: one pass over the matrix
                let s = match ch {
                    Some(ch) => compose(&ch.superop1(), &s),
                    None => s,
                };
                rho.apply_superop1(g.qubits[0], &s);
            }
        }
    }
}

/// Tr(rho H) as measured with readout error `(p01, p10)` on every qubit: each term's product
/// of noisy outcomes expands over the subsets T of its support into
/// prod_{i not in T} (p10 - p01) prod_{i in T} (1 - p01 - p10) <P_T>.
pub fn measured_energy(rho: &DensityMatrix, h: &Hamiltonian, readout: (f64, f64)) -> Vec<f64> {
    let (p01, p10) = readout;
    let a = p10 - p01;
    let b = 1.0 - p01 - p10;
    h.terms
        .iter()
        .map(|(_, p)| {
            if readout == (0.0, 0.0) {
                return p.expectation(rho);
            }
            let s = p.support();
            let k = s.count_ones() as i32;
            if a == 0.0 {
                return b.powi(k) * p.expectation(rho);
            }
            // all submasks of s
            let mut total = 0.0;
            let mut t = s;
            loop {
                let m = t.count_ones() as i32;
                let e = if t == 0 {
                    1.0
                } else {
                    p.restrict(t).expectation(rho)
                };
                total += a.powi(k - m) * b.powi(m) * e;
                if t == 0 {
                    break;
                }
                t = (t - 1) & s;
            }
            total
        })
        .collect()
}

/// The energy of `circuit` for `h` under `cfg`.
pub fn energy(
    circuit: &Circuit,
    h: &Hamiltonian,
    cfg: &SimConfig,
) -> Result<EnergyStats, QuantumError> {
    if circuit.n_qubits != h.n_qubits {
        return Err(QuantumError::mismatch(
            "circuit and Hamiltonian",
            format!(
                "the circuit has {} qubits, the Hamiltonian {}",
                circuit.n_qubits, h.n_qubits
            ),
        ));
    }
    let rho = run(circuit, cfg.noise.as_ref())?;
    let readout = cfg.noise.as_ref().map(|m| m.readout).unwrap_or((0.0, 0.0));
    let mut values = measured_energy(&rho, h, readout);
    if let Some(shots) = cfg.shots {
        let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
        for (v, (_, p)) in values.iter_mut().zip(&h.terms) {
            if p.support() == 0 || shots == 0 {
                continue;
            }
            *v = sample_mean(&mut rng, *v, shots);
        }
    }
    let e: f64 = values.iter().zip(&h.terms).map(|(v, (c, _))| c * v).sum();
    Ok(EnergyStats {
        energy: e,
        trace: rho.trace().re,
        purity: rho.purity(),
        gates: circuit.gates.len(),
        cnots: circuit.cnot_count(),
        depth: circuit.depth(),
    })
}

/// The mean of `shots` +-1 outcomes of expectation `e`: exact Bernoulli draws up to 10^4 shots,
/// beyond that the Gaussian of the same variance (1 - e^2)/shots (CRLQAS's own shot model).
fn sample_mean(rng: &mut ChaCha8Rng, e: f64, shots: u64) -> f64 {
    let e = e.clamp(-1.0, 1.0);
    if shots <= 10_000 {
        let p_plus = (1.0 + e) / 2.0;
        let plus = (0..shots).filter(|_| rng.gen::<f64>() < p_plus).count() as f64;
        return 2.0 * plus / shots as f64 - 1.0;
    }
    let (u1, u2): (f64, f64) = (rng.gen::<f64>().max(1e-300), rng.gen());
    let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
    (e + z * ((1.0 - e * e) / shots as f64).sqrt()).clamp(-1.0, 1.0)
}
