//! The tools the agent calls: schemas, argument parsing and dispatch. A tool failure the model can
//! fix (bad path, bad JSON, unknown tool) comes back to it as data; only a broken run is fatal.

mod checks;
mod dse;
mod files;
pub mod interface;
mod outline;
mod plan;
mod pyfix;
pub mod testfile;
mod write_tests;

use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::exec::{CheckSpec, ExecOptions};
use crate::llm::{ToolCall, ToolSpec};
use crate::store::FileStore;

pub use checks::{check_now, resolve_checks, Checker, RunChecks, StepComplete};
pub use dse::{DseDescribeEnv, DseEvaluate, DseListEnvs, DseRunStudy};
pub use files::{DeleteFiles, EditFile, ListFiles, ReadFiles, WriteFiles};
pub use outline::{WriteChapter, WriteOutline};
pub use plan::Plan;
pub use write_tests::WriteTests;

/// What a run's tools can reach.
pub struct ToolContext {
    pub store: FileStore,
    /// Check commands from the user; empty means "detect from the files".
    pub checks: Vec<CheckSpec>,
    pub exec: ExecOptions,
    /// Files the current step names (e.g. `test_shapes.py`); `step_complete` refuses to end the
    /// step while one is missing, so "write the tests" cannot end without a test file.
    pub expected_files: Vec<String>,
    /// Which checks `run_checks` and `step_complete` run.
    pub checker: Checker,
    /// Lengths in words the task states (text runs); `write_outline` holds the plan to them.
    pub task_word_counts: Vec<u64>,
    /// Functions and classes the task promises that the current step mentions; `step_complete`
    /// refuses while one is not defined.
    pub expected_names: Vec<interface::Promised>,
    /// The whole task, for tools that hold the model to what it says (`write_tests` refuses an
    /// exception the task never mentions).
    pub task: String,
}

impl ToolContext {
    /// A context over `store` with detected checks and default check options.
    pub fn new(store: FileStore) -> Self {
        Self {
            store,
            checks: Vec::new(),
            exec: ExecOptions::default(),
            expected_files: Vec::new(),
            checker: Checker::Commands,
            task_word_counts: Vec::new(),
            expected_names: Vec::new(),
            task: String::new(),
        }
    }
}

/// A successful tool call's effect.
#[derive(Debug, Clone, PartialEq)]
pub enum ToolOutput {
    /// Text for the model. `is_error` marks results that report a failure it should fix.
    Text { text: String, is_error: bool },
    /// The step's checks passed; the step is over.
    StepComplete { summary: String, checks: String },
    /// The planner's step list.
    Plan(Vec<String>),
}

impl ToolOutput {
    pub fn ok(text: impl Into<String>) -> Self {
        ToolOutput::Text {
            text: text.into(),
            is_error: false,
        }
    }
    pub fn error(text: impl Into<String>) -> Self {
        ToolOutput::Text {
            text: format!("ERROR: {}", text.into()),
            is_error: true,
        }
    }
    /// The text the model sees as the tool result.
    pub fn model_text(&self) -> String {
        match self {
            ToolOutput::Text { text, .. } => text.clone(),
            ToolOutput::StepComplete { checks, .. } => {
                format!("Step complete. Checks:\n{checks}")
            }
            ToolOutput::Plan(steps) => format!("Plan accepted with {} steps.", steps.len()),
        }
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

/// Tools in registration order: the order is what the model sees, and small models lean towards
/// the first tools listed, so the common ones come first.
#[derive(Clone, Default)]
pub struct ToolRegistry {
    tools: Vec<(String, Arc<dyn Tool>)>,
}

impl ToolRegistry {
    /// The tools of an instruction step.
    pub fn step_tools() -> Self {
        let mut r = Self::default();
        r.register(Arc::new(WriteFiles));
        r.register(Arc::new(EditFile));
        r.register(Arc::new(ReadFiles));
        r.register(Arc::new(RunChecks));
        r.register(Arc::new(StepComplete));
        r.register(Arc::new(ListFiles));
        r.register(Arc::new(DeleteFiles));
        r
    }

    /// A code step that names a test file to write: `write_tests` first, then the step tools.
    pub fn test_step_tools() -> Self {
        let mut r = Self::default();
        r.register(Arc::new(WriteTests));
        for (name, tool) in Self::step_tools().tools {
            r.tools.push((name, tool));
        }
        r
    }

    /// The step tools plus the design-space tools (for `--domain dse`).
    pub fn dse_step_tools() -> Self {
        let mut r = Self::step_tools();
        r.register(Arc::new(DseListEnvs));
        r.register(Arc::new(DseDescribeEnv));
        r.register(Arc::new(DseEvaluate));
        r.register(Arc::new(DseRunStudy));
        r
    }

    /// The outline step of a text run: `write_outline` first (small models favour the first
    /// tool), no chapter-writing distractions beyond what fixing the outline needs.
    pub fn text_outline_tools() -> Self {
        let mut r = Self::default();
        r.register(Arc::new(WriteOutline));
        r.register(Arc::new(StepComplete));
        r.register(Arc::new(ReadFiles));
        r.register(Arc::new(EditFile));
        r.register(Arc::new(WriteFiles));
        r.register(Arc::new(RunChecks));
        r
    }

    /// The chapter and review steps of a text run: `write_chapter` first, the file tools for
    /// notes and fixes after it.
    pub fn text_chapter_tools() -> Self {
        let mut r = Self::default();
        r.register(Arc::new(WriteChapter));
        r.register(Arc::new(StepComplete));
        r.register(Arc::new(EditFile));
        r.register(Arc::new(ReadFiles));
        r.register(Arc::new(WriteFiles));
        r.register(Arc::new(RunChecks));
        r.register(Arc::new(ListFiles));
        r.register(Arc::new(DeleteFiles));
        r
    }

    /// A step that writes one chapter: `write_chapter`, whole-file writes and reading, but no
    /// `edit_file`: with it the 1.5B model patched chapter files, turning section headings into
    /// prose and failing the coverage check for the rest of the step.
    pub fn text_write_chapter_tools() -> Self {
        let mut r = Self::default();
        r.register(Arc::new(WriteChapter));
        r.register(Arc::new(StepComplete));
        r.register(Arc::new(ReadFiles));
        r.register(Arc::new(WriteFiles));
        r.register(Arc::new(RunChecks));
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
            matches!(&out, ToolOutput::Text { is_error: true, text } if text.contains("not valid JSON")),
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
            matches!(&out, ToolOutput::Text { is_error: true, text } if text.contains("do not match its schema")),
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
        assert_eq!(
            ToolRegistry::test_step_tools().names(),
            [
                "write_tests",
                "write_files",
                "edit_file",
                "read_files",
                "run_checks",
                "step_complete",
                "list_files",
                "delete_files"
            ]
        );
    }
}
