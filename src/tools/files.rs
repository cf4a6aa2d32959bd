//! File tools over the run's `FileStore`: every path goes through the store's rules, and every
//! refusal is an error message the model can act on.

use serde::Deserialize;
use serde_json::{json, Value};

use super::interface::top_level_definitions;
use super::{parse_args, Effect, Tool, ToolContext, ToolError, ToolOutput};
use crate::llm::ToolSpec;

/// Files longer than this many lines are shown head + tail.
const READ_MAX_LINES: usize = 400;
const READ_HEAD_LINES: usize = 200;
const READ_TAIL_LINES: usize = 120;
/// Bytes of one file's rendering sent to the model (about 12k tokens): a file of few but huge
/// lines (minified, generated, a 30 MB log) is cut in the middle too.
const READ_MAX_BYTES: usize = 48_000;
/// Bytes of one `read_files` answer over all its files.
const READ_MAX_TOTAL_BYTES: usize = 96_000;
/// Entries `list_files` names before it only counts (a check that made 3,000 files).
const LIST_MAX_ENTRIES: usize = 300;

fn spec(name: &str, description: &str, parameters: Value) -> ToolSpec {
    ToolSpec {
        name: name.into(),
        description: description.into(),
        parameters,
    }
}

pub struct ListFiles;

#[derive(Deserialize)]
struct ListArgs {
    #[serde(default)]
    dir: Option<String>,
}

#[async_trait::async_trait]
impl Tool for ListFiles {
    fn spec(&self) -> ToolSpec {
        spec(
            "list_files",
            "List the project's files (recursively) with their sizes.",
            json!({"type": "object", "properties": {"dir": {"type": "string", "description": "folder to list; the whole project when omitted"}}}),
        )
    }
    async fn call(&self, args: Value, ctx: &ToolContext) -> Result<ToolOutput, ToolError> {
        let args: ListArgs = match parse_args("list_files", args) {
            Ok(a) => a,
            Err(e) => return Ok(e),
        };
        let dir = args
            .dir
            .as_deref()
            .filter(|d| !d.trim().is_empty() && *d != ".");
        match ctx.store.list(dir) {
            Ok(entries) if entries.is_empty() => Ok(ToolOutput::ok("(no files yet)")),
            Ok(entries) => {
                let mut text = entries
                    .iter()
                    .take(LIST_MAX_ENTRIES)
                    .map(|e| format!("{} ({} bytes)", e.path, e.size))
                    .collect::<Vec<_>>()
                    .join("\n");
                if entries.len() > LIST_MAX_ENTRIES {
                    text.push_str(&format!(
                        "\n[... and {} more files; list one folder with `dir`]",
                        entries.len() - LIST_MAX_ENTRIES
                    ));
                }
                Ok(ToolOutput::ok(text))
            }
            Err(e) => Ok(ToolOutput::error(e.to_string())),
        }
    }
}

pub struct ReadFiles;

#[derive(Deserialize)]
struct ReadArgs {
    paths: Vec<String>,
}

/// `path:START-END` -> (path, Some((start, end))), 1-based inclusive.
fn split_range(spec: &str) -> (&str, Option<(usize, usize)>) {
    if let Some((path, range)) = spec.rsplit_once(':') {
        if let Some((a, b)) = range.split_once('-') {
            if let (Ok(a), Ok(b)) = (a.trim().parse::<usize>(), b.trim().parse::<usize>()) {
                return (path, Some((a.max(1), b.max(a.max(1)))));
            }
        }
    }
    (spec, None)
}

fn numbered(lines: &[&str], first: usize) -> String {
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        out.push_str(&format!("{:>5} | {}\n", first + i, line));
    }
    out
}

fn render_file(path: &str, content: &str, range: Option<(usize, usize)>) -> String {
    let lines: Vec<&str> = content.lines().collect();
    let total = lines.len();
    let mut out = format!("=== {path} ({total} lines) ===\n");
    match range {
        Some((start, end)) => {
            if start > total {
                out.push_str(&format!("(the file has only {total} lines)\n"));
            } else {
                let end = end.min(total);
                out.push_str(&numbered(&lines[start - 1..end], start));
            }
        }
        None if total > READ_MAX_LINES => {
            out.push_str(&numbered(&lines[..READ_HEAD_LINES], 1));
            let omitted = total - READ_HEAD_LINES - READ_TAIL_LINES;
            out.push_str(&format!(
                "[... {omitted} lines omitted ({}-{}); read them with `{path}:{}-{}` ...]\n",
                READ_HEAD_LINES + 1,
                total - READ_TAIL_LINES,
                READ_HEAD_LINES + 1,
                total - READ_TAIL_LINES
            ));
            out.push_str(&numbered(
                &lines[total - READ_TAIL_LINES..],
                total - READ_TAIL_LINES + 1,
            ));
        }
        None => out.push_str(&numbered(&lines, 1)),
    }
    out
}

/// Keeps the first two thirds and the last third of `text` within `max` bytes (on character
/// boundaries), with a marker saying how to read the middle.
fn cap_bytes(text: &str, max: usize, path: &str) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let floor = |mut i: usize| {
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let head = floor(max * 2 / 3);
    let tail = floor(text.len() - max / 3);
    format!(
        "{}\n[... {} bytes omitted; read a line range with `{path}:START-END` ...]\n{}",
        &text[..head],
        tail - head,
        &text[tail..]
    )
}

#[async_trait::async_trait]
impl Tool for ReadFiles {
    fn spec(&self) -> ToolSpec {
        spec(
            "read_files",
            "Read files with line numbers. Long files are shortened in the middle; read a range with `path:START-END`.",
            json!({"type": "object", "properties": {"paths": {"type": "array", "items": {"type": "string"}}}, "required": ["paths"]}),
        )
    }
    async fn call(&self, args: Value, ctx: &ToolContext) -> Result<ToolOutput, ToolError> {
        let args: ReadArgs = match parse_args("read_files", args) {
            Ok(a) => a,
            Err(e) => return Ok(e),
        };
        if args.paths.is_empty() {
            return Ok(ToolOutput::error(
                "`paths` is empty: name at least one file.",
            ));
        }
        let mut out = String::new();
        let mut failed = false;
        for p in &args.paths {
            let (path, range) = split_range(p);
            if out.len() >= READ_MAX_TOTAL_BYTES {
                out.push_str(&format!(
                    "=== {path} ===\n(not shown: this answer is full; read it in another call)\n"
                ));
                continue;
            }
            match ctx.store.read(path) {
                Ok(content) => out.push_str(&cap_bytes(
                    &render_file(path, &content, range),
                    READ_MAX_BYTES,
                    path,
                )),
                Err(e) => {
                    failed = true;
                    out.push_str(&format!("=== {path} ===\n{}\n", super::error_text(e)));
                }
            }
        }
        Ok(ToolOutput::text(out.trim_end(), failed))
    }
}

pub struct WriteFiles;

#[derive(Deserialize)]
struct FileArg {
    path: String,
    content: String,
}

#[derive(Deserialize)]
struct WriteArgs {
    files: Vec<FileArg>,
}

#[async_trait::async_trait]
impl Tool for WriteFiles {
    fn spec(&self) -> ToolSpec {
        spec(
            "write_files",
            "Create or overwrite whole files. Give each file's full content.",
            json!({"type": "object", "properties": {"files": {"type": "array", "items": {"type": "object",
                "properties": {"path": {"type": "string"}, "content": {"type": "string"}},
                "required": ["path", "content"]}}}, "required": ["files"]}),
        )
    }
    async fn call(&self, args: Value, ctx: &ToolContext) -> Result<ToolOutput, ToolError> {
        let args: WriteArgs = match parse_args("write_files", args) {
            Ok(a) => a,
            Err(e) => return Ok(e),
        };
        if args.files.is_empty() {
            return Ok(ToolOutput::error(
                "`files` is empty: give at least one {path, content}.",
            ));
        }
        // The model splits one file into parts sent under the same path; the last would win and
        // the others be lost without a word.
        let mut paths: Vec<&str> = args.files.iter().map(|f| f.path.as_str()).collect();
        paths.sort_unstable();
        let mut repeated: Vec<&str> = paths
            .windows(2)
            .filter(|w| w[0] == w[1])
            .map(|w| w[0])
            .collect();
        repeated.dedup();
        if !repeated.is_empty() {
            return Ok(ToolOutput::error(format!(
                "nothing was written: {} given more than once in this call. Give each file once, with its whole content (all its functions in one `content`).",
                repeated.join(", ")
            )));
        }
        let mut lines = Vec::new();
        let mut failed = false;
        let mut unchanged = 0;
        for f in &args.files {
            let mut note = String::new();
            let repaired = match ctx.guards.repair_broken_strings && f.path.ends_with(".py") {
                true => super::pyfix::repair_broken_strings(&f.content),
                false => None,
            };
            let content = match repaired {
                Some((fixed, at)) => {
                    note = format!(
                        "; a line break inside a one-line string (line {}) was written as \\n, as you surely meant (inside JSON, send Python's \\n as \\\\n)",
                        at.iter().map(|l| l.to_string()).collect::<Vec<_>>().join(", ")
                    );
                    fixed
                }
                None => f.content.clone(),
            };
            let content = match ctx.guards.repair_imports {
                true => {
                    let mut content = content;
                    for repair in [
                        super::testimports::import_tested,
                        super::autoimport::missing_imports,
                    ] {
                        if let Some((fixed, said)) = repair(&ctx.store, &f.path, &content) {
                            note.push_str(&format!("; {said}"));
                            content = fixed;
                        }
                    }
                    content
                }
                false => content,
            };
            let f = FileArg {
                path: f.path.clone(),
                content,
            };
            let f = &f;
            let old = ctx.store.read(&f.path).ok();
            // Repeating a write is a common small-model loop; saying so breaks it sooner.
            if old.as_deref() == Some(f.content.as_str()) {
                failed = true;
                unchanged += 1;
                lines.push(format!(
                    "{} unchanged: it already has exactly this content, so writing it again changes nothing. If a check fails, change the line its error points to (edit_file replaces one piece of text); otherwise go on with what the step still needs.",
                    f.path
                ));
                continue;
            }
            // A fresh small-model agent often "writes the tests" by overwriting the module with a
            // stub; refusing a write that drops definitions keeps earlier steps' work.
            let lost = old
                .as_deref()
                .filter(|_| ctx.guards.refuse_dropped_definitions)
                .map(|o| lost_definitions(&f.path, o, &f.content))
                .unwrap_or_default();
            if !lost.is_empty() && !delivers_promised(old.as_deref(), &f.content, ctx) {
                failed = true;
                lines.push(super::error_text(format!(
                    "{} was not written: it would remove {}, which the file defines now. Write the whole file with them kept, or use edit_file to change one part. If your step is about another file (tests go in test_*.py), write that file instead. To really remove them, delete the file first.",
                    f.path,
                    lost.join(", ")
                )));
                continue;
            }
            // The model copies a file shown in its context into the new file it was asked for
            // (`store.py` = `models.py`), which compiles, passes every check and is useless.
            if old.is_none() && ctx.guards.refuse_copies {
                if let Some(twin) = same_content_as(ctx, &f.path, &f.content) {
                    failed = true;
                    lines.push(super::error_text(format!(
                        "{} was not written: its content is exactly that of {twin}. Write what {} itself needs (the step and the plan say what belongs in it).",
                        f.path, f.path
                    )));
                    continue;
                }
            }
            if ctx.guards.refuse_bad_test_files {
                if let Some(why) = super::testfile::refusal(&ctx.store, &f.path, &f.content) {
                    failed = true;
                    lines.push(why);
                    continue;
                }
            }
            match ctx.store.write(&f.path, &f.content) {
                Ok(()) if ctx.guards.flag_double_escaped && looks_double_escaped(&f.content) => {
                    failed = true;
                    lines.push(format!(
                        "wrote {} as ONE line containing literal \\n sequences: the newlines were escaped twice. Write it again with real line breaks.",
                        f.path
                    ))
                }
                Ok(()) => lines.push(format!(
                    "wrote {} ({} lines){note}",
                    f.path,
                    f.content.lines().count()
                )),
                Err(e) => {
                    failed = true;
                    lines.push(super::error_text(format!(
                        "{} was not written: {e}",
                        f.path
                    )));
                }
            }
        }
        let output = ToolOutput::text(lines.join("\n"), failed);
        if unchanged == args.files.len() {
            let paths = args.files.iter().map(|f| f.path.clone()).collect();
            return Ok(output.with_effect(Effect::NoChange { paths }));
        }
        Ok(output)
    }
}

/// Another file of the store whose content is `content` (ignoring surrounding blank space), for
/// contents of at least three non-blank lines (short files such as an empty `__init__.py` may
/// well be alike).
fn same_content_as(ctx: &ToolContext, path: &str, content: &str) -> Option<String> {
    let wanted = content.trim();
    if wanted.lines().filter(|l| !l.trim().is_empty()).count() < 3 {
        return None;
    }
    let entries = ctx.store.list(None).ok()?;
    entries
        .into_iter()
        .filter(|e| e.path != path && e.size as usize >= wanted.len())
        .find(|e| ctx.store.read(&e.path).is_ok_and(|c| c.trim() == wanted))
        .map(|e| e.path)
}

/// Whether `new` defines at the top level a name the task promises that `old` did not. Such a
/// rewrite may drop definitions (module functions in place of a class, say): the old shape was
/// the mistake.
fn delivers_promised(old: Option<&str>, new: &str, ctx: &ToolContext) -> bool {
    let now = top_level_definitions(new);
    let before = old.map(top_level_definitions).unwrap_or_default();
    ctx.step
        .expected_names
        .iter()
        .any(|p| now.contains(&p.name) && !before.contains(&p.name))
}

/// Top-level Python functions and classes that `old` defines and `new` does not.
fn lost_definitions(path: &str, old: &str, new: &str) -> Vec<String> {
    if !path.ends_with(".py") {
        return Vec::new();
    }
    let kept = top_level_definitions(new);
    top_level_definitions(old)
        .into_iter()
        .filter(|name| !kept.contains(name))
        .collect()
}

/// A file written as one long line full of `\n` escapes: the model escaped its newlines twice.
fn looks_double_escaped(content: &str) -> bool {
    content.lines().count() <= 1 && content.len() > 60 && content.matches("\\n").count() >= 3
}

pub struct EditFile;

#[derive(Deserialize)]
struct EditArgs {
    path: String,
    old: String,
    new: String,
}

#[async_trait::async_trait]
impl Tool for EditFile {
    fn spec(&self) -> ToolSpec {
        spec(
            "edit_file",
            "Replace exactly one occurrence of `old` with `new` in a file. `old` must match the file's text exactly, once.",
            json!({"type": "object", "properties": {"path": {"type": "string"}, "old": {"type": "string"}, "new": {"type": "string"}},
                "required": ["path", "old", "new"]}),
        )
    }
    async fn call(&self, args: Value, ctx: &ToolContext) -> Result<ToolOutput, ToolError> {
        let args: EditArgs = match parse_args("edit_file", args) {
            Ok(a) => a,
            Err(e) => return Ok(e),
        };
        if args.old.is_empty() {
            return Ok(ToolOutput::error(
                "`old` is empty; use write_files to create a file.",
            ));
        }
        let content = match ctx.store.read(&args.path) {
            Ok(c) => c,
            Err(e) => return Ok(ToolOutput::error(e.to_string())),
        };
        let count = content.matches(&args.old).count();
        if count != 1 {
            return Ok(ToolOutput::error(format!(
                "`old` occurs {count} times in {}; it must occur exactly once. {}",
                args.path,
                if count == 0 {
                    "Read the file again and copy the text exactly."
                } else {
                    "Include more surrounding lines to make it unique."
                }
            )));
        }
        let updated = content.replacen(&args.old, &args.new, 1);
        match ctx.store.write(&args.path, &updated) {
            Ok(()) => Ok(ToolOutput::ok(format!("edited {}", args.path))),
            Err(e) => Ok(ToolOutput::error(e.to_string())),
        }
    }
}

pub struct DeleteFiles;

#[async_trait::async_trait]
impl Tool for DeleteFiles {
    fn spec(&self) -> ToolSpec {
        spec(
            "delete_files",
            "Delete files.",
            json!({"type": "object", "properties": {"paths": {"type": "array", "items": {"type": "string"}}}, "required": ["paths"]}),
        )
    }
    async fn call(&self, args: Value, ctx: &ToolContext) -> Result<ToolOutput, ToolError> {
        let args: ReadArgs = match parse_args("delete_files", args) {
            Ok(a) => a,
            Err(e) => return Ok(e),
        };
        let mut lines = Vec::new();
        let mut failed = false;
        for p in &args.paths {
            match ctx.store.delete(p) {
                Ok(()) => lines.push(format!("deleted {p}")),
                Err(e) => {
                    failed = true;
                    lines.push(super::error_text(format!("{p} was not deleted: {e}")));
                }
            }
        }
        Ok(ToolOutput::text(lines.join("\n"), failed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::FileStore;

    #[tokio::test]
    async fn a_huge_file_or_a_flood_of_files_reaches_the_model_cut_to_size() {
        let dir = tempfile::tempdir().expect("tmp");
        // 30 MB on one line: the line-based shortening did not apply and it went out whole
        std::fs::write(dir.path().join("big.min.js"), "x".repeat(30 << 20)).expect("write");
        for i in 0..3000 {
            std::fs::write(dir.path().join(format!("out_{i:04}.txt")), "1").expect("write");
        }
        let c = ctx(dir.path());
        let out = ReadFiles
            .call(json!({"paths": ["big.min.js", "out_0001.txt"]}), &c)
            .await
            .expect("read");
        let ToolOutput { text, is_error, .. } = out;
        assert!(!is_error);
        assert!(text.len() < READ_MAX_BYTES + 200, "{} bytes", text.len());
        assert!(text.contains("bytes omitted; read a line range with `big.min.js:START-END`"));
        assert!(
            text.ends_with("    1 | 1"),
            "the second file is still shown"
        );
        let out = ListFiles.call(json!({}), &c).await.expect("list");
        let text = out.text;
        assert_eq!(text.lines().count(), LIST_MAX_ENTRIES + 1);
        assert!(
            text.ends_with("[... and 2701 more files; list one folder with `dir`]"),
            "{}",
            &text[text.len() - 80..]
        );
    }

    fn ctx(dir: &std::path::Path) -> ToolContext {
        ToolContext::new(FileStore::open(dir).expect("store"))
    }

    #[tokio::test]
    async fn write_read_edit_delete_round_trip() {
        let dir = tempfile::tempdir().expect("tmp");
        let c = ctx(dir.path());
        let out = WriteFiles
            .call(
                json!({"files": [{"path": "pkg/a.py", "content": "x = 1\ny = 2\n"}]}),
                &c,
            )
            .await
            .expect("write");
        assert_eq!(out, ToolOutput::ok("wrote pkg/a.py (2 lines)"));
        let out = EditFile
            .call(
                json!({"path": "pkg/a.py", "old": "y = 2", "new": "y = 3"}),
                &c,
            )
            .await
            .expect("edit");
        assert_eq!(out, ToolOutput::ok("edited pkg/a.py"));
        let out = ReadFiles
            .call(json!({"paths": ["pkg/a.py"]}), &c)
            .await
            .expect("read");
        assert_eq!(
            out,
            ToolOutput::ok("=== pkg/a.py (2 lines) ===\n    1 | x = 1\n    2 | y = 3")
        );
        let out = ListFiles.call(json!({}), &c).await.expect("list");
        assert_eq!(out, ToolOutput::ok("pkg/a.py (12 bytes)"));
        let out = DeleteFiles
            .call(json!({"paths": ["pkg/a.py"]}), &c)
            .await
            .expect("delete");
        assert_eq!(out, ToolOutput::ok("deleted pkg/a.py"));
        assert!(!dir.path().join("pkg/a.py").exists());
    }

    #[tokio::test]
    async fn writing_the_same_files_again_is_reported_as_no_change() {
        let dir = tempfile::tempdir().expect("tmp");
        let c = ctx(dir.path());
        let good = json!({"files": [{"path": "a.py", "content": "x = 1\n"}]});
        WriteFiles.call(good.clone(), &c).await.expect("write");
        let out = WriteFiles.call(good, &c).await.expect("write again");
        assert_eq!(out, ToolOutput {
            text: "a.py unchanged: it already has exactly this content, so writing it again changes nothing. If a check fails, change the line its error points to (edit_file replaces one piece of text); otherwise go on with what the step still needs.".into(),
            is_error: true,
            effect: Effect::NoChange { paths: vec!["a.py".into()] },
        });
        // One changed file among them is a real write.
        let mixed = json!({"files": [{"path": "a.py", "content": "x = 1\n"}, {"path": "b.py", "content": "y = 2\n"}]});
        let out = WriteFiles.call(mixed, &c).await.expect("write");
        assert_eq!(out.effect, Effect::None);
    }

    #[tokio::test]
    async fn without_guards_a_write_is_only_a_write() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut c = ctx(dir.path());
        c.guards = crate::profile::WriteGuards::NONE;
        let module = "def a():\n    return 1\n\ndef b():\n    return 2\n";
        WriteFiles
            .call(json!({"files": [{"path": "m.py", "content": module}]}), &c)
            .await
            .expect("write");
        let shorter = "def a():\n    return t.split('\n')\n";
        let out = WriteFiles
            .call(json!({"files": [{"path": "m.py", "content": shorter}, {"path": "n.py", "content": module}]}), &c)
            .await
            .expect("write");
        assert_eq!(
            out,
            ToolOutput::ok("wrote m.py (3 lines)\nwrote n.py (5 lines)")
        );
        assert_eq!(c.store.read("m.py").expect("read"), shorter);
    }

    #[tokio::test]
    async fn a_write_that_drops_definitions_is_refused_and_the_file_kept() {
        let dir = tempfile::tempdir().expect("tmp");
        let c = ctx(dir.path());
        let module = "import re\n\ndef word_count(t):\n    return len(t.split())\n\nclass Stats:\n    pass\n\nasync def fetch():\n    pass\n";
        WriteFiles
            .call(json!({"files": [{"path": "m.py", "content": module}]}), &c)
            .await
            .expect("write");
        let stub = "def word_count(t):\n    # Your implementation here\n";
        let out = WriteFiles
            .call(json!({"files": [{"path": "m.py", "content": stub}]}), &c)
            .await
            .expect("call");
        assert_eq!(out, ToolOutput {
            text: "ERROR: m.py was not written: it would remove Stats, fetch, which the file defines now. Write the whole file with them kept, or use edit_file to change one part. If your step is about another file (tests go in test_*.py), write that file instead. To really remove them, delete the file first.".into(),
            is_error: true,
            effect: Effect::None,
        });
        assert_eq!(c.store.read("m.py").expect("read"), module);
        // Keeping every definition (and adding one) is an ordinary write; other file types are free.
        let grown = format!("{module}\ndef extra():\n    pass\n");
        let out = WriteFiles
            .call(json!({"files": [{"path": "m.py", "content": grown}, {"path": "notes.md", "content": "x"}]}), &c)
            .await
            .expect("call");
        assert_eq!(
            out,
            ToolOutput::ok("wrote m.py (13 lines)\nwrote notes.md (1 lines)")
        );
    }

    #[tokio::test]
    async fn a_test_file_gets_the_import_of_what_it_calls() {
        let dir = tempfile::tempdir().expect("tmp");
        let c = ctx(dir.path());
        let files = json!([{"path": "calc.py", "content": "def add(a, b):\n    return a + b\n"}, {"path": "test_calc.py", "content": "def test_add():\n    assert add(1, 2) == 3\n"}]);
        let out = WriteFiles
            .call(json!({ "files": files }), &c)
            .await
            .expect("write");
        assert_eq!(out, ToolOutput::ok("wrote calc.py (2 lines)\nwrote test_calc.py (3 lines); imported add from calc at the top of `test_calc.py`: its tests use them without importing them, a NameError in every test"));
    }

    #[tokio::test]
    async fn a_new_file_copied_from_another_is_refused() {
        let dir = tempfile::tempdir().expect("tmp");
        let c = ctx(dir.path());
        let models =
            "from dataclasses import dataclass\n\n@dataclass\nclass Item:\n    name: str\n";
        let write = |files: Value| WriteFiles.call(json!({ "files": files }), &c);
        write(json!([{"path": "inv/models.py", "content": models}, {"path": "inv/__init__.py", "content": ""}]))
            .await
            .expect("write");
        let out = write(json!([
            {"path": "inv/store.py", "content": format!("{models}\n")},
            {"path": "inv/cli.py", "content": ""},
        ]))
        .await
        .expect("call");
        assert_eq!(out, ToolOutput {
            text: "ERROR: inv/store.py was not written: its content is exactly that of inv/models.py. Write what inv/store.py itself needs (the step and the plan say what belongs in it).\nwrote inv/cli.py (0 lines)".into(),
            is_error: true,
            effect: Effect::None,
        });
        assert!(!c.store.exists("inv/store.py"));
    }

    #[tokio::test]
    async fn one_file_sent_in_parts_is_refused_whole() {
        let dir = tempfile::tempdir().expect("tmp");
        let c = ctx(dir.path());
        c.store
            .write("t.py", "def a():\n    return 1\n")
            .expect("write");
        let out = WriteFiles
            .call(
                json!({"files": [
                    {"path": "t.py", "content": "def a():\n    return 2\n"},
                    {"path": "u.py", "content": "x = 1\n"},
                    {"path": "t.py", "content": "def b():\n    return 3\n"},
                ]}),
                &c,
            )
            .await
            .expect("call");
        assert_eq!(out, ToolOutput::error("nothing was written: t.py given more than once in this call. Give each file once, with its whole content (all its functions in one `content`)."));
        assert_eq!(
            c.store.read("t.py").expect("read"),
            "def a():\n    return 1\n"
        );
        assert!(!c.store.exists("u.py"));
    }

    #[tokio::test]
    async fn a_string_broken_by_a_json_newline_is_repaired_and_said() {
        let dir = tempfile::tempdir().expect("tmp");
        let c = ctx(dir.path());
        let args = json!({"files": [{"path": "t.py", "content": "def lines(t):\n    return t.split('\n')\n"}]});
        let out = WriteFiles.call(args, &c).await.expect("write");
        assert_eq!(
            out,
            ToolOutput::ok("wrote t.py (2 lines); a line break inside a one-line string (line 2) was written as \\n, as you surely meant (inside JSON, send Python's \\n as \\\\n)")
        );
        assert_eq!(
            c.store.read("t.py").expect("read"),
            "def lines(t):\n    return t.split('\\n')\n"
        );
    }

    #[tokio::test]
    async fn a_doubly_escaped_file_is_reported() {
        let dir = tempfile::tempdir().expect("tmp");
        let c = ctx(dir.path());
        let content =
            "def f():\\n    return 1\\n\\ndef g():\\n    return 2\\n# padding padding padding";
        let out = WriteFiles
            .call(json!({"files": [{"path": "a.py", "content": content}]}), &c)
            .await
            .expect("write");
        assert_eq!(out, ToolOutput::text("wrote a.py as ONE line containing literal \\n sequences: the newlines were escaped twice. Write it again with real line breaks.", true));
    }

    #[tokio::test]
    async fn edit_needs_exactly_one_match() {
        let dir = tempfile::tempdir().expect("tmp");
        let c = ctx(dir.path());
        c.store.write("a.txt", "ab ab").expect("write");
        let out = EditFile
            .call(json!({"path": "a.txt", "old": "ab", "new": "x"}), &c)
            .await
            .expect("edit");
        assert_eq!(out, ToolOutput::error("`old` occurs 2 times in a.txt; it must occur exactly once. Include more surrounding lines to make it unique."));
        let out = EditFile
            .call(json!({"path": "a.txt", "old": "zz", "new": "x"}), &c)
            .await
            .expect("edit");
        assert_eq!(out, ToolOutput::error("`old` occurs 0 times in a.txt; it must occur exactly once. Read the file again and copy the text exactly."));
        assert_eq!(c.store.read("a.txt").expect("read"), "ab ab");
    }

    #[test]
    fn long_files_are_shortened_with_a_range_hint() {
        let content: String = (1..=1000).map(|i| format!("line {i}\n")).collect();
        let shown = render_file("big.py", &content, None);
        assert!(shown
            .contains("[... 680 lines omitted (201-880); read them with `big.py:201-880` ...]"));
        assert!(shown.contains("  200 | line 200\n"));
        assert!(shown.contains("  881 | line 881\n"));
        assert!(!shown.contains("| line 500\n"));
        let ranged = render_file("big.py", &content, Some((500, 501)));
        assert_eq!(
            ranged,
            "=== big.py (1000 lines) ===\n  500 | line 500\n  501 | line 501\n"
        );
        assert_eq!(split_range("a:b.py:3-9"), ("a:b.py", Some((3, 9))));
        assert_eq!(split_range("a.py"), ("a.py", None));
    }
}
