//! The `l2mac` binary against a scripted server: a run killed with SIGKILL mid-step resumes to the
//! same files without repeating work; exit codes and bad input.

mod common;

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_l2mac"));
    c.env_remove("OPENAI_BASE_URL")
        .env_remove("L2MAC_MODEL")
        .env_remove("OPENAI_API_KEY")
        .env("L2MAC_HOME", "/nonexistent-l2mac-home");
    c
}

fn files_of(dir: &std::path::Path) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter(|e| !e.path().starts_with(dir.join(".l2mac")))
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .expect("rel")
                .display()
                .to_string();
            (rel, std::fs::read_to_string(e.path()).unwrap_or_default())
        })
        .collect();
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_killed_mid_step_resumes_to_the_same_files() {
    let first_time = Arc::new(AtomicBool::new(true));
    let flag = first_time.clone();
    let slow_once: Box<dyn Fn(&Value) -> wiremock::ResponseTemplate + Send + Sync> =
        Box::new(move |req| {
            let delay = if flag.swap(false, Ordering::SeqCst) {
                Duration::from_secs(120)
            } else {
                Duration::ZERO
            };
            complete("b written")(req).set_delay(delay)
        });
    let server = ScriptedServer::start(vec![
        plan(&["Write a.txt", "Write b.txt"]),
        write("a.txt", "alpha\n"),
        complete("a written"),
        write("b.txt", "beta\n"),
        slow_once,
    ])
    .await;
    let parent = tempfile::tempdir().expect("tmp");
    let dir = parent.path().join("run");
    let mut child = bin()
        .args([
            "run",
            "write a and b",
            "--json",
            "--model",
            "scripted",
            "--out",
        ])
        .arg(&dir)
        .args(["--base-url", &server.base_url()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn l2mac");
    let deadline = Instant::now() + Duration::from_secs(60);
    while server.served() < 5 {
        assert!(
            Instant::now() < deadline,
            "the run never reached the slow request"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
    let state: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(".l2mac/run.json")).expect("state"))
            .expect("json");
    assert_eq!(state["plan"][0]["status"], json!("done"));
    assert_eq!(state["plan"][1]["status"], json!("running"));

    server.rewind(1);
    let output = bin()
        .args(["resume", "--json"])
        .arg(&dir)
        .output()
        .expect("resume");
    assert_eq!(
        output.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(server.failures().is_empty(), "{:?}", server.failures());
    assert_eq!(
        files_of(&dir),
        vec![
            ("a.txt".to_string(), "alpha\n".to_string()),
            ("b.txt".to_string(), "beta\n".to_string())
        ]
    );
    // Resumed, not redone: six requests in all (five, then the interrupted one again).
    assert_eq!(server.requests().len(), 6);
    let events: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert_eq!(
        events.first().map(|e| e["event"].clone()),
        Some(json!("run_started"))
    );
    assert_eq!(
        events.first().map(|e| e["resumed"].clone()),
        Some(json!(true))
    );
    let finished = events.last().expect("events");
    assert_eq!(finished["event"], json!("run_finished"));
    assert_eq!(finished["report"]["outcome"], json!("complete"));
    assert_eq!(finished["report"]["steps_done"], json!(2));
    let transcript =
        std::fs::read_to_string(dir.join(".l2mac/transcript.jsonl")).expect("transcript");
    let b_writes = transcript
        .lines()
        .filter(|l| l.contains("\"kind\":\"tool\"") && l.contains("b.txt"))
        .count();
    assert_eq!(b_writes, 1, "b.txt was written once");

    // A finished run resumes to the same report without calling the model.
    let again = bin()
        .args(["resume"])
        .arg(&dir)
        .output()
        .expect("resume again");
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(server.requests().len(), 6);
    let status = bin().args(["status"]).arg(&dir).output().expect("status");
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(
        text.contains("[Done] Write b.txt") && text.contains("b written"),
        "{text}"
    );
}

#[test]
fn bad_input_exits_with_2_and_a_clear_message() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = bin()
        .current_dir(dir.path())
        .args(["run"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no task given"));

    let out = bin()
        .current_dir(dir.path())
        .args([
            "run",
            "task",
            "--base-url",
            "http://127.0.0.1:9/v1",
            "--compat",
            "weird",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown --compat `weird`"));

    let out = bin()
        .current_dir(dir.path())
        .args(["status", "nowhere"])
        .output()
        .expect("status");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nowhere is not an l2mac run directory"));

    std::fs::write(dir.path().join("l2mac.toml"), "modle = \"x\"\n").expect("toml");
    let out = bin()
        .current_dir(dir.path())
        .args(["run", "task"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("l2mac.toml") && err.contains("modle"), "{err}");
}

#[test]
fn an_unreachable_endpoint_ends_the_run_unfinished_and_resumable() {
    let dir = tempfile::tempdir().expect("tmp");
    let run = dir.path().join("run");
    let out = bin()
        .args([
            "run",
            "task",
            "--base-url",
            "http://127.0.0.1:9/v1",
            "--max-retries",
            "1",
            "--out",
        ])
        .arg(&run)
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("l2mac resume"), "{err}");
    assert!(run.join(".l2mac/run.json").is_file());
}

/// Flags that point at an endpoint nobody answers, so a run or resume ends at once, unfinished.
const UNREACHABLE: [&str; 4] = ["--base-url", "http://127.0.0.1:9/v1", "--max-retries", "0"];

/// A run directory left unfinished (exit 1) by a run against [`UNREACHABLE`].
fn unfinished_run(parent: &std::path::Path, extra: &[&str]) -> std::path::PathBuf {
    let run = parent.join("run");
    let out = bin()
        .args(["run", "task"])
        .args(extra)
        .args(UNREACHABLE)
        .arg("--out")
        .arg(&run)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    run
}

#[test]
fn resume_refuses_to_lower_a_budget_silently() {
    let dir = tempfile::tempdir().expect("tmp");
    let run = unfinished_run(dir.path(), &["--max-tokens", "5000"]);
    let out = bin()
        .args(["resume", "--max-tokens", "100"])
        .args(UNREACHABLE)
        .arg(&run)
        .output()
        .expect("resume");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(
            "--max-tokens 100 is below the run's budget of 5000; a resume can only raise it"
        ),
        "{err}"
    );
}

#[test]
fn a_run_directory_in_use_is_refused_by_a_second_resume() {
    let dir = tempfile::tempdir().expect("tmp");
    let run = unfinished_run(dir.path(), &[]);
    // what a first `l2mac resume` still running holds
    let held = l2mac::lockfile::try_lock(&run.join(".l2mac"), "run.lock").expect("free");
    for args in [&["resume"][..], &["run", "task", "--out"]] {
        let out = bin()
            .args(args)
            .arg(&run)
            .args(UNREACHABLE)
            .output()
            .expect("second process");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("is in use by another l2mac process"), "{err}");
    }
    drop(held);
    let out = bin()
        .arg("resume")
        .arg(&run)
        .args(UNREACHABLE)
        .output()
        .expect("resume");
    assert_eq!(
        out.status.code(),
        Some(1),
        "free again: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A run killed in the middle of an atomic write leaves its `.l2mac-tmp-*` file; `resume` removes
/// it (they were never cleaned up and showed in the model's file tree) and says so.
#[test]
fn resume_removes_the_temporary_files_a_killed_write_left() {
    let dir = tempfile::tempdir().expect("tmp");
    let run = dir.path().join("run");
    let unreachable = ["--base-url", "http://127.0.0.1:9/v1", "--max-retries", "0"];
    let out = bin()
        .args(["run", "task"])
        .args(unreachable)
        .arg("--out")
        .arg(&run)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    std::fs::create_dir_all(run.join("pkg")).expect("mkdir");
    std::fs::write(run.join("pkg/.l2mac-tmp-Ab12"), "half a file").expect("left by a kill");
    std::fs::write(run.join(".l2mac/.l2mac-tmp-x9"), "{\"ver").expect("left by a kill");
    let out = bin()
        .arg("resume")
        .arg(&run)
        .args(unreachable)
        .output()
        .expect("resume");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("removed 2 temporary file(s) left by a write that was killed"),
        "{err}"
    );
    assert!(!run.join("pkg/.l2mac-tmp-Ab12").exists());
    assert!(!run.join(".l2mac/.l2mac-tmp-x9").exists());
}
