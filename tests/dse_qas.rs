//! The `qas` environment: CRLQAS's action space over the native noisy simulator, listed for the
//! dse tools, deterministic, masking repeated gates, halting, noise raising the error, and short
//! studies with the random, GA and TPE agents.

use l2mac::dse::{describe_env, evaluate, run_study_from_toml};
use l2mac::sim::quantum::qas::{reward, Curriculum};
use serde_json::json;

fn point(actions: &[&str]) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    for i in 0..6 {
        m.insert(
            format!("A{i:02}"),
            json!(actions.get(i).copied().unwrap_or("HALT")),
        );
    }
    serde_json::Value::Object(m)
}

#[test]
fn qas_env_describes_its_actions_and_plays_episodes() {
    let d = describe_env("qas?steps=6").expect("qas env");
    assert_eq!(d.space.names().join(","), "A00,A01,A02,A03,A04,A05");
    assert!(d.metrics.iter().any(|m| m.name == "Error"));
    // H2 (2 qubits): RY on both qubits and one CNOT can reach the ground state
    let p = point(&["RY0", "RY1", "CX01", "RY0", "RY1", "RX0"]);
    let a = evaluate("qas?steps=6&evals_per_step=150", &p).expect("evaluates");
    assert_eq!(
        a,
        evaluate("qas?steps=6&evals_per_step=150", &p).unwrap(),
        "deterministic"
    );
    assert!(a["Error"] >= -1e-9, "{a:?}");
    assert!(a["Error"] < 1.6e-3 && a["Solved"] == 1.0, "{a:?}");
    assert!(a["Return"] >= 5.0, "the solving step earns +5: {a:?}");
    // a repeated rotation is masked, HALT ends the episode early
    let m = evaluate("qas?steps=6", &point(&["RY0", "RY0", "HALT", "CX01"])).unwrap();
    assert_eq!(
        (m["Masked"], m["Gates"], m["CNOTs"]),
        (1.0, 1.0, 0.0),
        "{m:?}"
    );
    // the same circuit under ibmq_mumbai noise ends with a larger error
    let n = evaluate("qas?steps=6&evals_per_step=150&noise=mumbai", &p).unwrap();
    assert!(n["Error"] > a["Error"] + 1e-4, "{n:?} vs {a:?}");
    let err = describe_env("qas?problem=h3_9q").expect_err("unknown problem");
    assert!(err.to_string().contains("h3_9q"), "{err}");
    let err = describe_env("qas?optimizer=adam").expect_err("unknown optimizer");
    assert!(err.to_string().contains("adam"), "{err}");
}

#[test]
fn reward_and_curriculum_follow_crlqas() {
    assert_eq!(reward(-1.0, -1.1369, -1.1373, 1.6e-3, false), 5.0);
    assert_eq!(reward(-1.0, -1.05, -1.1373, 1.6e-3, true), -5.0);
    let r = reward(-1.0, -1.05, -1.2, 1.6e-3, false);
    assert!((r - 0.25).abs() < 1e-12, "{r}");
    assert_eq!(reward(-1.0, -0.5, -1.2, 1.6e-3, false), -1.0);
    let mut c = Curriculum::new(-1.0, 1e-2);
    for _ in 0..25 {
        c.episode_done(true, -0.995);
    }
    assert!(
        (c.threshold - (1e-2 - 0.5e-3 / 10.0)).abs() < 1e-15,
        "{}",
        c.threshold
    );
    for _ in 25..500 {
        c.episode_done(false, -0.998);
    }
    // greedy shift at episode 500: |lowest - E_min| + ball
    assert!(
        (c.threshold - (0.002 + 0.5e-3)).abs() < 1e-12,
        "{}",
        c.threshold
    );
}

#[test]
fn short_qas_studies_run_with_random_ga_and_tpe() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/dse/qas_h2.toml"
    ))
    .expect("example study")
    .replace("budget = 64", "budget = 6")
    .replace("batch = 8", "batch = 3")
    .replace("evals_per_step = 100", "evals_per_step = 40")
    .replace("population = 8", "population = 3");
    for agent in ["random", "ga", "tpe"] {
        let tmp = tempfile::tempdir().expect("tempdir");
        let t = if agent == "ga" {
            text.clone()
        } else {
            text.replace(
                "name = \"ga\"\npopulation = 3\nmutation = 0.25",
                &format!("name = \"{agent}\""),
            )
        };
        let s = run_study_from_toml(&t, &tmp.path().join("run")).expect(agent);
        assert_eq!(s.trials, 6, "{agent}");
        assert_eq!(s.failures, 0, "{agent}");
    }
}
