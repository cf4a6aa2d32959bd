//! Path rules for the file store: every path the model gives is checked here before it touches disk.
//!
//! The model is not trusted: it may hand us `../../etc/passwd`, `/abs/path`, `C:\x`, the control
//! folder, or a name that runs through a symlink planted by a check command. The lexical rules are
//! pure (no disk access) so they can be property-tested; the symlink rule walks the existing
//! components on disk in `FileStore`.

use super::{StoreError, CONTROL_DIR};

/// Directory names never listed, snapshotted or offered to the model: caches and build output that
/// would drown the file tree and diffs in noise.
pub const IGNORED_DIRS: &[&str] = &[
    "__pycache__",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".tox",
    ".venv",
    "venv",
    "target",
    "node_modules",
    ".git",
    ".hg",
    ".svn",
    ".idea",
    ".vscode",
];

/// Prefix of the temporary files written next to their target by `atomic_write`; a crash can leave
/// one behind, and it must not show up as a file the model wrote.
pub const TEMP_PREFIX: &str = ".l2mac-tmp-";

/// True for a directory name that listings skip (see `IGNORED_DIRS`) or the control folder.
pub fn is_ignored_dir_name(name: &str) -> bool {
    IGNORED_DIRS.contains(&name) || is_control_name(name)
}

/// True for a file name that listings skip: compiled bytecode, editor droppings and our own temp files.
pub fn is_ignored_file_name(name: &str) -> bool {
    name.starts_with(TEMP_PREFIX)
        || name.ends_with(".pyc")
        || name.ends_with(".pyo")
        || name == ".DS_Store"
}

/// The control folder is matched without regard to ASCII case, because on a case-insensitive file
/// system `.L2MAC/run.json` is the same file as `.l2mac/run.json`.
pub(crate) fn is_control_name(name: &str) -> bool {
    name.eq_ignore_ascii_case(CONTROL_DIR)
}

/// Checks a model-supplied relative path and returns its normalised components
/// (`./a//b` -> `["a", "b"]`). Backslashes count as separators so that Windows-style paths are
/// caught by the same rules instead of becoming odd file names.
pub fn normalize(rel: &str) -> Result<Vec<String>, StoreError> {
    let shown = rel.to_string();
    if rel.contains('\0') {
        return Err(StoreError::NulByte {
            path: shown.replace('\0', "\\0"),
        });
    }
    if rel.chars().any(char::is_control) {
        return Err(StoreError::ControlChar {
            path: shown.escape_debug().to_string(),
        });
    }
    if rel.trim().is_empty() {
        return Err(StoreError::Empty);
    }
    let unified = rel.replace('\\', "/");
    if unified.starts_with('/') || unified.starts_with('~') || has_drive_prefix(&unified) {
        return Err(StoreError::Absolute { path: shown });
    }
    let mut parts = Vec::new();
    for part in unified.split('/') {
        match part {
            "" | "." => continue,
            ".." => return Err(StoreError::PathEscapes { path: shown }),
            p if is_control_name(p) => return Err(StoreError::ControlDir { path: shown }),
            p => parts.push(p.to_string()),
        }
    }
    if parts.is_empty() {
        return Err(StoreError::Empty);
    }
    Ok(parts)
}

/// `C:` / `c:/x` style prefixes: on Linux they would silently become a directory named `C:`.
fn has_drive_prefix(path: &str) -> bool {
    let bytes = path.as_bytes();
    bytes.len() >= 2
        && bytes[0].is_ascii_alphabetic()
        && bytes[1] == b':'
        && (bytes.len() == 2 || bytes[2] == b'/')
}

/// The normalised, `/`-joined form of a relative path, as stored in listings and snapshots.
pub fn normalized_string(rel: &str) -> Result<String, StoreError> {
    Ok(normalize(rel)?.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_dots_and_repeated_slashes() {
        assert_eq!(normalize("./a//b/./c.py").unwrap(), vec!["a", "b", "c.py"]);
        assert_eq!(normalized_string("src\\main.rs").unwrap(), "src/main.rs");
        assert_eq!(normalized_string("a/b/").unwrap(), "a/b");
    }

    #[test]
    fn rejects_each_bad_kind_with_its_own_error() {
        assert!(matches!(normalize(""), Err(StoreError::Empty)));
        assert!(matches!(normalize("./"), Err(StoreError::Empty)));
        assert!(matches!(normalize("a\0b"), Err(StoreError::NulByte { .. })));
        assert!(matches!(
            normalize("a\nb"),
            Err(StoreError::ControlChar { .. })
        ));
        assert!(matches!(
            normalize("/etc/passwd"),
            Err(StoreError::Absolute { .. })
        ));
        assert!(matches!(
            normalize("C:\\x"),
            Err(StoreError::Absolute { .. })
        ));
        assert!(matches!(
            normalize("c:/x"),
            Err(StoreError::Absolute { .. })
        ));
        assert!(matches!(
            normalize("\\\\server\\share"),
            Err(StoreError::Absolute { .. })
        ));
        assert!(matches!(normalize("~/x"), Err(StoreError::Absolute { .. })));
        assert!(matches!(
            normalize("a/../b"),
            Err(StoreError::PathEscapes { .. })
        ));
        assert!(matches!(
            normalize(".."),
            Err(StoreError::PathEscapes { .. })
        ));
        assert!(matches!(
            normalize(".l2mac/run.json"),
            Err(StoreError::ControlDir { .. })
        ));
        assert!(matches!(
            normalize("./.L2MAC/x"),
            Err(StoreError::ControlDir { .. })
        ));
        assert!(matches!(
            normalize("sub/.l2mac"),
            Err(StoreError::ControlDir { .. })
        ));
    }

    #[test]
    fn ordinary_names_with_dots_are_fine() {
        assert_eq!(normalize("..a/b..").unwrap(), vec!["..a", "b.."]);
        assert_eq!(normalize(".l2macx").unwrap(), vec![".l2macx"]);
        assert_eq!(normalize("a:b").unwrap(), vec!["a:b"]);
    }

    #[test]
    fn ignore_lists() {
        assert!(is_ignored_dir_name("__pycache__"));
        assert!(is_ignored_dir_name(".L2mac"));
        assert!(!is_ignored_dir_name("src"));
        assert!(is_ignored_file_name(".l2mac-tmp-abc"));
        assert!(is_ignored_file_name("x.pyc"));
        assert!(!is_ignored_file_name("x.py"));
    }
}
