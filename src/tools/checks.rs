//! `run_checks` and `step_complete`: the check-and-fix loop. A step only ends when the project's
//! checks pass, which is what lets a small model build something that works.

use serde::Deserialize;
use serde_json::{json, Value};

use super::{parse_args, studies, Tool, ToolContext, ToolError, ToolOutput};
use crate::exec::{self, CheckOutcome, CheckSpec, ExecError};
use crate::llm::ToolSpec;
use crate::profile::EditFormat;
use crate::text::{run_text_checks, TextCheckOptions};

/// Which checks a run's `run_checks`/`step_complete` (and its final checks) run.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Checker {
    /// The user's check commands, or the ones the files call for (code runs).
    #[default]
    Commands,
    /// The built-in text checks with these options, then the user's check commands if any
    /// (text runs; nothing is detected from the files).
    Text(TextCheckOptions),
    /// Every study spec under `studies/` run, the step's reports checked against the results,
    /// then the user's or detected commands (architecture-search runs).
    Studies,
}

/// The user's checks, or the ones the files call for.
pub fn resolve_checks(ctx: &ToolContext) -> Vec<CheckSpec> {
    if ctx.checks.is_empty() {
        exec::detect_checks(ctx.store.root())
    } else {
        ctx.checks.clone()
    }
}

/// Runs the context's checks now; `None` when no check applies (a code project with nothing to
/// test yet).
pub async fn check_now(ctx: &ToolContext) -> Result<Option<Vec<CheckOutcome>>, ExecError> {
    let (mut outcomes, specs) = match &ctx.step.checker {
        Checker::Commands => (Vec::new(), resolve_checks(ctx)),
        Checker::Text(opts) => (run_text_checks(&ctx.store, opts), ctx.checks.clone()),
        Checker::Studies => {
            let reports = studies::reports_of(&ctx.store, &ctx.step.expected_files);
            (
                studies::study_outcomes(&ctx.store, &reports, &ctx.step.expected_files, &ctx.task)
                    .await,
                resolve_checks(ctx),
            )
        }
    };
    if outcomes.is_empty() && specs.is_empty() {
        return Ok(None);
    }
    outcomes.extend(exec::run_checks(ctx.store.root(), &specs, &ctx.exec).await?);
    Ok(Some(outcomes))
}

async fn run(ctx: &ToolContext, tool: &str) -> Result<(Vec<CheckOutcome>, String), ToolError> {
    let outcomes = check_now(ctx).await.map_err(|e| ToolError::Fatal {
        tool: tool.to_string(),
        message: e.to_string(),
    })?;
    match outcomes {
        None => Ok((Vec::new(), "No checks apply to the files yet.".to_string())),
        Some(outcomes) => {
            let text = exec::format_outcomes(&outcomes);
            Ok((outcomes, text))
        }
    }
}

pub struct RunChecks;

#[async_trait::async_trait]
impl Tool for RunChecks {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: "run_checks".into(),
            description:
                "Run the project's checks (tests, syntax checks) now and see their output.".into(),
            parameters: json!({"type": "object", "properties": {}}),
        }
    }
    async fn call(&self, _args: Value, ctx: &ToolContext) -> Result<ToolOutput, ToolError> {
        let (outcomes, text) = run(ctx, "run_checks").await?;
        Ok(ToolOutput::text(text, outcomes.iter().any(|o| !o.passed)))
    }
}

pub struct StepComplete;

#[derive(Deserialize)]
struct CompleteArgs {
    summary: String,
}

#[async_trait::async_trait]
impl Tool for StepComplete {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: "step_complete".into(),
            description: "Finish the current step with a short summary of what it did. The checks run first; the step only ends if they pass.".into(),
            parameters: json!({"type": "object", "properties": {"summary": {"type": "string", "description": "what this step built, in one to three sentences"}}, "required": ["summary"]}),
        }
    }
    async fn call(&self, args: Value, ctx: &ToolContext) -> Result<ToolOutput, ToolError> {
        let args: CompleteArgs = match parse_args("step_complete", args) {
            Ok(a) => a,
            Err(e) => return Ok(e),
        };
        Ok(match check_completion(ctx, &args.summary).await? {
            Completion::Done { summary, checks } => ToolOutput::end_step(summary, &checks),
            Completion::NotYet(reason) => ToolOutput::error(reason),
        })
    }
}

/// Whether the step may end now, and if not, why (said to the model).
#[derive(Debug, Clone, PartialEq)]
pub enum Completion {
    Done { summary: String, checks: String },
    NotYet(String),
}

/// What `step_complete` decides: the step's files exist, the names it promises are defined and
/// the checks pass. The control unit also asks it on its own (a repeated write, see the agent's
/// hooks), so it is a function of the context, not only a tool.
pub async fn check_completion(ctx: &ToolContext, summary: &str) -> Result<Completion, ToolError> {
    if summary.trim().is_empty() {
        return Ok(Completion::NotYet(
            "`summary` is empty: say what this step built.".into(),
        ));
    }
    let missing: Vec<&str> = ctx
        .step
        .expected_files
        .iter()
        .filter(|f| !ctx.store.exists(f))
        .map(String::as_str)
        .collect();
    let blocks = ctx.step.format == EditFormat::Blocks;
    if !missing.is_empty() {
        let them = if missing.len() == 1 { "it" } else { "them" };
        let how = match blocks {
            true => format!("Send {them} now: each path on a line of its own, then the whole file in a fenced code block."),
            false => format!("Write {them} with write_files, then call step_complete again."),
        };
        return Ok(Completion::NotYet(format!(
            "the step is not complete: it asks for {}, which {} not exist yet. {how}",
            missing.join(", "),
            if missing.len() == 1 { "does" } else { "do" },
        )));
    }
    let undefined = super::interface::missing(&ctx.store, &ctx.step.expected_names);
    if !undefined.is_empty() {
        let listed: Vec<String> = undefined
            .iter()
            .map(|p| format!("`{}`", p.signature))
            .collect();
        let place = if undefined.iter().all(|p| p.top_level) {
            "at the top level of a module, not inside a class, "
        } else {
            ""
        };
        let then = match blocks {
            true => "and send the whole file again",
            false => "then call step_complete again",
        };
        return Ok(Completion::NotYet(format!(
            "the step is not complete: the task asks for {}, which no Python file defines yet (tests aside). Define each with exactly that name {place}as the task writes it, {then}.",
            listed.join(", ")
        )));
    }
    let (outcomes, mut text) = run(ctx, "step_complete").await?;
    if blocks && outcomes.iter().any(|o| o.passed) {
        // A plain-text step's answer goes straight into a small context: the failures only.
        text = failures_only(&outcomes);
    }
    if outcomes.iter().all(|o| o.passed) {
        Ok(Completion::Done {
            summary: summary.trim().to_string(),
            checks: text,
        })
    } else {
        let then = match blocks {
            true => "send each file you change (the whole file, or SEARCH/REPLACE blocks)",
            false => "then call step_complete again",
        };
        Ok(Completion::NotYet(format!(
            "the step is not complete because checks fail. Fix the problems below, {then}.\n{text}"
        )))
    }
}

/// The failing checks in full, the passing ones by name.
fn failures_only(outcomes: &[CheckOutcome]) -> String {
    let failing: Vec<CheckOutcome> = outcomes.iter().filter(|o| !o.passed).cloned().collect();
    let passing: Vec<&str> = outcomes
        .iter()
        .filter(|o| o.passed)
        .map(|o| o.name.as_str())
        .collect();
    let full = exec::format_outcomes(&failing);
    let body = full
        .split_once('\n')
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    format!(
        "{} of {} checks passed ({}); fix the failures below.\n{body}",
        passing.len(),
        outcomes.len(),
        passing.join(", ")
    )
}
