//! The plain-Rust facade the tool layer calls, the `l2mac dse` subcommands, proxy models and sweeps.

use l2mac::dse::cli::{run as run_cli, DseCommand};
use l2mac::dse::study::{run_study, RunOptions, Store, StudySpec};
use l2mac::dse::{describe_env, evaluate, list_envs, run_study_from_toml};

fn cli(cmd: DseCommand) -> Result<String, l2mac::dse::DseError> {
    let mut out = Vec::new();
    run_cli(&cmd, &mut out)?;
    Ok(String::from_utf8(out).expect("utf-8"))
}

#[test]
fn facade_lists_describes_and_evaluates() {
    let names: Vec<String> = list_envs().into_iter().map(|e| e.name).collect();
    for n in ["mixed", "branin", "proxy:FILE"] {
        assert!(names.contains(&n.to_string()), "{names:?}");
    }
    let d = describe_env("mixed").expect("known env");
    assert_eq!(d.space.names(), vec!["color", "n", "m", "x"]);
    assert_eq!(
        d.metrics
            .iter()
            .map(|m| m.name.as_str())
            .collect::<Vec<_>>(),
        vec!["f", "cost"]
    );
    let m = evaluate(
        "mixed",
        &serde_json::json!({"color": "blue", "n": 5, "m": 8, "x": 0.3}),
    )
    .expect("valid point");
    assert!(m["f"].abs() < 1e-12);
    let err = evaluate(
        "mixed",
        &serde_json::json!({"color": "blue", "n": 5, "m": 8}),
    )
    .expect_err("x missing");
    assert!(err.to_string().contains("missing parameter `x`"), "{err}");
    let err = evaluate(
        "mixed",
        &serde_json::json!({"color": "blue", "n": 9, "m": 8, "x": 0.3}),
    )
    .expect_err("n out of range");
    assert!(err.to_string().contains("0..=7"), "{err}");
    assert!(describe_env("nonesuch").is_err());
}

#[test]
fn run_study_from_toml_returns_best_points_target_and_report() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let text = std::fs::read_to_string("examples/dse/mixed_ga.toml").expect("example study");
    let s = run_study_from_toml(&text, &tmp.path().join("run")).expect("runs");
    assert!(s.target.met, "the example study reaches its target");
    let best = &s.best[0];
    assert!(best.metrics["f"] <= 0.1);
    assert!(s.report_path.exists() && s.csv_path.exists());
    let json = serde_json::to_value(&s).expect("serialisable");
    assert_eq!(json["target"]["met"], true);
}

#[test]
fn cli_lists_runs_and_summarises() {
    let envs = cli(DseCommand::Envs {
        name: None,
        json: false,
    })
    .expect("envs");
    assert!(envs.contains("mixed") && envs.contains("branin"));
    let agents = cli(DseCommand::Agents { json: true }).expect("agents");
    let list: Vec<serde_json::Value> = serde_json::from_str(&agents).expect("json");
    let names: Vec<&str> = list.iter().filter_map(|a| a["name"].as_str()).collect();
    assert_eq!(
        names,
        vec![
            "random",
            "random_walk",
            "ga",
            "aco",
            "bo",
            "rl",
            "marl",
            "mcts"
        ]
    );
    let described = cli(DseCommand::Envs {
        name: Some("branin".into()),
        json: false,
    })
    .expect("describe");
    assert!(
        described.contains("x1") && described.contains("[-5, 10]"),
        "{described}"
    );

    let tmp = tempfile::tempdir().expect("tempdir");
    let run_dir = tmp.path().join("run");
    let out = cli(DseCommand::Run {
        study: "examples/dse/mixed_ga.toml".into(),
        out: Some(run_dir.clone()),
        workers: None,
        json: false,
    })
    .expect("run");
    assert!(out.contains("target met after"), "{out}");
    let best = cli(DseCommand::Best {
        run_dir: run_dir.clone(),
        storage: None,
        json: false,
    })
    .expect("best");
    assert_eq!(best, out, "`best` re-reads what `run` printed");
    let err = cli(DseCommand::Run {
        study: "examples/dse/mixed_ga.toml".into(),
        out: Some(run_dir),
        workers: None,
        json: false,
    })
    .expect_err("existing run dir");
    assert!(err.to_string().contains("dse resume"), "{err}");
    let err = cli(DseCommand::Run {
        study: tmp.path().join("missing.toml"),
        out: None,
        workers: None,
        json: false,
    })
    .expect_err("missing file");
    assert!(err.to_string().contains("missing.toml"), "{err}");
}

#[test]
fn proxy_model_trains_reports_rmse_and_serves_as_an_environment() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let run_dir = tmp.path().join("data");
    let spec = StudySpec::from_toml_str(
        "seed = 5\nbudget = 400\nbatch = 8\n[env]\nname = \"branin\"\n[objective]\nminimize = \"f\"\n[agent]\nname = \"random\"\n",
        "data.toml",
    )
    .expect("valid");
    run_study(spec, &run_dir, &RunOptions::default()).expect("runs");
    let model_path = tmp.path().join("branin.proxy.json");
    let out = cli(DseCommand::Train {
        runs: vec![run_dir.clone()],
        out: model_path.clone(),
        trees: 50,
        min_leaf: 1,
        log_target: true,
        test_fraction: 0.2,
        seed: 1,
    })
    .expect("train");
    assert!(out.contains("RMSE/mean"), "{out}");

    let model = l2mac::dse::proxy::ProxyModel::load(&model_path).expect("load");
    assert_eq!((model.report.train_rows, model.report.test_rows), (320, 80));
    assert_eq!(
        model.log_targets,
        vec![true],
        "branin is positive, so it is fitted in log space"
    );
    // the forest must beat predicting the mean: RMSE well under the spread of f
    let trials = Store::open(&run_dir)
        .expect("store")
        .trials()
        .expect("trials");
    let f: Vec<f64> = trials
        .iter()
        .filter_map(|t| t.metrics.as_ref().map(|m| m["f"]))
        .collect();
    let mean = f.iter().sum::<f64>() / f.len() as f64;
    let std = (f.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / f.len() as f64).sqrt();
    let fit = &model.report.fits[0];
    assert!(fit.rmse < 0.5 * std, "rmse {} vs std {std}", fit.rmse);

    // the proxy answers like an environment, close to the function near its minimum
    let env = format!("proxy:{}", model_path.display());
    let d = describe_env(&env).expect("describe proxy");
    assert_eq!(d.space.names(), vec!["x1", "x2"]);
    let p = serde_json::json!({"x1": std::f64::consts::PI, "x2": 2.275});
    let truth = evaluate("branin", &p).expect("branin")["f"];
    let guess = evaluate(&env, &p).expect("proxy")["f"];
    assert!(
        (guess - truth).abs() < std,
        "proxy {guess} vs branin {truth}"
    );

    // and a study can run on it
    let text = format!(
        "seed = 1\nbudget = 40\nbatch = 4\n[env]\nname = \"{}\"\n[objective]\nminimize = \"f\"\n[agent]\nname = \"bo\"\n",
        env.replace('\\', "\\\\")
    );
    let s = run_study_from_toml(&text, &tmp.path().join("on-proxy")).expect("study on proxy");
    assert_eq!(s.trials, 40);

    let err = cli(DseCommand::Train {
        runs: vec![tmp.path().join("nope")],
        out: tmp.path().join("x.json"),
        trees: 10,
        min_leaf: 1,
        log_target: false,
        test_fraction: 0.2,
        seed: 1,
    })
    .expect_err("no study there");
    assert!(err.to_string().contains("study.db"), "{err}");
}

#[test]
fn sweep_runs_every_combination_and_seed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let study = tmp.path().join("sweep.toml");
    let text = std::fs::read_to_string("examples/dse/mixed_ga.toml")
        .expect("example")
        .replace("budget = 400", "budget = 48")
        .replace("population = [8, 16, 32]", "population = [8, 16]")
        .replace("mutation = [0.1, 0.25]", "mutation = [0.25]")
        .replace("seeds = [1, 2, 3]", "seeds = [1, 2]");
    std::fs::write(&study, text).expect("write");
    let out_dir = tmp.path().join("sweep");
    let msg = cli(DseCommand::Sweep {
        study: study.clone(),
        out: Some(out_dir.clone()),
    })
    .expect("sweep");
    assert!(msg.starts_with("4 runs"), "{msg}");
    let csv = std::fs::read_to_string(out_dir.join("sweep.csv")).expect("csv");
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(rows.len(), 4);
    assert!(
        rows[0].starts_with("0,mutation=0.25 population=8,1,"),
        "{}",
        rows[0]
    );
    assert!(
        rows[3].starts_with("1,mutation=0.25 population=16,2,"),
        "{}",
        rows[3]
    );
    // running it again re-reads the finished runs and gives the same table
    cli(DseCommand::Sweep {
        study,
        out: Some(out_dir.clone()),
    })
    .expect("sweep again");
    assert_eq!(
        std::fs::read_to_string(out_dir.join("sweep.csv")).expect("csv"),
        csv
    );
}
