//! The `maestro` environment: a GAMMA-style genome on one layer over the MAESTRO cost model,
//! listed for the dse tools, deterministic, and a short study over it runs.

use l2mac::dse::{describe_env, evaluate, run_study_from_toml};
use serde_json::json;

#[test]
fn maestro_env_describes_its_genome_and_evaluates_deterministically() {
    let d = describe_env("maestro").expect("maestro env");
    assert_eq!(
        d.space.names().join(","),
        "OUTER_PAR,ORDER,TILE_K,TILE_C,TILE_Y,TILE_X,CLUSTER,INNER_PAR"
    );
    let p = json!({"OUTER_PAR": "Y'", "ORDER": 0, "TILE_K": 16, "TILE_C": 2, "TILE_Y": 1, "TILE_X": 1,
                   "CLUSTER": 4, "INNER_PAR": "K"});
    let a = evaluate("maestro?layer=CONV2", &p).expect("evaluates");
    let b = evaluate("maestro?layer=CONV2", &p).expect("evaluates");
    assert_eq!(a, b);
    assert!(a["Cycles"] > 0.0 && a["Energy"] > 0.0, "{a:?}");
    // Spreading over 4x fewer PEs cannot be faster.
    let mut q = p.clone();
    q["CLUSTER"] = json!(1);
    let c = evaluate("maestro?layer=CONV2&pes=42", &q).expect("evaluates");
    assert!(c["Cycles"] >= a["Cycles"], "{c:?} vs {a:?}");
    let err = describe_env("maestro?layer=CONV9").expect_err("unknown layer");
    assert!(err.to_string().contains("CONV9"), "{err}");
}

#[test]
fn a_short_maestro_study_runs() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/dse/maestro_gamma.toml"
    ))
    .expect("example study")
    .replace("budget = 64", "budget = 8");
    let s = run_study_from_toml(&text, &tmp.path().join("run")).expect("maestro study");
    assert_eq!(s.trials, 8);
    assert!(s.failures < 8, "{} of 8 trials failed", s.failures);
}
