//! The VQE inner loop on the shipped H2 problems: the hardware-efficient ansatz reaches chemical
//! accuracy (1.6 mHa) noiselessly with each optimiser (seeded, deterministic), and under the
//! ibmq_mumbai noise the optimised energy stays above the exact ground energy.

use std::path::Path;

use l2mac::sim::quantum::noise::DeviceNoise;
use l2mac::sim::quantum::sim::SimConfig;
use l2mac::sim::quantum::vqe::{hardware_efficient, minimize, vqe, Optimizer};
use l2mac::sim::quantum::Hamiltonian;

const CHEMICAL_ACCURACY: f64 = 1.6e-3;

fn problem(name: &str) -> Hamiltonian {
    Hamiltonian::load(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("examples/quantum/hamiltonians/{name}.txt")),
    )
    .unwrap()
}

fn start(n: usize) -> Vec<f64> {
    // a fixed, non-symmetric start (all-zero angles sit on a saddle of RZ)
    (0..n)
        .map(|i| 0.1 + 0.37 * ((i * 7919) % 13) as f64 / 13.0)
        .collect()
}

#[test]
fn hardware_efficient_ansatz_reaches_chemical_accuracy_on_h2() {
    // plain SPSA and COBYLA on the 2-qubit problem only: on 4 qubits SPSA stayed near 29 mHa at
    // 9000 evaluations and COBYLA stopped at 21 mHa (1500 evaluations) from this start
    let h2_2q = vec![
        (Optimizer::spsa(), 3000),
        (Optimizer::adam_spsa(), 1500),
        (Optimizer::cobyla(), 400),
    ];
    let h2_4q = vec![(Optimizer::adam_spsa(), 2500)];
    for (name, layers, opts) in [("h2_2q", 1, h2_2q), ("h2_4q", 2, h2_4q)] {
        let h = problem(name);
        let e0 = h.ground_energy();
        let mut ansatz = hardware_efficient(h.n_qubits, layers);
        ansatz.set_params(&start(ansatz.n_params()));
        for (opt, budget) in opts {
            let r = vqe(&ansatz, &h, &SimConfig::default(), &opt, budget, 1).unwrap();
            if h.n_qubits == 2 {
                let again = vqe(&ansatz, &h, &SimConfig::default(), &opt, budget, 1).unwrap();
                assert_eq!(r, again, "{name} {opt:?} is deterministic");
            }
            assert!(r.evaluations <= budget + 1, "{} evaluations", r.evaluations);
            let err = r.energy - e0;
            eprintln!(
                "{name} {opt:?}: error {err:.2e} Ha in {} evaluations",
                r.evaluations
            );
            assert!(err > -1e-9, "variational: {name} {err}");
            assert!(err < CHEMICAL_ACCURACY, "{name} {opt:?}: error {err} Ha");
        }
    }
}

#[test]
fn noise_keeps_the_vqe_energy_above_the_ground_energy() {
    let h = problem("h2_2q");
    let dev = DeviceNoise::load(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples/quantum/noise/ibmq_mumbai_median.json"),
    )
    .unwrap();
    let noisy = SimConfig {
        noise: Some(dev.compile()),
        ..Default::default()
    };
    let mut ansatz = hardware_efficient(2, 1);
    ansatz.set_params(&start(ansatz.n_params()));
    let clean = vqe(
        &ansatz,
        &h,
        &SimConfig::default(),
        &Optimizer::cobyla(),
        600,
        1,
    )
    .unwrap();
    let dirty = vqe(&ansatz, &h, &noisy, &Optimizer::cobyla(), 600, 1).unwrap();
    // the noiseless optimum evaluated under noise is higher than noiseless
    let mut at_clean = ansatz.clone();
    at_clean.set_params(&clean.params);
    let e_noisy = l2mac::sim::quantum::energy(&at_clean, &h, &noisy)
        .unwrap()
        .energy;
    assert!(
        e_noisy > clean.energy + 1e-4,
        "{e_noisy} vs {}",
        clean.energy
    );
    assert!(dirty.energy > h.ground_energy() + 1e-4, "{}", dirty.energy);
}

#[test]
fn optimisers_find_the_minimum_of_a_quadratic() {
    let f = |x: &[f64]| (x[0] - 1.0).powi(2) + 2.0 * (x[1] + 0.5).powi(2) + 0.25;
    for opt in [
        Optimizer::spsa(),
        Optimizer::adam_spsa(),
        Optimizer::cobyla(),
    ] {
        let m = minimize(&f, &[0.0, 0.0], &opt, 3000, 4);
        assert!((m.value - 0.25).abs() < 1e-4, "{opt:?}: {m:?}");
    }
}
