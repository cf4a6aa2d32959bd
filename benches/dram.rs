//! Criterion benchmarks for `sim::dram`: evaluations per second on the shared 10,000-request traces
//! (one core, and a batch on all cores against the same batch on one core), and requests per
//! second on a generated, streamed 1,000,000-request random trace.

use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use l2mac::sim::dram::{simulate, simulate_trace, DramConfig, McConfig, Request, Trace};
use rayon::prelude::*;

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
    .expect("shared configs parse")
}

fn single_evaluations(c: &mut Criterion) {
    let mut group = c.benchmark_group("dram_eval_10k");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(4));
    for mc in ["policy.json", "fr_fcfs.json"] {
        let cfg = config(mc);
        for trace in ["stream.stl", "random.stl", "cloud-1.stl", "cloud-2.stl"] {
            let t = Trace::from_file(&data(trace)).expect("trace");
            group.throughput(Throughput::Elements(1));
            group.bench_with_input(BenchmarkId::new(mc, trace), &t, |b, t| {
                b.iter(|| simulate_trace(&cfg, t).expect("simulation"))
            });
        }
    }
    group.finish();
}

/// The first 32 controller configs of the ArchGym calibration file.
fn archgym_configs() -> Vec<McConfig> {
    let text = std::fs::read_to_string(data("ex.csv")).expect("ex.csv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    lines
        .take(32)
        .map(|l| {
            let fields: Vec<&str> = l.split(',').collect();
            McConfig::from_columns(header.iter().copied().zip(fields), "ex.csv").expect("config")
        })
        .collect()
}

fn batch(c: &mut Criterion) {
    let base = config("policy.json");
    let configs: Vec<DramConfig> = archgym_configs()
        .into_iter()
        .map(|mc| base.with_mc(mc))
        .collect();
    let trace = Trace::from_file(&data("random.stl")).expect("trace");
    let mut group = c.benchmark_group("dram_batch_32_configs_random");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(6));
    group.throughput(Throughput::Elements(configs.len() as u64));
    group.bench_function("one_core", |b| {
        b.iter(|| {
            configs
                .iter()
                .map(|cfg| {
                    simulate_trace(cfg, &trace)
                        .expect("simulation")
                        .total_time_ps
                })
                .sum::<u64>()
        })
    });
    group.bench_function("all_cores_rayon", |b| {
        b.iter(|| {
            configs
                .par_iter()
                .map(|cfg| {
                    simulate_trace(cfg, &trace)
                        .expect("simulation")
                        .total_time_ps
                })
                .sum::<u64>()
        })
    });
    group.finish();
}

/// A deterministic random read/write stream, generated on the fly (never held in memory).
fn random_requests(n: u64) -> impl Iterator<Item = Result<Request, l2mac::sim::dram::DramError>> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    (0..n).map(move |i| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        Ok(Request {
            cycle: i,
            write: state.is_multiple_of(4),
            address: (state >> 8) & 0x3FFF_FFC0,
            line: i + 1,
        })
    })
}

fn streamed_million(c: &mut Criterion) {
    let cfg = config("fr_fcfs.json");
    let n = 1_000_000u64;
    let mut group = c.benchmark_group("dram_stream_1m_random");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(n));
    group.bench_function("fr_fcfs", |b| {
        b.iter(|| {
            simulate(&cfg, random_requests(n), false)
                .expect("simulation")
                .requests
        })
    });
    group.finish();
}

criterion_group!(benches, single_evaluations, batch, streamed_million);
criterion_main!(benches);
