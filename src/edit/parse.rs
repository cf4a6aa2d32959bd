//! Reading a reply into edits: fenced whole-file blocks and SEARCH/REPLACE blocks, in the order
//! the model wrote them. Lenient by design (small models decorate paths and drop fences), but a
//! block whose file cannot be told is reported, never guessed onto another file.

use std::collections::HashSet;

use super::path::{path_in_comment, path_in_info, path_in_line, path_in_prose};
use super::{Edit, ParseProblem};

/// Everything read from one reply.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    pub edits: Vec<Edit>,
    pub problems: Vec<ParseProblem>,
}

/// How far back from a fence or `<<<<<<< SEARCH` line a path line is looked for (non-blank lines),
/// as in Aider: enough for "### bank.py" + "Here is the code:" above a fence.
const LOOKBACK: usize = 3;

/// Parses a model's reply. Never fails and never panics; see [`Parsed::problems`] for the blocks
/// it could not use.
pub fn parse_reply(reply: &str) -> Parsed {
    let lines: Vec<&str> = reply.lines().collect();
    let mut parser = Parser {
        lines: &lines,
        out: Parsed::default(),
        last_path: None,
        named_whole: HashSet::new(),
    };
    parser.region(0, lines.len(), None);
    parser.out
}

/// Where a block's path came from; a name mentioned in a sentence is weaker than a path line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Evidence {
    Line,
    Prose,
}

struct Parser<'a> {
    lines: &'a [&'a str],
    out: Parsed,
    /// The path of the previous SEARCH/REPLACE block: later blocks for the same file often omit it.
    last_path: Option<String>,
    /// Files already given as whole files on a path line (see `whole_file`).
    named_whole: HashSet<String>,
}

impl Parser<'_> {
    /// Reads lines `start..end`; `default_path` is the path of the fence this region is inside.
    fn region(&mut self, start: usize, end: usize, default_path: Option<String>) {
        let mut i = start;
        // Path lines are looked for back to here, never across an earlier block.
        let mut boundary = start;
        while i < end {
            let line = self.lines[i];
            if is_search_head(line) {
                let path = self
                    .path_before(i, boundary)
                    .map(|(p, _)| p)
                    .or_else(|| default_path.clone())
                    .or_else(|| self.last_path.clone());
                i = self.search_block(i, end, path);
                boundary = i;
                continue;
            }
            if let Some((fence, info)) = fence_open(line) {
                let close = (i + 1..end).find(|&j| is_fence_close(self.lines[j], fence));
                let body_end = close.unwrap_or(end);
                if (i + 1..body_end).any(|j| is_search_head(self.lines[j])) {
                    let path = path_in_info(info)
                        .or_else(|| self.path_before(i, boundary).map(|(p, _)| p))
                        .or_else(|| default_path.clone());
                    self.region(i + 1, body_end, path);
                } else {
                    self.whole_file(i, body_end, close.is_some(), boundary, info);
                }
                i = close.map_or(end, |c| c + 1);
                boundary = i;
                continue;
            }
            i += 1;
        }
    }

    /// The nearest path line among the few non-blank lines above `at` (not before `boundary`).
    /// Only the line right above may name the file inside a sentence.
    fn path_before(&self, at: usize, boundary: usize) -> Option<(String, Evidence)> {
        let mut seen = 0;
        for j in (boundary..at).rev() {
            let line = self.lines[j];
            if line.trim().is_empty() {
                continue;
            }
            if let Some(p) = path_in_line(line) {
                return Some((p, Evidence::Line));
            }
            if seen == 0 {
                if let Some(p) = path_in_prose(line) {
                    return Some((p, Evidence::Prose));
                }
            }
            seen += 1;
            if seen >= LOOKBACK {
                break;
            }
        }
        None
    }

    fn whole_file(
        &mut self,
        open: usize,
        body_end: usize,
        closed: bool,
        boundary: usize,
        info: &str,
    ) {
        let body = &self.lines[open + 1..body_end];
        let comment = body.first().and_then(|l| path_in_comment(l));
        let named = path_in_info(info)
            .map(|p| (p, Evidence::Line))
            .or_else(|| self.path_before(open, boundary))
            .or_else(|| comment.clone().map(|p| (p, Evidence::Line)));
        let Some((path, evidence)) = named else {
            self.unnamed(open, body);
            return;
        };
        // "Here is how to use `bank.py`:" above a usage example must not replace the bank.py the
        // reply already gave on a path line.
        if evidence == Evidence::Prose && self.named_whole.contains(&path) {
            self.unnamed(open, body);
            return;
        }
        if evidence == Evidence::Line {
            self.named_whole.insert(path.clone());
        }
        // A first-line comment naming this same file is a label, not part of the file.
        let skip = usize::from(comment.is_some_and(|c| same_file(&c, &path)));
        // A fence indented under a list item indents its code too (CommonMark removes it).
        let opener = self.lines[open];
        let indent = opener.len() - opener.trim_start_matches(' ').len();
        let kept: Vec<&str> = body[skip.min(body.len())..]
            .iter()
            .map(|l| {
                let spaces = l.len() - l.trim_start_matches(' ').len();
                &l[spaces.min(indent)..]
            })
            .collect();
        let mut content = kept.join("\n");
        if !content.is_empty() {
            content.push('\n');
        }
        self.out.edits.push(Edit::WholeFile {
            path,
            content,
            closed,
        });
    }

    fn unnamed(&mut self, open: usize, body: &[&str]) {
        let first_line = body
            .iter()
            .find(|l| !l.trim().is_empty())
            .map(|l| l.trim().chars().take(80).collect())
            .unwrap_or_default();
        self.out.problems.push(ParseProblem::UnnamedBlock {
            line: open + 1,
            first_line,
        });
    }

    /// Reads the block starting at the `<<<<<<< SEARCH` line `head`; returns the line after it.
    fn search_block(&mut self, head: usize, end: usize, path: Option<String>) -> usize {
        let divider = (head + 1..end)
            .take_while(|&j| !is_search_head(self.lines[j]))
            .find(|&j| is_divider(self.lines[j]));
        let tail = divider.and_then(|d| {
            (d + 1..end)
                .take_while(|&j| !is_search_head(self.lines[j]))
                .find(|&j| is_tail(self.lines[j]))
        });
        let Some(path) = path else {
            self.out
                .problems
                .push(ParseProblem::SearchWithoutPath { line: head + 1 });
            return tail.map_or(head + 1, |t| t + 1);
        };
        let (Some(divider), Some(tail)) = (divider, tail) else {
            self.out
                .problems
                .push(ParseProblem::MalformedSearchReplace {
                    line: head + 1,
                    path,
                    missing: if divider.is_none() {
                        "======="
                    } else {
                        ">>>>>>> REPLACE"
                    },
                });
            return head + 1;
        };
        let text = |from: usize, to: usize| {
            let mut s = self.lines[from..to].join("\n");
            if to > from {
                s.push('\n');
            }
            s
        };
        self.out.edits.push(Edit::SearchReplace {
            path: path.clone(),
            search: text(head + 1, divider),
            replace: text(divider + 1, tail),
        });
        self.last_path = Some(path);
        tail + 1
    }
}

/// `pkg/a.py` and `a.py` name the same file when one is the other's tail (models shorten the
/// path in a first-line comment).
fn same_file(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim_start_matches("./"), b.trim_start_matches("./"));
    a == b || a.ends_with(&format!("/{b}")) || b.ends_with(&format!("/{a}"))
}

/// A fence opening: three or more backticks (or tildes) and an info string without them.
fn fence_open(line: &str) -> Option<(&str, &str)> {
    let t = line.trim();
    let ch = t.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let n = t.len() - t.trim_start_matches(ch).len();
    if n < 3 {
        return None;
    }
    let (fence, info) = t.split_at(n);
    // ```inline``` on one line is code in prose, not a block.
    (!info.contains(ch)).then_some((fence, info.trim()))
}

fn is_fence_close(line: &str, fence: &str) -> bool {
    let t = line.trim();
    let ch = fence.chars().next().unwrap_or('`');
    t.len() >= fence.len() && t.chars().all(|c| c == ch)
}

/// `<<<<<<< SEARCH` with 5 to 9 markers (models miscount), also Aider's older `ORIGINAL`.
fn is_search_head(line: &str) -> bool {
    marker_line(line, '<', &["SEARCH", "ORIGINAL"])
}

fn is_divider(line: &str) -> bool {
    let t = line.trim();
    (5..=9).contains(&t.len()) && t.chars().all(|c| c == '=')
}

fn is_tail(line: &str) -> bool {
    marker_line(line, '>', &["REPLACE", "UPDATED"])
}

fn marker_line(line: &str, mark: char, words: &[&str]) -> bool {
    let t = line.trim();
    let rest = t.trim_start_matches(mark);
    let n = t.len() - rest.len();
    (5..=9).contains(&n) && words.contains(&rest.trim())
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
