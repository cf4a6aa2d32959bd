//! Workers sharing one study (issue 18): four `l2mac dse worker` processes finish a DRAM study on
//! SQLite and on PostgreSQL while one of them is killed with SIGKILL holding a trial; no trial is
//! lost or evaluated twice, the dead worker's trial is failed after the grace time and its point
//! retried once, and the budget is not overshot.

mod study_tools;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use l2mac::dse::study::{Prepared, Store, StudySpec};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

fn worker(url: &str, name: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_l2mac"))
        .args(["dse", "worker", name, "--storage", url])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn worker")
}

fn signal(c: &Child, s: Signal) {
    kill(Pid::from_raw(c.id() as i32), s).expect("signal");
}

fn host_pid(c: &Child) -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    format!("{}:{}", host.trim(), c.id())
}

fn four_workers_one_killed(url: &str, budget: usize) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let text = study_tools::dram_spec(tmp.path(), "kill", url, budget, "random");
    let prep =
        Prepared::new(StudySpec::from_toml_str(&text, "kill.toml").expect("spec")).expect("prep");
    let mut store = Store::create(
        &tmp.path().join("run"),
        Some(url),
        "kill",
        &prep.spec.to_toml(),
    )
    .expect("create the study");
    let mut workers: Vec<Child> = (0..4).map(|_| worker(url, "kill")).collect();

    // a quarter in, catch worker 0 holding a trial: SIGSTOP freezes it, so what the database says
    // it holds stays so until the SIGKILL
    let victim = host_pid(&workers[0]);
    let deadline = Instant::now() + Duration::from_secs(120);
    let held = loop {
        assert!(
            Instant::now() < deadline,
            "no trial of worker 0 seen running"
        );
        if store.trials().expect("trials").len() >= budget / 4 {
            signal(&workers[0], Signal::SIGSTOP);
            let held: Vec<usize> = store
                .trial_rows()
                .expect("rows")
                .into_iter()
                .filter(|r| r.state == "RUNNING" && r.worker.as_deref() == Some(victim.as_str()))
                .map(|r| r.number)
                .collect();
            if !held.is_empty() {
                signal(&workers[0], Signal::SIGKILL);
                break held;
            }
            signal(&workers[0], Signal::SIGCONT);
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let _ = workers[0].wait();
    for w in &mut workers[1..] {
        loop {
            if let Some(status) = w.try_wait().expect("wait") {
                assert!(status.success(), "a surviving worker failed: {status}");
                break;
            }
            assert!(Instant::now() < deadline, "workers did not finish");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    let rows = store.trial_rows().expect("rows");
    let numbers: std::collections::HashSet<usize> = rows.iter().map(|r| r.number).collect();
    assert_eq!(numbers.len(), rows.len(), "every trial number once");
    let live: Vec<_> = rows.iter().filter(|r| !r.stale).collect();
    assert_eq!(live.len(), budget, "the budget is held exactly: {rows:?}");
    assert!(
        live.iter().all(|r| r.state == "COMPLETE"),
        "every trial but the stale ones is COMPLETE: {:?}",
        live.iter()
            .filter(|r| r.state != "COMPLETE")
            .collect::<Vec<_>>()
    );
    let stale: Vec<usize> = rows.iter().filter(|r| r.stale).map(|r| r.number).collect();
    assert_eq!(
        stale, held,
        "the killed worker's trial, and only it, failed as stale"
    );
    for n in &held {
        let original = rows.iter().find(|r| r.number == *n).expect("held trial");
        assert_eq!(original.state, "FAIL");
        let retries: Vec<_> = rows.iter().filter(|r| r.retry_of == Some(*n)).collect();
        assert_eq!(retries.len(), 1, "trial {n} retried once: {retries:?}");
        if !original.params.is_empty() {
            assert_eq!(
                retries[0].params, original.params,
                "the retry evaluates the same point"
            );
        }
    }
    // what the user sees: every trial of the budget has its metrics
    let trials = store.trials().expect("trials");
    assert_eq!(trials.len(), budget);
    assert!(
        trials.iter().all(|t| t.metrics.is_some()),
        "no failed evaluation"
    );
}

#[test]
fn sqlite_four_workers_with_one_killed_lose_and_duplicate_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite:///{}", tmp.path().join("shared.db").display());
    four_workers_one_killed(&url, 100);
}

#[test]
fn postgres_four_workers_with_one_killed_lose_and_duplicate_nothing() {
    let Some(url) = study_tools::fresh_pg("kill") else {
        return;
    };
    four_workers_one_killed(&url, 100);
}

/// The full size (BENCHMARKS.md, "Study storage"): `cargo test --release --test
/// dse_workers -- --ignored`.
#[test]
#[ignore]
fn sqlite_400_trials_four_workers_one_killed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite:///{}", tmp.path().join("shared.db").display());
    four_workers_one_killed(&url, 400);
}

#[test]
#[ignore]
fn postgres_400_trials_four_workers_one_killed() {
    let Some(url) = study_tools::fresh_pg("kill400") else {
        return;
    };
    four_workers_one_killed(&url, 400);
}
