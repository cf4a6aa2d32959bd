//! The OpenAI-compatible chat client (OpenAI, vLLM, Ollama, llama.cpp servers): request shaping,
//! provider quirks as settings, retries, and both tool-calling modes.

use std::time::Duration;

use async_openai::config::{Config, OpenAIConfig};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::retry::{parse_retry_after, RetryPolicy};
use super::single_tool;
use super::textmode::{parse_tool_calls, to_text_request};
use super::{
    ChatModel, ChatRequest, ChatResponse, LlmError, Message, Role, ToolCall, ToolChoice, ToolMode,
    Usage,
};

/// Provider-compatibility settings, so server quirks are configuration, not special cases in
/// the agent loop. `llama_cpp()` matches llama-cpp-python's OpenAI server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Compat {
    /// Send `tool_choice` even when it is "auto": llama-cpp-python ignores tools without it.
    pub always_send_tool_choice: bool,
    /// The server rejects `tool_choice: "required"`; send "auto" instead.
    pub required_unsupported: bool,
    /// Assistant messages with tool calls carry `"content": ""` instead of null.
    pub empty_content_with_tool_calls: bool,
    /// The server may answer "auto" with the plain text `functions.NAME:`; ask again naming NAME.
    pub recover_functions_text: bool,
    /// Read tool calls the model wrote as JSON in its text (`<tool_call>{..}</tool_call>`, a fenced
    /// block) when the server returned none: small models do this when the chat template fails.
    #[serde(default)]
    pub calls_from_text: bool,
    /// Fold every tool into one forced tool `act {name, arguments}` (see `single_tool`), for
    /// servers whose "auto" choice is unreliable but whose named choice is grammar-constrained.
    #[serde(default)]
    pub single_forced_tool: bool,
    /// Send earlier tool calls as Hermes/Qwen `<tool_call>{json}</tool_call>` text in the
    /// assistant message instead of `tool_calls`. llama-cpp-python renders `tool_calls` through
    /// the model's template with `arguments | tojson` on the argument *string*, escaping it twice;
    /// the model then copies the extra escaping into new code, one level more every turn.
    #[serde(default)]
    pub hermes_history: bool,
}

impl Compat {
    pub fn standard() -> Self {
        Self {
            always_send_tool_choice: true,
            required_unsupported: false,
            empty_content_with_tool_calls: true,
            recover_functions_text: true,
            calls_from_text: false,
            single_forced_tool: false,
            hermes_history: false,
        }
    }
    pub fn llama_cpp() -> Self {
        Self {
            always_send_tool_choice: true,
            required_unsupported: true,
            empty_content_with_tool_calls: true,
            recover_functions_text: true,
            calls_from_text: true,
            single_forced_tool: true,
            hermes_history: true,
        }
    }
}

impl Default for Compat {
    fn default() -> Self {
        Self::standard()
    }
}

#[derive(Clone)]
pub struct OpenAiOptions {
    pub base_url: String,
    pub api_key: Option<String>,
    pub model: String,
    pub request_timeout: Duration,
    pub retry: RetryPolicy,
    pub tool_mode: ToolMode,
    pub compat: Compat,
}

impl std::fmt::Debug for OpenAiOptions {
    // Written by hand so the API key can never reach a log line through `{:?}`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiOptions")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("model", &self.model)
            .field("request_timeout", &self.request_timeout)
            .field("tool_mode", &self.tool_mode)
            .field("compat", &self.compat)
            .finish()
    }
}

pub struct OpenAiClient {
    options: OpenAiOptions,
    config: OpenAIConfig,
    http: reqwest::Client,
}

impl OpenAiClient {
    pub fn new(options: OpenAiOptions) -> Result<Self, LlmError> {
        if options.base_url.trim().is_empty() {
            return Err(LlmError::Config("the base URL is empty".into()));
        }
        // Whatever the provider echoes back (a 401 body with the key) is kept out of files.
        if let Some(key) = &options.api_key {
            crate::secrets::register(key);
        }
        crate::secrets::register_url(&options.base_url);
        let config = OpenAIConfig::new()
            .with_api_base(options.base_url.trim_end_matches('/'))
            .with_api_key(options.api_key.clone().unwrap_or_default());
        let http = reqwest::Client::builder()
            .timeout(options.request_timeout)
            .build()
            .map_err(|e| LlmError::Config(format!("HTTP client: {e}")))?;
        Ok(Self {
            options,
            config,
            http,
        })
    }

    pub fn options(&self) -> &OpenAiOptions {
        &self.options
    }

    /// The JSON body sent for `request` (public so transcripts and tests can see the exact wire form).
    pub fn request_body(&self, request: &ChatRequest) -> Value {
        let compat = &self.options.compat;
        let messages: Vec<Value> = request
            .messages
            .iter()
            .map(|m| message_json(m, compat))
            .collect();
        let mut body = json!({
            "model": self.options.model,
            "messages": messages,
            "temperature": request.temperature,
            "stream": false,
        });
        if let Some(max) = request.max_tokens {
            body["max_tokens"] = json!(max);
        }
        if !request.tools.is_empty() {
            body["tools"] = request
                .tools
                .iter()
                .map(|t| {
                    json!({"type": "function", "function": {
                        "name": t.name, "description": t.description, "parameters": t.parameters}})
                })
                .collect();
            let choice = match &request.tool_choice {
                ToolChoice::Auto => compat.always_send_tool_choice.then(|| json!("auto")),
                ToolChoice::None => Some(json!("none")),
                ToolChoice::Required if compat.required_unsupported => Some(json!("auto")),
                ToolChoice::Required => Some(json!("required")),
                ToolChoice::Named(name) => {
                    Some(json!({"type": "function", "function": {"name": name}}))
                }
            };
            if let Some(choice) = choice {
                body["tool_choice"] = choice;
            }
        }
        body
    }

    async fn post_once(&self, body: &Value) -> Result<Value, LlmError> {
        let url = self.config.url("/chat/completions");
        let response = self
            .http
            .post(&url)
            .headers(self.config.headers())
            .json(body)
            .send()
            .await
            .map_err(|e| LlmError::Transport {
                url: url.clone(),
                message: describe_reqwest(&e),
            })?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let text = read_capped(response, &url, MAX_BODY_BYTES).await?;
        if !(200..300).contains(&status) {
            if is_context_length_error(status, &text) {
                return Err(LlmError::ContextLength(shorten(&text, 500)));
            }
            return Err(LlmError::Http {
                status,
                body: shorten(&text, 2000),
                retry_after,
            });
        }
        serde_json::from_str(&text)
            .map_err(|e| LlmError::Decode(format!("{e}: {}", shorten(&text, 500))))
    }

    async fn call(&self, request: &ChatRequest) -> Result<ChatResponse, LlmError> {
        if self.options.compat.single_forced_tool && single_tool::applies(request) {
            let body = self.request_body(&single_tool::wrap(request));
            let raw = self.options.retry.run(|| self.post_once(&body)).await?;
            return parse_response(&raw).map(|r| single_tool::unwrap(r, &request.tools));
        }
        let body = self.request_body(request);
        let raw = self.options.retry.run(|| self.post_once(&body)).await?;
        parse_response(&raw)
    }
}

/// The largest response body read. A chat completion is at most a few hundred kB (the whole
/// context window as text); a larger one is a broken or hostile server, and reading it whole
/// (300 MB) would only fill memory.
pub const MAX_BODY_BYTES: usize = 16 << 20;

/// Reads the body chunk by chunk and stops at `max` bytes, so memory stays bounded.
async fn read_capped(
    mut response: reqwest::Response,
    url: &str,
    max: usize,
) -> Result<String, LlmError> {
    let transport = |e: reqwest::Error| LlmError::Transport {
        url: url.to_string(),
        message: describe_reqwest(&e),
    };
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(transport)? {
        if body.len() + chunk.len() > max {
            return Err(LlmError::Decode(format!(
                "the response from {url} is larger than {} MiB; stopped reading it",
                max >> 20
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(String::from_utf8_lossy(&body).into_owned())
}

#[async_trait::async_trait]
impl ChatModel for OpenAiClient {
    async fn chat(&self, request: &ChatRequest) -> Result<ChatResponse, LlmError> {
        if self.options.tool_mode == ToolMode::Text && !request.tools.is_empty() {
            let known: Vec<String> = request.tools.iter().map(|t| t.name.clone()).collect();
            let tools: Vec<Value> = request
                .tools
                .iter()
                .map(|t| json!({"name": t.name, "description": t.description, "parameters": t.parameters.to_string()}))
                .collect();
            let protocol = crate::prompts::render("text_tools.md", &json!({"tools": tools}))
                .map_err(|e| LlmError::Config(e.to_string()))?;
            let text_request = to_text_request(request, &protocol);
            let mut response = self.call(&text_request).await?;
            let calls = parse_tool_calls(&response.message.content, &known, "text_call_");
            response.message.tool_calls = calls;
            return Ok(response);
        }
        let mut response = self.call(request).await?;
        if self.options.compat.calls_from_text
            && response.message.tool_calls.is_empty()
            && !request.tools.is_empty()
        {
            let known: Vec<String> = request.tools.iter().map(|t| t.name.clone()).collect();
            let calls: Vec<ToolCall> =
                parse_tool_calls(&response.message.content, &known, "text_call_")
                    .into_iter()
                    .filter(|c| known.contains(&c.name))
                    .collect();
            if !calls.is_empty() {
                response.message.tool_calls = calls;
                return Ok(response);
            }
        }
        if self.options.compat.recover_functions_text && response.message.tool_calls.is_empty() {
            if let Some(name) = functions_text_tool(&response.message.content) {
                if request.tools.iter().any(|t| t.name == name) {
                    let mut again = request.clone();
                    again.tool_choice = ToolChoice::Named(name);
                    let second = self.call(&again).await?;
                    let usage = Usage {
                        prompt_tokens: response.usage.prompt_tokens + second.usage.prompt_tokens,
                        completion_tokens: response.usage.completion_tokens
                            + second.usage.completion_tokens,
                    };
                    response = ChatResponse { usage, ..second };
                }
            }
        }
        Ok(response)
    }

    fn model_name(&self) -> &str {
        &self.options.model
    }
}

fn message_json(m: &Message, compat: &Compat) -> Value {
    let role = match m.role {
        Role::System => "system",
        Role::User => "user",
        Role::Assistant => "assistant",
        Role::Tool => "tool",
    };
    let mut v = json!({"role": role, "content": m.content});
    if !m.tool_calls.is_empty() && compat.hermes_history {
        let mut text = m.content.clone();
        for c in &m.tool_calls {
            let args: Value = serde_json::from_str(&c.arguments)
                .unwrap_or_else(|_| Value::String(c.arguments.clone()));
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(&format!(
                "<tool_call>\n{}\n</tool_call>",
                json!({"name": c.name, "arguments": args})
            ));
        }
        v["content"] = json!(text);
    } else if !m.tool_calls.is_empty() {
        v["tool_calls"] = m
            .tool_calls
            .iter()
            .map(|c| json!({"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}))
            .collect();
        if m.content.is_empty() && !compat.empty_content_with_tool_calls {
            v["content"] = Value::Null;
        }
    }
    if let Some(id) = &m.tool_call_id {
        v["tool_call_id"] = json!(id);
    }
    v
}

/// Reads a chat-completions response, tolerating servers that send arguments as objects or
/// omit call ids.
pub fn parse_response(raw: &Value) -> Result<ChatResponse, LlmError> {
    let choice = raw.get("choices").and_then(|c| c.get(0)).ok_or_else(|| {
        LlmError::Decode(format!(
            "no `choices[0]` in {}",
            shorten(&raw.to_string(), 300)
        ))
    })?;
    let msg = choice
        .get("message")
        .ok_or_else(|| LlmError::Decode("no `message` in choices[0]".into()))?;
    let content = msg
        .get("content")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let mut tool_calls = Vec::new();
    if let Some(calls) = msg.get("tool_calls").and_then(Value::as_array) {
        for (i, c) in calls.iter().enumerate() {
            let f = c.get("function").unwrap_or(c);
            let name = f.get("name").and_then(Value::as_str).unwrap_or_default();
            let arguments = match f.get("arguments") {
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
                None => "{}".to_string(),
            };
            let id = c
                .get("id")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .unwrap_or_else(|| format!("call_{i}"));
            tool_calls.push(ToolCall {
                id,
                name: name.to_string(),
                arguments,
            });
        }
    }
    let usage = raw.get("usage");
    let field = |k: &str| {
        usage
            .and_then(|u| u.get(k))
            .and_then(Value::as_u64)
            .unwrap_or(0)
    };
    Ok(ChatResponse {
        message: Message {
            role: Role::Assistant,
            content,
            tool_calls,
            tool_call_id: None,
        },
        usage: Usage {
            prompt_tokens: field("prompt_tokens"),
            completion_tokens: field("completion_tokens"),
        },
        finish_reason: choice
            .get("finish_reason")
            .and_then(Value::as_str)
            .map(str::to_string),
    })
}

/// `functions.write_files:` (llama-cpp-python's text leak of a tool choice) -> `write_files`.
fn functions_text_tool(content: &str) -> Option<String> {
    let rest = content.trim_start().strip_prefix("functions.")?;
    let name: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

fn is_context_length_error(status: u16, body: &str) -> bool {
    let b = body.to_ascii_lowercase();
    (400..500).contains(&status)
        && (b.contains("context_length_exceeded")
            || b.contains("maximum context length")
            || b.contains("context window")
            || b.contains("exceed context")
            || b.contains("too many tokens"))
}

fn describe_reqwest(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "the request timed out".into()
    } else if e.is_connect() {
        format!("connection failed ({e})")
    } else {
        e.to_string()
    }
}

fn shorten(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::ToolSpec;

    fn client(compat: Compat) -> OpenAiClient {
        OpenAiClient::new(OpenAiOptions {
            base_url: "http://127.0.0.1:9/v1".into(),
            api_key: Some("sk-secret".into()),
            model: "m".into(),
            request_timeout: Duration::from_secs(1),
            retry: RetryPolicy::default(),
            tool_mode: ToolMode::Native,
            compat,
        })
        .expect("client")
    }

    fn request(choice: ToolChoice) -> ChatRequest {
        ChatRequest {
            messages: vec![Message {
                role: Role::Assistant,
                content: String::new(),
                tool_calls: vec![ToolCall {
                    id: "c".into(),
                    name: "t".into(),
                    arguments: "{}".into(),
                }],
                tool_call_id: None,
            }],
            tools: vec![ToolSpec {
                name: "t".into(),
                description: "d".into(),
                parameters: json!({"type": "object"}),
            }],
            tool_choice: choice,
            temperature: 0.2,
            max_tokens: Some(100),
        }
    }

    #[test]
    fn llama_cpp_body_follows_its_quirks() {
        let native_history = Compat {
            hermes_history: false,
            ..Compat::llama_cpp()
        };
        let body = client(native_history).request_body(&request(ToolChoice::Required));
        assert_eq!(body["tool_choice"], json!("auto"));
        assert_eq!(body["messages"][0]["content"], json!(""));
        let mut compat = Compat::standard();
        compat.empty_content_with_tool_calls = false;
        let body = client(compat).request_body(&request(ToolChoice::Required));
        assert_eq!(body["tool_choice"], json!("required"));
        assert_eq!(body["messages"][0]["content"], Value::Null);
    }

    #[test]
    fn hermes_history_sends_calls_as_single_escaped_text() {
        let mut req = request(ToolChoice::Auto);
        req.messages[0].tool_calls[0].arguments = "{\"code\":\"a\\nb\"}".into();
        let body = client(Compat::llama_cpp()).request_body(&req);
        assert_eq!(
            body["messages"][0],
            json!({"role": "assistant", "content": "<tool_call>\n{\"arguments\":{\"code\":\"a\\nb\"},\"name\":\"t\"}\n</tool_call>"})
        );
    }

    #[test]
    fn named_choice_and_tool_schema_shape() {
        let body = client(Compat::standard()).request_body(&request(ToolChoice::Named("t".into())));
        assert_eq!(
            body["tool_choice"],
            json!({"type": "function", "function": {"name": "t"}})
        );
        assert_eq!(
            body["tools"],
            json!([{"type": "function", "function": {"name": "t", "description": "d", "parameters": {"type": "object"}}}])
        );
        assert_eq!(body["max_tokens"], json!(100));
    }

    #[test]
    fn debug_output_never_shows_the_key() {
        let c = client(Compat::standard());
        let shown = format!("{:?}", c.options());
        assert!(!shown.contains("sk-secret"), "{shown}");
        assert!(shown.contains("<redacted>"));
    }

    #[test]
    fn parses_object_arguments_and_missing_ids() {
        let raw = json!({"choices": [{"message": {"content": null, "tool_calls": [
            {"function": {"name": "t", "arguments": {"a": 1}}}]}, "finish_reason": "tool_calls"}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 7}});
        let r = parse_response(&raw).expect("parse");
        assert_eq!(
            r.message.tool_calls,
            vec![ToolCall {
                id: "call_0".into(),
                name: "t".into(),
                arguments: "{\"a\":1}".into()
            }]
        );
        assert_eq!(
            r.usage,
            Usage {
                prompt_tokens: 5,
                completion_tokens: 7
            }
        );
    }

    #[test]
    fn recognises_functions_text_and_context_errors() {
        assert_eq!(
            functions_text_tool("functions.write_files:"),
            Some("write_files".into())
        );
        assert_eq!(functions_text_tool("hello"), None);
        assert!(is_context_length_error(
            400,
            "{\"error\":{\"code\":\"context_length_exceeded\"}}"
        ));
        assert!(!is_context_length_error(500, "context window"));
    }

    fn served_by(url: &str, retry: RetryPolicy) -> OpenAiClient {
        OpenAiClient::new(OpenAiOptions {
            base_url: format!("{url}/v1"),
            api_key: None,
            model: "m".into(),
            request_timeout: Duration::from_secs(20),
            retry,
            tool_mode: ToolMode::Native,
            compat: Compat::standard(),
        })
        .expect("client")
    }

    fn ok_body() -> Value {
        json!({"choices": [{"message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
               "usage": {"prompt_tokens": 1, "completion_tokens": 1}})
    }

    #[tokio::test]
    async fn a_huge_retry_after_on_429_waits_the_cap_instead_of_panicking() {
        use wiremock::matchers::method;
        use wiremock::{Mock, MockServer, ResponseTemplate};
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1e20"))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_body_json(ok_body()))
            .mount(&server)
            .await;
        let retry = RetryPolicy {
            max_retries: 2,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(20),
        };
        let r = served_by(&server.uri(), retry)
            .chat(&request(ToolChoice::Auto))
            .await
            .expect("second attempt answers");
        assert_eq!(r.message.content, "hi");
    }

    #[tokio::test]
    async fn a_response_body_past_the_cap_is_refused_without_reading_it_all() {
        use wiremock::matchers::method;
        use wiremock::{Mock, MockServer, ResponseTemplate};
        let server = MockServer::start().await;
        let big = vec![b' '; MAX_BODY_BYTES + 1];
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(big, "application/json"))
            .mount(&server)
            .await;
        let err = served_by(&server.uri(), RetryPolicy::default())
            .chat(&request(ToolChoice::Auto))
            .await
            .expect_err("too big");
        assert!(err.to_string().contains("is larger than 16 MiB"), "{err}");
    }
}
