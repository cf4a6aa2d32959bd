//! The model side of l2mac: one `ChatModel` trait, the message types the control unit speaks, and
//! an OpenAI-compatible client, so the loop never depends on a particular provider.

pub mod lenient;
pub mod local;
pub mod openai;
pub mod retry;
pub mod scripted;
pub mod single_tool;
pub mod textmode;
pub mod tokens;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use openai::{Compat, OpenAiClient, OpenAiOptions};
pub use retry::RetryPolicy;

/// Who said a message; mirrors the chat-completions roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
    Tool,
}

/// One tool call as the model wrote it. `arguments` stays raw text because models do write
/// malformed JSON, and that has to reach the tool layer as a fixable error, not a client failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    pub arguments: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub role: Role,
    #[serde(default)]
    pub content: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
}

impl Message {
    pub fn system(content: impl Into<String>) -> Self {
        Self::plain(Role::System, content)
    }
    pub fn user(content: impl Into<String>) -> Self {
        Self::plain(Role::User, content)
    }
    pub fn assistant(content: impl Into<String>) -> Self {
        Self::plain(Role::Assistant, content)
    }
    pub fn tool_result(call_id: impl Into<String>, content: impl Into<String>) -> Self {
        Self {
            role: Role::Tool,
            content: content.into(),
            tool_calls: Vec::new(),
            tool_call_id: Some(call_id.into()),
        }
    }
    fn plain(role: Role, content: impl Into<String>) -> Self {
        Self {
            role,
            content: content.into(),
            tool_calls: Vec::new(),
            tool_call_id: None,
        }
    }
}

/// A tool as offered to the model: name, description and a JSON schema of its arguments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolSpec {
    pub name: String,
    pub description: String,
    pub parameters: Value,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ToolChoice {
    Auto,
    None,
    Required,
    Named(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatRequest {
    pub messages: Vec<Message>,
    pub tools: Vec<ToolSpec>,
    pub tool_choice: ToolChoice,
    pub temperature: f32,
    pub max_tokens: Option<u32>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatResponse {
    pub message: Message,
    pub usage: Usage,
    pub finish_reason: Option<String>,
}

/// How tools reach the model: through the API's `tools`/`tool_calls`, or described in the prompt
/// and written by the model as JSON in its text (for servers without native tool calling).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ToolMode {
    #[default]
    Native,
    Text,
}

impl std::str::FromStr for ToolMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "native" => Ok(ToolMode::Native),
            "text" => Ok(ToolMode::Text),
            other => Err(format!(
                "unknown tool mode `{other}`: use `native` or `text`"
            )),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    #[error("the model endpoint answered HTTP {status}: {body}")]
    Http {
        status: u16,
        body: String,
        retry_after: Option<std::time::Duration>,
    },
    #[error("the prompt is longer than the model's context window: {0}")]
    ContextLength(String),
    #[error("could not reach the model endpoint {url}: {message}")]
    Transport { url: String, message: String },
    #[error("the model endpoint sent a response l2mac cannot read: {0}")]
    Decode(String),
    #[error("gave up after {attempts} attempts; last error: {last}")]
    RetriesExhausted { attempts: u32, last: Box<LlmError> },
    #[error("invalid model configuration: {0}")]
    Config(String),
}

impl LlmError {
    /// Only failures that can succeed on a second try are retried: rate limits, server errors and
    /// transport hiccups. A 4xx (bad key, bad request, context overflow) will fail again.
    pub fn is_retryable(&self) -> bool {
        match self {
            LlmError::Http { status, .. } => *status == 429 || *status == 408 || *status >= 500,
            LlmError::Transport { .. } => true,
            _ => false,
        }
    }
}

/// Anything that answers chat requests. The control unit only ever sees this trait.
#[async_trait::async_trait]
pub trait ChatModel: Send + Sync {
    async fn chat(&self, request: &ChatRequest) -> Result<ChatResponse, LlmError>;
    /// The model name used for token counting and transcripts.
    fn model_name(&self) -> &str;
}
