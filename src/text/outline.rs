//! The outline format of text runs (`outline.md`), the plan every chapter step and check reads.
//!
//! ```markdown
//! # The Title of the Document          <- first level-1 heading: the title (required)
//! Free text anywhere is allowed and ignored (a brief, the audience, ...).
//!
//! # Part 1: Foundations                <- optional: later level-1 headings are parts, grouping
//!                                          the units that follow
//! ## Chapter 1: Getting Started {words=800}
//! ### Installing the tools             <- a section: the unit's file must have this heading
//! ### Your first program
//! ## Chapter 2: Configuration {words=600 file=chapters/02-config.md}
//! ```
//!
//! Every level-2 heading is a unit (a chapter, an appendix, ...) and must carry `{words=N}`, its
//! target length. Its file is `chapters/NN-slug.md` (NN its position, slug from the title without
//! the "Chapter N:" label) unless `file=PATH` names another. Deeper headings (`####`) are ignored.
//! Headings inside fenced code blocks are not read.

use crate::store::normalized_string;

pub const CHAPTERS_DIR: &str = "chapters";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outline {
    pub title: String,
    pub parts: Vec<String>,
    pub units: Vec<Unit>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// 1-based position in the outline.
    pub number: usize,
    /// The heading text without attributes, e.g. "Chapter 1: Getting Started".
    pub title: String,
    /// Target length in words.
    pub words: usize,
    /// The unit's file, relative to the run folder.
    pub file: String,
    /// Section titles (`###` lines) in order.
    pub sections: Vec<String>,
    /// Index into `Outline::parts`.
    pub part: Option<usize>,
    /// Line of the unit's heading in outline.md.
    pub line: usize,
}

/// One thing wrong with an outline, with its line (0 when it concerns the whole file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutlineProblem {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for OutlineProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "outline.md: {}", self.message)
        } else {
            write!(f, "outline.md line {}: {}", self.line, self.message)
        }
    }
}

/// Parses an outline; every problem found is returned, not just the first.
pub fn parse(src: &str) -> Result<Outline, Vec<OutlineProblem>> {
    let mut problems = Vec::new();
    let mut title: Option<String> = None;
    let mut parts: Vec<String> = Vec::new();
    let mut units: Vec<Unit> = Vec::new();
    let mut fence: Option<(char, usize)> = None;
    // Whether the last `##` line was a usable chapter; None before any (or after a part).
    let mut last_unit_ok: Option<bool> = None;
    for (i, raw) in src.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim();
        if let Some(f) = fence_marker(line) {
            match fence {
                None => fence = Some(f),
                Some((ch, len)) if f.0 == ch && f.1 >= len && line.trim_matches(ch).is_empty() => {
                    fence = None
                }
                Some(_) => {}
            }
            continue;
        }
        if fence.is_some() || raw.starts_with("    ") {
            continue;
        }
        let hashes = line.len() - line.trim_start_matches('#').len();
        if hashes == 0 || hashes > 6 {
            continue;
        }
        let rest = &line[hashes..];
        if !rest.starts_with(' ') {
            if hashes <= 3 && rest.starts_with(char::is_alphanumeric) {
                problems.push(OutlineProblem {
                    line: line_no,
                    message: format!(
                        "`{line}` needs a space after the #: `{} {rest}`",
                        &line[..hashes]
                    ),
                });
            }
            continue;
        }
        let (text, attrs) = split_attributes(rest.trim().trim_end_matches('#').trim());
        let problem = |message: String| OutlineProblem {
            line: line_no,
            message,
        };
        match hashes {
            1 => {
                if attrs.is_some() {
                    problems.push(problem(
                        "only chapters (`##` lines) take {words=N}; remove it from this `#` line"
                            .into(),
                    ));
                }
                if text.is_empty() {
                    problems.push(problem("this `#` heading has no text".into()));
                } else if title.is_none() {
                    title = Some(text.to_string());
                } else {
                    parts.push(text.to_string());
                }
                last_unit_ok = None;
            }
            2 => {
                let number = units.len() + 1;
                match read_unit(number, text, attrs, parts.len().checked_sub(1), line_no) {
                    Ok(unit) => {
                        units.push(unit);
                        last_unit_ok = Some(true);
                    }
                    Err(messages) => {
                        problems.extend(messages.into_iter().map(problem));
                        last_unit_ok = Some(false);
                    }
                }
            }
            3 => match (last_unit_ok, units.last_mut()) {
                _ if text.is_empty() => {
                    problems.push(problem("this `###` section heading has no text".into()))
                }
                (Some(true), Some(unit)) => unit.sections.push(text.to_string()),
                // The chapter line above has its own problem reported already.
                (Some(false), _) => {}
                _ => problems.push(problem(format!(
                    "the section `{text}` comes before any chapter; put `###` sections under a `## Chapter N: Title {{words=N}}` line"
                ))),
            },
            _ => {}
        }
    }
    if title.is_none() {
        problems.insert(
            0,
            OutlineProblem {
                line: 0,
                message: "there is no title: start the file with `# Title of the document`".into(),
            },
        );
    }
    if units.is_empty() && problems.is_empty() {
        problems.push(OutlineProblem {
            line: 0,
            message: "there are no chapters: add lines like `## Chapter 1: Title {words=800}`, each followed by its `### Section` lines".into(),
        });
    }
    let mut files: Vec<(&str, usize)> = Vec::new();
    for u in &units {
        if let Some((_, first)) = files.iter().find(|(f, _)| *f == u.file) {
            problems.push(OutlineProblem {
                line: u.line,
                message: format!(
                    "`{}` is also the file of the chapter on line {first}; give each chapter its own file",
                    u.file
                ),
            });
        }
        files.push((&u.file, u.line));
    }
    match title {
        Some(title) if problems.is_empty() => Ok(Outline {
            title,
            parts,
            units,
        }),
        _ => Err(problems),
    }
}

fn read_unit(
    number: usize,
    text: &str,
    attrs: Option<&str>,
    part: Option<usize>,
    line: usize,
) -> Result<Unit, Vec<String>> {
    let mut messages = Vec::new();
    if text.is_empty() {
        messages.push("this `##` chapter heading has no title".to_string());
    }
    let mut words = None;
    let mut file = None;
    for pair in attrs.unwrap_or_default().split_whitespace() {
        match pair.split_once('=') {
            Some(("words", n)) => match n.trim_matches('"').parse::<usize>() {
                Ok(n) if (50..=100_000).contains(&n) => words = Some(n),
                _ => messages.push(format!(
                    "`words={n}` is not a target length: use a whole number of words from 50 to 100000"
                )),
            },
            Some(("file", p)) => match normalized_string(p.trim_matches('"')) {
                Ok(p) if p.ends_with(".md") && !RESERVED.contains(&p.as_str()) => file = Some(p),
                Ok(p) => messages.push(format!(
                    "`file={p}` cannot hold a chapter: use a new `.md` file other than {}",
                    RESERVED.join(", ")
                )),
                Err(e) => messages.push(format!("`file={p}` is not usable: {e}")),
            },
            _ => messages.push(format!(
                "`{pair}` is not an attribute of a chapter; use words=N and optionally file=PATH"
            )),
        }
    }
    if words.is_none() && messages.is_empty() {
        messages.push(format!(
            "the chapter `{text}` has no target length: end the line with {{words=N}}, e.g. `## {text} {{words=800}}`"
        ));
    }
    match words {
        Some(words) if messages.is_empty() => Ok(Unit {
            number,
            title: text.to_string(),
            words,
            file: file.unwrap_or_else(|| default_file(number, text)),
            sections: Vec::new(),
            part,
            line,
        }),
        _ => Err(messages),
    }
}

/// Files a chapter may not use: the run's own documents and outputs.
pub const RESERVED: &[&str] = &["outline.md", "notes.md", "book.md"];

/// `chapters/NN-slug.md` for the unit at `number` (1-based).
pub fn default_file(number: usize, title: &str) -> String {
    let slug = file_slug(strip_label(title));
    let slug = if slug.is_empty() {
        "chapter".to_string()
    } else {
        slug
    };
    format!("{CHAPTERS_DIR}/{number:02}-{slug}.md")
}

/// ASCII letters and digits, everything else one `-`, at most about 40 characters.
fn file_slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= 40 {
            break;
        }
    }
    out.trim_end_matches('-').to_string()
}

/// "Chapter 3: Title" / "Chapter 3 - Title" / "3. Title" -> "Title"; other titles unchanged.
pub fn strip_label(title: &str) -> &str {
    let t = title.trim();
    let labelled = t
        .get(..8)
        .is_some_and(|p| p.eq_ignore_ascii_case("chapter "));
    let after = if labelled { t[8..].trim_start() } else { t };
    let n = after
        .find(|c: char| {
            if labelled {
                !c.is_ascii_alphanumeric()
            } else {
                !c.is_ascii_digit()
            }
        })
        .unwrap_or(after.len());
    if n == 0 {
        return t;
    }
    let rest = after[n..].trim_start();
    let out = match [":", ".", "-", "\u{2013}", "\u{2014}"]
        .iter()
        .find_map(|p| rest.strip_prefix(p))
    {
        Some(s) => s.trim(),
        // "Chapter 3 Title" is labelled; "2024 in review" is not.
        None if labelled => rest,
        None => return t,
    };
    if out.is_empty() {
        t
    } else {
        out
    }
}

/// A comparison key for headings: lower-case words, without a leading "chapter N" or section
/// numbers, so `# 3. Deploying` matches the outline's `Chapter 3: Deploying`.
pub fn heading_key(text: &str) -> String {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let mut start = 0;
    if words.first() == Some(&"chapter") && words.len() > 2 {
        start = 2;
    }
    while start + 1 < words.len() && words[start].chars().all(|c| c.is_ascii_digit()) {
        start += 1;
    }
    words[start..].join(" ")
}

/// Splits `Title {words=800}` into the title and the attribute text.
fn split_attributes(text: &str) -> (&str, Option<&str>) {
    if let Some(body) = text.strip_suffix('}') {
        if let Some(open) = body.rfind('{') {
            return (body[..open].trim(), Some(body[open + 1..].trim()));
        }
    }
    (text, None)
}

fn fence_marker(line: &str) -> Option<(char, usize)> {
    let ch = line.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let len = line.len() - line.trim_start_matches(ch).len();
    (len >= 3).then_some((ch, len))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GUIDE: &str = "# A Field Guide to Rust\n\nFor people who know Python.\n\n# Part 1: Basics\n\n## Chapter 1: Getting Started {words=800}\n### Installing the tools\n### Your first program\n\n## Chapter 2: Ownership & Borrowing {words=600 file=chapters/ownership.md}\n### Moves\n#### ignored detail\n\n# Part 2: Practice\n\n## Appendix: Glossary {words=300}\n\n```\n## Not a chapter {words=5}\n```\n";

    #[test]
    fn parses_title_parts_units_sections_and_files() {
        let outline = parse(GUIDE).expect("valid");
        assert_eq!(
            outline,
            Outline {
                title: "A Field Guide to Rust".into(),
                parts: vec!["Part 1: Basics".into(), "Part 2: Practice".into()],
                units: vec![
                    Unit {
                        number: 1,
                        title: "Chapter 1: Getting Started".into(),
                        words: 800,
                        file: "chapters/01-getting-started.md".into(),
                        sections: vec!["Installing the tools".into(), "Your first program".into()],
                        part: Some(0),
                        line: 7,
                    },
                    Unit {
                        number: 2,
                        title: "Chapter 2: Ownership & Borrowing".into(),
                        words: 600,
                        file: "chapters/ownership.md".into(),
                        sections: vec!["Moves".into()],
                        part: Some(0),
                        line: 11,
                    },
                    Unit {
                        number: 3,
                        title: "Appendix: Glossary".into(),
                        words: 300,
                        file: "chapters/03-appendix-glossary.md".into(),
                        sections: vec![],
                        part: Some(1),
                        line: 17,
                    },
                ],
            }
        );
    }

    #[test]
    fn reports_every_problem_with_its_line() {
        let src = "## Chapter 1: Intro\n### Under a bad chapter: not reported again\n##Chapter 2: Next {words=400}\n## Chapter 3: More {words=400 colour=red}\n## Chapter 4: Same {words=500 file=../x.md}\n## Dup {words=500 file=chapters/a.md}\n## Dup again {words=500 file=chapters/a.md}\n";
        let problems: Vec<String> = parse(src)
            .expect_err("invalid")
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            problems,
            vec![
                "outline.md: there is no title: start the file with `# Title of the document`",
                "outline.md line 1: the chapter `Chapter 1: Intro` has no target length: end the line with {words=N}, e.g. `## Chapter 1: Intro {words=800}`",
                "outline.md line 3: `##Chapter 2: Next {words=400}` needs a space after the #: `## Chapter 2: Next {words=400}`",
                "outline.md line 4: `colour=red` is not an attribute of a chapter; use words=N and optionally file=PATH",
                "outline.md line 5: `file=../x.md` is not usable: `../x.md` contains `..`; paths must stay inside the project root, so name the file from the root without `..`",
                "outline.md line 7: `chapters/a.md` is also the file of the chapter on line 6; give each chapter its own file",
            ]
        );
    }

    #[test]
    fn a_section_needs_a_chapter_above_it() {
        let problems: Vec<String> =
            parse("# T\n### Early\n## Chapter 1: A {words=100}\n# Part 2\n### Orphan\n")
                .expect_err("invalid")
                .iter()
                .map(ToString::to_string)
                .collect();
        assert_eq!(
            problems,
            vec![
                "outline.md line 2: the section `Early` comes before any chapter; put `###` sections under a `## Chapter N: Title {words=N}` line",
                "outline.md line 5: the section `Orphan` comes before any chapter; put `###` sections under a `## Chapter N: Title {words=N}` line",
            ]
        );
    }

    #[test]
    fn an_outline_without_chapters_says_how_to_write_one() {
        let problems = parse("# Title\n\nSome intro.\n").expect_err("no units");
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.starts_with("there are no chapters"));
    }

    #[test]
    fn labels_and_keys() {
        assert_eq!(strip_label("Chapter 12: The End"), "The End");
        assert_eq!(strip_label("chapter 3 - Setup"), "Setup");
        assert_eq!(strip_label("3. Setup"), "Setup");
        assert_eq!(strip_label("Chapter IV: Roman"), "Roman");
        assert_eq!(strip_label("Introduction"), "Introduction");
        assert_eq!(strip_label("2024 in review"), "2024 in review");
        assert_eq!(
            heading_key("Chapter 3: Deploying the App"),
            "deploying the app"
        );
        assert_eq!(heading_key("3. Deploying the app!"), "deploying the app");
        assert_eq!(heading_key("1.2 Installing"), "installing");
        assert_eq!(heading_key("Chapter 3"), "chapter 3");
        assert_eq!(
            default_file(7, "Chapter 7: Ünïcode & You"),
            "chapters/07-n-code-you.md"
        );
        assert_eq!(default_file(2, "???"), "chapters/02-chapter.md");
    }
}
