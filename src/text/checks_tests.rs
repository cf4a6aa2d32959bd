//! Unit tests of the text checks: each check on a small store that breaks exactly one rule.

use super::*;
use crate::store::store_with;

const OUTLINE: &str = "# Guide\n\n## Chapter 1: Start {words=100}\n### Install\n### Run\n\n## Chapter 2: Next {words=100}\n### Deploy\n";

/// About `n` words of plain prose.
fn prose(n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        s.push_str(if i % 12 == 11 { "word.\n" } else { "word " });
    }
    s
}

/// A chapter with its title and sections and `n` words in all (headings count).
fn chapter(title: &str, sections: &[&str], n: usize) -> String {
    let heading_words: usize = title.split_whitespace().count()
        + sections
            .iter()
            .map(|s| s.split_whitespace().count())
            .sum::<usize>();
    let body = n - heading_words;
    let per = body / sections.len().max(1);
    let mut out = format!("# {title}\n\n");
    if sections.is_empty() {
        out.push_str(&prose(body));
    }
    for (i, s) in sections.iter().enumerate() {
        let words = if i + 1 == sections.len() {
            body - per * i
        } else {
            per
        };
        out.push_str(&format!("## {s}\n\n{}\n", prose(words)));
    }
    out
}

fn good_files() -> Vec<(&'static str, String)> {
    vec![
        ("outline.md", OUTLINE.to_string()),
        ("notes.md", "- Audience: new users\n".to_string()),
        (
            "chapters/01-start.md",
            chapter("Chapter 1: Start", &["Install", "Run"], 100),
        ),
        (
            "chapters/02-next.md",
            chapter("Chapter 2: Next", &["Deploy"], 100),
        ),
    ]
}

fn run_on(files: &[(&str, String)], opts: &TextCheckOptions) -> Vec<CheckOutcome> {
    let borrowed: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
    let (_dir, store) = store_with(&borrowed);
    run_text_checks(&store, opts)
}

/// (name, passed, output) of the failing outcomes.
fn failures(outcomes: &[CheckOutcome]) -> Vec<(String, String)> {
    outcomes
        .iter()
        .filter(|o| !o.passed)
        .map(|o| (o.name.clone(), o.output.clone()))
        .collect()
}

fn with(
    mut files: Vec<(&'static str, String)>,
    path: &'static str,
    text: String,
) -> Vec<(&'static str, String)> {
    files.retain(|(p, _)| *p != path);
    files.push((path, text));
    files
}

#[test]
fn a_complete_document_passes_every_check() {
    let outcomes = run_on(&good_files(), &TextCheckOptions::default());
    let names: Vec<(&str, bool, &str)> = outcomes
        .iter()
        .map(|o| (o.name.as_str(), o.passed, o.mode.as_str()))
        .collect();
    assert_eq!(
        names,
        vec![
            ("outline", true, MODE),
            ("coverage", true, MODE),
            ("length", true, MODE),
            ("placeholders", true, MODE),
            ("links", true, MODE),
            ("markdown", true, MODE),
        ]
    );
    assert_eq!(
        outcomes[1].output,
        "2 of 2 chapters written, each with its headings"
    );
    assert_eq!(
        outcomes[2].output,
        "chapters/01-start.md: 100 words (target 100)\nchapters/02-next.md: 100 words (target 100)"
    );
}

#[test]
fn a_missing_section_heading_is_reported_with_the_fix() {
    let files = with(
        good_files(),
        "chapters/01-start.md",
        chapter("Chapter 1: Start", &["Install"], 100),
    );
    assert_eq!(
        failures(&run_on(&files, &TextCheckOptions::default())),
        vec![(
            "coverage".to_string(),
            "chapters/01-start.md has no heading for the outline's section \"Run\": add `## Run` with its text".to_string()
        )]
    );
}

#[test]
fn a_wrong_title_and_a_second_title_are_reported() {
    let text = chapter("Chapter 1: Start", &["Install", "Run"], 100)
        .replacen("# Chapter 1: Start", "## Begin", 1)
        .replacen("## Run", "# Run", 1);
    let files = with(good_files(), "chapters/01-start.md", text);
    assert_eq!(
        failures(&run_on(&files, &TextCheckOptions::default())),
        vec![(
            "coverage".to_string(),
            "chapters/01-start.md line 1: the file starts with the heading `## Begin`; start it with `# Chapter 1: Start`\n\
             chapters/01-start.md line 9: `# Run` is a second level-1 heading; a chapter has one `#` title, so make it `## Run`\n\
             chapters/01-start.md has no heading for the outline's section \"Run\": add `## Run` with its text".to_string()
        )]
    );
}

#[test]
fn missing_files_count_only_when_the_scope_requires_them() {
    let mut files = good_files();
    files.retain(|(p, _)| *p != "chapters/02-next.md");
    let scoped = |required| TextCheckOptions {
        required,
        ..TextCheckOptions::default()
    };
    assert_eq!(
        failures(&run_on(&files, &scoped(Required::Outline))),
        vec![]
    );
    assert_eq!(
        failures(&run_on(
            &files,
            &scoped(Required::Files(vec!["chapters/01-start.md".into()]))
        )),
        vec![]
    );
    let want = vec![(
        "coverage".to_string(),
        "chapters/02-next.md (Chapter 2: Next) does not exist: write it, starting with `# Chapter 2: Next`".to_string(),
    )];
    assert_eq!(
        failures(&run_on(
            &files,
            &scoped(Required::Files(vec!["chapters/02-next.md".into()]))
        )),
        want
    );
    assert_eq!(failures(&run_on(&files, &scoped(Required::All))), want);
}

#[test]
fn placeholders_are_found_by_word_and_fragment() {
    let base = chapter("Chapter 2: Next", &["Deploy"], 87);
    let first = base.lines().count() + 1;
    let text = base
        + "A TODO: here.\nNot a todo list, nor TODOs.\nLorem Ipsum dolor.\nSee [insert link].\n";
    let files = with(good_files(), "chapters/02-next.md", text);
    let got = failures(&run_on(&files, &TextCheckOptions::default()));
    assert_eq!(
        got,
        vec![(
            "placeholders".to_string(),
            format!("chapters/02-next.md line {first}: placeholder `TODO` left in \"A TODO: here.\"; replace it with the finished text\n\
             chapters/02-next.md line {}: placeholder `lorem ipsum` left in \"Lorem Ipsum dolor.\"; replace it with the finished text\n\
             chapters/02-next.md line {}: placeholder `[insert` left in \"See [insert link].\"; replace it with the finished text", first + 2, first + 3)
        )]
    );
}

#[test]
fn length_outside_the_tolerance_fails_both_ways() {
    let short = with(
        good_files(),
        "chapters/01-start.md",
        chapter("Chapter 1: Start", &["Install", "Run"], 60),
    );
    let long = with(
        good_files(),
        "chapters/02-next.md",
        chapter("Chapter 2: Next", &["Deploy"], 140),
    );
    let opts = TextCheckOptions::default();
    assert_eq!(
        failures(&run_on(&short, &opts)),
        vec![(
            "length".to_string(),
            "chapters/01-start.md has 60 words, but its target is 100 (accepted: 70 to 130); write about 40 more words of real content".to_string()
        )]
    );
    assert_eq!(
        failures(&run_on(&long, &opts)),
        vec![(
            "length".to_string(),
            "chapters/02-next.md has 140 words, but its target is 100 (accepted: 70 to 130); shorten it by about 40 words".to_string()
        )]
    );
    let edge = with(
        good_files(),
        "chapters/01-start.md",
        chapter("Chapter 1: Start", &["Install", "Run"], 70),
    );
    assert_eq!(failures(&run_on(&edge, &opts)), vec![]);
}

#[test]
fn broken_links_anchors_and_chapter_references_are_reported() {
    let base = chapter("Chapter 2: Next", &["Deploy"], 88);
    let line = base.lines().count() + 1;
    let text = base
        + "See [start](01-start.md#run), [bad anchor](01-start.md#nope), [gone](03-gone.md), [web](https://example.org) and Chapter 7.\n";
    let files = with(good_files(), "chapters/02-next.md", text);
    let got = failures(&run_on(&files, &TextCheckOptions::default()));
    assert_eq!(
        got,
        vec![(
            "links".to_string(),
            format!("chapters/02-next.md line {line}: `#nope` is not a heading of `chapters/01-start.md`; its headings' anchors are: #chapter-1-start, #install, #run\n\
             chapters/02-next.md line {line}: the link `03-gone.md` points to `chapters/03-gone.md`, which does not exist (links are relative to this file's folder)\n\
             chapters/02-next.md line {line}: \"Chapter 7\" refers to a chapter the outline does not have (it has chapters 1 to 2); fix the reference")
        )]
    );
}

#[test]
fn links_to_unwritten_chapters_wait_until_the_end() {
    let mut files = good_files();
    files.retain(|(p, _)| *p != "chapters/02-next.md");
    let text = chapter("Chapter 1: Start", &["Install", "Run"], 96)
        + "Next: [deploy](02-next.md#deploy).\n";
    let files = with(files, "chapters/01-start.md", text);
    let step = TextCheckOptions {
        required: Required::Files(vec!["chapters/01-start.md".into()]),
        ..TextCheckOptions::default()
    };
    assert_eq!(failures(&run_on(&files, &step)), vec![]);
    let names: Vec<String> = failures(&run_on(&files, &TextCheckOptions::default()))
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(names, vec!["coverage", "links"]);
}

#[test]
fn markdown_problems_and_stray_files_are_reported() {
    let base = chapter("Chapter 2: Next", &["Deploy"], 98);
    let line = base.lines().count() + 1;
    let files = with(good_files(), "chapters/02-next.md", base + "```sh\nls -l\n");
    let files = with(files, "chapters/extra.md", "# Extra\n".to_string());
    let got = failures(&run_on(&files, &TextCheckOptions::default()));
    assert_eq!(
        got,
        vec![
            (
                "coverage".to_string(),
                "chapters/extra.md is not a chapter of the outline, so it would be left out of the book: add it to outline.md with its file name or move its text into a chapter file (chapters/01-start.md, chapters/02-next.md)".to_string()
            ),
            (
                "markdown".to_string(),
                format!("chapters/02-next.md line {line}: this code block's fence is never closed, so everything after it shows as code; add the closing fence line")
            ),
        ]
    );
}

#[test]
fn outline_notes_and_size_problems_come_first() {
    let opts = TextCheckOptions {
        required: Required::Outline,
        max_units: Some(1),
        require_notes: true,
        ..TextCheckOptions::default()
    };
    let files = vec![("outline.md", OUTLINE.to_string())];
    assert_eq!(
        failures(&run_on(&files, &opts)),
        vec![(
            "outline".to_string(),
            "outline.md has 2 chapters, but this run has room for at most 1; merge chapters (or start the run with a larger --max-steps)\n\
             notes.md does not exist: write the names, terms and facts decided so far (one bullet each), so every chapter agrees".to_string()
        )]
    );
    let none = run_on(&[], &opts);
    assert_eq!(
        none.iter().map(|o| o.name.as_str()).collect::<Vec<_>>(),
        vec!["outline", "placeholders", "links", "markdown"]
    );
    assert!(
        none[0]
            .output
            .starts_with("outline.md does not exist: write it first"),
        "{}",
        none[0].output
    );
    let text = crate::exec::format_outcomes(&none);
    assert!(text.starts_with("3 of 4 checks passed"), "{text}");
    assert!(text.contains("## FAIL outline: `outline.md lists every chapter with its target words`\nran as: built-in text checks;"), "{text}");
}

#[test]
fn an_unreadable_chapter_is_reported_as_such_not_as_missing() {
    let mut files = good_files();
    files.retain(|(p, _)| *p != "chapters/02-next.md");
    files.push(("chapters/02-next.md/inside.txt", "x".to_string()));
    assert_eq!(
        failures(&run_on(&files, &TextCheckOptions::default())),
        vec![(
            "coverage".to_string(),
            "chapters/02-next.md cannot be read: `chapters/02-next.md` is a folder, not a file; give the path of a file inside it".to_string()
        )]
    );
}
