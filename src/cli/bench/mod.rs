//! `l2mac bench`: the L2MAC paper's comparison on our own tasks, made honest for small models. For
//! each task in examples/bench, l2mac (plan, fresh-context steps, checks) against the same model
//! alone: one plain-text request for all files (the main baseline), the best of N plain-text
//! requests on the l2mac run's token budget, and one request forced through the write tool; all
//! scored by hidden acceptance tests the model never sees.

mod methods;
mod table;

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use l2mac::control::{NullSink, RunSettings, RunState, Runner};
use l2mac::exec::{score_with_pytest, CheckSpec, ExecOptions};
use l2mac::llm::ChatModel;

use super::run::{client, sandbox_mode, ModelArgs};
use super::ExitCode;
use methods::{best_of_n, plain_single_call, tool_single_call, Spent};
use table::{row, table, Score};

/// The methods `--methods` can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Method {
    L2mac,
    Plain,
    BestOfN,
    Tool,
}

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
    /// Which methods run, comma-separated.
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [Method::L2mac, Method::Plain, Method::BestOfN, Method::Tool])]
    pub methods: Vec<Method>,
    /// Token budget (prompt + completion) of best-of-N; default: what the l2mac run of the same
    /// task and repeat spent (best-of-N is skipped when neither is there).
    #[arg(long)]
    pub best_of_budget: Option<u64>,
    /// Most candidates best-of-N draws, whatever the budget.
    #[arg(long, default_value_t = 16)]
    pub best_of_max: usize,
    /// Output-token cap of each single call and best-of-N candidate.
    #[arg(long, default_value_t = 4096)]
    pub call_max_tokens: u32,
    /// Where the runs go (default: ~/.local/share/l2mac/bench/bench-<timestamp>, outside the
    /// repository, so checks cannot find the hidden tests).
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

fn find_tasks(args: &BenchArgs) -> Result<Vec<PathBuf>> {
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
    Ok(tasks)
}

pub async fn bench(args: BenchArgs) -> Result<ExitCode> {
    let (file, _) = l2mac::config::FileConfig::discover(&std::env::current_dir()?)?;
    let tasks = find_tasks(&args)?;
    // Outside the repository: generated code run as a check must not find the tasks' hidden
    // acceptance tests and reference solutions next to its run.
    let stamp = format!("bench-{}", chrono::Utc::now().format("%Y%m%d-%H%M%S"));
    let out = match args.out.clone() {
        Some(o) => o,
        None => dirs::data_dir()
            .map(|d| d.join("l2mac").join("bench").join(&stamp))
            .context(
                "no data folder for the bench runs (set HOME or XDG_DATA_HOME), or pass --out",
            )?,
    };
    std::fs::create_dir_all(&out)?;
    if let (Ok(o), Ok(t)) = (out.canonicalize(), args.tasks.canonicalize()) {
        if o.starts_with(&t) {
            bail!(
                "--out {} is inside the tasks folder {}; the runs would sit next to the hidden acceptance tests. Choose a folder outside it",
                out.display(),
                args.tasks.display()
            );
        }
    }
    eprintln!("bench runs go to {}", out.display());
    let handle = client(&args.model, &file, None).await?;
    let model: &dyn ChatModel = &handle.client;
    let ctx_window = handle.context_window.unwrap_or(8192);
    let mut scores: Vec<Score> = Vec::new();
    let has = |m: Method| args.methods.contains(&m);
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
        let mut l2mac_spent = None;
        if has(Method::L2mac) {
            let dir = out.join(format!("{name}-l2mac-{rep}"));
            let started = Instant::now();
            let settings = RunSettings {
                max_steps: args.max_steps,
                context_window: ctx_window,
                temperature,
                max_turns_per_step: args.max_step_turns,
                max_total_turns: Some(args.max_turns),
                checks: Vec::<CheckSpec>::new(),
                sandbox: sandbox_mode(&args.model, &file),
                // The profile `l2mac run` would use for this provider and model.
                profile: handle.profile.clone(),
                ..RunSettings::default()
            };
            let state = RunState::new(
                task.clone(),
                model.model_name().into(),
                handle.client.options().base_url.clone(),
                settings,
            );
            let mut runner = Runner::create(model, &NullSink, &dir, state)?;
            if let Err(e) = runner.run(false).await {
                eprintln!("{name} l2mac: {e}");
            }
            let totals = &runner.state().totals;
            let spent = Spent {
                prompt_tokens: totals.prompt_tokens,
                completion_tokens: totals.completion_tokens,
                calls: totals.model_calls,
            };
            l2mac_spent = Some(spent);
            let run = Run::new("l2mac", &dir, spent, started, String::new());
            record(&job, run, &out, &mut scores).await?;
        }
        if has(Method::Plain) {
            let dir = out.join(format!("{name}-plain-{rep}"));
            let started = Instant::now();
            let (spent, note) =
                plain_single_call(model, &task, &dir, temperature, args.call_max_tokens)
                    .await
                    .unwrap_or_else(|e| (Spent::default(), format!("the call failed: {e}")));
            let files = dir.join("files");
            std::fs::create_dir_all(&files)?;
            let run = Run::new("plain single call", &files, spent, started, note);
            record(&job, run, &out, &mut scores).await?;
        }
        if has(Method::BestOfN) {
            let budget = args.best_of_budget.or(l2mac_spent.map(|s| s.total()));
            match budget {
                None => eprintln!(
                    "{name}: best-of-N skipped: no l2mac run to take its budget from and no --best-of-budget"
                ),
                Some(budget) => {
                    let dir = out.join(format!("{name}-bestof-{rep}"));
                    let started = Instant::now();
                    let b = best_of_n(
                        model,
                        &task,
                        &dir,
                        budget,
                        args.best_of_max,
                        args.call_max_tokens,
                    )
                    .await?;
                    let files = match b.chosen {
                        Some(i) => dir.join(format!("cand-{i:02}/files")),
                        None => dir.join("none"),
                    };
                    std::fs::create_dir_all(&files)?;
                    let note = format!(
                        "{} candidates on a {budget}-token budget, kept #{} ({}); {}",
                        b.candidates,
                        b.chosen.unwrap_or(0),
                        b.chosen
                            .and_then(|i| b.ratings.get(i))
                            .map(|r| format!(
                                "examples {}/{}, imports {}/{}, names {}/{}",
                                r.examples_passed,
                                r.examples,
                                r.imported,
                                r.modules,
                                r.promised_found,
                                r.promised
                            ))
                            .unwrap_or_default(),
                        l2mac::rate::basis(&task)
                    );
                    let run = Run::new("best-of-N plain", &files, b.spent, started, note);
                    record(&job, run, &out, &mut scores).await?;
                }
            }
        }
        if has(Method::Tool) {
            let dir = out.join(format!("{name}-tool-{rep}"));
            std::fs::create_dir_all(&dir)?;
            let started = Instant::now();
            let (spent, note) =
                match tool_single_call(model, &task, &dir, temperature, args.call_max_tokens).await
                {
                    Ok(s) => (s, String::new()),
                    Err(e) => (Spent::default(), format!("the call failed: {e}")),
                };
            let run = Run::new("tool single call", &dir, spent, started, note);
            record(&job, run, &out, &mut scores).await?;
        }
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

/// One finished run of one method, before scoring.
struct Run<'a> {
    method: &'static str,
    files: &'a Path,
    spent: Spent,
    started: Instant,
    note: String,
}

impl<'a> Run<'a> {
    fn new(
        method: &'static str,
        files: &'a Path,
        spent: Spent,
        started: Instant,
        note: String,
    ) -> Self {
        Self {
            method,
            files,
            spent,
            started,
            note,
        }
    }
}

/// Scores one finished run, prints its row and saves the results so far.
async fn record(job: &Job<'_>, run: Run<'_>, out: &Path, scores: &mut Vec<Score>) -> Result<()> {
    // Wall time is the method's own: scoring is not part of it.
    let seconds = run.started.elapsed().as_secs_f64();
    let (passed, failed) = acceptance(job.task_dir, run.files).await?;
    let (own_p, own_f) = own_tests(run.files).await?;
    let s = Score {
        task: job.name.into(),
        method: run.method.into(),
        temperature: job.temperature,
        acceptance_passed: passed,
        acceptance_total: job.total.max(passed + failed),
        own_tests_passed: own_p,
        own_tests_failed: own_f,
        lines: python_lines(run.files),
        model_calls: run.spent.calls,
        prompt_tokens: run.spent.prompt_tokens,
        completion_tokens: run.spent.completion_tokens,
        seconds,
        note: run.note,
    };
    eprintln!("{}", row(&s));
    scores.push(s);
    save(out, scores)?;
    Ok(())
}
