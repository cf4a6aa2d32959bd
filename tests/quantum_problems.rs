//! The shipped molecular Hamiltonians: our Jacobi diagonalisation in Rust against the energies
//! PySCF and numpy computed when the files were generated (reference.json) and against the
//! H2 FCI energy published with OpenFermion; and the Hartree-Fock state's energy above it.

use std::path::Path;

use l2mac::sim::quantum::sim::{energy, SimConfig};
use l2mac::sim::quantum::{Circuit, Gate, GateKind, Hamiltonian};

fn dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quantum/hamiltonians")
}

#[test]
fn ground_energies_match_pyscf_fci_and_numpy() {
    let refs: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir().join("reference.json")).unwrap())
            .unwrap();
    for (name, qubits, terms) in [
        ("h2_2q", 2, 5),
        ("h2_4q", 4, 15),
        ("lih_4q", 4, 100),
        ("lih_6q", 6, 118),
    ] {
        let h = Hamiltonian::load(&dir().join(format!("{name}.txt"))).expect(name);
        assert_eq!((h.n_qubits, h.terms.len()), (qubits, terms), "{name}");
        let e0 = h.ground_energy();
        let r = &refs[name];
        let numpy = r["lowest_eigenvalue"].as_f64().unwrap();
        let fci = r["fci"].as_f64().unwrap();
        assert!((e0 - numpy).abs() < 1e-9, "{name}: {e0} vs numpy {numpy}");
        assert!(
            (e0 - fci).abs() < 1e-8,
            "{name}: {e0} vs {} {fci}",
            r["fci_source"]
        );
    }
    // published with OpenFermion (H2_sto-3g_singlet_0.7414.hdf5)
    let h2 = Hamiltonian::load(&dir().join("h2_4q.txt")).unwrap();
    assert!((h2.ground_energy() - (-1.137270174625328)).abs() < 1e-8);
}

#[test]
fn hartree_fock_state_lies_above_the_ground_energy() {
    // Jordan-Wigner H2: |1100> (spin-orbitals 0 and 1 filled) is Hartree-Fock, -1.11668 Ha
    // (OpenFermion's published hf_energy -1.116684386906734)
    let h = Hamiltonian::load(&dir().join("h2_4q.txt")).unwrap();
    let mut hf = Circuit::new(4);
    hf.push(Gate::one(GateKind::X, 0, 0.0));
    hf.push(Gate::one(GateKind::X, 1, 0.0));
    let e = energy(&hf, &h, &SimConfig::default()).unwrap().energy;
    assert!((e - (-1.116684386906734)).abs() < 1e-8, "{e}");
    assert!(e > h.ground_energy());
}
