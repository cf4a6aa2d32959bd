//! Plain-text steps (issue 13): the control unit reads the files in a reply, applies them through
//! the file store, runs the step's checks and answers in plain text; and it keeps the best of a
//! step's first replies. A small model never has to put code inside JSON or call a tool to finish.

use serde::Serialize;

use super::ControlError;
use crate::edit::{apply_edits, parse_reply, Edit, EditError, EditOutcome, EditResult};
use crate::exec::is_python_test_file;
use crate::rate::{rate, Rating};
use crate::store::{normalized_string, FileStore};
use crate::tools::autoimport::missing_imports;
use crate::tools::pyfix::postpone_annotations;
use crate::tools::testfile::refusal;
use crate::tools::testimports::{import_tested, without_definitions};
use crate::tools::{check_completion, check_now, Completion, ToolContext};

/// What a plain-text reply did to the store, and the control unit's answer to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    /// What the model is told (edit results, then why the step is not done), unless `done`.
    pub feedback: String,
    /// The step's summary when its files exist and its checks pass.
    pub done: Option<String>,
    /// One line for the UI.
    pub preview: String,
    /// Whether an edit failed or the step is not done.
    pub is_error: bool,
}

/// Applies `reply`'s whole files and SEARCH/REPLACE blocks to `ctx.store` in order, then asks
/// whether the step may end. `no_edit` is said when the reply held no file at all.
pub async fn apply_reply(
    ctx: &ToolContext,
    reply: &str,
    no_edit: &str,
) -> Result<Applied, ControlError> {
    let Written {
        results,
        kept_out,
        problems,
        repairs,
    } = write_reply(ctx, &ctx.store, reply);
    let mut lines: Vec<String> = results.iter().map(|r| format!("- {r}")).collect();
    lines.extend(kept_out.iter().map(|p| {
        format!("- NOT applied: `{p}` is code an earlier step wrote; this step writes tests only")
    }));
    lines.extend(repairs.iter().map(|r| format!("- {r}")));
    lines.extend(problems.iter().map(|p| format!("- {p}")));
    // Later steps see what the control unit changed too (an import it added, a path it fixed).
    let summary = std::iter::once(summary_of(&results))
        .chain(repairs.iter().cloned())
        .collect::<Vec<_>>()
        .join("; ");
    let mut completion = check_completion(ctx, &summary).await?;
    if matches!(completion, Completion::Done { .. }) && !ctx.step.tests_only {
        // What the task states literally outranks every generated test: a stated example the
        // code gets wrong keeps the step open.
        let rating = rate(ctx.store.root(), &ctx.task).await.unwrap_or_default();
        if !rating.failures.is_empty() {
            let listed: Vec<String> = rating.failures.iter().map(|f| format!("- {f}")).collect();
            completion = Completion::NotYet(format!(
                "the step is not complete: the checks pass, but the code contradicts examples the task states:\n{}\nFix the code (send each file you change) so it gives what the task says.",
                listed.join("\n")
            ));
        }
    }
    let failed_edits = results.iter().filter(|r| r.failed()).count() + kept_out.len();
    let preview = match lines.first() {
        Some(first) if lines.len() == 1 => first.trim_start_matches("- ").to_string(),
        Some(_) => format!(
            "{} edit(s), {failed_edits} failed, {} unreadable block(s)",
            results.len(),
            problems.len()
        ),
        None => "no file in the reply".to_string(),
    };
    match completion {
        Completion::Done { summary, .. } if failed_edits == 0 => Ok(Applied {
            feedback: String::new(),
            done: Some(summary),
            preview,
            is_error: false,
        }),
        Completion::Done { .. } => Ok(Applied {
            feedback: format!(
                "What your reply did:\n{}\n\nThe checks pass, but fix or drop the failed edits above.",
                lines.join("\n")
            ),
            done: None,
            preview,
            is_error: true,
        }),
        Completion::NotYet(reason) => {
            let said = match lines.is_empty() {
                true => no_edit.trim().to_string(),
                false => format!("What your reply did:\n{}", lines.join("\n")),
            };
            let mut feedback = format!("{said}\n\n{}", capitalised(&reason));
            if ctx.step.tests_only && reason.contains("checks fail") {
                feedback.push_str(&format!("\n\n{}", tests_only_note(ctx)?));
            }
            Ok(Applied {
                feedback,
                done: None,
                preview,
                is_error: true,
            })
        }
    }
}

/// A tests-only step whose tests still disagree with the module after its repairs: the test
/// functions pytest reports as failing are dropped from the step's test files (a file left with
/// no test is removed), so a wrong expectation can neither stay red nor drive a later step to
/// bend the module to it. Returns the step's summary when the checks then pass; `None` (nothing
/// changed) when the failures are not plain failing test functions (a collection error, say).
pub async fn drop_failing_tests(ctx: &ToolContext) -> Result<Option<String>, ControlError> {
    let Some(outcomes) = check_now(ctx).await? else {
        return Ok(None);
    };
    let mut failing: Vec<(String, String)> = Vec::new();
    for o in outcomes.iter().filter(|o| !o.passed) {
        for line in o.output.lines() {
            let Some(id) = line.strip_prefix("FAILED ") else {
                continue;
            };
            let id = id.split(" - ").next().unwrap_or(id).trim();
            if let Some((path, name)) = id.split_once("::") {
                let name = name.split('[').next().unwrap_or(name);
                if !name.contains("::") && ctx.step.expected_files.iter().any(|f| f == path) {
                    failing.push((path.to_string(), name.to_string()));
                }
            }
        }
    }
    if failing.is_empty() {
        return Ok(None);
    }
    let before = ctx.store.snapshot()?;
    let mut dropped = Vec::new();
    for path in ctx.step.expected_files.iter() {
        let names: Vec<&str> = failing
            .iter()
            .filter(|(p, _)| p == path)
            .map(|(_, n)| n.as_str())
            .collect();
        if names.is_empty() {
            continue;
        }
        let source = ctx.store.read(path)?;
        let kept = without_definitions(&source, &names);
        if kept
            .lines()
            .any(|l| l.starts_with("def test") || l.starts_with("async def test"))
        {
            ctx.store.write(path, &kept)?;
        } else {
            ctx.store.delete(path)?;
        }
        dropped.extend(names.iter().map(|n| format!("{path}::{n}")));
    }
    // The step's files and promised names must still be there, not only the checks green.
    let after = check_completion(ctx, "kept the tests that agree with the module").await?;
    if matches!(after, Completion::Done { .. }) {
        dropped.sort();
        dropped.dedup();
        return Ok(Some(format!(
            "kept the tests that agree with the module; dropped {} that contradicted it after the repairs: {}",
            dropped.len(),
            dropped.join(", ")
        )));
    }
    // Not a plain disagreement after all: put the files back as they were.
    for (path, text) in before {
        if ctx.step.expected_files.contains(&path) {
            ctx.store.write(&path, &text)?;
        }
    }
    Ok(None)
}

/// The edits a tests-only step may make, and the paths of existing code it may not touch.
/// What writing a reply did: each edit's result, the paths a tests-only step may not touch,
/// and the blocks that could not be read.
pub(crate) struct Written {
    results: Vec<EditResult>,
    kept_out: Vec<String>,
    problems: Vec<String>,
    /// Mechanical repairs the control unit made to what was written (`tools::pyfix`).
    repairs: Vec<String>,
}

/// Parses `reply` and applies what the step of `ctx` may write to `store` (the project's own,
/// or a candidate's scratch copy).
pub(crate) fn write_reply(ctx: &ToolContext, store: &FileStore, reply: &str) -> Written {
    let parsed = parse_reply(reply);
    let mut repairs = Vec::new();
    let mut edits = parsed.edits;
    if ctx.guards.fix_path_case {
        for edit in edits.iter_mut() {
            if let Some(twin) = case_twin(store, &ctx.step.expected_files, edit.path()) {
                repairs.push(format!(
                    "wrote `{twin}` for `{}`: the project's file is `{twin}`, and file names are case-sensitive (`import` would not find the other)",
                    edit.path()
                ));
                edit.set_path(twin);
            }
        }
    }
    let (edits, kept_out) = split_protected(ctx, edits);
    let before: Vec<(String, Option<String>)> = edits
        .iter()
        .filter_map(|e| normalized_string(e.path()).ok())
        .filter(|p| is_python_test_file(p))
        .map(|p| {
            let old = store.read(&p).ok();
            (p, old)
        })
        .collect();
    let mut results = apply_edits(store, &edits);
    for r in results
        .iter_mut()
        .filter(|r| !r.failed() && r.path.ends_with(".py"))
    {
        let Ok(text) = store.read(&r.path) else {
            continue;
        };
        if let Some(fixed) = postpone_annotations(&text) {
            if store.write(&r.path, &fixed).is_ok() {
                repairs.push(format!(
                    "added `from __future__ import annotations` to `{}`: a signature there names a class of the same file, which fails at import without it",
                    r.path
                ));
            }
        }
        guard_test_file(ctx, store, r, &before, &mut repairs);
        if ctx.guards.repair_imports && !r.failed() {
            let fixed = store
                .read(&r.path)
                .ok()
                .and_then(|text| missing_imports(store, &r.path, &text));
            if let Some((fixed, said)) = fixed {
                if store.write(&r.path, &fixed).is_ok() {
                    repairs.push(said);
                }
            }
        }
    }
    Written {
        results,
        kept_out,
        problems: parsed.problems.iter().map(|p| p.to_string()).collect(),
        repairs,
    }
}

/// A test file just written is repaired (its module's names imported, its copies of them cut),
/// or taken back when it still tests nothing (no test functions, or its module's functions
/// defined again).
fn guard_test_file(
    ctx: &ToolContext,
    store: &FileStore,
    r: &mut EditResult,
    before: &[(String, Option<String>)],
    repairs: &mut Vec<String>,
) {
    let Ok(text) = store.read(&r.path) else {
        return;
    };
    if ctx.guards.repair_imports {
        if let Some((fixed, said)) = import_tested(store, &r.path, &text) {
            if store.write(&r.path, &fixed).is_ok() {
                repairs.push(said);
                return;
            }
        }
    }
    if !ctx.guards.refuse_bad_test_files {
        return;
    }
    let Some(why) = refusal(store, &r.path, &text) else {
        return;
    };
    let old = before
        .iter()
        .find(|(p, _)| *p == r.path)
        .and_then(|(_, o)| o.as_ref());
    let restored = match old {
        Some(old) => store.write(&r.path, old),
        None => store.delete(&r.path),
    };
    if restored.is_ok() {
        let why = why.strip_prefix("ERROR: ").unwrap_or(&why).to_string();
        r.outcome = EditOutcome::Failed {
            reason: EditError::Refused(why),
        };
    }
}

/// The project file (or a file the step names) that `path` names in other letter case, when
/// `path` itself neither exists nor is named by the step: `Roman.py` for `roman.py`.
fn case_twin(store: &FileStore, expected: &[String], path: &str) -> Option<String> {
    if store.exists(path) || expected.iter().any(|e| e == path) {
        return None;
    }
    let wanted = path.to_lowercase();
    let mut twins: Vec<String> = store
        .list(None)
        .ok()?
        .into_iter()
        .map(|e| e.path)
        .chain(expected.iter().cloned())
        .filter(|p| p != path && p.to_lowercase() == wanted)
        .collect();
    twins.sort();
    twins.dedup();
    match twins.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

fn split_protected(ctx: &ToolContext, edits: Vec<Edit>) -> (Vec<Edit>, Vec<String>) {
    if !ctx.step.tests_only {
        return (edits, Vec::new());
    }
    let mut allowed = Vec::new();
    let mut refused = Vec::new();
    for edit in edits {
        let path = edit.path();
        let test_side = is_python_test_file(path)
            || path.rsplit('/').next() == Some("conftest.py")
            || !path.ends_with(".py");
        if test_side || !ctx.store.exists(path) {
            allowed.push(edit);
        } else if !refused.iter().any(|p| p == path) {
            refused.push(path.to_string());
        }
    }
    (allowed, refused)
}

/// Why a tests-only step fixes its tests, naming the modules it tests.
fn tests_only_note(ctx: &ToolContext) -> Result<String, ControlError> {
    let modules: Vec<String> = ctx
        .store
        .list(None)?
        .into_iter()
        .map(|e| e.path)
        .filter(|p| p.ends_with(".py") && !is_python_test_file(p))
        .map(|p| format!("`{p}`"))
        .collect();
    let shown = match modules.is_empty() {
        true => "The code".to_string(),
        false => modules.join(", "),
    };
    Ok(crate::prompts::render(
        "tests_only.md",
        &serde_json::json!({"modules": shown, "plural": modules.len() > 1}),
    )?
    .trim()
    .to_string())
}

/// The step's summary for later steps: which files the reply wrote or edited.
fn summary_of(results: &[EditResult]) -> String {
    let done: Vec<String> = results
        .iter()
        .filter(|r| !r.failed())
        .map(|r| r.to_string())
        .collect();
    match done.is_empty() {
        true => "the step's files were already in place".to_string(),
        false => done.join("; "),
    }
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// How well one candidate reply would do as the step's answer, measured on a scratch copy of the
/// project. The hidden acceptance tests are never involved: only the step's files, the task's
/// stated examples and promised names, and the project's own checks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Score {
    pub deliverables: usize,
    pub deliverables_wanted: usize,
    pub rating: Rating,
    pub checks_passed: usize,
    pub checks: usize,
    pub edits_applied: usize,
    pub edits_failed: usize,
    /// Test cases of all candidates' test files this candidate's code passes (`agree`), when
    /// the step writes a module with its tests and more than one candidate was drawn.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agreement: Option<usize>,
}

impl Score {
    /// Larger is better: the step's files first, then what the task states (its examples, its
    /// names), then importing, agreement with every candidate's tests, the checks and
    /// compiling; failed edits count against.
    fn key(&self) -> [i64; 8] {
        [
            self.deliverables as i64,
            self.rating.examples_passed as i64,
            self.rating.promised_found as i64,
            self.rating.imported as i64,
            self.agreement.unwrap_or(0) as i64,
            self.checks_passed as i64,
            self.rating.compiled as i64,
            self.edits_applied as i64 - self.edits_failed as i64,
        ]
    }

    /// Nothing left to gain from another candidate.
    pub fn perfect(&self) -> bool {
        let r = &self.rating;
        self.edits_applied > 0
            && self.edits_failed == 0
            && self.deliverables == self.deliverables_wanted
            && r.examples_passed == r.examples
            && r.promised_found == r.promised
            && r.imported == r.modules
            && r.compiled == r.files
            && self.checks_passed == self.checks
    }

    pub fn describe(&self) -> String {
        let r = &self.rating;
        format!(
            "{}/{} step files, {}/{} stated examples, {}/{} promised names, {}/{} modules import, {}/{} checks pass, {} edit(s) failed",
            self.deliverables,
            self.deliverables_wanted,
            r.examples_passed,
            r.examples,
            r.promised_found,
            r.promised,
            r.imported,
            r.modules,
            self.checks_passed,
            self.checks,
            self.edits_failed
        ) + &match self.agreement {
            Some(n) => format!(", {n} test case(s) of all candidates pass"),
            None => String::new(),
        }
    }
}

/// The index of the best score, the earliest among equals (the first candidate is the one at the
/// run's own temperature).
pub fn best(scores: &[Score]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (i, s) in scores.iter().enumerate() {
        match best {
            Some(b) if s.key() <= scores[b].key() => {}
            _ => best = Some(i),
        }
    }
    best
}

/// Scores `reply` as the answer to the step of `ctx`: the project is copied to a scratch folder,
/// the reply applied there, then rated and checked there (in the same sandbox as every check).
pub async fn score(ctx: &ToolContext, reply: &str) -> Result<Score, ControlError> {
    let scratch = super::scratch_dir("l2mac-candidate-")?;
    let store = FileStore::open(scratch.path().join("files"))?;
    for entry in ctx.store.list(None)? {
        if let Ok(text) = ctx.store.read(&entry.path) {
            store.write(&entry.path, &text)?;
        }
    }
    let Written {
        results,
        kept_out,
        problems,
        ..
    } = write_reply(ctx, &store, reply);
    let edits_failed =
        results.iter().filter(|r| r.failed()).count() + problems.len() + kept_out.len();
    let wanted = &ctx.step.expected_files;
    let rating = rate(store.root(), &ctx.task).await.unwrap_or_default();
    let scratch_ctx = ToolContext {
        store: store.clone(),
        ..ctx.clone()
    };
    let outcomes = check_now(&scratch_ctx).await?.unwrap_or_default();
    Ok(Score {
        deliverables: wanted.iter().filter(|f| store.exists(f)).count(),
        deliverables_wanted: wanted.len(),
        rating,
        checks_passed: outcomes.iter().filter(|o| o.passed).count(),
        checks: outcomes.len(),
        edits_applied: results.len() - results.iter().filter(|r| r.failed()).count(),
        edits_failed,
        agreement: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::EditFormat;
    use crate::tools::StepScope;

    fn ctx_with(
        files: &[(&str, &str)],
        task: &str,
        expected: &[&str],
    ) -> (tempfile::TempDir, ToolContext) {
        let dir = tempfile::tempdir().expect("tmp");
        let store = FileStore::open(dir.path()).expect("store");
        for (p, c) in files {
            store.write(p, c).expect("write");
        }
        let mut ctx = ToolContext::new(store);
        ctx.task = task.into();
        ctx.exec.sandbox = crate::exec::SandboxMode::Off;
        ctx.step = StepScope {
            expected_files: expected.iter().map(|s| s.to_string()).collect(),
            format: EditFormat::Blocks,
            ..StepScope::default()
        };
        (dir, ctx)
    }

    #[tokio::test]
    async fn a_reply_that_writes_the_step_file_ends_the_step() {
        let (_d, ctx) = ctx_with(&[], "Write `add(a, b)` in calc.py.", &["calc.py"]);
        let applied = apply_reply(
            &ctx,
            "calc.py\n```python\ndef add(a, b):\n    return a + b\n```\n",
            "none",
        )
        .await
        .expect("apply");
        assert_eq!(applied.done.as_deref(), Some("wrote `calc.py` (2 lines)"));
        assert_eq!(
            ctx.store.read("calc.py").expect("read"),
            "def add(a, b):\n    return a + b\n"
        );
    }

    #[tokio::test]
    async fn test_files_are_made_to_import_what_they_test_and_names_keep_the_projects_case() {
        let module = "def add(a, b):\n    return a + b\n";
        let (_d, ctx) = ctx_with(
            &[("calc.py", module)],
            "Write `add(a, b)` in calc.py, tested in test_calc.py.",
            &["test_calc.py"],
        );
        // The 05-matrix shape: tests that call the module without importing it.
        let reply = "test_calc.py\n```python\nimport pytest\n\n\ndef test_add():\n    assert add(2, 3) == 5\n```\n";
        let applied = apply_reply(&ctx, reply, "none").await.expect("apply");
        let done = applied.done.expect("the repaired tests pass");
        assert!(
            done.contains("imported add from calc at the top of `test_calc.py`"),
            "{done}"
        );
        assert!(ctx
            .store
            .read("test_calc.py")
            .expect("read")
            .starts_with("from calc import add\nimport pytest\n"));
        // The 02-roman shape: the module again, in other letter case.
        let reply = "Calc.py\n```python\ndef add(a, b):\n    return b + a\n```\n";
        let applied = apply_reply(&ctx, reply, "none").await.expect("apply");
        assert!(!ctx.store.exists("Calc.py"));
        assert_eq!(
            ctx.store.read("calc.py").expect("read"),
            "def add(a, b):\n    return b + a\n"
        );
        let done = applied.done.expect("the module's checks pass");
        assert!(done.contains("wrote `calc.py` for `Calc.py`"), "{done}");
        // A test file with no test in it is taken back, the earlier one kept.
        let before = ctx.store.read("test_calc.py").expect("read");
        let reply = "test_calc.py\n```python\nfrom calc import add\n\nprint(add(1, 2))\n```\n";
        let applied = apply_reply(&ctx, reply, "none").await.expect("apply");
        assert_eq!(ctx.store.read("test_calc.py").expect("read"), before);
        assert!(
            applied
                .feedback
                .contains("- FAILED: test_calc.py was not written: it has no test functions"),
            "{}",
            applied.feedback
        );
    }

    #[tokio::test]
    async fn a_reply_without_files_is_told_how_to_send_them() {
        let (_d, ctx) = ctx_with(&[], "Write calc.py.", &["calc.py"]);
        let applied = apply_reply(
            &ctx,
            "Sure, here is the plan.",
            "Your reply had no file in it.",
        )
        .await
        .expect("apply");
        assert!(applied.done.is_none());
        assert!(
            applied
                .feedback
                .starts_with("Your reply had no file in it."),
            "{}",
            applied.feedback
        );
        assert!(
            applied
                .feedback
                .contains("calc.py, which does not exist yet. Send it now"),
            "{}",
            applied.feedback
        );
    }

    #[tokio::test]
    async fn a_syntax_error_is_reported_with_the_check_output() {
        let (_d, ctx) = ctx_with(&[], "Write calc.py.", &["calc.py"]);
        let applied = apply_reply(
            &ctx,
            "calc.py\n```python\ndef add(a, b)\n    return a + b\n```\n",
            "none",
        )
        .await
        .expect("apply");
        assert!(applied.done.is_none() && applied.is_error);
        assert!(
            applied.feedback.contains("- wrote `calc.py` (2 lines)"),
            "{}",
            applied.feedback
        );
        assert!(
            applied
                .feedback
                .contains("checks fail. Fix the problems below, send each file you change"),
            "{}",
            applied.feedback
        );
    }

    #[tokio::test]
    async fn candidates_are_scored_on_a_copy_and_the_stated_examples_decide() {
        let task = "Write `calc.py` with `add(a, b)`: `add(2, 3)` is `5`.";
        let (_d, ctx) = ctx_with(&[], task, &["calc.py"]);
        let wrong = "calc.py\n```python\ndef add(a, b):\n    return a - b\n```\n";
        let right = "calc.py\n```python\ndef add(a, b):\n    return a + b\n```\n";
        let broken = "calc.py\n```python\ndef add(a, b)\n```\n";
        let mut scores = Vec::new();
        for reply in [broken, wrong, right] {
            scores.push(score(&ctx, reply).await.expect("score"));
        }
        assert!(
            !ctx.store.exists("calc.py"),
            "scoring must not touch the run's files"
        );
        assert_eq!(best(&scores), Some(2), "{scores:?}");
        assert!(scores[2].perfect(), "{}", scores[2].describe());
        assert!(!scores[1].perfect());
        assert_eq!(scores[0].rating.compiled, 0);
    }

    #[tokio::test]
    async fn a_tests_step_fixes_its_tests_not_the_checked_module() {
        let module = "def add(a, b):\n    return a + b\n";
        let (_d, mut ctx) = ctx_with(
            &[("calc.py", module)],
            "Write `add(a, b)` in calc.py.",
            &["test_calc.py"],
        );
        ctx.step.tests_only = true;
        let reply = "calc.py\n```python\ndef add(a, b):\n    return a - b\n```\n\ntest_calc.py\n```python\nfrom calc import add\n\n\ndef test_add():\n    assert add(2, 3) == -1\n```\n";
        let applied = apply_reply(&ctx, reply, "none").await.expect("apply");
        assert_eq!(ctx.store.read("calc.py").expect("read"), module);
        assert!(ctx.store.exists("test_calc.py"));
        assert!(applied.done.is_none());
        assert!(
            applied
                .feedback
                .contains("- NOT applied: `calc.py` is code an earlier step wrote"),
            "{}",
            applied.feedback
        );
        assert!(
            applied
                .feedback
                .contains("This step writes tests only. `calc.py` was written and checked"),
            "{}",
            applied.feedback
        );
    }

    #[tokio::test]
    async fn a_stated_example_the_code_gets_wrong_keeps_the_step_open() {
        let (_d, ctx) = ctx_with(
            &[],
            "Write `calc.py` with `add(a, b)`: `add(2, 3)` is `5`.",
            &["calc.py"],
        );
        let wrong = "calc.py\n```python\ndef add(a, b):\n    return a - b\n```\n";
        let applied = apply_reply(&ctx, wrong, "none").await.expect("apply");
        assert!(applied.done.is_none());
        assert!(
            applied
                .feedback
                .contains("- the task says `add(2, 3)` is `5`, but the code gives -1"),
            "{}",
            applied.feedback
        );
    }

    #[test]
    fn failing_test_functions_are_cut_with_their_decorators() {
        let src = "import pytest\nfrom calc import add\n\n\ndef test_ok():\n    assert add(1, 1) == 2\n\n\n@pytest.mark.slow\ndef test_bad():\n    assert add(\n        2, 3\n    ) == 6\n\n\ndef test_bad_too_long_name():\n    assert True\n";
        assert_eq!(
            without_definitions(src, &["test_bad"]),
            "import pytest\nfrom calc import add\n\n\ndef test_ok():\n    assert add(1, 1) == 2\n\n\ndef test_bad_too_long_name():\n    assert True\n"
        );
    }

    #[tokio::test]
    async fn a_tests_step_that_gives_up_keeps_only_the_tests_that_agree() {
        let module = "def add(a, b):\n    return a + b\n";
        let tests = "from calc import add\n\n\ndef test_right():\n    assert add(2, 3) == 5\n\n\ndef test_wrong():\n    assert add(2, 3) == 6\n";
        let (_d, mut ctx) = ctx_with(
            &[("calc.py", module), ("test_calc.py", tests)],
            "Write `add(a, b)`.",
            &["test_calc.py"],
        );
        ctx.step.tests_only = true;
        let summary = drop_failing_tests(&ctx)
            .await
            .expect("drop")
            .expect("dropped");
        assert!(
            summary.ends_with(
                "dropped 1 that contradicted it after the repairs: test_calc.py::test_wrong"
            ),
            "{summary}"
        );
        assert_eq!(
            ctx.store.read("test_calc.py").expect("read"),
            "from calc import add\n\n\ndef test_right():\n    assert add(2, 3) == 5\n"
        );
    }
}
