//! The `l2mac sim maestro` command: JSON layers in file order with MAESTRO's numbers (the
//! Eyeriss validation setup against MAESTRO's saved CSV), the hardware file's meaning, and
//! errors naming the file, line, key and value.

use std::path::{Path, PathBuf};

use clap::Parser;
use l2mac::sim::accel::maestro_cli::{run, SimMaestroArgs};

#[derive(Parser, Debug)]
struct Cli {
    #[command(flatten)]
    args: SimMaestroArgs,
}

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/accel/maestro")
        .join(name)
}

fn run_cli(argv: &[&str]) -> Result<String, String> {
    let cli = Cli::try_parse_from(std::iter::once("maestro").chain(argv.iter().copied()))
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    run(&cli.args, &mut out).map_err(|e| e.to_string())?;
    Ok(String::from_utf8(out).expect("utf-8"))
}

#[test]
fn eyeriss_validation_json_matches_maestro_csv_in_file_order() {
    let m = data("alexnet_rs_validation.m");
    let out = run_cli(&[
        m.to_str().unwrap(),
        "--pes",
        "168",
        "--noc-bw",
        "14",
        "--noc-hop-latency",
        "1",
        "--l1-size",
        "5120",
        "--l2-size",
        "1024000",
        "--format",
        "json",
    ])
    .expect("run");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let layers = v["layers"].as_array().expect("layers");
    let csv = std::fs::read_to_string(data("reference/alexnet_rs_validation.csv")).expect("csv");
    let refs: Vec<Vec<String>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|f| f.trim().to_string()).collect())
        .collect();
    assert_eq!(layers.len(), refs.len());
    for (l, r) in layers.iter().zip(&refs) {
        assert_eq!(l["name"], r[1].as_str());
        assert_eq!(l["cycles"].as_i64().unwrap().to_string(), r[3], "{}", r[1]);
        assert_eq!(
            l["l2_size_req"].as_i64().unwrap().to_string(),
            r[14],
            "{}",
            r[1]
        );
        assert_eq!(
            l["l1_size_req"].as_i64().unwrap().to_string(),
            r[15],
            "{}",
            r[1]
        );
        assert_eq!(
            l["noc_bw_req"].as_i64().unwrap().to_string(),
            r[9],
            "{}",
            r[1]
        );
        let e: f64 = r[4].parse().unwrap();
        assert!(
            (l["energy"].as_f64().unwrap() - e).abs() <= 1e-5 * e,
            "{}",
            r[1]
        );
    }
}

#[test]
fn hardware_file_overrides_pes_and_its_latency_default_is_one() {
    let m = data("Resnet50_kcp_ws.m");
    let hw = data("accelerator_1.m");
    let out = run_cli(&[
        m.to_str().unwrap(),
        "--hw",
        hw.to_str().unwrap(),
        "--pes",
        "4",
        "--format",
        "json",
    ])
    .expect("run");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["config"]["num_pes"], 256);
    assert_eq!(v["config"]["noc_latency"], 1);
    assert_eq!(v["config"]["offchip_bw"], 50);
    let csv = std::fs::read_to_string(data("reference/Resnet50_kcp_ws.csv")).expect("csv");
    let first: Vec<&str> = csv.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(
        v["layers"][0]["cycles"].as_i64().unwrap().to_string(),
        first[3]
    );
    let no_hw = run_cli(&[m.to_str().unwrap(), "--pes", "256", "--format", "json"]).expect("run");
    let v: serde_json::Value = serde_json::from_str(&no_hw).expect("json");
    assert_eq!(v["config"]["num_pes"], 256);
    assert_eq!(v["config"]["noc_latency"], 0);
}

#[test]
fn errors_name_file_line_key_and_value() {
    let dir = std::env::temp_dir().join(format!("l2mac_maestro_cli_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let hw = dir.join("bad_hw.m");
    std::fs::write(&hw, "num_pes: 64\nnoc_bandwidth: 3\n").unwrap();
    let m = data("alexnet_rs_validation.m");
    let e = run_cli(&[m.to_str().unwrap(), "--hw", hw.to_str().unwrap()]).unwrap_err();
    assert!(
        e.contains("bad_hw.m:2") && e.contains("noc_bandwidth"),
        "{e}"
    );
    std::fs::write(&hw, "num_pes: many\n").unwrap();
    let e = run_cli(&[m.to_str().unwrap(), "--hw", hw.to_str().unwrap()]).unwrap_err();
    assert!(
        e.contains("bad_hw.m:1") && e.contains("num_pes") && e.contains("many"),
        "{e}"
    );
    let e = run_cli(&[m.to_str().unwrap(), "--noc-bw", "0"]).unwrap_err();
    assert!(e.contains("noc_bw") && e.contains('0'), "{e}");
    let net = dir.join("bad.m");
    std::fs::write(&net, "Network n {\nLayer L1 {\nType: CONV\nDimensions { K: 4, C: 2, R: 1, S: 1, Y: 4, X: 4, Q: 2 }\nDataflow { SpatialMap(1,1) K; }\n}\n}\n").unwrap();
    let e = run_cli(&[net.to_str().unwrap()]).unwrap_err();
    assert!(
        e.contains("bad.m") && e.contains("L1.Dimensions") && e.contains('Q'),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
