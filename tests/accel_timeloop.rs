//! The Timeloop model against Timeloop 3.0.3's own outputs on the timeloop-accelergy exercises
//! (tests/data/accel/timeloop-exercises, see its PROVENANCE.md): every case compares cycles,
//! per-level and per-data-space access counts, capacities, energies, and the total energy and
//! area with the reference `*.stats.txt`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use l2mac::sim::accel::cli::run_files;
use l2mac::sim::accel::Stats;

fn ex(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/accel/timeloop-exercises")
        .join(rel)
}

/// What the reference prints per storage level and data space.
#[derive(Debug, Default, Clone)]
struct RefDs {
    partition: u64,
    capacity: u64,
    instances: u64,
    reads: u64,
    updates: u64,
    fills: u64,
    energy: f64,
}

#[derive(Debug, Default)]
struct Reference {
    cycles: u64,
    mac_energy: f64,
    levels: BTreeMap<String, (u64, BTreeMap<String, RefDs>)>,
    total_energy: f64,
    total_area: f64,
}

fn num(line: &str) -> f64 {
    let v = line.split(':').nth(1).unwrap_or("").trim();
    v.split_whitespace()
        .next()
        .unwrap_or("0")
        .parse()
        .unwrap_or(f64::NAN)
}

fn parse_reference(path: &Path) -> Reference {
    let text = std::fs::read_to_string(path).expect("reference stats");
    let mut r = Reference::default();
    let mut level: Option<String> = None;
    let mut first = true;
    let mut ds: Option<String> = None;
    for line in text.lines() {
        if let Some(name) = line
            .strip_prefix("=== ")
            .and_then(|l| l.strip_suffix(" ==="))
        {
            if first {
                first = false;
                level = Some(format!("@{name}"));
            } else {
                level = Some(name.to_string());
                r.levels.insert(name.to_string(), (0, BTreeMap::new()));
            }
            ds = None;
            continue;
        }
        if line.starts_with("Networks") {
            level = None;
        }
        if let Some(t) = line.strip_prefix("Total topology energy:") {
            r.total_energy = num(&format!(":{t}"));
        }
        if let Some(t) = line.strip_prefix("Total topology area:") {
            r.total_area = num(&format!(":{t}"));
        }
        if let Some(t) = line.strip_prefix("Cycles: ") {
            r.cycles = t.trim().parse().unwrap_or(0);
        }
        let Some(lv) = level.clone() else { continue };
        if lv.starts_with('@') {
            if line.trim_start().starts_with("Energy (total)") {
                r.mac_energy = num(line);
            }
            continue;
        }
        let t = line.trim();
        if line.starts_with("    ")
            && !line.starts_with("     ")
            && t.ends_with(':')
            && !t.contains(' ')
        {
            ds = Some(t.trim_end_matches(':').to_string());
            continue;
        }
        if line.starts_with("    Cycles") {
            r.levels.get_mut(&lv).expect("level").0 = num(line) as u64;
            continue;
        }
        let Some(d) = ds.clone() else { continue };
        let entry = r
            .levels
            .get_mut(&lv)
            .expect("level")
            .1
            .entry(d)
            .or_default();
        let v = num(line);
        match t.split(':').next().unwrap_or("").trim() {
            "Partition size" => entry.partition = v as u64,
            "Utilized capacity" => entry.capacity = v as u64,
            "Utilized instances (max)" => entry.instances = v as u64,
            "Scalar reads (per-instance)" => entry.reads = v as u64,
            "Scalar updates (per-instance)" => entry.updates = v as u64,
            "Scalar fills (per-instance)" => entry.fills = v as u64,
            "Energy (total)" => entry.energy = v,
            _ => {}
        }
    }
    r
}

/// Energies are printed with two decimals: equal when within half a unit of the last digit (or
/// 1e-6 relative for the large ones).
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 0.005 + 1e-6 * b.abs()
}

fn check(case: &str, stats: &Stats, reference: &Path) {
    let r = parse_reference(reference);
    let mut diffs = Vec::new();
    if stats.cycles != r.cycles {
        diffs.push(format!("cycles {} vs {}", stats.cycles, r.cycles));
    }
    if !close(stats.arith.energy_pj, r.mac_energy) {
        diffs.push(format!(
            "MAC energy {:.2} vs {:.2}",
            stats.arith.energy_pj, r.mac_energy
        ));
    }
    for (name, (cycles, dss)) in &r.levels {
        let Some(l) = stats.levels.iter().find(|l| &l.name == name) else {
            diffs.push(format!("level {name} missing"));
            continue;
        };
        if l.cycles != *cycles {
            diffs.push(format!("{name} cycles {} vs {cycles}", l.cycles));
        }
        for (dname, want) in dss {
            let Some(got) = l.data_spaces.iter().find(|d| &d.name == dname && d.kept) else {
                diffs.push(format!("{name}/{dname} not kept"));
                continue;
            };
            let pairs = [
                ("partition", got.partition_size, want.partition),
                ("capacity", got.utilized_capacity, want.capacity),
                ("instances", got.utilized_instances, want.instances),
                ("reads", got.reads, want.reads),
                ("updates", got.updates, want.updates),
                ("fills", got.fills, want.fills),
            ];
            for (what, g, w) in pairs {
                if g != w {
                    diffs.push(format!("{name}/{dname} {what} {g} vs {w}"));
                }
            }
            if !close(got.energy_pj, want.energy) {
                diffs.push(format!(
                    "{name}/{dname} energy {:.2} vs {:.2}",
                    got.energy_pj, want.energy
                ));
            }
        }
        for d in l.data_spaces.iter().filter(|d| d.kept) {
            if !dss.contains_key(&d.name) {
                diffs.push(format!(
                    "{name}/{} kept here, bypassed in the reference",
                    d.name
                ));
            }
        }
    }
    if r.total_energy > 0.0 && !close(stats.energy_pj, r.total_energy) {
        diffs.push(format!(
            "total energy {:.2} vs {:.2}",
            stats.energy_pj, r.total_energy
        ));
    }
    if r.total_area > 0.0 && !close(stats.area_um2, r.total_area) {
        diffs.push(format!("area {:.2} vs {:.2}", stats.area_um2, r.total_area));
    }
    assert!(diffs.is_empty(), "{case}: {}", diffs.join("; "));
}

/// Evaluates `map` (a mapping YAML or a reference `.map.txt`) with the reference run's tables.
fn case(case: &str, dir: &str, arch: &str, prob: &str, map: &str, refdir: &str, tool: &str) {
    let rd = ex(&format!("{dir}/{refdir}"));
    let stats = run_files(
        &ex(&format!("{dir}/{arch}")),
        &ex(&format!("{dir}/{prob}")),
        &ex(&format!("{dir}/{map}")),
        Some(&rd.join(format!("{tool}.ERT.yaml"))),
        Some(&rd.join(format!("{tool}.ART.yaml"))),
    )
    .unwrap_or_else(|e| panic!("{case}: {e}"));
    check(case, &stats, &rd.join(format!("{tool}.stats.txt")));
}

const M: &str = "timeloop-model";

#[test]
fn ex00_conv1d_1level() {
    let d = "00-model-conv1d-1level";
    case(
        "00",
        d,
        "arch/1level.arch.yaml",
        "prob/conv1d.prob.yaml",
        "map/conv1d-1level.map.yaml",
        "ref-output",
        M,
    );
}

#[test]
fn ex01_conv1d_2level_weight_stationary() {
    let d = "01-model-conv1d-2level";
    case(
        "01-ws",
        d,
        "arch/2level.arch.yaml",
        "prob/conv1d.prob.yaml",
        "map/conv1d-2level-ws.map.yaml",
        "ref-output/ws",
        M,
    );
}

#[test]
fn ex01_conv1d_2level_output_stationary() {
    let d = "01-model-conv1d-2level";
    case(
        "01-os",
        d,
        "arch/2level.arch.yaml",
        "prob/conv1d.prob.yaml",
        "map/conv1d-2level-os.map.yaml",
        "ref-output/os",
        M,
    );
}

#[test]
fn ex02_conv1d_oc_2level_untiled() {
    let d = "02-model-conv1d+oc-2level";
    case(
        "02-untiled",
        d,
        "arch/2level.arch.yaml",
        "prob/conv1d+oc.prob.yaml",
        "map/conv1d+oc-2level-os.map.yaml",
        "ref-output/untiled",
        M,
    );
}

#[test]
fn ex02_conv1d_oc_2level_tiled() {
    let d = "02-model-conv1d+oc-2level";
    case(
        "02-tiled",
        d,
        "arch/2level.arch.yaml",
        "prob/conv1d+oc.prob.yaml",
        "map/conv1d+oc-2level-os-tiled.map.yaml",
        "ref-output/tiled",
        M,
    );
}

#[test]
fn ex03_conv1d_oc_3level_no_bypass() {
    let d = "03-model-conv1d+oc-3level";
    case(
        "03-no-bypass",
        d,
        "arch/3level.arch.yaml",
        "prob/conv1d+oc.prob.yaml",
        "map/conv1d+oc-3level.map.yaml",
        "ref-output/no-bypass",
        M,
    );
}

#[test]
fn ex03_conv1d_oc_3level_bypass() {
    let d = "03-model-conv1d+oc-3level";
    case(
        "03-bypass",
        d,
        "arch/3level.arch.yaml",
        "prob/conv1d+oc.prob.yaml",
        "map/conv1d+oc-3level-bypass.map.yaml",
        "ref-output/bypass",
        M,
    );
}

#[test]
fn ex04_conv1d_oc_ic_3level_spatial_c_partitioned() {
    let d = "04-model-conv1d+oc-3levelspatial";
    case(
        "04-cp",
        d,
        "arch/3levelspatial.arch.yaml",
        "prob/conv1d+oc+ic.prob.yaml",
        "map/conv1d+oc+ic-3levelspatial-cp-ws.map.yaml",
        "ref-output/cp",
        M,
    );
}

#[test]
fn ex04_conv1d_oc_ic_3level_spatial_k_partitioned() {
    let d = "04-model-conv1d+oc-3levelspatial";
    case(
        "04-kp",
        d,
        "arch/3levelspatial.arch.yaml",
        "prob/conv1d+oc+ic.prob.yaml",
        "map/conv1d+oc+ic-3levelspatial-kp-ws.map.yaml",
        "ref-output/kp",
        M,
    );
}

#[test]
fn model_cases_read_back_from_their_map_txt() {
    // The loop-nest printout is a second way in: every model reference's own map.txt gives the
    // same stats as its YAML.
    for (dir, arch, prob, refdir) in [
        (
            "00-model-conv1d-1level",
            "arch/1level.arch.yaml",
            "prob/conv1d.prob.yaml",
            "ref-output",
        ),
        (
            "01-model-conv1d-2level",
            "arch/2level.arch.yaml",
            "prob/conv1d.prob.yaml",
            "ref-output/ws",
        ),
        (
            "02-model-conv1d+oc-2level",
            "arch/2level.arch.yaml",
            "prob/conv1d+oc.prob.yaml",
            "ref-output/tiled",
        ),
        (
            "03-model-conv1d+oc-3level",
            "arch/3level.arch.yaml",
            "prob/conv1d+oc.prob.yaml",
            "ref-output/bypass",
        ),
        (
            "04-model-conv1d+oc-3levelspatial",
            "arch/3levelspatial.arch.yaml",
            "prob/conv1d+oc+ic.prob.yaml",
            "ref-output/kp",
        ),
    ] {
        let map = format!("{refdir}/timeloop-model.map.txt");
        case(&format!("{dir} map.txt"), dir, arch, prob, &map, refdir, M);
    }
}

#[test]
fn ex05_mapper_optima_evaluated() {
    let d = "05-mapper-conv1d+oc-3level";
    for r in ["null", "1mapping", "freebypass"] {
        let refdir = format!("ref-output/{r}");
        let map = format!("{refdir}/timeloop-mapper.map.txt");
        case(
            &format!("05-{r}"),
            d,
            "arch/3level.arch.yaml",
            "prob/conv1d+oc.prob.yaml",
            &map,
            &refdir,
            "timeloop-mapper",
        );
    }
}

#[test]
fn ex06_eyeriss_like_vgg02_layer5_mapper_optimum_evaluated() {
    let d = "06-mapper-convlayer-eyeriss";
    case(
        "06",
        d,
        "arch/eyeriss_like.yaml",
        "prob/VGG02_layer5.yaml",
        "ref-output/timeloop-mapper.map.txt",
        "ref-output",
        "timeloop-mapper",
    );
}

#[test]
fn cli_json_has_cycles_energy_area_and_per_level_energy() {
    use l2mac::sim::accel::cli::{run, OutputFormat, SimTimeloopArgs};
    let d = "01-model-conv1d-2level";
    let args = SimTimeloopArgs {
        arch: ex(&format!("{d}/arch/2level.arch.yaml")),
        problem: ex(&format!("{d}/prob/conv1d.prob.yaml")),
        mapping: ex(&format!("{d}/map/conv1d-2level-ws.map.yaml")),
        ert: Some(ex(&format!("{d}/ref-output/ws/timeloop-model.ERT.yaml"))),
        art: Some(ex(&format!("{d}/ref-output/ws/timeloop-model.ART.yaml"))),
        format: OutputFormat::Json,
    };
    let mut out = Vec::new();
    run(&args, &mut out).expect("runs");
    let v: serde_json::Value = serde_json::from_slice(&out).expect("JSON");
    assert_eq!(v["cycles"], 48);
    // Timeloop: "Total topology energy: 355.66 pJ", "Total topology area: 748186.09 um^2".
    assert!((v["energy_pj"].as_f64().unwrap_or(0.0) - 355.66).abs() < 0.005);
    assert!((v["area_um2"].as_f64().unwrap_or(0.0) - 748186.09).abs() < 0.005);
    let mm = &v["energy_per_level"]["MainMemory"];
    assert!((mm["data_spaces"]["Inputs"].as_f64().unwrap_or(0.0) - 119.63).abs() < 0.005);
    let mut text = Vec::new();
    run(
        &SimTimeloopArgs {
            format: OutputFormat::Text,
            ..args
        },
        &mut text,
    )
    .expect("runs");
    let text = String::from_utf8_lossy(&text);
    assert!(text.contains("=== MainMemory ==="), "{text}");
    assert!(
        text.contains("Scalar fills (per-instance)              : 18"),
        "{text}"
    );
}
