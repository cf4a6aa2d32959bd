//! Context budget rules: how much of the window a prompt may use, and how to shrink one without
//! separating a tool call from its result (old tool outputs go first).

use super::state::RunSettings;
use crate::llm::{Message, Role};
use crate::store::{FileStore, StoreError};

const ELIDED: &str = "[output elided to save context; call the tool again if you need it]";

/// Tokens a prompt may use before compaction: the threshold fraction of the window, minus the
/// room the reply needs.
pub fn budget(settings: &RunSettings) -> usize {
    let reply = settings.max_output_tokens.unwrap_or(1024) as usize;
    let threshold = (settings.context_window as f64 * settings.compact_at as f64) as usize;
    threshold.min(settings.context_window.saturating_sub(reply))
}

/// Replaces the content of all but the last `keep` tool results with a short marker. The tool
/// messages stay in place, so every call keeps its result. Returns how many were elided.
pub fn elide_old_tool_outputs(messages: &mut [Message], keep: usize) -> usize {
    let tool_positions: Vec<usize> = messages
        .iter()
        .enumerate()
        .filter(|(_, m)| m.role == Role::Tool && m.content != ELIDED)
        .map(|(i, _)| i)
        .collect();
    let cut = tool_positions.len().saturating_sub(keep);
    for &i in &tool_positions[..cut] {
        messages[i].content = ELIDED.to_string();
    }
    cut
}

/// Files named (not shown) at most in a step's prompt.
const MAX_NAMED: usize = 50;

/// The project's current files, shown in full at the start of a code step while they fit in
/// `max_chars`, so a fresh agent builds on what is there instead of rewriting it from memory
/// (small models rarely call `read_files` first). Files that do not fit are named, not shown.
pub fn file_contents(store: &FileStore, max_chars: usize) -> Result<String, StoreError> {
    let mut shown = String::new();
    let mut left_out = Vec::new();
    for entry in store.list(None)? {
        let Ok(text) = store.read(&entry.path) else {
            continue;
        };
        let block = format!("## {}\n```\n{}\n```\n\n", entry.path, text.trim_end());
        if shown.len() + block.len() <= max_chars {
            shown.push_str(&block);
        } else {
            left_out.push(entry.path);
        }
    }
    if !left_out.is_empty() {
        // named up to a point: a check that made thousands of files must not fill the prompt
        let more = left_out.len().saturating_sub(MAX_NAMED);
        left_out.truncate(MAX_NAMED);
        shown.push_str(&format!(
            "(not shown to save room; read them with read_files: {}{})\n",
            left_out.join(", "),
            if more > 0 {
                format!(" and {more} more (see list_files)")
            } else {
                String::new()
            }
        ));
    }
    Ok(shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_of_files_are_counted_not_all_named() {
        let dir = tempfile::tempdir().expect("tmp");
        for i in 0..3000 {
            std::fs::write(dir.path().join(format!("f{i:04}.txt")), "data").expect("write");
        }
        let store = FileStore::open(dir.path()).expect("store");
        let text = file_contents(&store, 200).expect("contents");
        assert!(text.len() < 2000, "{} bytes", text.len());
        assert!(text.contains(" more (see list_files)"), "{text}");
        assert!(text.matches(", ").count() < 60, "{text}");
    }

    #[test]
    fn budget_leaves_room_for_the_reply() {
        let s = RunSettings {
            context_window: 8192,
            compact_at: 0.8,
            max_output_tokens: Some(2048),
            ..RunSettings::default()
        };
        assert_eq!(budget(&s), 6144);
        let s = RunSettings {
            context_window: 100_000,
            ..s
        };
        assert_eq!(budget(&s), 80_000);
    }

    #[test]
    fn elides_old_outputs_but_keeps_every_result_message() {
        let mut msgs = vec![
            Message::user("u"),
            Message::tool_result("a", "one"),
            Message::tool_result("b", "two"),
            Message::tool_result("c", "three"),
        ];
        assert_eq!(elide_old_tool_outputs(&mut msgs, 2), 1);
        assert_eq!(msgs[1], Message::tool_result("a", ELIDED));
        assert_eq!(msgs[2], Message::tool_result("b", "two"));
        assert_eq!(elide_old_tool_outputs(&mut msgs, 2), 0);
        assert_eq!(msgs.len(), 4);
    }

    #[test]
    fn file_contents_shows_what_fits_and_names_the_rest() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = FileStore::open(dir.path()).expect("store");
        store.write("a.py", "x = 1\n").expect("write");
        store.write("b.py", &"y = 2\n".repeat(50)).expect("write");
        store.write("c/d.py", "z = 3\n").expect("write");
        assert_eq!(
            file_contents(&store, 60).expect("view"),
            "## a.py\n```\nx = 1\n```\n\n## c/d.py\n```\nz = 3\n```\n\n(not shown to save room; read them with read_files: b.py)\n"
        );
        assert_eq!(file_contents(&store, 0).expect("view").lines().count(), 1);
    }
}
