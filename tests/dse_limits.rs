//! Bad study input and concurrent use, as a user meets them: each is a clear error that leaves the
//! run directory usable, never thousands of threads, a silently ignored line or a raw SQLite error.

use std::path::{Path, PathBuf};

use l2mac::dse::cli::{run as run_cli, DseCommand};
use l2mac::dse::study::{load_summary, resume_study, run_study, RunOptions, StudySpec};

const BASE: &str = r#"
seed = 1
budget = 40
batch = 4
[env]
name = "mixed"
[objective]
minimize = "f"
[agent]
name = "random"
"#;

fn cli(cmd: DseCommand) -> Result<String, String> {
    let mut out = Vec::new();
    run_cli(&cmd, &mut out).map_err(|e| e.to_string())?;
    Ok(String::from_utf8(out).expect("utf-8"))
}

fn spec(text: &str) -> StudySpec {
    StudySpec::from_toml_str(text, "s.toml").expect("parses")
}

fn run_err(text: &str) -> String {
    let tmp = tempfile::tempdir().expect("tempdir");
    let err =
        run_study(spec(text), &tmp.path().join("r"), &RunOptions::default()).expect_err("rejected");
    assert!(
        !tmp.path().join("r").exists(),
        "nothing is written for a bad spec"
    );
    err.to_string()
}

#[test]
fn thread_and_batch_counts_are_capped() {
    let err = run_err(&BASE.replace("batch = 4", "batch = 4\nthreads = 100000"));
    assert_eq!(
        err,
        "study spec: threads = 100000: at most 256 (leave it out to use one per core)"
    );
    let err = run_err(&BASE.replace("batch = 4", "batch = 1000000000"));
    assert!(err.contains("batch = 1000000000: at most 100000"), "{err}");
}

#[test]
fn a_parameter_declared_twice_is_an_error_not_last_one_wins() {
    let text = format!(
        "{BASE}\n[[space.param]]\nname = \"n\"\nkind = \"int\"\nlow = 0\nhigh = 3\n\
         [[space.param]]\nname = \"n\"\nkind = \"int\"\nlow = 4\nhigh = 7\n"
    );
    let err = run_err(&text);
    assert_eq!(err, "parameter `n`: declared twice in [[space.param]]");
}

#[test]
fn resume_with_a_bad_or_lower_budget_changes_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("r");
    run_study(spec(BASE), &dir, &RunOptions::default()).expect("runs");
    // budget 0 used to be saved before it was checked, breaking every later resume and `best`
    let err = resume_study(&dir, Some(0), &RunOptions::default()).expect_err("budget 0");
    assert!(err.to_string().contains("--budget 0 is below"), "{err}");
    let err = resume_study(&dir, Some(10), &RunOptions::default()).expect_err("lower");
    assert!(
        err.to_string()
            .contains("--budget 10 is below the study's budget of 40; a resume can only raise it"),
        "{err}"
    );
    assert_eq!(load_summary(&dir).expect("best still works").budget, 40);
    let s = resume_study(&dir, Some(48), &RunOptions::default()).expect("raise");
    assert_eq!((s.budget, s.trials), (48, 48));
}

#[test]
fn a_study_in_use_by_another_process_is_refused_with_a_clear_message() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("r");
    run_study(
        spec(BASE),
        &dir,
        &RunOptions {
            max_new_trials: Some(8),
            ..Default::default()
        },
    )
    .expect("runs");
    // another `dse resume` holding the study (the lock is what its process would hold)
    let held = l2mac::lockfile::try_lock(&dir, "study.lock").expect("free");
    let err = resume_study(&dir, None, &RunOptions::default()).expect_err("busy");
    let msg = err.to_string();
    assert!(
        msg.contains("is in use by another l2mac process") && !msg.contains("UNIQUE"),
        "{msg}"
    );
    let err =
        run_study(spec(BASE), &tmp.path().join("r"), &RunOptions::default()).expect_err("busy too");
    assert!(err.to_string().contains("in use"), "{err}");
    drop(held);
    let s = resume_study(&dir, None, &RunOptions::default()).expect("free again");
    assert_eq!(s.trials, 40);
}

#[test]
fn training_on_a_handful_of_rows_warns() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("r");
    run_study(
        spec(&BASE.replace("budget = 40", "budget = 20")),
        &dir,
        &RunOptions::default(),
    )
    .expect("runs");
    let out = cli(DseCommand::Train {
        runs: vec![dir.clone()],
        out: tmp.path().join("m.json"),
        trees: 10,
        min_leaf: 1,
        log_target: false,
        test_fraction: 0.2,
        seed: 0,
    })
    .expect("trains");
    assert!(
        out.contains("warning: only 4 held-out rows; the RMSE above says little"),
        "{out}"
    );
    for (trees, min_leaf, says) in [
        (0, 1, "--trees must be at least 1, got 0"),
        (10, 0, "--min-leaf must be at least 1, got 0"),
    ] {
        let err = cli(DseCommand::Train {
            runs: vec![dir.clone()],
            out: tmp.path().join("m0.json"),
            trees,
            min_leaf,
            log_target: false,
            test_fraction: 0.2,
            seed: 0,
        })
        .expect_err(says);
        assert_eq!(err, format!("proxy model: {says}"));
        assert!(!tmp.path().join("m0.json").exists());
    }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}

#[test]
fn relative_paths_in_a_study_file_are_taken_from_its_directory() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let studies = tmp.path().join("studies");
    std::fs::create_dir_all(&studies).expect("mkdir");
    let trace: String = (0..200)
        .map(|i| format!("{}:\twrite\t{:#x}\n", i * 3, i * 4096))
        .collect();
    write(&studies, "mine.stl", &trace);
    let study = write(
        &studies,
        "dram.toml",
        "budget = 2\n[env]\nname = \"dram\"\ntrace = \"mine.stl\"\n[objective]\nminimize = \"Latency\"\n[agent]\nname = \"random\"\n",
    );
    // the working directory is not the study's
    let out = tmp.path().join("out");
    let text = cli(DseCommand::Run {
        study,
        out: Some(out.clone()),
        workers: None,
        json: false,
    })
    .expect("the trace next to the study file is found");
    assert!(text.contains("trials 2/2"), "{text}");
    let stored = l2mac::dse::study::Store::open(&out)
        .expect("store")
        .meta("spec")
        .expect("meta")
        .expect("spec");
    assert!(
        stored.contains(&studies.join("mine.stl").display().to_string()),
        "stored resolved, so resume works from anywhere: {stored}"
    );

    // a proxy model next to the study file
    let data = tmp.path().join("data");
    run_study(
        spec(&BASE.replace("budget = 40", "budget = 60")),
        &data,
        &RunOptions::default(),
    )
    .expect("runs");
    cli(DseCommand::Train {
        runs: vec![data],
        out: studies.join("m.json"),
        trees: 5,
        min_leaf: 1,
        log_target: false,
        test_fraction: 0.2,
        seed: 0,
    })
    .expect("trains");
    let study = write(
        &studies,
        "proxy.toml",
        &BASE.replace("name = \"mixed\"", "name = \"proxy:m.json\""),
    );
    cli(DseCommand::Run {
        study,
        out: Some(tmp.path().join("out2")),
        workers: None,
        json: false,
    })
    .expect("proxy:m.json is found next to the study file");
}

fn l2mac(args: &[&std::ffi::OsStr]) -> (Option<i32>, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_l2mac"))
        .args(args)
        .output()
        .expect("l2mac runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Two processes on one study, as a user starts them from two shells: the second is refused with
/// who holds it (it used to die on a raw SQLite "UNIQUE constraint failed"); after `kill -9` the
/// first one's trials and time are all there (`dse best` said "in 0.00 s").
#[test]
fn a_running_study_refuses_a_second_process_and_reports_its_time_once_killed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let study = write(
        tmp.path(),
        "slow.toml",
        "budget = 100000\nbatch = 1\n[env]\nname = \"dram\"\n[objective]\nminimize = \"Latency\"\n[agent]\nname = \"random\"\n",
    );
    let dir = tmp.path().join("r");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_l2mac"))
        .args(["dse", "run"])
        .arg(&study)
        .arg("--out")
        .arg(&dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let trials = l2mac::dse::study::Store::open(&dir)
            .and_then(|mut s| s.trials())
            .map(|t| t.len())
            .unwrap_or(0);
        if trials >= 3 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no trials stored");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let (code, _, stderr) = l2mac(&["dse".as_ref(), "resume".as_ref(), dir.as_os_str()]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "error: {} is in use by another l2mac process (pid {})",
            dir.display(),
            child.id()
        )) && !stderr.contains("UNIQUE"),
        "{stderr}"
    );
    // outlive the first stored batches by a clear margin, so the time shown cannot round to 0
    std::thread::sleep(std::time::Duration::from_millis(500));
    child.kill().expect("kill -9");
    child.wait().expect("reaped");
    let (code, stdout, stderr) = l2mac(&["dse".as_ref(), "best".as_ref(), dir.as_os_str()]);
    assert_eq!(code, Some(0), "{stderr}");
    let line = stdout
        .lines()
        .find(|l| l.starts_with("trials "))
        .unwrap_or_else(|| panic!("no trials line: {stdout}"));
    let secs: f64 = line
        .rsplit_once(" in ")
        .and_then(|(_, t)| t.strip_suffix(" s"))
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("no time in {line:?}"));
    assert!(secs > 0.0, "{line}");
    let s = load_summary(&dir).expect("best of a killed study");
    assert!(s.trials >= 3, "{line}");
}
