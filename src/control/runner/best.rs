//! The run's end state chosen on what the run can see (issue 13, item 3): a small model's late
//! repair can break what an earlier step had right (02-roman: a rewrite towards a wrong test),
//! so the project is put back to the step end that scores best when the last state scores worse.

use std::collections::BTreeSet;

use serde_json::json;

use super::{now, Runner};
use crate::control::events::Event;
use crate::control::{scratch_dir, ControlError};
use crate::exec::{is_python_test_file, score_with_pytest, ExecOptions};
use crate::rate::{rate, Rating};
use crate::store::{binary_placeholder, FileStore, Snapshot};

/// Test-file versions the states are run against, at most: each costs one pytest run per state.
const MAX_TEST_VERSIONS: usize = 8;

/// How one state of the project scores. Larger is better, in this order: the task's stated
/// examples, its promised names, importing modules, compiling files, and the test cases it
/// passes of every test file any state of the run had (CodeT's agreement, across steps).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StateScore {
    pub after_step: usize,
    pub examples_passed: usize,
    pub promised_found: usize,
    pub imported: usize,
    pub compiled: usize,
    pub tests_passed: usize,
}

impl StateScore {
    fn key(&self) -> [usize; 5] {
        [
            self.examples_passed,
            self.promised_found,
            self.imported,
            self.compiled,
            self.tests_passed,
        ]
    }

    fn describe(&self) -> String {
        format!(
            "{} stated example(s), {} promised name(s), {} importing module(s), {} test case(s) of the run's test files",
            self.examples_passed, self.promised_found, self.imported, self.tests_passed
        )
    }
}

impl Runner<'_> {
    /// Scores every step end of a code run and the current state; restores the best when the
    /// current one scores lower (ties keep the later state, which did more work).
    pub(super) async fn keep_best(&mut self) -> Result<(), ControlError> {
        if !self.state.settings.profile.keep_best || !self.domain.scores_end_states() {
            return Ok(());
        }
        // The state after step i is the one step i+1 started from; the current state is last.
        let mut states: Vec<(usize, Snapshot)> = Vec::new();
        for index in 1..self.state.plan.len() {
            if let Some(snapshot) = self.dir.load_step_start(index) {
                states.push((index, snapshot));
            }
        }
        let current = self.ctx.store.snapshot()?;
        states.push((self.state.plan.len(), current.clone()));
        states.retain(|(_, s)| !s.is_empty() && s.values().all(|t| !is_placeholder(t)));
        states.dedup_by(|later, earlier| later.1 == earlier.1);
        if states.len() < 2 {
            return Ok(());
        }
        let scores = score_states(&states, &self.state.task, &self.ctx.exec).await?;
        let last = scores.len() - 1;
        // max_by_key keeps the last of equal keys: the later state wins a tie.
        let Some((best, _)) = scores.iter().enumerate().max_by_key(|(_, s)| s.key()) else {
            return Ok(());
        };
        self.dir
            .append_transcript(&json!({"ts": now(), "kind": "end_states",
            "scores": scores, "kept": scores[best].after_step}))?;
        if best == last || states[best].1 == current {
            return Ok(());
        }
        restore(&self.ctx.store, &current, &states[best].1)?;
        self.emit(Event::Warning {
            message: format!(
                "the project is put back as step {} left it ({}); the last state had {}",
                scores[best].after_step,
                scores[best].describe(),
                scores[last].describe()
            ),
        });
        Ok(())
    }
}

/// A snapshot entry the store could not give as text (`binary_placeholder`), which restoring
/// would overwrite the real file with.
fn is_placeholder(text: &str) -> bool {
    text.strip_prefix("<binary ")
        .and_then(|t| t.strip_suffix(" bytes>"))
        .and_then(|n| n.parse::<usize>().ok())
        .is_some_and(|n| text == binary_placeholder(n))
}

/// Each state written to a scratch folder, rated, and run against every distinct test file.
async fn score_states(
    states: &[(usize, Snapshot)],
    task: &str,
    exec: &ExecOptions,
) -> Result<Vec<StateScore>, ControlError> {
    let mut versions: BTreeSet<(&str, &str)> = BTreeSet::new();
    for (_, snapshot) in states {
        for (path, text) in snapshot {
            if is_python_test_file(path) && versions.len() < MAX_TEST_VERSIONS {
                versions.insert((path.as_str(), text.as_str()));
            }
        }
    }
    let mut test_dirs = Vec::with_capacity(versions.len());
    for (path, text) in &versions {
        let dir = scratch_dir("l2mac-end-tests-")?;
        FileStore::open(dir.path())?.write(path, text)?;
        test_dirs.push(dir);
    }
    let mut out = Vec::with_capacity(states.len());
    for (after_step, snapshot) in states {
        let dir = scratch_dir("l2mac-end-state-")?;
        let store = FileStore::open(dir.path())?;
        for (path, text) in snapshot {
            store.write(path, text)?;
        }
        let rating: Rating = rate(store.root(), task).await.unwrap_or_default();
        let mut tests_passed = 0;
        for tests in &test_dirs {
            tests_passed += score_with_pytest(store.root(), Some(tests.path()), exec)
                .await?
                .passed;
        }
        out.push(StateScore {
            after_step: *after_step,
            examples_passed: rating.examples_passed,
            promised_found: rating.promised_found,
            imported: rating.imported,
            compiled: rating.compiled,
            tests_passed,
        });
    }
    Ok(out)
}

/// Makes the store hold exactly `best`: files it lacks removed, the others written back.
fn restore(store: &FileStore, current: &Snapshot, best: &Snapshot) -> Result<(), ControlError> {
    for path in current.keys().filter(|p| !best.contains_key(*p)) {
        store.delete(path)?;
    }
    for (path, text) in best {
        if current.get(path) != Some(text) {
            store.write(path, text)?;
        }
    }
    Ok(())
}
