//! Steering as hooks: small functions that look at what just happened and return an action
//! (after rig's `AgentHook`), applied by the agent machine and the runner. Tools only report
//! (a write that changed nothing is an `Effect`); whether that ends the step is decided here,
//! from the model profile.

use crate::profile::ModelProfile;
use crate::tools::{Completion, Effect, ToolOutput};

/// What to do about a loop (the same reply cycle three times).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoopAction {
    /// Drop the repeats and start the step again from a fresh context.
    Restart,
    /// Keep the context; nudge and raise the temperature.
    Nudge,
}

/// The first `profile.loop_restarts` loops of a step get a fresh context: a raised temperature
/// alone rarely breaks a small model's loop, since the repeated replies in its context keep
/// pulling it back.
pub fn on_loop(restarts_so_far: u32, profile: &ModelProfile) -> LoopAction {
    if restarts_so_far < profile.loop_restarts {
        LoopAction::Restart
    } else {
        LoopAction::Nudge
    }
}

/// What to do after one tool result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterTool {
    Keep,
    /// Check the step as if the model had called `step_complete` with this summary.
    CheckAsComplete {
        summary: String,
    },
}

/// A small model that writes the same files again believes its step is done but rarely says so;
/// where the profile says so, the step is checked as if it had called `step_complete`.
pub fn after_tool(output: &ToolOutput, profile: &ModelProfile) -> AfterTool {
    match &output.effect {
        Effect::NoChange { paths } if profile.end_on_repeated_write => AfterTool::CheckAsComplete {
            summary: format!(
                "wrote {} (the step ended when the same content was written again and the checks passed)",
                paths.join(", ")
            ),
        },
        _ => AfterTool::Keep,
    }
}

/// The result the model sees after a `CheckAsComplete`: the step's end, or the write's own
/// result followed by why the step cannot end yet.
pub fn merge_completion(output: ToolOutput, completion: Completion) -> ToolOutput {
    match completion {
        Completion::Done { summary, checks } => ToolOutput::end_step(summary, &checks),
        Completion::NotYet(reason) => ToolOutput {
            text: format!(
                "{}\nSo the step was checked as if you had called step_complete: {reason}",
                output.text
            ),
            is_error: true,
            effect: output.effect,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unchanged() -> ToolOutput {
        ToolOutput::text("a.py unchanged", true).with_effect(Effect::NoChange {
            paths: vec!["a.py".into()],
        })
    }

    #[test]
    fn a_repeated_write_ends_the_step_only_for_the_small_profile() {
        assert_eq!(
            after_tool(&unchanged(), &ModelProfile::small()),
            AfterTool::CheckAsComplete {
                summary: "wrote a.py (the step ended when the same content was written again and the checks passed)".into()
            }
        );
        assert_eq!(
            after_tool(&unchanged(), &ModelProfile::standard()),
            AfterTool::Keep
        );
        assert_eq!(
            after_tool(&ToolOutput::ok("wrote a.py"), &ModelProfile::small()),
            AfterTool::Keep
        );
    }

    #[test]
    fn the_completion_check_ends_the_step_or_says_why_not() {
        let done = merge_completion(
            unchanged(),
            Completion::Done {
                summary: "s".into(),
                checks: "PASS x".into(),
            },
        );
        assert_eq!(done, ToolOutput::end_step("s", "PASS x"));
        let not_yet = merge_completion(unchanged(), Completion::NotYet("checks fail".into()));
        assert_eq!(
            not_yet.text,
            "a.py unchanged\nSo the step was checked as if you had called step_complete: checks fail"
        );
        assert!(not_yet.is_error);
        assert!(matches!(not_yet.effect, Effect::NoChange { .. }));
    }

    #[test]
    fn loops_restart_up_to_the_profile_limit() {
        let small = ModelProfile::small();
        assert_eq!(on_loop(0, &small), LoopAction::Restart);
        assert_eq!(on_loop(small.loop_restarts, &small), LoopAction::Nudge);
        assert_eq!(on_loop(0, &ModelProfile::standard()), LoopAction::Nudge);
    }
}
