//! Whether a study spec and its report answer the task they were written for (issue 13, item 6).
//! A local model copied the prompt's example study (another trace, another objective, another
//! limit) and the run ended "Complete": the study ran and the report quoted it, so every other
//! check passed. These checks compare what the spec searches for with what the task says, in the
//! task's own words: the metrics it names, the figures it gives as limits, the files it names for
//! an option, and whether the report says a limit it could not meet was not met.

use crate::dse::{Bound, EnvDescription, StudySpec};

/// Phrases that ask for a metric to be as small as possible.
const LOWER: &[&str] = &[
    "as low as possible",
    "as small as possible",
    "as short as possible",
    "lowest",
    "minimi",
    "smallest",
    "shortest",
    "fewest",
    "least",
    "fastest",
];
/// Phrases that ask for a metric to be as large as possible.
const HIGHER: &[&str] = &[
    "as high as possible",
    "as large as possible",
    "highest",
    "maximi",
    "largest",
    "greatest",
];
/// Phrases that put a limit on a metric.
const LIMIT: &[&str] = &[
    "under ",
    "below ",
    "above ",
    "at most",
    "at least",
    "less than",
    "more than",
    "no more than",
    "not exceed",
    "within ",
    "<",
    ">",
    "≤",
    "≥",
];
/// Ways a report says a limit was not met.
const NOT_MET: &[&str] = &[
    "not met",
    "unmet",
    "violat",
    "infeasible",
    "exceed",
    "not satisf",
    "did not meet",
    "does not meet",
    "doesn't meet",
    "didn't meet",
    "cannot meet",
    "could not meet",
    "no configuration",
    "none of",
    "over the limit",
    "above the limit",
];
/// Unit scalings a figure in prose may have against the value in a spec (W vs mW, us vs ns).
const SCALES: [f64; 5] = [1.0, 1e3, 1e-3, 1e6, 1e-6];

/// What the spec searches for that the task does not ask for, one sentence each; empty when it
/// agrees with the task (or the task says nothing the checks can read).
pub fn task_misses(spec: &StudySpec, env: &EnvDescription, task: &str) -> Vec<String> {
    let task_lc = task.to_lowercase();
    let sentences = sentences(&task_lc);
    let named: Vec<&str> = env
        .metrics
        .iter()
        .map(|m| m.name.as_str())
        .filter(|m| metric_named(m, &task_lc))
        .collect();
    let mut misses = Vec::new();
    if !named.is_empty() {
        for m in super::studies::objective_metrics(spec) {
            if !named.contains(&m.as_str()) {
                misses.push(format!(
                    "the objective uses `{m}`, which the task does not ask about (it names {})",
                    quoted_list(&named)
                ));
            }
        }
        misses.extend(direction_misses(spec, &sentences));
        misses.extend(missing_limits(spec, &named, &sentences));
    }
    misses.extend(bound_misses(spec, task));
    misses.extend(option_misses(spec, env, task));
    misses
}

/// The objective's direction against the task's words: a metric minimised must share a sentence
/// with a "lowest"-like phrase when the task has such phrases, and likewise for maximising.
fn direction_misses(spec: &StudySpec, sentences: &[String]) -> Vec<String> {
    let mut misses = Vec::new();
    let asks = |words: &[&str], metric: &str| {
        sentences
            .iter()
            .any(|s| metric_named(metric, s) && words.iter().any(|w| s.contains(w)))
    };
    let any_asks = |words: &[&str]| {
        sentences
            .iter()
            .any(|s| words.iter().any(|w| s.contains(w)))
    };
    if let Some(m) = &spec.objective.minimize {
        if any_asks(LOWER) && !asks(LOWER, m) {
            misses.push(format!(
                "the study minimises `{m}`, but the task asks for the lowest {}",
                what_is_asked(LOWER, sentences)
            ));
        }
        if asks(HIGHER, m) && !asks(LOWER, m) {
            misses.push(format!(
                "the study minimises `{m}`, but the task wants it as high as possible: use `maximize`"
            ));
        }
    }
    if let Some(m) = &spec.objective.maximize {
        if any_asks(HIGHER) && !asks(HIGHER, m) {
            misses.push(format!(
                "the study maximises `{m}`, but the task asks for the highest {}",
                what_is_asked(HIGHER, sentences)
            ));
        }
        if asks(LOWER, m) && !asks(HIGHER, m) {
            misses.push(format!(
                "the study maximises `{m}`, but the task wants it as low as possible: use `minimize`"
            ));
        }
    }
    misses
}

/// The part of the task's sentences that asks for a direction, for the message.
fn what_is_asked(words: &[&str], sentences: &[String]) -> String {
    sentences
        .iter()
        .find(|s| words.iter().any(|w| s.contains(w)))
        .map(|s| format!("in \"{}\"", s.trim()))
        .unwrap_or_default()
}

/// A metric the task limits ("power under 1 W") needs a constraint or target in the spec.
fn missing_limits(spec: &StudySpec, named: &[&str], sentences: &[String]) -> Vec<String> {
    let bounded: Vec<&str> = bounds(spec).map(|b| b.metric.as_str()).collect();
    let mut misses = Vec::new();
    for m in named {
        if bounded.contains(m) {
            continue;
        }
        let limited = sentences.iter().any(|s| {
            mentions(s, m).iter().any(|&at| {
                let after = &s[at..s.len().min(at + 60)];
                LIMIT.iter().any(|w| after.contains(w)) && after.chars().any(|c| c.is_ascii_digit())
            })
        });
        if limited {
            misses.push(format!(
                "the task puts a limit on `{m}`, but the spec has no `[[objective.constraint]]` on it"
            ));
        }
    }
    misses
}

/// Every bound's value must be a figure the task states (in the metric's unit or scaled).
fn bound_misses(spec: &StudySpec, task: &str) -> Vec<String> {
    let figures = super::studies::numbers_in(task);
    if figures.is_empty() {
        return Vec::new();
    }
    bounds(spec)
        .filter(|b| {
            !figures
                .iter()
                .any(|&n| SCALES.iter().any(|s| close(n, b.value * s)))
        })
        .map(|b| {
            format!(
                "the limit `{} {} {}` is not one the task states",
                b.metric,
                b.op.as_str(),
                b.value
            )
        })
        .collect()
}

/// An option whose default is a file (`trace = "stream.stl"`) must be a file the task names
/// when the task names files of that kind.
fn option_misses(spec: &StudySpec, env: &EnvDescription, task: &str) -> Vec<String> {
    let words = file_words(task);
    let mut misses = Vec::new();
    for opt in &env.options {
        let Some(ext) = extension(&opt.default) else {
            continue;
        };
        let asked: Vec<&str> = words
            .iter()
            .map(String::as_str)
            .filter(|w| extension(w) == Some(ext))
            .collect();
        if asked.is_empty() {
            continue;
        }
        let used = spec
            .env
            .get(&opt.name)
            .and_then(|v| v.as_str())
            .unwrap_or(&opt.default);
        if !asked.iter().any(|a| base_name(a) == base_name(used)) {
            misses.push(format!(
                "`{}` is `{used}`, but the task names {}",
                opt.name,
                quoted_list(&asked)
            ));
        }
    }
    misses
}

/// When the quoted study's best point breaks a limit, the report must say the limit was not met.
pub fn unmet_unsaid(report: &str, spec_path: &str, violation: f64) -> Option<String> {
    if violation <= 0.0 {
        return None;
    }
    let lc = report.to_lowercase();
    if NOT_MET.iter().any(|w| lc.contains(w)) {
        return None;
    }
    Some(format!(
        "the best point of {spec_path} breaks a limit of the study (no trial met it), but the report does not say so: say plainly that the limit was not met"
    ))
}

fn bounds(spec: &StudySpec) -> impl Iterator<Item = &Bound> {
    spec.objective
        .constraint
        .iter()
        .chain(spec.objective.target.iter())
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * b.abs().max(f64::MIN_POSITIVE)
}

/// The task cut into sentences: at `.`, `!`, `?` before a space or line end, and at blank lines;
/// whitespace inside a sentence made single spaces.
fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        cur.push(c);
        let next = chars.peek().copied();
        let ends = matches!(c, '.' | '!' | '?') && next.is_none_or(char::is_whitespace)
            || c == '\n' && next == Some('\n');
        if ends {
            out.push(std::mem::take(&mut cur));
        }
    }
    out.push(cur);
    // One space between words, so "under\n1 W" reads as "under 1 W".
    out.iter()
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|s| !s.is_empty())
        .collect()
}

/// Where `text` (lower case) names the metric: its name, or its CamelCase words spaced
/// (`AvgLatency` as "avglatency", "avg latency" or "average latency").
fn mentions(text: &str, metric: &str) -> Vec<usize> {
    let words = camel_words(metric);
    let mut forms = vec![words.concat(), words.join(" ")];
    if words.first().is_some_and(|w| w == "avg") {
        let mut avg = words.clone();
        avg[0] = "average".into();
        forms.push(avg.join(" "));
    }
    let mut at = Vec::new();
    for form in forms {
        for (i, _) in text.match_indices(form.as_str()) {
            let before = text[..i].chars().next_back();
            let after = text[i + form.len()..].chars().next();
            let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
            if boundary(before) && boundary(after) {
                at.push(i);
            }
        }
    }
    at
}

fn metric_named(metric: &str, text_lc: &str) -> bool {
    !mentions(text_lc, metric).is_empty()
}

fn camel_words(name: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for c in name.chars() {
        if c.is_uppercase() || words.is_empty() {
            words.push(String::new());
        }
        if let Some(w) = words.last_mut() {
            w.extend(c.to_lowercase());
        }
    }
    words
}

/// The words of `text` that look like file names (`cloud-1.stl`, `policy.json`).
fn file_words(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || "`'\"()[],;:".contains(c))
        .map(|w| w.trim_end_matches(['.', '!', '?']))
        .filter(|w| extension(w).is_some())
        .map(str::to_string)
        .collect()
}

/// A file name's extension: letters after the last dot, after at least one other character.
fn extension(name: &str) -> Option<&str> {
    let (stem, ext) = name.rsplit_once('.')?;
    let is_ext = !stem.is_empty()
        && (2..=5).contains(&ext.len())
        && ext.chars().all(|c| c.is_ascii_alphabetic());
    is_ext.then_some(ext)
}

fn base_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

fn quoted_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLOUD1: &str = "# DRAM controller for the cloud-1 workload\n\nFind a DDR3 memory-controller \
        configuration for the `cloud-1.stl` trace whose average power is under\n1 W (1000 mW) and \
        whose latency (the trace's total simulated time) is as low as possible.\n\nUse the \
        design-space tools: describe the `dram` environment, write a study spec\n\
        `studies/cloud1.toml`, run it, and write `report.md` with the best\nconfiguration, its \
        power, latency and energy as the tools reported them,\nand whether the power limit was met.\n";

    fn dram() -> EnvDescription {
        crate::dse::describe_env_in("dram", std::path::Path::new(".")).expect("dram env")
    }

    fn spec(body: &str) -> StudySpec {
        StudySpec::from_toml_str(
            &format!("budget = 10\n[agent]\nname = \"random\"\n{body}"),
            "studies/cloud1.toml",
        )
        .expect("spec")
    }

    #[test]
    fn the_spec_the_task_asks_for_passes() {
        let s = spec(
            "[env]\nname = \"dram\"\ntrace = \"cloud-1.stl\"\n[objective]\nminimize = \"Latency\"\n\
             [[objective.constraint]]\nmetric = \"Power\"\nop = \"<=\"\nvalue = 1000\n",
        );
        assert_eq!(task_misses(&s, &dram(), CLOUD1), Vec::<String>::new());
    }

    #[test]
    fn the_prompt_example_copied_fails_naming_each_difference() {
        // What a local-model run wrote: the prompt's neutral example, unchanged.
        let s = spec(
            "[env]\nname = \"dram\"\ntrace = \"random.stl\"\n[objective]\nminimize = \"Energy\"\n\
             [[objective.constraint]]\nmetric = \"AvgLatency\"\nop = \"<=\"\nvalue = 40\n",
        );
        let misses = task_misses(&s, &dram(), CLOUD1).join("\n");
        assert!(misses.contains("uses `AvgLatency`, which the task does not ask about"));
        assert!(misses.contains("minimises `Energy`, but the task asks for the lowest"));
        assert!(misses.contains("a limit on `Power`, but the spec has no"));
        assert!(misses.contains("the limit `AvgLatency <= 40` is not one the task states"));
        assert!(misses.contains("`trace` is `random.stl`, but the task names `cloud-1.stl`"));
    }

    #[test]
    fn swapping_objective_and_limit_fails() {
        let s = spec(
            "[env]\nname = \"dram\"\ntrace = \"cloud-1.stl\"\n[objective]\nminimize = \"Power\"\n\
             [[objective.constraint]]\nmetric = \"Latency\"\nop = \"<=\"\nvalue = 1\n",
        );
        let misses = task_misses(&s, &dram(), CLOUD1).join("\n");
        assert!(misses.contains("a limit on `Power`"), "{misses}");
    }

    #[test]
    fn the_default_trace_counts_as_the_spec_s_choice() {
        let s = spec(
            "[env]\nname = \"dram\"\n[objective]\nminimize = \"Latency\"\n\
             [[objective.constraint]]\nmetric = \"Power\"\nop = \"<=\"\nvalue = 1\n",
        );
        let misses = task_misses(&s, &dram(), CLOUD1);
        assert_eq!(
            misses,
            vec!["`trace` is `stream.stl`, but the task names `cloud-1.stl`".to_string()]
        );
    }

    #[test]
    fn a_task_in_other_words_is_not_second_guessed() {
        let s = spec("[env]\nname = \"dram\"\n[objective]\nminimize = \"Energy\"\n");
        let task = "Search the memory controller design space and tell me what you find.";
        assert_eq!(task_misses(&s, &dram(), task), Vec::<String>::new());
    }

    #[test]
    fn a_report_must_say_an_unmet_limit_was_not_met() {
        let said = unmet_unsaid("Power: 1200 mW. The limit was met.", "studies/a.toml", 0.2);
        assert!(said.is_some_and(|m| m.contains("does not say so")));
        assert_eq!(
            unmet_unsaid(
                "Power 1200 mW exceeds the 1 W limit.",
                "studies/a.toml",
                0.2
            ),
            None
        );
        assert_eq!(unmet_unsaid("All met.", "studies/a.toml", 0.0), None);
    }

    #[test]
    fn metric_names_are_read_as_words() {
        assert!(metric_named(
            "AvgLatency",
            "the average latency of a request"
        ));
        assert!(metric_named("Latency", "whose latency is low"));
        assert!(!metric_named("AvgLatency", "whose latency is low"));
        assert!(!metric_named("Power", "powerful"));
    }
}
