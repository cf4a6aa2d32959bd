//! The bench's results: one row per run, medians per task and method, totals per method, as the
//! Markdown that goes into results.md and BENCHMARKS.md.

use serde::Serialize;

/// The methods in the order their rows appear.
pub const METHODS: [&str; 4] = [
    "l2mac",
    "plain single call",
    "best-of-N plain",
    "tool single call",
];

#[derive(Debug, Clone, Serialize)]
pub struct Score {
    pub task: String,
    pub method: String,
    pub temperature: f32,
    pub acceptance_passed: usize,
    pub acceptance_total: usize,
    pub own_tests_passed: usize,
    pub own_tests_failed: usize,
    pub lines: usize,
    pub model_calls: u64,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub seconds: f64,
    /// How the files came about (blocks parsed, candidates and how one was chosen).
    pub note: String,
}

pub fn row(s: &Score) -> String {
    format!(
        "| {} | {} | {:.1} | {}/{} | {}/{} | {} | {} | {} / {} | {:.0} | {} |",
        s.task,
        s.method,
        s.temperature,
        s.acceptance_passed,
        s.acceptance_total,
        s.own_tests_passed,
        s.own_tests_passed + s.own_tests_failed,
        s.lines,
        s.model_calls,
        s.prompt_tokens,
        s.completion_tokens,
        s.seconds,
        s.note
    )
}

/// Median of a list (the mean of the middle two for even lengths; 0 for none).
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    match n {
        0 => 0.0,
        _ if n % 2 == 1 => v[n / 2],
        _ => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

pub fn table(scores: &[Score]) -> String {
    let mut t = String::from("| task | method | temp | acceptance passed | own tests passed | lines | model calls | tokens in / out | seconds | note |\n|---|---|---|---|---|---|---|---|---|---|\n");
    for s in scores {
        t.push_str(&row(s));
        t.push('\n');
    }
    t.push_str("\nMedians over the repeats of each task:\n\n| task | method | runs | acceptance passed (median) | lines | model calls | tokens in / out | seconds |\n|---|---|---|---|---|---|---|---|\n");
    let mut names: Vec<&str> = scores.iter().map(|s| s.task.as_str()).collect();
    names.sort();
    names.dedup();
    for name in names {
        for method in METHODS {
            let mine: Vec<&Score> = scores
                .iter()
                .filter(|s| s.task == name && s.method == method)
                .collect();
            if mine.is_empty() {
                continue;
            }
            let med = |f: &dyn Fn(&Score) -> f64| median(mine.iter().map(|s| f(s)).collect());
            t.push_str(&format!(
                "| {name} | {method} | {} | {:.1}/{} | {:.0} | {:.0} | {:.0} / {:.0} | {:.0} |\n",
                mine.len(),
                med(&|s| s.acceptance_passed as f64),
                mine[0].acceptance_total,
                med(&|s| s.lines as f64),
                med(&|s| s.model_calls as f64),
                med(&|s| s.prompt_tokens as f64),
                med(&|s| s.completion_tokens as f64),
                med(&|s| s.seconds),
            ));
        }
    }
    for method in METHODS {
        let mine: Vec<&Score> = scores.iter().filter(|s| s.method == method).collect();
        if mine.is_empty() {
            continue;
        }
        let passed: usize = mine.iter().map(|s| s.acceptance_passed).sum();
        let total: usize = mine.iter().map(|s| s.acceptance_total).sum();
        let secs: f64 = mine.iter().map(|s| s.seconds).sum();
        let calls: u64 = mine.iter().map(|s| s.model_calls).sum();
        let (pt, ct): (u64, u64) = mine.iter().fold((0, 0), |(p, c), s| {
            (p + s.prompt_tokens, c + s.completion_tokens)
        });
        t.push_str(&format!(
            "\n{method}: {passed}/{total} acceptance tests ({:.0}%) over {} runs; {calls} model calls, {pt} / {ct} tokens, {secs:.0} s in all",
            100.0 * passed as f64 / total.max(1) as f64,
            mine.len(),
        ));
    }
    t.push('\n');
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(task: &str, method: &str, passed: usize, seconds: f64) -> Score {
        Score {
            task: task.into(),
            method: method.into(),
            temperature: 0.0,
            acceptance_passed: passed,
            acceptance_total: 4,
            own_tests_passed: 0,
            own_tests_failed: 0,
            lines: 10,
            model_calls: 1,
            prompt_tokens: 100,
            completion_tokens: 20,
            seconds,
            note: String::new(),
        }
    }

    #[test]
    fn median_of_odd_and_even_lists() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(median(vec![]), 0.0);
    }

    #[test]
    fn table_has_per_task_medians_and_totals() {
        let scores = vec![
            s("a", "l2mac", 4, 10.0),
            s("a", "plain single call", 1, 2.0),
            s("a", "l2mac", 2, 30.0),
            s("a", "plain single call", 3, 4.0),
            s("a", "l2mac", 3, 20.0),
        ];
        let t = table(&scores);
        assert!(
            t.contains("| a | l2mac | 3 | 3.0/4 | 10 | 1 | 100 / 20 | 20 |"),
            "{t}"
        );
        assert!(
            t.contains("| a | plain single call | 2 | 2.0/4 | 10 | 1 | 100 / 20 | 3 |"),
            "{t}"
        );
        assert!(
            t.contains("l2mac: 9/12 acceptance tests (75%) over 3 runs; 3 model calls, 300 / 60 tokens, 60 s in all"),
            "{t}"
        );
        assert!(
            t.contains("plain single call: 4/8 acceptance tests (50%) over 2 runs"),
            "{t}"
        );
        assert!(!t.contains("tool single call:"), "{t}");
    }
}
