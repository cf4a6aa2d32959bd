//! The `timeloop` environment: TimeloopGym's knobs over `sim::accel`, deterministic metrics, and
//! the reference Eyeriss-like design (168 PEs) evaluating to the area of Timeloop's own run.

use l2mac::dse::{describe_env, evaluate};
use serde_json::json;

fn reference_point() -> serde_json::Value {
    json!({
        "PE_ROWS": 12, "IFMAP_SPAD_DEPTH": 12, "WEIGHTS_SPAD_DEPTH": 192, "PSUM_SPAD_DEPTH": 16,
        "SPAD_BANDWIDTH": 2, "GLB_DEPTH": 16384, "GLB_BANDWIDTH": 16
    })
}

#[test]
fn timeloop_env_lists_timeloopgyms_knobs_and_metrics() {
    let d = describe_env("timeloop?network=vgg02_layer5&samples=10").expect("timeloop env");
    assert_eq!(
        d.space.names().join(","),
        "PE_ROWS,IFMAP_SPAD_DEPTH,WEIGHTS_SPAD_DEPTH,PSUM_SPAD_DEPTH,SPAD_BANDWIDTH,GLB_DEPTH,GLB_BANDWIDTH"
    );
    let metrics: Vec<&str> = d.metrics.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(metrics, vec!["Energy", "Cycles", "Area", "EDP"]);
    let err = describe_env("timeloop?network=lenet").expect_err("unknown network");
    assert!(err.to_string().contains("unknown network `lenet`"), "{err}");
}

#[test]
fn reference_design_has_timeloops_area_and_evaluations_repeat() {
    let env = "timeloop?network=vgg02_layer5&samples=20";
    let a = evaluate(env, &reference_point()).expect("evaluates");
    let b = evaluate(env, &reference_point()).expect("evaluates");
    assert_eq!(a, b, "same point, same metrics");
    // Timeloop's run of this design reports 2.12 mm^2 (06 ref-output, Summary Stats).
    assert!((a["Area"] - 2.12).abs() < 0.005, "area {}", a["Area"]);
    assert!(a["Energy"] > 0.0 && a["Cycles"] > 0.0);
    // Half the PEs: less area.
    let mut half = reference_point();
    half["PE_ROWS"] = json!(6);
    let h = evaluate(env, &half).expect("evaluates");
    assert!(h["Area"] < a["Area"], "{} vs {}", h["Area"], a["Area"]);
}
