//! A check must never see the user's secrets: the environment is rebuilt from a short allow-list.
//! Its own test binary, because it sets variables in the test process.

use std::collections::BTreeSet;
use std::time::Duration;

use l2mac::exec::{
    bwrap_available, landlock_available, run_check, CheckSpec, ExecOptions, SandboxMode,
};

#[tokio::test]
async fn secrets_never_reach_the_check() {
    std::env::set_var("OPENAI_API_KEY", "sk-test-should-not-leak");
    std::env::set_var("GITHUB_TOKEN", "ghp-should-not-leak");
    std::env::set_var("MY_CLIENT_SECRET", "should-not-leak");
    let dir = tempfile::tempdir().unwrap();
    let spec = CheckSpec {
        name: "env".to_string(),
        command: "env".to_string(),
    };
    let mut modes = vec![(SandboxMode::Off, false)];
    if bwrap_available() {
        modes.push((SandboxMode::Required, false));
    }
    if landlock_available() {
        modes.push((SandboxMode::Required, true));
    }
    for (mode, force_fallback) in modes {
        let opts = ExecOptions {
            timeout: Duration::from_secs(30),
            output_cap: 64 * 1024,
            sandbox: mode,
            expect_tests: false,
            force_fallback,
        };
        let out = run_check(dir.path(), &spec, &opts).await.unwrap();
        assert!(out.passed, "{}", out.output);
        assert!(
            !out.output.contains("should-not-leak"),
            "{mode:?}: {}",
            out.output
        );
        let names: BTreeSet<&str> = out
            .output
            .lines()
            .filter_map(|l| l.split_once('=').map(|(k, _)| k))
            .collect();
        // The allow-list, plus what `sh` itself exports (PWD, SHLVL, `_`) and the toolchain
        // locations that are passed only when this machine has them.
        let optional: BTreeSet<&str> =
            ["PWD", "SHLVL", "_", "OLDPWD", "RUSTUP_HOME", "CARGO_HOME"].into();
        let required: BTreeSet<&str> = [
            "HOME",
            "LANG",
            "PATH",
            "PYTHONDONTWRITEBYTECODE",
            "TERM",
            "TMPDIR",
        ]
        .into();
        let extra: Vec<_> = names
            .difference(&required)
            .filter(|n| !optional.contains(*n))
            .collect();
        assert_eq!(extra, Vec::<&&str>::new(), "{mode:?}: unexpected variables");
        assert_eq!(
            names.intersection(&required).count(),
            required.len(),
            "{mode:?}: {names:?}"
        );
        assert!(out.output.lines().any(|l| l == "LANG=C.UTF-8"));
        assert!(out.output.lines().any(|l| l == "PYTHONDONTWRITEBYTECODE=1"));
    }
}
