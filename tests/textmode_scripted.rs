//! `text` tool-calling mode end to end: tools described in the prompt, calls parsed from the
//! model's text, results sent back as user messages.

mod common;

use common::*;
use l2mac::control::Outcome;
use l2mac::llm::ToolMode;
use serde_json::json;

#[tokio::test]
async fn a_text_mode_run_completes_from_json_in_the_replies() {
    let server = ScriptedServer::start(vec![
        expect(
            |req| {
                assert!(req.get("tools").is_none() && req.get("tool_choice").is_none(), "{req}");
                let sys = req["messages"][0]["content"].as_str().unwrap_or_default();
                assert!(sys.contains("## plan") && sys.contains("exactly one call of the tool `plan`"), "{sys}");
            },
            text("```json\n{\"tool\": \"plan\", \"arguments\": {\"steps\": [\"Write hello.py\"]}}\n```"),
        ),
        expect(
            |req| {
                let sys = req["messages"][0]["content"].as_str().unwrap_or_default();
                assert!(sys.contains("## write_files") && sys.contains("## step_complete"), "{sys}");
            },
            text("I'll write the file.\n<tool_call>\n{\"name\": \"write_files\", \"arguments\": {\"files\": [{\"path\": \"hello.py\", \"content\": \"print('hi')\\n\"}]}}\n</tool_call>"),
        ),
        expect(
            |req| {
                let last = last_message(req);
                assert_eq!(last["role"], json!("user"));
                let content = last["content"].as_str().unwrap_or_default();
                assert!(content.starts_with("Tool result (text_call_0):\nwrote hello.py (1 lines)"), "{content}");
            },
            text("```json\n{\"tool\": \"step_complete\", \"arguments\": {\"summary\": \"hello.py prints hi\"}}\n```"),
        ),
    ])
    .await;
    let dir = tempfile::tempdir().expect("tmp");
    let client = client_for(&server.base_url(), ToolMode::Text);
    let (report, _) = run_with(&server, &client, dir.path(), "hello", python_settings()).await;
    assert_complete(&report);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("hello.py")).expect("read"),
        "print('hi')\n"
    );
}

#[tokio::test]
async fn llama_cpp_compat_reads_calls_from_text_and_recovers_functions_replies() {
    let server = ScriptedServer::start(vec![
        expect(
            |req| {
                // llama-cpp-python ignores tools unless tool_choice is sent.
                assert_eq!(req["tool_choice"], json!({"type": "function", "function": {"name": "plan"}}));
            },
            text("<tool_call>\n{\"name\": \"plan\", \"arguments\": {\"steps\": [\"Write a.txt\"]}}\n</tool_call>"),
        ),
        expect(
            |req| assert_eq!(req["tool_choice"], json!("auto")),
            text("functions.write_files:"),
        ),
        expect(
            |req| assert_eq!(req["tool_choice"], json!({"type": "function", "function": {"name": "write_files"}})),
            call("write_files", json!({"files": [{"path": "a.txt", "content": "a"}]})),
        ),
        expect(
            |req| {
                // Earlier calls go back as Qwen-style text, escaped once.
                let assistant = &req["messages"][2];
                assert_eq!(
                    assistant,
                    &json!({"role": "assistant", "content": "<tool_call>\n{\"arguments\":{\"files\":[{\"content\":\"a\",\"path\":\"a.txt\"}]},\"name\":\"write_files\"}\n</tool_call>"})
                );
            },
            complete("a written"),
        ),
    ])
    .await;
    let dir = tempfile::tempdir().expect("tmp");
    let client = llama_client(&server.base_url(), false);
    let (report, _) = run_with(&server, &client, dir.path(), "a", python_settings()).await;
    assert_eq!(report.outcome, Outcome::Complete);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("a.txt")).expect("read"),
        "a"
    );
}

#[tokio::test]
async fn the_forced_act_tool_folds_and_unfolds_every_call() {
    let act =
        |name: &str, args: serde_json::Value| call("act", json!({"name": name, "arguments": args}));
    let server = ScriptedServer::start(vec![
        plan(&["Write a.txt"]),
        expect(
            |req| {
                assert_eq!(
                    req["tool_choice"],
                    json!({"type": "function", "function": {"name": "act"}})
                );
                let tools = req["tools"].as_array().cloned().unwrap_or_default();
                assert_eq!(tools.len(), 1);
                assert_eq!(
                    tools[0]["function"]["parameters"]["anyOf"]
                        .as_array()
                        .map(|v| v.len()),
                    Some(7)
                );
            },
            act(
                "write_files",
                json!({"files": [{"path": "a.txt", "content": "a"}]}),
            ),
        ),
        expect(
            |req| {
                let assistant = req["messages"][2]["content"].as_str().unwrap_or_default();
                assert!(
                    assistant.starts_with("<tool_call>\n{\"arguments\":{\"arguments\":{\"files\""),
                    "{assistant}"
                );
                assert!(assistant.contains("\"name\":\"act\""), "{assistant}");
                assert_eq!(last_message(req)["content"], json!("wrote a.txt (1 lines)"));
            },
            act("step_complete", json!({"summary": "a written"})),
        ),
    ])
    .await;
    let dir = tempfile::tempdir().expect("tmp");
    let client = llama_client(&server.base_url(), true);
    let (report, _) = run_with(&server, &client, dir.path(), "a", python_settings()).await;
    assert_eq!(report.outcome, Outcome::Complete);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("a.txt")).expect("read"),
        "a"
    );
}
