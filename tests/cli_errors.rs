//! What a user sees when a command fails on bad input: one clear line, each cause said once,
//! and exit code 2.

use std::process::Command;

#[test]
fn a_missing_simulation_file_is_named_once_with_its_os_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_l2mac"))
        .args(["sim", "dram", "/nonexistent/l2mac-sim.json"])
        .output()
        .expect("l2mac runs");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: cannot read /nonexistent/l2mac-sim.json: No such file or directory (os error 2)\n"
    );
}

fn l2mac(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_l2mac"))
        .args(args)
        .env_remove("OPENAI_BASE_URL")
        .env("L2MAC_HOME", "/nonexistent/l2mac-home")
        .output()
        .expect("l2mac runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn flags_that_cannot_work_are_refused_before_anything_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("run");
    let out = out.to_str().expect("utf-8");
    for (flag, value, says) in [
        ("--base-url", "not a url", "not a URL"),
        (
            "--base-url",
            "ftp://example.com",
            "expected an http:// or https:// URL",
        ),
        ("--context-window", "0", "must be at least 1024"),
        ("--check-timeout", "0", "0 is not in 1.."),
        ("--request-timeout", "0", "0 is not in 1.."),
        ("--max-steps", "0", "must be at least 1"),
    ] {
        let (code, _, err) = l2mac(&["run", "say hi", "--out", out, flag, value]);
        assert_eq!(code, Some(2), "{flag} {value}: {err}");
        assert!(
            err.contains(flag) && err.contains(says),
            "{flag} {value}: {err}"
        );
        assert!(
            !std::path::Path::new(out).exists(),
            "nothing written for {flag}"
        );
    }
}

#[test]
fn every_argument_has_a_help_text() {
    // the help phrases added for each argument that had none
    for (cmd, needles) in [
        (
            &["run", "--help"][..],
            &["A file holding the task", "At most this many steps"][..],
        ),
        (
            &["status", "--help"],
            &["The run directory (holding run.json)", "Print the plan"],
        ),
        (&["dse", "run", "--help"], &["The study file (TOML"]),
        (
            &["dse", "best", "--help"],
            &["The run directory of the study"],
        ),
        (
            &["dse", "resume", "--help"],
            &["Print the summary as JSON", "can only be raised"],
        ),
        (
            &["dse", "envs", "--help"],
            &["Print the list or description as JSON"],
        ),
        (&["dse", "agents", "--help"], &["Print the list as JSON"]),
        (
            &["dse", "train", "--help"],
            &["Trees per forest", "Seed of the train/test split"],
        ),
        (&["bench", "--help"], &["Where the runs go"]),
    ] {
        let (code, text, err) = l2mac(cmd);
        assert_eq!(code, Some(0), "{cmd:?}: {err}");
        for n in needles {
            assert!(text.contains(n), "{cmd:?} lacks {n:?}:\n{text}");
        }
    }
}

#[test]
fn warnings_carry_no_colour_codes_when_stderr_is_not_a_terminal() {
    // a run that fails at once still logs through the same subscriber; force a WARN line
    let (_, _, err) = l2mac(&[
        "run",
        "say hi",
        "--base-url",
        "http://127.0.0.1:9/v1",
        "--max-retries",
        "1",
        "--request-timeout",
        "1",
        "--out",
        tempfile::tempdir()
            .expect("tempdir")
            .path()
            .join("r")
            .to_str()
            .expect("utf-8"),
    ]);
    assert!(err.contains("WARN"), "a retry warning is logged: {err}");
    assert!(!err.contains('\u{1b}'), "ANSI escape in: {err:?}");
}

/// The installer travels inside the binary: a copied `l2mac` with no checkout can install the
/// local model, and its "no model" hint names a command that exists.
#[test]
fn the_local_model_installer_is_inside_the_binary() {
    let (code, stdout, _) = l2mac(&["setup-local-model", "--", "--help"]);
    assert_eq!(code, Some(0));
    assert!(
        stdout.starts_with("Installs the local LLM that `l2mac run` uses"),
        "{stdout}"
    );
    let (code, _, stderr) = l2mac(&["setup-local-model", "--no-such-option"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("unknown option '--no-such-option'"),
        "{stderr}"
    );
}

/// Without pytest a code run would fail every step's checks and ask the model to fix that; it is
/// refused before the first model call, with how to install it.
#[test]
fn a_code_run_without_pytest_is_refused_before_any_model_call() {
    let dir = tempfile::tempdir().expect("tmp");
    let fake = dir.path().join("python3");
    std::fs::write(
        &fake,
        "#!/bin/sh\necho 'No module named pytest' >&2\nexit 1\n",
    )
    .expect("fake");
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    let path = format!(
        "{}:{}",
        dir.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new(env!("CARGO_BIN_EXE_l2mac"))
        .args(["run", "Write hello.py", "--out"])
        .arg(dir.path().join("run"))
        .env("PATH", path)
        .env_remove("OPENAI_BASE_URL")
        .env("L2MAC_HOME", "/nonexistent/l2mac-home")
        .output()
        .expect("l2mac runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("`python3 -m pytest` does not run here: install it with `python3 -m pip install pytest`"), "{stderr}");
    assert!(
        !dir.path().join("run").exists(),
        "nothing is created for a refused run"
    );
}

/// `book` on a folder that is not a text run's: the store's error was written for a model ("list
/// the files to see what exists"); a user is told what folder to give instead.
#[test]
fn book_on_a_folder_without_an_outline_says_which_folder_to_give() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("hello.py"), "print('hi')\n").expect("a code run's file");
    let shown = dir.path().display().to_string();
    let (code, stdout, stderr) = l2mac(&["book", &shown]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert_eq!(
        stderr,
        format!("error: {shown} has no outline.md: give the folder of a text run (`l2mac run --domain text`), the one holding outline.md and chapters/\n")
    );
}

/// l2mac.toml goes through the same ranges as the flags: `context_window = 0` in the file used to
/// reach the run, which could not fit a single prompt.
#[test]
fn a_config_file_value_no_run_can_use_is_refused_naming_file_and_key() {
    let dir = tempfile::tempdir().expect("tmp");
    for (text, says) in [
        (
            "context_window = 0\n",
            "`context_window = 0`: must be at least 1024",
        ),
        (
            "check_timeout_secs = 0\n",
            "`check_timeout_secs = 0`: must be at least 1",
        ),
        (
            "base_url = \"not a url\"\n",
            "`base_url = \"not a url\"`: not a URL",
        ),
    ] {
        std::fs::write(dir.path().join("l2mac.toml"), text).expect("toml");
        let out = Command::new(env!("CARGO_BIN_EXE_l2mac"))
            .args(["run", "say hi", "--out", "run"])
            .current_dir(dir.path())
            .env_remove("OPENAI_BASE_URL")
            .env("L2MAC_HOME", "/nonexistent/l2mac-home")
            .output()
            .expect("l2mac runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{text}: {stderr}");
        assert!(
            stderr.contains("l2mac.toml: ") && stderr.contains(says),
            "{text}: {stderr}"
        );
        assert!(
            !dir.path().join("run").exists(),
            "nothing written for {text}"
        );
    }
}
