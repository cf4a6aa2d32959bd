//! Token counting for the context budget: a real BPE where the model's tokenizer is known, a
//! conservative estimate elsewhere, because overflowing the window wastes a whole model call.

use std::sync::OnceLock;

use tiktoken_rs::CoreBPE;

use super::{Message, ToolSpec};

/// Counts tokens for one model family.
pub struct TokenCounter {
    bpe: Option<&'static CoreBPE>,
}

static CL100K: OnceLock<Option<CoreBPE>> = OnceLock::new();
static O200K: OnceLock<Option<CoreBPE>> = OnceLock::new();

impl TokenCounter {
    pub fn for_model(model: &str) -> Self {
        let m = model.to_ascii_lowercase();
        let bpe = if m.starts_with("gpt-4o")
            || m.starts_with("o1")
            || m.starts_with("o3")
            || m.starts_with("gpt-4.1")
            || m.starts_with("gpt-5")
        {
            O200K
                .get_or_init(|| tiktoken_rs::o200k_base().ok())
                .as_ref()
        } else if m.starts_with("gpt-4") || m.starts_with("gpt-3.5") {
            CL100K
                .get_or_init(|| tiktoken_rs::cl100k_base().ok())
                .as_ref()
        } else {
            None
        };
        Self { bpe }
    }

    /// Whether counts are exact (known tokenizer) or estimated.
    pub fn is_exact(&self) -> bool {
        self.bpe.is_some()
    }

    pub fn count_text(&self, text: &str) -> usize {
        match self.bpe {
            Some(bpe) => bpe.encode_with_special_tokens(text).len(),
            // Code-heavy text runs around 3 bytes per token on Qwen/Llama tokenizers; 3 keeps
            // the estimate on the safe (high) side for the budget.
            None => text.len().div_ceil(3),
        }
    }

    /// Tokens of a whole prompt: messages with a per-message overhead for the chat template,
    /// plus the tool schemas, which servers inject into the prompt too.
    pub fn count_prompt(&self, messages: &[Message], tools: &[ToolSpec]) -> usize {
        let mut total = 3;
        for m in messages {
            total += 4 + self.count_text(&m.content);
            for call in &m.tool_calls {
                total += 4 + self.count_text(&call.name) + self.count_text(&call.arguments);
            }
        }
        for t in tools {
            total += 8
                + self.count_text(&t.name)
                + self.count_text(&t.description)
                + self.count_text(&t.parameters.to_string());
        }
        total
    }
}

/// The context window when the user gave none: known model families, else 8192.
pub fn default_context_window(model: &str) -> usize {
    let m = model.to_ascii_lowercase();
    if m.starts_with("gpt-4o")
        || m.starts_with("gpt-4.1")
        || m.starts_with("gpt-4-turbo")
        || m.starts_with("o1")
        || m.starts_with("o3")
    {
        128_000
    } else if m.starts_with("gpt-5") {
        272_000
    } else if m.starts_with("gpt-3.5-turbo") {
        16_385
    } else {
        // gpt-4 (8k) and every model we know nothing about.
        8_192
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_models_count_exactly() {
        let c = TokenCounter::for_model("gpt-4o-mini");
        assert!(c.is_exact());
        assert_eq!(c.count_text("hello world"), 2);
    }

    #[test]
    fn unknown_models_estimate_on_the_high_side() {
        let c = TokenCounter::for_model("qwen2.5-coder-1.5b");
        assert!(!c.is_exact());
        assert_eq!(c.count_text("abcdefghi"), 3);
        assert_eq!(c.count_text("abcdefghij"), 4);
    }

    #[test]
    fn prompt_count_includes_messages_and_tools() {
        let c = TokenCounter::for_model("local");
        let msgs = vec![Message::user("abc")];
        let base = c.count_prompt(&msgs, &[]);
        assert_eq!(base, 3 + 4 + 1);
        let tool = ToolSpec {
            name: "abc".into(),
            description: "abc".into(),
            parameters: serde_json::json!({}),
        };
        assert_eq!(c.count_prompt(&msgs, &[tool]), base + 8 + 1 + 1 + 1);
    }

    #[test]
    fn windows_by_model_name() {
        assert_eq!(default_context_window("gpt-4o"), 128_000);
        assert_eq!(default_context_window("gpt-4"), 8_192);
        assert_eq!(default_context_window("qwen2.5-coder"), 8_192);
    }
}
