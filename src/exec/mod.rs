//! Running checks (tests, syntax checks) on the model's work in a contained subprocess.
//!
//! Each check is `sh -c <command>` in the run folder with a timeout that kills its whole process
//! tree, output capped while it is read, a scrubbed environment, and the sandbox of `sandbox.rs`
//! (bubblewrap, else Landlock) unless the user turned it off. Unlike the L2MAC reference, a timeout or a test run that
//! collected no tests is a failure, never a pass.

mod acceptance;
mod capture;
mod detect;
mod pytest;
mod report;
mod sandbox;
mod supervise;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::AsyncReadExt;
use tokio::task::JoinHandle;

pub use acceptance::{pytest_available, score_with_pytest, PytestScore};
pub use capture::{truncate_head_tail, Capture, TestEvidence};
pub use detect::{detect_checks, is_python_test_file, module_name, shell_quote};
pub use pytest::pytest_counts;
pub use report::format_outcomes;
pub use sandbox::{
    backend_for, bwrap_available, fallback_forced_by_env, landlock_available, toolchain_paths,
    Backend, FORCE_FALLBACK_VAR, MODE_BWRAP, MODE_LANDLOCK, MODE_PLAIN, MODE_PLAIN_FALLBACK,
};

/// How long to keep reading output after the check's process group is gone; a process that left
/// the group (setsid) could otherwise hold the pipe open for ever.
const DRAIN_GRACE: Duration = Duration::from_secs(2);

#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error("could not start check `{command}`: {source}")]
    Spawn {
        command: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the check folder `{path}` cannot be used: {source}")]
    Dir {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("sandbox mode is `required`, but no sandbox works on this machine: bubblewrap (bwrap) is missing or cannot create namespaces, and the kernel has no Landlock ABI 4. Install bubblewrap (`apt-get install bubblewrap`, `dnf install bubblewrap`), or run with `--sandbox auto` (warns) or `--sandbox off` (checks run unconfined)")]
    SandboxUnavailable,
    #[error("could not set up the Landlock sandbox: {0}")]
    Landlock(String),
    #[error("I/O error while running a check: {0}")]
    Io(#[from] std::io::Error),
}

/// One check: a name for people and the model, and a shell command run by `sh -c`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CheckSpec {
    pub name: String,
    pub command: String,
}

/// Whether checks run sandboxed: `Required` (the default) refuses to run them when neither
/// bubblewrap nor Landlock works here, `Auto` then runs them unconfined with a warning, `Off`
/// never confines them. Written in lower case in config files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SandboxMode {
    #[serde(alias = "Auto")]
    Auto,
    #[serde(alias = "Off")]
    Off,
    #[serde(alias = "Required")]
    #[default]
    Required,
}

impl SandboxMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Off => "off",
            Self::Required => "required",
        }
    }
}

impl std::str::FromStr for SandboxMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Ok(Self::Auto),
            "off" => Ok(Self::Off),
            "required" => Ok(Self::Required),
            _ => Err(format!(
                "unknown sandbox mode `{s}`; use auto, off or required"
            )),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ExecOptions {
    /// Wall-clock limit per check; the process group is killed when it runs out.
    pub timeout: Duration,
    /// Bytes of output kept per check (head and tail halves).
    pub output_cap: usize,
    pub sandbox: SandboxMode,
    /// A test run that reports no tests collected counts as failed.
    pub expect_tests: bool,
    /// Use the Landlock fallback even where bubblewrap works (default: `L2MAC_SANDBOX_FALLBACK=1`).
    pub force_fallback: bool,
}

impl Default for ExecOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(120),
            output_cap: 16 * 1024,
            sandbox: SandboxMode::Required,
            expect_tests: true,
            force_fallback: sandbox::fallback_forced_by_env(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CheckOutcome {
    pub name: String,
    pub command: String,
    pub passed: bool,
    /// None when the process was killed by a signal (including our timeout kill).
    pub exit_code: Option<i32>,
    pub timed_out: bool,
    /// The output says that no test ran (see `TestEvidence`).
    pub no_tests: bool,
    /// How it ran: `MODE_BWRAP`, `MODE_LANDLOCK`, `MODE_PLAIN` or `MODE_PLAIN_FALLBACK`.
    pub mode: String,
    /// stdout and stderr interleaved as they arrived, capped head + tail.
    pub output: String,
    pub duration_ms: u64,
}

impl CheckOutcome {
    /// A check l2mac does itself (a study run, a report or deliverables check): no process, so no
    /// sandbox, timeout or exit signal.
    pub fn in_process(name: &str, command: String, passed: bool, output: String) -> CheckOutcome {
        CheckOutcome {
            name: name.into(),
            command,
            passed,
            exit_code: Some(if passed { 0 } else { 1 }),
            timed_out: false,
            no_tests: false,
            mode: "in process".into(),
            output,
            duration_ms: 0,
        }
    }
}

/// Runs one check in `dir`.
pub async fn run_check(
    dir: &Path,
    spec: &CheckSpec,
    opts: &ExecOptions,
) -> Result<CheckOutcome, ExecError> {
    let mut prepared = sandbox::prepare(dir, &spec.command, opts.sandbox, opts.force_fallback)?;
    let start = Instant::now();
    let mut child = prepared
        .command
        .spawn()
        .map_err(|source| ExecError::Spawn {
            command: spec.command.clone(),
            source,
        })?;
    let mut group = GroupKiller {
        pid: child.id().and_then(|id| i32::try_from(id).ok()),
        supervised: prepared.supervised(),
    };
    // The ruleset is in the child now; our copy can go.
    prepared._ruleset = None;
    let capture = Arc::new(Mutex::new(Capture::new(opts.output_cap)));
    let mut readers: Vec<JoinHandle<()>> = Vec::new();
    if let Some(out) = child.stdout.take() {
        readers.push(tokio::spawn(pump(out, Arc::clone(&capture))));
    }
    if let Some(err) = child.stderr.take() {
        readers.push(tokio::spawn(pump(err, Arc::clone(&capture))));
    }

    let (status, timed_out) = match tokio::time::timeout(opts.timeout, child.wait()).await {
        Ok(status) => (status?, false),
        Err(_) => {
            group.kill();
            (child.wait().await?, true)
        }
    };
    // Whatever the check left running in the background (a server, a stray `sleep &`) goes too:
    // a supervisor has killed it before exiting (and its pid is free again, so it gets no
    // signal now); bubblewrap's group is killed here.
    if group.supervised {
        group.pid = None;
    }
    group.kill();
    let drain = async {
        for r in readers.iter_mut() {
            let _ = r.await;
        }
    };
    if tokio::time::timeout(DRAIN_GRACE, drain).await.is_err() {
        readers.iter().for_each(JoinHandle::abort);
    }
    let duration_ms = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);

    let (mut output, evidence) = match capture.lock() {
        Ok(cap) => (cap.finish(), cap.evidence()),
        Err(poisoned) => {
            let cap = poisoned.into_inner();
            (cap.finish(), cap.evidence())
        }
    };
    let exit_code = status.code();
    if let (None, false) = (exit_code, timed_out) {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            output.push_str(&format!("\n[process killed by signal {sig}]\n"));
        }
    }
    let is_pytest = spec.command.contains("pytest");
    // pytest exits 5 exactly when it collected nothing.
    let no_tests = evidence.no_tests() || (is_pytest && exit_code == Some(5));
    let clean_exit =
        exit_code == Some(0) || (is_pytest && exit_code == Some(5) && !opts.expect_tests);
    let passed = !timed_out && clean_exit && !(opts.expect_tests && no_tests);
    Ok(CheckOutcome {
        name: spec.name.clone(),
        command: spec.command.clone(),
        passed,
        exit_code,
        timed_out,
        no_tests,
        mode: prepared.backend.label().to_string(),
        output,
        duration_ms,
    })
}

/// Runs checks one after another (they often share caches and files, and the machine is small);
/// a check that fails does not stop the rest.
pub async fn run_checks(
    dir: &Path,
    specs: &[CheckSpec],
    opts: &ExecOptions,
) -> Result<Vec<CheckOutcome>, ExecError> {
    let mut outcomes = Vec::with_capacity(specs.len());
    for spec in specs {
        outcomes.push(run_check(dir, spec, opts).await?);
    }
    Ok(outcomes)
}

async fn pump(mut stream: impl tokio::io::AsyncRead + Unpin, capture: Arc<Mutex<Capture>>) {
    let mut buf = vec![0u8; 8192];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => match capture.lock() {
                Ok(mut cap) => cap.push(&buf[..n]),
                Err(poisoned) => poisoned.into_inner().push(&buf[..n]),
            },
        }
    }
}

/// Stops the check once: explicitly on timeout and after the check exits, or on drop when the
/// caller abandons `run_check` midway (Ctrl-C), so no check outlives its run.
struct GroupKiller {
    pid: Option<i32>,
    /// The child is a supervisor (`supervise`): SIGTERM makes it kill the check's whole tree,
    /// while SIGKILL would leave that tree behind.
    supervised: bool,
}

impl GroupKiller {
    /// SIGTERM to a supervisor, else SIGKILL to the group (bubblewrap's, whose PID namespace dies
    /// with it). The kernel keeps a group id reserved while any member lives, so this reaches
    /// only the check's processes; "no such process" just means all are gone. Only the first
    /// call sends anything.
    fn kill(&mut self) {
        use nix::sys::signal::{kill, killpg, Signal};
        use nix::unistd::Pid;
        if let Some(pid) = self.pid.take() {
            if self.supervised {
                let _ = kill(Pid::from_raw(pid), Signal::SIGTERM);
            } else {
                let _ = killpg(Pid::from_raw(pid), Signal::SIGKILL);
            }
        }
    }
}

impl Drop for GroupKiller {
    fn drop(&mut self) {
        self.kill();
    }
}
