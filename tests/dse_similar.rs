//! `dse similar`: over two finished studies, a trial's own point finds that trial first (cosine
//! 1), a point one parameter away from it scores below 1 but above unrelated trials, and a
//! non-object point is an error.

use l2mac::dse::similar::similar_trials;
use l2mac::dse::study::{run_study, RunOptions, Store, StudySpec};

fn study(dir: &std::path::Path, seed: u64) {
    let text = format!(
        "seed = {seed}\nbudget = 24\nbatch = 4\n[env]\nname = \"mixed\"\n[objective]\nminimize = \"f\"\n[agent]\nname = \"random\"\n"
    );
    let spec = StudySpec::from_toml_str(&text, "t.toml").expect("spec");
    run_study(
        spec,
        dir,
        &RunOptions {
            no_report: true,
            ..Default::default()
        },
    )
    .expect("study runs");
}

#[test]
fn a_trials_own_point_finds_it_first() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    study(&a, 1);
    study(&b, 2);
    let target = Store::open(&b).unwrap().trials().unwrap()[5].clone();
    let got = similar_trials(&[a.clone(), b.clone()], &target.point, 48).unwrap();
    assert_eq!(got.len(), 48);
    assert_eq!((got[0].run.clone(), got[0].trial), (b.clone(), 5));
    assert!((got[0].cosine - 1.0).abs() < 1e-9, "{}", got[0].cosine);
    assert!(got.windows(2).all(|w| w[0].cosine >= w[1].cosine));

    let mut near = target.point.clone();
    let colour = near["color"].as_str().unwrap().to_string();
    near["color"] = serde_json::json!(if colour == "red" { "blue" } else { "red" });
    let again = similar_trials(std::slice::from_ref(&b), &near, 24).unwrap();
    let own = again.iter().find(|n| n.trial == 5).unwrap();
    assert!(own.cosine < 0.99 && own.cosine > 0.5, "{}", own.cosine);
    let median = again[12].cosine;
    assert!(own.cosine > median, "{} vs median {median}", own.cosine);

    let e = similar_trials(&[a], &serde_json::json!([1, 2]), 3).unwrap_err();
    assert!(e.to_string().contains("JSON object"), "{e}");
}
