//! The architecture-search domain: code steps whose agent also calls the simulators
//! (`dse_list_envs`, `dse_describe_env`, `dse_evaluate`, `dse_run_study`) and writes a study
//! and its report.

use std::sync::Arc;

use serde_json::json;

use super::code::{file_contents_where, files_named_in, planned_steps};
use super::{deliverables_scope, Domain, DomainError, DomainKind, NewStep, PromptParts, StepKind};
use crate::dse;
use crate::profile::{EditFormat, ModelProfile};
use crate::prompts;
use crate::store::FileStore;
use crate::tools::{
    step_tool_list, studies, Checker, DseDescribeEnv, DseEvaluate, DseListEnvs, DseRunStudy,
    StepScope, Tool, ToolRegistry,
};

pub struct DseDomain;

#[async_trait::async_trait]
impl Domain for DseDomain {
    fn kind(&self) -> DomainKind {
        DomainKind::Dse
    }

    /// A small model's plan often names no file ("write_study_spec"): the study specs and reports
    /// the task names that no step does become the last step's files, so the run cannot end
    /// without them.
    fn steps_from_planner(&self, texts: Vec<String>, task: &str) -> Vec<NewStep> {
        let mut steps = planned_steps(texts, task, |deliverables, promised| StepKind::Study {
            deliverables,
            promised,
        });
        let named: Vec<String> = steps
            .iter()
            .flat_map(|s| match &s.kind {
                StepKind::Study { deliverables, .. } => deliverables.clone(),
                _ => Vec::new(),
            })
            .collect();
        let unplanned: Vec<String> = self
            .final_files(task)
            .into_iter()
            .filter(|f| !named.contains(f))
            .collect();
        if let Some(StepKind::Study { deliverables, .. }) = steps.last_mut().map(|s| &mut s.kind) {
            deliverables.extend(unplanned);
        }
        steps
    }

    /// The study specs (`studies/NAME.toml`) and top-level reports (`NAME.md`) the task names.
    fn final_files(&self, task: &str) -> Vec<String> {
        files_named_in(task)
            .into_iter()
            .filter(|f| {
                f.strip_prefix("studies/")
                    .is_some_and(|r| !r.contains('/') && r.ends_with(".toml"))
                    || (!f.contains('/') && f.ends_with(".md"))
            })
            .collect()
    }

    /// Study steps take the profile's format: a small model writes its study as a TOML block and
    /// the checks run it.
    fn edit_format(&self, kind: &StepKind, profile: &ModelProfile) -> EditFormat {
        match kind {
            StepKind::Study { .. } => profile.edit_format,
            _ => EditFormat::Tools,
        }
    }

    fn tools(&self, _kind: &StepKind, _profile: &ModelProfile) -> ToolRegistry {
        let mut tools: Vec<Arc<dyn Tool>> = step_tool_list();
        tools.push(Arc::new(DseListEnvs));
        tools.push(Arc::new(DseDescribeEnv));
        tools.push(Arc::new(DseEvaluate));
        tools.push(Arc::new(DseRunStudy));
        ToolRegistry::of(tools)
    }

    /// A study step's files must exist, and every study spec runs as a check; its reports must
    /// quote the results.
    fn scope(&self, kind: &StepKind, _max_steps: usize) -> StepScope {
        StepScope {
            checker: Checker::Studies,
            ..deliverables_scope(kind)
        }
    }

    fn final_checker(&self, _max_steps: usize) -> Checker {
        Checker::Studies
    }

    fn prompt_parts(
        &self,
        task: &str,
        kind: &StepKind,
        store: &FileStore,
        profile: &ModelProfile,
        context_window: usize,
    ) -> Result<PromptParts, DomainError> {
        if self.edit_format(kind, profile) == EditFormat::Tools {
            return Ok(PromptParts {
                system_template: "step_system.md",
                extra_tools: prompts::render("dse_tools.md", &json!({}))?,
                ..PromptParts::default()
            });
        }
        let deliverables = match kind {
            StepKind::Study { deliverables, .. } => deliverables.as_slice(),
            _ => &[],
        };
        let results = studies::results_for_prompt(store);
        // The environments a task names, described in full: the model never calls a tool.
        let envs: Vec<String> = named_envs(task)
            .iter()
            .filter_map(|name| dse::describe_env_in(name, store.root()).ok())
            .map(|d| dse::cli::describe_text(&d))
            .collect();
        let example_path = deliverables
            .iter()
            .find(|f| f.starts_with("studies/") && f.ends_with(".toml"))
            .cloned()
            .unwrap_or_else(|| "studies/search.toml".to_string());
        let example_name = example_path
            .trim_start_matches("studies/")
            .trim_end_matches(".toml")
            .to_string();
        Ok(PromptParts {
            system_template: "step_system_blocks.md",
            extra_tools: prompts::render(
                "dse_blocks.md",
                &json!({"envs": envs, "example_path": example_path, "example_name": example_name}),
            )?,
            contents: {
                // The results folders hold a database, a CSV and plots: their summary is below.
                let files = file_contents_where(store, context_window * 3 / 4, |p| {
                    !p.strip_prefix("studies/").is_some_and(|r| r.contains('/'))
                })?;
                match results.is_empty() {
                    true => files,
                    false => format!(
                        "{files}\n## What the studies found (run by the control unit)\n{results}"
                    ),
                }
            },
            example_path: deliverables.first().cloned().unwrap_or(example_path),
            ..PromptParts::default()
        })
    }
}

/// The environments `task` names as a word (`dram`, `timeloop`), in the order listed.
fn named_envs(task: &str) -> Vec<String> {
    let words: Vec<&str> = task
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .collect();
    dse::list_envs()
        .into_iter()
        .map(|e| e.name)
        .filter(|name| words.contains(&name.as_str()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_the_task_names_and_no_step_does_go_to_the_last_step() {
        let task = "Write a study spec `studies/cloud1.toml`, run it, and write `report.md`.\n\
                    Run it with: `l2mac run --domain dse --task-file examples/tasks/dram-cloud1.md`";
        assert_eq!(
            DseDomain.final_files(task),
            ["studies/cloud1.toml", "report.md"]
        );
        let steps = DseDomain.steps_from_planner(
            vec!["describe_dram_environment".into(), "write_report".into()],
            task,
        );
        assert_eq!(
            DseDomain.scope(&steps[0].kind, 8).expected_files,
            Vec::<String>::new()
        );
        assert_eq!(
            DseDomain.scope(&steps[1].kind, 8).expected_files,
            ["studies/cloud1.toml", "report.md"]
        );
    }

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
