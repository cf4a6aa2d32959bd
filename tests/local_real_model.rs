//! The real local model end to end: start the installed llama.cpp server through `LocalServer`,
//! ask for one named tool call in the request shape the client uses, and check it comes back as a
//! well-formed tool call. Skipped (with the reason printed) when `scripts/setup-local-model.sh`
//! has not been run on this machine.

use std::time::Duration;

use l2mac::llm::local::{find_installed, LocalServer};
use serde_json::{json, Value};

#[tokio::test]
async fn the_installed_model_answers_a_named_tool_call() {
    let mut opts = match find_installed() {
        Ok(o) => o,
        Err(e) => {
            println!("skipped: {e}");
            return;
        }
    };
    // Small context: this test sends one short prompt; the default would allocate a larger KV cache.
    opts.ctx_size = 2048;
    opts.startup_timeout = Duration::from_secs(180);
    let server = LocalServer::start(opts).await.expect("server starts");
    let body = json!({
        "model": server.model_id(),
        "temperature": 0,
        "max_tokens": 96,
        "messages": [
            {"role": "system", "content": "You are a coding agent. Use the tools."},
            {"role": "user", "content": "Create the file hello.py containing: print('hi')"}
        ],
        "tools": [{
            "type": "function",
            "function": {
                "name": "write_files",
                "description": "Write files into the project.",
                "parameters": {
                    "type": "object",
                    "properties": {"files": {"type": "array", "items": {
                        "type": "object",
                        "properties": {"path": {"type": "string"}, "content": {"type": "string"}},
                        "required": ["path", "content"]
                    }}},
                    "required": ["files"]
                }
            }
        }],
        "tool_choice": {"type": "function", "function": {"name": "write_files"}}
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
    assert_eq!(call["type"], "function", "response: {resp}");
    assert_eq!(call["function"]["name"], "write_files", "response: {resp}");
    let args: Value = serde_json::from_str(call["function"]["arguments"].as_str().unwrap_or(""))
        .unwrap_or_else(|e| panic!("arguments are not JSON ({e}): {resp}"));
    assert_eq!(args["files"][0]["path"], "hello.py", "arguments: {args}");
    server.stop().await;
}
