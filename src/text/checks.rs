//! The built-in checks of text runs: pure functions over the file store that report, in the same
//! shape as test runs (`CheckOutcome`), what a reader of the finished document would trip over:
//! a chapter or section missing, a placeholder left in, a chapter far off its length, a broken
//! link or chapter reference, Markdown that renders wrongly.

use std::collections::BTreeSet;
use std::time::Instant;

use super::markdown::{self, Lines};
use super::outline::{self, heading_key, Outline, Unit, CHAPTERS_DIR};
use super::{BOOK_FILE, NOTES_FILE, OUTLINE_FILE};
use crate::exec::CheckOutcome;
use crate::store::{FileStore, StoreError};

/// How the outcomes say they ran (`format_outcomes` prints it after "ran as:").
pub const MODE: &str = "built-in text checks";
/// Default allowed deviation from a unit's target words.
pub const DEFAULT_TOLERANCE: f64 = 0.3;

/// Whole-word markers of unfinished text (matched in capitals only, so "todo list" is prose).
const PLACEHOLDER_WORDS: &[&str] = &["TODO", "TBD", "FIXME"];
/// Fragments of unfinished text, matched without regard to case.
const PLACEHOLDER_FRAGMENTS: &[&str] =
    &["lorem ipsum", "[insert", "<insert", "[placeholder", "[todo"];

/// Which outline units must have their file by now.
#[derive(Debug, Clone, PartialEq)]
pub enum Required {
    /// None: the outline step, before any chapter is written.
    Outline,
    /// The units with these files (a chapter step's file).
    Files(Vec<String>),
    /// Every unit: the review step, the final checks of a run, `l2mac book`.
    All,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TextCheckOptions {
    pub required: Required,
    /// Allowed relative deviation from a unit's target words (0.3: 70% to 130% of the target).
    pub tolerance: f64,
    /// Most units the outline may have; None for no limit.
    pub max_units: Option<usize>,
    /// notes.md must exist (a run keeps it; a hand-written folder given to `l2mac book` need not).
    pub require_notes: bool,
}

impl Default for TextCheckOptions {
    fn default() -> Self {
        Self {
            required: Required::All,
            tolerance: DEFAULT_TOLERANCE,
            max_units: None,
            require_notes: false,
        }
    }
}

/// A file the checks read: its path and content.
struct Doc {
    path: String,
    text: String,
}

/// Runs all text checks. Never fails: a file that cannot be read is a problem in the output.
pub fn run_text_checks(store: &FileStore, opts: &TextCheckOptions) -> Vec<CheckOutcome> {
    let clock = Instant::now();
    let mut outline_problems = Vec::new();
    let outline_text = read_optional(store, OUTLINE_FILE, &mut outline_problems);
    let outline = match &outline_text {
        Some(src) => match outline::parse(src) {
            Ok(o) => Some(o),
            Err(problems) => {
                outline_problems.extend(problems.iter().map(ToString::to_string));
                None
            }
        },
        None if outline_problems.is_empty() => {
            outline_problems.push(format!(
                "{OUTLINE_FILE} does not exist: write it first, in the outline format (`# Title`, then `## Chapter N: Title {{words=N}}` lines with `### Section` lines)"
            ));
            None
        }
        None => None,
    };
    if let (Some(o), Some(max)) = (&outline, opts.max_units) {
        if o.units.len() > max {
            outline_problems.push(format!(
                "{OUTLINE_FILE} has {} chapters, but this run has room for at most {max}; merge chapters (or start the run with a larger --max-steps)",
                o.units.len()
            ));
        }
    }
    let notes_text = read_optional(store, NOTES_FILE, &mut outline_problems);
    if opts.require_notes && notes_text.is_none() {
        outline_problems.push(format!(
            "{NOTES_FILE} does not exist: write the names, terms and facts decided so far (one bullet each), so every chapter agrees"
        ));
    }
    let mut outcomes = vec![outcome(
        "outline",
        "outline.md lists every chapter with its target words",
        outline_problems,
        match &outline {
            Some(o) => format!(
                "{}: \"{}\", {}, {} words planned",
                OUTLINE_FILE,
                o.title,
                count(o.units.len(), "chapter"),
                o.units.iter().map(|u| u.words).sum::<usize>()
            ),
            None => String::new(),
        },
        &clock,
    )];

    // The units that are written, the ones missing, and stray chapter files.
    let mut read_problems = Vec::new();
    let mut written: Vec<(&Unit, Doc)> = Vec::new();
    let mut missing: Vec<&Unit> = Vec::new();
    let planned: BTreeSet<String> = outline
        .iter()
        .flat_map(|o| o.units.iter().map(|u| u.file.clone()))
        .collect();
    if let Some(o) = &outline {
        for unit in &o.units {
            match store.read(&unit.file) {
                Ok(text) => written.push((
                    unit,
                    Doc {
                        path: unit.file.clone(),
                        text,
                    },
                )),
                Err(StoreError::NotFound { .. }) => missing.push(unit),
                Err(e) => read_problems.push(format!("{} cannot be read: {e}", unit.file)),
            }
        }
    }
    let strays = stray_files(store, &planned, &mut read_problems);

    if let Some(o) = &outline {
        let clock = Instant::now();
        let mut problems = read_problems.clone();
        for unit in &missing {
            let required = match &opts.required {
                Required::Outline => false,
                Required::Files(files) => files.contains(&unit.file),
                Required::All => true,
            };
            if required {
                problems.push(format!(
                    "{} ({}) does not exist: write it, starting with `# {}`",
                    unit.file, unit.title, unit.title
                ));
            }
        }
        for (unit, doc) in &written {
            problems.extend(heading_problems(unit, doc));
        }
        for doc in &strays {
            problems.push(format!(
                "{} is not a chapter of the outline, so it would be left out of the book: add it to {OUTLINE_FILE} with its file name or move its text into a chapter file ({})",
                doc.path,
                o.units.iter().map(|u| u.file.as_str()).collect::<Vec<_>>().join(", ")
            ));
        }
        outcomes.push(outcome(
            "coverage",
            "every outline chapter has its file, title heading and section headings",
            problems,
            format!(
                "{} of {} chapters written, each with its headings",
                written.len(),
                o.units.len()
            ),
            &clock,
        ));
        let clock = Instant::now();
        let problems = written
            .iter()
            .filter_map(|(unit, doc)| length_problem(unit, doc, opts.tolerance))
            .collect();
        outcomes.push(outcome(
            "length",
            &format!(
                "each chapter within {:.0}% of its target words",
                opts.tolerance * 100.0
            ),
            problems,
            written
                .iter()
                .map(|(u, d)| {
                    format!(
                        "{}: {} words (target {})",
                        u.file,
                        markdown::word_count(&d.text),
                        u.words
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"),
            &clock,
        ));
    }

    let texts: Vec<&Doc> = written
        .iter()
        .map(|(_, d)| d)
        .chain(strays.iter())
        .collect();
    let clock = Instant::now();
    let mut problems = Vec::new();
    if let Some(src) = &outline_text {
        problems.extend(placeholder_problems(OUTLINE_FILE, src));
    }
    for doc in &texts {
        problems.extend(placeholder_problems(&doc.path, &doc.text));
    }
    outcomes.push(outcome(
        "placeholders",
        "no TODO, TBD, FIXME, lorem ipsum or [insert ...] left",
        problems,
        format!(
            "{} clean",
            count(texts.len() + usize::from(outline_text.is_some()), "file")
        ),
        &clock,
    ));

    let clock = Instant::now();
    let all_required = opts.required == Required::All;
    let mut problems = Vec::new();
    for doc in &texts {
        problems.extend(link_problems(store, doc, &planned, all_required));
        if let Some(o) = &outline {
            problems.extend(reference_problems(o, doc));
        }
    }
    outcomes.push(outcome(
        "links",
        "links, anchors and \"Chapter N\" references resolve",
        problems,
        format!("links in {} resolve", count(texts.len(), "file")),
        &clock,
    ));

    let clock = Instant::now();
    // Without an outline there is no coverage check to report unreadable files; this one does.
    let mut problems = if outline.is_none() {
        read_problems
    } else {
        Vec::new()
    };
    let extra = [
        outline_text.as_ref().map(|t| (OUTLINE_FILE, t)),
        notes_text.as_ref().map(|t| (NOTES_FILE, t)),
    ];
    for (path, text) in extra
        .into_iter()
        .flatten()
        .chain(texts.iter().map(|d| (d.path.as_str(), &d.text)))
    {
        if text.trim().is_empty() {
            problems.push(format!("{path} is empty"));
        }
        problems.extend(
            markdown::problems(text)
                .into_iter()
                .map(|p| format!("{path} line {}: {}", p.line, p.message)),
        );
    }
    outcomes.push(outcome(
        "markdown",
        "Markdown is well formed (fences closed, headings, link references)",
        problems,
        "well formed".to_string(),
        &clock,
    ));
    outcomes
}

fn outcome(
    name: &str,
    what: &str,
    problems: Vec<String>,
    pass_note: String,
    clock: &Instant,
) -> CheckOutcome {
    let passed = problems.is_empty();
    CheckOutcome {
        name: name.to_string(),
        command: what.to_string(),
        passed,
        exit_code: Some(if passed { 0 } else { 1 }),
        timed_out: false,
        no_tests: false,
        mode: MODE.to_string(),
        output: if passed {
            pass_note
        } else {
            problems.join("\n")
        },
        duration_ms: u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX),
    }
}

/// "1 chapter", "3 chapters".
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// The file's text; None when it does not exist (other errors are recorded as problems).
fn read_optional(store: &FileStore, path: &str, problems: &mut Vec<String>) -> Option<String> {
    match store.read(path) {
        Ok(text) => Some(text),
        Err(StoreError::NotFound { .. }) => None,
        Err(e) => {
            problems.push(format!("{path} cannot be read: {e}"));
            None
        }
    }
}

/// Markdown files in the chapter folders that no outline unit names.
fn stray_files(
    store: &FileStore,
    planned: &BTreeSet<String>,
    problems: &mut Vec<String>,
) -> Vec<Doc> {
    let mut dirs: BTreeSet<String> = planned
        .iter()
        .filter_map(|f| f.rsplit_once('/').map(|(d, _)| d.to_string()))
        .collect();
    dirs.insert(CHAPTERS_DIR.to_string());
    let mut out = Vec::new();
    for dir in dirs {
        let Ok(entries) = store.list(Some(&dir)) else {
            continue;
        };
        for entry in entries {
            let path = entry.path;
            if path.ends_with(".md")
                && !planned.contains(&path)
                && !out.iter().any(|d: &Doc| d.path == path)
                && path != BOOK_FILE
            {
                if let Some(text) = read_optional(store, &path, problems) {
                    out.push(Doc { path, text });
                }
            }
        }
    }
    out
}

fn heading_problems(unit: &Unit, doc: &Doc) -> Vec<String> {
    let headings = markdown::headings(&doc.text);
    let mut out = Vec::new();
    let want = heading_key(&unit.title);
    match headings.first() {
        None => out.push(format!(
            "{} has no heading; start it with `# {}`",
            doc.path, unit.title
        )),
        Some(h) if h.level != 1 || heading_key(&h.text) != want => out.push(format!(
            "{} line {}: the file starts with the heading `{} {}`; start it with `# {}`",
            doc.path,
            h.line,
            "#".repeat(h.level as usize),
            h.text,
            unit.title
        )),
        Some(_) => {}
    }
    for h in headings.iter().skip(1).filter(|h| h.level == 1) {
        out.push(format!(
            "{} line {}: `# {}` is a second level-1 heading; a chapter has one `#` title, so make it `## {}`",
            doc.path, h.line, h.text, h.text
        ));
    }
    for section in &unit.sections {
        let key = heading_key(section);
        if !headings
            .iter()
            .any(|h| h.level >= 2 && heading_key(&h.text) == key)
        {
            out.push(format!(
                "{} has no heading for the outline's section \"{section}\": add `## {section}` with its text",
                doc.path
            ));
        }
    }
    out
}

fn length_problem(unit: &Unit, doc: &Doc, tolerance: f64) -> Option<String> {
    let words = markdown::word_count(&doc.text);
    let target = unit.words as f64;
    let low = (target * (1.0 - tolerance)).floor().max(0.0) as usize;
    let high = (target * (1.0 + tolerance)).ceil() as usize;
    if words < low {
        Some(format!(
            "{} has {words} words, but its target is {} (accepted: {low} to {high}); write about {} more words of real content",
            doc.path,
            unit.words,
            unit.words.saturating_sub(words)
        ))
    } else if words > high {
        Some(format!(
            "{} has {words} words, but its target is {} (accepted: {low} to {high}); shorten it by about {} words",
            doc.path,
            unit.words,
            words - unit.words
        ))
    } else {
        None
    }
}

fn placeholder_problems(path: &str, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let lower = line.to_lowercase();
        let found = PLACEHOLDER_WORDS
            .iter()
            .find(|w| has_word(line, w))
            .copied()
            .or_else(|| {
                PLACEHOLDER_FRAGMENTS
                    .iter()
                    .find(|f| lower.contains(*f))
                    .copied()
            });
        if let Some(marker) = found {
            let excerpt: String = line.trim().chars().take(80).collect();
            out.push(format!(
                "{path} line {}: placeholder `{marker}` left in \"{excerpt}\"; replace it with the finished text",
                i + 1
            ));
        }
    }
    out
}

fn has_word(line: &str, word: &str) -> bool {
    line.match_indices(word).any(|(i, _)| {
        let before = line[..i].chars().next_back();
        let after = line[i + word.len()..].chars().next();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
            && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

/// `scheme:` links (http, mailto, ...) point outside the document.
fn is_external(dest: &str) -> bool {
    match dest.find(':') {
        Some(i) => {
            let scheme = &dest[..i];
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        }
        None => false,
    }
}

/// Resolves `rel` against the folder of `from`; None when it climbs out of the root.
pub fn resolve_relative(from: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = match from.rsplit_once('/') {
        Some((dir, _)) => dir.split('/').collect(),
        None => Vec::new(),
    };
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

fn link_problems(
    store: &FileStore,
    doc: &Doc,
    planned: &BTreeSet<String>,
    all_required: bool,
) -> Vec<String> {
    let mut out = Vec::new();
    for link in markdown::links(&doc.text) {
        let dest = link.dest.trim();
        if dest.is_empty() {
            out.push(format!(
                "{} line {}: a link has no target; give it one or remove it",
                doc.path, link.line
            ));
            continue;
        }
        if is_external(dest) {
            continue;
        }
        let (path, fragment) = match dest.split_once('#') {
            Some((p, f)) => (p, Some(f)),
            None => (dest, None),
        };
        let path = path.replace("%20", " ");
        let target = if path.is_empty() {
            doc.path.clone()
        } else if path.starts_with('/') {
            out.push(format!(
                "{} line {}: the link `{dest}` is absolute; link relative to this file's folder",
                doc.path, link.line
            ));
            continue;
        } else {
            match resolve_relative(&doc.path, &path) {
                Some(t) => t,
                None => {
                    out.push(format!(
                        "{} line {}: the link `{dest}` leaves the project folder",
                        doc.path, link.line
                    ));
                    continue;
                }
            }
        };
        let text = if target == doc.path {
            Some(doc.text.clone())
        } else {
            store.read(&target).ok()
        };
        let Some(text) = text else {
            // A chapter not written yet may be linked to until everything is required.
            let not_yet_written = planned.contains(&target) && !all_required;
            if !not_yet_written && !store.exists(&target) {
                out.push(format!(
                    "{} line {}: the link `{dest}` points to `{target}`, which does not exist (links are relative to this file's folder)",
                    doc.path, link.line
                ));
            }
            continue;
        };
        if let Some(fragment) = fragment.filter(|f| !f.is_empty() && target.ends_with(".md")) {
            let anchors: Vec<String> = markdown::headings(&text)
                .into_iter()
                .map(|h| h.anchor)
                .collect();
            if !anchors.iter().any(|a| a == fragment) {
                let shown: Vec<String> = anchors.iter().take(12).map(|a| format!("#{a}")).collect();
                out.push(format!(
                    "{} line {}: `#{fragment}` is not a heading of `{target}`; its headings' anchors are: {}",
                    doc.path,
                    link.line,
                    if shown.is_empty() { "(none)".to_string() } else { shown.join(", ") }
                ));
            }
        }
    }
    out
}

/// "Chapter N" in the text must be a chapter the outline has (when it numbers its chapters).
fn reference_problems(outline: &Outline, doc: &Doc) -> Vec<String> {
    let numbers: BTreeSet<u64> = outline
        .units
        .iter()
        .filter_map(|u| chapter_number(&u.title))
        .collect();
    let Some(&last) = numbers.iter().next_back() else {
        return Vec::new();
    };
    let lines = Lines::new(&doc.text);
    let code = markdown::code_ranges(&doc.text);
    let mut out = Vec::new();
    for word in ["Chapter ", "chapter ", "Chapters ", "chapters "] {
        for (i, _) in doc.text.match_indices(word) {
            if code.iter().any(|r| r.contains(&i)) {
                continue;
            }
            let rest = &doc.text[i + word.len()..];
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            let Ok(n) = digits.parse::<u64>() else {
                continue;
            };
            if !numbers.contains(&n) {
                out.push(format!(
                    "{} line {}: \"{}{n}\" refers to a chapter the outline does not have (it has chapters {} to {last}); fix the reference",
                    doc.path,
                    lines.line_of(i),
                    word,
                    numbers.iter().next().copied().unwrap_or(1)
                ));
            }
        }
    }
    out.sort();
    out
}

/// 3 for "Chapter 3: ..." titles.
fn chapter_number(title: &str) -> Option<u64> {
    let title = title.trim();
    title
        .get(..8)
        .filter(|p| p.eq_ignore_ascii_case("chapter "))?;
    let digits: String = title[8..]
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

#[cfg(test)]
#[path = "checks_tests.rs"]
mod tests;
