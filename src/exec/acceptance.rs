//! Scoring a generated project with pytest (the bench's hidden acceptance tests, the project's own
//! tests): the project is copied, so scoring leaves no trace in it, and the tests run through
//! `run_check`, so generated code only ever runs sandboxed and under a timeout.
//!
//! The model's files must not change the score: pytest is imported before the project folder is
//! on `sys.path` (a planted `pytest.py` cannot stand in for it), and runs with `--noconftest -c
//! /dev/null`, so a `conftest.py`, `pytest.ini`, `setup.cfg` or `pyproject.toml` of the model's is
//! not read.

use std::path::Path;

use super::{
    pytest_counts, run_check, shell_quote, CheckOutcome, CheckSpec, ExecError, ExecOptions,
};

/// Where hidden tests go inside the copy; a name the model is unlikely to have used.
const HIDDEN_DIR: &str = "_hidden_tests";

/// Runs pytest from the interpreter's own path, then puts the project first on `sys.path` for the
/// tests' imports (as `python -m pytest` would).
const PYTEST_MAIN: &str = "import sys; sys.path[:] = [p for p in sys.path if p not in ('', '.')]; import pytest; sys.path.insert(0, '.'); sys.exit(pytest.main(sys.argv[1:]))";

/// No cache, no conftest, no ini file of the model's (`-c /dev/null` with the copy as rootdir).
const PYTEST_ARGS: &str = "-q -p no:cacheprovider --noconftest -c /dev/null --rootdir .";

/// What pytest reported for one scoring run.
#[derive(Debug, Clone, PartialEq)]
pub struct PytestScore {
    pub passed: usize,
    /// Failures and errors (an import error counts once per erroring module).
    pub failed: usize,
    pub outcome: CheckOutcome,
}

/// Runs pytest on a copy of `project`: on `hidden_tests` (a folder copied in beside the project's
/// files) when given, else on the project's own tests. Run-state folders (`.l2mac`) and symlinks
/// are not copied.
pub async fn score_with_pytest(
    project: &Path,
    hidden_tests: Option<&Path>,
    opts: &ExecOptions,
) -> Result<PytestScore, ExecError> {
    let work = tempfile::tempdir()?;
    copy_tree(project, work.path())?;
    let target = match hidden_tests {
        Some(tests) => {
            let dest = work.path().join(HIDDEN_DIR);
            std::fs::create_dir_all(&dest)?;
            copy_tree(tests, &dest)?;
            HIDDEN_DIR
        }
        None => ".",
    };
    let spec = CheckSpec {
        name: "pytest".into(),
        command: format!(
            "python3 -c {} {PYTEST_ARGS} {target}",
            shell_quote(PYTEST_MAIN)
        ),
    };
    let outcome = run_check(work.path(), &spec, opts).await?;
    let (passed, failed) = pytest_counts(&outcome.output);
    Ok(PytestScore {
        passed,
        failed,
        outcome,
    })
}

/// Whether `python3 -m pytest` works here (scoring needs it; `scripts/test.sh` installs it).
pub fn pytest_available() -> bool {
    std::process::Command::new("python3")
        .args(["-m", "pytest", "--version"])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), ExecError> {
    let dir_error = |source: std::io::Error| ExecError::Dir {
        path: from.display().to_string(),
        source,
    };
    for entry in walkdir::WalkDir::new(from).follow_links(false) {
        let entry = entry.map_err(|e| dir_error(e.into()))?;
        let rel = entry
            .path()
            .strip_prefix(from)
            .map_err(|e| dir_error(std::io::Error::other(e)))?;
        if rel.components().any(|c| c.as_os_str() == ".l2mac") {
            continue;
        }
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest)?;
        } else if entry.file_type().is_file() {
            std::fs::copy(entry.path(), &dest)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hidden_tests_score_a_copy_and_leave_the_project_alone() {
        if !pytest_available() {
            eprintln!("skipped: python3 with pytest is not installed");
            return;
        }
        let project = tempfile::tempdir().expect("tmp");
        std::fs::write(
            project.path().join("calc.py"),
            "def add(a, b):\n    return a + b\n\ndef sub(a, b):\n    return a + b\n",
        )
        .expect("write");
        std::fs::create_dir_all(project.path().join(".l2mac")).expect("mkdir");
        std::fs::write(project.path().join(".l2mac/run.json"), "{}").expect("write");
        let hidden = tempfile::tempdir().expect("tmp");
        std::fs::write(
            hidden.path().join("test_calc.py"),
            "from calc import add, sub\n\ndef test_add():\n    assert add(2, 3) == 5\n\ndef test_sub():\n    assert sub(5, 3) == 2\n\ndef test_both():\n    assert add(1, sub(3, 1)) == 3\n",
        )
        .expect("write");
        let score = score_with_pytest(project.path(), Some(hidden.path()), &ExecOptions::default())
            .await
            .expect("score");
        assert_eq!(
            (score.passed, score.failed),
            (1, 2),
            "{}",
            score.outcome.output
        );
        let mut left: Vec<String> = std::fs::read_dir(project.path())
            .expect("read")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, vec![".l2mac".to_string(), "calc.py".to_string()]);
    }

    /// Issue 14: the model's files cannot change the score (a conftest that turns failures into
    /// passes, an ini file that drops the tests, a `pytest.py` that prints a result).
    #[tokio::test]
    async fn planted_pytest_files_do_not_change_the_score() {
        if !pytest_available() {
            eprintln!("skipped: python3 with pytest is not installed");
            return;
        }
        let project = tempfile::tempdir().expect("tmp");
        let files = [
            ("calc.py", "def add(a, b):\n    return a - b\n"),
            ("conftest.py", "import pytest\n\n@pytest.hookimpl(hookwrapper=True)\ndef pytest_runtest_makereport(item, call):\n    outcome = yield\n    outcome.get_result().outcome = 'passed'\n"),
            ("pytest.ini", "[pytest]\naddopts = -p no:python\n"),
            ("pytest.py", "print('9 passed in 0.01s')\nraise SystemExit(0)\n"),
        ];
        for (name, text) in files {
            std::fs::write(project.path().join(name), text).expect("write");
        }
        let hidden = tempfile::tempdir().expect("tmp");
        std::fs::write(
            hidden.path().join("test_calc.py"),
            "from calc import add\n\ndef test_add():\n    assert add(2, 3) == 5\n\ndef test_zero():\n    assert add(0, 0) == 0\n",
        )
        .expect("write");
        let score = score_with_pytest(project.path(), Some(hidden.path()), &ExecOptions::default())
            .await
            .expect("score");
        assert_eq!(
            (score.passed, score.failed),
            (1, 1),
            "{}",
            score.outcome.output
        );
    }

    #[tokio::test]
    async fn a_project_without_tests_scores_zero() {
        if !pytest_available() {
            eprintln!("skipped: python3 with pytest is not installed");
            return;
        }
        let project = tempfile::tempdir().expect("tmp");
        std::fs::write(project.path().join("m.py"), "x = 1\n").expect("write");
        let score = score_with_pytest(project.path(), None, &ExecOptions::default())
            .await
            .expect("score");
        assert_eq!((score.passed, score.failed), (0, 0));
        assert!(!score.outcome.passed && score.outcome.no_tests);
    }
}
