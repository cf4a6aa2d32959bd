//! A text run end to end against a scripted OpenAI-compatible server: the outline step, three
//! chapter steps (one blocked by a missing section until the model fixes it), the review, and
//! the assembled book.

mod common;

use std::collections::BTreeSet;

use common::*;
use l2mac::control::{DomainKind, Event, Outcome, RunSettings};
use serde_json::{json, Value};

const OUTLINE: &str = "# Tidy Logs: A Field Guide\n\n## Chapter 1: Setting Up {words=60}\n### Installing\n### First Run\n\n## Chapter 2: Reading Logs {words=60}\n### Levels\n\n## Chapter 3: Rotating Logs {words=60}\n### Size Limits\n### Retention\n";
const NOTES: &str = "- Tool: logtidy\n- Config file: logtidy.toml\n";
const NOTES_2: &str = "- Tool: logtidy\n- Config file: logtidy.toml\n- Default level: info\n";
/// The example task a new user runs (examples/text/README.md).
const GUIDE_TASK: &str = include_str!("../examples/text/guide.md");

/// The example guide with chapters short enough to script (its lengths bind the outline).
fn task() -> String {
    GUIDE_TASK
        .trim()
        .replace("about 250 words each", "about 60 words each")
}
/// Eight words.
const S: &str = "Logs tell the story of a running program.";

fn sentences(n: usize) -> String {
    vec![S; n].join(" ")
}

fn ch1() -> String {
    format!(
        "# Chapter 1: Setting Up\n\n## Installing\n\nInstall logtidy with your package manager. {}\n\n## First Run\n\n{}",
        sentences(2),
        sentences(3)
    )
}

fn ch2() -> String {
    format!(
        "# Chapter 2: Reading Logs\n\n## Levels\n\nThe default level is info; see [First Run](01-setting-up.md#first-run). {}",
        sentences(5)
    )
}

fn ch3_first() -> String {
    format!(
        "# Chapter 3: Rotating Logs\n\n## Size Limits\n\nAs in Chapter 1, [install it first](01-setting-up.md#installing). {} Rotation keeps disks free.",
        sentences(4)
    )
}

const CH3_FIX_OLD: &str = "Rotation keeps disks free.";
fn ch3_fix_new() -> String {
    format!(
        "Rotation keeps disks free.\n\n## Retention\n\n{}",
        sentences(1)
    )
}

fn user_prompt(req: &Value) -> String {
    req["messages"][1]["content"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn system_prompt(req: &Value) -> String {
    req["messages"][0]["content"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn unit_step(file: &str, title: &str, sections: &[&str]) -> String {
    let sections: Vec<String> = sections.iter().map(|s| format!("`{s}`")).collect();
    format!(
        "Write `{file}`: call `write_chapter` with that path and the text of each section ({}), about 60 words in all; l2mac adds the heading `# {title}` and the section headings. Use the names, terms and facts in notes.md, and put the new ones you decide in `new_notes`; then call `step_complete`.",
        sections.join(", ")
    )
}

#[tokio::test]
async fn outline_three_chapters_a_fixed_check_and_an_assembled_book() {
    let server = ScriptedServer::start(vec![
        // Step 1: the outline. No planner call: a text run starts with its outline step.
        expect(
            |req| {
                assert_ne!(req["tool_choice"], json!({"type": "function", "function": {"name": "plan"}}));
                let system = system_prompt(req);
                assert!(system.contains("## Chapter 1: Chapter title {words=600}"), "{system}");
                assert!(!system.contains("pytest"), "{system}");
                let user = user_prompt(req);
                assert!(user.starts_with(&format!("# The whole task\n{}", task())), "{user}");
                assert!(user.contains("1. Plan the document: call `write_outline`"), "{user}");
                assert!(!user.contains("Shared notes"), "{user}");
                // The outline step offers the structured outline tool first.
                assert_eq!(req["tools"][0]["function"]["name"], json!("write_outline"));
            },
            calls(vec![(
                "write_outline",
                json!({"title": "Tidy Logs: A Field Guide", "chapters": [
                    {"title": "Setting Up", "words": 60, "sections": ["Installing", "First Run"]},
                    {"title": "Reading Logs", "words": 60, "sections": ["Levels"]},
                    {"title": "Rotating Logs", "words": 60, "sections": ["Size Limits", "Retention"]}],
                    "notes": ["Tool: logtidy", "Config file: logtidy.toml"]}),
            )]),
        ),
        complete("outline with 3 chapters and notes"),
        // Step 2: chapter 1, with the notes in its context.
        expect(
            |req| {
                let user = user_prompt(req);
                assert!(
                    user.contains("# Shared notes (notes.md): the names, terms and facts every part agrees on\n- Tool: logtidy\n- Config file: logtidy.toml\n"),
                    "{user}"
                );
                assert!(user.contains("# Your step (2 of 5)\nWrite `chapters/01-setting-up.md`"), "{user}");
            },
            write("chapters/01-setting-up.md", &ch1()),
        ),
        complete("chapter 1"),
        // Step 3: chapter 2 through write_chapter (l2mac adds the headings), which adds a fact
        // to the notes.
        expect(
            |req| {
                let tools = tool_names(req);
                assert_eq!(
                    tools,
                    ["write_chapter", "step_complete", "read_files", "write_files", "run_checks"]
                );
            },
            calls(vec![(
                "write_chapter",
                json!({"path": "chapters/02-reading-logs.md", "sections": [{"title": "Levels",
                    "text": ch2().split_once("## Levels\n\n").map(|(_, body)| body.to_string())}],
                    "new_notes": ["Default level: info"]}),
            )]),
        ),
        complete("chapter 2"),
        // Step 4: chapter 3 sees the new fact, forgets a section, is told, and fixes it.
        expect(
            |req| {
                let user = user_prompt(req);
                assert!(user.contains("- Default level: info"), "{user}");
            },
            write("chapters/03-rotating-logs.md", &ch3_first()),
        ),
        complete("chapter 3"),
        expect(
            |req| {
                let result = last_message(req)["content"].as_str().unwrap_or_default().to_string();
                assert!(result.contains("not complete because checks fail"), "{result}");
                assert!(
                    result.contains("## FAIL coverage: `every outline chapter has its file, title heading and section headings`\nran as: built-in text checks; exit code 1"),
                    "{result}"
                );
                assert!(
                    result.contains("chapters/03-rotating-logs.md has no heading for the outline's section \"Retention\": add `## Retention` with its text"),
                    "{result}"
                );
            },
            // Chapter steps have no edit_file; the whole file is written again.
            write(
                "chapters/03-rotating-logs.md",
                &ch3_first().replace(CH3_FIX_OLD, &ch3_fix_new()),
            ),
        ),
        complete("chapter 3 with both sections"),
        // Step 5: the review.
        expect(
            |req| {
                let user = user_prompt(req);
                assert!(user.contains("# Your step (5 of 5)\nReview the whole document (3 chapters)"), "{user}");
            },
            complete("reviewed"),
        ),
    ])
    .await;
    let dir = tempfile::tempdir().expect("tmp");
    let settings = RunSettings {
        domain: DomainKind::Text,
        ..RunSettings::default()
    };
    let (report, events) = run_task(&server, dir.path(), &task(), settings).await;

    assert_complete(&report);
    assert_eq!(
        (report.steps_total, report.steps_done, report.steps_failed),
        (5, 5, 0)
    );
    assert_eq!(server.served(), 11);
    assert!(
        report
            .checks_summary
            .starts_with("All checks passed (6 of 6)."),
        "{}",
        report.checks_summary
    );

    let plans: Vec<Vec<String>> = events
        .iter()
        .filter_map(|e| match e {
            Event::Planned { steps } => Some(steps.clone()),
            _ => None,
        })
        .collect();
    let outline_step = "Plan the document: call `write_outline` with its title, its chapters (1 to 6; each with a title, its target words (the lengths the task asks for, if it gives any) and 2 to 5 section titles) and the notes every chapter must agree on (audience, tone, names and terms). It writes `outline.md` and `notes.md`. Write no chapter yet; then call `step_complete`.".to_string();
    assert_eq!(
        plans,
        vec![
            vec![outline_step.clone()],
            vec![
                outline_step,
                unit_step("chapters/01-setting-up.md", "Chapter 1: Setting Up", &["Installing", "First Run"]),
                unit_step("chapters/02-reading-logs.md", "Chapter 2: Reading Logs", &["Levels"]),
                unit_step("chapters/03-rotating-logs.md", "Chapter 3: Rotating Logs", &["Size Limits", "Retention"]),
                "Review the whole document (3 chapters): read notes.md, then the chapters one at a time; fix contradictions with notes.md, wrong \"Chapter N\" references and broken links with `edit_file`, and keep notes.md up to date. Call `run_checks`; when every check passes, call `step_complete`.".to_string(),
            ]
        ]
    );

    // The book: contents in outline order, chapter links turned into in-book anchors.
    let ch3 = ch3_first().replace(CH3_FIX_OLD, &ch3_fix_new());
    let book = std::fs::read_to_string(dir.path().join("book.md")).expect("book.md");
    let want = format!(
        "# Tidy Logs: A Field Guide\n\n## Contents\n\n\
         - [Chapter 1: Setting Up](#chapter-1-setting-up)\n  - [Installing](#installing)\n  - [First Run](#first-run)\n\
         - [Chapter 2: Reading Logs](#chapter-2-reading-logs)\n  - [Levels](#levels)\n\
         - [Chapter 3: Rotating Logs](#chapter-3-rotating-logs)\n  - [Size Limits](#size-limits)\n  - [Retention](#retention)\n\n\
         {}\n\n{}\n\n{}\n",
        ch1(),
        ch2().replace("(01-setting-up.md#first-run)", "(#first-run)"),
        ch3.replace("(01-setting-up.md#installing)", "(#installing)")
    );
    assert_eq!(book, want);
    // write_chapter appended the new fact to the outline step's notes.
    assert_eq!(
        std::fs::read_to_string(dir.path().join("notes.md")).expect("notes.md"),
        NOTES_2
    );

    let html = std::fs::read_to_string(dir.path().join("book.html")).expect("book.html");
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(
        html.contains("<title>Tidy Logs: A Field Guide</title>"),
        "{html}"
    );
    let ids = attribute_values(&html, " id=\"");
    let hrefs: BTreeSet<String> = attribute_values(&html, " href=\"#").into_iter().collect();
    assert_eq!(
        hrefs,
        [
            "chapter-1-setting-up",
            "installing",
            "first-run",
            "chapter-2-reading-logs",
            "levels",
            "chapter-3-rotating-logs",
            "size-limits",
            "retention"
        ]
        .into_iter()
        .map(String::from)
        .collect::<BTreeSet<_>>()
    );
    assert!(hrefs.iter().all(|h| ids.contains(h)), "ids {ids:?}");

    // Headings count, markup does not: 4 + 1 + 6 + 2*8 + 2 + 3*8 (chapter 1),
    // 4 + 1 + 8 + 5*8 (chapter 2), 4 + 2 + 7 + 4*8 + 4 + 1 + 8 (chapter 3).
    let words = 53 + 53 + 58;
    let exports = match l2mac::text::export::find_pandoc() {
        Some(_) => "; EPUB book.epub".to_string(),
        None => format!(
            "; no EPUB made: pandoc is not installed; {}",
            l2mac::text::export::INSTALL_HINT
        ),
    };
    assert_eq!(
        report.document,
        Some(format!(
            "book.md and book.html: \"Tidy Logs: A Field Guide\", 3 of 3 chapters, {words} words{exports}"
        ))
    );
    assert!(report.render().contains(&format!("\ndocument: book.md and book.html: \"Tidy Logs: A Field Guide\", 3 of 3 chapters, {words} words")));
}

#[tokio::test]
async fn an_outline_step_that_fails_ends_the_run_without_chapters() {
    let bad = "## Chapter 1: Intro\n";
    let server = ScriptedServer::start(vec![
        write("outline.md", bad),
        complete("outline"),
        expect(
            |req| {
                let result = last_message(req)["content"].as_str().unwrap_or_default().to_string();
                assert!(
                    result.contains("outline.md: there is no title: start the file with `# Title of the document`\noutline.md line 1: the chapter `Chapter 1: Intro` has no target length"),
                    "{result}"
                );
                assert!(result.contains("notes.md does not exist"), "{result}");
            },
            text("I cannot do this."),
        ),
    ])
    .await;
    let dir = tempfile::tempdir().expect("tmp");
    let settings = RunSettings {
        domain: DomainKind::Text,
        max_turns_per_step: 3,
        ..RunSettings::default()
    };
    let (report, events) = run_task(&server, dir.path(), "Write a guide", settings).await;
    assert_eq!(report.outcome, Outcome::Incomplete);
    assert_eq!(
        (report.steps_total, report.steps_done, report.steps_failed),
        (1, 0, 1)
    );
    assert!(!report.checks_passed);
    assert!(
        report.document.as_deref().is_some_and(|d| d.starts_with(
            "no book assembled: outline.md cannot be used:\noutline.md: there is no title"
        )),
        "{:?}",
        report.document
    );
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(e, Event::Planned { .. }))
            .count(),
        1
    );
    assert!(!dir.path().join("book.md").exists());
}

#[tokio::test]
async fn a_run_stopped_after_its_outline_resumes_with_the_planned_chapters() {
    let ch3 = ch3_first().replace(CH3_FIX_OLD, &ch3_fix_new());
    let server = ScriptedServer::start(vec![
        calls(vec![(
            "write_files",
            json!({"files": [{"path": "outline.md", "content": OUTLINE}, {"path": "notes.md", "content": NOTES}]}),
        )]),
        complete("outline"),
        write("chapters/01-setting-up.md", &ch1()),
        complete("chapter 1"),
        write("chapters/02-reading-logs.md", &ch2()),
        complete("chapter 2"),
        write("chapters/03-rotating-logs.md", &ch3),
        complete("chapter 3"),
        complete("reviewed"),
    ])
    .await;
    let dir = tempfile::tempdir().expect("tmp");
    let settings = RunSettings {
        domain: DomainKind::Text,
        max_total_turns: Some(2),
        ..RunSettings::default()
    };
    let (report, _) = run_task(&server, dir.path(), "Write a guide", settings).await;
    assert_eq!(report.outcome, Outcome::BudgetExhausted);
    assert_eq!((report.steps_total, report.steps_done), (5, 1));
    assert!(!report.checks_passed);

    let client = server.client();
    let sink = l2mac::control::CollectSink::default();
    let mut runner = l2mac::control::Runner::open(&client, &sink, dir.path()).expect("open");
    runner.settings_mut().max_total_turns = None;
    let report = runner.run(true).await.expect("resume");
    assert!(server.failures().is_empty(), "{:?}", server.failures());
    assert_complete(&report);
    assert_eq!((report.steps_total, report.steps_done), (5, 5));
    assert_eq!(server.served(), 9);
    assert!(!sink
        .events()
        .iter()
        .any(|e| matches!(e, Event::Planned { .. })));
    assert!(dir.path().join("book.md").is_file());
}

/// Values of an HTML attribute introduced by `prefix` (e.g. ` id="`).
fn attribute_values(html: &str, prefix: &str) -> Vec<String> {
    html.match_indices(prefix)
        .filter_map(|(i, _)| {
            let rest = &html[i + prefix.len()..];
            rest.find('"').map(|end| rest[..end].to_string())
        })
        .collect()
}
