//! A scripted OpenAI-compatible chat server for tests: real HTTP (wiremock), answering each
//! request with the next entry of a script and recording every request body.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use l2mac::control::{CollectSink, Outcome, RunReport, RunSettings, RunState, Runner};
use l2mac::llm::{Compat, OpenAiClient, OpenAiOptions, RetryPolicy, ToolMode};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

type Entry = Box<dyn Fn(&Value) -> ResponseTemplate + Send + Sync>;

#[derive(Default)]
struct Script {
    entries: Vec<Arc<Entry>>,
    next: usize,
    requests: Vec<Value>,
    failures: Vec<String>,
}

#[derive(Clone)]
struct Responder(Arc<Mutex<Script>>);

impl Respond for Responder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let (i, entry) = {
            let mut script = self.0.lock().expect("script lock");
            script.requests.push(body.clone());
            let i = script.next;
            script.next += 1;
            (i, script.entries.get(i).cloned())
        };
        let Some(entry) = entry else {
            // 400 is not retried, so a test with a short script fails fast and clearly.
            let msg = format!("script exhausted at request {}", i + 1);
            self.0.lock().expect("lock").failures.push(msg.clone());
            return ResponseTemplate::new(400).set_body_string(msg);
        };
        // A failed expectation must not poison the server; it is recorded and reported by
        // the test, and the client gets a non-retryable error so the run stops.
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| entry(&body))) {
            Ok(response) => response,
            Err(panic) => {
                let msg = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "expectation failed".into());
                let msg = format!("request {}: {msg}", i + 1);
                self.0.lock().expect("lock").failures.push(msg.clone());
                ResponseTemplate::new(400).set_body_string(msg)
            }
        }
    }
}

pub struct ScriptedServer {
    pub server: MockServer,
    script: Arc<Mutex<Script>>,
}

impl ScriptedServer {
    pub async fn start(entries: Vec<Entry>) -> Self {
        let server = MockServer::start().await;
        let script = Arc::new(Mutex::new(Script {
            entries: entries.into_iter().map(Arc::new).collect(),
            ..Script::default()
        }));
        Mock::given(method("POST"))
            .and(path("/v1/chat/completions"))
            .respond_with(Responder(script.clone()))
            .mount(&server)
            .await;
        Self { server, script }
    }

    pub fn base_url(&self) -> String {
        format!("{}/v1", self.server.uri())
    }

    pub fn requests(&self) -> Vec<Value> {
        self.script.lock().expect("lock").requests.clone()
    }

    /// Script entries not yet served (a run that ends early leaves some).
    pub fn unserved(&self) -> usize {
        let s = self.script.lock().expect("lock");
        s.entries.len().saturating_sub(s.next)
    }

    /// Expectations that failed and requests past the end of the script.
    pub fn failures(&self) -> Vec<String> {
        self.script.lock().expect("lock").failures.clone()
    }

    pub fn served(&self) -> usize {
        self.script.lock().expect("lock").next
    }

    /// Serves the last `n` entries again (a killed client re-sends its request on resume).
    pub fn rewind(&self, n: usize) {
        let mut s = self.script.lock().expect("lock");
        s.next = s.next.saturating_sub(n);
    }

    pub fn client(&self) -> OpenAiClient {
        client_for(&self.base_url(), ToolMode::Native)
    }
}

/// A client in `mode` with the llama.cpp compatibility settings (optionally without the
/// forced single tool).
pub fn llama_client(base_url: &str, single_forced_tool: bool) -> OpenAiClient {
    OpenAiClient::new(OpenAiOptions {
        compat: Compat {
            single_forced_tool,
            ..Compat::llama_cpp()
        },
        ..client_for(base_url, ToolMode::Native).options().clone()
    })
    .expect("client")
}

pub fn client_for(base_url: &str, mode: ToolMode) -> OpenAiClient {
    OpenAiClient::new(OpenAiOptions {
        base_url: base_url.to_string(),
        api_key: Some("sk-test-secret".into()),
        model: "scripted".into(),
        request_timeout: Duration::from_secs(30),
        retry: RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_secs(5),
        },
        tool_mode: mode,
        compat: Compat::standard(),
    })
    .expect("client")
}

fn completion(message: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "id": "chatcmpl-test", "object": "chat.completion", "model": "scripted",
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}
    }))
}

/// One reply with these tool calls (name, arguments as JSON).
pub fn calls(list: Vec<(&str, Value)>) -> Entry {
    let list: Vec<(String, String)> = list
        .into_iter()
        .map(|(n, a)| (n.to_string(), a.to_string()))
        .collect();
    raw_calls(list)
}

/// One reply with tool calls whose arguments are raw text (for malformed JSON).
pub fn raw_calls(list: Vec<(String, String)>) -> Entry {
    Box::new(move |_| {
        let tool_calls: Vec<Value> = list
            .iter()
            .enumerate()
            .map(|(i, (n, a))| json!({"id": format!("call_{i}"), "type": "function", "function": {"name": n, "arguments": a}}))
            .collect();
        completion(json!({"role": "assistant", "content": null, "tool_calls": tool_calls}))
    })
}

pub fn call(name: &str, args: Value) -> Entry {
    calls(vec![(name, args)])
}

pub fn text(content: &str) -> Entry {
    let content = content.to_string();
    Box::new(move |_| completion(json!({"role": "assistant", "content": content})))
}

pub fn status(code: u16, retry_after: Option<&str>) -> Entry {
    let retry_after = retry_after.map(str::to_string);
    Box::new(move |_| {
        let mut t = ResponseTemplate::new(code)
            .set_body_json(json!({"error": {"message": "busy", "type": "server_error"}}));
        if let Some(r) = &retry_after {
            t = t.insert_header("Retry-After", r.as_str());
        }
        t
    })
}

/// Wraps an entry so it checks the request it answers (panics in the server show up as a
/// failed request, and the assertion message is kept for the test's own check).
pub fn expect(check: impl Fn(&Value) + Send + Sync + 'static, then: Entry) -> Entry {
    Box::new(move |req| {
        check(req);
        then(req)
    })
}

pub fn delayed(delay: Duration, then: Entry) -> Entry {
    Box::new(move |req| then(req).set_delay(delay))
}

pub fn plan(steps: &[&str]) -> Entry {
    call("plan", json!({"steps": steps}))
}

pub fn write(path: &str, content: &str) -> Entry {
    call(
        "write_files",
        json!({"files": [{"path": path, "content": content}]}),
    )
}

pub fn complete(summary: &str) -> Entry {
    call("step_complete", json!({"summary": summary}))
}

/// The last message of a request body.
pub fn last_message(req: &Value) -> Value {
    req["messages"]
        .as_array()
        .and_then(|m| m.last())
        .cloned()
        .unwrap_or(Value::Null)
}

/// Settings for scripts of tool calls: code steps write through `write_files` (the small
/// profile's plain-text format is tested in tests/blocks_scripted.rs).
pub fn python_settings() -> RunSettings {
    let mut settings = RunSettings {
        check_timeout_secs: 60,
        ..RunSettings::default()
    };
    settings.profile.edit_format = l2mac::profile::EditFormat::Tools;
    settings
}

/// Settings for scripts of plain-text replies with `candidates` first replies sampled per step,
/// and the planner's steps kept as planned: a step that only tests the module before it stays a
/// tests-only step (the small profile folds it in; see `folded_settings`).
pub fn blocks_settings(candidates: u32) -> RunSettings {
    let mut settings = folded_settings(candidates);
    settings.profile.tests_with_code = false;
    settings
}

/// The small profile's planned steps: plain-text replies, `candidates` first replies, tests
/// folded into the step that writes their module, without the draft step in front and the
/// end-state choice (both tested with `draft_settings`), so each script is one planned step's.
pub fn folded_settings(candidates: u32) -> RunSettings {
    let mut settings = draft_settings(candidates);
    settings.profile.draft_first = false;
    settings.profile.keep_best = false;
    settings
}

/// The small profile as it is: a draft step first, the planned steps after it, the best end
/// state kept.
pub fn draft_settings(candidates: u32) -> RunSettings {
    let mut settings = RunSettings {
        check_timeout_secs: 60,
        ..RunSettings::default()
    };
    settings.profile.edit_format = l2mac::profile::EditFormat::Blocks;
    settings.profile.candidates = candidates;
    settings
}

pub async fn run_task(
    server: &ScriptedServer,
    dir: &std::path::Path,
    task: &str,
    settings: RunSettings,
) -> (RunReport, Vec<l2mac::control::Event>) {
    run_with(server, &server.client(), dir, task, settings).await
}

/// Runs a task to its end with `client`; fails the test on any failed script expectation.
pub async fn run_with(
    server: &ScriptedServer,
    client: &OpenAiClient,
    dir: &std::path::Path,
    task: &str,
    settings: RunSettings,
) -> (RunReport, Vec<l2mac::control::Event>) {
    let sink = CollectSink::default();
    let state = RunState::new(task.into(), "scripted".into(), server.base_url(), settings);
    let mut runner = Runner::create(client, &sink, dir, state).expect("runner");
    let result = runner.run(false).await;
    let failures = server.failures();
    let last = server
        .requests()
        .last()
        .map(last_message)
        .unwrap_or_default();
    assert!(
        failures.is_empty(),
        "script expectations failed: {failures:#?}\nlast message sent: {last}"
    );
    let report = result.expect("run");
    if report.outcome != l2mac::control::Outcome::BudgetExhausted {
        assert_eq!(server.unserved(), 0, "the run ended before the script did");
    }
    (report, sink.events())
}

/// The run ended Complete; otherwise the failure shows its checks.
pub fn assert_complete(report: &RunReport) {
    assert_eq!(
        report.outcome,
        Outcome::Complete,
        "{}",
        report.checks_summary
    );
}

/// The names of the tools a request offers, in order.
pub fn tool_names(req: &Value) -> Vec<&str> {
    req["tools"]
        .as_array()
        .map(|t| {
            t.iter()
                .filter_map(|t| t["function"]["name"].as_str())
                .collect()
        })
        .unwrap_or_default()
}
