//! The embedded local LLM: finds the model and server that `scripts/setup-local-model.sh` installed,
//! runs llama.cpp's OpenAI-compatible server (llama-cpp-python) as a child on a free loopback port,
//! and makes sure that child never outlives l2mac.
//!
//! Three things stop the server: `stop()` (SIGTERM, then SIGKILL), `Drop` (SIGKILL to the whole
//! process group, synchronously, so a Ctrl-C handler that drops the server is enough), and, when
//! l2mac itself dies without running destructors (SIGKILL, abort), a watchdog thread inside the
//! server process that exits when its stdin pipe from l2mac reaches end-of-file.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom};
use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;
use thiserror::Error;

/// The command that installs the venv and the model; every "not installed" error names it.
/// The installer is inside the binary, so the hint works without a checkout.
pub const SETUP_COMMAND: &str = "l2mac setup-local-model";
/// Qwen2.5-Coder-1.5B-Instruct Q4_K_M: the default model.
pub const MODEL_FILE: &str = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf";
/// SmolLM2-135M-Instruct Q4_1 (`setup-local-model.sh --small`): fast, but only good for plumbing.
pub const SMALL_MODEL_FILE: &str = "smollm2-135m-instruct-q4_1.gguf";
/// The chat format under which llama-cpp-python turns `tool_choice: "auto"` into `tool_calls`.
/// Not the default: its template drops `role: "tool"` messages (the model never sees a tool
/// result) and HTML-escapes all message text (docs/local-model.md).
pub const CHAT_FORMAT: &str = "chatml-function-calling";
/// The default `chat_format`: empty, meaning no `--chat_format` flag, so the server uses the chat
/// template stored in the GGUF (Qwen2.5's own: tool results shown as `<tool_response>`, nothing
/// escaped). Named `tool_choice` is grammar-constrained there; `"auto"` comes back as plain text,
/// so the client forces one dispatch tool (`single_forced_tool`).
pub const MODEL_CHAT_TEMPLATE: &str = "";
/// Default context window. Qwen2.5-Coder supports 32k; 16k keeps the KV cache near 0.5 GB and a
/// full prompt under two minutes of prompt processing on 2 cores.
pub const DEFAULT_CTX_SIZE: u32 = 16_384;

/// Runs `python -m llama_cpp.server` with the given arguments, plus a thread that kills the
/// server's process group when stdin reaches EOF, i.e. when l2mac has exited however it exited.
/// It reads fd 0 with `os.read`: a daemon thread blocked inside `sys.stdin.buffer` holds a lock
/// that makes the interpreter abort (SIGABRT) when the server exits on its own.
const LAUNCHER: &str = "\
import os, runpy, signal, sys, threading
def _watch():
    try:
        while os.read(0, 4096):
            pass
    except Exception:
        pass
    os.killpg(os.getpgid(0), signal.SIGKILL)
threading.Thread(target=_watch, daemon=True).start()
runpy.run_module('llama_cpp.server', run_name='__main__', alter_sys=True)
";

/// How many times `start` picks a new port when the one it picked was taken in the meantime.
const PORT_ATTEMPTS: usize = 3;
/// Lines of the server log quoted in an error.
const LOG_TAIL_LINES: usize = 30;

#[derive(Debug, Error)]
pub enum LocalError {
    #[error(
        "no local model at {}: install it with `{SETUP_COMMAND}` \
         (or `{SETUP_COMMAND} --small` for the 93 MB SmolLM2 used in plumbing tests; \
         scripts/setup-local-model.sh in a checkout is the same), \
         or use `--provider openai` with an endpoint",
        path.display()
    )]
    ModelMissing { path: PathBuf },
    #[error(
        "no llama.cpp server at {}: install it with `{SETUP_COMMAND}`, \
         or use `--provider openai` with an endpoint",
        python.display()
    )]
    ServerMissing { python: PathBuf },
    #[error("could not find the home directory for the l2mac cache; set L2MAC_HOME")]
    NoHome,
    #[error("could not reserve a free loopback port: {0}")]
    Port(#[source] io::Error),
    #[error("could not open the local server log {}: {source}", path.display())]
    Log {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("could not start the local server with {}: {source}", python.display())]
    Spawn {
        python: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(
        "the local server exited ({status}) before it was ready; last lines of {}:\n{tail}",
        log.display()
    )]
    Exited {
        status: String,
        log: PathBuf,
        tail: String,
    },
    #[error(
        "the local server at {url} was not ready after {} s; last lines of {}:\n{tail}",
        waited.as_secs(),
        log.display()
    )]
    NotReady {
        url: String,
        waited: Duration,
        log: PathBuf,
        tail: String,
    },
}

/// How to run the local server; `find_installed` fills it from the l2mac cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalServerOptions {
    pub model_path: PathBuf,
    /// The venv's python, which has `llama_cpp.server` installed.
    pub python: PathBuf,
    /// llama.cpp threads; see `default_threads`.
    pub threads: usize,
    /// Context window in tokens; prompt + `max_tokens` must fit (else HTTP 400
    /// `context_length_exceeded`).
    pub ctx_size: u32,
    /// `--chat_format`; `MODEL_CHAT_TEMPLATE` (empty) passes none, so the GGUF's template is used.
    pub chat_format: String,
    pub startup_timeout: Duration,
    /// Where the server's stdout and stderr go; `None`: a temporary file removed with the server.
    pub log_path: Option<PathBuf>,
}

impl LocalServerOptions {
    /// Options with the defaults `find_installed` uses, for a given model and python.
    pub fn new(model_path: PathBuf, python: PathBuf) -> Self {
        LocalServerOptions {
            model_path,
            python,
            threads: default_threads(),
            ctx_size: DEFAULT_CTX_SIZE,
            chat_format: MODEL_CHAT_TEMPLATE.to_string(),
            startup_timeout: Duration::from_secs(120),
            log_path: None,
        }
    }
}

/// Half the logical CPUs (llama.cpp wants physical cores), at least 1, at most 8. On a 2-CPU
/// machine that is 1 thread: ggml synchronises its threads hundreds of times per token, so when
/// anything else wants the CPU, 2 threads measured 10x slower per token than 1
/// (docs/local-model.md); on an idle machine 2 threads are only about 1.5x faster than 1.
pub fn default_threads() -> usize {
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    (cpus / 2).clamp(1, 8)
}

/// `$L2MAC_HOME`, or `~/.cache/l2mac` (the same rule as `setup-local-model.sh`).
pub fn l2mac_home() -> PathBuf {
    match std::env::var_os("L2MAC_HOME") {
        Some(h) if !h.is_empty() => PathBuf::from(h),
        _ => dirs::home_dir()
            .unwrap_or_else(|| PathBuf::from("."))
            .join(".cache")
            .join("l2mac"),
    }
}

/// Where `setup-local-model.sh` puts the default model.
pub fn default_model_path() -> PathBuf {
    l2mac_home().join("models").join(MODEL_FILE)
}

/// The installed server and model under `l2mac_home()`, or an error naming the setup command.
pub fn find_installed() -> Result<LocalServerOptions, LocalError> {
    find_installed_in(&l2mac_home())
}

/// `find_installed` for a given cache directory: the default model if present, else the small one;
/// `L2MAC_LOCAL_MODEL` names another GGUF file instead.
pub fn find_installed_in(home: &Path) -> Result<LocalServerOptions, LocalError> {
    let models = home.join("models");
    let model_path = match std::env::var_os("L2MAC_LOCAL_MODEL") {
        Some(m) if !m.is_empty() => PathBuf::from(m),
        _ => {
            let small = models.join(SMALL_MODEL_FILE);
            let default = models.join(MODEL_FILE);
            if !default.is_file() && small.is_file() {
                small
            } else {
                default
            }
        }
    };
    if !model_path.is_file() {
        return Err(LocalError::ModelMissing { path: model_path });
    }
    let python = home.join("venv").join("bin").join("python");
    if !python.is_file() {
        return Err(LocalError::ServerMissing { python });
    }
    Ok(LocalServerOptions::new(model_path, python))
}

/// A running local server. Dropping it kills the server's whole process group.
#[derive(Debug)]
pub struct LocalServer {
    child: Option<Child>,
    /// Held open so the server's watchdog sees EOF only when l2mac lets go of it or dies.
    stdin: Option<ChildStdin>,
    port: u16,
    model_id: String,
    log_path: PathBuf,
    _temp_log: Option<tempfile::TempPath>,
}

impl LocalServer {
    /// Starts the server on a free loopback port and waits until `GET /v1/models` answers.
    pub async fn start(opts: LocalServerOptions) -> Result<LocalServer, LocalError> {
        if !opts.model_path.is_file() {
            return Err(LocalError::ModelMissing {
                path: opts.model_path.clone(),
            });
        }
        if !opts.python.is_file() {
            return Err(LocalError::ServerMissing {
                python: opts.python.clone(),
            });
        }
        let (log_path, temp_log) = match &opts.log_path {
            Some(p) => (p.clone(), None),
            None => {
                let t = tempfile::Builder::new()
                    .prefix("l2mac-llama-server-")
                    .suffix(".log")
                    .tempfile()
                    .map_err(|source| LocalError::Log {
                        path: std::env::temp_dir(),
                        source,
                    })?
                    .into_temp_path();
                (t.to_path_buf(), Some(t))
            }
        };
        let mut temp_log = temp_log;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let port = free_port()?;
            let log_start = File::open(&log_path)
                .and_then(|f| f.metadata())
                .map(|m| m.len())
                .unwrap_or(0);
            let mut server = spawn(&opts, port, &log_path)?;
            match wait_ready(&mut server, &opts, log_start).await {
                Ok(model_id) => {
                    server.model_id = model_id;
                    server._temp_log = temp_log.take();
                    return Ok(server);
                }
                Err(LocalError::Exited { tail, .. })
                    if attempt < PORT_ATTEMPTS && tail.contains("address already in use") =>
                {
                    // Another process took the port between our probe and the server's bind.
                    continue;
                }
                Err(e) => {
                    // The error points at the log; keep it for the user to read.
                    if let Some(t) = temp_log.take() {
                        let _ = t.keep();
                    }
                    return Err(e);
                }
            }
        }
    }

    /// The OpenAI-compatible base URL, e.g. `http://127.0.0.1:40123/v1`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The model id the server reports in `/v1/models` (llama-cpp-python: the model path).
    pub fn model_id(&self) -> &str {
        &self.model_id
    }

    /// The server process id, which is also its process group id.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(|c| c.id())
    }

    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// Stops the server politely (SIGTERM to its group), and forcibly after 5 s.
    pub async fn stop(mut self) {
        if let Some(mut child) = self.child.take() {
            signal_group(&child, Signal::SIGTERM);
            let deadline = Instant::now() + Duration::from_secs(5);
            loop {
                match child.try_wait() {
                    Ok(Some(_)) | Err(_) => break,
                    Ok(None) if Instant::now() >= deadline => {
                        kill_and_reap(&mut child);
                        break;
                    }
                    Ok(None) => tokio::time::sleep(Duration::from_millis(50)).await,
                }
            }
            // The group may hold helpers that outlived the leader; they go too.
            signal_group(&child, Signal::SIGKILL);
        }
        self.stdin = None;
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            kill_and_reap(&mut child);
        }
        self.stdin = None;
    }
}

/// SIGKILL to the group, then reap the leader so no zombie is left; synchronous for `Drop`.
fn kill_and_reap(child: &mut Child) {
    signal_group(child, Signal::SIGKILL);
    let _ = child.kill();
    // SIGKILL cannot be caught, so the wait is short; bounded anyway so Drop never hangs.
    let deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < deadline {
        match child.try_wait() {
            Ok(Some(_)) | Err(_) => return,
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}

fn signal_group(child: &Child, sig: Signal) {
    if let Ok(pid) = i32::try_from(child.id()) {
        // ESRCH (already gone) is the outcome we want anyway.
        let _ = killpg(Pid::from_raw(pid), sig);
    }
}

fn free_port() -> Result<u16, LocalError> {
    let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(LocalError::Port)?;
    Ok(l.local_addr().map_err(LocalError::Port)?.port())
}

fn spawn(opts: &LocalServerOptions, port: u16, log_path: &Path) -> Result<LocalServer, LocalError> {
    let log_err = |source| LocalError::Log {
        path: log_path.to_path_buf(),
        source,
    };
    if let Some(dir) = log_path.parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir).map_err(log_err)?;
        }
    }
    let log = OpenOptions::new()
        .create(true)
        .append(true)
        .open(log_path)
        .map_err(log_err)?;
    let log2 = log.try_clone().map_err(log_err)?;
    let mut cmd = Command::new(&opts.python);
    cmd.arg("-c")
        .arg(LAUNCHER)
        .arg("--model")
        .arg(&opts.model_path)
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .args(["--n_ctx", &opts.ctx_size.to_string()])
        .args(["--n_threads", &opts.threads.to_string()]);
    if !opts.chat_format.is_empty() {
        cmd.args(["--chat_format", &opts.chat_format]);
    }
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::from(log))
        .stderr(Stdio::from(log2))
        // Its own group, so a terminal's Ctrl-C reaches l2mac first (which then stops the
        // server in order) and one killpg takes the server and anything it spawned.
        .process_group(0);
    let mut child = cmd.spawn().map_err(|source| LocalError::Spawn {
        python: opts.python.clone(),
        source,
    })?;
    let stdin = child.stdin.take();
    Ok(LocalServer {
        child: Some(child),
        stdin,
        port,
        model_id: String::new(),
        log_path: log_path.to_path_buf(),
        _temp_log: None,
    })
}

/// Polls `/v1/models` until it answers 200, the child exits, or the startup timeout passes.
/// On failure the server is dropped (and so killed) before the error is returned.
async fn wait_ready(
    server: &mut LocalServer,
    opts: &LocalServerOptions,
    log_start: u64,
) -> Result<String, LocalError> {
    let url = format!("{}/models", server.base_url());
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .no_proxy()
        .build()
        .unwrap_or_default();
    let start = Instant::now();
    loop {
        let status = server
            .child
            .as_mut()
            .and_then(|c| c.try_wait().ok().flatten());
        if let Some(status) = status {
            server.child = None;
            return Err(LocalError::Exited {
                status: describe(status),
                log: server.log_path.clone(),
                tail: log_tail(&server.log_path, log_start),
            });
        }
        if let Ok(resp) = client.get(&url).send().await {
            if resp.status().is_success() {
                let body: serde_json::Value = resp.json().await.unwrap_or_default();
                let id = body["data"][0]["id"].as_str().unwrap_or_default();
                return Ok(id.to_string());
            }
        }
        if start.elapsed() >= opts.startup_timeout {
            if let Some(mut child) = server.child.take() {
                kill_and_reap(&mut child);
            }
            return Err(LocalError::NotReady {
                url,
                waited: start.elapsed(),
                log: server.log_path.clone(),
                tail: log_tail(&server.log_path, log_start),
            });
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn describe(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit code {code}"),
        (None, Some(sig)) => format!("killed by signal {sig}"),
        _ => status.to_string(),
    }
}

/// The last lines this start wrote to the log (the log may hold earlier runs when it is kept).
fn log_tail(path: &Path, from: u64) -> String {
    let mut text = String::new();
    if let Ok(mut f) = File::open(path) {
        let len = f.metadata().map(|m| m.len()).unwrap_or(0);
        // The last 64 KiB hold far more than LOG_TAIL_LINES of any real log.
        let start = from.max(len.saturating_sub(64 * 1024));
        if f.seek(SeekFrom::Start(start)).is_ok() {
            let mut bytes = Vec::new();
            let _ = f.read_to_end(&mut bytes);
            text = String::from_utf8_lossy(&bytes).into_owned();
        }
    }
    let lines: Vec<&str> = text.lines().collect();
    let tail = lines[lines.len().saturating_sub(LOG_TAIL_LINES)..].join("\n");
    if tail.trim().is_empty() {
        "(the log is empty)".to_string()
    } else {
        tail
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_tail_keeps_only_the_last_lines_of_this_start() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("server.log");
        let earlier = "old run\n".repeat(3);
        let now: Vec<String> = (0..40).map(|i| format!("line {i}")).collect();
        std::fs::write(&path, format!("{earlier}{}\n", now.join("\n"))).expect("write log");
        let tail = log_tail(&path, earlier.len() as u64);
        assert_eq!(tail, now[10..].join("\n"));
    }

    #[test]
    fn log_tail_of_a_missing_log_says_it_is_empty() {
        let tail = log_tail(Path::new("/nonexistent/l2mac/server.log"), 0);
        assert_eq!(tail, "(the log is empty)");
    }

    #[test]
    fn find_installed_names_the_setup_command_when_nothing_is_installed() {
        let home = tempfile::tempdir().expect("tempdir");
        let err = find_installed_in(home.path()).expect_err("nothing installed");
        let expected = home.path().join("models").join(MODEL_FILE);
        assert!(matches!(&err, LocalError::ModelMissing { path } if *path == expected));
        assert!(err
            .to_string()
            .contains("install it with `l2mac setup-local-model`"));
    }

    #[test]
    fn find_installed_falls_back_to_the_small_model_and_needs_the_venv() {
        let home = tempfile::tempdir().expect("tempdir");
        let models = home.path().join("models");
        std::fs::create_dir_all(&models).expect("mkdir");
        std::fs::write(models.join(SMALL_MODEL_FILE), b"gguf").expect("write");
        let python = home.path().join("venv/bin/python");
        let err = find_installed_in(home.path()).expect_err("no venv");
        assert!(matches!(&err, LocalError::ServerMissing { python: p } if *p == python));
        std::fs::create_dir_all(python.parent().expect("parent")).expect("mkdir");
        std::fs::write(&python, b"").expect("write");
        let opts = find_installed_in(home.path()).expect("installed");
        assert_eq!(
            opts,
            LocalServerOptions::new(models.join(SMALL_MODEL_FILE), python)
        );
    }
}
