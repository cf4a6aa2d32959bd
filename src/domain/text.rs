//! The text domain's plan: step 1 writes the outline, then one chapter step per outline unit and
//! a closing review are added from the outline, so the plan and the outline always agree. Each
//! step gets the checks that fit it.

use std::sync::Arc;

use serde_json::json;

use super::{Domain, DomainError, DomainKind, Expansion, NewStep, PromptParts, StepKind, StepView};
use crate::profile::ModelProfile;
use crate::prompts::{self, PromptError};
use crate::store::FileStore;
use crate::text::{self, Outline, Required, TextCheckOptions, DEFAULT_TOLERANCE};
use crate::tools::{
    Checker, DeleteFiles, EditFile, ListFiles, ReadFiles, RunChecks, StepComplete, StepScope, Tool,
    ToolRegistry, WriteChapter, WriteFiles, WriteOutline,
};

pub struct TextDomain;

/// Units an outline may have when a run allows `max_steps` steps: one step is the outline and
/// one the review.
pub fn max_units(max_steps: usize) -> usize {
    max_steps.saturating_sub(2).max(1)
}

#[async_trait::async_trait]
impl Domain for TextDomain {
    fn kind(&self) -> DomainKind {
        DomainKind::Text
    }

    fn first_steps(&self, max_steps: usize) -> Result<Option<Vec<NewStep>>, DomainError> {
        let max_units = max_units(max_steps);
        Ok(Some(vec![NewStep {
            text: prompts::render("text_outline_step.md", &json!({"max_units": max_units}))?,
            kind: StepKind::Outline { max_units },
        }]))
    }

    /// A text run plans itself (`first_steps`); steps from elsewhere work on the whole document.
    fn steps_from_planner(&self, texts: Vec<String>, _task: &str) -> Vec<NewStep> {
        texts
            .into_iter()
            .map(|text| NewStep {
                text,
                kind: StepKind::Review,
            })
            .collect()
    }

    fn expand(&self, plan: &[StepView<'_>], store: &FileStore) -> Result<Expansion, DomainError> {
        let [only] = plan else {
            return Ok(Expansion::Nothing);
        };
        if !only.done || !matches!(only.kind, StepKind::Outline { .. }) {
            return Ok(Expansion::Nothing);
        }
        match text::read_outline(store) {
            Ok(outline) => Ok(Expansion::Append(unit_steps(&outline)?)),
            Err(e) => Ok(Expansion::Warn(format!(
                "the outline step ended without a usable outline: {e}"
            ))),
        }
    }

    fn tools(&self, kind: &StepKind, profile: &ModelProfile) -> ToolRegistry {
        let tools: Vec<Arc<dyn Tool>> = match kind {
            // `write_outline` first (small models favour the first tool), no chapter-writing
            // distractions beyond what fixing the outline needs.
            StepKind::Outline { .. } => vec![
                Arc::new(WriteOutline),
                Arc::new(StepComplete),
                Arc::new(ReadFiles),
                Arc::new(EditFile),
                Arc::new(WriteFiles),
                Arc::new(RunChecks),
            ],
            // Without `edit_file` where the profile says so: with it the 1.5B model patched
            // chapter files, turning section headings into prose and failing the coverage
            // check for the rest of the step.
            StepKind::Chapter { .. } if !profile.edit_in_chapters => vec![
                Arc::new(WriteChapter),
                Arc::new(StepComplete),
                Arc::new(ReadFiles),
                Arc::new(WriteFiles),
                Arc::new(RunChecks),
            ],
            _ => vec![
                Arc::new(WriteChapter),
                Arc::new(StepComplete),
                Arc::new(EditFile),
                Arc::new(ReadFiles),
                Arc::new(WriteFiles),
                Arc::new(RunChecks),
                Arc::new(ListFiles),
                Arc::new(DeleteFiles),
            ],
        };
        ToolRegistry::of(tools)
    }

    /// Text runs have their own file checks (outline coverage) instead of expected files. The
    /// outline step needs no chapter yet, a chapter step its own file, the review every one.
    fn scope(&self, kind: &StepKind, max_steps: usize) -> StepScope {
        let required = match kind {
            StepKind::Outline { .. } => Required::Outline,
            StepKind::Chapter { file, .. } => Required::Files(vec![file.clone()]),
            _ => Required::All,
        };
        StepScope {
            checker: checker(required, max_steps),
            ..StepScope::default()
        }
    }

    fn final_checker(&self, max_steps: usize) -> Checker {
        checker(Required::All, max_steps)
    }

    fn prompt_parts(
        &self,
        _task: &str,
        _kind: &StepKind,
        store: &FileStore,
        _profile: &ModelProfile,
        _context_window: usize,
    ) -> Result<PromptParts, DomainError> {
        Ok(PromptParts {
            system_template: "step_system_text.md",
            notes: text::notes_for_prompt(store),
            ..PromptParts::default()
        })
    }

    async fn finish(&self, store: &FileStore) -> Option<String> {
        Some(text::finish_run(store).await)
    }
}

fn checker(required: Required, max_steps: usize) -> Checker {
    Checker::Text(TextCheckOptions {
        required,
        tolerance: DEFAULT_TOLERANCE,
        max_units: Some(max_units(max_steps)),
        require_notes: true,
    })
}

/// One step per unit, in outline order, then the review.
fn unit_steps(outline: &Outline) -> Result<Vec<NewStep>, PromptError> {
    let mut steps = Vec::with_capacity(outline.units.len() + 1);
    for unit in &outline.units {
        steps.push(NewStep {
            text: prompts::render(
                "text_unit_step.md",
                &json!({"title": unit.title, "file": unit.file, "words": unit.words,
                        "sections": unit.sections}),
            )?,
            kind: StepKind::Chapter {
                file: unit.file.clone(),
                title: unit.title.clone(),
                words: unit.words,
                sections: unit.sections.clone(),
            },
        });
    }
    steps.push(NewStep {
        text: prompts::render(
            "text_review_step.md",
            &json!({"units": outline.units.len()}),
        )?,
        kind: StepKind::Review,
    });
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::outline::parse;

    #[test]
    fn instructions_name_each_file_its_sections_and_target() {
        let outline = parse("# G\n## Chapter 1: Start {words=500}\n### Install\n### Run\n## Chapter 2: End {words=300}\n").expect("outline");
        let steps = unit_steps(&outline).expect("render");
        assert_eq!(steps.len(), 3);
        assert_eq!(
            steps[0].text,
            "Write `chapters/01-start.md`: call `write_chapter` with that path and the text of each section (`Install`, `Run`), about 500 words in all; l2mac adds the heading `# Chapter 1: Start` and the section headings. Use the names, terms and facts in notes.md, and put the new ones you decide in `new_notes`; then call `step_complete`."
        );
        assert_eq!(
            steps[0].kind,
            StepKind::Chapter {
                file: "chapters/01-start.md".into(),
                title: "Chapter 1: Start".into(),
                words: 500,
                sections: vec!["Install".into(), "Run".into()],
            }
        );
        assert_eq!(
            steps[1].text,
            "Write `chapters/02-end.md`: call `write_chapter` with that path and the text of each section, about 300 words in all; l2mac adds the heading `# Chapter 2: End` and the section headings. Use the names, terms and facts in notes.md, and put the new ones you decide in `new_notes`; then call `step_complete`."
        );
        assert!(
            steps[2].text.starts_with("Review the whole document"),
            "{}",
            steps[2].text
        );
        assert_eq!(steps[2].kind, StepKind::Review);
        let first = TextDomain.first_steps(6).expect("render").expect("steps");
        assert!(first[0].text.contains("its chapters (1 to 4;"));
        assert_eq!(first[0].kind, StepKind::Outline { max_units: 4 });
    }

    #[test]
    fn each_step_requires_what_it_writes() {
        let required = |kind: &StepKind| match TextDomain.scope(kind, 3).checker {
            Checker::Text(opts) => opts.required,
            other => panic!("unexpected {other:?}"),
        };
        assert_eq!(
            required(&StepKind::Outline { max_units: 1 }),
            Required::Outline
        );
        let chapter = StepKind::Chapter {
            file: "chapters/01-a.md".into(),
            title: "A".into(),
            words: 100,
            sections: vec![],
        };
        assert_eq!(
            required(&chapter),
            Required::Files(vec!["chapters/01-a.md".into()])
        );
        assert_eq!(required(&StepKind::Review), Required::All);
        assert!(
            matches!(TextDomain.final_checker(3), Checker::Text(o) if o.required == Required::All)
        );
        assert_eq!((max_units(8), max_units(1)), (6, 1));
    }

    #[test]
    fn chapter_steps_offer_edit_file_only_where_the_profile_allows() {
        let chapter = StepKind::Chapter {
            file: "c.md".into(),
            title: "C".into(),
            words: 10,
            sections: vec![],
        };
        let small = TextDomain.tools(&chapter, &ModelProfile::small()).names();
        assert!(!small.iter().any(|n| n == "edit_file"), "{small:?}");
        let standard = TextDomain
            .tools(&chapter, &ModelProfile::standard())
            .names();
        assert!(standard.iter().any(|n| n == "edit_file"), "{standard:?}");
        let review = TextDomain
            .tools(&StepKind::Review, &ModelProfile::small())
            .names();
        assert_eq!(review[0], "write_chapter");
    }
}
