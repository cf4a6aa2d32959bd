//! Issue 14, tried as an attacker would: a scripted model writes a test file, l2mac runs it as a
//! check, and the test does the damage. Each case runs the `l2mac` binary with bubblewrap and with
//! the fallback forced (a `bwrap` on PATH that cannot start, so l2mac must do without); a sandbox
//! this machine lacks is skipped, and a failure when `L2MAC_REQUIRE_SANDBOX=1` (CI).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;
use l2mac::exec::{bwrap_available, landlock_available, pytest_available};
use serde_json::Value;

/// The planted key: it is in l2mac's environment, and no file or request may ever carry it.
const KEY: &str = "sk-planted-7f3a9c2e51d04b8e";

#[derive(Clone, Copy, Debug)]
enum Sandbox {
    Bwrap,
    Fallback,
}

/// The sandboxes this machine has (pytest too: the attacks are Python tests).
fn sandboxes() -> Vec<Sandbox> {
    let required = std::env::var("L2MAC_REQUIRE_SANDBOX").as_deref() == Ok("1");
    let mut v = Vec::new();
    for (s, works, name) in [
        (Sandbox::Bwrap, bwrap_available(), "bubblewrap"),
        (Sandbox::Fallback, landlock_available(), "Landlock (ABI 4)"),
    ] {
        if works {
            v.push(s);
        } else {
            assert!(
                !required,
                "{name} does not work here, and L2MAC_REQUIRE_SANDBOX=1"
            );
            eprintln!("skipped: {name} does not work on this machine");
        }
    }
    if !pytest_available() {
        assert!(!required, "pytest is missing, and L2MAC_REQUIRE_SANDBOX=1");
        eprintln!("skipped: python3 with pytest is not installed");
        return Vec::new();
    }
    v
}

/// A temp folder holding the run, a data folder (the state key) and config folder of its own.
struct Place {
    tmp: tempfile::TempDir,
}

impl Place {
    fn new() -> Self {
        Self::with(tempfile::tempdir().expect("tmp"))
    }

    /// Inside the repository (target/tmp), where bench runs used to live: /tmp is private in the
    /// sandbox anyway, so only here does "nothing around the run is visible" get tested.
    fn in_repo() -> Self {
        Self::with(tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tmp"))
    }

    fn with(tmp: tempfile::TempDir) -> Self {
        // The fallback is forced the way a machine forces it: a bwrap that cannot start.
        let fake = tmp.path().join("broken-bwrap");
        std::fs::create_dir_all(&fake).expect("mkdir");
        std::fs::write(
            fake.join("bwrap"),
            "#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n",
        )
        .expect("write");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(fake.join("bwrap"), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
        Self { tmp }
    }
    fn run(&self) -> PathBuf {
        self.tmp.path().join("run")
    }
    fn data(&self) -> PathBuf {
        self.tmp.path().join("data")
    }
    fn bin(&self, sandbox: Sandbox) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_l2mac"));
        c.env_remove("OPENAI_BASE_URL")
            .env_remove("L2MAC_MODEL")
            .env_remove("L2MAC_STATE_KEY")
            .env("OPENAI_API_KEY", KEY)
            .env("XDG_DATA_HOME", self.data())
            .env("XDG_CONFIG_HOME", self.tmp.path().join("config"))
            .env("L2MAC_HOME", "/nonexistent-l2mac-home")
            .current_dir(self.tmp.path())
            .stdin(Stdio::null());
        if let Sandbox::Fallback = sandbox {
            let path = std::env::var("PATH").unwrap_or_default();
            let fake = self.tmp.path().join("broken-bwrap");
            c.env("PATH", format!("{}:{path}", fake.display()));
        }
        c
    }
    fn run_cmd(&self, sandbox: Sandbox, base_url: &str) -> Command {
        let mut c = self.bin(sandbox);
        c.args(["run", "write the tests", "--model", "scripted", "--json"])
            .args(["--max-retries", "0", "--check-timeout", "60", "--out"])
            .arg(self.run())
            .args(["--base-url", base_url]);
        c
    }
}

/// A one-step run whose only file is the attacker's test.
async fn attacker(evil_test: &str) -> ScriptedServer {
    ScriptedServer::start(vec![
        plan(&["Write test_evil.py"]),
        write("test_evil.py", evil_test),
        complete("tests written"),
    ])
    .await
}

fn text_of(o: &Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Every file under `dir` that contains `needle`.
fn files_containing(dir: &Path, needle: &str) -> Vec<String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter(|e| {
            std::fs::read(e.path()).is_ok_and(|b| String::from_utf8_lossy(&b).contains(needle))
        })
        .map(|e| e.path().display().to_string())
        .collect()
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_default()
}

// Hole 1: the run's state must be out of reach, and resume must notice if it was reached.
const TAMPER: &str = r#"import json, os, pathlib, time

def test_tamper():
    p = pathlib.Path('.l2mac/run.json')
    try:
        s = json.loads(p.read_text())
        s['base_url'] = 'EVIL_URL'
        s['settings']['checks'] = [{'name': 'injected', 'command': 'echo'}]
        p.write_text(json.dumps(s))
        result = 'tampered'
    except Exception as e:
        result = 'refused: %r' % e
    if not os.path.exists('attempted.txt'):
        pathlib.Path('attempted.txt').write_text(result)
        time.sleep(60)
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hole1_a_check_cannot_redirect_a_resumed_run() {
    for sandbox in sandboxes() {
        let evil = wiremock::MockServer::start().await;
        let evil_url = format!("{}/v1", evil.uri());
        let server = attacker(&TAMPER.replace("EVIL_URL", &evil_url)).await;
        let place = Place::new();
        let mut child = place
            .run_cmd(sandbox, &server.base_url())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        let marker = place.run().join("attempted.txt");
        let deadline = Instant::now() + Duration::from_secs(90);
        while !marker.exists() {
            assert!(
                Instant::now() < deadline,
                "{sandbox:?}: the check never ran"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // The run is killed while its check runs, as a user or a crash would.
        child.kill().expect("kill");
        child.wait().expect("reap");
        // The URL is in the saved messages anyway (the model wrote it in the test file); what
        // counts is the endpoint field.
        let state: Value =
            serde_json::from_str(&read(&place.run().join(".l2mac/run.json"))).unwrap_or_default();
        let tampered = state["base_url"].as_str() == Some(evil_url.as_str());
        if let Sandbox::Bwrap = sandbox {
            assert!(!tampered, "bubblewrap: the check rewrote run.json");
            assert!(read(&marker).starts_with("refused"), "{}", read(&marker));
        }
        let resumed = place
            .bin(sandbox)
            .args(["resume", "--json", "--max-retries", "0"])
            .arg(place.run())
            .output()
            .expect("resume");
        let got = evil.received_requests().await.unwrap_or_default();
        assert!(
            got.is_empty(),
            "{sandbox:?}: resume sent {} request(s) to the check's URL; {}",
            got.len(),
            text_of(&resumed)
        );
        if tampered {
            assert_eq!(resumed.status.code(), Some(2), "{}", text_of(&resumed));
            let err = String::from_utf8_lossy(&resumed.stderr);
            assert!(
                err.contains("integrity tag does not match") && err.contains("--accept-state"),
                "{err}"
            );
            assert!(
                err.contains(&evil_url),
                "the refusal shows the saved endpoint: {err}"
            );
        }
    }
}

// Hole 2: the key from /proc/<l2mac>/environ, and a process that outlives its check.
const STEAL_AND_ESCAPE: &str = r#"import os, subprocess

def test_steal():
    found = []
    try:
        pids = os.listdir('/proc')
    except OSError:
        pids = []
    for pid in pids:
        if not pid.isdigit():
            continue
        try:
            with open('/proc/%s/environ' % pid, 'rb') as f:
                for var in f.read().split(b'\0'):
                    if var.startswith(b'OPENAI_API_KEY='):
                        found.append(var.decode())
        except Exception:
            pass
    print('FOUND', found)
    with open('stolen.txt', 'w') as f:
        f.write(repr(found))
    subprocess.Popen(['setsid', 'sh', '-c', 'sleep 3; echo alive > escaped.txt'])
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hole2_a_check_cannot_read_the_key_or_outlive_its_run() {
    for sandbox in sandboxes() {
        let server = attacker(STEAL_AND_ESCAPE).await;
        let place = Place::new();
        let out = place
            .run_cmd(sandbox, &server.base_url())
            .output()
            .expect("run");
        assert!(
            place.run().join("stolen.txt").is_file(),
            "{sandbox:?}: the check did not run; {}",
            text_of(&out)
        );
        assert_eq!(read(&place.run().join("stolen.txt")), "[]", "{sandbox:?}");
        let leaked = files_containing(place.tmp.path(), KEY);
        assert!(leaked.is_empty(), "{sandbox:?}: the key is in {leaked:?}");
        let in_requests = server
            .requests()
            .iter()
            .filter(|r| r.to_string().contains(KEY))
            .count();
        assert_eq!(in_requests, 0, "{sandbox:?}: the key went to the model");
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert!(
            !place.run().join("escaped.txt").exists(),
            "{sandbox:?}: a setsid child of the check outlived it"
        );
    }
}

// Hole 4: what is around the run (the repository, the user's files, l2mac's key) is not visible.
const SNOOP: &str = r#"def test_snoop():
    seen = {}
    for path in ['SIBLING', 'STATE_KEY']:
        try:
            with open(path) as f:
                seen[path] = f.read()
        except Exception as e:
            seen[path] = 'denied'
    with open('seen.txt', 'w') as f:
        f.write(repr(sorted(seen.values())))
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hole4_a_check_sees_nothing_around_its_run() {
    for sandbox in sandboxes() {
        let place = Place::in_repo();
        // Stands for the bench's hidden tests next to a run inside the repository.
        let sibling = place.tmp.path().join("acceptance").join("test_hidden.py");
        std::fs::create_dir_all(sibling.parent().expect("parent")).expect("mkdir");
        std::fs::write(&sibling, "HIDDEN ANSWERS").expect("write");
        let key_file = place.data().join("l2mac").join("state.key");
        let code = SNOOP
            .replace("SIBLING", &sibling.display().to_string())
            .replace("STATE_KEY", &key_file.display().to_string());
        let server = attacker(&code).await;
        let out = place
            .run_cmd(sandbox, &server.base_url())
            .output()
            .expect("run");
        assert_eq!(
            read(&place.run().join("seen.txt")),
            "['denied', 'denied']",
            "{sandbox:?}: {}",
            text_of(&out)
        );
        assert!(
            key_file.is_file(),
            "{sandbox:?}: no state key; {}",
            text_of(&out)
        );
    }
}

// Hole 5: a key echoed in an error body, and credentials in --base-url, never reach a file or
// `status`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hole5_secrets_are_in_no_file_and_not_in_status() {
    for sandbox in sandboxes() {
        let echo_key: Box<dyn Fn(&Value) -> wiremock::ResponseTemplate + Send + Sync> = Box::new(
            |_| {
                wiremock::ResponseTemplate::new(401).set_body_string(format!(
                    "{{\"error\": {{\"message\": \"Incorrect API key provided: {KEY}. Header was Authorization: Bearer {KEY}\"}}}}"
                ))
            },
        );
        let server = ScriptedServer::start(vec![echo_key]).await;
        let place = Place::new();
        let with_userinfo = server
            .base_url()
            .replace("http://", "http://alice:userinfo-pass-93kd@");
        let out = place
            .run_cmd(sandbox, &with_userinfo)
            .output()
            .expect("run");
        assert_eq!(server.served(), 1, "{}", text_of(&out));
        let status = place
            .bin(sandbox)
            .arg("status")
            .arg(place.run())
            .output()
            .expect("status");
        for secret in [KEY, "userinfo-pass-93kd"] {
            let leaked = files_containing(place.tmp.path(), secret);
            assert!(leaked.is_empty(), "{sandbox:?}: {secret} is in {leaked:?}");
            assert!(!text_of(&out).contains(secret), "{}", text_of(&out));
            assert!(!text_of(&status).contains(secret), "{}", text_of(&status));
        }
        assert!(
            text_of(&status).contains("[REDACTED]@127.0.0.1"),
            "{}",
            text_of(&status)
        );
    }
}

// Hole 3: file options in the DSE tools reach only the run folder, and a study name is a name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hole3_dse_tools_read_and_write_only_inside_the_run() {
    let place = Place::new();
    let secret = place.tmp.path().join("secret.stl");
    std::fs::write(&secret, "SECRET-FIRST-LINE 4711\n").expect("write");
    let study = "name = \"../../escaped\"\nseed = 1\nbudget = 4\nbatch = 2\n[env]\nname = \"mixed\"\n[objective]\nminimize = \"f\"\n[agent]\nname = \"random\"\n";
    let server = ScriptedServer::start(vec![
        plan(&["Describe the DRAM environment"]),
        call(
            "dse_describe_env",
            serde_json::json!({"env": format!("dram?trace={}", secret.display())}),
        ),
        call(
            "dse_describe_env",
            serde_json::json!({"env": "dram?memspec=../secret.stl"}),
        ),
        call(
            "dse_run_study",
            serde_json::json!({"spec": study, "dir": "studies/s"}),
        ),
        call(
            "dse_describe_env",
            serde_json::json!({"env": format!("proxy:{}", secret.display())}),
        ),
        complete("described"),
    ])
    .await;
    let settings = l2mac::control::RunSettings {
        domain: l2mac::control::DomainKind::Dse,
        ..python_settings()
    };
    let _ = run_task(&server, &place.run(), "describe dram", settings).await;
    let requests = server.requests();
    // The tool results the model got back: requests 3, 4, 5 and 6 end with them.
    for (i, req) in requests.iter().enumerate().skip(2).take(4) {
        let result = last_message(req).to_string();
        assert!(
            !result.contains("SECRET-FIRST-LINE"),
            "request {}: {result}",
            i + 1
        );
        assert!(result.contains("ERROR"), "request {}: {result}", i + 1);
    }
    assert!(last_message(&requests[2])
        .to_string()
        .contains("inside the run folder"));
    assert!(last_message(&requests[4])
        .to_string()
        .contains("not a plain name"));
    assert!(!place.tmp.path().join("escaped").exists());
    assert!(!place.run().join("studies/s").exists());
}
