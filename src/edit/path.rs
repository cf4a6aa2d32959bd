//! Recognising a file path where models put one: a line of its own (bare, in bold, in backticks,
//! after `File:`, as a Markdown heading), a fence's info string (`python bank.py`), a comment on
//! the block's first line (`# bank.py`), or a backticked name in a sentence before the block.

/// Extensions that make a backticked word in prose a file name (`json.dumps` is not one).
const KNOWN_EXTENSIONS: &[&str] = &[
    "py", "pyi", "md", "txt", "rst", "json", "toml", "yaml", "yml", "cfg", "ini", "csv", "js",
    "mjs", "ts", "jsx", "tsx", "rs", "c", "h", "cc", "cpp", "hpp", "go", "java", "kt", "rb", "php",
    "html", "css", "sh", "sql", "xml", "lock", "env",
];

/// File names without an extension that are still plainly files.
const BARE_NAMES: &[&str] = &["Makefile", "Dockerfile", "LICENSE", "README", "Procfile"];

/// Prefixes small models write before a path, compared without case.
const LABELS: &[&str] = &["filename:", "file name:", "file:", "path:", "filepath:"];

/// The path a line consists of, after stripping the decoration models add around it:
/// `bank.py`, `**bank.py**`, `` `bank.py` ``, `File: bank.py`, `### inventory/models.py`,
/// `bank.py:`, `- **tests/test_bank.py**`. A sentence is not a path (see [`path_in_prose`]).
pub fn path_in_line(line: &str) -> Option<String> {
    let mut s = line.trim();
    s = s.trim_start_matches('#').trim_start();
    for bullet in ["- ", "* ", "+ "] {
        if let Some(rest) = s.strip_prefix(bullet) {
            s = rest.trim_start();
        }
    }
    // `1. bank.py`, `2) tests/test_bank.py`
    let digits = s.len() - s.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if digits > 0 {
        if let Some(rest) = s[digits..]
            .strip_prefix(". ")
            .or_else(|| s[digits..].strip_prefix(") "))
        {
            s = rest.trim_start();
        }
    }
    s = strip_decoration(s);
    for label in LABELS {
        // `get`, not indexing: the line may have a multi-byte character at that offset.
        if s.get(..label.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(label))
        {
            s = strip_decoration(s[label.len()..].trim());
        }
    }
    s = strip_decoration(s);
    looks_like_path(s, false).then(|| s.to_string())
}

/// Bold, backticks, quotes and a trailing colon, in any order and nesting.
fn strip_decoration(mut s: &str) -> &str {
    loop {
        let before = s;
        s = s.trim();
        s = s.strip_suffix(':').unwrap_or(s).trim_end();
        for mark in ["**", "__", "`", "\"", "'", "*"] {
            if let Some(inner) = s.strip_prefix(mark).and_then(|t| t.strip_suffix(mark)) {
                s = inner;
            }
        }
        if s == before {
            return s;
        }
    }
}

/// A backticked or bold file name inside a sentence (`Here is the code for `bank.py`:`), for a
/// line just before a fence. The last one wins: "Now `tests/test_bank.py`, which imports `bank.py`"
/// is rare, "Update `a.py` to match `b.py`:" rarer still, and both are ambiguous anyway.
pub fn path_in_prose(line: &str) -> Option<String> {
    let mut found = None;
    for (i, piece) in line.split('`').enumerate() {
        if i % 2 == 1 && looks_like_path(piece.trim(), true) {
            found = Some(piece.trim().to_string());
        }
    }
    if found.is_none() {
        for (i, piece) in line.split("**").enumerate() {
            if i % 2 == 1 && looks_like_path(piece.trim(), true) {
                found = Some(piece.trim().to_string());
            }
        }
    }
    // "Here is bank.py:" -- a bare name as the last word of a line that introduces the block.
    if found.is_none() {
        let last = line
            .trim_end()
            .strip_suffix(':')?
            .split_whitespace()
            .last()?;
        let last = last.trim_matches(|c| c == '"' || c == '\'' || c == '*');
        if looks_like_path(last, true) {
            found = Some(last.to_string());
        }
    }
    found
}

/// The path in a fence's info string: ```` ```python bank.py ````, ```` ```bank.py ````,
/// ```` ```python:bank.py ````, ```` ```py title="bank.py" ````.
pub fn path_in_info(info: &str) -> Option<String> {
    info.split(|c: char| c.is_whitespace() || c == ':')
        .map(|t| {
            let t = t.strip_prefix("title=").unwrap_or(t);
            t.trim_matches(|c| c == '"' || c == '\'' || c == '`')
        })
        .find(|t| looks_like_path(t, false))
        .map(str::to_string)
}

/// A comment on a block's first line that names the file: `# bank.py`, `# File: bank.py`,
/// `// src/app.js`, `<!-- README.md -->`.
pub fn path_in_comment(line: &str) -> Option<String> {
    let s = line.trim();
    let body = if let Some(rest) = s.strip_prefix("<!--") {
        rest.strip_suffix("-->")?
    } else if let Some(rest) = s.strip_prefix("//") {
        rest
    } else if let Some(rest) = s.strip_prefix("--") {
        rest
    } else {
        // `#!` is a shebang, not a path comment.
        s.strip_prefix('#').filter(|r| !r.starts_with('!'))?
    };
    path_in_line(body)
}

/// Whether `s` is plausibly a relative file path: no spaces, path characters only, and either a
/// file extension (from [`KNOWN_EXTENSIONS`] when `known_ext_only`) or a well-known bare name.
fn looks_like_path(s: &str, known_ext_only: bool) -> bool {
    if s.is_empty() || s.len() > 200 || s.ends_with('/') {
        return false;
    }
    if !s
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | '\\'))
    {
        return false;
    }
    let name = s.rsplit(['/', '\\']).next().unwrap_or(s);
    if BARE_NAMES.contains(&name) {
        return true;
    }
    let Some((_, ext)) = name.rsplit_once('.') else {
        return false;
    };
    // A version or a number (`3.14`, `v1.2`) is not a file.
    let numeric = ext.chars().all(|c| c.is_ascii_digit());
    !ext.is_empty()
        && ext.len() <= 8
        && ext.chars().all(|c| c.is_ascii_alphanumeric())
        && !numeric
        && (!known_ext_only || KNOWN_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decorated_path_lines() {
        for line in [
            "bank.py",
            "**bank.py**",
            "`bank.py`",
            "**`bank.py`**",
            "File: bank.py",
            "file: `bank.py`",
            "Filename: **bank.py**",
            "### bank.py",
            "## `bank.py`",
            "bank.py:",
            "**bank.py:**",
            "- **bank.py**",
            "  bank.py  ",
        ] {
            assert_eq!(path_in_line(line).as_deref(), Some("bank.py"), "{line:?}");
        }
        assert_eq!(
            path_in_line("### inventory/models.py").as_deref(),
            Some("inventory/models.py")
        );
        assert_eq!(path_in_line(".env").as_deref(), Some(".env"));
        assert_eq!(path_in_line("Makefile").as_deref(), Some("Makefile"));
    }

    #[test]
    fn prose_and_numbers_are_not_path_lines() {
        for line in [
            "Here is the code:",
            "Python 3.10",
            "3.14",
            "",
            "```python",
            "def f(): pass",
            "tests/",
            "Usage example.",
        ] {
            assert_eq!(path_in_line(line), None, "{line:?}");
        }
    }

    #[test]
    fn backticked_names_in_a_sentence() {
        assert_eq!(
            path_in_prose("Here is the implementation of `roman.py`:").as_deref(),
            Some("roman.py")
        );
        assert_eq!(
            path_in_prose("Now the tests, in **tests/test_bank.py**:").as_deref(),
            Some("tests/test_bank.py")
        );
        assert_eq!(
            path_in_prose("Here is bank.py:").as_deref(),
            Some("bank.py")
        );
        assert_eq!(path_in_line("### 1. `bank.py`").as_deref(), Some("bank.py"));
        assert_eq!(path_in_prose("It calls `json.dumps` on the data:"), None);
        assert_eq!(path_in_prose("It returns 3.14:"), None);
        assert_eq!(path_in_prose("No names here."), None);
    }

    #[test]
    fn info_strings_and_first_line_comments() {
        assert_eq!(path_in_info("python bank.py").as_deref(), Some("bank.py"));
        assert_eq!(path_in_info("bank.py").as_deref(), Some("bank.py"));
        assert_eq!(path_in_info("python:bank.py").as_deref(), Some("bank.py"));
        assert_eq!(
            path_in_info("py title=\"pkg/a.py\"").as_deref(),
            Some("pkg/a.py")
        );
        assert_eq!(path_in_info("python"), None);
        assert_eq!(path_in_comment("# bank.py").as_deref(), Some("bank.py"));
        assert_eq!(
            path_in_comment("# File: inventory/store.py").as_deref(),
            Some("inventory/store.py")
        );
        assert_eq!(path_in_comment("// app.js").as_deref(), Some("app.js"));
        assert_eq!(
            path_in_comment("<!-- README.md -->").as_deref(),
            Some("README.md")
        );
        assert_eq!(path_in_comment("#!/usr/bin/env python3"), None);
        assert_eq!(path_in_comment("# compute the totals"), None);
        assert_eq!(path_in_comment("import os"), None);
    }
}
