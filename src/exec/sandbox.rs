//! How a check process is started: scrubbed environment, own process group, and bubblewrap
//! (read-only system, writable run folder, private /tmp, no network) where it works.
//!
//! Checks run code the model wrote, so they must not see the user's API keys, must not reach the
//! network when we can prevent it, and must be killable as a whole group on timeout.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;

use tokio::process::Command;

use super::{ExecError, SandboxMode};

pub const MODE_BWRAP: &str = "bubblewrap (no network)";
pub const MODE_PLAIN: &str = "plain process";
pub const MODE_PLAIN_FALLBACK: &str = "plain process (bubblewrap unavailable, network not blocked)";

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
            .args([
                "--ro-bind",
                "/",
                "/",
                "--dev",
                "/dev",
                "--proc",
                "/proc",
                "--tmpfs",
                "/tmp",
            ])
            .args([
                "--unshare-net",
                "--unshare-pid",
                "--unshare-ipc",
                "--die-with-parent",
                "true",
            ])
            .env_clear()
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        probe.status().is_ok_and(|s| s.success())
    })
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
    let home = std::env::var_os("HOME").map(PathBuf::from);
    for (var, default_sub) in [("RUSTUP_HOME", ".rustup"), ("CARGO_HOME", ".cargo")] {
        let value = std::env::var_os(var).map(PathBuf::from).or_else(|| {
            home.as_ref()
                .map(|h| h.join(default_sub))
                .filter(|p| p.is_dir())
        });
        if let Some(v) = value.and_then(|v| v.to_str().map(str::to_string)) {
            env.push((var.to_string(), v));
        }
    }
    env
}

/// A command ready to spawn, with what must live as long as the process.
pub struct Prepared {
    pub command: Command,
    pub mode: &'static str,
    /// The throwaway HOME of a plain process; removed when dropped.
    pub _home: Option<tempfile::TempDir>,
}

/// Builds `sh -c <script>` in `dir`, inside bubblewrap when `mode` asks for it and it works.
pub fn prepare(dir: &Path, script: &str, mode: SandboxMode) -> Result<Prepared, ExecError> {
    let use_bwrap = match mode {
        SandboxMode::Off => false,
        SandboxMode::Auto => bwrap_available(),
        SandboxMode::Required if bwrap_available() => true,
        SandboxMode::Required => return Err(ExecError::SandboxUnavailable),
    };
    let dir = dir.canonicalize().map_err(|source| ExecError::Dir {
        path: dir.display().to_string(),
        source,
    })?;
    let (mut command, home, label) = if use_bwrap {
        let mut c = Command::new("bwrap");
        c.args([
            "--ro-bind",
            "/",
            "/",
            "--dev",
            "/dev",
            "--proc",
            "/proc",
            "--tmpfs",
            "/tmp",
        ])
        .arg("--bind")
        .arg(&dir)
        .arg(&dir)
        .arg("--chdir")
        .arg(&dir)
        // A new PID namespace means killing its init takes every process in it down, even
        // ones that left our process group with setsid.
        .args([
            "--unshare-net",
            "--unshare-pid",
            "--unshare-ipc",
            "--die-with-parent",
        ])
        .args(["sh", "-c", script]);
        (c, None, MODE_BWRAP)
    } else {
        let home = tempfile::Builder::new()
            .prefix("l2mac-check-home-")
            .tempdir()?;
        let mut c = Command::new("sh");
        c.args(["-c", script]);
        let label = if mode == SandboxMode::Auto {
            MODE_PLAIN_FALLBACK
        } else {
            MODE_PLAIN
        };
        (c, Some(home), label)
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
        .kill_on_drop(true);
    Ok(Prepared {
        command,
        mode: label,
        _home: home,
    })
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
        let off = prepare(dir.path(), "true", SandboxMode::Off).unwrap();
        assert_eq!(off.mode, MODE_PLAIN);
        match prepare(dir.path(), "true", SandboxMode::Required) {
            Ok(p) => assert!(bwrap_available() && p.mode == MODE_BWRAP),
            Err(e) => assert!(!bwrap_available() && matches!(e, ExecError::SandboxUnavailable)),
        }
    }
}
