//! `l2mac bench`: the L2MAC paper's comparison on our own tasks. For each task in examples/bench,
//! l2mac (plan, fresh-context steps, checks) against a single-call baseline (one request that must
//! write every file at once, same model, same write tool), both scored by hidden acceptance tests.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use l2mac::control::{NullSink, RunSettings, RunState, Runner};
use l2mac::exec::{pytest_counts, CheckSpec};
use l2mac::llm::{ChatModel, ChatRequest, Message, ToolChoice};
use l2mac::store::FileStore;
use l2mac::tools::{ToolContext, ToolRegistry};
use serde::Serialize;

use super::run::{client, ModelArgs};
use super::ExitCode;

#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// Folder of tasks (each with task.md and acceptance/).
    #[arg(long, default_value = "examples/bench")]
    pub tasks: PathBuf,
    /// Only tasks whose folder name contains this (repeatable).
    #[arg(long)]
    pub only: Vec<String>,
    /// Repetitions per task and method, at temperatures 0.0, 0.4, 0.8, ...
    #[arg(long, default_value_t = 1)]
    pub repeats: usize,
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[arg(long, default_value_t = 4)]
    pub max_steps: usize,
    #[command(flatten)]
    pub model: ModelArgs,
}

#[derive(Debug, Clone, Serialize)]
pub struct Score {
    pub task: String,
    pub method: String,
    pub temperature: f32,
    pub acceptance_passed: usize,
    pub acceptance_total: usize,
    pub own_tests_passed: usize,
    pub own_tests_failed: usize,
    pub lines: usize,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub seconds: f64,
}

fn pytest(dir: &Path, target: &Path) -> Result<String> {
    let out = Command::new("python3")
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .arg(target)
        .current_dir(dir)
        .env("PYTHONPATH", dir)
        .output()
        .context("running python3 -m pytest (is pytest installed?)")?;
    Ok(format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    ))
}

/// Runs the hidden acceptance tests on a copy of the produced files.
fn acceptance(task: &Path, files: &Path) -> Result<(usize, usize)> {
    let work = tempfile::tempdir()?;
    for entry in walkdir::WalkDir::new(files)
        .into_iter()
        .filter_map(Result::ok)
    {
        let rel = entry.path().strip_prefix(files)?;
        if rel.starts_with(".l2mac") || !entry.file_type().is_file() {
            continue;
        }
        let dest = work.path().join(rel);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::copy(entry.path(), &dest)?;
    }
    Ok(pytest_counts(&pytest(
        work.path(),
        &task.join("acceptance").canonicalize()?,
    )?))
}

fn own_tests(files: &Path) -> Result<(usize, usize)> {
    let has_tests = walkdir::WalkDir::new(files)
        .into_iter()
        .filter_map(Result::ok)
        .any(|e| {
            let n = e.file_name().to_string_lossy();
            n.ends_with(".py") && (n.starts_with("test_") || n.ends_with("_test.py"))
        });
    if !has_tests {
        return Ok((0, 0));
    }
    Ok(pytest_counts(&pytest(files, Path::new("."))?))
}

fn python_lines(files: &Path) -> usize {
    walkdir::WalkDir::new(files)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| {
            e.path().extension().is_some_and(|x| x == "py")
                && !e.path().components().any(|c| c.as_os_str() == ".l2mac")
        })
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .map(|s| s.lines().filter(|l| !l.trim().is_empty()).count())
        .sum()
}

/// One request that must write every file: the paper's single-call baseline.
async fn baseline(
    model: &dyn ChatModel,
    task: &str,
    dir: &Path,
    temperature: f32,
) -> Result<(u64, u64)> {
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
        max_tokens: Some(4096),
    };
    let response = model.chat(&request).await?;
    let ctx = ToolContext::new(FileStore::open(dir)?);
    for call in &response.message.tool_calls {
        tools.dispatch(call, &ctx).await?;
    }
    Ok((
        response.usage.prompt_tokens,
        response.usage.completion_tokens,
    ))
}

pub async fn bench(args: BenchArgs) -> Result<ExitCode> {
    let (file, _) = l2mac::config::FileConfig::discover(&std::env::current_dir()?)?;
    let mut tasks: Vec<PathBuf> = std::fs::read_dir(&args.tasks)
        .with_context(|| format!("cannot read the task folder {}", args.tasks.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("task.md").is_file() && p.join("acceptance").is_dir())
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            args.only.is_empty() || args.only.iter().any(|o| name.contains(o.as_str()))
        })
        .collect();
    tasks.sort();
    if tasks.is_empty() {
        bail!(
            "no tasks (folders with task.md and acceptance/) under {}",
            args.tasks.display()
        );
    }
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("workspace").join(format!(
            "bench-{}",
            chrono::Utc::now().format("%Y%m%d-%H%M%S")
        ))
    });
    std::fs::create_dir_all(&out)?;
    let handle = client(&args.model, &file, None).await?;
    let model: &dyn ChatModel = &handle.client;
    let ctx_window = handle.context_window.unwrap_or(8192);
    let mut scores: Vec<Score> = Vec::new();
    for task_dir in &tasks {
        let name = task_dir
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let task = std::fs::read_to_string(task_dir.join("task.md"))?;
        let total = match task_dir.join("reference") {
            r if r.is_dir() => {
                let (p, f) = acceptance(task_dir, &r)?;
                p + f
            }
            _ => 0,
        };
        for rep in 0..args.repeats {
            let temperature = 0.4 * rep as f32;
            // l2mac
            let dir = out.join(format!("{name}-l2mac-{rep}"));
            let started = Instant::now();
            let settings = RunSettings {
                max_steps: args.max_steps,
                context_window: ctx_window,
                temperature,
                max_turns_per_step: 15,
                max_total_turns: Some(60),
                checks: Vec::<CheckSpec>::new(),
                ..RunSettings::default()
            };
            let state = RunState::new(
                task.clone(),
                model.model_name().into(),
                handle.client.options().base_url.clone(),
                settings,
            );
            let mut runner = Runner::create(model, &NullSink, &dir, state)?;
            let (pt, ct) = match runner.run(false).await {
                Ok(r) => (r.prompt_tokens, r.completion_tokens),
                Err(e) => {
                    eprintln!("{name} l2mac: {e}");
                    (
                        runner.state().totals.prompt_tokens,
                        runner.state().totals.completion_tokens,
                    )
                }
            };
            scores.push(score(
                &name,
                "l2mac",
                temperature,
                task_dir,
                &dir,
                total,
                pt,
                ct,
                started,
            )?);
            eprintln!("{}", row(scores.last().expect("pushed")));
            // single call
            let dir = out.join(format!("{name}-single-{rep}"));
            std::fs::create_dir_all(&dir)?;
            let started = Instant::now();
            let (pt, ct) = baseline(model, &task, &dir, temperature)
                .await
                .unwrap_or_else(|e| {
                    eprintln!("{name} single call: {e}");
                    (0, 0)
                });
            scores.push(score(
                &name,
                "single call",
                temperature,
                task_dir,
                &dir,
                total,
                pt,
                ct,
                started,
            )?);
            eprintln!("{}", row(scores.last().expect("pushed")));
        }
    }
    let table = table(&scores);
    std::fs::write(
        out.join("results.json"),
        serde_json::to_string_pretty(&scores)?,
    )?;
    std::fs::write(out.join("results.md"), &table)?;
    println!("{table}");
    if let Some(server) = handle.server {
        server.stop().await;
    }
    Ok(ExitCode::Success)
}

#[allow(clippy::too_many_arguments)]
fn score(
    task: &str,
    method: &str,
    temperature: f32,
    task_dir: &Path,
    files: &Path,
    total: usize,
    prompt_tokens: u64,
    completion_tokens: u64,
    started: Instant,
) -> Result<Score> {
    let seconds = started.elapsed().as_secs_f64();
    let (passed, failed) = acceptance(task_dir, files)?;
    let (own_p, own_f) = own_tests(files)?;
    Ok(Score {
        task: task.into(),
        method: method.into(),
        temperature,
        acceptance_passed: passed,
        acceptance_total: total.max(passed + failed),
        own_tests_passed: own_p,
        own_tests_failed: own_f,
        lines: python_lines(files),
        prompt_tokens,
        completion_tokens,
        seconds,
    })
}

fn row(s: &Score) -> String {
    format!(
        "| {} | {} | {:.1} | {}/{} | {}/{} | {} | {} / {} | {:.0} |",
        s.task,
        s.method,
        s.temperature,
        s.acceptance_passed,
        s.acceptance_total,
        s.own_tests_passed,
        s.own_tests_passed + s.own_tests_failed,
        s.lines,
        s.prompt_tokens,
        s.completion_tokens,
        s.seconds
    )
}

fn table(scores: &[Score]) -> String {
    let mut t = String::from("| task | method | temp | acceptance passed | own tests passed | lines | tokens in / out | seconds |\n|---|---|---|---|---|---|---|---|\n");
    for s in scores {
        t.push_str(&row(s));
        t.push('\n');
    }
    for method in ["l2mac", "single call"] {
        let mine: Vec<&Score> = scores.iter().filter(|s| s.method == method).collect();
        let passed: usize = mine.iter().map(|s| s.acceptance_passed).sum();
        let total: usize = mine.iter().map(|s| s.acceptance_total).sum();
        let secs: f64 = mine.iter().map(|s| s.seconds).sum();
        t.push_str(&format!(
            "\n{method}: {passed}/{total} acceptance tests ({:.0}%), {:.0} s in all",
            100.0 * passed as f64 / total.max(1) as f64,
            secs
        ));
    }
    t.push('\n');
    t
}
