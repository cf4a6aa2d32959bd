//! The per-instruction agent as a small state machine that does no I/O: the runner asks it what
//! to do next (`CallModel`, `CallTools`, `Restart`, ...) and feeds results back, so every state
//! can be saved, resumed and tested.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use serde::{Deserialize, Serialize};

use super::context;
use super::hooks::{self, LoopAction};
use super::state::RunSettings;
use crate::llm::tokens::TokenCounter;
use crate::llm::{ChatRequest, ChatResponse, Message, Role, ToolCall, ToolChoice, ToolSpec};
use crate::profile::{EditFormat, ModelProfile};
use crate::tools::{Effect, ToolOutput};

/// Identical replies in a row that count as a loop.
const LOOP_REPEATS: usize = 3;
/// Longest cycle of replies recognised as a loop when repeated `LOOP_REPEATS` times: the model
/// also cycles, e.g. reading three missing files in turn for twenty turns.
const MAX_LOOP_PERIOD: usize = 3;
/// Turns run at the raised temperature after a loop.
const HOT_TURNS: u32 = 3;
/// Characters of the last tool result carried into the fresh context after a loop.
const LOOP_CARRY_CHARS: usize = 1500;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AgentPhase {
    Working,
    /// Asking the model for a progress summary before clearing its context.
    Summarising,
    /// The summary is in; the runner must build a fresh context around `carry`.
    NeedsRestart,
    Done {
        summary: String,
    },
    Failed {
        reason: String,
    },
}

/// What the runner should do next.
#[derive(Debug, Clone, PartialEq)]
pub enum Next {
    CallModel(ChatRequest),
    CallTools(Vec<ToolCall>),
    /// Plain-text format: read the reply as file edits, apply them, run the checks and answer
    /// with [`StepAgent::on_edit_results`].
    ApplyEdits(String),
    /// A plain-text step's first reply: ask `request` once per temperature, keep the candidate
    /// that best passes the step's checks and feed it back with `on_model_response`.
    Sample {
        request: ChatRequest,
        temperatures: Vec<f32>,
    },
    /// Build a fresh context (system + step prompt with `carry`) and call `restart`.
    Restart {
        carry: String,
    },
    Done(String),
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepAgent {
    pub step_index: usize,
    pub messages: Vec<Message>,
    pub turns: u32,
    pub restarts: u32,
    pub phase: AgentPhase,
    /// Tool calls of the last assistant message that have no result yet (saved so a killed run
    /// runs them on resume instead of losing them).
    pub pending_calls: Vec<ToolCall>,
    pub carry: Option<String>,
    #[serde(default)]
    recent_hashes: Vec<u64>,
    #[serde(default)]
    hot_turns: u32,
    /// A loop nudge held back until the pending tool results are in.
    #[serde(default)]
    carry_nudge: Option<String>,
    #[serde(default)]
    loop_restarts: u32,
    /// Calls whose result changed nothing (a repeated write): not worth carrying after a loop.
    #[serde(default)]
    no_change_calls: Vec<String>,
    /// How this step's files are written; saved, so a resumed step keeps its format.
    #[serde(default)]
    pub format: EditFormat,
    /// A plain-text reply not yet applied (saved so a killed run applies it on resume).
    #[serde(default)]
    pub pending_reply: Option<String>,
}

/// Events the machine wants reported; the runner turns them into UI events.
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    Compacted { elided: usize },
    LoopDetected { repeats: usize },
    RestartNeeded { reason: RestartReason },
}

/// Why the machine will start the step again from a fresh context.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RestartReason {
    /// The prompt outgrew the window: summarise, then restart from the summary.
    ContextFull,
    /// The model repeated itself.
    Loop,
}

impl StepAgent {
    pub fn new(step_index: usize, fresh: Vec<Message>) -> Self {
        Self {
            step_index,
            messages: fresh,
            turns: 0,
            restarts: 0,
            phase: AgentPhase::Working,
            pending_calls: Vec::new(),
            carry: None,
            recent_hashes: Vec::new(),
            hot_turns: 0,
            carry_nudge: None,
            loop_restarts: 0,
            no_change_calls: Vec::new(),
            format: EditFormat::Tools,
            pending_reply: None,
        }
    }

    /// A step whose files come as plain-text blocks in the model's replies.
    pub fn with_format(mut self, format: EditFormat) -> Self {
        self.format = format;
        self
    }

    /// Keeps the prompt under the window: first elide old tool outputs (never separating a call
    /// from its result), then, if that is not enough, switch to summarise-and-restart.
    pub fn manage_context(
        &mut self,
        settings: &RunSettings,
        tools: &[ToolSpec],
        counter: &TokenCounter,
    ) -> Vec<Notice> {
        let mut notices = Vec::new();
        // Pending calls run first: summarising now would drop them (and their effects).
        if self.phase != AgentPhase::Working
            || !self.pending_calls.is_empty()
            || self.pending_reply.is_some()
        {
            return notices;
        }
        let limit = context::budget(settings);
        if counter.count_prompt(&self.messages, tools) <= limit {
            return notices;
        }
        let elided = context::elide_old_tool_outputs(&mut self.messages, 2);
        if elided > 0 {
            notices.push(Notice::Compacted { elided });
        }
        if counter.count_prompt(&self.messages, tools) > limit {
            self.begin_summary(settings);
            notices.push(Notice::RestartNeeded {
                reason: RestartReason::ContextFull,
            });
        }
        notices
    }

    /// The model rejected the prompt as too long (our count was off): summarise now.
    pub fn on_context_overflow(&mut self, settings: &RunSettings) {
        match self.phase {
            AgentPhase::Summarising => {
                // Even the summary request overflowed: restart from the last carry; the
                // files on disk hold the progress.
                let carry = self.carry.clone().unwrap_or_default();
                self.carry = Some(format!(
                    "{carry}\n(Your context overflowed before you could summarise; check the files to see what is done.)"
                ).trim().to_string());
                self.phase = AgentPhase::NeedsRestart;
            }
            _ => self.begin_summary(settings),
        }
    }

    fn begin_summary(&mut self, settings: &RunSettings) {
        if self.restarts >= settings.max_restarts_per_step {
            self.phase = AgentPhase::Failed {
                reason: format!(
                    "the context filled up {} times; restart limit reached",
                    self.restarts + 1
                ),
            };
        } else {
            self.phase = AgentPhase::Summarising;
        }
    }

    pub fn next(&self, settings: &RunSettings, tools: &[ToolSpec], summarise_prompt: &str) -> Next {
        match &self.phase {
            AgentPhase::Done { summary } => return Next::Done(summary.clone()),
            AgentPhase::Failed { reason } => return Next::Failed(reason.clone()),
            AgentPhase::NeedsRestart => {
                return Next::Restart {
                    carry: self.carry.clone().unwrap_or_default(),
                }
            }
            AgentPhase::Summarising => {
                let mut messages = self.messages.clone();
                messages.push(Message::user(summarise_prompt));
                return Next::CallModel(ChatRequest {
                    messages,
                    tools: Vec::new(),
                    tool_choice: ToolChoice::None,
                    temperature: settings.temperature,
                    max_tokens: settings.max_output_tokens,
                });
            }
            AgentPhase::Working => {}
        }
        if !self.pending_calls.is_empty() {
            return Next::CallTools(self.pending_calls.clone());
        }
        if let Some(reply) = &self.pending_reply {
            return Next::ApplyEdits(reply.clone());
        }
        if self.turns >= settings.max_turns_per_step {
            return Next::Failed(format!(
                "the step used its {} turns without completing",
                settings.max_turns_per_step
            ));
        }
        let temperature = if self.hot_turns > 0 {
            settings.loop_temperature
        } else {
            settings.temperature
        };
        let blocks = self.format == EditFormat::Blocks;
        let request = ChatRequest {
            messages: self.messages.clone(),
            // Plain text: no tool schema in the prompt, nothing for the model to wrap code in.
            tools: if blocks { Vec::new() } else { tools.to_vec() },
            tool_choice: if blocks {
                ToolChoice::None
            } else {
                ToolChoice::Auto
            },
            temperature,
            max_tokens: settings.max_output_tokens,
        };
        let candidates = settings.profile.candidates as usize;
        if blocks && candidates > 1 && self.turns == 0 && self.restarts == 0 {
            return Next::Sample {
                request,
                temperatures: candidate_temperatures(settings.temperature, candidates),
            };
        }
        Next::CallModel(request)
    }

    /// Feeds a model response. `nudges` are the texts to send when the model called no tool or
    /// looped (rendered by the runner from prompts/); `profile` decides how loops are answered.
    pub fn on_model_response(
        &mut self,
        response: ChatResponse,
        nudges: &Nudges,
        profile: &ModelProfile,
    ) -> Vec<Notice> {
        let mut notices = Vec::new();
        if self.phase == AgentPhase::Summarising {
            self.carry = Some(response.message.content.trim().to_string());
            self.phase = AgentPhase::NeedsRestart;
            return notices;
        }
        self.turns += 1;
        self.hot_turns = self.hot_turns.saturating_sub(1);
        let mut message = response.message;
        message.role = Role::Assistant;
        if self.format == EditFormat::Blocks {
            // No tools were offered; a call the server made up anyway would sit in the history
            // without a result.
            message.tool_calls.clear();
        }
        let hash = reply_hash(&message);
        self.recent_hashes.push(hash);
        if self.recent_hashes.len() > LOOP_REPEATS * MAX_LOOP_PERIOD {
            self.recent_hashes.remove(0);
        }
        self.pending_calls = message.tool_calls.clone();
        let no_calls = message.tool_calls.is_empty();
        self.messages.push(message);
        let looping = is_cycle(&self.recent_hashes);
        if looping {
            self.hot_turns = HOT_TURNS;
            self.recent_hashes.clear();
            notices.push(Notice::LoopDetected {
                repeats: LOOP_REPEATS,
            });
            if hooks::on_loop(self.loop_restarts, profile) == LoopAction::Restart {
                // The repeated reply is dropped unrun (it changed nothing the last times), so no
                // call is left without its result.
                self.loop_restarts += 1;
                self.messages.pop();
                self.pending_calls.clear();
                self.pending_reply = None;
                self.carry = Some(self.loop_carry(&nudges.loop_nudge));
                self.phase = AgentPhase::NeedsRestart;
                notices.push(Notice::RestartNeeded {
                    reason: RestartReason::Loop,
                });
                return notices;
            }
        }
        if self.format == EditFormat::Blocks {
            // The reply is the edit; the control unit answers it after applying it.
            let reply = self.messages.last().map(|m| m.content.clone());
            self.pending_reply = reply;
            if looping {
                self.carry_nudge = Some(nudges.loop_nudge.clone());
            }
        } else if no_calls {
            let text = if looping {
                &nudges.loop_nudge
            } else {
                &nudges.no_tool
            };
            self.messages.push(Message::user(text.clone()));
        } else if looping {
            // The loop nudge waits until the tool results are in, so it never sits between
            // a call and its result.
            self.carry_nudge = Some(nudges.loop_nudge.clone());
        }
        notices
    }

    /// What a fresh context needs after a loop: the nudge and the last result worth seeing (a
    /// failing check, say), not the "unchanged" notes the repeats produced.
    fn loop_carry(&self, nudge: &str) -> String {
        let last = self.messages.iter().rev().find(|m| {
            m.role == Role::Tool
                && !m
                    .tool_call_id
                    .as_ref()
                    .is_some_and(|id| self.no_change_calls.contains(id))
        });
        match last {
            Some(m) => {
                let text = crate::exec::truncate_head_tail(&m.content, LOOP_CARRY_CHARS);
                format!(
                    "{nudge}\nThe last result before the repeats was:\n```\n{}\n```",
                    text.trim()
                )
            }
            None => nudge.to_string(),
        }
    }

    /// Feeds the results of `pending_calls`, in order.
    pub fn on_tool_results(&mut self, results: Vec<(ToolCall, ToolOutput)>) {
        for (call, output) in &results {
            self.messages
                .push(Message::tool_result(call.id.clone(), output.model_text()));
            match &output.effect {
                Effect::EndStep { summary } => {
                    self.phase = AgentPhase::Done {
                        summary: summary.clone(),
                    }
                }
                Effect::NoChange { .. } => self.no_change_calls.push(call.id.clone()),
                Effect::None | Effect::Plan(_) => {}
            }
        }
        self.pending_calls.clear();
        if let Some(nudge) = self.carry_nudge.take() {
            self.messages.push(Message::user(nudge));
        }
    }

    /// The control unit's answer to a plain-text reply: what the edits did and what the checks
    /// said, or `done` with the step's summary when its files exist and the checks pass.
    pub fn on_edit_results(&mut self, feedback: String, done: Option<String>) {
        self.pending_reply = None;
        match done {
            Some(summary) => self.phase = AgentPhase::Done { summary },
            None => {
                let mut text = feedback;
                if let Some(nudge) = self.carry_nudge.take() {
                    text = format!("{text}\n\n{nudge}");
                }
                self.messages.push(Message::user(text));
            }
        }
    }

    /// Ends the step as failed for a reason the control unit decided (not the model's turns).
    pub fn give_up(&mut self, reason: String) {
        self.pending_reply = None;
        self.phase = AgentPhase::Failed { reason };
    }

    /// Starts over with a fresh context after a summary.
    pub fn restart(&mut self, fresh: Vec<Message>) {
        self.messages = fresh;
        self.restarts += 1;
        self.pending_calls.clear();
        self.pending_reply = None;
        self.recent_hashes.clear();
        // The ids name results of the old context only.
        self.no_change_calls.clear();
        self.phase = AgentPhase::Working;
    }
}

/// Texts the machine sends on its own.
#[derive(Debug, Clone)]
pub struct Nudges {
    pub no_tool: String,
    pub loop_nudge: String,
}

/// The first candidate at the run's own temperature (so a temperature-0 run still has its
/// greedy answer among them), the rest spread from 0.4 to 0.7: hotter, the 1.5B model rambles to
/// the output cap (seen at 0.9), which costs minutes and is never the one kept.
fn candidate_temperatures(base: f32, n: usize) -> Vec<f32> {
    let mut out = vec![base];
    let others = n.saturating_sub(1);
    for i in 0..others {
        let t = 0.4 + 0.3 * (i as f32) / (others.max(2) - 1) as f32;
        out.push((t * 100.0).round() / 100.0);
    }
    out
}

fn reply_hash(m: &Message) -> u64 {
    let mut h = DefaultHasher::new();
    m.content.trim().hash(&mut h);
    for c in &m.tool_calls {
        c.name.hash(&mut h);
        c.arguments.hash(&mut h);
    }
    h.finish()
}

/// Whether the latest replies are one cycle of 1 to `MAX_LOOP_PERIOD` replies repeated
/// `LOOP_REPEATS` times.
fn is_cycle(hashes: &[u64]) -> bool {
    (1..=MAX_LOOP_PERIOD).any(|period| {
        let span = period * LOOP_REPEATS;
        hashes.len() >= span && {
            let tail = &hashes[hashes.len() - span..];
            (period..span).all(|i| tail[i] == tail[i - period])
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::Usage;

    fn nudges() -> Nudges {
        Nudges {
            no_tool: "call a tool".into(),
            loop_nudge: "you repeat".into(),
        }
    }

    fn reply(content: &str, calls: Vec<ToolCall>) -> ChatResponse {
        ChatResponse {
            message: Message {
                role: Role::Assistant,
                content: content.into(),
                tool_calls: calls,
                tool_call_id: None,
            },
            usage: Usage::default(),
            finish_reason: None,
        }
    }

    fn call(id: &str, name: &str, args: &str) -> ToolCall {
        ToolCall {
            id: id.into(),
            name: name.into(),
            arguments: args.into(),
        }
    }

    #[test]
    fn tool_calls_then_results_then_done() {
        let s = RunSettings::default();
        let mut a = StepAgent::new(0, vec![Message::system("sys"), Message::user("step")]);
        assert!(
            matches!(a.next(&s, &[], "sum"), Next::CallModel(r) if r.tool_choice == ToolChoice::Auto)
        );
        let c = call("1", "step_complete", "{\"summary\":\"ok\"}");
        a.on_model_response(
            reply("", vec![c.clone()]),
            &nudges(),
            &ModelProfile::small(),
        );
        assert_eq!(a.next(&s, &[], "sum"), Next::CallTools(vec![c.clone()]));
        a.on_tool_results(vec![(c, ToolOutput::end_step("ok", "none"))]);
        assert_eq!(a.next(&s, &[], "sum"), Next::Done("ok".into()));
        assert_eq!(a.messages.len(), 4);
        assert_eq!(a.messages[3].tool_call_id.as_deref(), Some("1"));
    }

    #[test]
    fn cycles_of_up_to_three_replies_repeated_three_times_are_loops() {
        assert!(is_cycle(&[9, 1, 1, 1]));
        assert!(is_cycle(&[1, 2, 1, 2, 1, 2]));
        assert!(is_cycle(&[5, 1, 2, 3, 1, 2, 3, 1, 2, 3]));
        assert!(!is_cycle(&[1, 1]));
        assert!(!is_cycle(&[1, 2, 1, 2, 1]));
        assert!(!is_cycle(&[1, 2, 3, 1, 2, 3, 1, 2, 4]));
        assert!(!is_cycle(&[1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4]));
    }

    #[test]
    fn a_loop_restarts_the_step_hot_and_later_loops_get_a_nudge() {
        let s = RunSettings::default();
        let mut a = StepAgent::new(0, vec![Message::user("step")]);
        let n1 = a.on_model_response(reply("thinking", vec![]), &nudges(), &ModelProfile::small());
        assert!(n1.is_empty());
        assert_eq!(a.messages.last(), Some(&Message::user("call a tool")));
        a.on_model_response(reply("thinking", vec![]), &nudges(), &ModelProfile::small());
        let n3 = a.on_model_response(reply("thinking", vec![]), &nudges(), &ModelProfile::small());
        assert_eq!(
            n3,
            vec![
                Notice::LoopDetected { repeats: 3 },
                Notice::RestartNeeded {
                    reason: RestartReason::Loop
                }
            ]
        );
        // No tool ever ran, so the carry is the nudge alone.
        assert_eq!(
            a.next(&s, &[], "sum"),
            Next::Restart {
                carry: "you repeat".into()
            }
        );
        let max_loop_restarts = ModelProfile::small().loop_restarts;
        for round in 0..max_loop_restarts {
            a.restart(vec![Message::user("fresh")]);
            match a.next(&s, &[], "sum") {
                Next::CallModel(r) => assert_eq!(r.temperature, s.loop_temperature),
                other => panic!("unexpected {other:?}"),
            }
            for _ in 0..3 {
                a.on_model_response(reply("thinking", vec![]), &nudges(), &ModelProfile::small());
            }
            let restarted = matches!(a.next(&s, &[], "sum"), Next::Restart { .. });
            assert_eq!(restarted, round + 1 < max_loop_restarts, "round {round}");
        }
        // Past the limit the loop stays in place, with the nudge and the raised temperature.
        assert_eq!(a.messages.last(), Some(&Message::user("you repeat")));
    }

    #[test]
    fn a_looping_call_is_dropped_unrun_and_the_last_real_result_carried() {
        let s = RunSettings::default();
        let mut a = StepAgent::new(0, vec![Message::user("step")]);
        let done = call("d", "step_complete", "{}");
        a.on_model_response(
            reply("", vec![done.clone()]),
            &nudges(),
            &ModelProfile::small(),
        );
        a.on_tool_results(vec![(done, ToolOutput::error("checks fail: line 7"))]);
        let w = call("w", "write_files", "{\"files\":[]}");
        for i in 0..3 {
            a.on_model_response(
                reply("", vec![w.clone()]),
                &nudges(),
                &ModelProfile::small(),
            );
            if i < 2 {
                a.on_tool_results(vec![(
                    w.clone(),
                    ToolOutput::text("m.py unchanged", true).with_effect(Effect::NoChange {
                        paths: vec!["m.py".into()],
                    }),
                )]);
            }
        }
        assert!(a.pending_calls.is_empty());
        assert_eq!(
            a.next(&s, &[], "sum"),
            Next::Restart {
                carry: "you repeat\nThe last result before the repeats was:\n```\nERROR: checks fail: line 7\n```".into()
            }
        );
        // Every call left in the old context still has its result.
        let calls: usize = a.messages.iter().map(|m| m.tool_calls.len()).sum();
        let results = a.messages.iter().filter(|m| m.role == Role::Tool).count();
        assert_eq!(calls, results);
    }

    #[test]
    fn loop_nudge_never_splits_a_call_from_its_result() {
        let mut a = StepAgent::new(0, vec![Message::user("step")]);
        a.loop_restarts = ModelProfile::small().loop_restarts;
        let c = call("x", "list_files", "{}");
        for _ in 0..3 {
            a.on_model_response(
                reply("", vec![c.clone()]),
                &nudges(),
                &ModelProfile::small(),
            );
            a.on_tool_results(vec![(c.clone(), ToolOutput::ok("files"))]);
        }
        let n = a.messages.len();
        assert_eq!(a.messages[n - 3].tool_calls.len(), 1);
        assert_eq!(a.messages[n - 2].role, Role::Tool);
        assert_eq!(a.messages[n - 1], Message::user("you repeat"));
    }

    #[test]
    fn turn_limit_fails_the_step() {
        let s = RunSettings {
            max_turns_per_step: 1,
            ..RunSettings::default()
        };
        let mut a = StepAgent::new(0, vec![Message::user("step")]);
        a.on_model_response(reply("hm", vec![]), &nudges(), &ModelProfile::small());
        assert!(matches!(a.next(&s, &[], "sum"), Next::Failed(r) if r.contains("1 turns")));
    }

    #[test]
    fn overflow_summarises_then_restarts_with_the_carry() {
        let s = RunSettings {
            context_window: 200,
            ..RunSettings::default()
        };
        let counter = TokenCounter::for_model("local");
        let mut a = StepAgent::new(0, vec![Message::user("step")]);
        let c = call("1", "read_files", "{}");
        a.on_model_response(
            reply("", vec![c.clone()]),
            &nudges(),
            &ModelProfile::small(),
        );
        a.on_tool_results(vec![(c, ToolOutput::ok("x".repeat(3000)))]);
        let notices = a.manage_context(&s, &[], &counter);
        assert!(
            notices.contains(&Notice::RestartNeeded {
                reason: RestartReason::ContextFull
            }),
            "{notices:?}"
        );
        match a.next(&s, &[], "summarise please") {
            Next::CallModel(r) => {
                assert_eq!(r.tool_choice, ToolChoice::None);
                assert_eq!(r.messages.last(), Some(&Message::user("summarise please")));
            }
            other => panic!("unexpected {other:?}"),
        }
        a.on_model_response(reply("did half", vec![]), &nudges(), &ModelProfile::small());
        assert_eq!(
            a.next(&s, &[], "x"),
            Next::Restart {
                carry: "did half".into()
            }
        );
        a.restart(vec![Message::user("fresh")]);
        assert_eq!(a.restarts, 1);
        assert_eq!(a.messages, vec![Message::user("fresh")]);
        assert!(matches!(a.next(&s, &[], "x"), Next::CallModel(_)));
    }

    #[test]
    fn restart_limit_fails_the_step() {
        let s = RunSettings {
            max_restarts_per_step: 0,
            ..RunSettings::default()
        };
        let mut a = StepAgent::new(0, vec![Message::user("step")]);
        a.on_context_overflow(&s);
        assert!(matches!(a.next(&s, &[], "x"), Next::Failed(r) if r.contains("restart limit")));
    }
}
