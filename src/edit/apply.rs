//! Applying parsed edits to the file store, one result per edit, in the reply's order (so a file
//! given twice ends as its last version, and an edit after a whole file edits that new text).

use crate::store::{normalized_string, FileStore, StoreError};

use super::matching::{replace_block, MatchKind};
use super::{Edit, EditError};

/// What happened to one edit.
#[derive(Debug)]
pub enum EditOutcome {
    /// A whole file was written; `truncated` when the reply ended inside its block.
    Written { lines: usize, truncated: bool },
    /// A SEARCH/REPLACE block was applied.
    Edited { how: MatchKind },
    /// Nothing was changed for this edit.
    Failed { reason: EditError },
}

#[derive(Debug)]
pub struct EditResult {
    /// The path as the store normalises it (as the model wrote it when it is invalid).
    pub path: String,
    pub outcome: EditOutcome,
}

impl EditResult {
    pub fn failed(&self) -> bool {
        matches!(self.outcome, EditOutcome::Failed { .. })
    }
}

impl std::fmt::Display for EditResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.outcome {
            EditOutcome::Written { lines, truncated } => {
                write!(f, "wrote `{}` ({lines} lines)", self.path)?;
                if *truncated {
                    write!(f, "; the reply ended inside its code block, so the file is probably cut short")?;
                }
                Ok(())
            }
            EditOutcome::Edited { how } => {
                write!(f, "edited `{}`", self.path)?;
                if *how == MatchKind::Whitespace {
                    write!(f, " (SEARCH matched with different indentation)")?;
                }
                Ok(())
            }
            EditOutcome::Failed { reason } => write!(f, "FAILED: {reason}"),
        }
    }
}

/// Applies `edits` in order through `store` (its path rules: no `..`, no absolute paths, no
/// symlinks, nothing in `.l2mac/`). A failed edit changes nothing and does not stop later ones.
pub fn apply_edits(store: &FileStore, edits: &[Edit]) -> Vec<EditResult> {
    edits
        .iter()
        .map(|edit| {
            let path = normalized_string(edit.path()).unwrap_or_else(|_| edit.path().to_string());
            let outcome = match apply_one(store, edit) {
                Ok(outcome) => outcome,
                Err(reason) => EditOutcome::Failed { reason },
            };
            EditResult { path, outcome }
        })
        .collect()
}

fn apply_one(store: &FileStore, edit: &Edit) -> Result<EditOutcome, EditError> {
    match edit {
        Edit::WholeFile {
            path,
            content,
            closed,
        } => {
            store.write(path, content)?;
            Ok(EditOutcome::Written {
                lines: content.lines().count(),
                truncated: !closed,
            })
        }
        Edit::SearchReplace {
            path,
            search,
            replace,
        } => {
            let current = match store.read(path) {
                Ok(text) => text,
                Err(StoreError::NotFound { .. }) if search.trim().is_empty() => String::new(),
                Err(StoreError::NotFound { path }) => return Err(EditError::MissingFile { path }),
                Err(e) => return Err(e.into()),
            };
            let shown = normalized_string(path).unwrap_or_else(|_| path.clone());
            let replaced = replace_block(&shown, &current, search, replace)?;
            store.write(path, &replaced.content)?;
            Ok(EditOutcome::Edited { how: replaced.how })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::parse_reply;

    #[test]
    fn a_reply_with_a_whole_file_then_an_edit_to_it() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = FileStore::open(dir.path()).expect("store");
        let reply = "bank.py\n```python\ndef fee():\n    return 1\n```\n\nbank.py\n<<<<<<< SEARCH\n    return 1\n=======\n    return 2\n>>>>>>> REPLACE\n";
        let results = apply_edits(&store, &parse_reply(reply).edits);
        assert_eq!(results.len(), 2);
        assert!(results.iter().all(|r| !r.failed()), "{results:?}");
        assert_eq!(results[0].to_string(), "wrote `bank.py` (2 lines)");
        assert_eq!(
            store.read("bank.py").expect("read"),
            "def fee():\n    return 2\n"
        );
    }

    #[test]
    fn paths_outside_the_store_fail_and_later_edits_still_apply() {
        let dir = tempfile::tempdir().expect("tmp");
        let root = dir.path().join("run");
        let store = FileStore::open(&root).expect("store");
        let edits = vec![
            Edit::WholeFile {
                path: "../evil.py".into(),
                content: "x = 1\n".into(),
                closed: true,
            },
            Edit::WholeFile {
                path: ".l2mac/run.json".into(),
                content: "{}".into(),
                closed: true,
            },
            Edit::SearchReplace {
                path: "missing.py".into(),
                search: "x = 1\n".into(),
                replace: "x = 2\n".into(),
            },
            Edit::WholeFile {
                path: "./pkg//ok.py".into(),
                content: "y = 2\n".into(),
                closed: false,
            },
        ];
        let results = apply_edits(&store, &edits);
        assert!(results[0].failed() && results[1].failed() && results[2].failed());
        assert!(!dir.path().join("evil.py").exists());
        assert!(results[0].to_string().contains("`..`"), "{}", results[0]);
        assert!(
            results[2]
                .to_string()
                .contains("`missing.py` does not exist"),
            "{}",
            results[2]
        );
        assert_eq!(results[3].path, "pkg/ok.py");
        assert!(results[3].to_string().contains("cut short"));
        assert_eq!(store.read("pkg/ok.py").expect("read"), "y = 2\n");
    }

    #[test]
    fn a_failed_search_leaves_the_file_as_it_was() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = FileStore::open(dir.path()).expect("store");
        store.write("a.py", "x = 1\n").expect("write");
        let results = apply_edits(
            &store,
            &[Edit::SearchReplace {
                path: "a.py".into(),
                search: "x = 3\n".into(),
                replace: "x = 4\n".into(),
            }],
        );
        assert!(results[0].failed());
        assert!(results[0].to_string().contains("`a.py`: the SEARCH text is not in the file; its first line that matches nothing is `x = 3`"), "{}", results[0]);
        assert_eq!(store.read("a.py").expect("read"), "x = 1\n");
    }
}
