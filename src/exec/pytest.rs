//! Reading pytest's closing summary line, for scoring generated projects against tests.

/// pytest's counts from its output: (passed, failed + errors).
pub fn pytest_counts(output: &str) -> (usize, usize) {
    let mut passed = 0;
    let mut failed = 0;
    for line in output.lines().rev() {
        let l = line.trim().trim_matches('=').trim();
        if !(l.contains(" passed")
            || l.contains(" failed")
            || l.contains(" error")
            || l.contains("no tests ran"))
        {
            continue;
        }
        for part in l.split(',') {
            let words: Vec<&str> = part.split_whitespace().collect();
            for pair in words.windows(2) {
                if let Ok(n) = pair[0].parse::<usize>() {
                    match pair[1] {
                        "passed" => passed += n,
                        "failed" | "error" | "errors" => failed += n,
                        _ => {}
                    }
                }
            }
        }
        break;
    }
    (passed, failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pytest_summaries() {
        assert_eq!(pytest_counts("..F\n2 passed, 1 failed in 0.05s\n"), (2, 1));
        assert_eq!(pytest_counts("==== 1 error in 0.10s ====\n"), (0, 1));
        assert_eq!(pytest_counts("5 passed in 0.01s"), (5, 0));
        assert_eq!(pytest_counts("no tests ran in 0.01s"), (0, 0));
        assert_eq!(pytest_counts("3 failed, 4 passed, 2 errors in 1s"), (4, 5));
    }
}
