//! What kind of work a run produces, as data and one type per kind: a step's `StepKind` (set
//! when the step is made and saved in run.json) and a `Domain` (code, text, dse) that turns step
//! kinds into tool sets, check scopes and prompt parts. Domains sit below the control unit: they
//! get what they need as arguments and return data, so the runner holds no branch on the domain
//! and a new domain is one new file plus its prompts.

mod code;
mod dse;
mod text;

use serde::{Deserialize, Serialize};

pub use code::{file_contents, file_contents_where, files_named_in, promised_in, CodeDomain};
pub use dse::DseDomain;
pub use text::{max_units, TextDomain};

use crate::profile::{EditFormat, ModelProfile};
use crate::prompts::PromptError;
use crate::store::{FileStore, StoreError};
use crate::tools::interface::Promised;
use crate::tools::{Checker, StepScope, ToolRegistry};

/// The kinds of run l2mac knows; picks the `Domain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum DomainKind {
    #[default]
    Code,
    /// Architecture-search studies: the agent also gets the `dse_*` simulator tools.
    Dse,
    /// Long documents: an outline, one file per chapter, notes, an assembled book.
    Text,
}

impl DomainKind {
    pub const ALL: [DomainKind; 3] = [DomainKind::Code, DomainKind::Dse, DomainKind::Text];

    pub fn as_str(&self) -> &'static str {
        match self {
            DomainKind::Code => "code",
            DomainKind::Dse => "dse",
            DomainKind::Text => "text",
        }
    }

    /// What the domain makes, for the planner's prompt.
    pub fn noun(&self) -> &'static str {
        match self {
            DomainKind::Code => "software projects",
            DomainKind::Dse => "architecture-search studies",
            DomainKind::Text => "long documents (books, reports, guides)",
        }
    }

    /// The domain's behaviour.
    pub fn domain(&self) -> Box<dyn Domain> {
        match self {
            DomainKind::Code => Box::new(CodeDomain),
            DomainKind::Dse => Box::new(DseDomain),
            DomainKind::Text => Box::new(TextDomain),
        }
    }
}

impl StepKind {
    /// Whether this is a code run's draft step.
    pub fn is_draft(&self) -> bool {
        matches!(self, StepKind::Code { draft: true, .. })
    }
}

impl std::str::FromStr for DomainKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        DomainKind::ALL
            .into_iter()
            .find(|d| d.as_str() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| format!("unknown domain `{s}`: use code, dse or text"))
    }
}

/// What a step is, decided by whoever made the step (the planner, or a domain expanding its
/// plan). Nothing reads a step's text to learn this.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StepKind {
    /// A step of a code run: the files it must leave, the test files among them, and the names
    /// the task promises that it must define.
    Code {
        deliverables: Vec<String>,
        tests: Vec<String>,
        promised: Vec<Promised>,
        /// The draft step (`ModelProfile::draft_first`): every file of the plan in one reply,
        /// ended after its first (sampled) reply whatever the checks say.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        draft: bool,
    },
    /// A step of an architecture-search run (the code tools plus the simulators).
    Study {
        deliverables: Vec<String>,
        promised: Vec<Promised>,
    },
    /// A text run's first step: the outline, with at most `max_units` chapters.
    Outline { max_units: usize },
    /// One chapter of a text run.
    Chapter {
        file: String,
        title: String,
        words: usize,
        sections: Vec<String>,
    },
    /// A text run's last step: the whole document.
    Review,
}

/// A step as a domain makes it: the instruction the model reads and what it is.
#[derive(Debug, Clone, PartialEq)]
pub struct NewStep {
    pub text: String,
    pub kind: StepKind,
}

/// A step of the plan as a domain sees it when deciding whether to add steps.
#[derive(Debug, Clone, Copy)]
pub struct StepView<'a> {
    pub kind: &'a StepKind,
    pub done: bool,
}

/// What `Domain::expand` asks the control unit to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Expansion {
    Nothing,
    Append(Vec<NewStep>),
    /// The plan cannot grow yet; say why.
    Warn(String),
}

/// The domain's parts of a step's prompt.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PromptParts {
    pub system_template: &'static str,
    /// Extra tool documentation for the system prompt.
    pub extra_tools: String,
    /// notes.md of a text run.
    pub notes: String,
    /// The project's files in full.
    pub contents: String,
    /// How to write the step's test files.
    pub test_hints: String,
    /// The path a plain-text prompt's format example shows: one of the step's own files, because
    /// a small model copies the example's path verbatim (it wrote `path/to/roman.py`).
    pub example_path: String,
}

#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    #[error(transparent)]
    Prompt(#[from] PromptError),
    #[error("file store: {0}")]
    Store(#[from] StoreError),
}

/// One kind of work. Every method gets what it needs as arguments and returns data.
#[async_trait::async_trait]
pub trait Domain: Send + Sync {
    fn kind(&self) -> DomainKind;

    /// The run's first steps when the domain plans them itself (text: the outline step); `None`
    /// (the default) asks the planner model.
    fn first_steps(&self, _max_steps: usize) -> Result<Option<Vec<NewStep>>, DomainError> {
        Ok(None)
    }

    /// The planner's step texts as steps of this domain.
    fn steps_from_planner(&self, texts: Vec<String>, task: &str) -> Vec<NewStep>;

    /// The planned steps reshaped for how `profile`'s model works (code: a tests-only step folded
    /// into the step that writes its module). Not applied to migrated plans, whose step numbers
    /// a saved run already refers to.
    fn shape_plan(&self, steps: Vec<NewStep>, _profile: &ModelProfile) -> Vec<NewStep> {
        steps
    }

    /// Steps to add once the plan has reached a point the domain waits for (text: the outline
    /// written). Called before every step, so a run killed in between still grows on resume.
    fn expand(&self, _plan: &[StepView<'_>], _store: &FileStore) -> Result<Expansion, DomainError> {
        Ok(Expansion::Nothing)
    }

    /// How a step of `kind` writes its files: tool calls unless the domain reads plain-text
    /// blocks for that kind and the profile asks for them.
    fn edit_format(&self, _kind: &StepKind, _profile: &ModelProfile) -> EditFormat {
        EditFormat::Tools
    }

    /// The tools a step of `kind` offers, in the order the model sees them.
    fn tools(&self, kind: &StepKind, profile: &ModelProfile) -> ToolRegistry;

    /// What a step of `kind` must deliver and which checks gate it, in a run of at most
    /// `max_steps` steps.
    fn scope(&self, kind: &StepKind, max_steps: usize) -> StepScope;

    /// Files the run must have made by its end, whatever its plan said (dse: the study specs and
    /// reports the task names).
    fn final_files(&self, _task: &str) -> Vec<String> {
        Vec::new()
    }

    /// Whether the run's end state may be put back to an earlier step's end that scores better
    /// (`ModelProfile::keep_best`): only where a state can be scored (code: stated examples,
    /// names, imports, tests).
    fn scores_end_states(&self) -> bool {
        false
    }

    /// The checks at the end of the run.
    fn final_checker(&self, _max_steps: usize) -> Checker {
        Checker::Commands
    }

    /// The domain's parts of the prompt of a step of `kind` in a run of `task`.
    fn prompt_parts(
        &self,
        task: &str,
        kind: &StepKind,
        store: &FileStore,
        profile: &ModelProfile,
        context_window: usize,
    ) -> Result<PromptParts, DomainError>;

    /// What the run made besides its files, for the report (text: the assembled book).
    async fn finish(&self, _store: &FileStore) -> Option<String> {
        None
    }
}

/// The scope of a code or study step: its files must exist and its promised names be defined.
/// Other kinds gate on the checks alone.
fn deliverables_scope(kind: &StepKind) -> StepScope {
    match kind {
        StepKind::Code {
            deliverables,
            promised,
            tests,
            ..
        } => StepScope {
            expected_files: deliverables.clone(),
            expected_names: promised.clone(),
            checker: Checker::Commands,
            tests_only: !tests.is_empty() && deliverables.iter().all(|d| tests.contains(d)),
            ..StepScope::default()
        },
        StepKind::Study {
            deliverables,
            promised,
        } => StepScope {
            expected_files: deliverables.clone(),
            expected_names: promised.clone(),
            checker: Checker::Commands,
            ..StepScope::default()
        },
        _ => StepScope::default(),
    }
}
