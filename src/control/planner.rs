//! Turning the model's `plan` call into a usable instruction registry: clean-up, validation and
//! repair, since small models send numbered, duplicated, empty or too many steps.

/// Cleans a step list: trims, strips list numbering ("1.", "Step 2:", "- "), drops empty and
/// duplicate steps. Returns the problem when the list is unusable.
pub fn validate(steps: &[String], max_steps: usize) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for raw in steps {
        let s = strip_numbering(raw.trim());
        if s.is_empty() || out.iter().any(|o| o == s) {
            continue;
        }
        out.push(s.to_string());
    }
    if out.is_empty() {
        return Err("the plan has no non-empty steps".into());
    }
    if out.len() > max_steps {
        return Err(format!(
            "the plan has {} steps but at most {max_steps} are allowed; merge related steps",
            out.len()
        ));
    }
    Ok(out)
}

/// Last resort for an over-long plan: keep the first `max_steps - 1` steps and merge the rest
/// into the last one, so no instruction is silently dropped.
pub fn merge_overflow(mut steps: Vec<String>, max_steps: usize) -> Vec<String> {
    let max_steps = max_steps.max(1);
    if steps.len() <= max_steps {
        return steps;
    }
    let tail = steps.split_off(max_steps - 1);
    steps.push(tail.join(" Then: "));
    steps
}

/// Reads a plan written as a numbered or bulleted list in plain text (a model that ignored the
/// tool). Only lines that look like list items count.
pub fn steps_from_text(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| {
            let first = l.chars().next();
            matches!(first, Some('-') | Some('*'))
                || (first.is_some_and(|c| c.is_ascii_digit())
                    && l.trim_start_matches(|c: char| c.is_ascii_digit())
                        .starts_with(['.', ')', ':']))
        })
        .map(|l| strip_numbering(l).to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

fn strip_numbering(s: &str) -> &str {
    let mut t = s.trim();
    for prefix in ["Step", "step", "STEP"] {
        if let Some(rest) = t.strip_prefix(prefix) {
            let digits = rest.trim_start();
            if digits.starts_with(|c: char| c.is_ascii_digit()) {
                t = digits;
            }
        }
    }
    let after_digits = t.trim_start_matches(|c: char| c.is_ascii_digit());
    if after_digits.len() != t.len() {
        if let Some(rest) = after_digits.strip_prefix(['.', ')', ':']) {
            t = rest.trim_start();
        }
    }
    t.trim_start_matches(['-', '*']).trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn cleans_numbering_blanks_and_duplicates() {
        let steps = v(&[
            "1. Write a.py",
            "Step 2: write tests",
            "",
            "  ",
            "- Write a.py",
            "3) Run",
        ]);
        assert_eq!(
            validate(&steps, 5),
            Ok(v(&["Write a.py", "write tests", "Run"]))
        );
    }

    #[test]
    fn rejects_empty_and_overlong_plans() {
        assert_eq!(
            validate(&v(&["", " "]), 3),
            Err("the plan has no non-empty steps".into())
        );
        assert_eq!(
            validate(&v(&["a", "b", "c"]), 2),
            Err("the plan has 3 steps but at most 2 are allowed; merge related steps".into())
        );
    }

    #[test]
    fn merges_overflow_into_the_last_step() {
        assert_eq!(
            merge_overflow(v(&["a", "b", "c", "d"]), 2),
            v(&["a", "b Then: c Then: d"])
        );
        assert_eq!(merge_overflow(v(&["a"]), 2), v(&["a"]));
    }

    #[test]
    fn reads_lists_from_text() {
        let text = "Here is the plan:\n1. Write x\n2) Test x\n- Docs\nThanks";
        assert_eq!(steps_from_text(text), v(&["Write x", "Test x", "Docs"]));
    }
}
