//! The `dram` environment: ArchGym's ten knobs over `sim::dram`, its traces, its CSV schema, and
//! agreement with the DRAMSys results in ArchGym's `ex.csv` proxy dataset (stream trace).

use l2mac::dse::{describe_env, evaluate, run_study_from_toml};

#[test]
fn dram_env_has_archgyms_knobs_traces_and_metrics() {
    let d = describe_env("dram?trace=cloud-1.stl").expect("dram env");
    let mut names = d.space.names();
    names.sort();
    assert_eq!(
        names.join(","),
        "Arbiter,MaxActiveTransactions,PagePolicy,RefreshMaxPostponed,RefreshMaxPulledin,RefreshPolicy,RequestBufferSize,RespQueue,Scheduler,SchedulerBuffer"
    );
    assert_eq!(
        d.space.size(),
        4.0 * 3.0 * 3.0 * 8.0 * 2.0 * 2.0 * 8.0 * 8.0 * 3.0 * 8.0
    );
    let metrics: Vec<&str> = d.metrics.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        metrics,
        vec!["Energy", "Power", "Latency", "AvgLatency", "Bandwidth"]
    );
    let err = describe_env("dram?trace=nope.stl").expect_err("missing trace");
    assert!(err.to_string().contains("nope.stl"), "{err}");
    let err = describe_env("dram?trce=random.stl").expect_err("typo");
    assert!(err.to_string().contains("unknown option `trce`"), "{err}");
}

#[test]
fn dram_evaluate_matches_archgym_rows_of_ex_csv() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/dram/ex.csv"))
            .expect("ex.csv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    for line in lines.take(3) {
        let fields: Vec<&str> = line.split(',').collect();
        let mut point = serde_json::Map::new();
        for (h, v) in header.iter().zip(&fields).take(10) {
            let value = match v.parse::<i64>() {
                Ok(i) => serde_json::Value::from(i),
                Err(_) => serde_json::Value::from(*v),
            };
            point.insert(h.to_string(), value);
        }
        let m = evaluate(
            "dram?trace=stream.stl&linear_transactions=true",
            &serde_json::Value::Object(point),
        )
        .expect("row evaluates");
        let energy: f64 = fields[10].parse().expect("energy");
        let power: f64 = fields[11].parse().expect("power");
        // ArchGym stores energy in pJ/1e9 and power in mW/1e3
        assert!(
            (m["Energy"] * 1e-9 - energy).abs() / energy < 0.01,
            "{line}: {m:?}"
        );
        assert!(
            (m["Power"] * 1e-3 - power).abs() / power < 0.01,
            "{line}: {m:?}"
        );
    }
}

#[test]
fn a_dram_study_writes_the_archgym_proxy_dataset_schema() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let text = "seed = 2\nbudget = 4\nbatch = 4\n[env]\nname = \"dram\"\ntrace = \"random.stl\"\n\
                [objective]\nminimize = \"Latency\"\n[agent]\nname = \"random\"\n";
    let s = run_study_from_toml(text, &tmp.path().join("run")).expect("dram study");
    assert_eq!((s.trials, s.failures), (4, 0));
    let csv = std::fs::read_to_string(&s.csv_path).expect("csv");
    assert!(csv.starts_with(
        "Arbiter,MaxActiveTransactions,PagePolicy,RefreshMaxPostponed,RefreshMaxPulledin,RefreshPolicy,\
         RequestBufferSize,RespQueue,Scheduler,SchedulerBuffer,Energy,Power,Latency,Algorithm,\
         Energy_pJ,Power_mW,Latency_ns,AvgLatency_ns,Bandwidth_GBps,"
    ));
    let row: Vec<&str> = csv.lines().nth(1).expect("row").split(',').collect();
    assert_eq!(row[13], "random");
    let energy: f64 = row[10].parse().expect("archgym energy");
    let energy_pj: f64 = row[14].parse().expect("true energy");
    assert!((energy - energy_pj * 1e-9).abs() <= 1e-12 * energy_pj);
}

#[test]
fn the_example_dram_study_is_valid() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/dse/dram_stream.toml");
    let text = std::fs::read_to_string(path).expect("example");
    let spec = l2mac::dse::study::StudySpec::from_toml_str(&text, path).expect("parses");
    let prep = l2mac::dse::study::Prepared::new(spec).expect("checks against the dram env");
    assert_eq!(prep.agent_name, "bo");
    assert_eq!(prep.search.len(), 10);
}
