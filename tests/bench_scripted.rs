//! `l2mac bench` end to end against a scripted server, on one real task (05-matrix): an l2mac
//! run, the plain-text single call (files taken from the reply's code blocks), best-of-N on a
//! token budget (chosen without the hidden tests) and the tool-forced single call, each scored by
//! the task's hidden acceptance tests into results.md.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use serde_json::{json, Value};

fn reference() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/bench/05-matrix/reference/matrix.py"),
    )
    .expect("reference")
}

/// A plain-text reply in the shape the 1.5B model writes: heading, fence, explanation.
fn plain_reply(code: &str) -> String {
    format!("Here is the implementation.\n\n### matrix.py\n\n```python\n{code}```\n\n### Explanation\n\nThe functions check shapes first.\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_task_through_every_method_into_the_results_table() {
    if !l2mac::exec::pytest_available() {
        eprintln!("skipped: python3 with pytest is not installed");
        return;
    }
    let good = reference();
    // Transposing rows as rows: fails the transpose test (and the ones built on it).
    let wrong = good.replacen(
        "def transpose(m):",
        "def transpose(m):\n    return [list(r) for r in m]\n\ndef _unused(m):",
        1,
    );
    assert_ne!(wrong, good);
    let no_tools = |req: &Value| assert!(tool_names(req).is_empty(), "a plain call offered tools");
    let server = ScriptedServer::start(vec![
        // l2mac: plan, one step that writes the module, done.
        plan(&["Write matrix.py with shape, identity, transpose, add, multiply and determinant"]),
        write("matrix.py", &good),
        complete("matrix.py written"),
        // the plain single call
        expect(no_tools, text(&plain_reply(&wrong))),
        // best-of-N: 120 tokens a call and a 250-token budget give two candidates
        expect(no_tools, text(&plain_reply("def shape(m:\n    pass\n"))),
        expect(no_tools, text(&plain_reply(&good))),
        // the tool-forced single call
        expect(
            |req| assert_eq!(req["tool_choice"]["function"]["name"], json!("write_files")),
            write("matrix.py", &good),
        ),
    ])
    .await;
    let out = tempfile::tempdir().expect("tmp");
    let bench = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/bench");
    let base_url = server.base_url();
    let (tasks_dir, out_dir) = (bench, out.path().to_path_buf());
    let output = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_l2mac"))
            .env_remove("OPENAI_BASE_URL")
            .env_remove("L2MAC_MODEL")
            .env_remove("OPENAI_API_KEY")
            .env("L2MAC_HOME", "/nonexistent-l2mac-home")
            .args([
                "bench",
                "--only",
                "05-matrix",
                "--best-of-budget",
                "250",
                "--model",
                "scripted",
            ])
            .arg("--tasks")
            .arg(&tasks_dir)
            .arg("--out")
            .arg(&out_dir)
            .args(["--base-url", &base_url])
            .output()
            .expect("run l2mac bench")
    })
    .await
    .expect("join");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        server.failures().is_empty(),
        "{:?}\n{stderr}",
        server.failures()
    );
    assert_eq!(server.unserved(), 0, "{stderr}");
    let table = std::fs::read_to_string(out.path().join("results.md")).expect("results.md");
    let rows: Vec<&str> = table
        .lines()
        .filter(|l| l.starts_with("| 05-matrix |"))
        .collect();
    let cell = |method: &str, col: usize| -> String {
        rows.iter()
            .find(|r| r.split('|').nth(2).map(str::trim) == Some(method))
            .and_then(|r| r.split('|').nth(col))
            .map(|c| c.trim().to_string())
            .unwrap_or_else(|| panic!("no {method} row in\n{table}"))
    };
    // columns: 1 task, 2 method, 3 temp, 4 acceptance, 5 own tests, 6 lines, 7 calls, 8 tokens, 9 s, 10 note
    assert_eq!(cell("l2mac", 4), "6/6", "{table}");
    assert_eq!(cell("l2mac", 7), "3", "{table}");
    assert_eq!(cell("plain single call", 4), "3/6", "{table}");
    assert_eq!(cell("plain single call", 7), "1", "{table}");
    assert_eq!(cell("plain single call", 8), "100 / 20", "{table}");
    assert!(
        cell("plain single call", 10).starts_with("1 file(s) from 1 block(s)"),
        "{table}"
    );
    assert_eq!(cell("best-of-N plain", 4), "6/6", "{table}");
    assert_eq!(cell("best-of-N plain", 7), "2", "{table}");
    let note = cell("best-of-N plain", 10);
    assert!(
        note.starts_with("2 candidates on a 250-token budget, kept #1"),
        "{note}"
    );
    assert!(note.contains("states no executable examples"), "{note}");
    assert_eq!(cell("tool single call", 4), "6/6", "{table}");
    assert!(table.contains("plain single call: 3/6 acceptance tests (50%) over 1 runs; 1 model calls, 100 / 20 tokens"), "{table}");
    // The plain call's reply is kept beside the files it gave.
    let reply =
        std::fs::read_to_string(out.path().join("05-matrix-plain-0/reply.md.txt")).expect("reply");
    assert!(reply.contains("### matrix.py"));
}
