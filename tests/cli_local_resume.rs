//! A local-provider run killed with SIGKILL and resumed with no flags: `resume` must start the
//! embedded server again as the run did (same threads, the run's profile) and send its requests
//! to the new server, not to the dead port saved in run.json. The server is a fake
//! `llama_cpp.server` (a small Python HTTP server) started through the real launcher.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Answers `/v1/models`, logs every start and chat request to `$FAKE_LOG`, answers the first
/// chat request ever (the planner's) with a one-step plan and leaves every later one hanging,
/// so the test can kill l2mac mid-step.
const FAKE_SERVER: &str = r#"
import argparse, http.server, json, os, sys, time
p = argparse.ArgumentParser()
p.add_argument("--model"); p.add_argument("--host"); p.add_argument("--port", type=int)
p.add_argument("--n_ctx"); p.add_argument("--n_threads"); p.add_argument("--chat_format")
a, _ = p.parse_known_args()
LOG = os.environ["FAKE_LOG"]
def log(line):
    with open(LOG, "a") as f:
        f.write(line + "\n")
log(f"start port={a.port} n_threads={a.n_threads}")
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"object": "list", "data": [{"id": "fake-qwen", "object": "model"}]}).encode()
        self.send_response(200); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0)); self.rfile.read(n)
        count_file = LOG + ".count"
        count = int(open(count_file).read()) if os.path.exists(count_file) else 0
        open(count_file, "w").write(str(count + 1))
        log(f"chat port={a.port}")
        if count > 0:
            time.sleep(3600)
        call = {"id": "c1", "type": "function", "function": {"name": "plan",
                "arguments": json.dumps({"steps": ["Write a.txt with the word alpha"]})}}
        body = json.dumps({"choices": [{"index": 0, "finish_reason": "tool_calls",
                "message": {"role": "assistant", "content": None, "tool_calls": [call]}}],
                "usage": {"prompt_tokens": 10, "completion_tokens": 5}}).encode()
        self.send_response(200); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer((a.host, a.port), H).serve_forever()
"#;

/// An L2MAC_HOME with a model file and a venv whose python runs the fake server.
fn fake_home(root: &Path) -> PathBuf {
    let home = root.join("home");
    let pkg = home.join("lib/llama_cpp/server");
    std::fs::create_dir_all(&pkg).expect("mkdir");
    std::fs::write(home.join("lib/llama_cpp/__init__.py"), "").expect("write");
    std::fs::write(pkg.join("__init__.py"), "").expect("write");
    std::fs::write(pkg.join("__main__.py"), FAKE_SERVER).expect("write");
    std::fs::create_dir_all(home.join("models")).expect("mkdir");
    std::fs::write(
        home.join("models").join(l2mac::llm::local::MODEL_FILE),
        "gguf",
    )
    .expect("write");
    let python = home.join("venv/bin/python");
    std::fs::create_dir_all(python.parent().expect("parent")).expect("mkdir");
    let script = format!(
        "#!/bin/sh\nPYTHONPATH='{}' exec python3 \"$@\"\n",
        home.join("lib").display()
    );
    std::fs::write(&python, script).expect("write");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&python, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    home
}

fn l2mac(home: &Path, log: &Path, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_l2mac"))
        .args(args)
        .env_remove("OPENAI_BASE_URL")
        .env_remove("L2MAC_MODEL")
        .env_remove("OPENAI_API_KEY")
        .env_remove("L2MAC_LOCAL_MODEL")
        .env("L2MAC_HOME", home)
        .env("FAKE_LOG", log)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn l2mac")
}

fn log_lines(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Waits until the log has `n` chat lines, then kills l2mac with SIGKILL.
fn kill_after_chats(child: &mut Child, log: &Path, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while log_lines(log)
        .iter()
        .filter(|l| l.starts_with("chat"))
        .count()
        < n
    {
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "l2mac exited ({status}) before chat request {n}; log: {:?}",
                log_lines(log)
            );
        }
        assert!(
            Instant::now() < deadline,
            "no chat request {n}: {:?}",
            log_lines(log)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    child.kill().expect("kill");
    child.wait().expect("wait");
}

fn port_of(line: &str) -> String {
    line.split_whitespace()
        .find_map(|w| w.strip_prefix("port="))
        .unwrap_or_default()
        .to_string()
}

#[test]
fn a_killed_local_run_resumes_with_no_flags_on_a_new_server_started_as_before() {
    let root = tempfile::tempdir().expect("tmp");
    let home = fake_home(root.path());
    let log = root.path().join("server.log");
    let run = root.path().join("run");
    let run_s = run.display().to_string();

    let mut first = l2mac(
        &home,
        &log,
        &[
            "run",
            "--provider",
            "local",
            "--threads",
            "3",
            "--out",
            &run_s,
            "Write a.txt",
        ],
    );
    // The plan is answered; the first step's request hangs.
    kill_after_chats(&mut first, &log, 2);
    let state: Value = serde_json::from_str(
        &std::fs::read_to_string(run.join(".l2mac/run.json")).expect("run.json"),
    )
    .expect("json");
    assert_eq!(state["provider"], "local");
    assert_eq!(state["local_threads"], 3);
    assert_eq!(state["settings"]["profile"]["family"], "small");
    assert_eq!(state["plan"][0]["kind"]["deliverables"][0], "a.txt");

    let mut resumed = l2mac(&home, &log, &["resume", &run_s]);
    kill_after_chats(&mut resumed, &log, 3);

    let lines = log_lines(&log);
    let starts: Vec<&String> = lines.iter().filter(|l| l.starts_with("start")).collect();
    assert_eq!(starts.len(), 2, "{lines:?}");
    assert!(
        starts.iter().all(|l| l.ends_with("n_threads=3")),
        "{lines:?}"
    );
    let chats: Vec<&String> = lines.iter().filter(|l| l.starts_with("chat")).collect();
    // The resumed request went to the second server, the one resume started.
    assert_eq!(port_of(chats[2]), port_of(starts[1]), "{lines:?}");
    let state: Value = serde_json::from_str(
        &std::fs::read_to_string(run.join(".l2mac/run.json")).expect("run.json"),
    )
    .expect("json");
    assert_eq!(
        state["base_url"],
        format!("http://127.0.0.1:{}/v1", port_of(starts[1]))
    );
}
