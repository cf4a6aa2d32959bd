//! The store's disk access, one folder at a time with `openat` and `O_NOFOLLOW`.
//!
//! Checking a path and then opening it by name leaves a gap: code the model wrote (a background
//! process of a check) can swap a folder for a symlink in between, and a write by name would land
//! wherever the link points. Here every component is opened relative to the folder before it and
//! never through a symlink, so what is checked is what is written.

use std::io::{self, Write};
use std::os::fd::OwnedFd;
use std::path::Path;

use rustix::fs::{AtFlags, FileType, Mode, OFlags};

use super::TEMP_PREFIX;

/// The folder holding the last component of `parts`, opened from `root` without following any
/// symlink; missing folders are created when `create` is set.
pub(super) fn open_parent(root: &Path, parts: &[String], create: bool) -> io::Result<OwnedFd> {
    let dir_flags = OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::RDONLY | OFlags::CLOEXEC;
    let mut dir = rustix::fs::open(root, dir_flags, Mode::empty())?;
    for part in &parts[..parts.len().saturating_sub(1)] {
        dir = match rustix::fs::openat(&dir, part.as_str(), dir_flags, Mode::empty()) {
            Ok(next) => next,
            Err(rustix::io::Errno::NOENT) if create => {
                match rustix::fs::mkdirat(&dir, part.as_str(), Mode::from_raw_mode(0o755)) {
                    Ok(()) | Err(rustix::io::Errno::EXIST) => {}
                    Err(e) => return Err(e.into()),
                }
                rustix::fs::openat(&dir, part.as_str(), dir_flags, Mode::empty())?
            }
            Err(e) => return Err(e.into()),
        };
    }
    Ok(dir)
}

/// The file type and permission bits of `name` in `dir`, not following a symlink.
pub(super) fn stat(dir: &OwnedFd, name: &str) -> io::Result<(FileType, u32)> {
    let st = rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW)?;
    Ok((FileType::from_raw_mode(st.st_mode), st.st_mode & 0o7777))
}

/// Reads `name` in `dir`; a symlink is refused by the kernel (ELOOP).
pub(super) fn read(dir: &OwnedFd, name: &str) -> io::Result<Vec<u8>> {
    let fd = rustix::fs::openat(
        dir,
        name,
        OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    let mut file = std::fs::File::from(fd);
    let mut bytes = Vec::new();
    io::Read::read_to_end(&mut file, &mut bytes)?;
    Ok(bytes)
}

/// Replaces `name` in `dir` atomically (temp file beside it, fsync, rename, fsync the folder);
/// a file that exists keeps its permission bits, a new one gets `new_mode`.
pub(super) fn atomic_write_at(
    dir: &OwnedFd,
    name: &str,
    bytes: &[u8],
    new_mode: u32,
) -> io::Result<()> {
    let mode = match stat(dir, name) {
        Ok((FileType::RegularFile, mode)) => mode,
        _ => new_mode,
    };
    let mut attempt = 0u32;
    let (tmp_name, fd) = loop {
        let tmp_name = format!(
            "{TEMP_PREFIX}{}-{}",
            std::process::id(),
            rand::random::<u64>()
        );
        match rustix::fs::openat(
            dir,
            tmp_name.as_str(),
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o600),
        ) {
            Ok(fd) => break (tmp_name, fd),
            Err(rustix::io::Errno::EXIST) if attempt < 8 => attempt += 1,
            Err(e) => return Err(e.into()),
        }
    };
    let result = (|| {
        rustix::fs::fchmod(&fd, Mode::from_raw_mode(mode))?;
        let mut file = std::fs::File::from(fd);
        file.write_all(bytes)?;
        file.sync_all()?;
        rustix::fs::renameat(dir, tmp_name.as_str(), dir, name)?;
        Ok::<(), io::Error>(())
    })();
    if result.is_err() {
        let _ = rustix::fs::unlinkat(dir, tmp_name.as_str(), AtFlags::empty());
    }
    result?;
    // The rename is only durable once the folder entry is; some file systems refuse to fsync a
    // folder, and the data itself is already safe, so a failure here is not an error.
    let _ = rustix::fs::fsync(dir);
    Ok(())
}

/// Removes the file `name` from `dir` (a symlink in its place is removed, never followed).
pub(super) fn unlink(dir: &OwnedFd, name: &str) -> io::Result<()> {
    rustix::fs::unlinkat(dir, name, AtFlags::empty()).map_err(Into::into)
}
