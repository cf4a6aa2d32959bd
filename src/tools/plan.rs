//! The planner's only tool: `plan(steps)`. Validation and repair live in the control unit.

use serde::Deserialize;
use serde_json::{json, Value};

use super::{parse_args, Tool, ToolContext, ToolError, ToolOutput};
use crate::llm::ToolSpec;

pub struct Plan;

#[derive(Deserialize)]
struct PlanArgs {
    steps: Vec<Value>,
}

#[async_trait::async_trait]
impl Tool for Plan {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: "plan".into(),
            description:
                "Submit the plan: the ordered list of steps that together complete the task.".into(),
            parameters: json!({"type": "object", "properties": {"steps": {"type": "array", "items": {"type": "string"}, "description": "one instruction per step"}}, "required": ["steps"]}),
        }
    }
    async fn call(&self, args: Value, _ctx: &ToolContext) -> Result<ToolOutput, ToolError> {
        let args: PlanArgs = match parse_args("plan", args) {
            Ok(a) => a,
            Err(e) => return Ok(e),
        };
        // Small models sometimes send steps as objects ({"step": ..}, {"description": ..});
        // take the text rather than reject a usable plan.
        let steps = args
            .steps
            .into_iter()
            .filter_map(|v| match v {
                Value::String(s) => Some(s),
                Value::Object(o) => o
                    .values()
                    .filter_map(Value::as_str)
                    .max_by_key(|s| s.len())
                    .map(str::to_string),
                _ => None,
            })
            .collect();
        Ok(ToolOutput::plan(steps))
    }
}
