//! Rating plain-text candidates without the hidden tests: by the examples the task itself
//! states (`parse_amount("12.50")` is `1250`), then by whether the files compile and import and
//! define the names the task promises. The control unit keeps its best code-step candidate by it
//! and `l2mac bench` its best-of-N baseline; using the acceptance tests here would make either an
//! oracle, not a model.

use std::path::Path;

use crate::exec::{is_python_test_file, module_name, run_check, CheckSpec, ExecError, ExecOptions};
use crate::store::{FileStore, StoreError};
use crate::tools::interface::{missing, promised_names, Promised};
use serde::{Deserialize, Serialize};

/// Why a candidate could not be rated (it then counts as the worst).
#[derive(Debug, thiserror::Error)]
pub enum RateError {
    #[error("rating a candidate: {0}")]
    Store(#[from] StoreError),
    #[error("rating a candidate: {0}")]
    Exec(#[from] ExecError),
    #[error("rating a candidate: scratch folder {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("the candidate rating script printed no result: {0}")]
    NoResult(String),
    #[error("unreadable candidate rating `{line}`: {source}")]
    Unreadable {
        line: String,
        source: serde_json::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> RateError + '_ {
    move |source| RateError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// The rating script, run inside a copy of the candidate (sandboxed, under a timeout).
const RATE_SCRIPT: &str = include_str!("rate_candidate.py");
const SCRIPT_NAME: &str = "_l2mac_rate.py";
const INPUT_NAME: &str = "_l2mac_rate.json";

/// One example the task states: an expression with literal arguments and its literal value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Example {
    pub expr: String,
    pub expected: String,
}

/// The examples `task` states in backticks, as `` `call(...)` is `value` `` (also "gives",
/// "returns", "==") or `` `call(...) == value` ``. Calls whose arguments name variables
/// (`from_roman(to_roman(n)) == n`) are not executable and are left out.
pub fn stated_examples(task: &str) -> Vec<Example> {
    let pieces: Vec<&str> = task.split('`').collect();
    let mut out = Vec::new();
    // Odd pieces are code spans, even ones the prose around them.
    for k in (1..pieces.len()).step_by(2) {
        let code = pieces[k].trim();
        if let Some((lhs, rhs)) = code.split_once(" == ") {
            if is_literal_call(lhs.trim()) && looks_literal(rhs.trim()) {
                out.push(Example {
                    expr: lhs.trim().into(),
                    expected: rhs.trim().into(),
                });
            }
            continue;
        }
        let (Some(between), Some(next)) = (pieces.get(k + 1), pieces.get(k + 2)) else {
            continue;
        };
        let link = between.trim().to_ascii_lowercase();
        let linked = matches!(
            link.as_str(),
            "is" | "gives" | "returns" | "==" | "->" | "→"
        );
        if linked && is_literal_call(code) && looks_literal(next.trim()) {
            out.push(Example {
                expr: code.into(),
                expected: next.trim().into(),
            });
        }
    }
    out.dedup();
    out
}

/// `name(args)` or `a.b(args)` whose arguments hold no names but `True`, `False`, `None`.
fn is_literal_call(s: &str) -> bool {
    let Some(open) = s.find('(') else {
        return false;
    };
    let callee = &s[..open];
    let callee_ok = !callee.is_empty()
        && callee
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && callee
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    callee_ok && s.ends_with(')') && literal_only(&s[open + 1..s.len() - 1])
}

/// No identifiers outside string literals, except the three constants.
fn literal_only(args: &str) -> bool {
    let chars: Vec<char> = args.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '"' || c == '\'' {
            i += 1;
            while i < chars.len() && chars[i] != c {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
        } else if c.is_ascii_digit() {
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                i += 1;
            }
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            if !matches!(word.as_str(), "True" | "False" | "None") {
                return false;
            }
        } else {
            i += 1;
        }
    }
    true
}

fn looks_literal(s: &str) -> bool {
    matches!(s, "True" | "False" | "None")
        || s.starts_with(|c: char| {
            c.is_ascii_digit() || matches!(c, '-' | '"' | '\'' | '[' | '(' | '{')
        })
}

/// What the rating script found in one candidate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct Rating {
    pub examples_passed: usize,
    pub examples: usize,
    pub compiled: usize,
    pub files: usize,
    pub imported: usize,
    pub modules: usize,
    #[serde(default)]
    pub promised_found: usize,
    #[serde(default)]
    pub promised: usize,
    /// Stated examples whose function exists but gives another result (or raises).
    #[serde(default)]
    pub failures: Vec<ExampleFailure>,
}

/// A stated example the candidate gets wrong.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct ExampleFailure {
    pub expr: String,
    pub expected: String,
    pub got: String,
}

impl std::fmt::Display for ExampleFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the task says `{}` is `{}`, but the code gives {}",
            self.expr, self.expected, self.got
        )
    }
}

impl Rating {
    /// Larger is better: stated examples first, then importable modules, promised names and
    /// compiling files. Ties go to the earlier candidate (see `best`).
    pub fn key(&self) -> (usize, usize, usize, usize) {
        (
            self.examples_passed,
            self.imported,
            self.promised_found,
            self.compiled,
        )
    }
}

/// The index of the best rating (the earliest among equals), or None for an empty list.
pub fn best(ratings: &[Rating]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (i, r) in ratings.iter().enumerate() {
        match best {
            Some(b) if r.key() <= ratings[b].key() => {}
            _ => best = Some(i),
        }
    }
    best
}

/// What the selection is based on, for the results table.
pub fn basis(task: &str) -> String {
    let n = stated_examples(task).len();
    if n == 0 {
        "selected by syntax, import and promised names (the task states no executable examples)"
            .into()
    } else {
        format!("selected by the task's {n} stated examples, then syntax, import, promised names")
    }
}

#[derive(Serialize)]
struct Input<'a> {
    files: Vec<String>,
    modules: Vec<String>,
    examples: &'a [Example],
    marker: String,
}

/// Rates the candidate in `dir` against `task`'s stated examples and promised names.
pub async fn rate(dir: &Path, task: &str) -> Result<Rating, RateError> {
    let store = FileStore::open(dir)?;
    let sources: Vec<String> = store
        .list(None)?
        .into_iter()
        .map(|e| e.path)
        .filter(|p| p.ends_with(".py") && !is_python_test_file(p))
        .collect();
    let promised: Vec<Promised> = promised_names(task);
    let absent = missing(&store, &promised).len();
    let examples = stated_examples(task);
    let work = tempfile::tempdir().map_err(io(Path::new("(temporary folder)")))?;
    for rel in &sources {
        let to = work.path().join(rel);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        std::fs::write(&to, store.read(rel)?).map_err(io(&to))?;
    }
    let marker = format!("L2MAC-RATING-{:016x}", rand::random::<u64>());
    let input = Input {
        modules: sources.iter().filter_map(|p| module_name(p)).collect(),
        files: sources.clone(),
        examples: &examples,
        marker: marker.clone(),
    };
    let input_path = work.path().join(INPUT_NAME);
    let input = serde_json::to_string(&input).map_err(|source| RateError::Unreadable {
        line: "(the rating input)".into(),
        source,
    })?;
    std::fs::write(&input_path, input).map_err(io(&input_path))?;
    let script = work.path().join(SCRIPT_NAME);
    std::fs::write(&script, RATE_SCRIPT).map_err(io(&script))?;
    let spec = CheckSpec {
        name: "rate candidate".into(),
        command: format!("python3 {SCRIPT_NAME}"),
    };
    let opts = ExecOptions {
        timeout: std::time::Duration::from_secs(60),
        expect_tests: false,
        ..ExecOptions::default()
    };
    let outcome = run_check(work.path(), &spec, &opts).await?;
    let line = outcome
        .output
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix(marker.as_str()))
        .ok_or_else(|| RateError::NoResult(outcome.output.clone()))?;
    let mut rating: Rating =
        serde_json::from_str(line.trim()).map_err(|source| RateError::Unreadable {
            line: line.to_string(),
            source,
        })?;
    rating.promised = promised.len();
    rating.promised_found = promised.len() - absent;
    Ok(rating)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_stated_in_the_tasks() {
        let ledger = include_str!("../../examples/bench/10-ledger-package/task.md");
        let found = stated_examples(ledger);
        assert!(found.contains(&Example {
            expr: "parse_amount(\"12.50\")".into(),
            expected: "1250".into()
        }));
        assert!(found.contains(&Example {
            expr: "format_amount(-5)".into(),
            expected: "\"-0.05\"".into()
        }));
        assert_eq!(found.len(), 6, "{found:?}");
        let stats = include_str!("../../examples/bench/01-text-stats/task.md");
        assert_eq!(
            stated_examples(stats),
            vec![Example {
                expr: "word_count(\"\")".into(),
                expected: "0".into()
            }]
        );
        // `from_roman(to_roman(n)) == n` names a variable: not executable.
        let roman = include_str!("../../examples/bench/02-roman-numerals/task.md");
        assert!(stated_examples(roman).is_empty());
        assert!(basis(roman).contains("states no executable examples"));
    }

    #[test]
    fn inline_equalities_and_literal_arguments() {
        let found =
            stated_examples("Then `add(1, 2) == 3` and `f(x) == 1`, `g(True, None)` gives `[1]`.");
        assert_eq!(
            found,
            vec![
                Example {
                    expr: "add(1, 2)".into(),
                    expected: "3".into()
                },
                Example {
                    expr: "g(True, None)".into(),
                    expected: "[1]".into()
                },
            ]
        );
    }

    #[test]
    fn best_prefers_examples_then_imports_and_the_earliest_tie() {
        let r = |examples_passed, imported| Rating {
            examples_passed,
            imported,
            ..Rating::default()
        };
        assert_eq!(best(&[r(0, 2), r(1, 0), r(1, 0)]), Some(1));
        assert_eq!(best(&[r(0, 1), r(0, 2), r(0, 2)]), Some(1));
        assert_eq!(best(&[]), None);
    }
}
