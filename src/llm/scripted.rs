//! A `ChatModel` that replays canned replies in process: for benchmarks of the control unit's own
//! overhead and for embedding tests. (The integration tests use a real HTTP server instead.)

use std::sync::Mutex;

use super::{ChatModel, ChatRequest, ChatResponse, LlmError, Message, Role, ToolCall, Usage};

pub struct ScriptedModel {
    replies: Mutex<std::vec::IntoIter<ChatResponse>>,
}

impl ScriptedModel {
    pub fn new(replies: Vec<ChatResponse>) -> Self {
        Self {
            replies: Mutex::new(replies.into_iter()),
        }
    }

    /// A reply that calls one tool with JSON arguments.
    pub fn call(name: &str, arguments: serde_json::Value) -> ChatResponse {
        ChatResponse {
            message: Message {
                role: Role::Assistant,
                content: String::new(),
                tool_calls: vec![ToolCall {
                    id: format!("call_{name}"),
                    name: name.to_string(),
                    arguments: arguments.to_string(),
                }],
                tool_call_id: None,
            },
            usage: Usage {
                prompt_tokens: 100,
                completion_tokens: 20,
            },
            finish_reason: Some("tool_calls".into()),
        }
    }
}

#[async_trait::async_trait]
impl ChatModel for ScriptedModel {
    async fn chat(&self, _request: &ChatRequest) -> Result<ChatResponse, LlmError> {
        let next = self
            .replies
            .lock()
            .map_err(|_| LlmError::Config("scripted model lock poisoned".into()))?
            .next();
        next.ok_or_else(|| LlmError::Http {
            status: 400,
            body: "the scripted model has no more replies".into(),
            retry_after: None,
        })
    }

    fn model_name(&self) -> &str {
        "scripted"
    }
}
