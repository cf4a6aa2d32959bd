//! sim::quantum against Qiskit Aer's density-matrix simulator on the same circuits, Hamiltonians
//! and noise (tests/data/quantum/aer, written by scripts/quantum-aer-compare.py): energies
//! equal to 1e-10 (4 and 6 qubits) noiseless and under the ibmq_mumbai noise, whose depolarising strength Aer
//! computed with its own device-noise formula.

use std::path::Path;

use l2mac::sim::quantum::noise::DeviceNoise;
use l2mac::sim::quantum::sim::{energy, SimConfig};
use l2mac::sim::quantum::{Circuit, Hamiltonian};

#[test]
fn energies_equal_qiskit_aer_density_matrix() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("tests/data/quantum/aer");
    let refs: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("reference.json")).unwrap())
            .unwrap();
    let mut noise = DeviceNoise::load(&root.join("examples/quantum/noise/ibmq_mumbai_median.json"))
        .unwrap()
        .compile();
    noise.readout = (0.0, 0.0);
    let cases = refs["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 3);
    // the 8-qubit case takes seconds in a debug build; `cargo bench --bench quantum` runs it
    for case in cases.iter().filter(|c| c["qubits"].as_u64() <= Some(6)) {
        let c = Circuit::load(&dir.join(case["circuit"].as_str().unwrap())).unwrap();
        let h = Hamiltonian::load(&dir.join(case["hamiltonian"].as_str().unwrap())).unwrap();
        let clean = energy(&c, &h, &SimConfig::default()).unwrap().energy;
        let noisy_cfg = SimConfig {
            noise: Some(noise.clone()),
            ..Default::default()
        };
        let noisy = energy(&c, &h, &noisy_cfg).unwrap().energy;
        let want_clean = case["energy_noiseless"].as_f64().unwrap();
        let want_noisy = case["energy_mumbai"].as_f64().unwrap();
        assert!(
            (clean - want_clean).abs() < 1e-10,
            "{case}: noiseless {clean}"
        );
        assert!(
            (noisy - want_noisy).abs() < 1e-10,
            "{case}: mumbai {noisy} (diff {:e})",
            noisy - want_noisy
        );
        assert!((noisy - clean).abs() > 1e-4, "the noise matters on {case}");
    }
}
