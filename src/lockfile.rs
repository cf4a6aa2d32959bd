//! One process per run directory: an advisory lock on a file inside it, held while a run (or a
//! study) writes there, so a second `l2mac resume` or `dse resume` on the same directory stops with
//! a clear message instead of repeating every step or failing on a raw SQLite constraint.
//!
//! The operating system releases the lock when the holder exits, even on `kill -9`, so a stale
//! lock file never blocks a later resume.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("{dir} is in use by another l2mac process{holder} (lock file {path}); wait for it to finish or stop it first")]
    Busy {
        dir: PathBuf,
        path: PathBuf,
        holder: String,
    },
    #[error("cannot lock {path}: {message}")]
    Io { path: PathBuf, message: String },
}

/// Held while the directory is in use; dropping it releases the lock.
#[derive(Debug)]
pub struct DirLock {
    _file: File,
    path: PathBuf,
}

impl DirLock {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Takes the lock `name` in `dir` (which must exist) without waiting.
pub fn try_lock(dir: &Path, name: &str) -> Result<DirLock, LockError> {
    let path = dir.join(name);
    let io = |e: std::io::Error| LockError::Io {
        path: path.clone(),
        message: e.to_string(),
    };
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(io)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut pid = String::new();
            let _ = file.read_to_string(&mut pid);
            let pid = pid.trim();
            return Err(LockError::Busy {
                dir: dir.to_path_buf(),
                path: path.clone(),
                holder: if pid.is_empty() {
                    String::new()
                } else {
                    format!(" (pid {pid})")
                },
            });
        }
        Err(TryLockError::Error(e)) => return Err(io(e)),
    }
    // the holder's pid, for the message a second process prints
    file.set_len(0).map_err(io)?;
    file.rewind().map_err(io)?;
    write!(file, "{}", std::process::id()).map_err(io)?;
    Ok(DirLock { _file: file, path })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_a_directory_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = try_lock(dir.path(), ".lock").expect("free");
        let err = try_lock(dir.path(), ".lock").expect_err("held");
        let msg = err.to_string();
        assert!(
            msg.contains("in use by another l2mac process")
                && msg.contains(&format!("pid {}", std::process::id())),
            "{msg}"
        );
        drop(first);
        try_lock(dir.path(), ".lock").expect("released");
    }
}
