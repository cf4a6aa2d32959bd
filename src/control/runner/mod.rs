//! The driver around the step state machine: it does all the I/O (model calls, tools, the store,
//! persistence, events) and saves the state after every turn.

use std::time::{Duration, Instant};

use serde_json::json;

mod best;
mod plain;

use super::agent::{AgentPhase, Next, Notice, Nudges, StepAgent};
use super::events::{Event, EventSink};
use super::hooks::{self, AfterTool};
use super::persist::RunDir;
use super::planner;
use super::state::{Instruction, Outcome, Phase, RunReport, RunState, StepStatus};
use super::ControlError;
use super::{agree, blocks};
use crate::domain::{Domain, Expansion, NewStep, StepKind, StepView};
use crate::exec::{self, ExecOptions};
use crate::llm::tokens::TokenCounter;
use crate::llm::{ChatModel, ChatRequest, ChatResponse, LlmError, Message, ToolChoice};
use crate::prompts;
use crate::store::{diff_snapshots, FileStore};
use crate::tools::{check_completion, check_now, Effect, StepScope, ToolContext, ToolRegistry};

/// Planner attempts before the run gives up on getting a usable plan.
const PLAN_ATTEMPTS: usize = 4;
/// The file tree shown in a step prompt is cut to this many bytes.
const TREE_MAX_BYTES: usize = 6000;

pub struct Runner<'a> {
    model: &'a dyn ChatModel,
    sink: &'a dyn EventSink,
    dir: RunDir,
    state: RunState,
    domain: Box<dyn Domain>,
    /// The run's tool resources; every call gets them with its step's scope.
    ctx: ToolContext,
    counter: TokenCounter,
    session_start: Instant,
    base_elapsed_ms: u64,
}

impl<'a> Runner<'a> {
    /// A new run in `root` (created if needed).
    pub fn create(
        model: &'a dyn ChatModel,
        sink: &'a dyn EventSink,
        root: &std::path::Path,
        state: RunState,
    ) -> Result<Self, ControlError> {
        let dir = RunDir::create(root)?;
        dir.save_state(&state)?;
        Self::with_state(model, sink, dir, state)
    }

    /// An existing run, to continue it.
    pub fn open(
        model: &'a dyn ChatModel,
        sink: &'a dyn EventSink,
        root: &std::path::Path,
    ) -> Result<Self, ControlError> {
        let dir = RunDir::open(root)?;
        let state = dir.load_state()?;
        let runner = Self::with_state(model, sink, dir, state)?;
        // A run killed mid-write leaves the temporary file of that write behind.
        let removed = runner.ctx.store.remove_stale_temps()?;
        if removed > 0 {
            runner.emit(Event::Warning {
                message: format!(
                    "removed {removed} temporary file(s) left by a write that was killed"
                ),
            });
        }
        Ok(runner)
    }

    fn with_state(
        model: &'a dyn ChatModel,
        sink: &'a dyn EventSink,
        dir: RunDir,
        state: RunState,
    ) -> Result<Self, ControlError> {
        let store = FileStore::open(dir.root())?;
        let exec = ExecOptions {
            timeout: Duration::from_secs(state.settings.check_timeout_secs),
            sandbox: state.settings.sandbox,
            expect_tests: true,
            ..ExecOptions::default()
        };
        let ctx = ToolContext {
            store,
            checks: state.settings.checks.clone(),
            exec,
            guards: state.settings.profile.guards,
            task_word_counts: crate::text::stated_word_counts(&state.task),
            task: state.task.clone(),
            step: StepScope::default(),
        };
        let base_elapsed_ms = state.elapsed_ms;
        Ok(Self {
            counter: TokenCounter::for_model(model.model_name()),
            domain: state.settings.domain.domain(),
            model,
            sink,
            dir,
            state,
            ctx,
            session_start: Instant::now(),
            base_elapsed_ms,
        })
    }

    pub fn state(&self) -> &RunState {
        &self.state
    }

    /// Where a resumed run's requests now go (the local server's port changes between sessions)
    /// and how it drives the model; saved with the next turn.
    pub fn set_endpoint(
        &mut self,
        base_url: &str,
        provider: &str,
        local_threads: Option<usize>,
        profile: crate::profile::ModelProfile,
    ) {
        self.state.base_url = base_url.to_string();
        self.state.provider = Some(provider.to_string());
        self.state.local_threads = local_threads;
        self.ctx.guards = profile.guards;
        self.state.settings.profile = profile;
    }

    /// Settings a resumed run may change (budgets); saved with the next turn.
    pub fn settings_mut(&mut self) -> &mut super::state::RunSettings {
        &mut self.state.settings
    }

    /// Runs (or continues) the run to its end and returns the report.
    pub async fn run(&mut self, resumed: bool) -> Result<RunReport, ControlError> {
        self.emit(Event::RunStarted {
            run_dir: self.dir.root().display().to_string(),
            resumed,
        });
        if let Phase::Finished { .. } = self.state.phase {
            if let Some(report) = self.state.report.clone() {
                self.emit(Event::RunFinished {
                    report: report.clone(),
                });
                return Ok(report);
            }
        }
        if self.state.phase == Phase::Planning {
            let steps = match self.domain.first_steps(self.state.settings.max_steps)? {
                Some(steps) => steps,
                None => {
                    let texts = self.plan().await?;
                    let steps = self.domain.steps_from_planner(texts, &self.state.task);
                    self.domain.shape_plan(steps, &self.state.settings.profile)
                }
            };
            self.state.plan = steps.into_iter().map(instruction).collect();
            self.state.phase = Phase::Executing;
            self.save()?;
            self.emit(Event::Planned {
                steps: self.state.plan.iter().map(|s| s.text.clone()).collect(),
            });
        }
        loop {
            self.expand_plan()?;
            let Some(index) = self.state.next_pending() else {
                break;
            };
            if self.budget_exhausted() {
                return self.finish(Outcome::BudgetExhausted).await;
            }
            if !self.run_step(index).await? {
                return self.finish(Outcome::BudgetExhausted).await;
            }
        }
        let all_done = self.state.plan.iter().all(|s| s.status == StepStatus::Done);
        let outcome = if all_done {
            Outcome::Complete
        } else {
            Outcome::Incomplete
        };
        self.finish(outcome).await
    }

    // ---- planning ----

    /// Lets the domain grow the plan (a text run: the chapters once the outline exists). Runs
    /// before every step, so a run killed right after the outline step still grows on resume.
    fn expand_plan(&mut self) -> Result<(), ControlError> {
        let views: Vec<StepView<'_>> = self
            .state
            .plan
            .iter()
            .map(|s| StepView {
                kind: &s.kind,
                done: s.status == StepStatus::Done,
            })
            .collect();
        match self.domain.expand(&views, &self.ctx.store)? {
            Expansion::Nothing => {}
            Expansion::Warn(message) => self.emit(Event::Warning { message }),
            Expansion::Append(steps) => {
                self.state.plan.extend(steps.into_iter().map(instruction));
                self.save()?;
                self.emit(Event::Planned {
                    steps: self.state.plan.iter().map(|s| s.text.clone()).collect(),
                });
            }
        }
        Ok(())
    }

    async fn plan(&mut self) -> Result<Vec<String>, ControlError> {
        let s = &self.state.settings;
        let values = json!({"domain": s.domain.as_str(), "domain_noun": s.domain.noun(),
                            "max_steps": s.max_steps, "task": self.state.task});
        let mut messages = vec![
            Message::system(prompts::render("planner_system.md", &values)?),
            Message::user(prompts::render("planner_user.md", &values)?),
        ];
        let planner = ToolRegistry::planner_tools();
        let max_steps = s.max_steps;
        let mut steps = None;
        for attempt in 0..PLAN_ATTEMPTS {
            let last = attempt + 1 == PLAN_ATTEMPTS;
            let response = self.plan_call(&messages, &planner).await?;
            match self.read_plan(&response, &planner, max_steps, last).await? {
                Ok(found) => {
                    steps = Some(found);
                    messages.push(response.message.clone());
                    self.answer_calls(&mut messages, &response, "Plan accepted.");
                    break;
                }
                Err(problem) => {
                    self.emit(Event::Warning {
                        message: format!("planner: {problem}"),
                    });
                    messages.push(response.message.clone());
                    self.answer_calls(
                        &mut messages,
                        &response,
                        &crate::tools::error_text(&problem),
                    );
                    messages.push(Message::user(prompts::render(
                        "plan_repair.md",
                        &json!({"problem": problem, "max_steps": max_steps}),
                    )?));
                }
            }
        }
        let mut steps = steps.ok_or_else(|| {
            ControlError::Planning(format!(
                "the model gave no usable plan in {PLAN_ATTEMPTS} attempts"
            ))
        })?;
        if self.state.settings.refine_plan {
            messages.push(Message::user(prompts::render(
                "plan_refine.md",
                &json!({}),
            )?));
            let response = self.plan_call(&messages, &planner).await?;
            if let Ok(better) = self.read_plan(&response, &planner, max_steps, true).await? {
                steps = better;
            }
        }
        Ok(steps)
    }

    async fn plan_call(
        &mut self,
        messages: &[Message],
        planner: &ToolRegistry,
    ) -> Result<ChatResponse, ControlError> {
        let request = ChatRequest {
            messages: messages.to_vec(),
            tools: planner.specs(),
            tool_choice: ToolChoice::Named("plan".into()),
            temperature: self.state.settings.temperature,
            max_tokens: self.state.settings.max_output_tokens,
        };
        self.call_model(None, &request).await
    }

    /// `Ok(Ok(steps))` for a usable plan, `Ok(Err(problem))` to ask again.
    async fn read_plan(
        &self,
        response: &ChatResponse,
        planner: &ToolRegistry,
        max_steps: usize,
        last_attempt: bool,
    ) -> Result<Result<Vec<String>, String>, ControlError> {
        let raw = match response
            .message
            .tool_calls
            .iter()
            .find(|c| c.name == "plan")
        {
            Some(call) => {
                let output = planner.dispatch(call, &self.ctx).await?;
                match output.effect {
                    Effect::Plan(steps) => steps,
                    _ => return Ok(Err(output.model_text())),
                }
            }
            None => {
                let from_text = planner::steps_from_text(&response.message.content);
                if from_text.is_empty() {
                    return Ok(Err("you did not call the `plan` tool".into()));
                }
                from_text
            }
        };
        match planner::validate(&raw, max_steps) {
            Ok(steps) => Ok(Ok(steps)),
            Err(_) if last_attempt && raw.iter().any(|s| !s.trim().is_empty()) => {
                let cleaned = planner::validate(&raw, usize::MAX).unwrap_or_default();
                Ok(Ok(planner::merge_overflow(cleaned, max_steps)))
            }
            Err(problem) => Ok(Err(problem)),
        }
    }

    fn answer_calls(&self, messages: &mut Vec<Message>, response: &ChatResponse, text: &str) {
        for call in &response.message.tool_calls {
            messages.push(Message::tool_result(call.id.clone(), text));
        }
    }

    // ---- steps ----

    /// Runs one step to Done or Failed. `Ok(false)` when a global budget stopped it midway.
    async fn run_step(&mut self, index: usize) -> Result<bool, ControlError> {
        let total = self.state.plan.len();
        let kind = self.state.plan[index].kind.clone();
        let mut agent = match self.state.current.take() {
            Some(agent) if agent.step_index == index => agent,
            _ => {
                let snapshot = self.ctx.store.snapshot()?;
                self.dir.save_step_start(index, &snapshot)?;
                let fresh = self.fresh_context(index, None)?;
                self.state.plan[index].status = StepStatus::Running;
                let format = self.domain.edit_format(&kind, &self.state.settings.profile);
                StepAgent::new(index, fresh).with_format(format)
            }
        };
        let mut scope = self.domain.scope(&kind, self.state.settings.max_steps);
        scope.format = agent.format;
        let ctx = self.ctx.for_step(scope);
        let tools = self.domain.tools(&kind, &self.state.settings.profile);
        self.save_with(&agent)?;
        self.emit(Event::StepStarted {
            index,
            total,
            text: self.state.plan[index].text.clone(),
        });
        self.dir.log(&format!("step {} started", index + 1))?;
        let nudges = Nudges {
            no_tool: prompts::render("no_tool.md", &json!({}))?,
            loop_nudge: prompts::render("loop_nudge.md", &json!({"repeats": 3}))?,
        };
        let summarise = prompts::render("summarise.md", &json!({}))?;
        let no_edit = prompts::render("no_edit.md", &json!({}))?;
        let specs = tools.specs();
        if let Some(summary) = self.nothing_to_do(&agent, &ctx).await? {
            self.end_step(index, StepStatus::Done, summary)?;
            return Ok(true);
        }
        loop {
            // After a draft, a planned step only fixes what the draft left short: a small model
            // that has not fixed it in a few replies loops for the rest of its turns (a real-model
            // run spent 8 turns and 20 minutes there), and the end-state choice keeps the best.
            if self.after_draft(index) && agent.turns >= FIX_TURNS {
                let reason = format!(
                    "FAILED: {FIX_TURNS} replies after the draft did not make this step's checks pass; the run's best state is kept at its end"
                );
                self.end_step(index, StepStatus::Failed, reason)?;
                return Ok(true);
            }
            for notice in agent.manage_context(&self.state.settings, &specs, &self.counter) {
                self.notice(index, notice);
            }
            match agent.next(&self.state.settings, &specs, &summarise) {
                Next::CallModel(request) => {
                    let request = draft_cap(&kind, request);
                    if !self
                        .answer(index, &mut agent, &ctx, &nudges, &request, None)
                        .await?
                    {
                        return Ok(false);
                    }
                }
                Next::CallTools(calls) => {
                    let mut results = Vec::with_capacity(calls.len());
                    for call in calls {
                        let mut output = tools.dispatch(&call, &ctx).await?;
                        if let AfterTool::CheckAsComplete { summary } =
                            hooks::after_tool(&output, &self.state.settings.profile)
                        {
                            let completion = check_completion(&ctx, &summary).await?;
                            output = hooks::merge_completion(output, completion);
                        }
                        self.state.totals.tool_calls += 1;
                        let (is_error, text) = (output.is_error, output.model_text());
                        self.dir
                            .append_transcript(&json!({"ts": now(), "step": index + 1,
                            "kind": "tool", "call": call, "is_error": is_error, "output": text}))?;
                        self.emit(Event::ToolResult {
                            step: index,
                            tool: call.name.clone(),
                            is_error,
                            preview: text
                                .lines()
                                .next()
                                .unwrap_or_default()
                                .chars()
                                .take(120)
                                .collect(),
                        });
                        results.push((call, output));
                    }
                    agent.on_tool_results(results);
                    self.save_with(&agent)?;
                }
                Next::Sample {
                    request,
                    temperatures,
                } => {
                    let request = draft_cap(&kind, request);
                    let temperatures = Some(temperatures.as_slice());
                    if !self
                        .answer(index, &mut agent, &ctx, &nudges, &request, temperatures)
                        .await?
                    {
                        return Ok(false);
                    }
                }
                Next::ApplyEdits(reply) => {
                    let applied = blocks::apply_reply(&ctx, &reply, &no_edit).await?;
                    self.dir
                        .append_transcript(&json!({"ts": now(), "step": index + 1,
                        "kind": "edits", "is_error": applied.is_error, "done": applied.done,
                        "feedback": applied.feedback}))?;
                    self.emit(Event::EditsApplied {
                        step: index,
                        is_error: applied.is_error,
                        preview: applied.preview.chars().take(160).collect(),
                    });
                    if kind.is_draft() {
                        // The draft is kept as sampled; the planned steps repair what fails.
                        let summary = match applied.done {
                            Some(summary) => summary,
                            None => "draft written; the planned steps check and fix it".into(),
                        };
                        self.end_step(index, StepStatus::Done, summary)?;
                        return Ok(true);
                    }
                    let agreed = agree::applies(&ctx, &self.state.settings.profile);
                    // A module the candidates' tests agreed on is not repaired towards its own
                    // failing tests (in 05-matrix the repair lost three functions); only a
                    // module that does not import or lacks a promised name gets more turns.
                    let repairs = match agreed {
                        true => 0,
                        false => self.state.settings.profile.test_repairs,
                    };
                    let writes_tests = ctx.step.tests_only || agreed;
                    let give_up = applied.done.is_none() && writes_tests && agent.turns > repairs;
                    // A small model's failing test is more often wrong than the module (which,
                    // in a step with its tests, the candidates' agreement picked), and a
                    // tests-only step cannot change the module: more turns only burn time.
                    let dropped = match give_up {
                        true => blocks::drop_failing_tests(&ctx).await?,
                        false => None,
                    };
                    match dropped {
                        Some(summary) => {
                            self.emit(Event::Warning {
                                message: format!("step {}: {summary}", index + 1),
                            });
                            agent.on_edit_results(String::new(), Some(summary));
                        }
                        None => {
                            agent.on_edit_results(applied.feedback, applied.done);
                            if give_up && ctx.step.tests_only {
                                agent.give_up(format!(
                                    "its tests still fail against the module after {repairs} repair(s); the module is kept as the earlier step checked it"
                                ));
                            }
                        }
                    }
                    self.save_with(&agent)?;
                }
                Next::Restart { carry } => {
                    let fresh = self.fresh_context(index, Some(&carry))?;
                    agent.restart(fresh);
                    agent.carry = Some(carry);
                    self.state.totals.restarts += 1;
                    self.state.plan[index].restarts = agent.restarts;
                    self.save_with(&agent)?;
                    self.emit(Event::ContextRestart {
                        step: index,
                        restart: agent.restarts,
                    });
                }
                Next::Done(summary) => {
                    self.end_step(index, StepStatus::Done, summary)?;
                    return Ok(true);
                }
                Next::Failed(reason) => {
                    self.end_step(index, StepStatus::Failed, format!("FAILED: {reason}"))?;
                    return Ok(true);
                }
            }
        }
    }

    /// One model turn of a step: a single call, or (with `temperatures`) the best of several
    /// sampled candidates. `Ok(false)` when a global budget stops the run before the call; a
    /// context overflow is the agent's to handle, any other failure ends the run resumably.
    async fn answer(
        &mut self,
        index: usize,
        agent: &mut StepAgent,
        ctx: &ToolContext,
        nudges: &Nudges,
        request: &ChatRequest,
        temperatures: Option<&[f32]>,
    ) -> Result<bool, ControlError> {
        if self.budget_exhausted() {
            self.save_with(agent)?;
            return Ok(false);
        }
        let summarising = agent.phase == AgentPhase::Summarising;
        // `sample` books every candidate's tokens itself; a single call is booked here.
        let result = match temperatures {
            Some(temperatures) => self.sample(index, ctx, request, temperatures).await,
            None => self
                .call_model(Some(index), request)
                .await
                .inspect(|response| {
                    let step = &mut self.state.plan[index];
                    step.prompt_tokens += response.usage.prompt_tokens;
                    step.completion_tokens += response.usage.completion_tokens;
                }),
        };
        match result {
            Ok(response) => {
                if !summarising {
                    self.state.totals.turns += 1;
                    self.state.plan[index].turns += 1;
                }
                let profile = &self.state.settings.profile;
                for notice in agent.on_model_response(response, nudges, profile) {
                    self.notice(index, notice);
                }
            }
            Err(ControlError::Llm(LlmError::ContextLength(_))) => {
                agent.on_context_overflow(&self.state.settings);
            }
            Err(e) => {
                self.save_with(agent)?;
                return Err(e);
            }
        }
        self.save_with(agent)?;
        Ok(true)
    }

    fn end_step(
        &mut self,
        index: usize,
        status: StepStatus,
        summary: String,
    ) -> Result<(), ControlError> {
        let before = self.dir.load_step_start(index).unwrap_or_default();
        let after = self.ctx.store.snapshot()?;
        self.dir
            .save_step_diff(index, &diff_snapshots(&before, &after))?;
        let step = &mut self.state.plan[index];
        step.status = status;
        step.summary = Some(summary.clone());
        self.state.current = None;
        self.save()?;
        self.dir
            .log(&format!("step {} {:?}: {summary}", index + 1, status))?;
        self.emit(Event::StepFinished {
            index,
            completed: status == StepStatus::Done,
            summary,
        });
        Ok(())
    }

    fn fresh_context(
        &self,
        index: usize,
        carry: Option<&str>,
    ) -> Result<Vec<Message>, ControlError> {
        let s = &self.state.settings;
        let checks = if s.checks.is_empty() {
            "detected from the files: Python syntax checks and pytest".to_string()
        } else {
            s.checks
                .iter()
                .map(|c| c.command.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        };
        let kind = &self.state.plan[index].kind;
        let parts = self.domain.prompt_parts(
            &self.state.task,
            kind,
            &self.ctx.store,
            &s.profile,
            s.context_window,
        )?;
        let user_checks: Vec<&str> = s.checks.iter().map(|c| c.command.as_str()).collect();
        let system = prompts::render(
            parts.system_template,
            &json!({"domain": s.domain.as_str(), "domain_noun": s.domain.noun(),
                    "checks": checks, "extra_tools": parts.extra_tools, "example_path": parts.example_path, "user_checks": user_checks.join("; "),
                    "tolerance": (crate::text::DEFAULT_TOLERANCE * 100.0).round()}),
        )?;
        let summaries: Vec<_> = self.state.plan[..index]
            .iter()
            .enumerate()
            .filter_map(|(i, st)| {
                st.summary
                    .as_ref()
                    .map(|sum| json!({"number": i + 1, "summary": sum}))
            })
            .collect();
        let tree = exec::truncate_head_tail(&self.ctx.store.tree()?, TREE_MAX_BYTES);
        let user = prompts::render(
            "step_user.md",
            &json!({"task": self.state.task,
                    "plan": self.state.plan.iter().map(|p| p.text.clone()).collect::<Vec<_>>(),
                    "summaries": summaries, "tree": if tree.trim().is_empty() { "(no files yet)".to_string() } else { tree },
                    "carry": carry.unwrap_or_default(), "notes": parts.notes, "step_number": index + 1,
                    "contents": parts.contents, "test_hints": parts.test_hints,
                    "total": self.state.plan.len(), "step": self.state.plan[index].text}),
        )?;
        Ok(vec![Message::system(system), Message::user(user)])
    }

    // ---- shared plumbing ----

    async fn call_model(
        &mut self,
        step: Option<usize>,
        request: &ChatRequest,
    ) -> Result<ChatResponse, ControlError> {
        self.dir
            .append_transcript(&json!({"ts": now(), "step": step.map(|s| s + 1),
            "kind": "request", "request": request}))?;
        let response = self.model.chat(request).await;
        let response = match response {
            Ok(r) => r,
            Err(e) => {
                self.dir
                    .append_transcript(&json!({"ts": now(), "step": step.map(|s| s + 1),
                    "kind": "error", "error": e.to_string()}))?;
                return Err(ControlError::Llm(e));
            }
        };
        self.dir
            .append_transcript(&json!({"ts": now(), "step": step.map(|s| s + 1),
            "kind": "response", "response": response}))?;
        let t = &mut self.state.totals;
        t.prompt_tokens += response.usage.prompt_tokens;
        t.completion_tokens += response.usage.completion_tokens;
        t.model_calls += 1;
        let total_tokens = t.prompt_tokens + t.completion_tokens;
        let turn = t.turns + 1;
        self.emit(Event::ModelCall {
            step,
            turn,
            prompt_tokens: response.usage.prompt_tokens,
            completion_tokens: response.usage.completion_tokens,
            total_tokens,
        });
        Ok(response)
    }

    fn budget_exhausted(&self) -> bool {
        let s = &self.state.settings;
        let t = &self.state.totals;
        s.max_total_tokens
            .is_some_and(|max| t.prompt_tokens + t.completion_tokens >= max)
            || s.max_total_turns.is_some_and(|max| t.turns >= max)
    }

    async fn finish(&mut self, outcome: Outcome) -> Result<RunReport, ControlError> {
        self.keep_best().await?;
        let final_files = self.domain.final_files(&self.state.task);
        let missing: Vec<String> = final_files
            .iter()
            .filter(|f| !self.ctx.store.exists(f))
            .cloned()
            .collect();
        let final_scope = StepScope {
            checker: self.domain.final_checker(self.state.settings.max_steps),
            expected_files: final_files,
            ..StepScope::default()
        };
        let ctx = self.ctx.for_step(final_scope);
        let mut outcomes = check_now(&ctx).await?;
        if !missing.is_empty() {
            outcomes
                .get_or_insert_with(Vec::new)
                .push(exec::CheckOutcome::in_process(
                    "deliverables",
                    "the files the task names exist".into(),
                    false,
                    format!("missing: {}\n", missing.join(", ")),
                ));
        }
        let (checks_passed, checks_summary) = match outcomes {
            None => (true, "no checks apply".to_string()),
            Some(outcomes) => (
                outcomes.iter().all(|o| o.passed),
                exec::format_outcomes(&outcomes),
            ),
        };
        self.emit(Event::FinalChecks {
            passed: checks_passed,
            output: checks_summary.clone(),
        });
        let outcome = match outcome {
            Outcome::Complete if !checks_passed => Outcome::Incomplete,
            other => other,
        };
        let files = self.ctx.store.list(None)?;
        let lines = files
            .iter()
            .filter_map(|f| self.ctx.store.read(&f.path).ok())
            .map(|c| c.lines().count())
            .sum();
        let t = self.state.totals;
        let report = RunReport {
            outcome,
            steps_total: self.state.plan.len(),
            steps_done: self
                .state
                .plan
                .iter()
                .filter(|s| s.status == StepStatus::Done)
                .count(),
            steps_failed: self
                .state
                .plan
                .iter()
                .filter(|s| s.status == StepStatus::Failed)
                .count(),
            files: files.len(),
            lines,
            checks_passed,
            checks_summary,
            prompt_tokens: t.prompt_tokens,
            completion_tokens: t.completion_tokens,
            model_calls: t.model_calls,
            turns: t.turns,
            restarts: t.restarts,
            wall_ms: 0,
            document: self.domain.finish(&self.ctx.store).await,
        };
        // Assembly is part of the run's time.
        let report = RunReport {
            wall_ms: self.elapsed_ms(),
            ..report
        };
        // A budget stop leaves the run resumable; only a real end is final.
        if outcome != Outcome::BudgetExhausted {
            self.state.phase = Phase::Finished { outcome };
        }
        self.state.report = Some(report.clone());
        self.save()?;
        self.dir.log(&format!("run finished: {outcome:?}"))?;
        self.emit(Event::RunFinished {
            report: report.clone(),
        });
        Ok(report)
    }

    fn notice(&self, step: usize, notice: Notice) {
        let event = match notice {
            Notice::Compacted { elided } => Event::ContextCompacted {
                step,
                elided_results: elided,
            },
            Notice::LoopDetected { repeats } => Event::LoopDetected { step, repeats },
            Notice::RestartNeeded { reason } => Event::RestartNeeded { step, reason },
        };
        self.emit(event);
    }

    fn elapsed_ms(&self) -> u64 {
        self.base_elapsed_ms + self.session_start.elapsed().as_millis() as u64
    }

    fn save_with(&mut self, agent: &StepAgent) -> Result<(), ControlError> {
        self.state.current = Some(agent.clone());
        self.save()
    }

    fn save(&mut self) -> Result<(), ControlError> {
        self.state.elapsed_ms = self.elapsed_ms();
        self.dir.save_state(&self.state)
    }

    fn emit(&self, event: Event) {
        self.sink.emit(&event);
    }
}

/// Replies a planned step gets after a draft step (its sampled first reply and one repair).
const FIX_TURNS: u32 = 2;

/// Output tokens a draft reply may use: the whole project in one reply (the model alone, asked
/// once, is given as many).
const DRAFT_MAX_TOKENS: u32 = 4096;

fn draft_cap(kind: &StepKind, mut request: ChatRequest) -> ChatRequest {
    if kind.is_draft() {
        request.max_tokens = Some(request.max_tokens.unwrap_or(0).max(DRAFT_MAX_TOKENS));
    }
    request
}

fn instruction(step: NewStep) -> Instruction {
    Instruction::new(step.text, step.kind)
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339()
}
