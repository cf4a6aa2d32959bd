//! The run directory's control folder (`.l2mac/`): state saved atomically after every turn, the
//! full transcript, per-step diffs and a log, so nothing is lost when a run is killed. Everything
//! written here passes through `secrets::redact`, and run.json gets an integrity tag
//! (`run.json.tag`, see `integrity`) that `resume` checks.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::state::RunState;
use super::ControlError;
use crate::store::{atomic_write, Snapshot, CONTROL_DIR};

pub struct RunDir {
    root: PathBuf,
    control: PathBuf,
}

impl RunDir {
    /// Creates the run directory and its control folder.
    pub fn create(root: &Path) -> Result<Self, ControlError> {
        let control = root.join(CONTROL_DIR);
        std::fs::create_dir_all(&control).map_err(|e| ControlError::Io {
            path: control.clone(),
            source: e,
        })?;
        Ok(Self {
            root: root.to_path_buf(),
            control,
        })
    }

    /// Opens an existing run; a directory without `.l2mac/run.json` is not a run.
    pub fn open(root: &Path) -> Result<Self, ControlError> {
        let control = root.join(CONTROL_DIR);
        if !control.join("run.json").is_file() {
            return Err(ControlError::NotARun(root.to_path_buf()));
        }
        Ok(Self {
            root: root.to_path_buf(),
            control,
        })
    }

    /// Held by the one process running or resuming this run, so a second `l2mac run`/`resume` on
    /// the same directory stops instead of doing every step twice (see `crate::lockfile`).
    pub fn lock(&self) -> Result<crate::lockfile::DirLock, crate::lockfile::LockError> {
        crate::lockfile::try_lock(&self.control, "run.lock")
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn state_path(&self) -> PathBuf {
        self.control.join("run.json")
    }

    pub fn save_state(&self, state: &RunState) -> Result<(), ControlError> {
        let path = self.state_path();
        let json = serde_json::to_string_pretty(state).map_err(|e| ControlError::State {
            path: path.clone(),
            message: e.to_string(),
        })?;
        let json = crate::secrets::redact(&json);
        // Without a key (no writable data folder) the state is saved untagged, and a resume asks
        // for --accept-state.
        let tag = crate::integrity::tag(json.as_bytes()).ok();
        let tag_path = self.control.join("run.json.tag");
        let _ = std::fs::remove_file(&tag_path);
        atomic_write(&path, json.as_bytes()).map_err(|e| ControlError::Io {
            path: path.clone(),
            source: e,
        })?;
        if let Some(tag) = tag {
            atomic_write(&tag_path, tag.as_bytes()).map_err(|e| ControlError::Io {
                path: tag_path,
                source: e,
            })?;
        }
        Ok(())
    }

    /// Whether run.json is as l2mac last saved it: its tag matches, under a key kept outside the
    /// run folder. `Err` says why not (no tag, wrong tag, no key).
    pub fn verify_state(&self) -> Result<(), String> {
        let path = self.state_path();
        let bytes =
            std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let tag_path = self.control.join("run.json.tag");
        let Ok(tag) = std::fs::read_to_string(&tag_path) else {
            return Err(format!(
                "{} has no integrity tag ({} is missing)",
                path.display(),
                tag_path.display()
            ));
        };
        match crate::integrity::verify(&bytes, &tag) {
            Ok(true) => Ok(()),
            Ok(false) => Err(format!(
                "{} was changed after l2mac saved it (its integrity tag does not match)",
                path.display()
            )),
            Err(e) => Err(e.to_string()),
        }
    }

    pub fn load_state(&self) -> Result<RunState, ControlError> {
        let path = self.state_path();
        let text = std::fs::read_to_string(&path).map_err(|e| ControlError::Io {
            path: path.clone(),
            source: e,
        })?;
        let invalid = |message: String| ControlError::State {
            path: path.clone(),
            message,
        };
        let raw: Value = serde_json::from_str(&text).map_err(|e| invalid(e.to_string()))?;
        let current = super::migrate::migrate(raw).map_err(invalid)?;
        serde_json::from_value(current).map_err(|e| invalid(e.to_string()))
    }

    /// Appends one JSON line to `transcript.jsonl`.
    pub fn append_transcript(&self, record: &Value) -> Result<(), ControlError> {
        self.append_line("transcript.jsonl", &record.to_string())
    }

    pub fn log(&self, line: &str) -> Result<(), ControlError> {
        let stamp = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ");
        self.append_line("log.txt", &format!("{stamp} {line}"))
    }

    fn append_line(&self, name: &str, line: &str) -> Result<(), ControlError> {
        let line = crate::secrets::redact(line);
        let path = self.control.join(name);
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| ControlError::Io {
                path: path.clone(),
                source: e,
            })?;
        writeln!(f, "{line}").map_err(|e| ControlError::Io { path, source: e })
    }

    fn step_dir(&self, index: usize) -> PathBuf {
        self.control.join("steps").join(format!("{:02}", index + 1))
    }

    /// Saves the files as they were when a step started (for its diff, also across a resume).
    pub fn save_step_start(&self, index: usize, snapshot: &Snapshot) -> Result<(), ControlError> {
        let dir = self.step_dir(index);
        std::fs::create_dir_all(&dir).map_err(|e| ControlError::Io {
            path: dir.clone(),
            source: e,
        })?;
        let path = dir.join("before.json");
        let json = serde_json::to_string(snapshot).map_err(|e| ControlError::State {
            path: path.clone(),
            message: e.to_string(),
        })?;
        atomic_write(&path, crate::secrets::redact(&json).as_bytes())
            .map_err(|e| ControlError::Io { path, source: e })
    }

    pub fn load_step_start(&self, index: usize) -> Option<Snapshot> {
        let text = std::fs::read_to_string(self.step_dir(index).join("before.json")).ok()?;
        serde_json::from_str(&text).ok()
    }

    pub fn save_step_diff(&self, index: usize, diff: &str) -> Result<(), ControlError> {
        let dir = self.step_dir(index);
        std::fs::create_dir_all(&dir).map_err(|e| ControlError::Io {
            path: dir.clone(),
            source: e,
        })?;
        let path = dir.join("changes.diff");
        atomic_write(&path, crate::secrets::redact(diff).as_bytes())
            .map_err(|e| ControlError::Io { path, source: e })
    }
}
