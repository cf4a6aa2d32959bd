//! Running checks end to end through `sh`: verdicts, timeouts that kill the whole process tree,
//! capped output, no-tests detection, and the sandbox itself: bubblewrap where it works and the
//! Landlock fallback (forced), each skipped only where this machine lacks it, and a failure then
//! when `L2MAC_REQUIRE_SANDBOX=1` (CI).

use std::path::Path;
use std::time::Duration;

use l2mac::exec::{
    bwrap_available, landlock_available, pytest_available, run_check, run_checks, CheckOutcome,
    CheckSpec, ExecError, ExecOptions, SandboxMode, MODE_BWRAP, MODE_LANDLOCK, MODE_PLAIN,
};

fn spec(name: &str, command: &str) -> CheckSpec {
    CheckSpec {
        name: name.to_string(),
        command: command.to_string(),
    }
}

/// How a check is run here: the mode, whether the fallback is forced, and the label it gets.
#[derive(Clone, Copy)]
struct Way(SandboxMode, bool, &'static str);

fn opts(way: Way) -> ExecOptions {
    ExecOptions {
        timeout: Duration::from_secs(60),
        output_cap: 4096,
        sandbox: way.0,
        expect_tests: true,
        force_fallback: way.1,
    }
}

const PLAIN: Way = Way(SandboxMode::Off, false, MODE_PLAIN);
const BWRAP: Way = Way(SandboxMode::Required, false, MODE_BWRAP);
const LANDLOCK: Way = Way(SandboxMode::Required, true, MODE_LANDLOCK);

/// A sandbox that this machine lacks is skipped, unless CI says it must be there.
fn have(name: &str, works: bool) -> bool {
    if !works {
        assert!(
            std::env::var("L2MAC_REQUIRE_SANDBOX").as_deref() != Ok("1"),
            "{name} does not work on this machine, and L2MAC_REQUIRE_SANDBOX=1"
        );
        eprintln!("skipped: {name} does not work on this machine");
    }
    works
}

/// The ways to exercise here: always plain, and each sandbox where it works.
fn modes() -> Vec<Way> {
    let mut m = vec![PLAIN];
    if have("bubblewrap", bwrap_available()) {
        m.push(BWRAP);
    }
    if have("Landlock (ABI 4)", landlock_available()) {
        m.push(LANDLOCK);
    }
    m
}

/// The outcome with the duration zeroed, so whole values can be compared.
async fn run(dir: &Path, s: &CheckSpec, o: &ExecOptions) -> CheckOutcome {
    let mut out = run_check(dir, s, o).await.unwrap();
    out.duration_ms = 0;
    out
}

fn expected(
    s: &CheckSpec,
    mode: &str,
    passed: bool,
    exit_code: Option<i32>,
    output: &str,
) -> CheckOutcome {
    CheckOutcome {
        name: s.name.clone(),
        command: s.command.clone(),
        passed,
        exit_code,
        timed_out: false,
        no_tests: false,
        mode: mode.to_string(),
        output: output.to_string(),
        duration_ms: 0,
    }
}

#[tokio::test]
async fn exit_status_decides_pass_or_fail() {
    let dir = tempfile::tempdir().unwrap();
    for way in modes() {
        let (mode, label) = (way, way.2);
        let ok = spec("ok", "echo hello");
        assert_eq!(
            run(dir.path(), &ok, &opts(mode)).await,
            expected(&ok, label, true, Some(0), "hello\n")
        );
        let bad = spec("bad", "echo broken >&2; exit 3");
        assert_eq!(
            run(dir.path(), &bad, &opts(mode)).await,
            expected(&bad, label, false, Some(3), "broken\n")
        );
    }
}

#[tokio::test]
async fn checks_run_in_the_given_folder_and_can_write_there() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("input.txt"), "42\n").unwrap();
    for way in modes() {
        let (mode, label) = (way, way.2);
        let s = spec("cat", "cat input.txt && echo made > out.txt");
        assert_eq!(
            run(dir.path(), &s, &opts(mode)).await,
            expected(&s, label, true, Some(0), "42\n")
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("out.txt")).unwrap(),
            "made\n"
        );
    }
}

/// Pids of live processes whose command line contains `marker`.
fn processes_with(marker: &str) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        if String::from_utf8_lossy(&cmdline).contains(marker) {
            found.push(pid);
        }
    }
    found
}

#[tokio::test]
async fn timeout_fails_and_kills_the_whole_process_group() {
    let dir = tempfile::tempdir().unwrap();
    for (i, way) in modes().into_iter().enumerate() {
        let (mode, label) = (way, way.2);
        // A sleep length no other process on the machine uses, so we can find ours in /proc.
        let marker = format!("3000.{}{}", std::process::id(), i);
        let s = spec(
            "slow",
            &format!("echo started; sleep {marker} & sleep {marker}"),
        );
        let o = ExecOptions {
            timeout: Duration::from_secs(1),
            ..opts(mode)
        };
        let out = run(dir.path(), &s, &o).await;
        let want = CheckOutcome {
            timed_out: true,
            ..expected(&s, label, false, None, "started\n")
        };
        assert_eq!(out, want);
        // SIGKILL is delivered asynchronously; allow the kernel a moment to finish the job.
        let mut left = processes_with(&marker);
        for _ in 0..50 {
            if left.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            left = processes_with(&marker);
        }
        assert_eq!(
            left,
            Vec::<u32>::new(),
            "{label}: processes survived the timeout"
        );
    }
}

#[tokio::test]
async fn huge_output_is_capped_with_a_marker() {
    let dir = tempfile::tempdir().unwrap();
    let cap = 1000;
    // The same text the command prints, to count what must be omitted.
    let full: String = (0..200_000).map(|i| format!("line {i}\n")).collect();
    let (head, tail) = (&full[..cap / 2], &full[full.len() - cap / 2..]);
    let omitted = &full[cap / 2..full.len() - cap / 2];
    // The head is cut mid-line, so a newline is added before the marker.
    let sep = if head.ends_with('\n') { "" } else { "\n" };
    let want = format!(
        "{head}{sep}[... {} lines / {} bytes omitted ...]\n{tail}",
        omitted.matches('\n').count(),
        omitted.len()
    );
    for way in modes() {
        let (mode, label) = (way, way.2);
        let s = spec("loud", "seq 0 199999 | sed 's/^/line /'");
        let o = ExecOptions {
            output_cap: cap,
            ..opts(mode)
        };
        assert_eq!(
            run(dir.path(), &s, &o).await,
            expected(&s, label, true, Some(0), &want)
        );
    }
}

#[tokio::test]
async fn no_tests_collected_is_a_failure_when_tests_are_expected() {
    let dir = tempfile::tempdir().unwrap();
    let printed = "\nrunning 0 tests\n\ntest result: ok. 0 passed; 0 failed\n";
    let s = spec(
        "cargo test",
        &format!("printf '{}'", printed.replace('\n', "\\n")),
    );
    let got = run(dir.path(), &s, &opts(PLAIN)).await;
    let want = CheckOutcome {
        no_tests: true,
        ..expected(&s, MODE_PLAIN, false, Some(0), printed)
    };
    assert_eq!(got, want);
    // Not expecting tests: the same run passes, but still says that none ran.
    let relaxed = ExecOptions {
        expect_tests: false,
        ..opts(PLAIN)
    };
    let got = run(dir.path(), &s, &relaxed).await;
    assert_eq!(
        got,
        CheckOutcome {
            passed: true,
            ..want
        }
    );
    // One test binary with tests is enough.
    let some = spec(
        "cargo test",
        "printf 'running 0 tests\\nrunning 2 tests\\n'",
    );
    let got = run(dir.path(), &some, &opts(PLAIN)).await;
    assert_eq!(
        got,
        expected(
            &some,
            MODE_PLAIN,
            true,
            Some(0),
            "running 0 tests\nrunning 2 tests\n"
        )
    );
}

#[tokio::test]
async fn pytest_with_no_tests_fails_and_with_tests_passes() {
    if !pytest_available() {
        eprintln!("skipped: python3 -m pytest is not installed (pip install pytest)");
        return;
    }
    let empty = tempfile::tempdir().unwrap();
    std::fs::write(empty.path().join("test_nothing.py"), "X = 1\n").unwrap();
    let with = tempfile::tempdir().unwrap();
    std::fs::write(
        with.path().join("test_math.py"),
        "def test_add():\n    assert 1 + 1 == 2\n",
    )
    .unwrap();
    let s = spec("pytest", "python3 -m pytest -q -p no:cacheprovider");
    for way in modes() {
        let (mode, label) = (way, way.2);
        let got = run(empty.path(), &s, &opts(mode)).await;
        assert_eq!(
            (got.passed, got.no_tests, got.exit_code, got.mode.as_str()),
            (false, true, Some(5), label),
            "{}",
            got.output
        );
        assert!(got.output.contains("no tests ran"), "{}", got.output);
        let relaxed = ExecOptions {
            expect_tests: false,
            ..opts(mode)
        };
        assert!(run(empty.path(), &s, &relaxed).await.passed);

        let got = run(with.path(), &s, &opts(mode)).await;
        assert_eq!(
            (got.passed, got.no_tests, got.exit_code),
            (true, false, Some(0)),
            "{}",
            got.output
        );
        assert!(got.output.contains("1 passed"), "{}", got.output);
    }
}

#[tokio::test]
async fn run_checks_keeps_going_after_a_failure() {
    let dir = tempfile::tempdir().unwrap();
    let specs = [spec("a", "exit 1"), spec("b", "echo b")];
    let got: Vec<(String, bool)> = run_checks(dir.path(), &specs, &opts(PLAIN))
        .await
        .unwrap()
        .into_iter()
        .map(|o| (o.name, o.passed))
        .collect();
    assert_eq!(got, vec![("a".to_string(), false), ("b".to_string(), true)]);
}

#[tokio::test]
async fn missing_folder_is_an_error_not_a_failed_check() {
    let dir = tempfile::tempdir().unwrap();
    let err = run_check(&dir.path().join("nope"), &spec("a", "true"), &opts(PLAIN))
        .await
        .unwrap_err();
    assert!(matches!(err, ExecError::Dir { .. }), "{err}");
}

#[tokio::test]
async fn bubblewrap_blocks_network_and_writes_outside_the_folder() {
    if !have("bubblewrap", bwrap_available()) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let o = opts(BWRAP);
    let net = spec("net", "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '");
    assert_eq!(
        run(dir.path(), &net, &o).await,
        expected(&net, MODE_BWRAP, true, Some(0), "lo\n")
    );
    let ro = spec(
        "ro",
        "touch /usr/l2mac-sandbox-probe 2>/dev/null || echo refused",
    );
    assert_eq!(
        run(dir.path(), &ro, &o).await,
        expected(&ro, MODE_BWRAP, true, Some(0), "refused\n")
    );
    assert!(!Path::new("/usr/l2mac-sandbox-probe").exists());
}

#[tokio::test]
async fn the_fallback_blocks_tcp_and_writes_outside_the_folder() {
    if !have("Landlock (ABI 4)", landlock_available()) {
        return;
    }
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    for way in modes() {
        let connect = spec(
            "tcp",
            &format!("python3 -c \"import socket; socket.create_connection(('127.0.0.1', {port}), 2)\" 2>/dev/null && echo connected || echo refused"),
        );
        let want_net = if way.2 == MODE_PLAIN {
            "connected\n"
        } else {
            "refused\n"
        };
        assert_eq!(
            run(dir.path(), &connect, &opts(way)).await,
            expected(&connect, way.2, true, Some(0), want_net),
        );
        let probe = outside.path().join("probe");
        let write = spec(
            "write",
            &format!(
                "touch {} 2>/dev/null && echo wrote || echo refused",
                probe.display()
            ),
        );
        let want_write = if way.2 == MODE_PLAIN {
            "wrote\n"
        } else {
            "refused\n"
        };
        assert_eq!(
            run(dir.path(), &write, &opts(way)).await,
            expected(&write, way.2, true, Some(0), want_write),
        );
        let _ = std::fs::remove_file(&probe);
    }
}

#[tokio::test]
async fn abandoning_a_running_check_kills_its_processes() {
    let dir = tempfile::tempdir().unwrap();
    for (i, way) in modes().into_iter().enumerate() {
        let (mode, label) = (way, way.2);
        let marker = format!("3001.{}{}", std::process::id(), i);
        let s = spec("slow", &format!("sleep {marker} & sleep {marker}"));
        let o = opts(mode);
        // The caller gives up (as on Ctrl-C) once the check's processes are up.
        let check = run_check(dir.path(), &s, &o);
        let waiter = async {
            while processes_with(&marker).len() < 2 {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        };
        tokio::select! {
            r = check => panic!("{label}: check finished on its own: {r:?}"),
            started = tokio::time::timeout(Duration::from_secs(20), waiter) => {
                assert!(started.is_ok(), "{label}: the check's processes never showed up");
            }
        }
        let mut left = processes_with(&marker);
        for _ in 0..50 {
            if left.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            left = processes_with(&marker);
        }
        assert_eq!(
            left,
            Vec::<u32>::new(),
            "{label}: processes outlived the abandoned check"
        );
    }
}
