//! The file store: the one folder an LLM agent may read and write, with every path checked.
//!
//! Tools hand model-supplied paths straight to `FileStore`; the store makes sure nothing outside
//! its root (and nothing in the control folder `.l2mac/`) is ever read, written or deleted, that
//! writes are atomic (a killed run never leaves half a file), that reads and writes walk the path
//! with `O_NOFOLLOW` one folder at a time (`nofollow`, so a symlink swapped in after the check
//! cannot redirect them), and that listings skip caches and build output. Error messages are written for the model: they say what was wrong and what to do.

mod diff;
mod nofollow;
mod path;
mod tree;

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

pub use diff::diff_snapshots;
pub use path::{
    is_ignored_dir_name, is_ignored_file_name, normalize, normalized_string, IGNORED_DIRS,
    TEMP_PREFIX,
};

/// The per-run folder for l2mac's own state (run.json, transcripts); off limits to the model.
pub const CONTROL_DIR: &str = ".l2mac";

/// Mode given to files the store creates; existing files keep theirs (so a script the project
/// marked executable stays executable after the model edits it).
const NEW_FILE_MODE: u32 = 0o644;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the path is empty: give a file path relative to the project root, e.g. `src/main.py`"
    )]
    Empty,
    #[error("the path `{path}` contains a NUL byte; use a plain file name")]
    NulByte { path: String },
    #[error(
        "the path `{path}` contains a control character (newline, tab, ...); use a plain file name"
    )]
    ControlChar { path: String },
    #[error("`{path}` is an absolute path; use a path relative to the project root (e.g. `app/main.py`, not `/app/main.py`)")]
    Absolute { path: String },
    #[error("`{path}` contains `..`; paths must stay inside the project root, so name the file from the root without `..`")]
    PathEscapes { path: String },
    #[error("`{path}` is inside `.l2mac/`, which holds the run's own state and is not open to tools; use another folder")]
    ControlDir { path: String },
    #[error("`{path}` is a symbolic link, which the file store does not follow; use the real file or folder instead")]
    Symlink { path: String },
    #[error("`{path}` does not exist; list the files to see what exists")]
    NotFound { path: String },
    #[error("`{path}` is a folder, not a file; give the path of a file inside it")]
    IsDirectory { path: String },
    #[error("`{path}` is a file, not a folder; it cannot contain other files")]
    NotADirectory { path: String },
    #[error(
        "`{path}` is not a regular file (a pipe, socket or device); it cannot be read or replaced"
    )]
    NotRegularFile { path: String },
    #[error(
        "`{path}` is not UTF-8 text ({size} bytes of binary data) and cannot be shown as text"
    )]
    NotUtf8 { path: String, size: u64 },
    #[error("could not access `{path}`: {source}")]
    Io {
        path: String,
        #[source]
        source: io::Error,
    },
}

/// One file in a listing; `path` is relative to the store root and uses `/`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileEntry {
    pub path: String,
    pub size: u64,
}

/// Relative path -> text content; binary files hold a placeholder (see `binary_placeholder`).
pub type Snapshot = BTreeMap<String, String>;

/// The file store rooted at one canonical directory.
#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
}

impl FileStore {
    /// Opens (creating if missing) the store at `root`. The root is canonicalised so that later
    /// containment checks compare real paths.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, StoreError> {
        let root = root.into();
        let shown = root.display().to_string();
        fs::create_dir_all(&root).map_err(|source| StoreError::Io {
            path: shown.clone(),
            source,
        })?;
        let root = root.canonicalize().map_err(|source| StoreError::Io {
            path: shown,
            source,
        })?;
        Ok(Self { root })
    }

    /// Removes the temporary files a killed atomic write leaves (`.l2mac-tmp-*`, in any folder
    /// of the run, `.l2mac/` included) and returns how many. Only for a run whose lock is held:
    /// a live writer's temporary file would go too.
    pub fn remove_stale_temps(&self) -> Result<usize, StoreError> {
        let mut removed = 0;
        let walker = walkdir::WalkDir::new(&self.root).follow_links(false);
        for entry in walker.into_iter().filter_map(Result::ok) {
            let stale = entry.file_type().is_file()
                && entry
                    .file_name()
                    .to_str()
                    .is_some_and(|n| n.starts_with(path::TEMP_PREFIX));
            if stale {
                fs::remove_file(entry.path()).map_err(|source| StoreError::Io {
                    path: entry.path().display().to_string(),
                    source,
                })?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Checks `rel` against the path rules and returns the absolute path inside the root.
    /// Every existing component is inspected on disk: a symlink anywhere on the way is refused
    /// (whether or not it points inside), and so is a file used as if it were a folder.
    pub fn resolve(&self, rel: &str) -> Result<PathBuf, StoreError> {
        let parts = normalize(rel)?;
        let mut current = self.root.clone();
        for (i, part) in parts.iter().enumerate() {
            current.push(part);
            let shown = || parts[..=i].join("/");
            match fs::symlink_metadata(&current) {
                Ok(meta) if meta.file_type().is_symlink() => {
                    return Err(StoreError::Symlink { path: shown() })
                }
                Ok(meta) if i + 1 < parts.len() && !meta.is_dir() => {
                    return Err(StoreError::NotADirectory { path: shown() })
                }
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    // Nothing below a missing component can exist, so there is nothing left to
                    // check on disk.
                    current.extend(&parts[i + 1..]);
                    break;
                }
                Err(source) => {
                    return Err(StoreError::Io {
                        path: shown(),
                        source,
                    })
                }
            }
        }
        Ok(current)
    }

    /// Reads a UTF-8 text file.
    pub fn read(&self, rel: &str) -> Result<String, StoreError> {
        let (_, shown) = self.existing_file(rel)?;
        let parts = normalize(rel)?;
        let bytes = nofollow::open_parent(&self.root, &parts, false)
            .and_then(|dir| nofollow::read(&dir, last(&parts)))
            .map_err(|source| self.disk_error(&shown, source))?;
        let size = bytes.len() as u64;
        String::from_utf8(bytes).map_err(|_| StoreError::NotUtf8 { path: shown, size })
    }

    /// True when `rel` is a valid path naming an existing file or folder.
    pub fn exists(&self, rel: &str) -> bool {
        self.resolve(rel)
            .is_ok_and(|p| fs::symlink_metadata(p).is_ok())
    }

    /// Writes `content` atomically, creating parent folders inside the root as needed.
    pub fn write(&self, rel: &str, content: &str) -> Result<(), StoreError> {
        let abs = self.resolve(rel)?;
        let parts = normalize(rel)?;
        let shown = parts.join("/");
        match fs::symlink_metadata(&abs) {
            Ok(meta) if meta.is_dir() => return Err(StoreError::IsDirectory { path: shown }),
            Ok(meta) if !meta.is_file() => return Err(StoreError::NotRegularFile { path: shown }),
            _ => {}
        }
        nofollow::open_parent(&self.root, &parts, true)
            .and_then(|dir| {
                nofollow::atomic_write_at(&dir, last(&parts), content.as_bytes(), NEW_FILE_MODE)
            })
            .map_err(|source| self.disk_error(&shown, source))
    }

    /// An I/O error, named as the rules would have named it when it comes from a symlink or a
    /// file swapped in after the path was checked.
    fn disk_error(&self, shown: &str, source: io::Error) -> StoreError {
        match source.raw_os_error() {
            Some(libc::ELOOP) => StoreError::Symlink {
                path: shown.to_string(),
            },
            Some(libc::ENOTDIR) => StoreError::NotADirectory {
                path: shown.to_string(),
            },
            _ => StoreError::Io {
                path: shown.to_string(),
                source,
            },
        }
    }

    /// Deletes one file; folders are refused so that one call never removes a whole tree.
    pub fn delete(&self, rel: &str) -> Result<(), StoreError> {
        let (_, shown) = self.existing_file(rel)?;
        let parts = normalize(rel)?;
        nofollow::open_parent(&self.root, &parts, false)
            .and_then(|dir| nofollow::unlink(&dir, last(&parts)))
            .map_err(|source| self.disk_error(&shown, source))
    }

    /// All files under `dir` (the whole store for `None`, `""` or `"."`), recursively, sorted by
    /// path components, skipping the control folder, caches and build output.
    pub fn list(&self, dir: Option<&str>) -> Result<Vec<FileEntry>, StoreError> {
        let base = match dir.map(normalize) {
            None | Some(Err(StoreError::Empty)) => self.root.clone(),
            Some(Err(e)) => return Err(e),
            Some(Ok(parts)) => {
                let shown = parts.join("/");
                let abs = self.resolve(&shown)?;
                match fs::symlink_metadata(&abs) {
                    Ok(meta) if meta.is_dir() => abs,
                    Ok(_) => return Err(StoreError::NotADirectory { path: shown }),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {
                        return Err(StoreError::NotFound { path: shown })
                    }
                    Err(source) => {
                        return Err(StoreError::Io {
                            path: shown,
                            source,
                        })
                    }
                }
            }
        };
        let mut entries = Vec::new();
        let walker = walkdir::WalkDir::new(&base).follow_links(false).into_iter();
        for item in walker.filter_entry(|e| {
            e.depth() == 0
                || !(e.file_type().is_dir()
                    && e.file_name().to_str().is_some_and(is_ignored_dir_name))
        }) {
            let item = item.map_err(|e| {
                let path = e.path().map(|p| self.shown(p)).unwrap_or_default();
                StoreError::Io {
                    path,
                    source: e.into(),
                }
            })?;
            if !item.file_type().is_file() {
                // Symlinks are skipped too: listing (and snapshotting) one would read whatever it
                // points at, possibly outside the root.
                continue;
            }
            let Some(name) = item.file_name().to_str() else {
                continue;
            };
            if is_ignored_file_name(name) {
                continue;
            }
            let Ok(rel) = item.path().strip_prefix(&self.root) else {
                continue;
            };
            // Names that are not UTF-8 cannot be given back to us by the model, so they are not shown.
            let Some(parts) = rel.iter().map(|c| c.to_str()).collect::<Option<Vec<_>>>() else {
                continue;
            };
            let size = item
                .metadata()
                .map_err(|e| StoreError::Io {
                    path: parts.join("/"),
                    source: e.into(),
                })?
                .len();
            entries.push((
                parts.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                size,
            ));
        }
        entries.sort();
        Ok(entries
            .into_iter()
            .map(|(parts, size)| FileEntry {
                path: parts.join("/"),
                size,
            })
            .collect())
    }

    /// A compact indented tree of all files with sizes, for prompts.
    pub fn tree(&self) -> Result<String, StoreError> {
        Ok(tree::render(&self.list(None)?))
    }

    /// Every listed file's content; binary files become a placeholder.
    pub fn snapshot(&self) -> Result<Snapshot, StoreError> {
        let mut snap = Snapshot::new();
        for entry in self.list(None)? {
            let parts: Vec<String> = entry.path.split('/').map(str::to_string).collect();
            let bytes = nofollow::open_parent(&self.root, &parts, false)
                .and_then(|dir| nofollow::read(&dir, last(&parts)))
                .map_err(|source| self.disk_error(&entry.path, source))?;
            snap.insert(entry.path, text_or_placeholder(bytes));
        }
        Ok(snap)
    }

    /// Resolves `rel` and checks that it is an existing regular file.
    fn existing_file(&self, rel: &str) -> Result<(PathBuf, String), StoreError> {
        let abs = self.resolve(rel)?;
        let shown = normalized_string(rel)?;
        match fs::symlink_metadata(&abs) {
            Ok(meta) if meta.is_file() => Ok((abs, shown)),
            Ok(meta) if meta.is_dir() => Err(StoreError::IsDirectory { path: shown }),
            Ok(_) => Err(StoreError::NotRegularFile { path: shown }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                Err(StoreError::NotFound { path: shown })
            }
            Err(source) => Err(StoreError::Io {
                path: shown,
                source,
            }),
        }
    }

    fn shown(&self, abs: &Path) -> String {
        abs.strip_prefix(&self.root)
            .unwrap_or(abs)
            .to_string_lossy()
            .into_owned()
    }
}

/// The last component of a normalised path (never empty: `normalize` refuses empty paths).
fn last(parts: &[String]) -> &str {
    parts.last().map_or("", String::as_str)
}

/// The placeholder that stands for a binary file in snapshots and diffs.
pub fn binary_placeholder(size: usize) -> String {
    format!("<binary {size} bytes>")
}

/// Text if the bytes are UTF-8 without NUL bytes (NUL marks binary formats that happen to be
/// valid UTF-8), otherwise the binary placeholder.
fn text_or_placeholder(bytes: Vec<u8>) -> String {
    let size = bytes.len();
    if bytes.contains(&0) {
        return binary_placeholder(size);
    }
    String::from_utf8(bytes).unwrap_or_else(|_| binary_placeholder(size))
}

/// Replaces `path` with `bytes` so that readers see either the old or the new content, never a
/// mix, even if the process dies midway: temp file in the same folder, fsync, rename, fsync the
/// folder. A file that already existed keeps its permission bits.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;

    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mode = match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_file() => meta.permissions().mode() & 0o7777,
        _ => NEW_FILE_MODE,
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(parent)?;
    tmp.write_all(bytes)?;
    tmp.as_file()
        .set_permissions(fs::Permissions::from_mode(mode))?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    // The rename is only durable once the folder entry is; some file systems refuse to fsync a
    // folder, and the data itself is already safe, so a failure here is not an error.
    if let Ok(dir) = fs::File::open(parent) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// A store in a fresh temporary folder holding `files`, for tests of code that reads a project.
#[cfg(test)]
pub(crate) fn store_with(files: &[(&str, &str)]) -> (tempfile::TempDir, FileStore) {
    let dir = tempfile::tempdir().expect("tmp");
    let store = FileStore::open(dir.path()).expect("store");
    for (path, content) in files {
        store.write(path, content).expect("write");
    }
    (dir, store)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, FileStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::open(dir.path().join("files")).unwrap();
        (dir, store)
    }

    #[test]
    fn leftover_temporary_files_of_a_killed_write_are_removed() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = FileStore::open(dir.path()).expect("store");
        store.write("pkg/a.py", "x = 1\n").expect("write");
        fs::write(dir.path().join("pkg/.l2mac-tmp-Ab12"), "half").expect("tmp file");
        fs::create_dir_all(dir.path().join(".l2mac")).expect("state dir");
        fs::write(dir.path().join(".l2mac/.l2mac-tmp-x"), "{").expect("tmp file");
        assert_eq!(store.remove_stale_temps().expect("clean"), 2);
        assert!(!dir.path().join("pkg/.l2mac-tmp-Ab12").exists());
        assert_eq!(store.read("pkg/a.py").expect("kept"), "x = 1\n");
        assert_eq!(store.remove_stale_temps().expect("clean"), 0);
    }

    #[test]
    fn write_read_roundtrip_creates_parents() {
        let (_d, s) = store();
        s.write("./app//models/user.py", "class User: pass\n")
            .unwrap();
        assert_eq!(s.read("app/models/user.py").unwrap(), "class User: pass\n");
        assert!(s.exists("app/models"));
        assert!(!s.exists("app/missing.py"));
        assert!(!s.exists("../x"));
    }

    #[test]
    fn overwrite_keeps_mode_and_leaves_no_temp_files() {
        use std::os::unix::fs::PermissionsExt;
        let (_d, s) = store();
        s.write("run.sh", "echo 1\n").unwrap();
        let abs = s.root().join("run.sh");
        assert_eq!(
            fs::metadata(&abs).unwrap().permissions().mode() & 0o777,
            0o644
        );
        fs::set_permissions(&abs, fs::Permissions::from_mode(0o755)).unwrap();
        s.write("run.sh", "echo 2\n").unwrap();
        assert_eq!(
            fs::metadata(&abs).unwrap().permissions().mode() & 0o777,
            0o755
        );
        let names: Vec<_> = fs::read_dir(s.root())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("run.sh")]);
    }

    #[test]
    fn read_errors_name_the_problem() {
        let (_d, s) = store();
        s.write("d/a.txt", "x").unwrap();
        fs::write(s.root().join("bin.dat"), [0xff, 0xfe, 0x00]).unwrap();
        assert!(
            matches!(s.read("nope.txt"), Err(StoreError::NotFound { path }) if path == "nope.txt")
        );
        assert!(matches!(s.read("d"), Err(StoreError::IsDirectory { path }) if path == "d"));
        assert!(matches!(
            s.read("bin.dat"),
            Err(StoreError::NotUtf8 { size: 3, .. })
        ));
        assert!(
            matches!(s.read("d/a.txt/x"), Err(StoreError::NotADirectory { path }) if path == "d/a.txt")
        );
        assert!(matches!(
            s.write("d", "x"),
            Err(StoreError::IsDirectory { .. })
        ));
        assert!(matches!(s.delete("d"), Err(StoreError::IsDirectory { .. })));
    }

    #[test]
    fn delete_removes_only_the_file() {
        let (_d, s) = store();
        s.write("d/a.txt", "x").unwrap();
        s.delete("d/a.txt").unwrap();
        assert!(!s.exists("d/a.txt"));
        assert!(s.exists("d"));
        assert!(matches!(
            s.delete("d/a.txt"),
            Err(StoreError::NotFound { .. })
        ));
    }

    #[test]
    fn list_skips_control_dir_caches_and_symlinks_and_sorts_by_components() {
        let (d, s) = store();
        for p in ["b.py", "a/z.py", "a.py", "a/b/c.py"] {
            s.write(p, "12345").unwrap();
        }
        for junk in [".l2mac", "__pycache__", "a/node_modules", "target", ".git"] {
            fs::create_dir_all(s.root().join(junk)).unwrap();
            fs::write(s.root().join(junk).join("f"), "x").unwrap();
        }
        fs::write(s.root().join("a/mod.pyc"), "x").unwrap();
        fs::write(d.path().join("outside.txt"), "secret").unwrap();
        std::os::unix::fs::symlink(d.path().join("outside.txt"), s.root().join("link.txt"))
            .unwrap();
        let paths: Vec<_> = s
            .list(None)
            .unwrap()
            .into_iter()
            .map(|e| (e.path, e.size))
            .collect();
        let want: Vec<_> = ["a/b/c.py", "a/z.py", "a.py", "b.py"]
            .iter()
            .map(|p| (p.to_string(), 5))
            .collect();
        assert_eq!(paths, want);
        let sub: Vec<_> = s
            .list(Some("./a"))
            .unwrap()
            .into_iter()
            .map(|e| e.path)
            .collect();
        assert_eq!(sub, vec!["a/b/c.py", "a/z.py"]);
        assert_eq!(s.list(Some(".")).unwrap().len(), 4);
        assert!(matches!(
            s.list(Some("a.py")),
            Err(StoreError::NotADirectory { .. })
        ));
        assert!(matches!(
            s.list(Some("nope")),
            Err(StoreError::NotFound { .. })
        ));
        assert!(matches!(
            s.list(Some("../")),
            Err(StoreError::PathEscapes { .. })
        ));
    }

    #[test]
    fn snapshot_marks_binary_files() {
        let (_d, s) = store();
        s.write("t.txt", "hello").unwrap();
        fs::write(s.root().join("b.bin"), [1u8, 0, 2]).unwrap();
        let snap = s.snapshot().unwrap();
        let want: Snapshot = [
            ("b.bin".to_string(), "<binary 3 bytes>".to_string()),
            ("t.txt".to_string(), "hello".to_string()),
        ]
        .into_iter()
        .collect();
        assert_eq!(snap, want);
    }

    #[test]
    fn atomic_write_replaces_content() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("run.json");
        atomic_write(&p, b"{\"a\":1}").unwrap();
        atomic_write(&p, b"{}").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"{}");
    }
}
