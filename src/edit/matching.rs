//! Finding a SEARCH text in a file: exactly first, then tolerant of indentation and trailing
//! whitespace (the misses small models make most, as Aider found), and when nothing matches, an
//! error that shows the model where its copy went wrong.

use super::EditError;

/// How a SEARCH text was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchKind {
    Exact,
    /// Same lines, indented uniformly more or less than in the file (the REPLACE lines were
    /// re-indented by the same amount), or differing in trailing whitespace.
    Whitespace,
    /// SEARCH was empty: REPLACE was appended (or became the new file).
    Appended,
}

/// The file after one SEARCH/REPLACE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replaced {
    pub content: String,
    pub how: MatchKind,
}

/// How many closest file lines a no-match error shows.
const CLOSEST: usize = 3;

/// Replaces the first occurrence of `search` in `content` (of file `path`) with `replace`.
pub fn replace_block(
    path: &str,
    content: &str,
    search: &str,
    replace: &str,
) -> Result<Replaced, EditError> {
    if search.trim().is_empty() {
        let mut out = content.to_string();
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(replace);
        return Ok(Replaced {
            content: out,
            how: MatchKind::Appended,
        });
    }
    if let Some(at) = content.find(search) {
        let mut out = String::with_capacity(content.len() + replace.len());
        out.push_str(&content[..at]);
        out.push_str(replace);
        out.push_str(&content[at + search.len()..]);
        return Ok(Replaced {
            content: out,
            how: MatchKind::Exact,
        });
    }
    let file: Vec<&str> = content.lines().collect();
    // Blank lines at either end of SEARCH are the commonest stray difference; drop them.
    let wanted: Vec<&str> = trim_blank_ends(search.lines().collect());
    let repl: Vec<&str> = replace.lines().collect();
    if let Some((at, shift)) = find_tolerant(&file, &wanted) {
        let mut out: Vec<String> = file[..at].iter().map(|l| l.to_string()).collect();
        out.extend(repl.iter().map(|l| reindent(l, &shift)));
        out.extend(file[at + wanted.len()..].iter().map(|l| l.to_string()));
        let mut joined = out.join("\n");
        if content.ends_with('\n') || content.is_empty() {
            joined.push('\n');
        }
        return Ok(Replaced {
            content: joined,
            how: MatchKind::Whitespace,
        });
    }
    Err(no_match(path, &file, &wanted))
}

fn trim_blank_ends(mut lines: Vec<&str>) -> Vec<&str> {
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    let first = lines
        .iter()
        .position(|l| !l.trim().is_empty())
        .unwrap_or(lines.len());
    lines.split_off(first)
}

/// The indentation change between SEARCH and the file: add `add` in front of each line, or take
/// up to `remove` leading whitespace characters off it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Shift {
    add: String,
    remove: usize,
}

fn indent(line: &str) -> &str {
    &line[..line.len() - line.trim_start().len()]
}

/// The first window of `file` whose lines equal `wanted` up to one uniform indentation change and
/// trailing whitespace; blank lines match blank lines.
fn find_tolerant(file: &[&str], wanted: &[&str]) -> Option<(usize, Shift)> {
    if wanted.is_empty() || wanted.len() > file.len() {
        return None;
    }
    'window: for at in 0..=file.len() - wanted.len() {
        let mut shift: Option<Shift> = None;
        for (f, w) in file[at..].iter().zip(wanted) {
            if f.trim() != w.trim() {
                continue 'window;
            }
            if w.trim().is_empty() {
                continue;
            }
            let (fi, wi) = (indent(f), indent(w));
            let this = if let Some(extra) = fi.strip_suffix(wi) {
                Shift {
                    add: extra.to_string(),
                    remove: 0,
                }
            } else if let Some(extra) = wi.strip_suffix(fi) {
                Shift {
                    add: String::new(),
                    remove: extra.chars().count(),
                }
            } else {
                continue 'window;
            };
            match &shift {
                Some(s) if *s != this => continue 'window,
                _ => shift = Some(this),
            }
        }
        return Some((at, shift.unwrap_or_default()));
    }
    None
}

fn reindent(line: &str, shift: &Shift) -> String {
    if line.trim().is_empty() {
        return String::new();
    }
    let mut rest = line;
    for _ in 0..shift.remove {
        match rest.strip_prefix([' ', '\t']) {
            Some(r) => rest = r,
            None => break,
        }
    }
    format!("{}{rest}", shift.add)
}

/// The error for a SEARCH that matched nowhere: the longest run of SEARCH lines that does match
/// (tolerantly) tells which line broke it, and the file lines most like that one are shown.
fn no_match(path: &str, file: &[&str], wanted: &[&str]) -> EditError {
    let mut matched = 0;
    for n in 1..=wanted.len() {
        if find_tolerant(file, &wanted[..n]).is_some() {
            matched = n;
        } else {
            break;
        }
    }
    // The first non-blank line from the first failing one on (a blank line fails only when the
    // file has no blank line after the matching run, which is not the useful line to show).
    let bad = wanted[matched.min(wanted.len().saturating_sub(1))..]
        .iter()
        .find(|l| !l.trim().is_empty())
        .copied()
        .unwrap_or("");
    let mut scored: Vec<(f32, usize, &str)> = file
        .iter()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            let ratio = similar::TextDiff::from_chars(l.trim(), bad.trim()).ratio();
            (ratio, i + 1, *l)
        })
        .filter(|(r, _, _)| *r > 0.5)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut closest: Vec<(usize, String)> = scored
        .into_iter()
        .take(CLOSEST)
        .map(|(_, n, l)| (n, l.to_string()))
        .collect();
    closest.sort();
    EditError::NoMatch {
        path: path.to_string(),
        line: bad.to_string(),
        closest,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BANK: &str = "class Account:\n    def __init__(self, owner):\n        self.owner = owner\n        self.balance = 0\n\n    def deposit(self, amount):\n        self.balance += amount\n";

    #[test]
    fn exact_match_replaces_the_first_occurrence() {
        let r = replace_block(
            "bank.py",
            BANK,
            "        self.balance += amount\n",
            "        if amount <= 0:\n            raise ValueError(\"amount must be positive\")\n        self.balance += amount\n",
        )
        .expect("match");
        assert_eq!(r.how, MatchKind::Exact);
        assert!(r.content.contains("raise ValueError"));
        assert!(r.content.starts_with("class Account:\n"));
    }

    #[test]
    fn search_without_its_indentation_is_reindented() {
        // A 1.5B model copies a method from the class body and drops the 4-space indent.
        let r = replace_block(
            "bank.py",
            BANK,
            "def deposit(self, amount):\n    self.balance += amount\n",
            "def deposit(self, amount):\n    if amount <= 0:\n        raise ValueError(amount)\n    self.balance += amount\n",
        )
        .expect("match");
        assert_eq!(r.how, MatchKind::Whitespace);
        assert!(
            r.content.ends_with("    def deposit(self, amount):\n        if amount <= 0:\n            raise ValueError(amount)\n        self.balance += amount\n"),
            "{}",
            r.content
        );
    }

    #[test]
    fn over_indented_search_and_trailing_spaces_still_match() {
        let r = replace_block(
            "bank.py",
            BANK,
            "\n            self.owner = owner   \n            self.balance = 0\n\n",
            "            self.owner = owner\n            self.balance = 100\n",
        )
        .expect("match");
        assert!(
            r.content.contains("\n        self.balance = 100\n"),
            "{}",
            r.content
        );
        assert!(r.content.contains("\n        self.owner = owner\n"));
    }

    #[test]
    fn mixed_indentation_changes_do_not_match() {
        let err = replace_block(
            "bank.py",
            BANK,
            "def __init__(self, owner):\n    self.owner = owner\n            self.balance = 0\n",
            "x\n",
        );
        assert!(err.is_err());
    }

    #[test]
    fn no_match_names_the_file_the_line_and_the_closest_lines() {
        let err = replace_block(
            "bank.py",
            BANK,
            "    def deposit(self, amount):\n        self.balance = self.balance + amount\n",
            "x\n",
        )
        .expect_err("no match");
        let msg = err.to_string();
        assert!(msg.contains("`bank.py`"), "{msg}");
        assert!(
            msg.contains(
                "first line that matches nothing is `        self.balance = self.balance + amount`"
            ),
            "{msg}"
        );
        assert!(msg.contains("7: `        self.balance += amount`"), "{msg}");
    }

    #[test]
    fn empty_search_appends() {
        let r = replace_block("a.py", "x = 1", "", "y = 2\n").expect("append");
        assert_eq!(r.how, MatchKind::Appended);
        assert_eq!(r.content, "x = 1\ny = 2\n");
    }
}
