//! How a text run is planned: step 1 writes the outline, then the runner turns the outline into
//! one instruction per unit and a closing review, so the plan and the outline always agree.
//! Each step gets the checks that fit it (see `checks_for_step`).

use serde_json::json;

use super::checks::{Required, TextCheckOptions, DEFAULT_TOLERANCE};
use super::outline::Outline;
use crate::prompts::{self, PromptError};

/// Units an outline may have when a run allows `max_steps` steps: one step is the outline and
/// one the review.
pub fn max_units(max_steps: usize) -> usize {
    max_steps.saturating_sub(2).max(1)
}

/// The first (and before the outline exists, only) instruction of a text run.
pub fn outline_instruction(max_units: usize) -> Result<String, PromptError> {
    prompts::render("text_outline_step.md", &json!({"max_units": max_units}))
}

/// One instruction per unit, in outline order, then the review.
pub fn unit_instructions(outline: &Outline) -> Result<Vec<String>, PromptError> {
    let mut steps = Vec::with_capacity(outline.units.len() + 1);
    for unit in &outline.units {
        steps.push(prompts::render(
            "text_unit_step.md",
            &json!({"title": unit.title, "file": unit.file, "words": unit.words,
                    "sections": unit.sections}),
        )?);
    }
    steps.push(prompts::render(
        "text_review_step.md",
        &json!({"units": outline.units.len()}),
    )?);
    Ok(steps)
}

/// The checks of step `index` of `plan` (None: the run's final checks). The outline step needs
/// no chapter yet, a unit step needs the file its instruction names, the review (the last step
/// of an expanded plan) and the end of the run need every one.
pub fn checks_for_step(
    plan: &[String],
    index: Option<usize>,
    max_units: usize,
) -> TextCheckOptions {
    let required = match index {
        None => Required::All,
        Some(0) => Required::Outline,
        Some(i) if i + 1 == plan.len() => Required::All,
        Some(i) => Required::NamedIn(plan.get(i).cloned().unwrap_or_default()),
    };
    TextCheckOptions {
        required,
        tolerance: DEFAULT_TOLERANCE,
        max_units: Some(max_units),
        require_notes: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::outline::parse;

    #[test]
    fn instructions_name_each_file_its_sections_and_target() {
        let outline = parse("# G\n## Chapter 1: Start {words=500}\n### Install\n### Run\n## Chapter 2: End {words=300}\n").expect("outline");
        let steps = unit_instructions(&outline).expect("render");
        assert_eq!(steps.len(), 3);
        assert_eq!(
            steps[0],
            "Write `chapters/01-start.md`: call `write_chapter` with that path and the text of each section (`Install`, `Run`), about 500 words in all; l2mac adds the heading `# Chapter 1: Start` and the section headings. Use the names, terms and facts in notes.md, and put the new ones you decide in `new_notes`; then call `step_complete`."
        );
        assert_eq!(
            steps[1],
            "Write `chapters/02-end.md`: call `write_chapter` with that path and the text of each section, about 300 words in all; l2mac adds the heading `# Chapter 2: End` and the section headings. Use the names, terms and facts in notes.md, and put the new ones you decide in `new_notes`; then call `step_complete`."
        );
        assert!(
            steps[2].starts_with("Review the whole document"),
            "{}",
            steps[2]
        );
        assert!(outline_instruction(4)
            .expect("render")
            .contains("its chapters (1 to 4;"));
    }

    #[test]
    fn each_step_requires_what_it_writes() {
        let plan: Vec<String> = vec![
            "outline".into(),
            "Write `chapters/01-a.md`".into(),
            "review".into(),
        ];
        assert_eq!(
            checks_for_step(&plan, Some(0), 3).required,
            Required::Outline
        );
        assert_eq!(
            checks_for_step(&plan, Some(1), 3).required,
            Required::NamedIn("Write `chapters/01-a.md`".into())
        );
        assert_eq!(checks_for_step(&plan, Some(2), 3).required, Required::All);
        assert_eq!(checks_for_step(&plan, None, 3).required, Required::All);
        assert_eq!(
            checks_for_step(&plan[..1], Some(0), 3).required,
            Required::Outline
        );
        assert_eq!((max_units(8), max_units(1)), (6, 1));
    }
}
