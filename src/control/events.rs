//! Events: the only way the control unit talks to a UI. The CLI turns them into progress bars or
//! JSON lines; tests collect them.

use serde::{Deserialize, Serialize};

use super::agent::RestartReason;
use super::state::RunReport;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    RunStarted {
        run_dir: String,
        resumed: bool,
    },
    Planned {
        steps: Vec<String>,
    },
    StepStarted {
        index: usize,
        total: usize,
        text: String,
    },
    ModelCall {
        step: Option<usize>,
        turn: u32,
        prompt_tokens: u64,
        completion_tokens: u64,
        total_tokens: u64,
    },
    ToolResult {
        step: usize,
        tool: String,
        is_error: bool,
        preview: String,
    },
    /// A plain-text reply was applied to the files (and the checks run on them).
    EditsApplied {
        step: usize,
        is_error: bool,
        preview: String,
    },
    /// A plain-text step's first replies were scored; `kept` indexes `scores`.
    CandidatesScored {
        step: usize,
        scores: Vec<String>,
        kept: usize,
    },
    ContextCompacted {
        step: usize,
        elided_results: usize,
    },
    /// The step will start again from a fresh context (after a summary when the context is
    /// full, at once after a loop).
    RestartNeeded {
        step: usize,
        reason: RestartReason,
    },
    ContextRestart {
        step: usize,
        restart: u32,
    },
    LoopDetected {
        step: usize,
        repeats: usize,
    },
    StepFinished {
        index: usize,
        completed: bool,
        summary: String,
    },
    FinalChecks {
        passed: bool,
        output: String,
    },
    Warning {
        message: String,
    },
    RunFinished {
        report: RunReport,
    },
}

pub trait EventSink: Send + Sync {
    fn emit(&self, event: &Event);
}

/// Drops every event (library use without a UI).
pub struct NullSink;

impl EventSink for NullSink {
    fn emit(&self, _event: &Event) {}
}

/// Collects events in memory (tests, embedding).
#[derive(Default)]
pub struct CollectSink(pub std::sync::Mutex<Vec<Event>>);

impl EventSink for CollectSink {
    fn emit(&self, event: &Event) {
        if let Ok(mut v) = self.0.lock() {
            v.push(event.clone());
        }
    }
}

impl CollectSink {
    pub fn events(&self) -> Vec<Event> {
        self.0.lock().map(|v| v.clone()).unwrap_or_default()
    }
}
