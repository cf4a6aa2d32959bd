//! The driver around the step state machine: it does all the I/O (model calls, tools, the store,
//! persistence, events) and saves the state after every turn.

use std::time::{Duration, Instant};

use serde_json::json;

use super::agent::{Next, Notice, Nudges, StepAgent};
use super::context;
use super::events::{Event, EventSink};
use super::persist::RunDir;
use super::planner;
use super::state::{Domain, Instruction, Outcome, Phase, RunReport, RunState, StepStatus};
use super::ControlError;
use crate::exec::{self, ExecOptions};
use crate::llm::tokens::TokenCounter;
use crate::llm::{ChatModel, ChatRequest, ChatResponse, LlmError, Message, ToolChoice};
use crate::prompts;
use crate::store::{diff_snapshots, FileStore};
use crate::text;
use crate::tools::{
    check_now, interface, testfile, Checker, ToolContext, ToolOutput, ToolRegistry,
};

/// Planner attempts before the run gives up on getting a usable plan.
const PLAN_ATTEMPTS: usize = 4;
/// The file tree shown in a step prompt is cut to this many bytes.
const TREE_MAX_BYTES: usize = 6000;

pub struct Runner<'a> {
    model: &'a dyn ChatModel,
    sink: &'a dyn EventSink,
    dir: RunDir,
    state: RunState,
    ctx: ToolContext,
    tools: ToolRegistry,
    /// The tools of a text run's first step, the outline.
    outline_tools: ToolRegistry,
    /// Text runs' chapter steps.
    write_chapter_tools: ToolRegistry,
    /// Code steps that name a test file to write.
    test_step_tools: ToolRegistry,
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
        Self::with_state(model, sink, dir, state)
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
            expect_tests: true,
            ..ExecOptions::default()
        };
        let ctx = ToolContext {
            store,
            checks: state.settings.checks.clone(),
            exec,
            expected_files: Vec::new(),
            checker: Checker::Commands,
            task_word_counts: crate::text::stated_word_counts(&state.task),
            expected_names: Vec::new(),
            task: state.task.clone(),
        };
        let base_elapsed_ms = state.elapsed_ms;
        let tools = match state.settings.domain {
            Domain::Dse => ToolRegistry::dse_step_tools(),
            Domain::Text => ToolRegistry::text_chapter_tools(),
            Domain::Code => ToolRegistry::step_tools(),
        };
        Ok(Self {
            counter: TokenCounter::for_model(model.model_name()),
            model,
            sink,
            dir,
            state,
            ctx,
            tools,
            outline_tools: ToolRegistry::text_outline_tools(),
            write_chapter_tools: ToolRegistry::text_write_chapter_tools(),
            test_step_tools: ToolRegistry::test_step_tools(),
            session_start: Instant::now(),
            base_elapsed_ms,
        })
    }

    pub fn state(&self) -> &RunState {
        &self.state
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
            // A text run's plan starts as its outline step; the rest comes from the outline.
            let steps = if self.state.settings.domain == Domain::Text {
                vec![text::plan::outline_instruction(self.max_units())?]
            } else {
                self.plan().await?
            };
            self.state.plan = steps.into_iter().map(Instruction::new).collect();
            self.state.phase = Phase::Executing;
            self.save()?;
            self.emit(Event::Planned {
                steps: self.state.plan.iter().map(|s| s.text.clone()).collect(),
            });
        }
        loop {
            self.expand_text_plan()?;
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

    /// Text runs: once the outline step is done, one instruction per outline unit and a review
    /// follow it. Runs before every step, so a run killed right after the outline step still
    /// gets its plan on resume.
    fn expand_text_plan(&mut self) -> Result<(), ControlError> {
        let plan = &self.state.plan;
        if self.state.settings.domain != Domain::Text
            || plan.len() != 1
            || plan[0].status != StepStatus::Done
        {
            return Ok(());
        }
        let outline = match text::read_outline(&self.ctx.store) {
            Ok(o) => o,
            Err(e) => {
                self.emit(Event::Warning {
                    message: format!("the outline step ended without a usable outline: {e}"),
                });
                return Ok(());
            }
        };
        let steps = text::plan::unit_instructions(&outline)?;
        self.state
            .plan
            .extend(steps.into_iter().map(Instruction::new));
        self.save()?;
        self.emit(Event::Planned {
            steps: self.state.plan.iter().map(|s| s.text.clone()).collect(),
        });
        Ok(())
    }

    fn max_units(&self) -> usize {
        text::plan::max_units(self.state.settings.max_steps)
    }

    /// Points the check tools at the checks of step `index` (None: the final checks).
    fn set_checker(&mut self, index: Option<usize>) {
        if self.state.settings.domain == Domain::Text {
            let plan: Vec<String> = self.state.plan.iter().map(|s| s.text.clone()).collect();
            self.ctx.checker =
                Checker::Text(text::plan::checks_for_step(&plan, index, self.max_units()));
        }
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
                    self.answer_calls(&mut messages, &response, &format!("ERROR: {problem}"));
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
            Some(call) => match planner.dispatch(call, &self.ctx).await? {
                ToolOutput::Plan(steps) => steps,
                other => return Ok(Err(other.model_text())),
            },
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
        self.set_checker(Some(index));
        let total = self.state.plan.len();
        let mut agent = match self.state.current.take() {
            Some(agent) if agent.step_index == index => agent,
            _ => {
                let snapshot = self.ctx.store.snapshot()?;
                self.dir.save_step_start(index, &snapshot)?;
                let fresh = self.fresh_context(index, None)?;
                self.state.plan[index].status = StepStatus::Running;
                StepAgent::new(index, fresh)
            }
        };
        // Text runs have their own, stricter file checks (outline coverage).
        self.ctx.expected_files = match self.state.settings.domain {
            Domain::Text => Vec::new(),
            _ => planner::files_named_in(&self.state.plan[index].text),
        };
        self.ctx.expected_names = match self.state.settings.domain {
            Domain::Text => Vec::new(),
            _ => interface::for_step(
                &interface::promised_names(&self.state.task),
                &self.state.plan[index].text,
            ),
        };
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
        let specs = self.tools_for(index).specs();
        loop {
            for notice in agent.manage_context(&self.state.settings, &specs, &self.counter) {
                self.notice(index, notice);
            }
            match agent.next(&self.state.settings, &specs, &summarise) {
                Next::CallModel(request) => {
                    if self.budget_exhausted() {
                        self.save_with(&agent)?;
                        return Ok(false);
                    }
                    match self.call_model(Some(index), &request).await {
                        Ok(response) => {
                            let step = &mut self.state.plan[index];
                            step.prompt_tokens += response.usage.prompt_tokens;
                            step.completion_tokens += response.usage.completion_tokens;
                            let summarising = request.tool_choice == ToolChoice::None;
                            if !summarising {
                                self.state.totals.turns += 1;
                                step.turns += 1;
                            }
                            for notice in agent.on_model_response(response, &nudges) {
                                self.notice(index, notice);
                            }
                        }
                        Err(ControlError::Llm(LlmError::ContextLength(_))) => {
                            agent.on_context_overflow(&self.state.settings);
                        }
                        Err(e) => {
                            self.save_with(&agent)?;
                            return Err(e);
                        }
                    }
                    self.save_with(&agent)?;
                }
                Next::CallTools(calls) => {
                    let mut results = Vec::with_capacity(calls.len());
                    for call in calls {
                        let output = self.tools_for(index).dispatch(&call, &self.ctx).await?;
                        self.state.totals.tool_calls += 1;
                        let (is_error, text) = match &output {
                            ToolOutput::Text { is_error, text } => (*is_error, text.clone()),
                            other => (false, other.model_text()),
                        };
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

    fn tools_for(&self, index: usize) -> &ToolRegistry {
        match self.state.settings.domain {
            Domain::Text if index == 0 => &self.outline_tools,
            // The chapter steps are l2mac's own instructions (prompts/text_unit_step.md).
            Domain::Text
                if self.state.plan[index]
                    .text
                    .contains("call `write_chapter` with that path") =>
            {
                &self.write_chapter_tools
            }
            Domain::Code
                if !testfile::test_files_among(&planner::files_named_in(
                    &self.state.plan[index].text,
                ))
                .is_empty() =>
            {
                &self.test_step_tools
            }
            _ => &self.tools,
        }
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
        let extra_tools = match s.domain {
            Domain::Dse => prompts::render("dse_tools.md", &json!({}))?,
            _ => String::new(),
        };
        let (system_template, notes) = match s.domain {
            Domain::Text => (
                "step_system_text.md",
                text::notes_for_prompt(&self.ctx.store),
            ),
            Domain::Code | Domain::Dse => ("step_system.md", String::new()),
        };
        let user_checks: Vec<&str> = s.checks.iter().map(|c| c.command.as_str()).collect();
        let system = prompts::render(
            system_template,
            &json!({"domain": s.domain.as_str(), "domain_noun": s.domain.noun(),
                    "checks": checks, "extra_tools": extra_tools, "user_checks": user_checks.join("; "),
                    "tolerance": (text::DEFAULT_TOLERANCE * 100.0).round()}),
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
        // A quarter of the window (about 3 characters a token) for the files themselves.
        let contents = match s.domain {
            Domain::Code => context::file_contents(&self.ctx.store, s.context_window * 3 / 4)?,
            Domain::Dse | Domain::Text => String::new(),
        };
        let test_hints = match s.domain {
            Domain::Code => testfile::hints_for(
                &self.ctx.store,
                &planner::files_named_in(&self.state.plan[index].text),
            ),
            Domain::Dse | Domain::Text => String::new(),
        };
        let user = prompts::render(
            "step_user.md",
            &json!({"task": self.state.task,
                    "plan": self.state.plan.iter().map(|p| p.text.clone()).collect::<Vec<_>>(),
                    "summaries": summaries, "tree": if tree.trim().is_empty() { "(no files yet)".to_string() } else { tree },
                    "carry": carry.unwrap_or_default(), "notes": notes, "step_number": index + 1,
                    "contents": contents, "test_hints": test_hints,
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
        self.set_checker(None);
        let (checks_passed, checks_summary) = match check_now(&self.ctx).await? {
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
            document: match self.state.settings.domain {
                Domain::Text => Some(text::finish_run(&self.ctx.store).await),
                Domain::Code | Domain::Dse => None,
            },
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
            Notice::RestartNeeded => return,
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

fn now() -> String {
    chrono::Utc::now().to_rfc3339()
}
