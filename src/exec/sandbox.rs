//! How a check process is started: scrubbed environment, and the strongest confinement this
//! machine offers.
//!
//! Checks run code the model wrote. Where bubblewrap works they get namespaces: no network, their
//! own PID namespace (so a timeout kills every process they made), only the toolchain read-only,
//! the run folder the one writable place with its `.l2mac/` hidden, and a private /tmp. Where it
//! does not, the Landlock fallback gives the same file and TCP limits to the process itself (and
//! no /proc, so no check reads `/proc/<l2mac>/environ`), and a supervisor (`supervise`) kills the
//! whole tree. `off` is a plain process, still
//! with a clean environment and the tree killed.

use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;

use tokio::process::Command;

use super::{ExecError, SandboxMode};
use crate::store::CONTROL_DIR;

pub const MODE_BWRAP: &str = "bubblewrap (no network, own PID namespace, run folder only)";
pub const MODE_LANDLOCK: &str = "landlock (no TCP, run folder only; bubblewrap unavailable)";
pub const MODE_PLAIN: &str = "plain process (sandbox off)";
pub const MODE_PLAIN_FALLBACK: &str =
    "plain process (no sandbox works here: the check can read your files and use the network)";

/// Set to 1 to use the Landlock fallback even where bubblewrap works (tests, and machines where
/// bubblewrap misbehaves).
pub const FORCE_FALLBACK_VAR: &str = "L2MAC_SANDBOX_FALLBACK";

/// Lowest Landlock ABI the fallback accepts: 4 is the first that also restricts TCP.
const MIN_LANDLOCK_ABI: i64 = 4;

/// True when `bwrap` is on PATH and can actually create the namespaces we use here (containers
/// often ship the binary but forbid user or network namespaces). Probed once per process.
pub fn bwrap_available() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        let Some(bwrap) = find_on_path("bwrap") else {
            return false;
        };
        let mut probe = std::process::Command::new(bwrap);
        probe
            .args(["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"])
            .args(["--tmpfs", "/tmp", "--unshare-net", "--unshare-pid"])
            .args([
                "--unshare-ipc",
                "--die-with-parent",
                "--new-session",
                "true",
            ])
            .env_clear()
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        probe.status().is_ok_and(|s| s.success())
    })
}

/// The Landlock ABI version of the running kernel, 0 when it has none.
pub fn landlock_abi() -> i64 {
    // landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION)
    let v = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<u8>(),
            0usize,
            1u32,
        )
    };
    v.max(0)
}

/// True when the Landlock fallback holds here (a kernel with Landlock ABI 4 or later).
pub fn landlock_available() -> bool {
    landlock_abi() >= MIN_LANDLOCK_ABI
}

/// True when `L2MAC_SANDBOX_FALLBACK=1` asks for the Landlock fallback.
pub fn fallback_forced_by_env() -> bool {
    std::env::var(FORCE_FALLBACK_VAR).is_ok_and(|v| v == "1")
}

/// The confinement a check gets in `mode` on this machine (skipping bubblewrap when `forced`),
/// or the refusal of `required`.
pub fn backend_for(mode: SandboxMode, forced: bool) -> Result<Backend, ExecError> {
    match mode {
        SandboxMode::Off => Ok(Backend::Plain),
        _ if !forced && bwrap_available() => Ok(Backend::Bwrap),
        _ if landlock_available() => Ok(Backend::Landlock),
        SandboxMode::Auto => {
            warn_unsandboxed_once();
            Ok(Backend::PlainFallback)
        }
        SandboxMode::Required => Err(ExecError::SandboxUnavailable),
    }
}

/// How a check is confined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Bwrap,
    Landlock,
    /// `--sandbox off`.
    Plain,
    /// `--sandbox auto` on a machine where nothing works.
    PlainFallback,
}

impl Backend {
    pub fn label(self) -> &'static str {
        match self {
            Backend::Bwrap => MODE_BWRAP,
            Backend::Landlock => MODE_LANDLOCK,
            Backend::Plain => MODE_PLAIN,
            Backend::PlainFallback => MODE_PLAIN_FALLBACK,
        }
    }
}

fn warn_unsandboxed_once() {
    static WARNED: OnceLock<()> = OnceLock::new();
    WARNED.get_or_init(|| {
        use std::io::IsTerminal;
        let text =
            "warning: no sandbox works on this machine (bubblewrap cannot create namespaces \
                    and the kernel has no Landlock ABI 4), so checks run as plain processes that \
                    can read your files and use the network; install bubblewrap \
                    (`apt-get install bubblewrap`) or use `--sandbox required` to refuse";
        if std::io::stderr().is_terminal() {
            eprintln!("\x1b[1;31m{text}\x1b[0m");
        } else {
            eprintln!("{text}");
        }
    });
}

fn find_on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// Variables a check gets besides HOME/TMPDIR. Everything else, including anything holding a key
/// or token, is dropped by `env_clear`.
fn base_env() -> Vec<(String, String)> {
    let path = std::env::var("PATH").unwrap_or_else(|_| "/usr/local/bin:/usr/bin:/bin".to_string());
    let mut env = vec![
        ("PATH".to_string(), path),
        ("LANG".to_string(), "C.UTF-8".to_string()),
        ("PYTHONDONTWRITEBYTECODE".to_string(), "1".to_string()),
        ("TERM".to_string(), "dumb".to_string()),
    ];
    // rustup's `cargo` proxy finds its toolchains through these (default: under HOME), and HOME
    // is replaced below, so pin them to where they really are.
    for (var, value) in [("RUSTUP_HOME", rustup_home()), ("CARGO_HOME", cargo_home())] {
        if let Some(v) = value.and_then(|v| v.to_str().map(str::to_string)) {
            env.push((var.to_string(), v));
        }
    }
    env
}

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME").map(PathBuf::from)
}

fn rustup_home() -> Option<PathBuf> {
    std::env::var_os("RUSTUP_HOME")
        .map(PathBuf::from)
        .or_else(|| home().map(|h| h.join(".rustup")))
        .filter(|p| p.is_dir())
}

fn cargo_home() -> Option<PathBuf> {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| home().map(|h| h.join(".cargo")))
        .filter(|p| p.is_dir())
}

/// What a check may read besides the run folder: the system and the toolchains, never the home
/// folder as a whole (keys, config, other runs) nor the folder around the run.
pub fn toolchain_paths(run_dir: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = [
        "/usr",
        "/bin",
        "/sbin",
        "/lib",
        "/lib32",
        "/lib64",
        "/libx32",
        "/etc",
        "/opt",
        "/nix/store",
    ]
    .iter()
    .map(PathBuf::from)
    .collect();
    paths.extend(rustup_home());
    if let Some(cargo) = cargo_home() {
        // Not all of CARGO_HOME: credentials.toml holds registry tokens.
        paths.extend(["bin", "registry", "git"].map(|d| cargo.join(d)));
    }
    let pyenv = std::env::var_os("PYENV_ROOT")
        .map(PathBuf::from)
        .or_else(|| home().map(|h| h.join(".pyenv")));
    paths.extend(pyenv);
    if let Some(path) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&path));
    }
    if let Some(extra) = std::env::var_os("L2MAC_SANDBOX_READ") {
        paths.extend(std::env::split_paths(&extra));
    }
    let home = home().and_then(|h| h.canonicalize().ok());
    let mut kept: Vec<PathBuf> = Vec::new();
    for p in paths {
        // A PATH entry such as `.`, `/`, the home folder or one holding the run would open it all.
        let Ok(real) = p.canonicalize() else { continue };
        if !p.is_absolute()
            || real == Path::new("/")
            || home.as_ref().is_some_and(|h| h.starts_with(&real))
            || run_dir.starts_with(&real)
            || real.starts_with(run_dir)
        {
            continue;
        }
        if !kept.contains(&p) {
            kept.push(p);
        }
    }
    kept
}

/// A command ready to spawn, with what must live as long as the process.
pub struct Prepared {
    pub command: Command,
    pub backend: Backend,
    /// The throwaway HOME of a process outside bubblewrap; removed when dropped.
    pub _home: Option<tempfile::TempDir>,
    /// The Landlock ruleset, applied in the child; closed after the spawn.
    pub _ruleset: Option<OwnedFd>,
}

impl Prepared {
    /// Whether the spawned process is a supervisor (see `supervise`), which must be asked to stop
    /// with SIGTERM so that it can take the check's tree down, rather than killed.
    pub fn supervised(&self) -> bool {
        self.backend != Backend::Bwrap
    }
}

/// Builds `sh -c <script>` in `dir`, confined as `mode` asks and this machine allows.
pub fn prepare(
    dir: &Path,
    script: &str,
    mode: SandboxMode,
    force_fallback: bool,
) -> Result<Prepared, ExecError> {
    let backend = backend_for(mode, force_fallback)?;
    let dir = dir.canonicalize().map_err(|source| ExecError::Dir {
        path: dir.display().to_string(),
        source,
    })?;
    let (mut command, home, ruleset) = if backend == Backend::Bwrap {
        (bwrap_command(&dir, script), None, None)
    } else {
        let home = tempfile::Builder::new()
            .prefix("l2mac-check-home-")
            .tempdir()?;
        let ruleset = if backend == Backend::Landlock {
            Some(landlock_ruleset(&dir, home.path())?)
        } else {
            None
        };
        let mut c = Command::new("sh");
        c.args(["-c", script]);
        let raw = ruleset.as_ref().map(AsRawFd::as_raw_fd);
        // SAFETY: the hook runs between fork and exec and only makes async-signal-safe calls.
        unsafe {
            c.pre_exec(move || super::supervise::fork_supervisor(raw));
        }
        (c, Some(home), ruleset)
    };
    command.env_clear();
    for (k, v) in base_env() {
        command.env(k, v);
    }
    // HOME is a throwaway folder, so tools that cache under it leave nothing in the run folder
    // and read nothing of the user's; inside bubblewrap /tmp is already a private tmpfs.
    let scratch = home
        .as_ref()
        .map_or_else(|| PathBuf::from("/tmp"), |h| h.path().to_path_buf());
    command.env("HOME", &scratch).env("TMPDIR", &scratch);
    command
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Own process group, so a timeout can kill the check and everything it started.
        .process_group(0)
        // A supervisor must get SIGTERM, not SIGKILL, to clean up (see `run_check`).
        .kill_on_drop(backend == Backend::Bwrap);
    Ok(Prepared {
        command,
        backend,
        _home: home,
        _ruleset: ruleset,
    })
}

fn bwrap_command(dir: &Path, script: &str) -> Command {
    let mut c = Command::new("bwrap");
    for p in toolchain_paths(dir) {
        match std::fs::read_link(&p) {
            // Merged /usr: /bin -> usr/bin stays a link, or binding it would copy the target.
            Ok(target) if p.parent() == Some(Path::new("/")) => {
                c.arg("--symlink").arg(target).arg(&p);
            }
            _ => {
                c.arg("--ro-bind-try").arg(&p).arg(&p);
            }
        }
    }
    c.args(["--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"])
        .arg("--bind")
        .arg(dir)
        .arg(dir);
    let control = dir.join(CONTROL_DIR);
    if control.is_dir() {
        // The run's own state (settings, transcript) is out of sight of the code it checks.
        c.arg("--tmpfs")
            .arg(&control)
            .arg("--remount-ro")
            .arg(&control);
    }
    c.arg("--chdir")
        .arg(dir)
        // A new PID namespace means killing its init takes every process in it down, even
        // ones that left our process group with setsid.
        .args([
            "--unshare-net",
            "--unshare-pid",
            "--unshare-ipc",
            "--unshare-uts",
        ])
        .args(["--die-with-parent", "--new-session"])
        .args(["sh", "-c", script]);
    c
}

/// The Landlock rules of the fallback: read (and run) the toolchain, read and write `dir` and the
/// scratch HOME, no TCP at all, no signals or abstract sockets out of the sandbox.
fn landlock_ruleset(dir: &Path, scratch: &Path) -> Result<OwnedFd, ExecError> {
    use landlock::{
        path_beneath_rules, Access, AccessFs, AccessNet, Ruleset, RulesetAttr, RulesetCreatedAttr,
        Scope, ABI,
    };
    let abi = ABI::V6;
    let fail = |e: landlock::RulesetError| ExecError::Landlock(e.to_string());
    // Not /proc: Landlock's ptrace rule does not stop a read of /proc/<l2mac>/environ (tried on
    // Linux 6.18), while a /proc outside the rules does.
    let read: Vec<PathBuf> = toolchain_paths(dir);
    let devices = [PathBuf::from("/dev")];
    let created = Ruleset::default()
        .handle_access(AccessFs::from_all(abi))
        .map_err(fail)?
        .handle_access(AccessNet::from_all(abi))
        .map_err(fail)?
        .scope(Scope::from_all(abi))
        .map_err(fail)?
        .create()
        .map_err(fail)?
        .add_rules(path_beneath_rules(&read, AccessFs::from_read(abi)))
        .map_err(fail)?
        .add_rules(path_beneath_rules(
            &devices,
            AccessFs::from_read(abi) | AccessFs::WriteFile | AccessFs::IoctlDev,
        ))
        .map_err(fail)?
        .add_rules(path_beneath_rules([dir, scratch], AccessFs::from_all(abi)))
        .map_err(fail)?;
    let fd: Option<OwnedFd> = created.into();
    fd.ok_or_else(|| ExecError::Landlock("this kernel has no Landlock".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_env_holds_no_secrets_and_fixed_locale() {
        let env = base_env();
        let names: Vec<&str> = env.iter().map(|(k, _)| k.as_str()).collect();
        for name in &names {
            assert!(
                [
                    "PATH",
                    "LANG",
                    "PYTHONDONTWRITEBYTECODE",
                    "TERM",
                    "RUSTUP_HOME",
                    "CARGO_HOME"
                ]
                .contains(name),
                "unexpected variable {name}"
            );
        }
        assert!(env.contains(&("LANG".to_string(), "C.UTF-8".to_string())));
    }

    #[test]
    fn required_without_bwrap_is_an_error_and_off_is_plain() {
        let dir = tempfile::tempdir().unwrap();
        let off = prepare(dir.path(), "true", SandboxMode::Off, false).unwrap();
        assert_eq!(off.backend, Backend::Plain);
        let works = bwrap_available() || landlock_available();
        match prepare(dir.path(), "true", SandboxMode::Required, false) {
            Ok(p) => assert!(works && p.backend != Backend::Plain),
            Err(e) => assert!(!works && matches!(e, ExecError::SandboxUnavailable)),
        }
    }
}
