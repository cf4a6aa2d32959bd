//! The bench's own validity, in CI: every task's reference solution passes all its hidden
//! acceptance tests, and every planted mutant (the task's mutants.json) fails at least one, scored
//! by the same sandboxed scorer `l2mac bench` uses.

use std::path::{Path, PathBuf};

use l2mac::exec::{pytest_available, score_with_pytest, ExecOptions};
use serde::Deserialize;

/// The package tasks of issue 13: 4-6 modules importing each other, 20+ hidden tests each.
const MULTI_MODULE: [&str; 2] = ["09-library-package", "10-ledger-package"];

#[derive(Deserialize)]
struct Mutant {
    file: String,
    old: String,
    new: String,
}

fn tasks() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/bench");
    let mut tasks: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("examples/bench")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.join("task.md").is_file())
        .collect();
    tasks.sort();
    tasks
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("walk");
        let dest = to.join(entry.path().strip_prefix(from).expect("prefix"));
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &dest).expect("copy");
        }
    }
}

#[tokio::test]
async fn references_pass_and_mutants_are_caught() {
    if !pytest_available() {
        // scripts/test.sh installs pytest; without it there is nothing to score with.
        eprintln!("skipped: python3 with pytest is not installed");
        return;
    }
    let opts = ExecOptions::default();
    let tasks = tasks();
    assert!(tasks.len() >= 10, "{tasks:?}");
    let mut failures = Vec::new();
    let mut mutants_total = 0;
    for task in &tasks {
        let name = task
            .file_name()
            .expect("name")
            .to_string_lossy()
            .to_string();
        let hidden = task.join("acceptance");
        let reference = score_with_pytest(&task.join("reference"), Some(&hidden), &opts)
            .await
            .expect("score the reference");
        if !(reference.outcome.passed && reference.failed == 0 && reference.passed > 0) {
            failures.push(format!(
                "{name}: the reference fails:\n{}",
                reference.outcome.output
            ));
        }
        if MULTI_MODULE.contains(&name.as_str()) && reference.passed < 20 {
            failures.push(format!(
                "{name}: only {} acceptance tests",
                reference.passed
            ));
        }
        let mutants: Vec<Mutant> = serde_json::from_str(
            &std::fs::read_to_string(task.join("mutants.json"))
                .unwrap_or_else(|e| panic!("{name}/mutants.json: {e}")),
        )
        .unwrap_or_else(|e| panic!("{name}/mutants.json: {e}"));
        assert!(mutants.len() >= 3, "{name}: fewer than 3 mutants");
        for m in mutants {
            mutants_total += 1;
            let dir = tempfile::tempdir().expect("tmp");
            copy_dir(&task.join("reference"), dir.path());
            let file = dir.path().join(&m.file);
            let src = std::fs::read_to_string(&file).expect("mutated file");
            assert!(
                src.contains(&m.old),
                "{name}: `{}` is not in {}",
                m.old,
                m.file
            );
            std::fs::write(&file, src.replacen(&m.old, &m.new, 1)).expect("write");
            let score = score_with_pytest(dir.path(), Some(&hidden), &opts)
                .await
                .expect("score a mutant");
            if score.outcome.passed || score.failed == 0 {
                failures.push(format!(
                    "{name}: mutant `{}` -> `{}` in {} is not caught",
                    m.old, m.new, m.file
                ));
            }
        }
    }
    assert!(mutants_total >= 31, "{mutants_total} mutants");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_multi_module_tasks_are_packages_of_modules_importing_each_other() {
    for name in MULTI_MODULE {
        let task = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples/bench")
            .join(name);
        let package = std::fs::read_dir(task.join("reference"))
            .expect("reference")
            .map(|e| e.expect("entry").path())
            .find(|p| p.is_dir())
            .expect("a package folder");
        let modules: Vec<String> = std::fs::read_dir(&package)
            .expect("package")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "py"))
            .map(|p| std::fs::read_to_string(p).expect("read"))
            .collect();
        assert!(
            (4..=6).contains(&modules.len()),
            "{name}: {} modules",
            modules.len()
        );
        let importing = modules.iter().filter(|m| m.contains("from .")).count();
        assert!(
            importing >= 4,
            "{name}: only {importing} modules import a sibling"
        );
    }
}
