//! Criterion benchmarks for `sim::accel`: evaluations per second of one layer's mapping with the
//! Timeloop model semantics, in memory (what a search does) and from the YAML files (what one
//! `timeloop-model` call does), on the exercises' 3-level spatial case and the Eyeriss-like layer,
//! and one design point of the `timeloop` environment over AlexNet.

use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use l2mac::sim::accel::cli::{load, run_files};
use l2mac::sim::accel::evaluate;

fn ex(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/accel/timeloop-exercises")
        .join(rel)
}

struct Case {
    name: &'static str,
    arch: PathBuf,
    prob: PathBuf,
    map: PathBuf,
    ert: PathBuf,
    art: PathBuf,
}

fn cases() -> Vec<Case> {
    let c = |name, dir: &str, arch: &str, prob: &str, map: &str, refdir: &str, tool: &str| Case {
        name,
        arch: ex(&format!("{dir}/{arch}")),
        prob: ex(&format!("{dir}/{prob}")),
        map: ex(&format!("{dir}/{map}")),
        ert: ex(&format!("{dir}/{refdir}/{tool}.ERT.yaml")),
        art: ex(&format!("{dir}/{refdir}/{tool}.ART.yaml")),
    };
    vec![
        c(
            "04-kp (3 levels, 16 PEs)",
            "04-model-conv1d+oc-3levelspatial",
            "arch/3levelspatial.arch.yaml",
            "prob/conv1d+oc+ic.prob.yaml",
            "map/conv1d+oc+ic-3levelspatial-kp-ws.map.yaml",
            "ref-output/kp",
            "timeloop-model",
        ),
        c(
            "06 eyeriss VGG02 layer 5 (168 PEs)",
            "06-mapper-convlayer-eyeriss",
            "arch/eyeriss_like.yaml",
            "prob/VGG02_layer5.yaml",
            "ref-output/timeloop-mapper.map.txt",
            "ref-output",
            "timeloop-mapper",
        ),
    ]
}

fn layer_evaluations(c: &mut Criterion) {
    let mut group = c.benchmark_group("timeloop_layer");
    group
        .sample_size(30)
        .measurement_time(Duration::from_secs(4));
    for case in cases() {
        let (arch, prob, map) = load(
            &case.arch,
            &case.prob,
            &case.map,
            Some(&case.ert),
            Some(&case.art),
        )
        .expect("exercise loads");
        group.throughput(Throughput::Elements(1));
        group.bench_function(format!("in memory/{}", case.name), |b| {
            b.iter(|| evaluate("bench", &arch, &prob, &map).expect("evaluates"))
        });
        group.bench_function(format!("from files/{}", case.name), |b| {
            b.iter(|| {
                run_files(
                    &case.arch,
                    &case.prob,
                    &case.map,
                    Some(&case.ert),
                    Some(&case.art),
                )
                .expect("evaluates")
            })
        });
    }
    group.finish();
}

/// One design point of the `timeloop` environment: every AlexNet layer mapped with 10 sampled
/// mappings, i.e. 50 model evaluations plus the mapper's sampling.
fn network_evaluation(c: &mut Criterion) {
    let mut group = c.benchmark_group("timeloop_network");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(6));
    let point = serde_json::json!({
        "PE_ROWS": 12, "IFMAP_SPAD_DEPTH": 12, "WEIGHTS_SPAD_DEPTH": 192, "PSUM_SPAD_DEPTH": 16,
        "SPAD_BANDWIDTH": 2, "GLB_DEPTH": 16384, "GLB_BANDWIDTH": 16
    });
    group.bench_function("alexnet, 5 layers x 10 mappings", |b| {
        b.iter(|| {
            l2mac::dse::evaluate("timeloop?network=alexnet&samples=10", &point).expect("evaluates")
        })
    });
    group.finish();
}

criterion_group!(benches, layer_evaluations, network_evaluation);
criterion_main!(benches);
