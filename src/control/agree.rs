//! Agreement between a step's sampled candidates (issue 13, item 3): every candidate's code is
//! run against every candidate's tests, as CodeT's dual execution agreement does. A small model's
//! own tests are often wrong, and usually wrong with its own code; a module that independently
//! written test files agree on is the better bet than one only its own tests pass.

use std::path::Path;

use crate::control::blocks::write_reply;
use crate::control::{scratch_dir, ControlError};
use crate::exec::{is_python_test_file, score_with_pytest};
use crate::profile::ModelProfile;
use crate::store::FileStore;
use crate::tools::ToolContext;

/// Whether agreement ranks this step's candidates: the profile writes tests with their code
/// (`tests_with_code`) and the step writes a module and its tests.
pub fn applies(ctx: &ToolContext, profile: &ModelProfile) -> bool {
    let files = &ctx.step.expected_files;
    profile.tests_with_code
        && files.iter().any(|f| is_python_test_file(f))
        && files.iter().any(|f| !is_python_test_file(f))
}

/// For each reply, how many test cases of all replies' test files (its own included) its code
/// passes. Each pairing runs in a fresh copy, sandboxed, like every check.
pub async fn agreement(ctx: &ToolContext, replies: &[&str]) -> Result<Vec<usize>, ControlError> {
    let mut written = Vec::with_capacity(replies.len());
    for reply in replies {
        written.push(Written::new(ctx, reply)?);
    }
    let mut out = Vec::with_capacity(replies.len());
    for code in &written {
        let mut passed = 0;
        for tests in written.iter().filter(|w| w.has_tests) {
            let score =
                score_with_pytest(code.store.root(), Some(tests.tests.path()), &ctx.exec).await?;
            passed += score.passed;
        }
        out.push(passed);
    }
    Ok(out)
}

/// One reply applied to a scratch copy of the project, and its test files copied apart.
struct Written {
    _project: tempfile::TempDir,
    store: FileStore,
    tests: tempfile::TempDir,
    has_tests: bool,
}

impl Written {
    fn new(ctx: &ToolContext, reply: &str) -> Result<Self, ControlError> {
        let project = scratch_dir("l2mac-agree-")?;
        let store = FileStore::open(project.path().join("files"))?;
        for entry in ctx.store.list(None)? {
            if let Ok(text) = ctx.store.read(&entry.path) {
                store.write(&entry.path, &text)?;
            }
        }
        write_reply(ctx, &store, reply);
        let tests = scratch_dir("l2mac-agree-tests-")?;
        let mut has_tests = false;
        for entry in store.list(None)? {
            let changed = ctx.store.read(&entry.path).ok() != store.read(&entry.path).ok();
            if !changed || !is_python_test_file(&entry.path) {
                continue;
            }
            let text = store.read(&entry.path)?;
            let dest = tests.path().join(&entry.path);
            if let Some(parent) = dest.parent() {
                std::fs::create_dir_all(parent).map_err(io(parent))?;
            }
            std::fs::write(&dest, text).map_err(io(&dest))?;
            has_tests = true;
        }
        Ok(Self {
            _project: project,
            store,
            tests,
            has_tests,
        })
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ControlError + '_ {
    move |source| ControlError::Io {
        path: path.to_path_buf(),
        source,
    }
}
