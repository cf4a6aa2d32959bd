//! Bad DRAM inputs a user (or a careless search) gives: each gets an error naming the file, field
//! and value, instead of a panic, a hang, a 34 GB allocation or a result faster than the part allows.

use std::io::Read;
use std::path::{Path, PathBuf};

use l2mac::sim::dram::{
    simulate, simulate_trace, AddressMapping, DramConfig, McConfig, MemSpec, RefreshPolicy,
    StlReader, Trace,
};
use serde_json::{json, Value};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/dram")
        .join(name)
}

fn memspec_json() -> Value {
    let text = std::fs::read_to_string(data("MICRON_1Gb_DDR3-1600_8bit_G.json")).expect("memspec");
    serde_json::from_str(&text).expect("json")
}

/// Parses the example memspec with one field of `section` replaced.
fn memspec_with(section: &str, field: &str, value: Value) -> Result<MemSpec, String> {
    let mut doc = memspec_json();
    doc["memspec"][section][field] = value;
    MemSpec::from_json_str(&doc.to_string(), "bad.json").map_err(|e| e.to_string())
}

fn assert_names(err: &str, field: &str) {
    assert!(
        err.starts_with("bad.json: field `") && err.contains(&format!("`{field}`")),
        "{err}"
    );
}

fn base() -> DramConfig {
    DramConfig::from_files(
        &data("MICRON_1Gb_DDR3-1600_8bit_G.json"),
        &data("am_ddr3_8x1Gbx8_dimm_p1KB_rbc.json"),
        &data("policy.json"),
        800.0,
    )
    .expect("example config")
}

fn small_trace() -> Trace {
    let text: String = (0..64)
        .map(|i| format!("{i}:\tread\t{:#x}\n", i * 64))
        .collect();
    Trace::from_reader(text.as_bytes(), "t.stl").expect("trace")
}

#[test]
fn clocks_outside_what_a_part_can_run_at_are_rejected() {
    // 1e7 MHz rounds the clock period to 0 ps (division by zero); 1e-300 MHz overflows it
    for v in [json!(1e7), json!(1e-300), json!(0.5)] {
        let err = memspec_with("memtimingspec", "clkMhz", v).expect_err("bad clock");
        assert_names(&err, "clkMhz");
    }
    let m = base();
    for clk in [1e12, 0.0, f64::NAN] {
        let err = DramConfig::new(m.memspec.clone(), m.mapping.clone(), m.mc.clone(), clk)
            .expect_err("bad trace clock");
        assert!(
            err.to_string().starts_with("trace setup: field `clkMhz`"),
            "{err}"
        );
    }
}

#[test]
fn geometry_beyond_a_real_dimm_is_rejected_before_allocating() {
    let cases = [
        // ranks x banks = 2^32 wrapped to 0 banks; 2^20 ranks divided by zero in refresh
        ("nbrOfBanks", json!(65536)),
        ("nbrOfRanks", json!(1 << 20)),
        // 2^28 banks allocated 34 GB before failing
        ("nbrOfBanks", json!(1u64 << 28)),
        ("burstLength", json!(1u64 << 31)),
        ("nbrOfRows", json!(1u64 << 30)),
        ("width", json!(4096)),
    ];
    for (field, v) in cases {
        let err = memspec_with("memarchitecturespec", field, v).expect_err(field);
        assert_names(&err, field);
    }
}

#[test]
fn timings_that_wrap_or_never_end_are_rejected() {
    let cases = [
        ("RCD", json!(1u64 << 63)),
        ("RCD", json!(u64::MAX)),
        ("RCD", json!(0)),
        ("REFI", json!(0)),
        ("RFC", json!(0)),
        ("REFI", json!(50)),
        ("RC", json!(20)),
    ];
    for (field, v) in cases {
        let err = memspec_with("memtimingspec", field, v).expect_err(field);
        assert_names(&err, field);
    }
    // every timing 0, as a careless generator writes it
    let mut doc = memspec_json();
    let t = doc["memspec"]["memtimingspec"]
        .as_object_mut()
        .expect("timings");
    for (k, v) in t.iter_mut() {
        if k != "clkMhz" {
            *v = json!(0);
        }
    }
    let err = MemSpec::from_json_str(&doc.to_string(), "bad.json").expect_err("all zero");
    assert!(err.to_string().contains("expected 1..="), "{err}");
}

#[test]
fn a_burst_longer_than_ccd_is_rejected_not_simulated_past_peak_bandwidth() {
    // dataRate 1 stretches a burst of 8 to 8 clocks while CCD stays 4: bursts overlapped on the
    // data bus and the proptest's burstLength 13 gave 106% of peak bandwidth
    let err = memspec_with("memarchitecturespec", "dataRate", json!(1)).expect_err("overlap");
    assert_eq!(
        err,
        "bad.json: field `CCD` has invalid value 4: a burst occupies the data bus for burstLength/dataRate = 8/1 = 8 clock cycles, so CCD must be at least that"
    );
    let mut doc = memspec_json();
    doc["memspec"]["memarchitecturespec"]["dataRate"] = json!(1);
    doc["memspec"]["memtimingspec"]["CCD"] = json!(8);
    let spec = MemSpec::from_json_str(&doc.to_string(), "ok.json").expect("CCD covers the burst");
    let b = base();
    let cfg = DramConfig::new(spec, b.mapping, b.mc, 800.0).expect("config");
    let stats = simulate_trace(&cfg, &small_trace()).expect("simulates");
    assert!(
        stats.bandwidth_utilization <= 1.0,
        "{}",
        stats.bandwidth_utilization
    );
}

#[test]
fn currents_and_supply_are_bounded() {
    for (field, v) in [
        ("idd0", json!(1e308)),
        ("idd4r", json!(-1.0)),
        ("vdd", json!(1e6)),
        // below the idle currents: DRAMPower's command energies went negative
        ("idd0", json!(1.0)),
        ("idd4w", json!(10.0)),
        ("idd5", json!(20.0)),
    ] {
        let err = memspec_with("mempowerspec", field, v).expect_err(field);
        assert_names(&err, field);
    }
}

#[test]
fn a_config_changed_in_code_is_checked_before_simulating() {
    let mut cfg = base();
    cfg.memspec.timing.refi = 0;
    cfg.mc.refresh_policy = RefreshPolicy::AllBank;
    let err = simulate_trace(&cfg, &small_trace()).expect_err("REFI 0 would loop forever");
    assert!(err.to_string().contains("`REFI`"), "{err}");
    let mut cfg = base();
    cfg.memspec.timing.rcd = u64::MAX;
    let err = simulate_trace(&cfg, &small_trace()).expect_err("would wrap");
    assert!(err.to_string().contains("`RCD`"), "{err}");
    let mc = McConfig {
        request_buffer_size: u32::MAX,
        ..McConfig::default()
    };
    let err = simulate_trace(&base().with_mc(mc), &small_trace()).expect_err("huge buffer");
    assert!(err.to_string().contains("`RequestBufferSize`"), "{err}");
}

#[test]
fn controller_delays_and_counts_are_bounded() {
    for (k, v) in [
        ("ThinkDelayFw", "1e300"),
        ("MaxActiveTransactions", "4294967295"),
        ("RefreshMaxPostponed", "100000"),
    ] {
        let text = format!("{{\"mcconfig\": {{\"{k}\": \"{v}\"}}}}");
        let err = McConfig::from_json_str(&text, "mc.json").expect_err(k);
        assert!(
            err.to_string()
                .starts_with(&format!("mc.json: field `{k}`")),
            "{err}"
        );
    }
}

#[test]
fn an_address_bit_used_twice_is_rejected() {
    let text = r#"{"CONGEN": {"BANK_BIT": [13, 14, 15], "BYTE_BIT": [0, 1, 2],
        "COLUMN_BIT": [3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
        "ROW_BIT": [16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 13]}}"#;
    let err = AddressMapping::from_json_str(text, "am.json").expect_err("bit 13 twice");
    assert_eq!(
        err.to_string(),
        "am.json: field `ROW_BIT` has invalid value 13: address bit 13 is already used by BANK_BIT"
    );
}

#[test]
fn a_trace_time_past_the_limit_is_an_error_not_a_wrapped_result() {
    let text = format!("0:\tread\t0x0\n{}:\tread\t0x40\n", u64::MAX);
    let trace = Trace::from_reader(text.as_bytes(), "late.stl").expect("parses");
    let err = simulate_trace(&base(), &trace).expect_err("u64::MAX cycles");
    let msg = err.to_string();
    assert!(
        msg.starts_with("late.stl:2: request at cycle 18446744073709551615"),
        "{msg}"
    );
    // relative traces add up: many large gaps must not wrap either
    let text = format!("{0}:\tread\t0x0\n{0}:\tread\t0x40\n", u64::MAX / 1024);
    let trace = Trace::from_reader(text.as_bytes(), "late.rstl").expect("parses");
    assert!(trace.relative);
    let err = simulate_trace(&base(), &trace).expect_err("sum past the limit");
    assert!(err.to_string().starts_with("late.rstl:"), "{err}");
}

#[test]
fn a_line_without_end_is_bounded() {
    // /dev/zero, or a 600 MB line: the reader stops after a few kB
    let zeros = std::io::BufReader::new(std::io::repeat(0));
    let mut r = StlReader::new(zeros, "/dev/zero");
    let err = r.next().expect("an item").expect_err("too long");
    assert_eq!(
        err.to_string(),
        "/dev/zero:1: malformed trace line: longer than 4096 bytes"
    );
    assert!(r.next().is_none());
    let long = std::io::repeat(b'7').take(600 << 20);
    let err = simulate(
        &base(),
        StlReader::new(std::io::BufReader::new(long), "big.stl"),
        false,
    )
    .expect_err("too long");
    assert!(err.to_string().contains("longer than 4096 bytes"), "{err}");
    let bin = b"0:\tread\t0x0\n\xff\xfe\n";
    let err = Trace::from_reader(&bin[..], "bin.stl").expect_err("not text");
    assert_eq!(
        err.to_string(),
        "bin.stl:2: malformed trace line: not UTF-8 text"
    );
}

fn batch(csv: &str, output: Option<&Path>) -> Result<(), String> {
    use clap::Parser;
    #[derive(clap::Parser)]
    struct Cli {
        #[command(flatten)]
        args: l2mac::sim::dram::cli::SimDramArgs,
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let csv_path = dir.path().join("configs.csv");
    std::fs::write(&csv_path, csv).expect("write");
    let s = |p: PathBuf| p.to_str().expect("utf-8").to_string();
    let mut argv = vec![
        "dram".to_string(),
        "--batch".into(),
        s(csv_path),
        "--memspec".into(),
        s(data("MICRON_1Gb_DDR3-1600_8bit_G.json")),
        "--addressmapping".into(),
        s(data("am_ddr3_8x1Gbx8_dimm_p1KB_rbc.json")),
        "--trace".into(),
        s(data("stream.stl")),
        "--clk-mhz".into(),
        "800".into(),
    ];
    if let Some(o) = output {
        argv.extend(["--output".to_string(), s(o.to_path_buf())]);
    }
    let cli = Cli::try_parse_from(argv).map_err(|e| e.to_string())?;
    l2mac::sim::dram::cli::run(&cli.args, &mut Vec::new()).map_err(|e| e.to_string())
}

#[test]
fn batch_columns_given_twice_or_misspelt_are_errors_not_last_one_wins() {
    let err = batch("Scheduler,Scheduler\nFifo,FrFcfs\n", None).expect_err("twice");
    assert!(err.ends_with("column `Scheduler` appears twice"), "{err}");
    let err = batch("Schedular,PagePolicy\nFrFcfs,Open\n", None).expect_err("typo");
    assert!(err.contains("did you mean `Scheduler`?"), "{err}");
    let err = batch("pagepolicy\nOpen\n", None).expect_err("case");
    assert!(err.contains("did you mean `PagePolicy`?"), "{err}");
    // metric columns such as ArchGym's stay allowed
    batch("PagePolicy,Energy,Latency,Algorithm\nOpen,1,2,rw\n", None).expect("runs");
}

#[test]
fn an_unwritable_output_says_write_not_read() {
    let err = batch(
        "PagePolicy\nOpen\n",
        Some(Path::new("/nonexistent/dir/x.csv")),
    )
    .expect_err("no such dir");
    assert!(
        err.starts_with("cannot write /nonexistent/dir/x.csv"),
        "{err}"
    );
}
