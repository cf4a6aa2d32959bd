//! Noisy expectation evaluations per second of sim::quantum on the circuits Qiskit Aer is timed
//! on (tests/data/quantum/aer, scripts/quantum-aer-compare.py --time): each case is first checked
//! against Aer's energy (1e-10), then one full evaluation (|0><0|, every gate with its
//! ibmq_mumbai channels, Tr(rho H) over all terms) is timed.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use l2mac::sim::quantum::noise::DeviceNoise;
use l2mac::sim::quantum::sim::{energy, SimConfig};
use l2mac::sim::quantum::{Circuit, Hamiltonian};

fn bench(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("tests/data/quantum/aer");
    let refs: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("reference.json")).unwrap())
            .unwrap();
    let mut noise = DeviceNoise::load(&root.join("examples/quantum/noise/ibmq_mumbai_median.json"))
        .unwrap()
        .compile();
    noise.readout = (0.0, 0.0);
    let cfg = SimConfig {
        noise: Some(noise),
        ..Default::default()
    };
    let mut g = c.benchmark_group("quantum_noisy_energy");
    for case in refs["cases"].as_array().unwrap() {
        let circ = Circuit::load(&dir.join(case["circuit"].as_str().unwrap())).unwrap();
        let h = Hamiltonian::load(&dir.join(case["hamiltonian"].as_str().unwrap())).unwrap();
        let e = energy(&circ, &h, &cfg).unwrap().energy;
        let want = case["energy_mumbai"].as_f64().unwrap();
        assert!((e - want).abs() < 1e-10, "{case}: {e} vs Aer {want}");
        g.bench_function(format!("{}q", case["qubits"]), |b| {
            b.iter(|| energy(black_box(&circ), black_box(&h), black_box(&cfg)).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
