//! `l2mac bench`: the L2MAC paper's comparison on our own tasks. For each task in examples/bench,
//! l2mac (plan, fresh-context steps, checks) against a single-call baseline (one request that must
//! write every file at once, same model, same write tool), both scored by hidden acceptance tests.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use l2mac::control::{NullSink, RunSettings, RunState, Runner};
use l2mac::exec::{score_with_pytest, CheckSpec, ExecOptions};
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
    /// Directory for the runs and the score table (default: workspace/bench-<timestamp>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// At most this many plan steps per l2mac run.
    #[arg(long, default_value_t = 4)]
    pub max_steps: usize,
    /// Agent turns allowed in one l2mac run (all steps together).
    #[arg(long, default_value_t = 60)]
    pub max_turns: u32,
    /// Agent turns allowed in one step of an l2mac run.
    #[arg(long, default_value_t = 15)]
    pub max_step_turns: u32,
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

/// Runs the hidden acceptance tests on a copy of the produced files, sandboxed like any check.
async fn acceptance(task: &Path, files: &Path) -> Result<(usize, usize)> {
    let score = score_with_pytest(
        files,
        Some(&task.join("acceptance")),
        &ExecOptions::default(),
    )
    .await?;
    Ok((score.passed, score.failed))
}

async fn own_tests(files: &Path) -> Result<(usize, usize)> {
    let score = score_with_pytest(files, None, &ExecOptions::default()).await?;
    Ok((score.passed, score.failed))
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
    // Repeat-major order: if a long run is stopped, every task has been tried at least once.
    let jobs = (0..args.repeats).flat_map(|rep| tasks.iter().map(move |t| (rep, t)));
    for (rep, task_dir) in jobs {
        let name = task_dir
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let task = std::fs::read_to_string(task_dir.join("task.md"))?;
        let total = match task_dir.join("reference") {
            r if r.is_dir() => {
                let (p, f) = acceptance(task_dir, &r).await?;
                p + f
            }
            _ => 0,
        };
        let temperature = 0.4 * rep as f32;
        let job = Job {
            name: &name,
            temperature,
            task_dir,
            total,
        };
        // l2mac
        let dir = out.join(format!("{name}-l2mac-{rep}"));
        let started = Instant::now();
        let settings = RunSettings {
            max_steps: args.max_steps,
            context_window: ctx_window,
            temperature,
            max_turns_per_step: args.max_step_turns,
            max_total_turns: Some(args.max_turns),
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
        record(&job, "l2mac", &dir, (pt, ct), started, &out, &mut scores).await?;
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
        record(
            &job,
            "single call",
            &dir,
            (pt, ct),
            started,
            &out,
            &mut scores,
        )
        .await?;
    }
    let table = save(&out, &scores)?;
    println!("{table}");
    if let Some(server) = handle.server {
        server.stop().await;
    }
    Ok(ExitCode::Success)
}

/// Writes results.json and results.md after every run, so a stopped bench keeps what it measured.
fn save(out: &Path, scores: &[Score]) -> Result<String> {
    let table = table(scores);
    std::fs::write(
        out.join("results.json"),
        serde_json::to_string_pretty(scores)?,
    )?;
    std::fs::write(out.join("results.md"), &table)?;
    Ok(table)
}

/// What the runs of one task at one repeat share.
struct Job<'a> {
    name: &'a str,
    temperature: f32,
    task_dir: &'a Path,
    /// Acceptance tests the reference solution passes (0 when the task has none).
    total: usize,
}

/// Scores one finished run, prints its row and saves the results so far.
async fn record(
    job: &Job<'_>,
    method: &str,
    files: &Path,
    tokens: (u64, u64),
    started: Instant,
    out: &Path,
    scores: &mut Vec<Score>,
) -> Result<()> {
    let s = score(job, method, files, tokens, started).await?;
    eprintln!("{}", row(&s));
    scores.push(s);
    save(out, scores)?;
    Ok(())
}

async fn score(
    job: &Job<'_>,
    method: &str,
    files: &Path,
    (prompt_tokens, completion_tokens): (u64, u64),
    started: Instant,
) -> Result<Score> {
    let seconds = started.elapsed().as_secs_f64();
    let (passed, failed) = acceptance(job.task_dir, files).await?;
    let (own_p, own_f) = own_tests(files).await?;
    Ok(Score {
        task: job.name.into(),
        method: method.into(),
        temperature: job.temperature,
        acceptance_passed: passed,
        acceptance_total: job.total.max(passed + failed),
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

/// Median of a non-empty list (the mean of the middle two for even lengths).
fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    match n {
        0 => 0.0,
        _ if n % 2 == 1 => v[n / 2],
        _ => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

const METHODS: [&str; 2] = ["l2mac", "single call"];

fn table(scores: &[Score]) -> String {
    let mut t = String::from("| task | method | temp | acceptance passed | own tests passed | lines | tokens in / out | seconds |\n|---|---|---|---|---|---|---|---|\n");
    for s in scores {
        t.push_str(&row(s));
        t.push('\n');
    }
    t.push_str("\nMedians over the repeats of each task:\n\n| task | method | runs | acceptance passed (median) | lines | tokens in / out | seconds |\n|---|---|---|---|---|---|---|\n");
    let mut names: Vec<&str> = scores.iter().map(|s| s.task.as_str()).collect();
    names.dedup();
    names.sort();
    names.dedup();
    for name in names {
        for method in METHODS {
            let mine: Vec<&Score> = scores
                .iter()
                .filter(|s| s.task == name && s.method == method)
                .collect();
            if mine.is_empty() {
                continue;
            }
            let med = |f: &dyn Fn(&Score) -> f64| median(mine.iter().map(|s| f(s)).collect());
            t.push_str(&format!(
                "| {name} | {method} | {} | {:.1}/{} | {:.0} | {:.0} / {:.0} | {:.0} |\n",
                mine.len(),
                med(&|s| s.acceptance_passed as f64),
                mine[0].acceptance_total,
                med(&|s| s.lines as f64),
                med(&|s| s.prompt_tokens as f64),
                med(&|s| s.completion_tokens as f64),
                med(&|s| s.seconds),
            ));
        }
    }
    for method in METHODS {
        let mine: Vec<&Score> = scores.iter().filter(|s| s.method == method).collect();
        let passed: usize = mine.iter().map(|s| s.acceptance_passed).sum();
        let total: usize = mine.iter().map(|s| s.acceptance_total).sum();
        let secs: f64 = mine.iter().map(|s| s.seconds).sum();
        t.push_str(&format!(
            "\n{method}: {passed}/{total} acceptance tests ({:.0}%) over {} runs, {:.0} s in all",
            100.0 * passed as f64 / total.max(1) as f64,
            mine.len(),
            secs
        ));
    }
    t.push('\n');
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(task: &str, method: &str, passed: usize, seconds: f64) -> Score {
        Score {
            task: task.into(),
            method: method.into(),
            temperature: 0.0,
            acceptance_passed: passed,
            acceptance_total: 4,
            own_tests_passed: 0,
            own_tests_failed: 0,
            lines: 10,
            prompt_tokens: 100,
            completion_tokens: 20,
            seconds,
        }
    }

    #[test]
    fn median_of_odd_and_even_lists() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(median(vec![]), 0.0);
    }

    #[test]
    fn table_has_per_task_medians_and_totals() {
        let scores = vec![
            s("a", "l2mac", 4, 10.0),
            s("a", "single call", 1, 2.0),
            s("a", "l2mac", 2, 30.0),
            s("a", "single call", 3, 4.0),
            s("a", "l2mac", 3, 20.0),
        ];
        let t = table(&scores);
        assert!(
            t.contains("| a | l2mac | 3 | 3.0/4 | 10 | 100 / 20 | 20 |"),
            "{t}"
        );
        assert!(
            t.contains("| a | single call | 2 | 2.0/4 | 10 | 100 / 20 | 3 |"),
            "{t}"
        );
        assert!(
            t.contains("l2mac: 9/12 acceptance tests (75%) over 3 runs, 60 s in all"),
            "{t}"
        );
        assert!(
            t.contains("single call: 4/8 acceptance tests (50%) over 2 runs, 6 s in all"),
            "{t}"
        );
    }
}
