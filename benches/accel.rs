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

/// MAESTRO's cost model: one layer (AlexNet CONV1 row-stationary on the Eyeriss validation
/// setup; Resnet50_kcp_ws CONV1 on accelerator_1.m) and a whole network (Resnet50_kcp_ws,
/// 66 layers), the parsed network in memory.
fn maestro_evaluations(c: &mut Criterion) {
    use l2mac::sim::accel::maestro::load_network;
    use l2mac::sim::accel::maestro_config::{MaestroConfig, MaestroOptions};
    use l2mac::sim::accel::maestro_model::{evaluate_layer, evaluate_network, NetworkState};
    let m = |f: &str| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/accel/maestro")
            .join(f)
    };
    let hw_path = m("accelerator_1.m");
    let hw_text = std::fs::read_to_string(&hw_path).expect("hw file");
    let hw = MaestroConfig::from_options(
        &MaestroOptions::default(),
        Some((&hw_path.display().to_string(), &hw_text)),
    )
    .expect("hw config");
    let alex = load_network(&m("alexnet_rs_validation.m")).expect("alexnet");
    let resnet = load_network(&m("Resnet50_kcp_ws.m")).expect("resnet");
    let eyeriss = MaestroConfig::eyeriss_validation();
    let mut group = c.benchmark_group("maestro");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(3));
    group.throughput(Throughput::Elements(1));
    group.bench_function("layer/alexnet CONV1 rs (168 PEs)", |b| {
        b.iter(|| {
            evaluate_layer(
                &alex.layers[0],
                &eyeriss,
                &mut NetworkState::default(),
                None,
            )
            .expect("evaluates")
        })
    });
    group.bench_function("layer/Resnet50_kcp_ws CONV1 (accelerator_1)", |b| {
        b.iter(|| {
            evaluate_layer(&resnet.layers[0], &hw, &mut NetworkState::default(), None)
                .expect("evaluates")
        })
    });
    group.throughput(Throughput::Elements(resnet.layers.len() as u64));
    group.bench_function("network/Resnet50_kcp_ws (66 layers)", |b| {
        b.iter(|| evaluate_network(&resnet, &hw).expect("evaluates"))
    });
    group.finish();
}

criterion_group!(
    benches,
    layer_evaluations,
    network_evaluation,
    maestro_evaluations
);
criterion_main!(benches);
