//! `write_outline` and `write_chapter`: a text run's structure as structured arguments, rendered
//! by us into the exact Markdown the text checks read (`outline.md`, `notes.md`, chapter files
//! with their `#`/`##` headings). Small models asked to write that Markdown by hand copied the
//! prompt or got the heading levels wrong; filling in fields and writing prose is what they do
//! reliably (the planner's forced `plan` call works the same way).

use serde::Deserialize;
use serde_json::{json, Value};

use super::{parse_args, Tool, ToolContext, ToolError, ToolOutput};
use crate::llm::ToolSpec;

pub struct WriteOutline;

// Field names are chosen so that their alphabetical order (the order serde_json gives a schema,
// and so the order a grammar-constrained model fills them in) is the natural one: a title before
// the sections that belong to it, a heading before its prose.
#[derive(Deserialize)]
struct Chapter {
    #[serde(alias = "title")]
    heading: String,
    words: u64,
    #[serde(default)]
    sections: Vec<String>,
}

#[derive(Deserialize)]
struct OutlineArgs {
    #[serde(alias = "title")]
    book_title: String,
    chapters: Vec<Chapter>,
    #[serde(default)]
    notes: Vec<String>,
}

/// "Chapter 2: Levels", "2. Levels" and "Levels" all mean the chapter titled "Levels".
fn bare_title(title: &str) -> &str {
    let t = title.trim();
    let t = match t.split_once(':') {
        Some((head, rest)) if head.trim_start().to_lowercase().starts_with("chapter") => rest,
        _ => t,
    };
    let t = t.trim_start();
    let digits = t.chars().take_while(char::is_ascii_digit).count();
    match t[digits..].strip_prefix('.') {
        Some(rest) if digits > 0 => rest.trim(),
        _ => t.trim(),
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The chapters' target words, held to a length the task states (`stated`, from
/// `text::stated_word_counts`): each chapter about that long, or all of them together, within
/// 40%. A plan that fits neither is scaled to whichever reading is nearer to it, and the remark
/// says so. The 1.5B model planned 600-1000-word chapters for "about 400 words each" and then
/// could not write them; asked to redo the outline, it lost the thread instead.
fn held_to_stated_length(chapters: &[Chapter], stated: &[u64]) -> (Vec<u64>, Option<String>) {
    let words: Vec<u64> = chapters.iter().map(|c| c.words).collect();
    let sum: u64 = words.iter().sum();
    if stated.is_empty() || words.is_empty() || sum == 0 {
        return (words, None);
    }
    let near = |w: u64, n: u64| (w as f64 - n as f64).abs() <= 0.4 * n as f64;
    if stated
        .iter()
        .any(|&n| near(sum, n) || words.iter().all(|&w| near(w, n)))
    {
        return (words, None);
    }
    // The scale factor nearest 1 (in ratio) over both readings of each stated length.
    let count = words.len() as f64;
    let factor = stated
        .iter()
        .flat_map(|&n| [n as f64 * count / sum as f64, n as f64 / sum as f64])
        .min_by(|a, b| a.ln().abs().total_cmp(&b.ln().abs()))
        .unwrap_or(1.0);
    let scaled: Vec<u64> = words
        .iter()
        .map(|&w| (((w as f64 * factor) / 10.0).round() as u64 * 10).max(50))
        .collect();
    let asked: Vec<String> = stated.iter().map(|n| n.to_string()).collect();
    let listed = |v: &[u64]| v.iter().map(u64::to_string).collect::<Vec<_>>().join(", ");
    let remark = format!(
        "the task asks for about {} words, so the chapters' target words {} became {}",
        asked.join(" or "),
        listed(&words),
        listed(&scaled)
    );
    (scaled, Some(remark))
}

/// outline.md, notes.md, and remarks on what was adjusted, for the tool result.
fn render(args: &OutlineArgs, stated: &[u64]) -> Result<(String, String, Vec<String>), String> {
    let mut remarks = Vec::new();
    let title = one_line(args.book_title.trim_start_matches('#'));
    if title.is_empty() {
        return Err("`title` is empty: give the document's title.".into());
    }
    if args.chapters.is_empty() {
        return Err("`chapters` is empty: give at least one {title, words, sections}.".into());
    }
    // A small model tends to give every chapter the same sections (the task's own list); the
    // chapters would then all say the same thing.
    let mut seen = std::collections::BTreeMap::new();
    for (i, ch) in args.chapters.iter().enumerate() {
        for s in &ch.sections {
            let key = one_line(s.trim_start_matches('#')).to_lowercase();
            if key.is_empty() {
                continue;
            }
            if let Some(first) = seen.insert(key, i + 1) {
                if first != i + 1 {
                    return Err(format!(
                        "the section `{}` is in chapter {first} and chapter {}: give each chapter its own sections, about what that chapter alone covers.",
                        one_line(s.trim_start_matches('#')),
                        i + 1
                    ));
                }
            }
        }
    }
    let (words, remark) = held_to_stated_length(&args.chapters, stated);
    remarks.extend(remark);
    let mut outline = format!("# {title}\n");
    for (i, ch) in args.chapters.iter().enumerate() {
        let name = one_line(bare_title(ch.heading.trim_start_matches('#')));
        if name.is_empty() {
            return Err(format!("chapter {} has an empty `title`.", i + 1));
        }
        if ch.words == 0 {
            return Err(format!(
                "chapter {} (`{name}`) has `words` 0: give its target length in words.",
                i + 1
            ));
        }
        outline.push_str(&format!(
            "\n## Chapter {}: {name} {{words={}}}\n",
            i + 1,
            words[i]
        ));
        let mut kept: Vec<String> = Vec::new();
        for s in &ch.sections {
            let s = one_line(s.trim_start_matches('#'));
            if s.is_empty() {
                continue;
            }
            if kept.iter().any(|k| k.eq_ignore_ascii_case(&s)) {
                remarks.push(format!(
                    "chapter {} listed the section `{s}` more than once; it has it once",
                    i + 1
                ));
                continue;
            }
            outline.push_str(&format!("### {s}\n"));
            kept.push(s);
        }
    }
    let mut notes = String::new();
    for n in &args.notes {
        let n = one_line(n.trim_start_matches(['-', '*']));
        if !n.is_empty() {
            notes.push_str(&format!("- {n}\n"));
        }
    }
    // An empty notes.md fails the text checks; asked to redo the call, the small model lost the
    // thread, so notes.md starts from what the outline decided and the chapters add to it.
    if notes.is_empty() {
        notes = format!(
            "- title: {title}\n- chapters: {}\n",
            args.chapters
                .iter()
                .map(|c| one_line(bare_title(c.heading.trim_start_matches('#'))))
                .collect::<Vec<_>>()
                .join("; ")
        );
        remarks.push("`notes` was empty, so notes.md starts with the title and the chapters; add names and terms with each chapter's `new_notes`".into());
    }
    Ok((outline, notes, remarks))
}

#[async_trait::async_trait]
impl Tool for WriteOutline {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: "write_outline".into(),
            description: "Write outline.md and notes.md from the document's title, its chapters (each with a title, target words and section titles) and the notes every chapter must agree on.".into(),
            parameters: json!({"type": "object", "properties": {
                "book_title": {"type": "string", "description": "the document's title"},
                "chapters": {"type": "array", "items": {"type": "object", "properties": {
                    "heading": {"type": "string", "description": "the chapter's title, without 'Chapter N'"},
                    "sections": {"type": "array", "items": {"type": "string"}, "description": "2 to 5 titles of this chapter's own sections, each different"},
                    "words": {"type": "integer", "description": "target length in words"}},
                    "required": ["heading", "sections", "words"]}},
                "notes": {"type": "array", "items": {"type": "string"}, "description": "audience, tone, and the names and terms every chapter uses, one short note each"}},
                "required": ["book_title", "chapters", "notes"]}),
        }
    }

    async fn call(&self, args: Value, ctx: &ToolContext) -> Result<ToolOutput, ToolError> {
        let args: OutlineArgs = match parse_args("write_outline", args) {
            Ok(a) => a,
            Err(e) => return Ok(e),
        };
        let (outline, notes, remarks) = match render(&args, &ctx.task_word_counts) {
            Ok(r) => r,
            Err(e) => return Ok(ToolOutput::error(e)),
        };
        for (path, text) in [("outline.md", &outline), ("notes.md", &notes)] {
            if let Err(e) = ctx.store.write(path, text) {
                return Ok(ToolOutput::error(format!("{path} was not written: {e}")));
            }
        }
        let remarks: String = remarks.iter().map(|r| format!("Note: {r}.\n")).collect();
        Ok(ToolOutput::ok(format!(
            "wrote outline.md ({} chapters) and notes.md ({} notes):\n{remarks}{outline}",
            args.chapters.len(),
            notes.lines().count()
        )))
    }
}

pub struct WriteChapter;

#[derive(Deserialize)]
struct Section {
    #[serde(alias = "title")]
    heading: String,
    #[serde(alias = "text")]
    prose: String,
}

#[derive(Deserialize)]
struct ChapterArgs {
    path: String,
    sections: Vec<Section>,
    #[serde(default)]
    new_notes: Vec<String>,
}

#[async_trait::async_trait]
impl Tool for WriteChapter {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: "write_chapter".into(),
            description: "Write one chapter of the outline: its file path and, for each of its sections, the heading and the prose (several paragraphs); l2mac adds the chapter and section headings. New names, terms or facts you decided go in new_notes (added to notes.md).".into(),
            parameters: json!({"type": "object", "properties": {
                "path": {"type": "string", "description": "the chapter's file, as named in your step"},
                "sections": {"type": "array", "items": {"type": "object", "properties": {
                    "heading": {"type": "string", "description": "the section's title from the outline"},
                    "prose": {"type": "string", "description": "the section's text: several full paragraphs of prose (Markdown, no headings)"}},
                    "required": ["heading", "prose"]}},
                "new_notes": {"type": "array", "items": {"type": "string"}}},
                "required": ["path", "sections"]}),
        }
    }

    async fn call(&self, args: Value, ctx: &ToolContext) -> Result<ToolOutput, ToolError> {
        let args: ChapterArgs = match parse_args("write_chapter", args) {
            Ok(a) => a,
            Err(e) => return Ok(e),
        };
        let outline = match crate::text::read_outline(&ctx.store) {
            Ok(o) => o,
            Err(e) => return Ok(ToolOutput::error(format!("no usable outline: {e}"))),
        };
        let path = args.path.trim().trim_start_matches("./");
        let Some(unit) = outline.units.iter().find(|u| u.file == path) else {
            let files: Vec<&str> = outline.units.iter().map(|u| u.file.as_str()).collect();
            return Ok(ToolOutput::error(format!(
                "`{path}` is not a chapter of outline.md; its chapter files are: {}",
                files.join(", ")
            )));
        };
        if args.sections.is_empty() {
            return Ok(ToolOutput::error(
                "`sections` is empty: give each section's title and text.",
            ));
        }
        // Sections merge into what the file has: a small model writes a few hundred words per
        // call, so a long chapter is grown one section at a time without losing the others.
        let mut sections = ctx
            .store
            .read(path)
            .map(|old| split_sections(&old))
            .unwrap_or_default();
        for section in &args.sections {
            let heading = one_line(section.heading.trim_start_matches('#'));
            let prose = section.prose.trim().to_string();
            match sections
                .iter_mut()
                .find(|(h, _)| h.eq_ignore_ascii_case(&heading))
            {
                Some(slot) => slot.1 = prose,
                None => sections.push((heading, prose)),
            }
        }
        // Outline order first, then any extra sections in the order they came.
        let rank = |h: &str| {
            unit.sections
                .iter()
                .position(|s| s.eq_ignore_ascii_case(h))
                .unwrap_or(usize::MAX)
        };
        sections.sort_by_key(|(h, _)| rank(h));
        let mut text = format!("# {}\n", unit.title);
        for (heading, prose) in &sections {
            text.push_str(&format!("\n## {heading}\n\n{prose}\n"));
        }
        let per_section: Vec<String> = sections
            .iter()
            .map(|(h, p)| format!("{h}: {}", crate::text::markdown::word_count(p)))
            .collect();
        if let Err(e) = ctx.store.write(path, &text) {
            return Ok(ToolOutput::error(format!("{path} was not written: {e}")));
        }
        let mut note = String::new();
        if !args.new_notes.is_empty() {
            let mut notes = ctx.store.read(crate::text::NOTES_FILE).unwrap_or_default();
            if !notes.is_empty() && !notes.ends_with('\n') {
                notes.push('\n');
            }
            for n in &args.new_notes {
                let n = one_line(n.trim_start_matches(['-', '*']));
                if !n.is_empty() && !notes.contains(&n) {
                    notes.push_str(&format!("- {n}\n"));
                }
            }
            if let Err(e) = ctx.store.write(crate::text::NOTES_FILE, &notes) {
                return Ok(ToolOutput::error(format!("notes.md was not updated: {e}")));
            }
            note = format!("; notes.md has {} new notes", args.new_notes.len());
        }
        let words = crate::text::markdown::word_count(&text);
        let tolerance = crate::text::DEFAULT_TOLERANCE;
        let low = (unit.words as f64 * (1.0 - tolerance)).round() as usize;
        let high = (unit.words as f64 * (1.0 + tolerance)).round() as usize;
        let verdict = if words < low {
            // A small model extends best when told one section and one number; "the shortest
            // sections" alone grew a chapter by ~30 words a turn.
            let per = unit.words / sections.len().max(1);
            let shortest = sections
                .iter()
                .min_by_key(|(_, p)| crate::text::markdown::word_count(p))
                .map(|(h, p)| (h.as_str(), crate::text::markdown::word_count(p)))
                .unwrap_or(("", 0));
            format!(
                "too short: at least {low} words in all. Next: call write_chapter with only the section `{}` (it has {} words; give it about {per}: two or three more paragraphs, keeping what it says); the other sections are kept",
                shortest.0, shortest.1
            )
        } else if words > high {
            format!("too long: cut it to at most {high} words")
        } else {
            "within the target".to_string()
        };
        Ok(ToolOutput::ok(format!(
            "wrote {path}: {} sections, {words} words (target {}, {verdict}){note}. Words per section: {}",
            sections.len(),
            unit.words,
            per_section.join("; ")
        )))
    }
}

/// A chapter file's `##` sections as (heading, prose); the `#` title and anything before the
/// first section are dropped (the tool writes them again).
fn split_sections(src: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in src.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            out.push((one_line(h), String::new()));
        } else if let Some((_, prose)) = out.last_mut() {
            prose.push_str(line);
            prose.push('\n');
        }
    }
    for (_, prose) in &mut out {
        *prose = prose.trim().to_string();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::FileStore;
    use crate::text::outline::parse;

    #[tokio::test]
    async fn structured_outline_becomes_the_checked_format() {
        let dir = tempfile::tempdir().expect("tmp");
        let ctx = ToolContext::new(FileStore::open(dir.path()).expect("store"));
        let out = WriteOutline
            .call(
                json!({"title": "# Tidy Logs", "chapters": [
                    {"title": "Chapter 1: Why plain-text logs", "words": 400, "sections": ["A good log line", "### One line per event"]},
                    {"title": "2. Log levels", "words": 350, "sections": ["The four levels", "What never to log", " "]}],
                    "notes": ["- audience: developers of small services", "term: log line"]}),
                &ctx,
            )
            .await
            .expect("call");
        let outline = "# Tidy Logs\n\n## Chapter 1: Why plain-text logs {words=400}\n### A good log line\n### One line per event\n\n## Chapter 2: Log levels {words=350}\n### The four levels\n### What never to log\n";
        assert_eq!(
            out,
            ToolOutput::ok(format!(
                "wrote outline.md (2 chapters) and notes.md (2 notes):\n{outline}"
            ))
        );
        assert_eq!(ctx.store.read("outline.md").expect("read"), outline);
        assert_eq!(
            ctx.store.read("notes.md").expect("read"),
            "- audience: developers of small services\n- term: log line\n"
        );
        let parsed = parse(outline).expect("the text checks accept it");
        assert_eq!(parsed.units.len(), 2);
        assert_eq!(parsed.units[1].words, 350);
    }

    #[tokio::test]
    async fn unusable_arguments_are_refused_and_nothing_written() {
        let dir = tempfile::tempdir().expect("tmp");
        let ctx = ToolContext::new(FileStore::open(dir.path()).expect("store"));
        let out = WriteOutline
            .call(
                json!({"title": "G", "chapters": [{"title": "A", "words": 0, "sections": []}], "notes": []}),
                &ctx,
            )
            .await
            .expect("call");
        assert_eq!(
            out,
            ToolOutput::error("chapter 1 (`A`) has `words` 0: give its target length in words.")
        );
        assert!(ctx.store.read("outline.md").is_err());
        let out = WriteOutline
            .call(
                json!({"book_title": "G", "chapters": [
                    {"heading": "A", "words": 100, "sections": ["Why logs", "Levels"]},
                    {"heading": "B", "words": 100, "sections": ["Rotation", "why LOGS"]}], "notes": []}),
                &ctx,
            )
            .await
            .expect("call");
        assert_eq!(
            out,
            ToolOutput::error("the section `why LOGS` is in chapter 1 and chapter 2: give each chapter its own sections, about what that chapter alone covers.")
        );
        assert!(ctx.store.read("outline.md").is_err());
    }

    /// What the small model got wrong and could not fix when asked (a section twice in a
    /// chapter, no notes, chapters twice the length the task states) is fixed up and said.
    #[tokio::test]
    async fn slips_the_model_cannot_repair_are_adjusted_and_said() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut ctx = ToolContext::new(FileStore::open(dir.path()).expect("store"));
        ctx.task_word_counts = crate::text::stated_word_counts(
            "Three chapters of about 400 words each; titles of at most 6 words.",
        );
        assert_eq!(ctx.task_word_counts, vec![400]);
        let out = WriteOutline
            .call(
                json!({"book_title": "G", "notes": ["", " "], "chapters": [
                    {"heading": "A", "words": 1000, "sections": ["Lines", "lines", "Levels"]},
                    {"heading": "Chapter 2: B", "words": 750, "sections": ["b"]},
                    {"heading": "C", "words": 900, "sections": ["c"]}]}),
                &ctx,
            )
            .await
            .expect("call");
        let outline = "# G\n\n## Chapter 1: A {words=450}\n### Lines\n### Levels\n\n## Chapter 2: B {words=340}\n### b\n\n## Chapter 3: C {words=410}\n### c\n";
        assert_eq!(
            out,
            ToolOutput::ok(format!("wrote outline.md (3 chapters) and notes.md (2 notes):\nNote: the task asks for about 400 words, so the chapters' target words 1000, 750, 900 became 450, 340, 410.\nNote: chapter 1 listed the section `lines` more than once; it has it once.\nNote: `notes` was empty, so notes.md starts with the title and the chapters; add names and terms with each chapter's `new_notes`.\n{outline}"))
        );
        assert_eq!(ctx.store.read("outline.md").expect("outline"), outline);
        assert_eq!(
            ctx.store.read("notes.md").expect("notes"),
            "- title: G\n- chapters: A; B; C\n"
        );
    }

    #[tokio::test]
    async fn chapter_lengths_follow_what_the_task_states() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut ctx = ToolContext::new(FileStore::open(dir.path()).expect("store"));
        ctx.task_word_counts = crate::text::stated_word_counts(
            "Three chapters of about 400 words each; titles of at most 6 words.",
        );
        assert_eq!(ctx.task_word_counts, vec![400]);
        let outline = |words: [u64; 3]| {
            json!({"book_title": "G", "notes": ["term: log line"], "chapters": [
                {"heading": "A", "words": words[0], "sections": ["a"]},
                {"heading": "B", "words": words[1], "sections": ["b"]},
                {"heading": "C", "words": words[2], "sections": ["c"]}]})
        };
        // About 400 each, or about 400 in all, is what was asked.
        for fits in [[400, 450, 350], [150, 120, 130]] {
            let out = WriteOutline.call(outline(fits), &ctx).await.expect("call");
            assert!(
                matches!(
                    out,
                    ToolOutput {
                        is_error: false,
                        ..
                    }
                ),
                "{out:?}"
            );
        }
        assert_eq!(
            crate::text::stated_word_counts(
                "A 3,000-word report (2500 words at least) in 12 words"
            ),
            vec![3000, 2500]
        );
    }

    #[tokio::test]
    async fn a_chapter_gets_its_headings_from_the_outline_and_its_length_judged() {
        let dir = tempfile::tempdir().expect("tmp");
        let ctx = ToolContext::new(FileStore::open(dir.path()).expect("store"));
        ctx.store
            .write(
                "outline.md",
                "# G\n\n## Chapter 1: Why Logs {words=50}\n### Lines\n### Levels\n",
            )
            .expect("write");
        ctx.store
            .write("notes.md", "- term: log line")
            .expect("write");
        let out = WriteChapter
            .call(
                json!({"path": "chapters/01-why-logs.md", "sections": [
                    {"heading": "## Lines", "prose": "One event, one line."},
                    {"title": "Levels", "text": "Use info by default."}],
                    "new_notes": ["default level: info"]}),
                &ctx,
            )
            .await
            .expect("call");
        assert_eq!(
            out,
            ToolOutput::ok("wrote chapters/01-why-logs.md: 2 sections, 14 words (target 50, too short: at least 35 words in all. Next: call write_chapter with only the section `Lines` (it has 4 words; give it about 25: two or three more paragraphs, keeping what it says); the other sections are kept); notes.md has 1 new notes. Words per section: Lines: 4; Levels: 4")
        );
        assert_eq!(
            ctx.store.read("chapters/01-why-logs.md").expect("read"),
            "# Chapter 1: Why Logs\n\n## Lines\n\nOne event, one line.\n\n## Levels\n\nUse info by default.\n"
        );
        assert_eq!(
            ctx.store.read("notes.md").expect("read"),
            "- term: log line\n- default level: info\n"
        );
        // Growing one section keeps the other, in outline order.
        WriteChapter
            .call(
                json!({"path": "chapters/01-why-logs.md", "sections": [
                    {"heading": "Lines", "prose": "One event, one line.\n\nNever two."}]}),
                &ctx,
            )
            .await
            .expect("call");
        assert_eq!(
            ctx.store.read("chapters/01-why-logs.md").expect("read"),
            "# Chapter 1: Why Logs\n\n## Lines\n\nOne event, one line.\n\nNever two.\n\n## Levels\n\nUse info by default.\n"
        );
        let out = WriteChapter
            .call(
                json!({"path": "chapters/02-x.md", "sections": [{"title": "A", "text": "b"}]}),
                &ctx,
            )
            .await
            .expect("call");
        assert_eq!(
            out,
            ToolOutput::error("`chapters/02-x.md` is not a chapter of outline.md; its chapter files are: chapters/01-why-logs.md")
        );
    }
}
