//! The prompt templates (Tera files under `prompts/`), compiled into the binary so a run never
//! depends on the working directory, and rendered in one place.

use std::sync::OnceLock;

use serde::Serialize;
use tera::{Context, Tera};

#[derive(Debug, thiserror::Error)]
pub enum PromptError {
    #[error("prompt template `{name}` failed to render: {message}")]
    Render { name: String, message: String },
    #[error("the prompt templates failed to load: {0}")]
    Load(String),
}

macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../prompts/", $name)))),*]
    };
}

const TEMPLATES: &[(&str, &str)] = templates!(
    "planner_system.md",
    "planner_user.md",
    "plan_repair.md",
    "step_system.md",
    "step_user.md",
    "summarise.md",
    "loop_nudge.md",
    "text_tools.md",
    "plan_refine.md",
    "no_tool.md",
    "dse_blocks.md",
    "dse_tools.md",
    "step_system_text.md",
    "text_outline_step.md",
    "text_unit_step.md",
    "text_review_step.md",
    "bench_plain_system.md",
    "bench_plain_user.md",
    "step_system_blocks.md",
    "no_edit.md",
    "tests_only.md",
);

fn engine() -> Result<&'static Tera, PromptError> {
    static ENGINE: OnceLock<Result<Tera, String>> = OnceLock::new();
    ENGINE
        .get_or_init(|| {
            let mut tera = Tera::default();
            // Prompts are Markdown, not HTML: escaping would mangle code and quotes.
            tera.autoescape_on(vec![]);
            tera.add_raw_templates(TEMPLATES.iter().copied())
                .map_err(|e| format!("{e:?}"))?;
            Ok(tera)
        })
        .as_ref()
        .map_err(|e| PromptError::Load(e.clone()))
}

/// Renders `name` (e.g. "step_system.md") with `values` (any serialisable struct or map).
pub fn render<T: Serialize>(name: &str, values: &T) -> Result<String, PromptError> {
    let context = Context::from_serialize(values).map_err(|e| PromptError::Render {
        name: name.to_string(),
        message: e.to_string(),
    })?;
    engine()?
        .render(name, &context)
        .map_err(|e| PromptError::Render {
            name: name.to_string(),
            message: full_error(&e),
        })
        .map(|s| s.trim().to_string())
}

fn full_error(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_template_renders_with_its_values() {
        let out = render(
            "planner_system.md",
            &json!({"domain": "code", "domain_noun": "codebases", "max_steps": 5}),
        )
        .expect("render");
        assert!(out.contains("between 1 and 5 steps"));
        assert!(out.contains("Write tests together with the code they test"));
        let step = render(
            "step_user.md",
            &json!({"task": "T", "plan": ["a", "b"], "summaries": [{"number": 1, "summary": "did a"}],
                    "tree": "x.py (3 B)", "carry": "", "step_number": 2, "total": 2, "step": "b"}),
        )
        .expect("render");
        assert!(step.contains("2. b   <- your step"), "{step}");
        assert!(step.contains("- Step 1: did a"));
        assert!(!step.contains("Your progress so far"));
    }

    #[test]
    fn missing_values_are_a_clear_error() {
        let err = render("planner_user.md", &json!({})).expect_err("missing task");
        assert!(err.to_string().contains("planner_user.md"), "{err}");
    }
}
