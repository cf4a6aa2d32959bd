//! A copied `l2mac` with its checkout hidden runs the example studies: the binary carries the data
//! it needs (DRAM part, mapping, policy and traces; the Eyeriss reference), so an installed or
//! copied binary does not depend on the source tree it was built from (issue 15, first use).
//!
//! The checkout is covered by an empty tmpfs inside a bubblewrap mount namespace, so the binary
//! sees exactly what it would see on a machine without the checkout; the copy and the study live
//! in a temporary directory outside it. Skipped (and says so) where bubblewrap cannot make
//! namespaces.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const CHECKOUT: &str = env!("CARGO_MANIFEST_DIR");

/// `argv` run inside a mount namespace where the checkout is an empty folder, from `cwd`.
fn hidden_checkout(cwd: &Path, argv: &[&str]) -> Option<Output> {
    let out = Command::new("bwrap")
        .args(["--bind", "/", "/", "--dev", "/dev", "--proc", "/proc"])
        .args(["--tmpfs", CHECKOUT, "--chdir"])
        .arg(cwd)
        .arg("--")
        .args(argv)
        .env_remove("OPENAI_BASE_URL")
        .output()
        .ok()?;
    Some(out)
}

/// A copy of the binary and of an example study (budget cut for test time) outside the checkout;
/// `None` when bubblewrap cannot hide the checkout here.
fn setup(study: &str, edits: &[(&str, &str)]) -> Option<(tempfile::TempDir, PathBuf)> {
    let tmp = tempfile::tempdir().expect("tempdir");
    assert!(
        !tmp.path().starts_with(CHECKOUT),
        "the temporary directory {} must be outside the checkout",
        tmp.path().display()
    );
    let bin = tmp.path().join("bin/l2mac");
    std::fs::create_dir_all(bin.parent().expect("parent")).expect("mkdir");
    std::fs::copy(env!("CARGO_BIN_EXE_l2mac"), &bin).expect("copy the binary");
    let mut text = std::fs::read_to_string(Path::new(CHECKOUT).join("examples/dse").join(study))
        .expect("example study");
    for (from, to) in edits {
        assert!(text.contains(from), "{study} has {from:?}");
        text = text.replace(from, to);
    }
    std::fs::write(tmp.path().join(study), text).expect("study copy");
    // the checkout must really be gone inside the namespace, or this test proves nothing
    let probe = format!("{CHECKOUT}/Cargo.toml");
    match hidden_checkout(tmp.path(), &["test", "-e", &probe]) {
        Some(o) if o.status.code() == Some(1) => Some((tmp, bin)),
        other => {
            eprintln!("skipped: bubblewrap cannot hide the checkout here ({other:?})");
            None
        }
    }
}

fn dse_run(tmp: &Path, bin: &Path, study: &str) -> (Option<i32>, String, String) {
    let bin = bin.to_str().expect("utf-8");
    let out = hidden_checkout(tmp, &[bin, "dse", "run", study, "--out", "out"])
        .expect("bwrap ran before");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_copied_binary_runs_the_dram_example_study_without_the_checkout() {
    let Some((tmp, bin)) = setup("dram_stream.toml", &[("budget = 200", "budget = 8")]) else {
        return;
    };
    let (code, stdout, stderr) = dse_run(tmp.path(), &bin, "dram_stream.toml");
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("trials 8/8 (8 evaluations"), "{stdout}");
    assert!(stdout.contains("report: out/"), "{stdout}");
    assert!(tmp.path().join("out/study.db").is_file());
}

#[test]
fn a_copied_binary_runs_the_timeloop_example_study_without_the_checkout() {
    let Some((tmp, bin)) = setup(
        "timeloop_alexnet.toml",
        &[
            ("budget = 64", "budget = 4"),
            ("batch = 8", "batch = 4"),
            ("samples = 100", "samples = 5"),
        ],
    ) else {
        return;
    };
    let (code, stdout, stderr) = dse_run(tmp.path(), &bin, "timeloop_alexnet.toml");
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("trials 4/4"), "{stdout}");
}
