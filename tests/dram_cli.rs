//! The `l2mac sim dram` command on the shared DRAMSys files: simulation-file mode, explicit flags,
//! batch CSV mode, and the error messages a user sees for bad input.

use std::path::{Path, PathBuf};

use clap::Parser;
use l2mac::sim::dram::cli::{run, SimDramArgs};
use l2mac::sim::dram::{simulate_trace, DramConfig, McConfig, Trace};

#[derive(Parser, Debug)]
struct Cli {
    #[command(flatten)]
    args: SimDramArgs,
}

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/dram")
        .join(name)
}

fn run_cli(argv: &[&str]) -> Result<String, String> {
    let cli = Cli::try_parse_from(std::iter::once("dram").chain(argv.iter().copied()))
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    run(&cli.args, &mut out).map_err(|e| e.to_string())?;
    Ok(String::from_utf8(out).expect("utf-8 output"))
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[test]
fn simulation_file_mode_reproduces_dramsys_random_result() {
    let sim = data("ddr3-example.json");
    let dir = data("");
    let out = run_cli(&[path(&sim), "--resources", path(&dir), "--format", "json"]).expect("runs");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json output");
    assert_eq!(v["total_time_ps"], 287_980_000u64);
    let energy = v["total_energy_pj"].as_f64().expect("energy");
    assert!((energy - 354_964_950.0).abs() < 0.01, "energy {energy}");
    let power = v["average_power_mw"].as_f64().expect("power");
    assert!((power - 1232.60).abs() < 0.006, "power {power}");
}

#[test]
fn explicit_flags_give_the_same_result_as_the_library() {
    let out = run_cli(&[
        "--memspec",
        path(&data("MICRON_1Gb_DDR3-1600_8bit_G.json")),
        "--mcconfig",
        path(&data("fr_fcfs.json")),
        "--addressmapping",
        path(&data("am_ddr3_8x1Gbx8_dimm_p1KB_rbc.json")),
        "--trace",
        path(&data("cloud-1.stl")),
        "--clk-mhz",
        "800",
        "--format",
        "json",
    ])
    .expect("runs");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json output");
    let cfg = DramConfig::from_files(
        &data("MICRON_1Gb_DDR3-1600_8bit_G.json"),
        &data("am_ddr3_8x1Gbx8_dimm_p1KB_rbc.json"),
        &data("fr_fcfs.json"),
        800.0,
    )
    .expect("config");
    let stats = simulate_trace(
        &cfg,
        &Trace::from_file(&data("cloud-1.stl")).expect("trace"),
    )
    .expect("sim");
    let expected = serde_json::to_value(&stats).expect("serialise");
    assert_eq!(v, expected);
}

#[test]
fn text_format_reports_energy_power_and_exact_time() {
    let sim = data("ddr3-example.json");
    let out = run_cli(&[path(&sim)]).expect("runs");
    assert!(out.contains("Total Energy:   354964950.00 pJ"), "{out}");
    assert!(out.contains("Average Power:  1232.60 mW"), "{out}");
    assert!(out.contains("Total Time:     287980000 ps"), "{out}");
}

#[test]
fn batch_mode_evaluates_every_csv_row() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv_path = dir.path().join("configs.csv");
    let ex = std::fs::read_to_string(data("ex.csv")).expect("ex.csv");
    let subset: Vec<&str> = ex.lines().take(6).collect();
    std::fs::write(&csv_path, subset.join("\n") + "\n").expect("write csv");
    let out_path = dir.path().join("out.csv");
    let stdout = run_cli(&[
        "--batch",
        path(&csv_path),
        "--memspec",
        path(&data("MICRON_1Gb_DDR3-1600_8bit_G.json")),
        "--addressmapping",
        path(&data("am_ddr3_8x1Gbx8_dimm_p1KB_rbc.json")),
        "--trace",
        path(&data("stream.stl")),
        "--clk-mhz",
        "800",
        "--output",
        path(&out_path),
    ])
    .expect("batch runs");
    assert!(stdout.is_empty(), "with --output nothing goes to stdout");
    let text = std::fs::read_to_string(&out_path).expect("output written");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    assert_eq!(
        &header[..14],
        subset[0].split(',').collect::<Vec<_>>().as_slice()
    );
    assert_eq!(
        &header[14..17],
        &["total_energy_pj", "average_power_mw", "total_time_ps"]
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 5);
    let base = DramConfig::from_files(
        &data("MICRON_1Gb_DDR3-1600_8bit_G.json"),
        &data("am_ddr3_8x1Gbx8_dimm_p1KB_rbc.json"),
        &data("policy.json"),
        800.0,
    )
    .expect("config");
    let trace = Trace::from_file(&data("stream.stl")).expect("trace");
    for row in rows {
        let mc = McConfig::from_columns(header.iter().copied().zip(row.iter().copied()), "row")
            .expect("mc");
        let s = simulate_trace(&base.with_mc(mc), &trace).expect("sim");
        assert_eq!(row[16], s.total_time_ps.to_string());
        assert_eq!(
            row[14],
            format!("{:.2}", s.total_energy_pj.expect("energy"))
        );
        // and DRAMSys's energy in the echoed Energy column (mJ) agrees within 1%
        let dramsys_mj: f64 = row[10].parse().expect("Energy column");
        assert!((s.total_energy_pj.expect("energy") / 1e9 - dramsys_mj).abs() / dramsys_mj < 0.01);
    }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}

fn explicit(memspec: &Path, mc: &Path, am: &Path, trace: &Path) -> Result<String, String> {
    run_cli(&[
        "--memspec",
        path(memspec),
        "--mcconfig",
        path(mc),
        "--addressmapping",
        path(am),
        "--trace",
        path(trace),
        "--clk-mhz",
        "800",
    ])
}

#[test]
fn bad_inputs_name_the_file_and_the_problem() {
    let dir = tempfile::tempdir().expect("tempdir");
    let memspec = data("MICRON_1Gb_DDR3-1600_8bit_G.json");
    let am = data("am_ddr3_8x1Gbx8_dimm_p1KB_rbc.json");
    let mc = data("policy.json");
    let trace = data("stream.stl");

    let spec_text = std::fs::read_to_string(&memspec).expect("memspec");
    let no_rcd = write(
        dir.path(),
        "no_rcd.json",
        &spec_text.replace("\"RCD\": 10,", ""),
    );
    let err = explicit(&no_rcd, &mc, &am, &trace).unwrap_err();
    assert_eq!(err, format!("{}: missing field `RCD`", no_rcd.display()));

    let bad_policy = write(
        dir.path(),
        "mc.json",
        r#"{"mcconfig": {"PagePolicy": "Sometimes"}}"#,
    );
    let err = explicit(&memspec, &bad_policy, &am, &trace).unwrap_err();
    assert_eq!(
        err,
        format!(
            "{}: field `PagePolicy` has invalid value \"Sometimes\": expected Open, OpenAdaptive, Closed or ClosedAdaptive",
            bad_policy.display()
        )
    );

    let bad_trace = write(dir.path(), "bad.stl", "0:\tread\t0x0\n1:\tread\n");
    let err = explicit(&memspec, &mc, &am, &bad_trace).unwrap_err();
    assert_eq!(
        err,
        format!(
            "{}:2: malformed trace line: address could not be found",
            bad_trace.display()
        )
    );

    let far = write(
        dir.path(),
        "far.stl",
        "0:\tread\t0x0\n1:\tread\t0x40000000\n",
    );
    let err = explicit(&memspec, &mc, &am, &far).unwrap_err();
    assert_eq!(
        err,
        format!(
            "{}:2: address 0x40000000 is outside the device (highest address 0x3fffffff)",
            far.display()
        )
    );

    let missing = dir.path().join("nope.stl");
    let err = explicit(&memspec, &mc, &am, &missing).unwrap_err();
    assert!(
        err.starts_with(&format!("cannot read {}", missing.display())),
        "{err}"
    );

    let sim = write(
        dir.path(),
        "sim.json",
        r#"{"simulation": {"memspec": "x.json"}}"#,
    );
    let err = run_cli(&[path(&sim)]).unwrap_err();
    assert_eq!(
        err,
        format!(
            "{}: missing field `simulation.addressmapping`",
            sim.display()
        )
    );
}

// ---------------------------------------------------------------- DDR4 and LPDDR4 memspecs

fn standard_data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/dram/ddr4")
        .join(name)
}

/// A directory holding one DRAMSys simulation file and the files it names, flat (the
/// "next to it" lookup), with the trace `random.stl`.
fn simulation_dir(sim: &str, memspec: &str, mapping: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (from, name) in [
        (standard_data(sim), sim),
        (standard_data(memspec), memspec),
        (standard_data(mapping), mapping),
        (data("policy.json"), "policy.json"),
        (data("random.stl"), "random.stl"),
    ] {
        std::fs::copy(&from, dir.path().join(name)).expect("copy");
    }
    dir
}

/// DRAMSys 4.0's printed result for the default policy on random.stl (calibration.csv).
fn calibration(cfg_id: &str, trace: &str) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(standard_data("calibration.csv")).expect("calibration");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let row = lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|f| f[1] == cfg_id && f[3] == trace)
        .expect("calibration row");
    header
        .iter()
        .zip(row)
        .map(|(h, v)| (h.to_string(), v.to_string()))
        .collect()
}

fn field<'a>(row: &'a [(String, String)], name: &str) -> &'a str {
    &row.iter().find(|(h, _)| h == name).expect("column").1
}

fn time_ps(row: &[(String, String)]) -> u64 {
    let raw: u64 = field(row, "time_raw").parse().expect("time_raw");
    match field(row, "time_unit") {
        "ps" => raw,
        "ns" => raw * 1000,
        u => panic!("unit {u}"),
    }
}

#[test]
fn ddr4_simulation_file_reproduces_dramsys() {
    let dir = simulation_dir(
        "ddr4-oracle.json",
        "MICRON_4Gb_DDR4-2400_8bit_A.json",
        "am_ddr4_8x4Gbx8_dimm_p1KB_brc.json",
    );
    let sim = dir.path().join("ddr4-oracle.json");
    let out = run_cli(&[path(&sim), "--format", "json"]).expect("runs");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json output");
    let row = calibration("DDR4-default", "random.stl");
    assert_eq!(v["total_time_ps"], time_ps(&row));
    let energy: f64 = field(&row, "energy_raw").parse().expect("energy");
    let power: f64 = field(&row, "power_raw").parse().expect("power");
    let ours = v["total_energy_pj"].as_f64().expect("DDR4 has energy");
    assert!(
        (ours - energy).abs() < 0.006,
        "energy {ours}, DRAMSys {energy}"
    );
    let ours = v["average_power_mw"].as_f64().expect("DDR4 has power");
    assert!(
        (ours - power).abs() < 0.006,
        "power {ours}, DRAMSys {power}"
    );
}

#[test]
fn lpddr4_simulation_file_reproduces_dramsys_without_energy() {
    let dir = simulation_dir(
        "lpddr4-oracle.json",
        "JEDEC_8Gb_LPDDR4-3200_16bit.json",
        "am_lpddr4_8Gbx16_brc.json",
    );
    let sim = dir.path().join("lpddr4-oracle.json");
    let row = calibration("LPDDR4-default", "random.stl");
    let out = run_cli(&[path(&sim), "--format", "json"]).expect("runs");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json output");
    assert_eq!(v["total_time_ps"], time_ps(&row));
    // absent, not zero: DRAMSys 4.0 has no LPDDR4 power model
    assert!(v["total_energy_pj"].is_null(), "{v}");
    assert!(v["average_power_mw"].is_null(), "{v}");
    assert!(v["energy"].is_null(), "{v}");
    let text = run_cli(&[path(&sim)]).expect("runs");
    assert!(
        text.contains(&format!("Total Time:     {} ps", time_ps(&row))),
        "{text}"
    );
    assert!(text.contains("Total Energy:   n/a"), "{text}");
    assert!(!text.contains("Energy (pJ):"), "{text}");
}

#[test]
fn lpddr4_batch_leaves_energy_cells_empty_and_matches_dramsys_times() {
    let dir = tempfile::tempdir().expect("tempdir");
    // the calibration rows of random.stl on LPDDR4, with every column (the extra ones echoed)
    let text = std::fs::read_to_string(standard_data("calibration.csv")).expect("calibration");
    let mut lines = text.lines();
    let header = lines.next().expect("header");
    let rows: Vec<&str> = lines
        .filter(|l| l.contains(",LPDDR4,random.stl,"))
        .collect();
    assert!(rows.len() >= 5, "{} rows", rows.len());
    let csv_path = dir.path().join("lpddr4.csv");
    std::fs::write(&csv_path, format!("{header}\n{}\n", rows.join("\n"))).expect("write");
    let out_path = dir.path().join("out.csv");
    run_cli(&[
        "--batch",
        path(&csv_path),
        "--memspec",
        path(&standard_data("JEDEC_8Gb_LPDDR4-3200_16bit.json")),
        "--addressmapping",
        path(&standard_data("am_lpddr4_8Gbx16_brc.json")),
        "--trace",
        path(&data("random.stl")),
        "--clk-mhz",
        "200",
        "--output",
        path(&out_path),
    ])
    .expect("runs");
    let out = std::fs::read_to_string(&out_path).expect("output");
    let mut out_lines = out.lines();
    let cols: Vec<&str> = out_lines.next().expect("header").split(',').collect();
    let at = |name: &str| cols.iter().position(|c| *c == name).expect("column");
    let mut per_bank = 0;
    for line in out_lines {
        let f: Vec<&str> = line.split(',').collect();
        let row = calibration(f[at("cfg_id")], "random.stl");
        assert_eq!(f[at("total_time_ps")], time_ps(&row).to_string(), "{line}");
        assert_eq!(f[at("total_energy_pj")], "", "{line}");
        assert_eq!(f[at("average_power_mw")], "", "{line}");
        per_bank += usize::from(f[at("RefreshPolicy")] == "PerBank");
    }
    assert!(per_bank >= 1, "the rows include per-bank refresh");
}
