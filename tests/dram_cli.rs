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
