//! The persisted state of a run (`.l2mac/run.json`): the instruction registry, the step in
//! progress and the totals, so a killed run resumes exactly where it stopped.

use serde::{Deserialize, Serialize};

use super::agent::StepAgent;
use crate::domain::{DomainKind, StepKind};
use crate::exec::{CheckSpec, SandboxMode};
use crate::profile::ModelProfile;

/// 2: steps carry their `kind`, settings their model `profile` (see `migrate`).
pub const STATE_VERSION: u32 = 2;

/// Limits and knobs of one run; saved with it so `resume` behaves like the original run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSettings {
    pub domain: DomainKind,
    /// How the model is driven (tool calling, server quirks, guards, hooks).
    #[serde(default)]
    pub profile: ModelProfile,
    pub max_steps: usize,
    pub context_window: usize,
    /// Fraction of the window at which the context is compacted or the step restarted.
    pub compact_at: f32,
    pub max_turns_per_step: u32,
    pub max_restarts_per_step: u32,
    pub max_total_tokens: Option<u64>,
    pub max_total_turns: Option<u32>,
    pub temperature: f32,
    /// Temperature used for a few turns after a repeated-message loop is detected.
    pub loop_temperature: f32,
    pub max_output_tokens: Option<u32>,
    pub refine_plan: bool,
    pub checks: Vec<CheckSpec>,
    pub check_timeout_secs: u64,
    /// How checks are confined (`--sandbox`); runs saved before it existed get the default.
    #[serde(default)]
    pub sandbox: SandboxMode,
}

impl Default for RunSettings {
    fn default() -> Self {
        Self {
            domain: DomainKind::Code,
            profile: ModelProfile::default(),
            max_steps: 8,
            context_window: 8192,
            compact_at: 0.8,
            max_turns_per_step: 30,
            max_restarts_per_step: 3,
            max_total_tokens: None,
            max_total_turns: None,
            temperature: 0.2,
            loop_temperature: 0.9,
            max_output_tokens: Some(2048),
            refine_plan: false,
            checks: Vec::new(),
            check_timeout_secs: 120,
            sandbox: SandboxMode::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Pending,
    Running,
    Done,
    Failed,
}

/// One entry of the instruction registry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Instruction {
    pub text: String,
    /// What the step is, decided when it was made.
    pub kind: StepKind,
    pub status: StepStatus,
    pub summary: Option<String>,
    pub turns: u32,
    pub restarts: u32,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

impl Instruction {
    pub fn new(text: String, kind: StepKind) -> Self {
        Self {
            text,
            kind,
            status: StepStatus::Pending,
            summary: None,
            turns: 0,
            restarts: 0,
            prompt_tokens: 0,
            completion_tokens: 0,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub model_calls: u64,
    pub turns: u32,
    pub tool_calls: u64,
    pub restarts: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Every step finished and the final checks pass.
    Complete,
    /// The run ended with failed steps or failing checks.
    Incomplete,
    /// A global budget (tokens, turns) ran out.
    BudgetExhausted,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum Phase {
    Planning,
    Executing,
    Finished { outcome: Outcome },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunState {
    pub version: u32,
    pub task: String,
    pub model: String,
    pub base_url: String,
    /// "openai" or "local" (the embedded server, whose port changes between sessions).
    #[serde(default)]
    pub provider: Option<String>,
    /// The embedded server's threads, so a resumed run starts it as the run did.
    #[serde(default)]
    pub local_threads: Option<usize>,
    pub settings: RunSettings,
    pub phase: Phase,
    pub plan: Vec<Instruction>,
    pub current: Option<StepAgent>,
    pub totals: Totals,
    pub started_at: String,
    /// Wall time spent in earlier sessions of this run (resume adds to it).
    pub elapsed_ms: u64,
    pub report: Option<RunReport>,
}

impl RunState {
    pub fn new(task: String, model: String, base_url: String, settings: RunSettings) -> Self {
        Self {
            version: STATE_VERSION,
            task,
            model,
            base_url,
            provider: None,
            local_threads: None,
            settings,
            phase: Phase::Planning,
            plan: Vec::new(),
            current: None,
            totals: Totals::default(),
            started_at: chrono::Utc::now().to_rfc3339(),
            elapsed_ms: 0,
            report: None,
        }
    }

    /// The first step that still has work to do.
    pub fn next_pending(&self) -> Option<usize> {
        self.plan
            .iter()
            .position(|s| matches!(s.status, StepStatus::Pending | StepStatus::Running))
    }
}

/// What a user sees at the end of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    pub outcome: Outcome,
    pub steps_total: usize,
    pub steps_done: usize,
    pub steps_failed: usize,
    pub files: usize,
    pub lines: usize,
    pub checks_passed: bool,
    pub checks_summary: String,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub model_calls: u64,
    pub turns: u32,
    pub restarts: u32,
    pub wall_ms: u64,
    /// Text runs: what was assembled (book files, chapters, words, exports).
    #[serde(default)]
    pub document: Option<String>,
}

impl RunReport {
    pub fn render(&self) -> String {
        let document = self
            .document
            .as_ref()
            .map(|d| format!("\ndocument: {d}"))
            .unwrap_or_default();
        format!(
            "outcome: {:?}\nsteps: {}/{} done, {} failed\nfiles: {} ({} lines)\nchecks: {}\ntokens: {} in, {} out ({} model calls, {} turns, {} context restarts)\nwall time: {:.1} s{}",
            self.outcome,
            self.steps_done,
            self.steps_total,
            self.steps_failed,
            self.files,
            self.lines,
            if self.checks_passed { "pass" } else { "FAIL" },
            self.prompt_tokens,
            self.completion_tokens,
            self.model_calls,
            self.turns,
            self.restarts,
            self.wall_ms as f64 / 1000.0,
            document
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::{Message, ToolCall};

    #[test]
    fn next_pending_skips_finished_steps_and_resumes_a_running_one() {
        let mut s = RunState::new("t".into(), "m".into(), "u".into(), RunSettings::default());
        s.plan = ["a", "b", "c"]
            .iter()
            .map(|t| Instruction::new(t.to_string(), StepKind::Review))
            .collect();
        assert_eq!(s.next_pending(), Some(0));
        s.plan[0].status = StepStatus::Done;
        s.plan[1].status = StepStatus::Failed;
        assert_eq!(s.next_pending(), Some(2));
        s.plan[2].status = StepStatus::Running;
        assert_eq!(s.next_pending(), Some(2));
        s.plan[2].status = StepStatus::Done;
        assert_eq!(s.next_pending(), None);
    }

    #[test]
    fn a_state_with_a_step_in_flight_survives_a_save_and_load() {
        let mut s = RunState::new(
            "task".into(),
            "m".into(),
            "u".into(),
            RunSettings::default(),
        );
        s.plan = vec![Instruction::new(
            "write a".into(),
            StepKind::Code {
                deliverables: vec!["a.py".into()],
                tests: vec![],
                promised: vec![],
                draft: false,
            },
        )];
        s.phase = Phase::Executing;
        let mut agent = StepAgent::new(0, vec![Message::system("sys"), Message::user("step")]);
        agent.pending_calls = vec![ToolCall {
            id: "c1".into(),
            name: "write_files".into(),
            arguments: "{\"files\": []}".into(),
        }];
        s.current = Some(agent);
        let json = serde_json::to_string(&s).expect("serialise");
        let back: RunState = serde_json::from_str(&json).expect("deserialise");
        assert_eq!(back, s);
    }
}
