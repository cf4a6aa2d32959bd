//! The real local model end to end: start the installed llama.cpp server through `LocalServer` in
//! the configuration docs/local-model.md recommends (the GGUF's own chat template, every turn a
//! named call of one dispatch tool `act` whose arguments are `anyOf` the real tools), and check the
//! answer is a well-formed call of a real tool. Skipped (with the reason printed) when
//! `scripts/setup-local-model.sh` has not been run on this machine, unless
//! `L2MAC_REQUIRE_REAL_MODEL=1` (scripts/test.sh), which makes that a failure.

use std::time::Duration;

use l2mac::llm::local::{find_installed, LocalServer, MODEL_CHAT_TEMPLATE};
use serde_json::{json, Value};

#[tokio::test]
async fn the_installed_model_answers_through_the_dispatch_tool() {
    if std::env::var("L2MAC_SKIP_REAL_MODEL").as_deref() == Ok("1") {
        println!("skipped: L2MAC_SKIP_REAL_MODEL=1");
        return;
    }
    let mut opts = match find_installed() {
        Ok(o) => o,
        Err(e) if std::env::var("L2MAC_REQUIRE_REAL_MODEL").as_deref() == Ok("1") => {
            panic!("L2MAC_REQUIRE_REAL_MODEL=1 but the model is missing: {e}")
        }
        Err(e) => {
            println!("skipped: {e}");
            return;
        }
    };
    // Small context: this test sends one short prompt; the default would allocate a larger KV cache.
    opts.ctx_size = 2048;
    assert_eq!(
        opts.chat_format, MODEL_CHAT_TEMPLATE,
        "the recommended default"
    );
    opts.startup_timeout = Duration::from_secs(180);
    let server = LocalServer::start(opts).await.expect("server starts");
    let write_files = json!({
        "type": "object",
        "properties": {"files": {"type": "array", "items": {
            "type": "object",
            "properties": {"path": {"type": "string"}, "content": {"type": "string"}},
            "required": ["path", "content"]
        }}},
        "required": ["files"]
    });
    let step_complete = json!({
        "type": "object",
        "properties": {"summary": {"type": "string"}},
        "required": ["summary"]
    });
    let variant = |name: &str, schema: &Value| {
        json!({
            "type": "object",
            "properties": {"name": {"const": name}, "arguments": schema},
            "required": ["name", "arguments"]
        })
    };
    let body = json!({
        "model": server.model_id(),
        "temperature": 0,
        "max_tokens": 128,
        "messages": [
            {"role": "system", "content": "You are a coding agent. Use the tools."},
            {"role": "user", "content": "Create the file hello.py containing: print('hi')"}
        ],
        "tools": [{
            "type": "function",
            "function": {
                "name": "act",
                "description": "Call one tool. write_files: write files into the project. \
                                step_complete: the step is finished.",
                "parameters": {"anyOf": [
                    variant("write_files", &write_files),
                    variant("step_complete", &step_complete)
                ]}
            }
        }],
        "tool_choice": {"type": "function", "function": {"name": "act"}}
    });
    let resp: Value = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(300))
        .build()
        .expect("client")
        .post(format!("{}/chat/completions", server.base_url()))
        .json(&body)
        .send()
        .await
        .expect("request")
        .error_for_status()
        .expect("HTTP 200")
        .json()
        .await
        .expect("JSON body");
    let call = &resp["choices"][0]["message"]["tool_calls"][0];
    assert_eq!(call["function"]["name"], "act", "response: {resp}");
    let act: Value = serde_json::from_str(call["function"]["arguments"].as_str().unwrap_or(""))
        .unwrap_or_else(|e| panic!("arguments are not JSON ({e}): {resp}"));
    assert_eq!(act["name"], "write_files", "act: {act}");
    assert_eq!(
        act["arguments"]["files"][0]["path"], "hello.py",
        "act: {act}"
    );
    // The model's own template escapes nothing (chatml-function-calling would send &#39;).
    let content = act["arguments"]["files"][0]["content"]
        .as_str()
        .unwrap_or("");
    assert!(content.contains("print('hi')"), "content: {content:?}");
    server.stop().await;
}
