//! The baselines l2mac is measured against, each one model call or a few: the plain-text single
//! call (the model alone, as a user would ask it), best-of-N plain-text calls on the same token
//! budget as the l2mac run, and the older tool-forced single call.

use std::path::Path;

use anyhow::Result;
use l2mac::edit::{apply_edits, parse_reply, Edit};
use l2mac::llm::{ChatModel, ChatRequest, Message, ToolChoice, Usage};
use l2mac::prompts::render;
use l2mac::store::FileStore;
use l2mac::tools::{ToolContext, ToolRegistry};
use serde_json::json;

use l2mac::rate::{best, rate, Rating};

/// Tokens and model calls one method spent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Spent {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub calls: u64,
}

impl Spent {
    fn add(&mut self, usage: Usage) {
        self.prompt_tokens += usage.prompt_tokens;
        self.completion_tokens += usage.completion_tokens;
        self.calls += 1;
    }
    pub fn total(&self) -> u64 {
        self.prompt_tokens + self.completion_tokens
    }
}

/// The plain-text request: the task, and the path-line + fenced-block format to answer in.
pub fn plain_request(task: &str, temperature: f32, max_tokens: u32) -> Result<ChatRequest> {
    Ok(ChatRequest {
        messages: vec![
            Message::system(render("bench_plain_system.md", &json!({}))?),
            Message::user(render("bench_plain_user.md", &json!({ "task": task }))?),
        ],
        tools: Vec::new(),
        tool_choice: ToolChoice::Auto,
        temperature,
        max_tokens: Some(max_tokens),
    })
}

/// One plain-text call: the files are taken from the reply's code blocks and written through the
/// file store's path rules only (none of l2mac's write guards), as the model wrote them. A
/// failed call leaves the folder empty, which scores 0, and its error is returned with what it
/// spent (nothing).
pub async fn plain_single_call(
    model: &dyn ChatModel,
    task: &str,
    dir: &Path,
    temperature: f32,
    max_tokens: u32,
) -> Result<(Spent, String)> {
    let mut spent = Spent::default();
    let response = model
        .chat(&plain_request(task, temperature, max_tokens)?)
        .await?;
    spent.add(response.usage);
    let reply = response.message.content;
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("reply.md.txt"), &reply)?;
    let parsed = parse_reply(&reply);
    // Only the whole files: a single call has nothing to SEARCH in.
    let wholes: Vec<Edit> = parsed
        .edits
        .into_iter()
        .filter(|e| matches!(e, Edit::WholeFile { .. }))
        .collect();
    let store = FileStore::open(dir.join("files"))?;
    let results = apply_edits(&store, &wholes);
    let mut note = format!(
        "{} file(s) from {} block(s)",
        results.iter().filter(|r| !r.failed()).count(),
        wholes.len()
    );
    if !parsed.problems.is_empty() {
        note.push_str(&format!(", {} unusable block(s)", parsed.problems.len()));
    }
    if response.finish_reason.as_deref() == Some("length") {
        note.push_str(", reply cut at the token cap");
    }
    Ok((spent, note))
}

/// Temperatures the best-of-N candidates cycle through.
const TEMPERATURES: [f32; 4] = [0.2, 0.4, 0.6, 0.8];

/// The best-of-N result: what was spent, how many candidates, which one was kept and why.
pub struct BestOf {
    pub spent: Spent,
    pub candidates: usize,
    pub chosen: Option<usize>,
    pub ratings: Vec<Rating>,
}

/// Plain-text candidates until the next one would pass `budget` tokens (prompt + completion; at
/// least one candidate, at most `max`), then the best by [`rate`]. Candidate `i` goes to
/// `dir/cand-i/files`; a failed call is a candidate with no files.
pub async fn best_of_n(
    model: &dyn ChatModel,
    task: &str,
    dir: &Path,
    budget: u64,
    max: usize,
    max_tokens: u32,
) -> Result<BestOf> {
    let mut spent = Spent::default();
    let mut ratings = Vec::new();
    for i in 0..max.max(1) {
        let mean = spent.total() / (i as u64).max(1);
        if i > 0 && spent.total() + mean > budget {
            break;
        }
        let cand = dir.join(format!("cand-{i:02}"));
        let temperature = TEMPERATURES[i % TEMPERATURES.len()];
        match plain_single_call(model, task, &cand, temperature, max_tokens).await {
            Ok((s, _)) => {
                spent.prompt_tokens += s.prompt_tokens;
                spent.completion_tokens += s.completion_tokens;
                spent.calls += s.calls;
            }
            Err(e) => {
                eprintln!("best-of-N candidate {i}: {e}");
                spent.calls += 1;
            }
        }
        let files = cand.join("files");
        std::fs::create_dir_all(&files)?;
        ratings.push(rate(&files, task).await.unwrap_or_else(|e| {
            eprintln!("best-of-N candidate {i}: could not rate it: {e}");
            Rating::default()
        }));
    }
    Ok(BestOf {
        spent,
        candidates: ratings.len(),
        chosen: best(&ratings),
        ratings,
    })
}

/// The older baseline: one request forced through the `write_files` tool, so the code travels
/// inside a JSON string (kept to show what that costs a small model).
pub async fn tool_single_call(
    model: &dyn ChatModel,
    task: &str,
    dir: &Path,
    temperature: f32,
    max_tokens: u32,
) -> Result<Spent> {
    let tools = ToolRegistry::step_tools();
    let write = tools
        .specs()
        .into_iter()
        .filter(|t| t.name == "write_files")
        .collect::<Vec<_>>();
    let request = ChatRequest {
        messages: vec![
            Message::system("You are a software engineer. Write the complete project for the task below in one reply: call write_files once with every file, each with its full content. No placeholders."),
            Message::user(task),
        ],
        tools: write,
        tool_choice: ToolChoice::Named("write_files".into()),
        temperature,
        max_tokens: Some(max_tokens),
    };
    let mut spent = Spent::default();
    let response = model.chat(&request).await?;
    spent.add(response.usage);
    let ctx = ToolContext::new(FileStore::open(dir)?);
    for call in &response.message.tool_calls {
        tools.dispatch(call, &ctx).await?;
    }
    Ok(spent)
}
