//! Streaming a trace gives the same result as simulating it from memory, and a bad line in the
//! middle of a stream stops the simulation with that line's error instead of a wrong result.

use std::path::{Path, PathBuf};

use l2mac::sim::dram::{
    simulate, simulate_file, simulate_trace, DramConfig, DramError, StlReader, Trace,
};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/dram")
        .join(name)
}

fn config(mc: &str) -> DramConfig {
    DramConfig::from_files(
        &data("MICRON_1Gb_DDR3-1600_8bit_G.json"),
        &data("am_ddr3_8x1Gbx8_dimm_p1KB_rbc.json"),
        &data(mc),
        800.0,
    )
    .expect("configs parse")
}

#[test]
fn streamed_and_in_memory_traces_give_identical_stats() {
    let cfg = config("fr_fcfs.json");
    let streamed = simulate_file(&cfg, &data("cloud-2.stl")).expect("streamed run");
    let trace = Trace::from_file(&data("cloud-2.stl")).expect("trace");
    let in_memory = simulate_trace(&cfg, &trace).expect("in-memory run");
    assert_eq!(streamed, in_memory);
    assert_eq!(streamed.requests, 10_000);
}

#[test]
fn a_bad_line_mid_stream_is_reported_with_its_line_number() {
    let cfg = config("policy.json");
    let mut text = String::new();
    for i in 0..500 {
        text.push_str(&format!("{i}:\tread\t0x{:X}\n", i * 64));
    }
    text.push_str("500:\tread\tnot-an-address\n");
    let err = simulate(&cfg, StlReader::new(text.as_bytes(), "gen.stl"), false).unwrap_err();
    assert!(
        matches!(err, DramError::TraceLine { line: 501, .. }),
        "{err}"
    );
}

#[test]
fn an_empty_trace_is_an_error_not_a_zero_result() {
    let cfg = config("policy.json");
    let err = simulate(
        &cfg,
        StlReader::new("# nothing\n".as_bytes(), "empty.stl"),
        false,
    )
    .unwrap_err();
    assert!(matches!(err, DramError::EmptyTrace { .. }), "{err}");
}
