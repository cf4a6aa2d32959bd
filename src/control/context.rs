//! Context budget rules: how much of the window a prompt may use, and how to shrink one without
//! separating a tool call from its result (old tool outputs go first).

use super::state::RunSettings;
use crate::llm::{Message, Role};

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
