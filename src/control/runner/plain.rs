//! The runner's plain-text step work (issue 13): sampling a step's first reply and scoring the
//! candidates, and ending a step with nothing to write without asking the model.

use serde_json::json;

use super::{now, Runner};
use crate::control::agent::StepAgent;
use crate::control::events::Event;
use crate::control::state::StepStatus;
use crate::control::ControlError;
use crate::control::{agree, blocks};
use crate::llm::{ChatRequest, ChatResponse, LlmError};
use crate::tools::{check_completion, Completion, ToolContext};

impl Runner<'_> {
    /// A plain-text step that names no file to write, whose promised names exist and whose
    /// checks already pass ("run the tests and finish"), is done without a model call: asked
    /// anyway, the small model rewrites working files or answers with prose three times over.
    /// After a draft step, so is a step whose files the draft wrote: the draft was the whole
    /// project, and the planned steps are there to fix what it left short.
    pub(super) async fn nothing_to_do(
        &self,
        agent: &StepAgent,
        ctx: &ToolContext,
    ) -> Result<Option<String>, ControlError> {
        let fresh = agent.turns == 0 && agent.restarts == 0;
        let drafted = self.after_draft(agent.step_index);
        let files = &ctx.step.expected_files;
        let written = match drafted {
            true => files.iter().all(|f| ctx.store.exists(f)),
            false => files.is_empty(),
        };
        if !fresh
            || agent.format != crate::profile::EditFormat::Blocks
            || !written
            || self.ctx.store.list(None)?.is_empty()
        {
            return Ok(None);
        }
        let summary = match files.is_empty() {
            true => "nothing to write: the step names no file, and the project's checks already pass",
            false => "nothing to fix: the draft wrote this step's files, they define the task's names and the checks pass",
        };
        Ok(match check_completion(ctx, summary).await? {
            Completion::Done { summary, .. } => Some(summary),
            Completion::NotYet(_) => None,
        })
    }

    /// Whether step `index` is a planned step after a finished draft step.
    pub(super) fn after_draft(&self, index: usize) -> bool {
        self.state
            .plan
            .first()
            .is_some_and(|s| s.kind.is_draft() && s.status == StepStatus::Done)
            && !self.state.plan[index].kind.is_draft()
    }

    /// A plain-text step's first reply, sampled once per temperature: each candidate is scored on
    /// a scratch copy of the project (`blocks::score`) and the best kept. Sampling stops early
    /// at a candidate with nothing left to gain, so a model that gets it right pays for one call;
    /// a step that writes a module with its tests draws them all and ranks the modules by how
    /// many of every candidate's test cases they pass (`agree`).
    pub(super) async fn sample(
        &mut self,
        index: usize,
        ctx: &ToolContext,
        request: &ChatRequest,
        temperatures: &[f32],
    ) -> Result<ChatResponse, ControlError> {
        let mut kept: Vec<(ChatResponse, blocks::Score)> = Vec::new();
        for &temperature in temperatures {
            if !kept.is_empty() && self.budget_exhausted() {
                break;
            }
            let mut request = request.clone();
            request.temperature = temperature;
            let response = match self.call_model(Some(index), &request).await {
                Ok(r) => r,
                // One failed candidate is not the step's end while another is in hand.
                Err(ControlError::Llm(e))
                    if !kept.is_empty() && !matches!(e, LlmError::ContextLength(_)) =>
                {
                    self.emit(Event::Warning {
                        message: format!("step {}: a candidate failed: {e}", index + 1),
                    });
                    break;
                }
                Err(e) => return Err(e),
            };
            let step = &mut self.state.plan[index];
            step.prompt_tokens += response.usage.prompt_tokens;
            step.completion_tokens += response.usage.completion_tokens;
            let score = blocks::score(ctx, &response.message.content).await?;
            // A module that passes only its own tests has nothing to be checked against yet.
            let perfect = score.perfect() && !agree::applies(ctx, &self.state.settings.profile);
            kept.push((response, score));
            if perfect {
                break;
            }
        }
        if kept.len() > 1 && agree::applies(ctx, &self.state.settings.profile) {
            let replies: Vec<&str> = kept
                .iter()
                .map(|(r, _)| r.message.content.as_str())
                .collect();
            let agreement = agree::agreement(ctx, &replies).await?;
            for ((_, score), passed) in kept.iter_mut().zip(agreement) {
                score.agreement = Some(passed);
            }
        }
        let scores: Vec<blocks::Score> = kept.iter().map(|(_, s)| s.clone()).collect();
        let best = blocks::best(&scores).unwrap_or(0);
        self.dir
            .append_transcript(&json!({"ts": now(), "step": index + 1,
            "kind": "candidates", "temperatures": temperatures, "scores": scores, "kept": best}))?;
        self.emit(Event::CandidatesScored {
            step: index,
            scores: scores.iter().map(blocks::Score::describe).collect(),
            kept: best,
        });
        Ok(kept.swap_remove(best).0)
    }
}
