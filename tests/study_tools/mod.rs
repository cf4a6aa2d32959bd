//! What the study-storage tests need from outside: a PostgreSQL server (`L2MAC_TEST_PG_URL`, a
//! fresh database per test) and a Python with optuna and optuna-dashboard (`L2MAC_OPTUNA_PYTHON`,
//! default the venv `scripts/test.sh` makes). A missing one skips the test, or fails it when
//! `L2MAC_REQUIRE_STUDY_TOOLS=1` (as `scripts/test.sh` sets it).
#![allow(dead_code)]

use std::path::PathBuf;

fn required() -> bool {
    std::env::var("L2MAC_REQUIRE_STUDY_TOOLS").as_deref() == Ok("1")
}

fn missing<T>(what: &str) -> Option<T> {
    assert!(
        !required(),
        "{what} is not available, and L2MAC_REQUIRE_STUDY_TOOLS=1"
    );
    eprintln!("skipping: {what} is not available (set it up with scripts/test.sh)");
    None
}

/// The URL of a new, empty database on the test server.
pub fn fresh_pg(tag: &str) -> Option<String> {
    let Ok(base) = std::env::var("L2MAC_TEST_PG_URL") else {
        return missing("PostgreSQL (L2MAC_TEST_PG_URL)");
    };
    let mut client = match postgres::Client::connect(&base, postgres::NoTls) {
        Ok(c) => c,
        Err(e) => return missing(&format!("PostgreSQL at {base} ({e})")),
    };
    let db = format!(
        "l2mac_{tag}_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0)
    );
    client
        .batch_execute(&format!("CREATE DATABASE {db}"))
        .expect("create the test database");
    let (head, _) = base.rsplit_once('/').expect("URL ends in /DB");
    Some(format!("{head}/{db}"))
}

/// A Python that imports optuna (and optuna_dashboard).
pub fn python() -> Option<PathBuf> {
    let p = std::env::var("L2MAC_OPTUNA_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/optuna-venv/bin/python")
        });
    let ok = std::process::Command::new(&p)
        .args(["-c", "import optuna, optuna_dashboard"])
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        Some(p)
    } else {
        missing(&format!("optuna and optuna-dashboard in {}", p.display()))
    }
}

/// Runs a Python program; its stdout, or a panic with its stderr.
pub fn run_python(python: &std::path::Path, code: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(python)
        .arg("-c")
        .arg(code)
        .args(args)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "python failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A DRAM study spec on a short trace (a few ms per evaluation in a debug build) in `dir`.
pub fn dram_spec(
    dir: &std::path::Path,
    name: &str,
    storage: &str,
    budget: usize,
    agent: &str,
) -> String {
    let trace = dir.join("short.stl");
    let mut t = String::new();
    for i in 0..200u64 {
        let op = if i % 3 == 0 { "write" } else { "read" };
        t += &format!("{i}:\t{op}\t0x{:08X}\n", (i * 0x9E37_79B9) & 0x3FFF_FFC0);
    }
    std::fs::write(&trace, t).expect("trace");
    format!(
        r#"name = "{name}"
budget = {budget}
seed = 7
storage = "{storage}"
heartbeat_seconds = 0.25
grace_seconds = 1.5
[env]
name = "dram"
trace = "{}"
[objective]
minimize = "Latency"
[agent]
name = "{agent}"
"#,
        trace.display()
    )
}
