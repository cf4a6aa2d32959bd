//! `l2mac run`, `resume` and `status`: building the model client and settings from flags, env and
//! l2mac.toml, driving the control unit, and mapping its end to an exit code.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use l2mac::config::FileConfig;
use l2mac::control::{ControlError, DomainKind, EventSink, Outcome, RunSettings, RunState, Runner};
use l2mac::exec::{CheckSpec, SandboxMode};
use l2mac::llm::local::{self, LocalServer};
use l2mac::llm::{Compat, OpenAiClient, OpenAiOptions, RetryPolicy, ToolMode};
use l2mac::profile::{Family, ModelProfile};

use super::progress::{Bars, JsonLines};
use super::ExitCode;

/// Where the model runs.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// Any OpenAI-compatible endpoint (--base-url / OPENAI_BASE_URL).
    Openai,
    /// The embedded llama.cpp server with the model `l2mac setup-local-model` installs.
    Local,
}

impl Provider {
    pub fn as_str(&self) -> &'static str {
        match self {
            Provider::Openai => "openai",
            Provider::Local => "local",
        }
    }
}

#[derive(clap::Args, Debug, Clone)]
pub struct ModelArgs {
    /// `openai` (an endpoint) or `local` (the embedded server); default: openai when an endpoint
    /// is configured, else local.
    #[arg(long, value_enum)]
    pub provider: Option<Provider>,
    /// Threads for the local server (default: all cores, at most 8).
    #[arg(long, value_parser = at_least::<1>)]
    pub threads: Option<usize>,
    /// Model name sent to the endpoint [env: L2MAC_MODEL]
    #[arg(long, env = "L2MAC_MODEL")]
    pub model: Option<String>,
    /// OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1 [env: OPENAI_BASE_URL]
    #[arg(long, env = "OPENAI_BASE_URL", value_parser = l2mac::config::http_url)]
    pub base_url: Option<String>,
    /// How tools reach the model: `native` (the API's tool calls) or `text` (JSON written in
    /// the text).
    #[arg(long)]
    pub tool_mode: Option<ToolMode>,
    /// How the model is driven: `small` (every small-model guard and hook; the default for the
    /// local server and models named with at most 3B parameters) or `standard` (a model that
    /// follows tool schemas; the default otherwise).
    #[arg(long)]
    pub profile: Option<Family>,
    /// How code steps write files: `blocks` (plain text: a path line and a fenced block, or
    /// SEARCH/REPLACE; the small profile's default) or `tools` (`write_files` calls; the standard
    /// profile's). Config key: `edit_format`.
    #[arg(long)]
    pub edit_format: Option<l2mac::profile::EditFormat>,
    /// Provider quirks: `standard` or `llama-cpp` (llama-cpp-python's server).
    #[arg(long)]
    pub compat: Option<String>,
    /// Seconds before one model request is abandoned (and retried).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub request_timeout: Option<u64>,
    /// Retries of a failed model request (429, 5xx, network), with backoff.
    #[arg(long)]
    pub max_retries: Option<u32>,
    /// Print one JSON event per line on stdout instead of progress bars.
    #[arg(long)]
    pub json: bool,
    /// How checks (code the model wrote) are confined: `required` (default) refuses to run them
    /// when neither bubblewrap nor Landlock works here; `auto` then runs them unconfined with a
    /// warning; `off` never confines them. Config key: `sandbox`.
    #[arg(long)]
    pub sandbox: Option<SandboxMode>,
}

/// The sandbox mode from the flag, else l2mac.toml, else `required`.
pub fn sandbox_mode(args: &ModelArgs, file: &FileConfig) -> SandboxMode {
    args.sandbox.or(file.sandbox).unwrap_or_default()
}

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// The task, as text (or use --task-file).
    pub task: Option<String>,
    /// A file holding the task (instead of TASK).
    #[arg(long, conflicts_with = "task")]
    pub task_file: Option<PathBuf>,
    /// Run directory (default: workspace/<slug>-<timestamp>/).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// A check command run in the run directory (repeatable); default: detected from the files.
    #[arg(long = "check")]
    pub checks: Vec<String>,
    /// At most this many steps in the plan (the planner is asked for no more).
    #[arg(long, value_parser = at_least::<1>)]
    pub max_steps: Option<usize>,
    /// Stop when this many tokens (in + out) have been used.
    #[arg(long)]
    pub max_tokens: Option<u64>,
    /// Stop after this many agent turns in total.
    #[arg(long)]
    pub max_turns: Option<u32>,
    /// The model's context window in tokens (default: from the model name, else 8192).
    #[arg(long, value_parser = at_least::<{ l2mac::config::MIN_CONTEXT_WINDOW }>)]
    pub context_window: Option<usize>,
    /// Seconds a check may run before it is killed and counted as a failure.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub check_timeout: Option<u64>,
    /// Ask the planner to review its plan once.
    #[arg(long)]
    pub refine_plan: bool,
    /// What the run makes: `code`, `dse` (architecture-search studies) or `text` (long
    /// documents).
    #[arg(long, default_value = "code")]
    pub domain: DomainKind,
    #[command(flatten)]
    pub model: ModelArgs,
}

/// The model client, plus the local server it talks to when the provider is local (kept alive
/// for the run and killed when dropped).
pub struct ModelHandle {
    pub client: OpenAiClient,
    pub server: Option<LocalServer>,
    pub context_window: Option<usize>,
    pub provider: Provider,
    /// The local server's threads (None for an endpoint).
    pub threads: Option<usize>,
    /// How the run drives the model; saved with a new run.
    pub profile: ModelProfile,
}

pub async fn client(
    args: &ModelArgs,
    file: &FileConfig,
    saved: Option<&RunState>,
) -> Result<ModelHandle> {
    let explicit_url = args.base_url.clone().or_else(|| file.base_url.clone());
    let saved_local = saved.is_some_and(|s| s.provider.as_deref() == Some("local"));
    let provider = match (args.provider, &explicit_url) {
        (Some(p), _) => p,
        (None, Some(_)) => Provider::Openai,
        (None, None) if saved_local => Provider::Local,
        (None, None) if saved.is_some() => Provider::Openai,
        (None, None) => Provider::Local,
    };
    let compat_name = args.compat.as_deref().or(file.compat.as_deref());
    let compat_flag = match compat_name {
        None => None,
        Some("standard") => Some(Compat::standard()),
        Some("llama-cpp") => Some(Compat::llama_cpp()),
        Some(other) => bail!("unknown --compat `{other}`: use `standard` or `llama-cpp`"),
    };
    let (base_url, model, server, context_window, threads) = match provider {
        Provider::Openai => {
            let base_url = explicit_url
                .or_else(|| saved.map(|s| s.base_url.clone()))
                .context("no model endpoint configured: pass --base-url URL or set OPENAI_BASE_URL (or base_url in l2mac.toml), or use --provider local")?;
            if base_url.contains(l2mac::secrets::REDACTED) {
                bail!("the run's saved endpoint {base_url} had credentials in it, which are never saved; pass --base-url again");
            }
            let model = args
                .model
                .clone()
                .or_else(|| file.model.clone())
                .or_else(|| saved.map(|s| s.model.clone()))
                .unwrap_or_else(|| "gpt-4o-mini".to_string());
            (base_url, model, None, None, None)
        }
        Provider::Local => {
            let mut opts = local::find_installed()?;
            if let Some(t) = args.threads.or_else(|| saved.and_then(|s| s.local_threads)) {
                opts.threads = t.max(1);
            }
            eprintln!(
                "starting the local model server ({}, {} thread{})...",
                opts.model_path.display(),
                opts.threads,
                if opts.threads == 1 { "" } else { "s" }
            );
            let ctx = opts.ctx_size as usize;
            let threads = opts.threads;
            let server = LocalServer::start(opts).await?;
            (
                server.base_url(),
                server.model_id().to_string(),
                Some(server),
                Some(ctx),
                Some(threads),
            )
        }
    };
    let profile = profile_for(args, file, saved, provider, &model, compat_flag);
    eprintln!(
        "model requests go to {} (model {model})",
        l2mac::secrets::redact(&base_url)
    );
    let api_key = match provider {
        Provider::Openai => std::env::var("OPENAI_API_KEY")
            .ok()
            .filter(|k| !k.is_empty()),
        Provider::Local => None,
    };
    let client = OpenAiClient::new(OpenAiOptions {
        base_url,
        api_key,
        model,
        request_timeout: Duration::from_secs(
            args.request_timeout
                .or(file.request_timeout_secs)
                .unwrap_or(600),
        ),
        retry: RetryPolicy {
            max_retries: args
                .max_retries
                .unwrap_or(RetryPolicy::default().max_retries),
            ..RetryPolicy::default()
        },
        tool_mode: profile.tool_mode,
        compat: profile.compat.clone(),
    })?;
    Ok(ModelHandle {
        client,
        server,
        context_window,
        provider,
        threads,
        profile,
    })
}

/// The run's model profile: a resumed run keeps its own; a new one gets the family of its
/// provider and model (or `--profile`). Server quirks follow the provider (llama-cpp-python's
/// for the embedded server), and `--tool-mode`/`--compat` override both.
fn profile_for(
    args: &ModelArgs,
    file: &FileConfig,
    saved: Option<&RunState>,
    provider: Provider,
    model: &str,
    compat_flag: Option<Compat>,
) -> ModelProfile {
    let local = provider == Provider::Local;
    let family = args.profile.or(file.profile);
    let mut profile = match (saved, family) {
        (_, Some(family)) => ModelProfile::for_family(family),
        (Some(state), None) => state.settings.profile.clone(),
        (None, None) => ModelProfile::for_family(ModelProfile::family_for(local, model)),
    };
    if saved.is_none() || family.is_some() {
        profile.compat = match local {
            true => Compat::llama_cpp(),
            false => Compat::standard(),
        };
    }
    if let Some(compat) = compat_flag {
        profile.compat = compat;
    }
    if let Some(mode) = args.tool_mode.or(file.tool_mode) {
        profile.tool_mode = mode;
    }
    if let Some(format) = args.edit_format.or(file.edit_format) {
        profile.edit_format = format;
    }
    profile
}

fn sink(json: bool) -> Box<dyn EventSink> {
    if json {
        Box::new(JsonLines)
    } else {
        Box::new(Bars::new())
    }
}

fn slug(task: &str) -> String {
    let words: Vec<String> = task
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(5)
        .map(|w| w.to_ascii_lowercase())
        .collect();
    if words.is_empty() {
        "run".into()
    } else {
        words.join("-")
    }
}

pub async fn run(args: RunArgs) -> Result<ExitCode> {
    let (file, _) = FileConfig::discover(&std::env::current_dir()?)?;
    let task = match (&args.task, &args.task_file) {
        (Some(t), _) => t.clone(),
        (None, Some(path)) => std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the task file {}", path.display()))?,
        (None, None) => bail!("no task given: pass it as an argument or with --task-file FILE"),
    };
    if task.trim().is_empty() {
        bail!("the task is empty");
    }
    // Before the first model call: without pytest every code step would fail its checks and the
    // model would be asked to fix what it cannot.
    let own_checks = !args.checks.is_empty() || !file.checks.is_empty();
    if args.domain == DomainKind::Code && !own_checks && !l2mac::exec::pytest_available() {
        bail!(
            "a code run checks its Python with pytest, and `python3 -m pytest` does not run here: install it with `python3 -m pip install pytest`, or give the run your own checks with --check CMD"
        );
    }
    let handle = client(&args.model, &file, None).await?;
    let client = &handle.client;
    let model_name = client.options().model.clone();
    let mut settings = RunSettings {
        domain: args.domain,
        profile: handle.profile.clone(),
        context_window: args
            .context_window
            .or(file.context_window)
            .or(handle.context_window)
            .unwrap_or_else(|| l2mac::llm::tokens::default_context_window(&model_name)),
        max_total_tokens: args.max_tokens,
        max_total_turns: args.max_turns,
        refine_plan: args.refine_plan,
        ..RunSettings::default()
    };
    if let Some(n) = args.max_steps.or(file.max_steps) {
        if n == 0 {
            bail!("--max-steps must be at least 1");
        }
        settings.max_steps = n;
    }
    if let Some(n) = file.max_turns_per_step {
        settings.max_turns_per_step = n;
    }
    if let Some(t) = file.temperature {
        settings.temperature = t;
    }
    if let Some(t) = args.check_timeout.or(file.check_timeout_secs) {
        settings.check_timeout_secs = t;
    }
    settings.sandbox = sandbox_mode(&args.model, &file);
    let check_cmds = if args.checks.is_empty() {
        file.checks.clone()
    } else {
        args.checks.clone()
    };
    settings.checks = check_cmds
        .iter()
        .enumerate()
        .map(|(i, c)| CheckSpec {
            name: format!("check {}", i + 1),
            command: c.clone(),
        })
        .collect();
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("workspace").join(format!(
            "{}-{}",
            slug(&task),
            chrono::Utc::now().format("%Y%m%d-%H%M%S")
        ))
    });
    // locked before the check, so two `l2mac run --out DIR` cannot both start
    let _lock = l2mac::control::persist::RunDir::create(&out)?.lock()?;
    if out
        .join(l2mac::store::CONTROL_DIR)
        .join("run.json")
        .exists()
    {
        bail!(
            "{} already holds a run; continue it with `l2mac resume {}` or choose another --out",
            out.display(),
            out.display()
        );
    }
    let mut state = RunState::new(
        task,
        model_name,
        client.options().base_url.clone(),
        settings,
    );
    state.provider = Some(handle.provider.as_str().to_string());
    state.local_threads = handle.threads;
    let sink = sink(args.model.json);
    let code = match Runner::create(client, sink.as_ref(), &out, state) {
        Ok(mut runner) => drive(&mut runner, &out, false).await,
        Err(e) => Err(e.into()),
    };
    stop_server(handle).await;
    code
}

#[derive(clap::Args, Debug)]
pub struct ResumeArgs {
    /// The run directory to continue.
    pub dir: PathBuf,
    /// Raise (or set) the run's token budget, e.g. after it stopped on it.
    #[arg(long)]
    pub max_tokens: Option<u64>,
    /// Raise (or set) the run's turn budget.
    #[arg(long)]
    pub max_turns: Option<u32>,
    /// Resume even though run.json fails its integrity check (edited after l2mac saved it, or
    /// saved where no state key could be kept); the endpoint, model and checks it names are
    /// printed first. Read them before you pass this.
    #[arg(long)]
    pub accept_state: bool,
    #[command(flatten)]
    pub model: ModelArgs,
}

pub async fn resume(args: ResumeArgs) -> Result<ExitCode> {
    let (file, _) = FileConfig::discover(&std::env::current_dir()?)?;
    let run_dir = l2mac::control::persist::RunDir::open(&args.dir)?;
    let _lock = run_dir.lock()?;
    let saved = run_dir.load_state()?;
    if let Err(why) = run_dir.verify_state() {
        let checks: Vec<&str> = saved
            .settings
            .checks
            .iter()
            .map(|c| c.command.as_str())
            .collect();
        let shown = format!(
            "endpoint {}, model {}, checks {:?} (empty: detected from the files), sandbox {}",
            l2mac::secrets::redact(&saved.base_url),
            saved.model,
            checks,
            saved.settings.sandbox.as_str()
        );
        if !args.accept_state {
            bail!("{why}. It names: {shown}. Code run as a check may have rewritten it to send your key elsewhere or to replace the checks; if these are right, resume with --accept-state");
        }
        eprintln!("warning: {why}; resuming anyway (--accept-state) with {shown}");
        run_dir.save_state(&saved)?;
    }
    let handle = client(&args.model, &file, Some(&saved)).await?;
    let sink = sink(args.model.json);
    let code = match Runner::open(&handle.client, sink.as_ref(), &args.dir) {
        Ok(mut runner) => {
            runner.set_endpoint(
                &handle.client.options().base_url,
                handle.provider.as_str(),
                handle.threads,
                handle.profile.clone(),
            );
            if let Some(mode) = args.model.sandbox.or(file.sandbox) {
                runner.settings_mut().sandbox = mode;
            }
            match raise_budgets(runner.settings_mut(), &args) {
                Ok(()) => drive(&mut runner, &args.dir, true).await,
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(e.into()),
    };
    stop_server(handle).await;
    code
}

/// A resume may raise a budget, or set one the run did not have; lowering it below what the run
/// was given would end it at once, so that is refused rather than done silently.
fn only_raise(flag: &str, new: u64, old: Option<u64>) -> Result<()> {
    match old {
        Some(old) if new < old => {
            bail!("{flag} {new} is below the run's budget of {old}; a resume can only raise it")
        }
        _ => Ok(()),
    }
}

/// A count of at least `MIN` (`--context-window 0` used to be accepted).
fn at_least<const MIN: usize>(s: &str) -> std::result::Result<usize, String> {
    let n: usize = s.parse().map_err(|e| format!("{e}"))?;
    if n < MIN {
        return Err(format!("must be at least {MIN}"));
    }
    Ok(n)
}

/// A resumed run's budgets may only grow.
fn raise_budgets(settings: &mut RunSettings, args: &ResumeArgs) -> Result<()> {
    if let Some(n) = args.max_tokens {
        only_raise("--max-tokens", n, settings.max_total_tokens)?;
        settings.max_total_tokens = Some(n);
    }
    if let Some(n) = args.max_turns {
        only_raise(
            "--max-turns",
            u64::from(n),
            settings.max_total_turns.map(u64::from),
        )?;
        settings.max_total_turns = Some(n);
    }
    Ok(())
}

async fn stop_server(handle: ModelHandle) {
    if let Some(server) = handle.server {
        server.stop().await;
    }
}

async fn drive(runner: &mut Runner<'_>, dir: &Path, resumed: bool) -> Result<ExitCode> {
    let result = tokio::select! {
        r = runner.run(resumed) => r,
        _ = tokio::signal::ctrl_c() => {
            eprintln!("interrupted; the run is saved. Continue it with: l2mac resume {}", dir.display());
            return Ok(ExitCode::Unfinished);
        }
    };
    match result {
        Ok(report) => Ok(if report.outcome == Outcome::Complete {
            ExitCode::Success
        } else {
            ExitCode::Unfinished
        }),
        Err(ControlError::Llm(e)) => {
            eprintln!(
                "error: {}\nthe run is saved; continue it with: l2mac resume {}",
                l2mac::secrets::redact(&e.to_string()),
                dir.display()
            );
            Ok(ExitCode::Unfinished)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(clap::Args, Debug)]
pub struct StatusArgs {
    /// The run directory (holding run.json).
    pub dir: PathBuf,
    /// Print the plan, current step and totals as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn status(args: StatusArgs) -> Result<ExitCode> {
    let state = l2mac::control::persist::RunDir::open(&args.dir)?.load_state()?;
    if args.json {
        let v = serde_json::json!({"phase": state.phase, "plan": state.plan, "totals": state.totals,
            "current_step": state.current.as_ref().map(|c| c.step_index + 1), "report": state.report});
        println!(
            "{}",
            l2mac::secrets::redact(&serde_json::to_string_pretty(&v)?)
        );
        return Ok(ExitCode::Success);
    }
    let state_text = l2mac::secrets::redact(&serde_json::to_string(&state)?);
    let state: RunState = serde_json::from_str(&state_text)?;
    println!("task: {}", state.task.lines().next().unwrap_or_default());
    println!(
        "model: {} at {}",
        state.model,
        l2mac::secrets::redact(&state.base_url)
    );
    println!("phase: {:?}", state.phase);
    for (i, s) in state.plan.iter().enumerate() {
        println!("{:>3}. [{:?}] {}", i + 1, s.status, s.text);
        if let Some(sum) = &s.summary {
            println!("       {sum}");
        }
    }
    let t = state.totals;
    println!(
        "tokens: {} in, {} out; {} model calls, {} turns, {} restarts; {:.1} s",
        t.prompt_tokens,
        t.completion_tokens,
        t.model_calls,
        t.turns,
        t.restarts,
        state.elapsed_ms as f64 / 1000.0
    );
    Ok(ExitCode::Success)
}
