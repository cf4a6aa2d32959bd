//! Plain-text edit formats: a model's reply read as file edits, with no JSON from the model.
//!
//! Small models write far better code in a fenced block than inside a JSON string (issue 13), so
//! this module reads the two formats Aider uses: whole files (a path line, then a fenced block)
//! and SEARCH/REPLACE blocks for edits to a larger file. Parsing never fails: what it cannot read
//! comes back as a [`ParseProblem`] beside the edits it could. Applying goes through
//! [`crate::store::FileStore`], so the model's paths obey the same rules as every tool's, and
//! each edit gets its own result as data (written, edited, or failed with a reason the model can
//! act on).

mod apply;
mod matching;
mod parse;
mod path;

pub use apply::{apply_edits, EditOutcome, EditResult};
pub use matching::{replace_block, MatchKind, Replaced};
pub use parse::{parse_reply, Parsed};

/// One edit the model asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    /// The whole content of a file (created or replaced). `closed` is false when the reply ended
    /// inside the block (usually the output-token cap), so the file is probably cut short.
    WholeFile {
        path: String,
        content: String,
        closed: bool,
    },
    /// Replace the text `search` (which must occur in the file) with `replace`. An empty `search`
    /// creates the file, or appends to it when it exists (as in Aider).
    SearchReplace {
        path: String,
        search: String,
        replace: String,
    },
}

impl Edit {
    pub fn path(&self) -> &str {
        match self {
            Edit::WholeFile { path, .. } | Edit::SearchReplace { path, .. } => path,
        }
    }

    pub fn set_path(&mut self, to: String) {
        match self {
            Edit::WholeFile { path, .. } | Edit::SearchReplace { path, .. } => *path = to,
        }
    }
}

/// Something in the reply that looked like an edit but could not be read as one. Line numbers
/// count from 1 in the reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseProblem {
    /// A fenced block with no file path before it, in its info string or on its first line.
    UnnamedBlock { line: usize, first_line: String },
    /// A SEARCH/REPLACE block with no path line before it (and no earlier block to take it from).
    SearchWithoutPath { line: usize },
    /// A SEARCH/REPLACE block missing its `=======` or `>>>>>>> REPLACE` line.
    MalformedSearchReplace {
        line: usize,
        path: String,
        missing: &'static str,
    },
}

impl std::fmt::Display for ParseProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParseProblem::UnnamedBlock { line, first_line } => write!(
                f,
                "line {line}: a code block with no file path (it starts `{first_line}`); put the file's path on the line before the ``` fence"
            ),
            ParseProblem::SearchWithoutPath { line } => write!(
                f,
                "line {line}: a SEARCH/REPLACE block with no file path; put the path on the line before `<<<<<<< SEARCH`"
            ),
            ParseProblem::MalformedSearchReplace {
                line,
                path,
                missing,
            } => write!(
                f,
                "line {line}: the SEARCH/REPLACE block for `{path}` has no `{missing}` line"
            ),
        }
    }
}

/// Why an edit could not be applied; the messages are written for the model to act on.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("`{path}`: the SEARCH text is not in the file; its first line that matches nothing is `{line}`{}", closest_lines(.closest))]
    NoMatch {
        path: String,
        /// The first SEARCH line that no part of the file matches (after the longest matching run).
        line: String,
        /// The file lines most like `line`, with their line numbers (from 1).
        closest: Vec<(usize, String)>,
    },
    #[error("`{path}` does not exist, so there is nothing to SEARCH in; send the whole file as a path line and a fenced block instead")]
    MissingFile { path: String },
    #[error("{0}")]
    Store(#[from] crate::store::StoreError),
    /// A write guard took the write back (`tools::testfile::refusal`); the text says why.
    #[error("{0}")]
    Refused(String),
}

fn closest_lines(closest: &[(usize, String)]) -> String {
    if closest.is_empty() {
        return String::new();
    }
    let shown: Vec<String> = closest.iter().map(|(n, l)| format!("{n}: `{l}`")).collect();
    format!(
        "; the closest lines in the file are {}; copy the SEARCH lines exactly from the file",
        shown.join(", ")
    )
}
