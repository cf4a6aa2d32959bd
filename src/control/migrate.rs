//! Loading a run.json written by an older l2mac: the one place that still reads a step's text
//! to learn what it is, because version 1 saved no step kinds. It runs once, at load; the next
//! save writes the current version.

use serde_json::Value;

use super::state::STATE_VERSION;
use crate::domain::{self, DomainKind, StepKind};

/// The sentence of `prompts/text_unit_step.md` (version 1) that marked a chapter step.
const V1_CHAPTER_MARK: &str = "call `write_chapter` with that path";

/// Brings a saved state up to `STATE_VERSION`, or says why it cannot.
pub fn migrate(mut state: Value) -> Result<Value, String> {
    let version = state.get("version").and_then(Value::as_u64).unwrap_or(0);
    if version == u64::from(STATE_VERSION) {
        return Ok(state);
    }
    if version != 1 {
        return Err(format!(
            "run.json has version {version}; this l2mac reads versions 1 and {STATE_VERSION}"
        ));
    }
    let domain: DomainKind = match state.pointer("/settings/domain") {
        Some(v) => {
            serde_json::from_value(v.clone()).map_err(|e| format!("settings.domain: {e}"))?
        }
        None => DomainKind::Code,
    };
    let task = state
        .get("task")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let max_steps = state
        .pointer("/settings/max_steps")
        .and_then(Value::as_u64)
        .unwrap_or(8) as usize;
    let steps = state
        .get_mut("plan")
        .and_then(Value::as_array_mut)
        .ok_or("run.json has no `plan` list")?;
    let texts: Vec<String> = steps
        .iter()
        .map(|step| {
            step.get("text")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    let kinds = v1_kinds(domain, &task, texts, max_steps);
    for (step, kind) in steps.iter_mut().zip(kinds) {
        let kind = serde_json::to_value(kind).map_err(|e| e.to_string())?;
        if let Some(obj) = step.as_object_mut() {
            obj.insert("kind".into(), kind);
        }
    }
    // Version 1 drove every model the way the small profile does now.
    if let Some(settings) = state.get_mut("settings").and_then(Value::as_object_mut) {
        let profile = serde_json::to_value(crate::profile::ModelProfile::small())
            .map_err(|e| e.to_string())?;
        settings.entry("profile").or_insert(profile);
    }
    state["version"] = Value::from(STATE_VERSION);
    Ok(state)
}

/// What version 1 decided from each step's text. Code and dse steps were read as the planner's
/// steps still are (the files and promised names they name), so their domain reads them again;
/// text steps by position and by the chapter instruction's wording.
fn v1_kinds(domain: DomainKind, task: &str, texts: Vec<String>, max_steps: usize) -> Vec<StepKind> {
    if domain != DomainKind::Text {
        return domain
            .domain()
            .steps_from_planner(texts, task)
            .into_iter()
            .map(|step| step.kind)
            .collect();
    }
    texts
        .iter()
        .enumerate()
        .map(|(index, text)| match index {
            0 => StepKind::Outline {
                max_units: domain::max_units(max_steps),
            },
            _ if text.contains(V1_CHAPTER_MARK) => v1_chapter(text),
            _ => StepKind::Review,
        })
        .collect()
}

/// "Write `FILE`: call `write_chapter` ... (`S1`, `S2`), about N words in all; l2mac adds the
/// heading `# TITLE` ..."
fn v1_chapter(text: &str) -> StepKind {
    let between = |start: &str, end: char| -> Option<String> {
        let from = text.find(start)? + start.len();
        let len = text[from..].find(end)?;
        Some(text[from..from + len].to_string())
    };
    let file = between("`", '`').unwrap_or_default();
    let title = between("heading `# ", '`').unwrap_or_default();
    let words = between("about ", ' ')
        .and_then(|w| w.parse().ok())
        .unwrap_or(0);
    let sections = between("each section (", ')')
        .map(|list| {
            list.split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    StepKind::Chapter {
        file,
        title,
        words,
        sections,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn v1(domain: &str, task: &str, steps: &[&str]) -> Value {
        json!({"version": 1, "task": task, "settings": {"domain": domain, "max_steps": 6},
               "plan": steps.iter().map(|t| json!({"text": t})).collect::<Vec<_>>()})
    }

    #[test]
    fn a_version_1_code_plan_gets_the_kinds_its_texts_implied() {
        let state = migrate(v1(
            "code",
            "Write `to_roman(n)` in roman.py",
            &["Write roman.py with to_roman", "Write test_roman.py"],
        ))
        .expect("migrate");
        assert_eq!(state["version"], 2);
        assert_eq!(
            state["plan"][0]["kind"],
            json!({"kind": "code", "deliverables": ["roman.py"], "tests": [],
                   "promised": [{"name": "to_roman", "signature": "to_roman(n)", "top_level": true}]})
        );
        assert_eq!(state["plan"][1]["kind"]["tests"], json!(["test_roman.py"]));
        assert_eq!(state["settings"]["profile"]["family"], "small");
    }

    #[test]
    fn a_version_1_text_plan_gets_outline_chapter_and_review() {
        let chapter = "Write `chapters/01-start.md`: call `write_chapter` with that path and the text of each section (`Install`, `Run`), about 500 words in all; l2mac adds the heading `# Chapter 1: Start` and the section headings.";
        let state = migrate(v1(
            "text",
            "a guide",
            &["Plan the document", chapter, "Review the whole document"],
        ))
        .expect("migrate");
        let kinds: Vec<StepKind> = state["plan"]
            .as_array()
            .expect("plan")
            .iter()
            .map(|s| serde_json::from_value(s["kind"].clone()).expect("kind"))
            .collect();
        assert_eq!(
            kinds,
            vec![
                StepKind::Outline { max_units: 4 },
                StepKind::Chapter {
                    file: "chapters/01-start.md".into(),
                    title: "Chapter 1: Start".into(),
                    words: 500,
                    sections: vec!["Install".into(), "Run".into()],
                },
                StepKind::Review,
            ]
        );
    }

    #[test]
    fn an_unknown_version_is_refused_with_its_number() {
        let err = migrate(json!({"version": 7, "plan": []})).expect_err("refused");
        assert_eq!(
            err,
            "run.json has version 7; this l2mac reads versions 1 and 2"
        );
        let current = json!({"version": 2, "plan": []});
        assert_eq!(migrate(current.clone()), Ok(current));
    }
}
