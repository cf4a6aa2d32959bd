//! `write_outline`: the outline of a text run as structured arguments, rendered by us into the
//! exact `outline.md` (and `notes.md`) format the text checks read. Small models asked to write
//! that Markdown by hand copied the prompt instead; filling in fields is what they do reliably
//! (the planner's forced `plan` call works the same way).

use serde::Deserialize;
use serde_json::{json, Value};

use super::{parse_args, Tool, ToolContext, ToolError, ToolOutput};
use crate::llm::ToolSpec;

pub struct WriteOutline;

#[derive(Deserialize)]
struct Chapter {
    title: String,
    words: u64,
    #[serde(default)]
    sections: Vec<String>,
}

#[derive(Deserialize)]
struct OutlineArgs {
    title: String,
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

fn render(args: &OutlineArgs) -> Result<(String, String), String> {
    let title = one_line(args.title.trim_start_matches('#'));
    if title.is_empty() {
        return Err("`title` is empty: give the document's title.".into());
    }
    if args.chapters.is_empty() {
        return Err("`chapters` is empty: give at least one {title, words, sections}.".into());
    }
    let mut outline = format!("# {title}\n");
    for (i, ch) in args.chapters.iter().enumerate() {
        let name = one_line(bare_title(ch.title.trim_start_matches('#')));
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
            ch.words
        ));
        for s in &ch.sections {
            let s = one_line(s.trim_start_matches('#'));
            if !s.is_empty() {
                outline.push_str(&format!("### {s}\n"));
            }
        }
    }
    let mut notes = String::new();
    for n in &args.notes {
        let n = one_line(n.trim_start_matches(['-', '*']));
        if !n.is_empty() {
            notes.push_str(&format!("- {n}\n"));
        }
    }
    Ok((outline, notes))
}

#[async_trait::async_trait]
impl Tool for WriteOutline {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: "write_outline".into(),
            description: "Write outline.md and notes.md from the document's title, its chapters (each with a title, target words and section titles) and the notes every chapter must agree on.".into(),
            parameters: json!({"type": "object", "properties": {
                "title": {"type": "string", "description": "the document's title"},
                "chapters": {"type": "array", "items": {"type": "object", "properties": {
                    "title": {"type": "string", "description": "the chapter's title, without 'Chapter N'"},
                    "words": {"type": "integer", "description": "target length in words"},
                    "sections": {"type": "array", "items": {"type": "string"}, "description": "2 to 5 section titles"}},
                    "required": ["title", "words", "sections"]}},
                "notes": {"type": "array", "items": {"type": "string"}, "description": "audience, tone, and the names and terms every chapter uses, one short note each"}},
                "required": ["title", "chapters", "notes"]}),
        }
    }

    async fn call(&self, args: Value, ctx: &ToolContext) -> Result<ToolOutput, ToolError> {
        let args: OutlineArgs = match parse_args("write_outline", args) {
            Ok(a) => a,
            Err(e) => return Ok(e),
        };
        let (outline, notes) = match render(&args) {
            Ok(r) => r,
            Err(e) => return Ok(ToolOutput::error(e)),
        };
        for (path, text) in [("outline.md", &outline), ("notes.md", &notes)] {
            if let Err(e) = ctx.store.write(path, text) {
                return Ok(ToolOutput::error(format!("{path} was not written: {e}")));
            }
        }
        Ok(ToolOutput::ok(format!(
            "wrote outline.md ({} chapters) and notes.md ({} notes):\n{outline}",
            args.chapters.len(),
            args.notes.len()
        )))
    }
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
    }
}
