//! LPDDR4 against DRAMSys 4.0: every LPDDR4 row of `tests/data/dram/ddr4/calibration.csv` (the
//! four ArchGym read traces; default policy, random controller configs with all-bank and per-bank
//! refresh, and Staggered power-down), one test per row, at the 200 MHz trace clock of DRAMSys's
//! LPDDR4 example. DRAMSys 4.0 has no LPDDR4 power model, so the rows have time and bandwidth
//! only, and our energy and power must be absent too. Also here: the refresh policies DRAMSys
//! refuses (per-bank for DDR3/DDR4, same-bank for all) are refused with an error.

mod dram_common;

use dram_common::{compare, data, ddr3, find_row, masked_trace, run};
use l2mac::sim::dram::{simulate_trace, DramConfig, McConfig, RefreshPolicy, Trace};

fn lpddr4(mc: &std::path::Path) -> DramConfig {
    DramConfig::from_files(
        &data("ddr4", "JEDEC_8Gb_LPDDR4-3200_16bit.json"),
        &data("ddr4", "am_lpddr4_8Gbx16_brc.json"),
        mc,
        200.0,
    )
    .expect("LPDDR4 configs parse")
}

fn check(cfg_id: &str, trace: &str) {
    let row = find_row(&data("ddr4", "calibration.csv"), cfg_id, trace);
    let cfg = lpddr4(&ddr3("policy.json")).with_mc(row.mc(cfg_id));
    let t = masked_trace(&ddr3(trace), cfg.mapping.max_address());
    let s = run(&cfg, &t);
    let c = compare(&s, &row);
    // DRAMSys's "AVG BW" line: bursts x burst duration over the simulated time, in % and Gb/s
    let bw_pct: f64 = row.get("bw_pct").parse().expect("bw_pct");
    let bw_gbps: f64 = row.get("bw_gbps").parse().expect("bw_gbps");
    let max_gbps: f64 = row.get("max_bw_gbps").parse().expect("max_bw_gbps");
    let ours_pct = s.bandwidth_utilization * 100.0;
    let ours_gbps = s.bandwidth_utilization * s.peak_bandwidth_gbps;
    println!(
        "{cfg_id} {trace}: time {} ps (DRAMSys {}), bandwidth {ours_pct:.4} % {ours_gbps:.4} Gb/s (DRAMSys {bw_pct} % {bw_gbps} Gb/s), REFB {} REFA {}: {c:?}",
        s.total_time_ps,
        row.time_ps(),
        s.commands.refb,
        s.commands.refa,
    );
    assert!(c.exact, "{cfg_id} {trace} differs from DRAMSys: {c:?}");
    assert!(s.total_energy_pj.is_none() && s.average_power_mw.is_none() && s.energy.is_none());
    assert!(
        (ours_pct - bw_pct).abs() <= 0.0051,
        "bandwidth {ours_pct} %, DRAMSys {bw_pct} %"
    );
    assert!(
        (ours_gbps - bw_gbps).abs() <= 0.0051,
        "bandwidth {ours_gbps} Gb/s, DRAMSys {bw_gbps}"
    );
    assert!(
        (s.peak_bandwidth_gbps - max_gbps).abs() <= 0.0051,
        "peak {}",
        s.peak_bandwidth_gbps
    );
}

macro_rules! rows {
    ($($name:ident: $cfg:literal, $trace:literal;)*) => {
        $(
            #[test]
            fn $name() {
                check($cfg, $trace);
            }
        )*
    };
}

rows! {
    lpddr4_default_stream: "LPDDR4-default", "stream.stl";
    lpddr4_default_random: "LPDDR4-default", "random.stl";
    lpddr4_default_cloud1: "LPDDR4-default", "cloud-1.stl";
    lpddr4_default_cloud2: "LPDDR4-default", "cloud-2.stl";
    lpddr4_r031_cloud2: "LPDDR4-r031", "cloud-2.stl";
    lpddr4_r063_cloud2: "LPDDR4-r063", "cloud-2.stl";
    lpddr4_r083_cloud1: "LPDDR4-r083", "cloud-1.stl";
    lpddr4_r098_cloud2: "LPDDR4-r098", "cloud-2.stl";
    lpddr4_r112_random: "LPDDR4-r112", "random.stl";
    lpddr4_r116_stream: "LPDDR4-r116", "stream.stl";
    lpddr4_r130_stream: "LPDDR4-r130", "stream.stl";
    lpddr4_r161_cloud2: "LPDDR4-r161", "cloud-2.stl";
    lpddr4_r172_random: "LPDDR4-r172", "random.stl";
    lpddr4_r177_random: "LPDDR4-r177", "random.stl";
    lpddr4_r191_cloud1: "LPDDR4-r191", "cloud-1.stl";
    lpddr4_r195_cloud1: "LPDDR4-r195", "cloud-1.stl";
    lpddr4_r203_random: "LPDDR4-r203", "random.stl";
    lpddr4_r217_stream: "LPDDR4-r217", "stream.stl";
    lpddr4_r239_cloud1: "LPDDR4-r239", "cloud-1.stl";
    lpddr4_r259_stream: "LPDDR4-r259", "stream.stl";
    lpddr4_s010_stream: "LPDDR4-s010", "stream.stl";
    lpddr4_s020_cloud2: "LPDDR4-s020", "cloud-2.stl";
    lpddr4_s029_random: "LPDDR4-s029", "random.stl";
    lpddr4_s047_cloud1: "LPDDR4-s047", "cloud-1.stl";
}

fn with_refresh(cfg: &DramConfig, policy: RefreshPolicy) -> DramConfig {
    cfg.with_mc(McConfig {
        refresh_policy: policy,
        ..cfg.mc.clone()
    })
}

fn ddr3_config() -> DramConfig {
    DramConfig::from_files(
        &ddr3("MICRON_1Gb_DDR3-1600_8bit_G.json"),
        &ddr3("am_ddr3_8x1Gbx8_dimm_p1KB_rbc.json"),
        &ddr3("policy.json"),
        800.0,
    )
    .expect("DDR3 configs parse")
}

fn ddr4_config() -> DramConfig {
    DramConfig::from_files(
        &data("ddr4", "MICRON_4Gb_DDR4-2400_8bit_A.json"),
        &data("ddr4", "am_ddr4_8x4Gbx8_dimm_p1KB_brc.json"),
        &ddr3("policy.json"),
        200.0,
    )
    .expect("DDR4 configs parse")
}

#[test]
fn per_bank_refresh_is_refused_for_ddr3_and_ddr4_as_dramsys_refuses_it() {
    let trace = Trace::from_file(&ddr3("stream.stl")).expect("trace");
    for (cfg, standard) in [(ddr3_config(), "DDR3"), (ddr4_config(), "DDR4")] {
        let err = simulate_trace(&with_refresh(&cfg, RefreshPolicy::PerBank), &trace)
            .expect_err("per-bank refresh refused");
        let msg = err.to_string();
        assert!(
            msg.contains("RefreshPolicy") && msg.contains("PerBank"),
            "{msg}"
        );
        assert!(
            msg.contains("LPDDR4 only") && msg.contains(standard),
            "{msg}"
        );
    }
}

#[test]
fn same_bank_refresh_is_refused_for_every_standard() {
    let trace = Trace::from_file(&ddr3("stream.stl")).expect("trace");
    let lp = lpddr4(&ddr3("policy.json"));
    for (cfg, standard) in [
        (ddr3_config(), "DDR3"),
        (ddr4_config(), "DDR4"),
        (lp, "LPDDR4"),
    ] {
        let err = simulate_trace(&with_refresh(&cfg, RefreshPolicy::SameBank), &trace)
            .expect_err("same-bank refresh refused");
        let msg = err.to_string();
        assert!(
            msg.contains("RefreshPolicy") && msg.contains("SameBank"),
            "{msg}"
        );
        assert!(msg.contains(standard), "{msg}");
    }
}

#[test]
fn a_refused_refresh_policy_in_an_mcconfig_file_names_the_file() {
    let dir = std::env::temp_dir().join(format!("l2mac-lpddr4-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mc = dir.join("perbank.json");
    let text = std::fs::read_to_string(ddr3("policy.json"))
        .expect("policy.json")
        .replace("\"NoRefresh\"", "\"PerBank\"");
    assert!(text.contains("PerBank"), "policy.json sets RefreshPolicy");
    std::fs::write(&mc, text).expect("write");
    let err = DramConfig::from_files(
        &data("ddr4", "MICRON_4Gb_DDR4-2400_8bit_A.json"),
        &data("ddr4", "am_ddr4_8x4Gbx8_dimm_p1KB_brc.json"),
        &mc,
        200.0,
    )
    .expect_err("refused");
    assert!(err.to_string().contains("perbank.json"), "{err}");
    // the same file is accepted for LPDDR4, which DRAMSys refreshes per bank
    let cfg = lpddr4(&mc);
    assert_eq!(cfg.mc.refresh_policy, RefreshPolicy::PerBank);
    std::fs::remove_dir_all(&dir).ok();
}
