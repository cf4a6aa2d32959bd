//! DDR4 against DRAMSys 4.0: the DDR4 rows of `tests/data/dram/ddr4/calibration.csv` (the four
//! ArchGym read traces) and of `tests/data/dram/writes/calibration.csv` (the write traces), one
//! test per row, at the 200 MHz trace clock of DRAMSys's DDR4 example.

mod dram_common;

use dram_common::{compare, data, ddr3, find_row, masked_trace, run};
use l2mac::sim::dram::DramConfig;

fn check(set: &str, cfg_id: &str, trace: &str) {
    let row = find_row(&data(set, "calibration.csv"), cfg_id, trace);
    let base = DramConfig::from_files(
        &data("ddr4", "MICRON_4Gb_DDR4-2400_8bit_A.json"),
        &data("ddr4", "am_ddr4_8x4Gbx8_dimm_p1KB_brc.json"),
        &ddr3("policy.json"),
        200.0,
    )
    .expect("DDR4 configs parse");
    let cfg = base.with_mc(row.mc(cfg_id));
    let path = if set == "ddr4" {
        ddr3(trace)
    } else {
        data("writes", trace)
    };
    let t = masked_trace(&path, cfg.mapping.max_address());
    let s = run(&cfg, &t);
    let c = compare(&s, &row);
    println!(
        "{cfg_id} {trace}: energy {} pJ (DRAMSys {:?}), power {} mW (DRAMSys {:?}), time {} ps (DRAMSys {}): {c:?}",
        s.total_energy_pj.expect("energy"),
        row.energy_pj(),
        s.average_power_mw.expect("power"),
        row.power_mw(),
        s.total_time_ps,
        row.time_ps()
    );
    assert!(c.exact, "{cfg_id} {trace} differs from DRAMSys: {c:?}");
}

macro_rules! rows {
    ($($name:ident: $set:literal, $cfg:literal, $trace:literal;)*) => {
        $(
            #[test]
            fn $name() {
                check($set, $cfg, $trace);
            }
        )*
    };
}

rows! {
    ddr4_default_stream: "ddr4", "DDR4-default", "stream.stl";
    ddr4_default_random: "ddr4", "DDR4-default", "random.stl";
    ddr4_default_cloud1: "ddr4", "DDR4-default", "cloud-1.stl";
    ddr4_default_cloud2: "ddr4", "DDR4-default", "cloud-2.stl";
    ddr4_r006_stream: "ddr4", "DDR4-r006", "stream.stl";
    ddr4_r034_cloud2: "ddr4", "DDR4-r034", "cloud-2.stl";
    ddr4_r039_cloud2: "ddr4", "DDR4-r039", "cloud-2.stl";
    ddr4_r040_stream: "ddr4", "DDR4-r040", "stream.stl";
    ddr4_r055_stream: "ddr4", "DDR4-r055", "stream.stl";
    ddr4_r091_cloud1: "ddr4", "DDR4-r091", "cloud-1.stl";
    ddr4_r093_random: "ddr4", "DDR4-r093", "random.stl";
    ddr4_r141_cloud1: "ddr4", "DDR4-r141", "cloud-1.stl";
    ddr4_r147_cloud1: "ddr4", "DDR4-r147", "cloud-1.stl";
    ddr4_r154_cloud2: "ddr4", "DDR4-r154", "cloud-2.stl";
    ddr4_r165_random: "ddr4", "DDR4-r165", "random.stl";
    ddr4_r174_cloud2: "ddr4", "DDR4-r174", "cloud-2.stl";
    ddr4_r178_cloud1: "ddr4", "DDR4-r178", "cloud-1.stl";
    ddr4_r204_random: "ddr4", "DDR4-r204", "random.stl";
    ddr4_r207_random: "ddr4", "DDR4-r207", "random.stl";
    ddr4_r237_stream: "ddr4", "DDR4-r237", "stream.stl";
    ddr4_s011_random: "ddr4", "DDR4-s011", "random.stl";
    ddr4_s016_cloud2: "ddr4", "DDR4-s016", "cloud-2.stl";
    ddr4_s041_stream: "ddr4", "DDR4-s041", "stream.stl";
    ddr4_s043_cloud1: "ddr4", "DDR4-s043", "cloud-1.stl";
    ddr4_default_c_ray: "writes", "DDR4-default", "mediabench-c-ray-1.1_32.stl";
    ddr4_default_g721: "writes", "DDR4-default", "mediabench-g721decode_32.stl";
    ddr4_default_gsm: "writes", "DDR4-default", "mediabench-gsmdecode_32.stl";
    ddr4_default_fractal: "writes", "DDR4-default", "mediabench-fractal_32.stl";
    ddr4_default_random_rw: "writes", "DDR4-default", "random_rw.stl";
    ddr4_default_stream_wr: "writes", "DDR4-default", "stream_wr.stl";
    ddr4_r000_gsm: "writes", "DDR4-r000", "mediabench-gsmdecode_32.stl";
    ddr4_r002_c_ray: "writes", "DDR4-r002", "mediabench-c-ray-1.1_32.stl";
    ddr4_r004_g721: "writes", "DDR4-r004", "mediabench-g721decode_32.stl";
    ddr4_r010_fractal: "writes", "DDR4-r010", "mediabench-fractal_32.stl";
    ddr4_r014_stream_wr: "writes", "DDR4-r014", "stream_wr.stl";
    ddr4_r034_g721: "writes", "DDR4-r034", "mediabench-g721decode_32.stl";
    ddr4_r035_stream_wr: "writes", "DDR4-r035", "stream_wr.stl";
    ddr4_r051_random_rw: "writes", "DDR4-r051", "random_rw.stl";
    ddr4_r054_random_rw: "writes", "DDR4-r054", "random_rw.stl";
    ddr4_r056_fractal: "writes", "DDR4-r056", "mediabench-fractal_32.stl";
    ddr4_r059_c_ray: "writes", "DDR4-r059", "mediabench-c-ray-1.1_32.stl";
    ddr4_r059_gsm: "writes", "DDR4-r059", "mediabench-gsmdecode_32.stl";
    ddr4_r059_stream_wr: "writes", "DDR4-r059", "stream_wr.stl";
    ddr4_r061_g721: "writes", "DDR4-r061", "mediabench-g721decode_32.stl";
    ddr4_r076_fractal: "writes", "DDR4-r076", "mediabench-fractal_32.stl";
    ddr4_r078_fractal: "writes", "DDR4-r078", "mediabench-fractal_32.stl";
    ddr4_r093_stream_wr: "writes", "DDR4-r093", "stream_wr.stl";
    ddr4_r094_c_ray: "writes", "DDR4-r094", "mediabench-c-ray-1.1_32.stl";
    ddr4_r096_gsm: "writes", "DDR4-r096", "mediabench-gsmdecode_32.stl";
    ddr4_r098_c_ray: "writes", "DDR4-r098", "mediabench-c-ray-1.1_32.stl";
    ddr4_r120_random_rw: "writes", "DDR4-r120", "random_rw.stl";
    ddr4_r123_random_rw: "writes", "DDR4-r123", "random_rw.stl";
    ddr4_r129_g721: "writes", "DDR4-r129", "mediabench-g721decode_32.stl";
    ddr4_r129_gsm: "writes", "DDR4-r129", "mediabench-gsmdecode_32.stl";
    ddr4_s002_c_ray: "writes", "DDR4-s002", "mediabench-c-ray-1.1_32.stl";
    ddr4_s002_random_rw: "writes", "DDR4-s002", "random_rw.stl";
    ddr4_s006_stream_wr: "writes", "DDR4-s006", "stream_wr.stl";
    ddr4_s008_fractal: "writes", "DDR4-s008", "mediabench-fractal_32.stl";
    ddr4_s017_g721: "writes", "DDR4-s017", "mediabench-g721decode_32.stl";
    ddr4_s018_gsm: "writes", "DDR4-s018", "mediabench-gsmdecode_32.stl";
}
