//! Tool calling for models and servers without native support: the tools are described in the
//! prompt, the model writes JSON calls in its text, and this module turns them back into calls.

use serde_json::Value;

use super::{ChatRequest, Message, Role, ToolCall, ToolChoice};

/// Rewrites a native request into a plain-chat one: tool specs move into the system prompt,
/// earlier tool calls become JSON in assistant text, tool results become user messages.
pub fn to_text_request(request: &ChatRequest, tools_prompt: &str) -> ChatRequest {
    let mut messages = Vec::with_capacity(request.messages.len() + 1);
    for m in &request.messages {
        match m.role {
            Role::Assistant if !m.tool_calls.is_empty() => {
                let mut text = m.content.clone();
                for call in &m.tool_calls {
                    let args: Value = serde_json::from_str(&call.arguments)
                        .unwrap_or_else(|_| Value::String(call.arguments.clone()));
                    let json = serde_json::json!({"tool": call.name, "arguments": args});
                    if !text.is_empty() {
                        text.push('\n');
                    }
                    text.push_str("```json\n");
                    text.push_str(&json.to_string());
                    text.push_str("\n```");
                }
                messages.push(Message::assistant(text));
            }
            Role::Tool => messages.push(Message::user(format!(
                "Tool result ({}):\n{}",
                m.tool_call_id.as_deref().unwrap_or("call"),
                m.content
            ))),
            _ => messages.push(m.clone()),
        }
    }
    let mut instructions = tools_prompt.to_string();
    match &request.tool_choice {
        ToolChoice::Named(name) => instructions.push_str(&format!(
            "\n\nYour next reply must be exactly one call of the tool `{name}`."
        )),
        ToolChoice::Required => {
            instructions.push_str("\n\nYour next reply must contain a tool call.")
        }
        ToolChoice::None => instructions = String::new(),
        ToolChoice::Auto => {}
    }
    if !instructions.is_empty() && !request.tools.is_empty() {
        match messages.first_mut() {
            Some(first) if first.role == Role::System => {
                first.content.push_str("\n\n");
                first.content.push_str(&instructions);
            }
            _ => messages.insert(0, Message::system(instructions)),
        }
    }
    ChatRequest {
        messages,
        tools: Vec::new(),
        tool_choice: ToolChoice::None,
        temperature: request.temperature,
        max_tokens: request.max_tokens,
    }
}

/// Finds tool calls in model text. Accepts `{"tool": .., "arguments": ..}` and the
/// `{"name": .., "arguments": ..}` shape (Qwen's `<tool_call>` blocks), fenced or bare.
/// Arguments given as a JSON string are kept as that string so malformed JSON stays visible.
pub fn parse_tool_calls(text: &str, known_tools: &[String], id_prefix: &str) -> Vec<ToolCall> {
    let mut calls = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'{' {
            i += 1;
            continue;
        }
        let mut stream = serde_json::Deserializer::from_str(&text[i..]).into_iter::<Value>();
        match stream.next() {
            Some(Ok(value)) => {
                let consumed = stream.byte_offset();
                if let Some(call) = call_from_value(&value, known_tools, id_prefix, calls.len()) {
                    calls.push(call);
                    i += consumed;
                    continue;
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    calls
}

fn call_from_value(value: &Value, known: &[String], prefix: &str, n: usize) -> Option<ToolCall> {
    let obj = value.as_object()?;
    let name = obj
        .get("tool")
        .or_else(|| obj.get("name"))
        .or_else(|| obj.get("function"))?
        .as_str()?
        .trim()
        .trim_start_matches("functions.")
        .to_string();
    if !known.is_empty() && !known.contains(&name) && !obj.contains_key("tool") {
        // A bare {"name": ...} object could be data the model is writing; only count it
        // when it names a real tool. `{"tool": ...}` is unambiguous and unknown names
        // go on to the tool layer, which tells the model.
        return None;
    }
    let args = obj
        .get("arguments")
        .or_else(|| obj.get("args"))
        .or_else(|| obj.get("parameters"))
        .cloned()
        .unwrap_or(Value::Object(Default::default()));
    let arguments = match args {
        Value::String(s) => s,
        other => other.to_string(),
    };
    Some(ToolCall {
        id: format!("{prefix}{n}"),
        name,
        arguments,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        vec!["write_files".into(), "step_complete".into()]
    }

    #[test]
    fn parses_fenced_and_qwen_style_calls() {
        let text = "I will write it.\n```json\n{\"tool\": \"write_files\", \"arguments\": {\"files\": [{\"path\": \"a.py\", \"content\": \"x = {1: 2}\"}]}}\n```\n<tool_call>\n{\"name\": \"step_complete\", \"arguments\": {\"summary\": \"done\"}}\n</tool_call>";
        let calls = parse_tool_calls(text, &names(), "t");
        assert_eq!(
            calls,
            vec![
                ToolCall {
                    id: "t0".into(),
                    name: "write_files".into(),
                    arguments: r#"{"files":[{"content":"x = {1: 2}","path":"a.py"}]}"#.into()
                },
                ToolCall {
                    id: "t1".into(),
                    name: "step_complete".into(),
                    arguments: r#"{"summary":"done"}"#.into()
                }
            ]
        );
    }

    #[test]
    fn ignores_plain_data_objects_and_prose() {
        let text = "The config is {\"name\": \"bob\", \"age\": 3} and {broken";
        assert!(parse_tool_calls(text, &names(), "t").is_empty());
    }

    #[test]
    fn unknown_tool_with_tool_key_is_passed_on() {
        let calls = parse_tool_calls("{\"tool\": \"nope\"}", &names(), "t");
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].name, "nope");
        assert_eq!(calls[0].arguments, "{}");
    }

    #[test]
    fn text_request_moves_tools_into_prompt_and_results_into_user_turns() {
        let req = ChatRequest {
            messages: vec![
                Message::system("sys"),
                Message {
                    role: Role::Assistant,
                    content: String::new(),
                    tool_calls: vec![ToolCall {
                        id: "c1".into(),
                        name: "step_complete".into(),
                        arguments: "{\"summary\":\"s\"}".into(),
                    }],
                    tool_call_id: None,
                },
                Message::tool_result("c1", "ok"),
            ],
            tools: vec![super::super::ToolSpec {
                name: "step_complete".into(),
                description: "d".into(),
                parameters: serde_json::json!({}),
            }],
            tool_choice: ToolChoice::Named("step_complete".into()),
            temperature: 0.0,
            max_tokens: None,
        };
        let out = to_text_request(&req, "TOOLS");
        assert!(out.tools.is_empty());
        assert_eq!(out.tool_choice, ToolChoice::None);
        assert_eq!(
            out.messages[0].content,
            "sys\n\nTOOLS\n\nYour next reply must be exactly one call of the tool `step_complete`."
        );
        assert_eq!(
            out.messages[1].content,
            "```json\n{\"arguments\":{\"summary\":\"s\"},\"tool\":\"step_complete\"}\n```"
        );
        assert_eq!(out.messages[2], Message::user("Tool result (c1):\nok"));
    }
}
