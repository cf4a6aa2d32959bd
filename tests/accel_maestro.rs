//! MAESTRO's DSL parsed from the shared files (tests/data/accel/maestro): layer counts, shapes and
//! the hardware file. The cost numbers are checked against MAESTRO in accel_maestro_model.rs.

use std::path::{Path, PathBuf};

use l2mac::sim::accel::maestro::{load_network, parse_hardware, parse_network, Directive};

fn m(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/accel/maestro")
        .join(name)
}

#[test]
fn shared_networks_parse_with_their_layer_counts() {
    for (file, name, layers) in [
        ("alexnet_rs_validation.m", "alexnet", 5),
        ("Resnet50_rs.m", "", 66),
        ("Resnet50_kcp_ws.m", "", 66),
        ("MobileNetV2_kcp_ws.m", "", 56),
    ] {
        let n = load_network(&m(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(n.layers.len(), layers, "{file}");
        if !name.is_empty() {
            assert_eq!(n.name, name);
        }
        assert!(n.layers.iter().all(|l| !l.dataflow.is_empty()), "{file}");
    }
}

#[test]
fn alexnet_conv1_shape_and_row_stationary_dataflow() {
    let n = load_network(&m("alexnet_rs_validation.m")).expect("parses");
    let c1 = &n.layers[0];
    assert_eq!(c1.name, "CONV1");
    assert_eq!(c1.stride, (4, 4));
    assert_eq!(c1.output_yx(), (55, 55));
    // N 4, K 96, C 3, R 11, S 11 over 55x55 outputs.
    assert_eq!(c1.macs(), 4 * 96 * 3 * 11 * 11 * 55 * 55);
    assert!(c1
        .dataflow
        .iter()
        .any(|d| matches!(d, Directive::Cluster { kind, .. } if kind == "P")));
    let hw = parse_hardware(
        "accelerator_1.m",
        &std::fs::read_to_string(m("accelerator_1.m")).expect("hw"),
    )
    .expect("parses");
    let keys: Vec<&str> = hw.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "num_pes",
            "l1_size_cstr",
            "l2_size_cstr",
            "noc_bw_cstr",
            "offchip_bw_cstr"
        ]
    );
    assert_eq!(hw[0].1, 256.0);
}

#[test]
fn unknown_dimension_in_a_map_names_the_layer_and_line() {
    let text = "Network n {\nLayer L1 {\nType: CONV\nDimensions { K 4, C 4, R 1, S 1, Y 4, X 4 }\nDataflow {\nSpatialMap(1,1) Z;\n}\n}\n}\n";
    let err = parse_network("bad.m", text).expect_err("refused");
    let msg = err.to_string();
    assert!(msg.starts_with("bad.m:6:"), "{msg}");
    assert!(msg.contains("layer L1: unknown dimension `Z`"), "{msg}");
}
