//! Turns check outcomes into the text the model reads: a verdict line, then per check what ran,
//! how it ended and its output (in full for failures, the last lines for passes).

use super::CheckOutcome;

/// Lines of output shown for a passing check: enough for the runner's summary line.
const PASS_TAIL_LINES: usize = 5;
/// Longer commands (a syntax check over many files) are shortened in the header.
const MAX_COMMAND_CHARS: usize = 200;

pub fn format_outcomes(outcomes: &[CheckOutcome]) -> String {
    if outcomes.is_empty() {
        return "No checks were run.\n".to_string();
    }
    let passed = outcomes.iter().filter(|o| o.passed).count();
    let mut out = if passed == outcomes.len() {
        format!("All checks passed ({0} of {0}).\n", outcomes.len())
    } else {
        format!(
            "{passed} of {} checks passed; fix the failures below.\n",
            outcomes.len()
        )
    };
    for o in outcomes {
        out.push('\n');
        out.push_str(&format!(
            "## {} {}: `{}`\n",
            if o.passed { "PASS" } else { "FAIL" },
            o.name,
            shorten(&o.command, MAX_COMMAND_CHARS)
        ));
        let ended = if o.timed_out {
            format!(
                "timed out after {:.1} s (the check and all its processes were killed)",
                secs(o.duration_ms)
            )
        } else {
            let code = o.exit_code.map_or_else(
                || "none (killed by a signal)".to_string(),
                |c| c.to_string(),
            );
            format!("exit code {code}, {:.1} s", secs(o.duration_ms))
        };
        out.push_str(&format!("ran as: {}; {ended}\n", o.mode));
        if o.no_tests {
            out.push_str(
                "no tests were collected: a test run that runs no tests does not count as passing; \
                 add tests the runner can find (e.g. tests/test_*.py with test_ functions)\n",
            );
        }
        let body = if o.passed {
            last_lines(&o.output, PASS_TAIL_LINES)
        } else {
            o.output.trim_end()
        };
        if body.trim().is_empty() {
            out.push_str("(no output)\n");
        } else {
            out.push_str("```\n");
            out.push_str(body);
            out.push_str("\n```\n");
        }
    }
    out
}

fn secs(ms: u64) -> f64 {
    ms as f64 / 1000.0
}

fn last_lines(text: &str, n: usize) -> &str {
    let text = text.trim_end();
    match text
        .char_indices()
        .filter(|&(_, c)| c == '\n')
        .nth_back(n.saturating_sub(1))
    {
        Some((i, _)) => &text[i + 1..],
        None => text,
    }
}

fn shorten(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        return s.to_string();
    }
    let cut: String = s.chars().take(max_chars).collect();
    format!("{cut} ...")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(name: &str, passed: bool, output: &str) -> CheckOutcome {
        CheckOutcome {
            name: name.to_string(),
            command: format!("run {name}"),
            passed,
            exit_code: Some(if passed { 0 } else { 1 }),
            timed_out: false,
            no_tests: false,
            mode: "plain process".to_string(),
            output: output.to_string(),
            duration_ms: 1300,
        }
    }

    #[test]
    fn failures_in_full_passes_by_their_last_lines() {
        let pass_out: String = (1..=8).map(|i| format!("p{i}\n")).collect();
        let text = format_outcomes(&[
            outcome("syntax", true, &pass_out),
            outcome("pytest", false, "E assert 1 == 2\n"),
        ]);
        let want = "1 of 2 checks passed; fix the failures below.\n\
                    \n## PASS syntax: `run syntax`\nran as: plain process; exit code 0, 1.3 s\n```\np4\np5\np6\np7\np8\n```\n\
                    \n## FAIL pytest: `run pytest`\nran as: plain process; exit code 1, 1.3 s\n```\nE assert 1 == 2\n```\n";
        assert_eq!(text, want);
    }

    #[test]
    fn timeout_no_tests_and_empty() {
        let mut t = outcome("slow", false, "");
        t.timed_out = true;
        t.exit_code = None;
        let mut n = outcome("pytest", false, "no tests ran in 0.01s\n");
        n.no_tests = true;
        n.exit_code = Some(5);
        let text = format_outcomes(&[t, n]);
        let want = "0 of 2 checks passed; fix the failures below.\n\
            \n## FAIL slow: `run slow`\nran as: plain process; timed out after 1.3 s (the check and all its processes were killed)\n(no output)\n\
            \n## FAIL pytest: `run pytest`\nran as: plain process; exit code 5, 1.3 s\n\
            no tests were collected: a test run that runs no tests does not count as passing; \
            add tests the runner can find (e.g. tests/test_*.py with test_ functions)\n```\nno tests ran in 0.01s\n```\n";
        assert_eq!(text, want);
        assert_eq!(format_outcomes(&[]), "No checks were run.\n");
        assert_eq!(format_outcomes(&[outcome("a", true, "")]), "All checks passed (1 of 1).\n\n## PASS a: `run a`\nran as: plain process; exit code 0, 1.3 s\n(no output)\n");
    }
}
