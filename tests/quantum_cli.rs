//! `l2mac sim quantum`: the Hartree-Fock circuit of H2 gives OpenFermion's published HF energy,
//! noise and shots change the number as the library says, and errors name the file and value.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use clap::Parser;
use l2mac::sim::quantum::cli::{run, SimQuantumArgs};

#[derive(Parser, Debug)]
struct Cli {
    #[command(flatten)]
    args: SimQuantumArgs,
}

fn ex(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/quantum")
        .join(rel)
}

fn run_cli(argv: &[&str]) -> Result<String, String> {
    let cli = Cli::try_parse_from(std::iter::once("quantum").chain(argv.iter().copied()))
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    run(&cli.args, &mut out).map_err(|e| e.to_string())?;
    Ok(String::from_utf8(out).expect("utf-8"))
}

fn json(argv: &[&str]) -> serde_json::Value {
    let mut v = argv.to_vec();
    v.extend(["--format", "json"]);
    serde_json::from_str(&run_cli(&v).expect("runs")).expect("json")
}

#[test]
fn hartree_fock_energy_noise_and_shots() {
    let c = ex("circuits/h2_4q_hartree_fock.json");
    let h = ex("hamiltonians/h2_4q.txt");
    let noise = ex("noise/ibmq_mumbai_median.json");
    let (c, h, noise) = (
        c.to_str().unwrap(),
        h.to_str().unwrap(),
        noise.to_str().unwrap(),
    );
    let exact = json(&[c, "--hamiltonian", h]);
    assert!(
        (exact["energy"].as_f64().unwrap() - (-1.116684386906734)).abs() < 1e-8,
        "{exact}"
    );
    assert!((exact["ground_energy"].as_f64().unwrap() - (-1.137270174625328)).abs() < 1e-8);
    assert_eq!(exact["gates"], 2);
    let noisy = json(&[c, "--hamiltonian", h, "--noise", noise]);
    assert!(
        noisy["energy"].as_f64().unwrap() > exact["energy"].as_f64().unwrap() + 1e-4,
        "{noisy}"
    );
    assert!(noisy["purity"].as_f64().unwrap() < 1.0);
    let s1 = json(&[c, "--hamiltonian", h, "--shots", "1000", "--seed", "3"]);
    let s2 = json(&[c, "--hamiltonian", h, "--shots", "1000", "--seed", "3"]);
    assert_eq!(s1["energy"], s2["energy"]);
    let text = run_cli(&[c, "--hamiltonian", h]).unwrap();
    assert!(text.starts_with("energy -1.11668438"), "{text}");
}

#[test]
fn the_binary_prints_the_energy_and_reports_bad_files() {
    let c = ex("circuits/h2_4q_double_excitation.json");
    let h = ex("hamiltonians/h2_4q.txt");
    let out = Command::cargo_bin("l2mac")
        .unwrap()
        .args([
            "sim",
            "quantum",
            c.to_str().unwrap(),
            "--hamiltonian",
            h.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("3 CNOTs"));
    // a 2-qubit Hamiltonian for a 4-qubit circuit
    let h2 = ex("hamiltonians/h2_2q.txt");
    let err = run_cli(&[c.to_str().unwrap(), "--hamiltonian", h2.to_str().unwrap()]).unwrap_err();
    assert!(err.contains("4 qubits") && err.contains('2'), "{err}");
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.json");
    std::fs::write(&bad, r#"{"t1_us": 10, "t2_us": 30, "gates": {}}"#).unwrap();
    let err = run_cli(&[
        c.to_str().unwrap(),
        "--hamiltonian",
        h.to_str().unwrap(),
        "--noise",
        bad.to_str().unwrap(),
    ])
    .unwrap_err();
    assert!(
        err.contains("bad.json") && err.contains("t2_us") && err.contains("30"),
        "{err}"
    );
}
