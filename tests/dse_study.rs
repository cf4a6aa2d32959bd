//! Studies as a user sees them: resume equals an uninterrupted run, repeated points are served from the
//! cache, bad study files fail with clear errors before anything is written (and never damage an
//! existing run), and a run leaves a CSV in ArchGym's schema, a report and plots.

use std::path::Path;

use l2mac::dse::study::{
    load_summary, resume_study, run_study, RunOptions, Store, StudySpec, StudySummary, Trial,
};

const BASE: &str = r#"
seed = 3
budget = 120
batch = 4
[env]
name = "mixed"
[objective]
minimize = "f"
pareto = ["f", "cost"]
[agent]
name = "AGENT"
"#;

fn spec(agent: &str) -> StudySpec {
    StudySpec::from_toml_str(&BASE.replace("AGENT", agent), "base.toml").expect("valid")
}

fn trials(dir: &Path) -> Vec<Trial> {
    Store::open(dir)
        .expect("store")
        .trials()
        .expect("trials")
        .into_iter()
        .map(|mut t| {
            t.eval_seconds = 0.0;
            t
        })
        .collect()
}

fn assert_same_trials(a: &[Trial], b: &[Trial], what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: trial counts");
    if let Some(i) = (0..a.len()).find(|&i| a[i] != b[i]) {
        panic!("{what}: trial {i} differs:\n{:?}\n{:?}", a[i], b[i]);
    }
}

fn without_timing(mut s: StudySummary) -> StudySummary {
    s.seconds = 0.0;
    s.evaluations_per_second = 0.0;
    s.run_dir = Default::default();
    s.db_path = Default::default();
    s.csv_path = Default::default();
    s.report_path = Default::default();
    s
}

#[test]
fn resume_gives_the_same_result_as_an_uninterrupted_study() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for agent in ["ga", "bo", "rl", "marl", "aco", "random_walk", "mcts"] {
        let whole = tmp.path().join(format!("{agent}-whole"));
        let cut = tmp.path().join(format!("{agent}-cut"));
        let a = run_study(spec(agent), &whole, &RunOptions::default()).expect("runs");
        let partial = run_study(
            spec(agent),
            &cut,
            &RunOptions {
                max_new_trials: Some(50),
                ..Default::default()
            },
        )
        .expect("runs");
        assert_eq!(partial.trials, 52, "{agent}: stops at the batch boundary");
        assert!(!partial.finished);
        let b = resume_study(&cut, None, &RunOptions::default()).expect("resumes");
        assert_same_trials(&trials(&whole), &trials(&cut), agent);
        assert_eq!(without_timing(a), without_timing(b), "{agent}");
    }
}

#[test]
fn resume_can_extend_the_budget() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("r");
    run_study(spec("ga"), &dir, &RunOptions::default()).expect("runs");
    let s = resume_study(&dir, Some(200), &RunOptions::default()).expect("resumes");
    assert_eq!((s.trials, s.budget), (200, 200));
    let mut longer = spec("ga");
    longer.budget = 200;
    let whole = tmp.path().join("whole");
    run_study(longer, &whole, &RunOptions::default()).expect("runs");
    assert_same_trials(&trials(&dir), &trials(&whole), "extended");
}

#[test]
fn repeated_points_come_from_the_cache() {
    // 4 colours x 2 values of n, everything else fixed: 8 points, 60 trials
    let text = BASE.replace("AGENT", "random").replace(
        "[objective]",
        "[space]\nfixed = { m = 8, x = 0.3 }\n[[space.param]]\nname = \"n\"\nkind = \"int\"\nlow = 4\nhigh = 5\n[objective]",
    );
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("r");
    let mut s = StudySpec::from_toml_str(&text, "cache.toml").expect("valid");
    s.budget = 60;
    let sum = run_study(s, &dir, &RunOptions::default()).expect("runs");
    let t = trials(&dir);
    let distinct: std::collections::HashSet<String> =
        t.iter().map(|t| t.point.to_string()).collect();
    assert!(distinct.len() <= 8);
    assert_eq!(sum.evaluations, distinct.len());
    assert_eq!(sum.cache_hits, 60 - distinct.len());
    for tr in &t {
        assert_eq!(tr.point["m"], 8);
        assert_eq!(tr.point["x"], 0.3);
    }
}

fn expect_error(text: &str, dir: &Path, want: &[&str]) {
    let err = StudySpec::from_toml_str(text, "bad.toml")
        .and_then(|s| run_study(s, dir, &RunOptions::default()))
        .err()
        .unwrap_or_else(|| panic!("expected an error mentioning {want:?}"));
    let msg = err.to_string();
    for w in want {
        assert!(msg.contains(w), "error `{msg}` does not mention `{w}`");
    }
}

#[test]
fn bad_study_files_get_clear_errors_and_nothing_is_written() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let fresh = tmp.path().join("never-created");
    let base = BASE.replace("AGENT", "ga");
    let with_param =
        |p: &str| base.replace("[objective]", &format!("[[space.param]]\n{p}\n[objective]"));
    expect_error(
        &with_param("name = \"colour\"\nkind = \"categorical\"\nchoices = [\"red\"]"),
        &fresh,
        &["unknown parameter `colour`", "color"],
    );
    expect_error(
        &with_param("name = \"n\"\nkind = \"int\"\nlow = 6\nhigh = 2"),
        &fresh,
        &["parameter `n`", "empty range"],
    );
    expect_error(
        &with_param("name = \"n\"\nkind = \"int\"\nlow = 0\nhigh = 99"),
        &fresh,
        &["parameter `n`", "wider than the environment"],
    );
    expect_error(
        &base.replace("name = \"ga\"", "name = \"sa\""),
        &fresh,
        &["unknown agent `sa`", "marl"],
    );
    expect_error(
        &base.replace("[agent]\n", "[agent]\npopulaton = 4\n"),
        &fresh,
        &["`populaton`"],
    );
    expect_error(
        &base.replace("minimize = \"f\"", "minimize = \"g\""),
        &fresh,
        &["unknown metric `g`"],
    );
    expect_error(
        &base.replace("name = \"mixed\"", "name = \"mixd\""),
        &fresh,
        &["unknown environment `mixd`"],
    );
    expect_error(
        &base.replace("budget = 120", "budget = 0"),
        &fresh,
        &["budget"],
    );
    expect_error(
        &base.replace("seed = 3", "sed = 3"),
        &fresh,
        &["bad.toml", "sed"],
    );
    expect_error(
        &base.replace(
            "[env]\nname = \"mixed\"",
            "[env]\nname = \"mixed\"\ntrace = \"x.stl\"",
        ),
        &fresh,
        &["unknown option `trace`"],
    );
    assert!(
        !fresh.exists(),
        "a rejected study must not create its run directory"
    );
}

#[test]
fn an_existing_run_is_never_overwritten() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("r");
    run_study(spec("random"), &dir, &RunOptions::default()).expect("runs");
    let before = trials(&dir);
    let bad = BASE.replace("AGENT", "nope");
    expect_error(&bad, &dir, &["unknown agent"]);
    expect_error(
        &BASE.replace("AGENT", "ga"),
        &dir,
        &["already holds a study", "resume"],
    );
    assert_eq!(trials(&dir), before);
}

#[test]
fn a_run_leaves_archgym_csv_report_and_plots() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("r");
    let s = run_study(spec("bo"), &dir, &RunOptions::default()).expect("runs");
    // the study writes its CSV; the report is the caller's (as `l2mac dse run` does)
    l2mac::dse::report::write_study_report(&dir, &s).expect("report");
    let csv = std::fs::read_to_string(&s.csv_path).expect("csv");
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("color,m,n,x,f,cost,Algorithm,f_value,cost_value,trial,batch,loss,violation,reward,target_met,cached,error")
    );
    assert_eq!(lines.count(), 120);
    let report = std::fs::read_to_string(&s.report_path).expect("report");
    assert!(report.contains("best_so_far.svg") && report.contains("pareto.svg"));
    for f in ["best_so_far.svg", "pareto.svg"] {
        let svg = std::fs::read_to_string(dir.join(f)).expect("plot");
        assert!(svg.starts_with("<svg") && svg.contains("<polyline"), "{f}");
    }
    // the Pareto front: no listed point dominates another
    for a in &s.pareto {
        for b in &s.pareto {
            let dom = a.metrics["f"] <= b.metrics["f"]
                && a.metrics["cost"] <= b.metrics["cost"]
                && (a.metrics["f"] < b.metrics["f"] || a.metrics["cost"] < b.metrics["cost"]);
            assert!(!dom, "front point {} dominates {}", a.trial, b.trial);
        }
    }
    assert!(s.pareto.len() >= 2);
    let again = load_summary(&dir).expect("summary");
    assert_eq!(without_timing(again), without_timing(s));
}

#[test]
fn thread_count_does_not_change_the_trials() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut dirs = Vec::new();
    for threads in [1, 3] {
        let mut s = spec("bo");
        s.threads = Some(threads);
        let dir = tmp.path().join(format!("t{threads}"));
        run_study(s, &dir, &RunOptions::default()).expect("runs");
        dirs.push(dir);
    }
    assert_same_trials(&trials(&dirs[0]), &trials(&dirs[1]), "threads 1 vs 3");
    let err = StudySpec::from_toml_str(
        &BASE
            .replace("AGENT", "bo")
            .replace("batch = 4", "parallelism = 4\nthreads = 0"),
        "t.toml",
    )
    .and_then(|s| run_study(s, &tmp.path().join("t0"), &RunOptions::default()))
    .expect_err("threads = 0 is rejected");
    assert!(err.to_string().contains("threads"), "{err}");
}
