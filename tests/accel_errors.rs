//! Bad Timeloop inputs give errors naming the file, the key and the value (never a panic).

use std::path::{Path, PathBuf};

use l2mac::sim::accel::cli::run_files;

fn ex(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/accel/timeloop-exercises/02-model-conv1d+oc-2level")
        .join(rel)
}

fn run_with_mapping(text: &str) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let map = dir.path().join("bad.map.yaml");
    std::fs::write(&map, text).expect("write");
    let err = run_files(
        &ex("arch/2level.arch.yaml"),
        &ex("prob/conv1d+oc.prob.yaml"),
        &map,
        Some(&ex("ref-output/tiled/timeloop-model.ERT.yaml")),
        Some(&ex("ref-output/tiled/timeloop-model.ART.yaml")),
    )
    .expect_err("must be refused");
    err.to_string()
}

#[test]
fn unknown_dimension_in_factors_is_named() {
    let msg = run_with_mapping(
        "mapping:\n  - target: MainMemory\n    type: temporal\n    factors: R=3 P=16 X=32\n    permutation: RPK\n",
    );
    assert!(msg.contains("bad.map.yaml"), "{msg}");
    assert!(
        msg.contains("`mapping.MainMemory.temporal.factors` has invalid value X"),
        "{msg}"
    );
    assert!(msg.contains("a problem dimension (K, R, P)"), "{msg}");
}

#[test]
fn factors_that_do_not_multiply_to_the_bound_are_refused() {
    let msg = run_with_mapping(
        "mapping:\n  - target: MainMemory\n    type: temporal\n    factors: R=3 P=16 K=16\n    permutation: RPK\n",
    );
    assert!(
        msg.contains("the factors of K multiply to 16, but the problem has K=32"),
        "{msg}"
    );
}

#[test]
fn a_tile_that_overflows_a_buffer_is_refused() {
    // Everything in the 64-entry Buffer: 96 weights alone do not fit.
    let msg = run_with_mapping(
        "mapping:\n  - target: Buffer\n    type: temporal\n    factors: R=3 P=16 K=32\n    permutation: RPK\n",
    );
    assert!(msg.contains("Buffer need"), "{msg}");
    assert!(msg.contains("it holds 64"), "{msg}");
}

#[test]
fn unknown_target_and_broken_yaml_are_named() {
    let msg = run_with_mapping("mapping:\n  - target: L2\n    type: temporal\n    factors: R=3\n");
    assert!(msg.contains("L2") && msg.contains("MainMemory"), "{msg}");
    let msg = run_with_mapping("mapping: [ {target: Buffer, ");
    assert!(msg.contains("invalid YAML"), "{msg}");
}
