//! The `abc` environment over the real yosys-abc: listed for the dse tools, a point is the recipe
//! it names (its metrics equal `sim::abc` run directly on that recipe), the episode state follows
//! the passes, option errors are clear, and a short study runs. Skips without yosys-abc unless
//! `L2MAC_REQUIRE_ABC=1`.

use l2mac::dse::env::abc::AbcEnv;
use l2mac::dse::{describe_env, evaluate, list_envs, run_study_from_toml};
use l2mac::sim::abc::{circuits, Abc, AbcConfig, Pass, Recipe};
use serde_json::json;

fn abc_present() -> bool {
    let ok = std::process::Command::new("yosys-abc")
        .args(["-s", "-c", "quit"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var("L2MAC_REQUIRE_ABC").as_deref() != Ok("1"),
            "yosys-abc is missing (apt-get install -y yosys), and L2MAC_REQUIRE_ABC=1"
        );
        eprintln!("yosys-abc not found, skipping");
    }
    ok
}

#[test]
fn abc_env_is_listed_and_checks_its_options() {
    assert!(list_envs().iter().any(|e| e.name == "abc"));
    let d = describe_env("abc?circuit=ks16").expect("abc env");
    assert_eq!(d.space.len(), 10);
    assert_eq!(d.space.names()[0], "STEP1");
    for (bad, word) in [
        ("abc?circuit=nosuch9", "nosuch9"),
        ("abc?circuit=x.blif", "./x.blif"),
        ("abc?length=0", "length"),
        ("abc?depth=3", "depth"),
    ] {
        let e = describe_env(bad).expect_err(bad).to_string();
        assert!(e.contains(word), "{bad}: {e}");
    }
}

#[test]
fn a_point_is_its_recipe_in_abc() {
    if !abc_present() {
        return;
    }
    let steps = ["b", "rw", "rf", "b", "rw", "rwz", "b", "rfz", "rwz", "b"];
    let point: serde_json::Map<String, serde_json::Value> = steps
        .iter()
        .enumerate()
        .map(|(i, s)| (format!("STEP{}", i + 1), json!(s)))
        .collect();
    let m = evaluate("abc?circuit=cla8", &json!(point)).expect("evaluates");
    let abc = Abc::new(AbcConfig::default());
    let c = circuits::circuit("cla8").unwrap();
    let direct = abc.synthesize(&c, &Recipe::resyn2()).unwrap();
    let base = abc.synthesize(&c, &Recipe::default()).unwrap();
    assert_eq!(m["Area"], direct.mapped.area);
    assert_eq!(m["Delay"], direct.mapped.delay);
    assert_eq!(m["ANDs"], direct.aig.ands as f64);
    assert!((m["ADP_ratio"] - direct.adp() / base.adp()).abs() < 1e-12);
    assert!(m["ADP_ratio"] < 1.0, "resyn2 improves cla8: {m:?}");

    let env = AbcEnv::new(&toml::from_str("circuit = \"cla8\"\nlength = 3").unwrap()).unwrap();
    let s0 = env.state(&[]).unwrap();
    assert_eq!(s0.aig, base.initial);
    let s2 = env.state(&[Pass::Balance, Pass::Rewrite]).unwrap();
    assert_eq!(s2.recipe.len(), 2);
    assert_eq!(s2.aig, direct.steps[1], "b;rw is resyn2's prefix");
    let calls = env.abc_calls();
    env.state(&[Pass::Balance, Pass::Rewrite]).unwrap();
    assert_eq!(env.abc_calls(), calls, "cached");
    assert!(
        env.point_of(&Recipe::resyn2()).is_err(),
        "10 passes into a 3-pass space"
    );
}

#[test]
fn a_short_abc_study_runs() {
    if !abc_present() {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/dse/abc_recipe.toml"
    ))
    .expect("example study")
    .replace("budget = 100", "budget = 6")
    .replace("\"alu8\"", "\"rca4\"");
    let s = run_study_from_toml(&text, &tmp.path().join("run")).expect("abc study");
    assert_eq!((s.trials, s.failures), (6, 0));
    assert!(s.best[0].metrics["ADP_ratio"] <= 1.0, "{:?}", s.best[0]);
}
