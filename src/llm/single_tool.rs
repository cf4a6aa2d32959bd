//! The "one forced tool" adapter for servers whose `tool_choice: "auto"` is unreliable
//! (llama-cpp-python: plain `functions.NAME:` replies, empty replies, HTML-escaped arguments) but
//! whose named tool choice is grammar-constrained and solid. Every tool is folded into one tool
//! `act {name, arguments}` whose schema is the union of the real ones, and that tool is forced;
//! replies are unfolded back, so the agent loop never sees the difference.

use serde_json::{json, Value};

use super::{ChatRequest, ChatResponse, Message, Role, ToolCall, ToolChoice, ToolSpec};

pub const ACT: &str = "act";

/// Whether `request` gets folded: it offers tools and leaves the choice to the model.
pub fn applies(request: &ChatRequest) -> bool {
    !request.tools.is_empty()
        && matches!(request.tool_choice, ToolChoice::Auto | ToolChoice::Required)
}

pub fn wrap(request: &ChatRequest) -> ChatRequest {
    let mut description = String::from(
        "Call exactly one tool: `name` is the tool, `arguments` its arguments. The tools:\n",
    );
    let mut variants = Vec::with_capacity(request.tools.len());
    for t in &request.tools {
        description.push_str(&format!("- {}: {}\n", t.name, t.description));
        variants.push(json!({
            "type": "object",
            "properties": {"name": {"const": t.name}, "arguments": t.parameters},
            "required": ["name", "arguments"]
        }));
    }
    let messages = request
        .messages
        .iter()
        .map(|m| {
            if m.role != Role::Assistant || m.tool_calls.is_empty() {
                return m.clone();
            }
            let mut folded = m.clone();
            folded.tool_calls = m
                .tool_calls
                .iter()
                .map(|c| {
                    let args: Value = serde_json::from_str(&c.arguments)
                        .unwrap_or_else(|_| Value::String(c.arguments.clone()));
                    ToolCall {
                        id: c.id.clone(),
                        name: ACT.to_string(),
                        arguments: json!({"name": c.name, "arguments": args}).to_string(),
                    }
                })
                .collect();
            folded
        })
        .collect::<Vec<Message>>();
    ChatRequest {
        messages,
        tools: vec![ToolSpec {
            name: ACT.into(),
            description: description.trim_end().to_string(),
            parameters: json!({"anyOf": variants}),
        }],
        tool_choice: ToolChoice::Named(ACT.into()),
        temperature: request.temperature,
        max_tokens: request.max_tokens,
    }
}

/// Turns `act {name, arguments}` calls back into calls of the real tools (`tools`, the request's
/// own). A call without its `name` goes to the one tool its arguments fit, if exactly one does
/// (the 1.5B model sometimes sends just `{"arguments": {"files": ...}}`). A call that cannot be
/// unfolded keeps the name `act`, so the tool layer reports it to the model.
pub fn unwrap(mut response: ChatResponse, tools: &[ToolSpec]) -> ChatResponse {
    for call in &mut response.message.tool_calls {
        if call.name != ACT {
            continue;
        }
        let Ok(Value::Object(obj)) = super::lenient::parse(&call.arguments) else {
            continue;
        };
        let name = match obj.get("name").and_then(Value::as_str) {
            Some(name) => name.to_string(),
            None => match obj.get("arguments").and_then(|a| fitting_tool(a, tools)) {
                Some(name) => name,
                None => continue,
            },
        };
        call.name = name;
        call.arguments = match obj.get("arguments") {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => "{}".into(),
        };
    }
    response
}

/// The only tool whose schema `args` fits: every required property given, none unknown.
fn fitting_tool(args: &Value, tools: &[ToolSpec]) -> Option<String> {
    let given = args.as_object()?;
    let fits = |t: &&ToolSpec| {
        let props = t.parameters.get("properties").and_then(Value::as_object);
        let required = t.parameters.get("required").and_then(Value::as_array);
        let known = |k: &String| props.is_some_and(|p| p.contains_key(k));
        let present = |r: &Value| r.as_str().is_some_and(|r| given.contains_key(r));
        !given.is_empty()
            && given.keys().all(known)
            && required.is_none_or(|r| r.iter().all(present))
    };
    let mut matching = tools.iter().filter(fits);
    let first = matching.next()?;
    matching.next().is_none().then(|| first.name.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::Usage;

    fn tool(name: &str) -> ToolSpec {
        ToolSpec {
            name: name.into(),
            description: format!("{name} things"),
            parameters: json!({"type": "object", "properties": {"x": {"type": "string"}}}),
        }
    }

    #[test]
    fn folds_tools_and_history_then_unfolds_the_reply() {
        let history = Message {
            role: Role::Assistant,
            content: String::new(),
            tool_calls: vec![ToolCall {
                id: "c1".into(),
                name: "read".into(),
                arguments: "{\"x\":\"a\"}".into(),
            }],
            tool_call_id: None,
        };
        let req = ChatRequest {
            messages: vec![
                Message::user("u"),
                history,
                Message::tool_result("c1", "ok"),
            ],
            tools: vec![tool("read"), tool("write")],
            tool_choice: ToolChoice::Auto,
            temperature: 0.0,
            max_tokens: None,
        };
        assert!(applies(&req));
        let w = wrap(&req);
        assert_eq!(w.tool_choice, ToolChoice::Named("act".into()));
        assert_eq!(w.tools.len(), 1);
        assert_eq!(
            w.tools[0].parameters["anyOf"][1],
            json!({"type": "object", "properties": {"name": {"const": "write"},
                "arguments": {"type": "object", "properties": {"x": {"type": "string"}}}},
                "required": ["name", "arguments"]})
        );
        assert_eq!(
            w.messages[1].tool_calls[0],
            ToolCall {
                id: "c1".into(),
                name: "act".into(),
                arguments: "{\"arguments\":{\"x\":\"a\"},\"name\":\"read\"}".into()
            }
        );
        assert_eq!(w.messages[2], req.messages[2]);

        let reply = ChatResponse {
            message: Message {
                role: Role::Assistant,
                content: String::new(),
                tool_calls: vec![ToolCall {
                    id: "c2".into(),
                    name: "act".into(),
                    arguments: "{\"name\": \"write\", \"arguments\": {\"x\": \"b\"}}".into(),
                }],
                tool_call_id: None,
            },
            usage: Usage::default(),
            finish_reason: None,
        };
        let back = unwrap(reply, &req.tools);
        assert_eq!(
            back.message.tool_calls,
            vec![ToolCall {
                id: "c2".into(),
                name: "write".into(),
                arguments: "{\"x\":\"b\"}".into()
            }]
        );
    }

    #[test]
    fn a_call_without_its_name_goes_to_the_one_tool_its_arguments_fit() {
        let spec = |name: &str, props: Value, required: Value| ToolSpec {
            name: name.into(),
            description: String::new(),
            parameters: json!({"type": "object", "properties": props, "required": required}),
        };
        let tools = [
            spec("write_files", json!({"files": {}}), json!(["files"])),
            spec("read_file", json!({"path": {}}), json!(["path"])),
            spec("delete_file", json!({"path": {}}), json!(["path"])),
            spec("run_checks", json!({}), json!([])),
        ];
        let reply = |args: &str| ChatResponse {
            message: Message {
                role: Role::Assistant,
                content: String::new(),
                tool_calls: vec![ToolCall {
                    id: "c".into(),
                    name: "act".into(),
                    arguments: args.into(),
                }],
                tool_call_id: None,
            },
            usage: Usage::default(),
            finish_reason: None,
        };
        let names = |args: &str| {
            let call = &unwrap(reply(args), &tools).message.tool_calls[0];
            (call.name.clone(), call.arguments.clone())
        };
        assert_eq!(
            names(r#"{"arguments": {"files": [{"path": "a.py"}]}}"#),
            (
                "write_files".into(),
                r#"{"files":[{"path":"a.py"}]}"#.into()
            )
        );
        // A raw line break inside a string (seen in a 2,000-character call) no longer loses it.
        assert_eq!(
            names("{\"arguments\": {\"files\": [{\"content\": \"a\nb\", \"path\": \"a.py\"}]}, \"name\": \"write_files\"}"),
            (
                "write_files".into(),
                r#"{"files":[{"content":"a\nb","path":"a.py"}]}"#.into()
            )
        );
        // Two tools take a `path`, none takes `body`, and `{}` fits nothing for sure: left as
        // `act`, which the tool layer reports to the model.
        for ambiguous in [
            r#"{"arguments": {"path": "a.py"}}"#,
            r#"{"arguments": {"body": 1}}"#,
            r#"{"arguments": {}}"#,
        ] {
            assert_eq!(names(ambiguous).0, "act", "{ambiguous}");
        }
    }

    #[test]
    fn named_and_none_choices_are_left_alone() {
        let mut req = ChatRequest {
            messages: vec![],
            tools: vec![tool("plan")],
            tool_choice: ToolChoice::Named("plan".into()),
            temperature: 0.0,
            max_tokens: None,
        };
        assert!(!applies(&req));
        req.tool_choice = ToolChoice::None;
        assert!(!applies(&req));
    }
}
