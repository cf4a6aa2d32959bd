//! The tools the agent calls: schemas, argument parsing and dispatch. A tool failure the model can
//! fix (bad path, bad JSON, unknown tool) comes back to it as data; only a broken run is fatal.

pub(crate) mod autoimport;
mod checks;
mod dse;
mod files;
pub mod interface;
mod outline;
mod plan;
pub(crate) mod pyfix;
pub mod studies;
pub mod study_task;
pub mod testfile;
pub(crate) mod testimports;
mod write_tests;

use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::exec::{CheckSpec, ExecOptions};
use crate::llm::{ToolCall, ToolSpec};
use crate::profile::WriteGuards;
use crate::store::FileStore;

pub use checks::{
    check_completion, check_now, resolve_checks, Checker, Completion, RunChecks, StepComplete,
};
pub use dse::{DseDescribeEnv, DseEvaluate, DseListEnvs, DseRunStudy};
pub use files::{DeleteFiles, EditFile, ListFiles, ReadFiles, WriteFiles};
pub use outline::{WriteChapter, WriteOutline};
pub use plan::Plan;
pub use write_tests::WriteTests;

/// What one tool call can reach: the run's file store, checks and write guards, and the scope
/// of the step it belongs to. The runner builds one for every call from the step's kind, so no
/// tool sees state left over from another step.
#[derive(Clone)]
pub struct ToolContext {
    pub store: FileStore,
    /// Check commands from the user; empty means "detect from the files".
    pub checks: Vec<CheckSpec>,
    pub exec: ExecOptions,
    /// The refusals and repairs `write_files` applies (from the run's model profile).
    pub guards: WriteGuards,
    /// Lengths in words the task states (text runs); `write_outline` holds the plan to them.
    pub task_word_counts: Vec<u64>,
    /// The whole task, for tools that hold the model to what it says (`write_tests` refuses an
    /// exception the task never mentions).
    pub task: String,
    pub step: StepScope,
}

/// What the current step asks for, as the domain read it from the step's kind.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StepScope {
    /// Files the step must leave behind (e.g. `test_shapes.py`); `step_complete` refuses to end
    /// the step while one is missing, so "write the tests" cannot end without a test file.
    pub expected_files: Vec<String>,
    /// Functions and classes the task promises that this step must define; `step_complete`
    /// refuses while one is not defined.
    pub expected_names: Vec<interface::Promised>,
    /// Which checks `run_checks` and `step_complete` run.
    pub checker: Checker,
    /// How the step's files are written, so what the checks say names the right way to fix them.
    pub format: crate::profile::EditFormat,
    /// The step writes tests only: in plain-text steps the code earlier steps wrote is not
    /// changed to fit them (a small model's own test is more often wrong than the checked
    /// module, issue 13), so a failing test is fixed in the test.
    pub tests_only: bool,
}

impl ToolContext {
    /// A context over `store` with detected checks, default check options, every write guard
    /// and an empty step scope.
    pub fn new(store: FileStore) -> Self {
        Self {
            store,
            checks: Vec::new(),
            exec: ExecOptions::default(),
            guards: WriteGuards::ALL,
            task_word_counts: Vec::new(),
            task: String::new(),
            step: StepScope::default(),
        }
    }

    /// The same run resources with another step's scope.
    pub fn for_step(&self, step: StepScope) -> Self {
        Self {
            step,
            ..self.clone()
        }
    }
}

/// What a call did besides its text, for the control unit to act on. Tools report; they never
/// decide how a step goes on.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Effect {
    #[default]
    None,
    /// The step's checks passed and the model asked to finish: the step is over.
    EndStep { summary: String },
    /// The planner's step list.
    Plan(Vec<String>),
    /// Every file the call wrote already had exactly that content.
    NoChange { paths: Vec<String> },
}

/// A tool call's result: the text the model sees, whether it reports a failure to fix, and its
/// effect.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolOutput {
    pub text: String,
    pub is_error: bool,
    pub effect: Effect,
}

/// The marker that starts every failure the model sees, in one place.
pub fn error_text(message: impl std::fmt::Display) -> String {
    format!("ERROR: {message}")
}

impl ToolOutput {
    pub fn ok(text: impl Into<String>) -> Self {
        ToolOutput {
            text: text.into(),
            is_error: false,
            effect: Effect::None,
        }
    }
    pub fn error(message: impl std::fmt::Display) -> Self {
        ToolOutput {
            text: error_text(message),
            is_error: true,
            effect: Effect::None,
        }
    }
    /// Text with an explicit error flag (a call that did some things and failed others).
    pub fn text(text: impl Into<String>, is_error: bool) -> Self {
        ToolOutput {
            text: text.into(),
            is_error,
            effect: Effect::None,
        }
    }
    pub fn end_step(summary: impl Into<String>, checks: &str) -> Self {
        ToolOutput {
            text: format!("Step complete. Checks:\n{checks}"),
            is_error: false,
            effect: Effect::EndStep {
                summary: summary.into(),
            },
        }
    }
    pub fn plan(steps: Vec<String>) -> Self {
        ToolOutput {
            text: format!("Plan accepted with {} steps.", steps.len()),
            is_error: false,
            effect: Effect::Plan(steps),
        }
    }
    pub fn with_effect(self, effect: Effect) -> Self {
        ToolOutput { effect, ..self }
    }
    /// The text the model sees as the tool result.
    pub fn model_text(&self) -> String {
        self.text.clone()
    }
}

/// Failures that end the run, as opposed to errors the model gets to fix.
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    #[error("tool `{tool}` hit a fatal error: {message}")]
    Fatal { tool: String, message: String },
}

#[async_trait::async_trait]
pub trait Tool: Send + Sync {
    fn spec(&self) -> ToolSpec;
    /// `Ok(ToolOutput::error(..))` for anything the model can fix; `Err` only for a broken run.
    async fn call(&self, args: Value, ctx: &ToolContext) -> Result<ToolOutput, ToolError>;
}

/// Parses tool arguments, turning serde's message into one the model can act on.
pub fn parse_args<T: DeserializeOwned>(tool: &str, args: Value) -> Result<T, ToolOutput> {
    serde_json::from_value(args).map_err(|e| {
        ToolOutput::error(format!(
            "the arguments of `{tool}` do not match its schema: {e}. Call it again with the arguments its schema describes."
        ))
    })
}

/// The tools of an instruction step, in the order the model sees them; domains add their own
/// before or after.
pub fn step_tool_list() -> Vec<Arc<dyn Tool>> {
    vec![
        Arc::new(WriteFiles),
        Arc::new(EditFile),
        Arc::new(ReadFiles),
        Arc::new(RunChecks),
        Arc::new(StepComplete),
        Arc::new(ListFiles),
        Arc::new(DeleteFiles),
    ]
}

/// Tools in registration order: the order is what the model sees, and small models lean towards
/// the first tools listed, so the common ones come first.
#[derive(Clone, Default)]
pub struct ToolRegistry {
    tools: Vec<(String, Arc<dyn Tool>)>,
}

impl ToolRegistry {
    /// The tools of an instruction step.
    pub fn step_tools() -> Self {
        Self::of(step_tool_list())
    }

    /// A registry of `tools`, in this order.
    pub fn of(tools: Vec<Arc<dyn Tool>>) -> Self {
        let mut r = Self::default();
        for tool in tools {
            r.register(tool);
        }
        r
    }

    /// The planner gets exactly one tool.
    pub fn planner_tools() -> Self {
        let mut r = Self::default();
        r.register(Arc::new(Plan));
        r
    }

    /// Adds a tool; one with the same name is replaced in place.
    pub fn register(&mut self, tool: Arc<dyn Tool>) {
        let name = tool.spec().name;
        match self.tools.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = tool,
            None => self.tools.push((name, tool)),
        }
    }

    pub fn names(&self) -> Vec<String> {
        self.tools.iter().map(|(n, _)| n.clone()).collect()
    }

    pub fn specs(&self) -> Vec<ToolSpec> {
        self.tools.iter().map(|(_, t)| t.spec()).collect()
    }

    fn get(&self, name: &str) -> Option<&Arc<dyn Tool>> {
        self.tools.iter().find(|(n, _)| n == name).map(|(_, t)| t)
    }

    /// Runs one call. Unknown tools and malformed JSON are answered, never raised.
    pub async fn dispatch(
        &self,
        call: &ToolCall,
        ctx: &ToolContext,
    ) -> Result<ToolOutput, ToolError> {
        let Some(tool) = self.get(&call.name) else {
            return Ok(ToolOutput::error(format!(
                "there is no tool named `{}`. The tools are: {}.",
                call.name,
                self.names().join(", ")
            )));
        };
        let raw = call.arguments.trim();
        let args: Value = if raw.is_empty() {
            Value::Object(Default::default())
        } else {
            match crate::llm::lenient::parse(raw) {
                Ok(v) => v,
                Err(e) => {
                    return Ok(ToolOutput::error(format!(
                        "the arguments of `{}` are not valid JSON ({e}). Send them again as one JSON object.",
                        call.name
                    )))
                }
            }
        };
        if !args.is_object() {
            return Ok(ToolOutput::error(format!(
                "the arguments of `{}` must be a JSON object, not {}.",
                call.name,
                json_kind(&args)
            )));
        }
        tool.call(args, ctx).await
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(dir: &std::path::Path) -> ToolContext {
        ToolContext::new(FileStore::open(dir).expect("store"))
    }

    fn call(name: &str, args: &str) -> ToolCall {
        ToolCall {
            id: "1".into(),
            name: name.into(),
            arguments: args.into(),
        }
    }

    #[tokio::test]
    async fn unknown_tools_and_bad_json_are_answered() {
        let dir = tempfile::tempdir().expect("tmp");
        let reg = ToolRegistry::step_tools();
        let c = ctx(dir.path());
        let out = reg
            .dispatch(&call("frobnicate", "{}"), &c)
            .await
            .expect("ok");
        assert_eq!(out, ToolOutput::error("there is no tool named `frobnicate`. The tools are: write_files, edit_file, read_files, run_checks, step_complete, list_files, delete_files."));
        let out = reg
            .dispatch(&call("write_files", "{\"files\": ["), &c)
            .await
            .expect("ok");
        assert!(
            matches!(&out, ToolOutput { is_error: true, text, .. } if text.contains("not valid JSON")),
            "{out:?}"
        );
        let out = reg
            .dispatch(&call("write_files", "[1]"), &c)
            .await
            .expect("ok");
        assert_eq!(
            out,
            ToolOutput::error(
                "the arguments of `write_files` must be a JSON object, not an array."
            )
        );
        let out = reg
            .dispatch(&call("write_files", "{\"files\": 3}"), &c)
            .await
            .expect("ok");
        assert!(
            matches!(&out, ToolOutput { is_error: true, text, .. } if text.contains("do not match its schema")),
            "{out:?}"
        );
    }

    #[test]
    fn step_and_planner_tool_sets() {
        assert_eq!(
            ToolRegistry::planner_tools().names(),
            vec!["plan".to_string()]
        );
        assert_eq!(ToolRegistry::step_tools().specs().len(), 7);
        let mut r = ToolRegistry::of(vec![Arc::new(ReadFiles), Arc::new(WriteFiles)]);
        r.register(Arc::new(ReadFiles));
        assert_eq!(r.names(), ["read_files", "write_files"]);
    }
}
