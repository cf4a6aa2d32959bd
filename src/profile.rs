//! Every model quirk in one place (after codex-rs's model families): a `ModelProfile` is chosen
//! from the provider and model name, saved with the run, and read by the client (tool calling,
//! server compatibility), the domains (which tools a step offers, what its prompt inlines), the
//! tools (write guards) and the agent's hooks (loop restarts, ending on a repeated write). A strong
//! API model gets a clean path; the small local model gets the guards its transcripts called for.

use serde::{Deserialize, Serialize};

use crate::llm::{Compat, ToolMode};

/// The two families l2mac knows. `Small` is everything learned from Qwen2.5-Coder-1.5B on
/// llama-cpp-python; `Standard` is an OpenAI-class endpoint that follows tool schemas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    #[default]
    Small,
    Standard,
}

impl Family {
    pub fn as_str(&self) -> &'static str {
        match self {
            Family::Small => "small",
            Family::Standard => "standard",
        }
    }
}

impl std::str::FromStr for Family {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "small" => Ok(Family::Small),
            "standard" => Ok(Family::Standard),
            other => Err(format!(
                "unknown model profile `{other}`: use `small` or `standard`"
            )),
        }
    }
}

/// Refusals and repairs `write_files` applies before writing. Each was added for a failure seen
/// in a small model's transcripts; a model that does not make the mistake pays nothing for an
/// absent guard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteGuards {
    /// A raw line break inside a one-line Python string (a JSON `\n` meant as Python's) is
    /// written as `\n`.
    pub repair_broken_strings: bool,
    /// A write that would drop top-level definitions the file has is refused.
    pub refuse_dropped_definitions: bool,
    /// A new file whose content is exactly another file's is refused.
    pub refuse_copies: bool,
    /// A test file without tests, or one that redefines the tested module, is refused.
    pub refuse_bad_test_files: bool,
    /// A file written as one line of literal `\n` escapes is reported as an error.
    pub flag_double_escaped: bool,
    /// A file that uses a name one other project module defines gets the import
    /// (`tools::autoimport`); a test file's copies of its module's definitions are cut
    /// (`tools::testimports`). Runs saved before the field existed get it on.
    #[serde(default = "on")]
    pub repair_imports: bool,
    /// A new file whose path differs from a project file (or a file the step names) only in
    /// letter case (`Roman.py` for `roman.py`) is written to that file.
    #[serde(default = "on")]
    pub fix_path_case: bool,
}

fn on() -> bool {
    true
}

impl WriteGuards {
    pub const ALL: WriteGuards = WriteGuards {
        repair_broken_strings: true,
        refuse_dropped_definitions: true,
        refuse_copies: true,
        refuse_bad_test_files: true,
        flag_double_escaped: true,
        repair_imports: true,
        fix_path_case: true,
    };
    pub const NONE: WriteGuards = WriteGuards {
        repair_broken_strings: false,
        refuse_dropped_definitions: false,
        refuse_copies: false,
        refuse_bad_test_files: false,
        flag_double_escaped: false,
        repair_imports: false,
        fix_path_case: false,
    };
}

impl Default for WriteGuards {
    fn default() -> Self {
        WriteGuards::ALL
    }
}

/// How a code step's files reach the store: through tool calls (`write_files`, code inside a
/// JSON string) or as plain text the control unit reads (a path line and a fenced block, or
/// SEARCH/REPLACE blocks; `crate::edit`). Small models write far better code in plain text
/// (issue 13): a JSON string turned their indentation and class headers into nonsense.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum EditFormat {
    /// Native or text-mode tool calls (the only format before issue 13, so the serde default).
    #[default]
    Tools,
    /// Whole files and SEARCH/REPLACE blocks in the reply; no JSON from the model.
    Blocks,
}

impl std::str::FromStr for EditFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "tools" => Ok(EditFormat::Tools),
            "blocks" => Ok(EditFormat::Blocks),
            other => Err(format!(
                "unknown edit format `{other}`: use `tools` or `blocks`"
            )),
        }
    }
}

/// How one model family is driven. Saved in run.json, so a resumed run is driven the same way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelProfile {
    pub family: Family,
    /// Native tool calls, or JSON calls written in the text.
    pub tool_mode: ToolMode,
    /// Server quirks of the endpoint (llama-cpp-python's tool-choice handling and templates).
    pub compat: Compat,
    pub guards: WriteGuards,
    /// Steps that name a test file get `write_tests` (cases in, pytest file out) as first tool.
    pub write_tests_tool: bool,
    /// Chapter steps offer `edit_file` (the 1.5B model turned headings into prose with it).
    pub edit_in_chapters: bool,
    /// A step's prompt shows the project's files in full while they fit (small models rarely
    /// read before writing).
    pub inline_files: bool,
    /// A step's prompt lists the tested module's names and a test-file starter.
    pub test_hints: bool,
    /// Loops (the same reply cycle three times) answered by a fresh context, per step; later
    /// loops only get a nudge and a raised temperature.
    pub loop_restarts: u32,
    /// A turn whose writes all changed nothing ends the step as if `step_complete` were called
    /// (a small model that rewrites its files believes it is done but rarely says so).
    pub end_on_repeated_write: bool,
    /// How code steps write files. Runs saved before issue 13 have no such field: tools.
    #[serde(default)]
    pub edit_format: EditFormat,
    /// Plain-text candidates sampled (at spread temperatures) for a code step's first reply; the
    /// one that best passes the step's checks and the task's stated examples is kept. 1 = no
    /// sampling. Only used with `EditFormat::Blocks`.
    #[serde(default = "one")]
    pub candidates: u32,
    /// Replies a plain-text tests-only step gets after its first when its tests still fail (the
    /// module is not changed there, so a test the model cannot get right costs turns only).
    #[serde(default = "one")]
    pub test_repairs: u32,
    /// A planned step that only tests the module the step before it wrote is folded into that
    /// step, so each sampled candidate brings its module with its own tests and the candidates
    /// can be checked against each other's tests (a tests-only step cannot fix the module). Such
    /// a step's tests that still fail after `test_repairs` repairs are dropped, as a tests-only
    /// step's are.
    #[serde(default)]
    pub tests_with_code: bool,
    /// A code run starts with a draft step: the whole project in one plain-text reply, sampled
    /// as any first reply is, kept as the best candidate and not repaired; the planned steps
    /// then only run where the draft's files, names or checks fall short. The model alone, asked
    /// once, beat l2mac's step-by-step writing on single-module tasks (issue 13).
    #[serde(default)]
    pub draft_first: bool,
    /// At the run's end, the project is put back to the step end that scores best on what the
    /// run can see (the task's stated examples and names, imports, every test file the run wrote)
    /// when the last state scores worse: a late repair can break what an earlier step had right.
    #[serde(default)]
    pub keep_best: bool,
}

fn one() -> u32 {
    1
}

impl ModelProfile {
    /// For the 1.5B local model: plain-text code steps with three first-reply candidates, and
    /// every guard and hook of the tool path (used by its other steps).
    pub fn small() -> Self {
        ModelProfile {
            family: Family::Small,
            tool_mode: ToolMode::Native,
            compat: Compat::llama_cpp(),
            guards: WriteGuards::ALL,
            write_tests_tool: true,
            edit_in_chapters: false,
            inline_files: true,
            test_hints: true,
            loop_restarts: 2,
            end_on_repeated_write: true,
            edit_format: EditFormat::Blocks,
            candidates: 3,
            test_repairs: 1,
            tests_with_code: true,
            draft_first: true,
            keep_best: true,
        }
    }

    /// A model that follows tool schemas: native calls, no guards, the full tool set.
    pub fn standard() -> Self {
        ModelProfile {
            family: Family::Standard,
            tool_mode: ToolMode::Native,
            compat: Compat::standard(),
            guards: WriteGuards::NONE,
            write_tests_tool: false,
            edit_in_chapters: true,
            inline_files: false,
            test_hints: false,
            loop_restarts: 0,
            end_on_repeated_write: false,
            edit_format: EditFormat::Tools,
            candidates: 1,
            test_repairs: 1,
            tests_with_code: false,
            draft_first: false,
            keep_best: false,
        }
    }

    pub fn for_family(family: Family) -> Self {
        match family {
            Family::Small => Self::small(),
            Family::Standard => Self::standard(),
        }
    }

    /// The family for a provider and model: the embedded server and small open models (by the
    /// parameter count in their name) are `Small`, anything else `Standard`.
    pub fn family_for(local_provider: bool, model: &str) -> Family {
        if local_provider || is_small_model_name(model) {
            Family::Small
        } else {
            Family::Standard
        }
    }
}

impl Default for ModelProfile {
    fn default() -> Self {
        Self::small()
    }
}

/// Model names that state a size of at most 3 billion parameters (`qwen2.5-coder:1.5b`,
/// `SmolLM2-135M`, `llama-3.2-3b-instruct`), or a local GGUF file.
fn is_small_model_name(model: &str) -> bool {
    let lower = model.to_ascii_lowercase();
    if lower.ends_with(".gguf") {
        return true;
    }
    lower
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '.'))
        .any(|token| {
            let (number, scale) = match token.strip_suffix('b') {
                Some(n) => (n, 1.0),
                None => match token.strip_suffix('m') {
                    Some(n) => (n, 0.001),
                    None => return false,
                },
            };
            number
                .parse::<f64>()
                .is_ok_and(|n| n > 0.0 && n * scale <= 3.0)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_family_follows_the_provider_and_the_size_in_the_name() {
        for small in [
            "qwen2.5-coder:1.5b",
            "Qwen2.5-Coder-1.5B-Instruct",
            "SmolLM2-135M-Instruct",
            "llama-3.2-3b-instruct",
            "/models/x.gguf",
        ] {
            assert_eq!(
                ModelProfile::family_for(false, small),
                Family::Small,
                "{small}"
            );
        }
        for standard in [
            "gpt-4o-mini",
            "gpt-4.1",
            "qwen2.5-coder:32b",
            "claude-3-5-sonnet",
            "o3",
        ] {
            assert_eq!(
                ModelProfile::family_for(false, standard),
                Family::Standard,
                "{standard}"
            );
        }
        assert_eq!(ModelProfile::family_for(true, "gpt-4o"), Family::Small);
    }

    #[test]
    fn the_standard_profile_has_no_small_model_guard_or_hook() {
        let p = ModelProfile::standard();
        assert_eq!(p.guards, WriteGuards::NONE);
        assert!(!p.end_on_repeated_write && p.loop_restarts == 0 && !p.write_tests_tool);
        assert!(!p.compat.single_forced_tool && !p.compat.hermes_history);
        assert_eq!(ModelProfile::default(), ModelProfile::small());
        assert_eq!("Standard".parse::<Family>(), Ok(Family::Standard));
        assert!("huge".parse::<Family>().is_err());
    }
}
