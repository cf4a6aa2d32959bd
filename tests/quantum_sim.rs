//! sim::quantum against independent references: gate and channel identities on known states
//! (Bell, GHZ, damping of |1> and |+>), a dense reference built here from full 2^n matrices on
//! random noisy circuits (equal to 1e-10), readout error against enumerated outcome
//! probabilities, and noise raising the energy by exactly what the depolarising channel says.

#![allow(clippy::needless_range_loop)] // the dense reference indexes matrices as the formulas do

use l2mac::sim::quantum::noise::{GateChannels, NoiseModel};
use l2mac::sim::quantum::sim::{apply, energy, measured_energy, run, SimConfig};
use l2mac::sim::quantum::state::{
    amplitude_damping, identity1, phase_damping, thermal_relaxation, DensityMatrix,
};
use l2mac::sim::quantum::{Circuit, Gate, GateKind, Hamiltonian};
use num_complex::Complex64 as C;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const TOL: f64 = 1e-10;

fn c(re: f64) -> C {
    C::new(re, 0.0)
}

// ---------- dense reference, built only here ----------

type M = Vec<Vec<C>>;

fn eye(d: usize) -> M {
    (0..d)
        .map(|i| (0..d).map(|j| c(if i == j { 1.0 } else { 0.0 })).collect())
        .collect()
}
fn mul(a: &M, b: &M) -> M {
    let d = a.len();
    let mut o = vec![vec![c(0.0); d]; d];
    for i in 0..d {
        for k in 0..d {
            if a[i][k] == c(0.0) {
                continue;
            }
            for j in 0..d {
                o[i][j] += a[i][k] * b[k][j];
            }
        }
    }
    o
}
fn dag(a: &M) -> M {
    let d = a.len();
    (0..d)
        .map(|i| (0..d).map(|j| a[j][i].conj()).collect())
        .collect()
}
fn add(a: &M, b: &M, s: f64) -> M {
    a.iter()
        .zip(b)
        .map(|(x, y)| x.iter().zip(y).map(|(p, q)| p + q * s).collect())
        .collect()
}
/// The full operator of 2x2 matrix `u` on qubit q of n (qubit 0 = least significant bit).
fn embed1(u: &[[C; 2]; 2], q: usize, n: usize) -> M {
    let d = 1 << n;
    let mut o = vec![vec![c(0.0); d]; d];
    for r in 0..d {
        for col in 0..d {
            if (r & !(1 << q)) != (col & !(1 << q)) {
                continue;
            }
            o[r][col] = u[(r >> q) & 1][(col >> q) & 1];
        }
    }
    o
}
fn pauli(i: usize) -> [[C; 2]; 2] {
    let z = c(0.0);
    match i {
        0 => [[c(1.0), z], [z, c(1.0)]],
        1 => [[z, c(1.0)], [c(1.0), z]],
        2 => [[z, C::new(0.0, -1.0)], [C::new(0.0, 1.0), z]],
        _ => [[c(1.0), z], [z, c(-1.0)]],
    }
}
fn gate_dense(g: &Gate, n: usize) -> M {
    let d = 1 << n;
    match g.kind {
        GateKind::Cnot | GateKind::Cz => {
            let [a, b] = g.qubits;
            let mut o = vec![vec![c(0.0); d]; d];
            for x in 0..d {
                if g.kind == GateKind::Cnot {
                    let y = if x & (1 << a) != 0 { x ^ (1 << b) } else { x };
                    o[y][x] = c(1.0);
                } else {
                    let both = x & (1 << a) != 0 && x & (1 << b) != 0;
                    o[x][x] = c(if both { -1.0 } else { 1.0 });
                }
            }
            o
        }
        _ => embed1(&g.matrix1().unwrap(), g.qubits[0], n),
    }
}
/// Kraus form of the channels after a gate, each as a full operator.
fn channel_dense(rho: &M, g: &Gate, ch: &GateChannels, n: usize) -> M {
    let mut out = rho.clone();
    let qs: Vec<usize> = g.support().to_vec();
    if ch.depol > 0.0 {
        // depolarizing(p, k) = (1 - p (4^k - 1)/4^k) rho + p/4^k sum_{P != I} P rho P
        let k = qs.len();
        let nterms = 1 << (2 * k);
        let mut acc = vec![vec![c(0.0); 1 << n]; 1 << n];
        for idx in 1..nterms {
            let mut p = eye(1 << n);
            for (j, &q) in qs.iter().enumerate() {
                p = mul(&p, &embed1(&pauli((idx >> (2 * j)) & 3), q, n));
            }
            acc = add(&acc, &mul(&mul(&p, &out), &p), 1.0);
        }
        let w = nterms as f64;
        let keep = 1.0 - ch.depol * (w - 1.0) / w;
        out = add(
            &out.iter()
                .map(|r| r.iter().map(|z| z * keep).collect())
                .collect(),
            &acc,
            ch.depol / w,
        );
    }
    for &q in &qs {
        out = relax_dense(&out, &ch.relax, q, n);
    }
    out
}
/// A 1-qubit superoperator applied by its Kraus-free definition on full matrices.
fn relax_dense(rho: &M, s: &[[C; 4]; 4], q: usize, n: usize) -> M {
    let d = 1 << n;
    let mut o = vec![vec![c(0.0); d]; d];
    for r in 0..d {
        for col in 0..d {
            let (rb, cb) = ((r >> q) & 1, (col >> q) & 1);
            for r0 in 0..2 {
                for c0 in 0..2 {
                    let rr = (r & !(1 << q)) | (r0 << q);
                    let cc = (col & !(1 << q)) | (c0 << q);
                    o[r][col] += s[2 * rb + cb][2 * r0 + c0] * rho[rr][cc];
                }
            }
        }
    }
    o
}
fn dense_run(circ: &Circuit, noise: Option<&NoiseModel>) -> M {
    let n = circ.n_qubits;
    let d = 1 << n;
    let mut rho = vec![vec![c(0.0); d]; d];
    rho[0][0] = c(1.0);
    for g in &circ.gates {
        let u = gate_dense(g, n);
        rho = mul(&mul(&u, &rho), &dag(&u));
        if let Some(ch) = noise.and_then(|m| m.after.get(&g.kind)) {
            rho = channel_dense(&rho, g, ch, n);
        }
    }
    rho
}
fn dense_pauli(label: &str) -> M {
    let n = label.len();
    let mut p = eye(1 << n);
    for (q, ch) in label.chars().enumerate() {
        let i = "IXYZ".find(ch).unwrap();
        p = mul(&p, &embed1(&pauli(i), q, n));
    }
    p
}

fn random_circuit(rng: &mut ChaCha8Rng, n: usize, len: usize) -> Circuit {
    let mut circ = Circuit::new(n);
    for _ in 0..len {
        let kind = GateKind::ALL[rng.gen_range(0..GateKind::ALL.len())];
        if kind.arity() == 2 && n > 1 {
            let a = rng.gen_range(0..n);
            let b = (a + rng.gen_range(1..n)) % n;
            circ.push(Gate::two(kind, a, b));
        } else {
            let kind = if kind.arity() == 2 {
                GateKind::Ry
            } else {
                kind
            };
            circ.push(Gate::one(
                kind,
                rng.gen_range(0..n),
                rng.gen_range(-3.2..3.2),
            ));
        }
    }
    circ
}

fn random_hamiltonian(rng: &mut ChaCha8Rng, n: usize, terms: usize) -> Hamiltonian {
    let mut text = String::new();
    for _ in 0..terms {
        let label: String = (0..n)
            .map(|_| ['I', 'X', 'Y', 'Z'][rng.gen_range(0..4)])
            .collect();
        text += &format!("{} {label}\n", rng.gen_range(-1.0..1.0));
    }
    Hamiltonian::parse("random", &text).unwrap()
}

fn mixed_noise() -> NoiseModel {
    let mut m = NoiseModel::depolarizing(0.01, 0.05);
    for (k, ch) in m.after.iter_mut() {
        ch.relax = thermal_relaxation(100.0, 80.0, if k.arity() == 2 { 0.4 } else { 0.035 });
    }
    m
}

#[test]
fn random_noisy_circuits_equal_the_dense_reference() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for (n, len) in [(1, 12), (2, 20), (3, 25), (4, 30)] {
        for noisy in [false, true] {
            let circ = random_circuit(&mut rng, n, len);
            let noise = mixed_noise();
            let noise = noisy.then_some(&noise);
            let rho = run(&circ, noise).unwrap();
            let reference = dense_run(&circ, noise);
            let d = 1 << n;
            let mut worst = 0.0f64;
            for r in 0..d {
                for col in 0..d {
                    worst = worst.max((rho.get(r, col) - reference[r][col]).norm());
                }
            }
            assert!(worst < TOL, "n={n} noisy={noisy}: entry differs by {worst}");
            let h = random_hamiltonian(&mut rng, n, 12);
            let mine = h.expectation(&rho);
            let theirs: f64 = h
                .terms
                .iter()
                .map(|(coef, p)| {
                    let pm = dense_pauli(&p.label(n));
                    let t: C = (0..d).map(|i| mul(&reference, &pm)[i][i]).sum();
                    coef * t.re
                })
                .sum();
            assert!((mine - theirs).abs() < TOL, "n={n}: {mine} vs {theirs}");
            assert!((rho.trace() - c(1.0)).norm() < TOL, "trace {}", rho.trace());
            if !noisy {
                assert!((rho.purity() - 1.0).abs() < TOL, "unitary kept purity");
            } else {
                assert!(rho.purity() < 1.0 + TOL);
            }
        }
    }
}

#[test]
fn ground_energy_matches_dense_matrix_trace_and_bounds() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let h = random_hamiltonian(&mut rng, 3, 10);
    let e0 = h.ground_energy();
    // E0 <= <psi|H|psi> for random states, and E0 >= -sum |c|
    for _ in 0..20 {
        let circ = random_circuit(&mut rng, 3, 15);
        assert!(h.expectation(&run(&circ, None).unwrap()) >= e0 - 1e-10);
    }
    assert!(e0 >= -h.terms.iter().map(|t| t.0.abs()).sum::<f64>());
    // a diagonal Hamiltonian's ground energy is its smallest diagonal entry
    let z = Hamiltonian::parse("z", "0.5 ZI\n-0.25 IZ\n1.0 ZZ\n0.1 II").unwrap();
    // basis energies: 00: 0.5-0.25+1+0.1=1.35, 10 (q0=1): -0.5-0.25-1+0.1=-1.65, 01: 0.5+0.25-1+0.1=-0.15, 11: -0.5+0.25+1+.1=0.85
    assert!(
        (z.ground_energy() + 1.65).abs() < 1e-12,
        "{}",
        z.ground_energy()
    );
    // complex entries (a single Y term): eigenvalues -+1
    let y = Hamiltonian::parse("y", "1.0 YI").unwrap();
    assert!((y.ground_energy() + 1.0).abs() < 1e-12);
}

#[test]
fn bell_and_ghz_states() {
    let mut bell = Circuit::new(2);
    bell.push(Gate::one(GateKind::H, 0, 0.0));
    bell.push(Gate::two(GateKind::Cnot, 0, 1));
    let rho = run(&bell, None).unwrap();
    for (r, col, v) in [
        (0, 0, 0.5),
        (0, 3, 0.5),
        (3, 0, 0.5),
        (3, 3, 0.5),
        (1, 1, 0.0),
        (0, 1, 0.0),
    ] {
        assert!(
            (rho.get(r, col) - c(v)).norm() < TOL,
            "rho[{r},{col}] = {}",
            rho.get(r, col)
        );
    }
    let h = Hamiltonian::parse("bell", "1 XX\n1 YY\n1 ZZ\n1 ZI").unwrap();
    let e: Vec<f64> = measured_energy(&rho, &h, (0.0, 0.0));
    assert_eq!(e.len(), 4);
    for (got, want) in e.iter().zip([1.0, -1.0, 1.0, 0.0]) {
        assert!((got - want).abs() < TOL, "{e:?}");
    }
    let mut ghz = Circuit::new(3);
    ghz.push(Gate::one(GateKind::H, 0, 0.0));
    ghz.push(Gate::two(GateKind::Cnot, 0, 1));
    ghz.push(Gate::two(GateKind::Cnot, 1, 2));
    let rho = run(&ghz, None).unwrap();
    let h = Hamiltonian::parse("ghz", "1 XXX\n1 ZZI\n1 IZZ\n1 ZII\n1 XYY").unwrap();
    let e = measured_energy(&rho, &h, (0.0, 0.0));
    for (got, want) in e.iter().zip([1.0, 1.0, 1.0, 0.0, -1.0]) {
        assert!((got - want).abs() < TOL, "{e:?}");
    }
    // CZ = (I x H) CNOT (I x H)
    let mut a = Circuit::new(2);
    let mut b = Circuit::new(2);
    for circ in [&mut a, &mut b] {
        circ.push(Gate::one(GateKind::Ry, 0, 0.7));
        circ.push(Gate::one(GateKind::Rx, 1, -1.1));
    }
    a.push(Gate::two(GateKind::Cz, 0, 1));
    b.push(Gate::one(GateKind::H, 1, 0.0));
    b.push(Gate::two(GateKind::Cnot, 0, 1));
    b.push(Gate::one(GateKind::H, 1, 0.0));
    let (ra, rb) = (run(&a, None).unwrap(), run(&b, None).unwrap());
    for (x, y) in ra.entries().iter().zip(rb.entries()) {
        assert!((x - y).norm() < TOL);
    }
}

#[test]
fn damping_channels_on_known_states() {
    // amplitude damping of |1>: populations (gamma, 1 - gamma)
    let mut one = Circuit::new(1);
    one.push(Gate::one(GateKind::X, 0, 0.0));
    let mut rho = run(&one, None).unwrap();
    rho.apply_superop1(0, &amplitude_damping(0.3));
    assert!((rho.get(0, 0) - c(0.3)).norm() < TOL && (rho.get(1, 1) - c(0.7)).norm() < TOL);
    // phase damping of |+>: populations kept, coherence 0.5 sqrt(1 - lambda)
    let mut plus = Circuit::new(1);
    plus.push(Gate::one(GateKind::H, 0, 0.0));
    let mut rho = run(&plus, None).unwrap();
    rho.apply_superop1(0, &phase_damping(0.36));
    assert!((rho.get(0, 1) - c(0.4)).norm() < TOL && (rho.get(0, 0) - c(0.5)).norm() < TOL);
    // T1/T2 relaxation over t: P(1) = e^{-t/T1} from |1>, |rho01| = e^{-t/T2}/2 from |+>
    let (t1, t2, t) = (50.0, 30.0, 7.0);
    let mut rho = run(&one, None).unwrap();
    rho.apply_superop1(0, &thermal_relaxation(t1, t2, t));
    assert!((rho.get(1, 1).re - (-t / t1).exp()).abs() < TOL);
    let mut rho = run(&plus, None).unwrap();
    rho.apply_superop1(0, &thermal_relaxation(t1, t2, t));
    assert!((rho.get(0, 1).norm() - 0.5 * (-t / t2).exp()).abs() < TOL);
    // every channel preserves the trace on a random 3-qubit state
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let mut rho = run(&random_circuit(&mut rng, 3, 20), None).unwrap();
    rho.apply_superop1(1, &amplitude_damping(0.2));
    rho.apply_superop1(2, &phase_damping(0.5));
    rho.depolarize2(0, 2, 0.3);
    assert!((rho.trace() - c(1.0)).norm() < TOL);
    assert_eq!(identity1()[0][0], c(1.0));
}

#[test]
fn depolarising_noise_raises_the_energy_by_what_the_channel_says() {
    // only the final CNOT is noisy: E = (1 - p) E_ideal + p Tr(H)/4
    let h = Hamiltonian::parse("h", "-1.05 II\n0.39 ZI\n-0.39 IZ\n-0.01 ZZ\n0.18 XX").unwrap();
    let mut circ = Circuit::new(2);
    circ.push(Gate::one(GateKind::Ry, 0, 2.9));
    circ.push(Gate::one(GateKind::Ry, 1, 2.9));
    circ.push(Gate::two(GateKind::Cnot, 0, 1));
    let ideal = energy(&circ, &h, &SimConfig::default()).unwrap().energy;
    let p = 0.04;
    let noisy_cfg = SimConfig {
        noise: Some(NoiseModel::depolarizing(0.0, p)),
        ..Default::default()
    };
    let noisy = energy(&circ, &h, &noisy_cfg).unwrap().energy;
    let tr_h_over_d = -1.05;
    assert!(ideal < tr_h_over_d);
    assert!(
        (noisy - ((1.0 - p) * ideal + p * tr_h_over_d)).abs() < TOL,
        "{noisy} vs {ideal}"
    );
    assert!(noisy > ideal);
    // and stronger noise raises it further
    let more = SimConfig {
        noise: Some(NoiseModel::depolarizing(0.0, 2.0 * p)),
        ..Default::default()
    };
    assert!(energy(&circ, &h, &more).unwrap().energy > noisy);
}

#[test]
fn readout_error_matches_enumerated_outcomes() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let circ = random_circuit(&mut rng, 3, 18);
    let rho = run(&circ, None).unwrap();
    let (p01, p10) = (0.02, 0.07);
    let h = Hamiltonian::parse("z", "1 ZZI\n1 ZIZ\n1 ZZZ\n1 IZI").unwrap();
    let got = measured_energy(&rho, &h, (p01, p10));
    // reference: true outcome distribution, each bit flipped independently, products averaged
    for ((_, p), g) in h.terms.iter().zip(&got) {
        let mut want = 0.0;
        for s in 0..8usize {
            let prob = rho.get(s, s).re;
            for m in 0..8usize {
                let mut w = prob;
                for q in 0..3 {
                    let (sb, mb) = ((s >> q) & 1, (m >> q) & 1);
                    w *= match (sb, mb) {
                        (0, 0) => 1.0 - p01,
                        (0, _) => p01,
                        (_, 0) => p10,
                        _ => 1.0 - p10,
                    };
                }
                let sign = if (m & p.z).count_ones() % 2 == 1 {
                    -1.0
                } else {
                    1.0
                };
                want += w * sign;
            }
        }
        assert!((g - want).abs() < TOL, "{}: {g} vs {want}", p.label(3));
    }
}

#[test]
fn shot_noise_is_seeded_and_unbiased() {
    let h = Hamiltonian::parse("h", "0.5 ZI\n0.3 XX\n-0.2 IY").unwrap();
    let mut circ = Circuit::new(2);
    circ.push(Gate::one(GateKind::Ry, 0, 1.0));
    circ.push(Gate::two(GateKind::Cnot, 0, 1));
    circ.push(Gate::one(GateKind::Rx, 1, 0.4));
    let exact = energy(&circ, &h, &SimConfig::default()).unwrap().energy;
    let cfg = |shots, seed| SimConfig {
        noise: None,
        shots: Some(shots),
        seed,
    };
    let a = energy(&circ, &h, &cfg(1000, 9)).unwrap().energy;
    assert_eq!(a, energy(&circ, &h, &cfg(1000, 9)).unwrap().energy);
    assert_ne!(a, energy(&circ, &h, &cfg(1000, 10)).unwrap().energy);
    // sd of the estimate <= sqrt(sum c^2 / shots)
    for shots in [1000u64, 1_000_000] {
        let sd = (0.38f64 / shots as f64).sqrt();
        let e = energy(&circ, &h, &cfg(shots, 1)).unwrap().energy;
        assert!((e - exact).abs() < 5.0 * sd, "{shots}: {e} vs {exact}");
    }
}

#[test]
fn bad_inputs_name_the_file_line_and_value() {
    let e = Circuit::parse(
        "c.json",
        r#"{"qubits": 2, "gates": [{"gate": "RQ", "qubits": [0]}]}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("c.json") && e.contains("gates[0].gate") && e.contains("RQ"),
        "{e}"
    );
    let e = Circuit::parse(
        "c.json",
        r#"{"qubits": 2, "gates": [{"gate": "CNOT", "qubits": [0, 2]}]}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("gates[0].qubits") && e.contains('2'), "{e}");
    let e = Circuit::parse("c.json", r#"{"qubits": 11, "gates": []}"#)
        .unwrap_err()
        .to_string();
    assert!(e.contains("qubits") && e.contains("11"), "{e}");
    let e = Circuit::parse(
        "c.json",
        r#"{"qubits": 1, "gates": [{"gate": "RX", "qubits": [0]}]}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("theta"), "{e}");
    let e = Hamiltonian::parse("h.txt", "0.5 ZI\n# c\nabc XX\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("h.txt:3") && e.contains("abc"), "{e}");
    let e = Hamiltonian::parse("h.txt", "0.5 ZI\n0.1 ZQ\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("h.txt:2") && e.contains("ZQ"), "{e}");
    let e = Hamiltonian::parse("h.txt", "0.5 ZI\n0.1 ZZZ\n")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("h.txt:2") && e.contains("earlier lines have 2"),
        "{e}"
    );
    let h = Hamiltonian::parse("h.txt", "1 ZZZ").unwrap();
    let e = energy(&Circuit::new(2), &h, &SimConfig::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("2 qubits") && e.contains('3'), "{e}");
    // apply is usable on an existing state
    let mut rho = DensityMatrix::zero_state(1).unwrap();
    let mut x = Circuit::new(1);
    x.push(Gate::one(GateKind::X, 0, 0.0));
    apply(&mut rho, &x, None);
    assert!((rho.get(1, 1) - c(1.0)).norm() < TOL);
}
