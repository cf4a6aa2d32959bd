//! The local server's life cycle, driven through the real `LocalServer::start` code path with a fake
//! `llama_cpp.server` module (a tiny Python http.server) and a fake venv python that finds it.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use l2mac::llm::local::{LocalError, LocalServer, LocalServerOptions};
use nix::sys::signal::kill;
use nix::unistd::Pid;

/// A fake `llama_cpp.server`: answers `/v1/models` like llama-cpp-python, with the model path as
/// the id. `FAKE_MODE` in the model file's name selects a failure: `crash` exits at once with a
/// message, `hang` never binds the port.
const FAKE_SERVER: &str = r#"
import argparse, http.server, json, os, sys, time
p = argparse.ArgumentParser()
p.add_argument("--model"); p.add_argument("--host"); p.add_argument("--port", type=int)
p.add_argument("--n_ctx"); p.add_argument("--n_threads"); p.add_argument("--chat_format")
a = p.parse_args()
print("fake server args:", " ".join(sys.argv[1:]), flush=True)
print("fake server pid:", os.getpid(), flush=True)
if "crash" in a.model:
    print("error: failed to load model from " + a.model, file=sys.stderr, flush=True)
    sys.exit(3)
if "hang" in a.model:
    time.sleep(3600)
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path != "/v1/models":
            self.send_response(404); self.end_headers(); return
        body = json.dumps({"object": "list", "data": [{"id": a.model, "object": "model", "owned_by": "me"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.HTTPServer((a.host, a.port), H).serve_forever()
"#;

struct Fake {
    dir: tempfile::TempDir,
    python: PathBuf,
}

impl Fake {
    fn new() -> Fake {
        let dir = tempfile::tempdir().expect("tempdir");
        let pkg = dir.path().join("lib/llama_cpp/server");
        std::fs::create_dir_all(&pkg).expect("mkdir");
        std::fs::write(dir.path().join("lib/llama_cpp/__init__.py"), "").expect("write");
        std::fs::write(pkg.join("__init__.py"), "").expect("write");
        std::fs::write(pkg.join("__main__.py"), FAKE_SERVER).expect("write");
        let python = dir.path().join("venv/bin/python");
        std::fs::create_dir_all(python.parent().expect("parent")).expect("mkdir");
        let script = format!(
            "#!/bin/sh\nPYTHONPATH='{}' exec python3 \"$@\"\n",
            dir.path().join("lib").display()
        );
        std::fs::write(&python, script).expect("write");
        make_executable(&python);
        Fake { dir, python }
    }

    fn options(&self, model_name: &str) -> LocalServerOptions {
        let model = self.dir.path().join(model_name);
        std::fs::write(&model, b"GGUF").expect("write model");
        let mut opts = LocalServerOptions::new(model, self.python.clone());
        opts.startup_timeout = Duration::from_secs(30);
        opts.log_path = Some(self.dir.path().join("logs/server.log"));
        opts
    }
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mut perm = std::fs::metadata(path).expect("stat").permissions();
    perm.set_mode(0o755);
    std::fs::set_permissions(path, perm).expect("chmod");
}

fn alive(pid: u32) -> bool {
    kill(Pid::from_raw(pid as i32), None).is_ok()
}

/// The process is reaped by the time stop/drop returns, so no polling is needed here; the short
/// grace only covers the kernel finishing the exit of a process that another thread reaped.
fn assert_gone(pid: u32) {
    let deadline = Instant::now() + Duration::from_secs(2);
    while alive(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!alive(pid), "server process {pid} still exists");
}

async fn get_models(base_url: &str) -> reqwest::Result<serde_json::Value> {
    reqwest::Client::builder()
        .no_proxy()
        .build()?
        .get(format!("{base_url}/models"))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await
}

#[tokio::test]
async fn start_waits_until_ready_and_drop_kills_the_server() {
    let fake = Fake::new();
    let mut opts = fake.options("model.gguf");
    opts.chat_format = l2mac::llm::local::CHAT_FORMAT.to_string();
    let server = LocalServer::start(opts.clone()).await.expect("start");
    let url = server.base_url();
    assert_eq!(url, format!("http://127.0.0.1:{}/v1", server.port()));
    assert_eq!(server.model_id(), opts.model_path.to_str().expect("utf8"));
    let models = get_models(&url).await.expect("server answers");
    assert_eq!(models["data"][0]["id"], server.model_id());
    let log = std::fs::read_to_string(fake.dir.path().join("logs/server.log")).expect("log");
    let expected_args = format!(
        "fake server args: --model {} --host 127.0.0.1 --port {} --n_ctx {} --n_threads {} --chat_format chatml-function-calling",
        opts.model_path.display(),
        server.port(),
        opts.ctx_size,
        opts.threads
    );
    assert!(log.contains(&expected_args), "log was: {log}");

    let pid = server.pid().expect("pid");
    assert!(alive(pid));
    drop(server);
    assert_gone(pid);
    assert!(
        get_models(&url).await.is_err(),
        "port still answers after drop"
    );
}

#[tokio::test]
async fn by_default_the_chat_format_flag_is_left_out() {
    let fake = Fake::new();
    let opts = fake.options("model.gguf");
    let server = LocalServer::start(opts.clone()).await.expect("start");
    let log = std::fs::read_to_string(fake.dir.path().join("logs/server.log")).expect("log");
    let expected_args = format!(
        "fake server args: --model {} --host 127.0.0.1 --port {} --n_ctx {} --n_threads {}\n",
        opts.model_path.display(),
        server.port(),
        opts.ctx_size,
        opts.threads
    );
    assert!(log.contains(&expected_args), "log was: {log}");
    let url = server.base_url();
    let pid = server.pid().expect("pid");
    drop(server);
    assert_gone(pid);
    assert!(
        get_models(&url).await.is_err(),
        "port still answers after drop"
    );
}

#[tokio::test]
async fn stop_ends_the_server() {
    let fake = Fake::new();
    let server = LocalServer::start(fake.options("model.gguf"))
        .await
        .expect("start");
    let pid = server.pid().expect("pid");
    let url = server.base_url();
    server.stop().await;
    assert_gone(pid);
    assert!(
        get_models(&url).await.is_err(),
        "port still answers after stop"
    );
}

#[tokio::test]
async fn two_servers_get_different_ports() {
    let fake = Fake::new();
    let a = LocalServer::start(fake.options("a.gguf"))
        .await
        .expect("start a");
    let b = LocalServer::start(fake.options("b.gguf"))
        .await
        .expect("start b");
    assert_ne!(a.port(), b.port());
    assert_eq!(
        get_models(&b.base_url()).await.expect("b")["data"][0]["id"],
        b.model_id()
    );
}

#[tokio::test]
async fn a_server_that_exits_early_reports_its_log() {
    let fake = Fake::new();
    let opts = fake.options("crash.gguf");
    let err = LocalServer::start(opts.clone())
        .await
        .expect_err("must fail");
    match &err {
        LocalError::Exited { status, tail, .. } => {
            assert_eq!(status, "exit code 3");
            let want = format!(
                "error: failed to load model from {}",
                opts.model_path.display()
            );
            assert_eq!(tail.lines().last(), Some(want.as_str()));
        }
        other => panic!("expected Exited, got {other:?}"),
    }
    assert!(err
        .to_string()
        .contains("exited (exit code 3) before it was ready"));
}

#[tokio::test]
async fn a_server_that_never_answers_times_out_and_is_killed() {
    let fake = Fake::new();
    let mut opts = fake.options("hang.gguf");
    // Long enough for Python to start and log its pid on a loaded machine (0.5 s was not).
    opts.startup_timeout = Duration::from_secs(3);
    let err = LocalServer::start(opts).await.expect_err("must time out");
    assert!(matches!(err, LocalError::NotReady { .. }), "{err:?}");
    let log = std::fs::read_to_string(fake.dir.path().join("logs/server.log")).expect("log");
    // The hung server is killed before the error comes back.
    assert_gone(logged_pid(&log));
}

fn logged_pid(log: &str) -> u32 {
    log.lines()
        .find_map(|l| l.strip_prefix("fake server pid: "))
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| panic!("no pid in log: {log}"))
}

/// When l2mac dies without running destructors (SIGKILL), the server's stdin watchdog ends it.
/// This test runs itself as the child: with `L2MAC_TEST_PARENT_ROLE` set, it starts a server,
/// prints its pid and waits to be killed.
#[tokio::test]
async fn the_server_dies_when_l2mac_is_killed() {
    if let Some(dir) = std::env::var_os("L2MAC_TEST_PARENT_ROLE") {
        let fake = Fake::new();
        let mut opts = fake.options("model.gguf");
        opts.log_path = Some(PathBuf::from(dir).join("server.log"));
        let server = LocalServer::start(opts).await.expect("start");
        println!("SERVER PID {}", server.pid().expect("pid"));
        std::mem::forget(server);
        std::mem::forget(fake);
        tokio::time::sleep(Duration::from_secs(600)).await;
        return;
    }
    use std::io::BufRead;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut parent = std::process::Command::new(std::env::current_exe().expect("exe"))
        .args([
            "--exact",
            "the_server_dies_when_l2mac_is_killed",
            "--nocapture",
        ])
        .env("L2MAC_TEST_PARENT_ROLE", dir.path())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn parent");
    let stdout = parent.stdout.take().expect("stdout");
    let pid: u32 = std::io::BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|l| {
            l.strip_prefix("SERVER PID ")
                .and_then(|p| p.trim().parse().ok())
        })
        .expect("the parent printed the server pid");
    assert!(alive(pid));
    parent.kill().expect("kill parent");
    parent.wait().expect("reap parent");
    assert_gone(pid);
}

#[tokio::test]
async fn missing_model_and_missing_python_name_the_setup_command() {
    let fake = Fake::new();
    let mut opts = fake.options("model.gguf");
    opts.model_path = fake.dir.path().join("absent.gguf");
    let err = LocalServer::start(opts.clone())
        .await
        .expect_err("no model");
    assert_eq!(
        err.to_string(),
        format!(
            "no local model at {}: install it with `l2mac setup-local-model` \
             (or `l2mac setup-local-model --small` for the 93 MB SmolLM2 used in plumbing tests; \
             scripts/setup-local-model.sh in a checkout is the same), \
             or use `--provider openai` with an endpoint",
            opts.model_path.display()
        )
    );
    let mut opts = fake.options("model.gguf");
    opts.python = fake.dir.path().join("novenv/bin/python");
    let err = LocalServer::start(opts.clone())
        .await
        .expect_err("no python");
    assert!(matches!(&err, LocalError::ServerMissing { python } if *python == opts.python));
    assert!(err
        .to_string()
        .contains("install it with `l2mac setup-local-model`"));
}
