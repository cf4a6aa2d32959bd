//! Interop with the real Optuna tools (issue 18): Python's `optuna.load_study` reads an l2mac study
//! and agrees with `l2mac dse best` on the best trial; an l2mac worker continues a study Optuna
//! made (its enqueued points first); `optuna-dashboard` serves an l2mac study over its HTTP API.
//! Needs the venv `scripts/test.sh` makes (see `study_tools`).

mod study_tools;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn l2mac(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_l2mac"))
        .args(args)
        .output()
        .expect("run l2mac");
    assert!(
        out.status.success(),
        "l2mac {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs a one-process l2mac study (batches, a cache) into `dir/run` and returns its storage URL.
fn l2mac_study(dir: &std::path::Path, name: &str) -> String {
    let url = format!("sqlite:///{}", dir.join("run/study.db").display());
    let spec = study_tools::dram_spec(dir, name, &url, 24, "ga")
        .replace("seed = 7\n", "seed = 7\nbatch = 4\n");
    let spec = spec.replace(&format!("storage = \"{url}\"\n"), "");
    let file = dir.join(format!("{name}.toml"));
    std::fs::write(&file, spec).expect("spec");
    let run = dir.join("run");
    l2mac(&[
        "dse",
        "run",
        &file.to_string_lossy(),
        "-o",
        &run.to_string_lossy(),
    ]);
    url
}

const LOAD: &str = r#"
import json, sys, optuna
optuna.logging.set_verbosity(optuna.logging.WARNING)
s = optuna.load_study(study_name=sys.argv[1], storage=sys.argv[2])
b = s.best_trial
print(json.dumps({"n": len(s.trials), "states": sorted({t.state.name for t in s.trials}),
                  "best_number": b.number, "best_value": b.value, "best_params": b.params,
                  "best_user_attrs": b.user_attrs}))
"#;

#[test]
fn optuna_reads_an_l2mac_study_and_agrees_on_the_best_trial() {
    let Some(py) = study_tools::python() else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let url = l2mac_study(tmp.path(), "readme");
    let best: Value = serde_json::from_str(&l2mac(&[
        "dse",
        "best",
        &tmp.path().join("run").to_string_lossy(),
        "--json",
    ]))
    .expect("best json");
    let seen: Value = serde_json::from_str(&study_tools::run_python(&py, LOAD, &["readme", &url]))
        .expect("python json");
    assert_eq!(seen["n"], 24, "{seen}");
    assert_eq!(seen["states"], serde_json::json!(["COMPLETE"]), "{seen}");
    let b = &best["best"][0];
    assert_eq!(seen["best_value"], b["loss"], "{seen} vs {b}");
    // a repeat of the best point (a cache hit) is as good; Optuna may name either
    let same_point = best["best"][0]["point"]
        .as_object()
        .expect("point")
        .iter()
        .all(|(k, v)| seen["best_params"][k] == *v);
    assert!(
        same_point,
        "Optuna's best params {} are l2mac's best point {}",
        seen["best_params"], b["point"]
    );
    assert_eq!(
        seen["best_user_attrs"]["Latency"], b["metrics"]["Latency"],
        "metrics as user attributes"
    );
}

const CREATE: &str = r#"
import sys, optuna
from optuna.distributions import CategoricalDistribution as C, IntDistribution as I
optuna.logging.set_verbosity(optuna.logging.WARNING)
d = {"PagePolicy": C(["Open", "OpenAdaptive", "Closed", "ClosedAdaptive"]),
     "Scheduler": C(["Fifo", "FrFcfsGrp", "FrFcfs"]), "SchedulerBuffer": C(["Bankwise", "ReadWrite", "Shared"]),
     "RequestBufferSize": I(1, 8), "RespQueue": C(["Fifo", "Reorder"]), "RefreshPolicy": C(["NoRefresh", "AllBank"]),
     "RefreshMaxPostponed": I(1, 8), "RefreshMaxPulledin": I(1, 8), "Arbiter": C(["Simple", "Fifo", "Reorder"]),
     "MaxActiveTransactions": C([1, 2, 4, 8, 16, 32, 64, 128])}
p = {"PagePolicy": "Open", "Scheduler": "Fifo", "SchedulerBuffer": "Shared", "RequestBufferSize": 4,
     "RespQueue": "Fifo", "RefreshPolicy": "NoRefresh", "RefreshMaxPostponed": 2, "RefreshMaxPulledin": 3,
     "Arbiter": "Simple", "MaxActiveTransactions": 16}
s = optuna.create_study(study_name=sys.argv[1], storage=sys.argv[2], direction="minimize")
s.add_trial(optuna.trial.create_trial(params=p, distributions=d, value=1e9))
s.enqueue_trial(dict(p, PagePolicy="Closed", MaxActiveTransactions=64))
s.enqueue_trial({"Scheduler": "FrFcfs", "RequestBufferSize": 8})
"#;

const AFTER: &str = r#"
import json, sys, optuna
optuna.logging.set_verbosity(optuna.logging.WARNING)
s = optuna.load_study(study_name=sys.argv[1], storage=sys.argv[2])
print(json.dumps([{"number": t.number, "state": t.state.name, "value": t.value, "params": t.params}
                  for t in s.trials]))
"#;

#[test]
fn an_l2mac_worker_continues_a_study_optuna_created() {
    let Some(py) = study_tools::python() else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite:///{}", tmp.path().join("optuna.db").display());
    study_tools::run_python(&py, CREATE, &["from-optuna", &url]);
    let spec = tmp.path().join("spec.toml");
    std::fs::write(
        &spec,
        study_tools::dram_spec(tmp.path(), "from-optuna", &url, 50, "random"),
    )
    .expect("spec");
    let out = l2mac(&[
        "dse",
        "worker",
        "from-optuna",
        "--storage",
        &url,
        "--spec",
        &spec.to_string_lossy(),
        "--n-trials",
        "5",
    ]);
    assert!(
        out.contains("5 trials told") && out.contains("2 enqueued"),
        "{out}"
    );
    let trials: Vec<Value> =
        serde_json::from_str(&study_tools::run_python(&py, AFTER, &["from-optuna", &url]))
            .expect("json");
    assert_eq!(
        trials.len(),
        6,
        "Optuna's trial and the worker's five: {trials:?}"
    );
    assert!(
        trials.iter().all(|t| t["state"] == "COMPLETE"),
        "{trials:?}"
    );
    // the enqueued points were evaluated first, with the parameters Optuna fixed
    assert_eq!(trials[1]["params"]["PagePolicy"], "Closed", "{}", trials[1]);
    assert_eq!(
        trials[1]["params"]["MaxActiveTransactions"], 64,
        "{}",
        trials[1]
    );
    assert_eq!(trials[2]["params"]["Scheduler"], "FrFcfs", "{}", trials[2]);
    assert_eq!(trials[2]["params"]["RequestBufferSize"], 8, "{}", trials[2]);
    assert_eq!(
        trials[2]["params"].as_object().map(|m| m.len()),
        Some(10),
        "the agent filled the rest"
    );
    for t in &trials[1..] {
        let v = t["value"].as_f64().expect("a value");
        assert!(v > 0.0 && v < 1e9, "a simulated latency, not Optuna's: {t}");
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

#[tokio::test]
async fn optuna_dashboard_serves_an_l2mac_study() {
    let Some(py) = study_tools::python() else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let url = l2mac_study(tmp.path(), "dashboard");
    let port = free_port();
    let dashboard = py.with_file_name("optuna-dashboard");
    let mut server = Command::new(&dashboard)
        .args([
            &url,
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--quiet",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start optuna-dashboard");
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    let studies: Value = loop {
        if let Ok(r) = client.get(format!("{base}/api/studies")).send().await {
            if r.status().is_success() {
                break r.json().await.expect("json");
            }
        }
        assert!(Instant::now() < deadline, "optuna-dashboard did not answer");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let s = &studies["study_summaries"][0];
    assert_eq!(s["study_name"], "dashboard", "{studies}");
    let id = s["study_id"].as_i64().expect("id");
    let detail: Value = client
        .get(format!("{base}/api/studies/{id}?after=0"))
        .send()
        .await
        .expect("detail")
        .json()
        .await
        .expect("json");
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(
        detail["trials"].as_array().map(Vec::len),
        Some(24),
        "{detail}"
    );
    let best: Value = serde_json::from_str(&l2mac(&[
        "dse",
        "best",
        &tmp.path().join("run").to_string_lossy(),
        "--json",
    ]))
    .expect("json");
    assert_eq!(
        detail["best_trials"][0]["values"][0], best["best"][0]["loss"],
        "{}",
        detail["best_trials"]
    );
}
