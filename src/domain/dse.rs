//! The architecture-search domain: code steps whose agent also calls the simulators
//! (`dse_list_envs`, `dse_describe_env`, `dse_evaluate`, `dse_run_study`) and writes a study
//! and its report.

use std::sync::Arc;

use serde_json::json;

use super::code::planned_steps;
use super::{deliverables_scope, Domain, DomainError, DomainKind, NewStep, PromptParts, StepKind};
use crate::profile::ModelProfile;
use crate::prompts;
use crate::store::FileStore;
use crate::tools::{
    step_tool_list, DseDescribeEnv, DseEvaluate, DseListEnvs, DseRunStudy, StepScope, Tool,
    ToolRegistry,
};

pub struct DseDomain;

#[async_trait::async_trait]
impl Domain for DseDomain {
    fn kind(&self) -> DomainKind {
        DomainKind::Dse
    }

    fn steps_from_planner(&self, texts: Vec<String>, task: &str) -> Vec<NewStep> {
        planned_steps(texts, task, |deliverables, promised| StepKind::Study {
            deliverables,
            promised,
        })
    }

    fn tools(&self, _kind: &StepKind, _profile: &ModelProfile) -> ToolRegistry {
        let mut tools: Vec<Arc<dyn Tool>> = step_tool_list();
        tools.push(Arc::new(DseListEnvs));
        tools.push(Arc::new(DseDescribeEnv));
        tools.push(Arc::new(DseEvaluate));
        tools.push(Arc::new(DseRunStudy));
        ToolRegistry::of(tools)
    }

    fn scope(&self, kind: &StepKind, _max_steps: usize) -> StepScope {
        deliverables_scope(kind)
    }

    fn prompt_parts(
        &self,
        _kind: &StepKind,
        _store: &FileStore,
        _profile: &ModelProfile,
        _context_window: usize,
    ) -> Result<PromptParts, DomainError> {
        Ok(PromptParts {
            system_template: "step_system.md",
            extra_tools: prompts::render("dse_tools.md", &json!({}))?,
            ..PromptParts::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn study_steps_get_the_simulator_tools_and_their_files() {
        let steps = DseDomain.steps_from_planner(
            vec!["Run the study and write report.md".into()],
            "Find the best DRAM config",
        );
        let scope = DseDomain.scope(&steps[0].kind, 8);
        assert_eq!(scope.expected_files, ["report.md"]);
        let names = DseDomain
            .tools(&steps[0].kind, &ModelProfile::small())
            .names();
        assert_eq!(names.len(), 11);
        assert!(names.iter().any(|n| n == "dse_run_study"), "{names:?}");
    }
}
