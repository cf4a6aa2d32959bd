//! Which checks `detect_checks` proposes for typical project folders.

use std::fs;
use std::path::Path;

use l2mac::exec::{detect_checks, CheckSpec};

fn write(root: &Path, rel: &str, content: &str) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, content).unwrap();
}

fn spec(name: &str, command: &str) -> CheckSpec {
    CheckSpec {
        name: name.to_string(),
        command: command.to_string(),
    }
}

#[test]
fn python_project_with_tests_gets_syntax_check_and_pytest() {
    let d = tempfile::tempdir().unwrap();
    for f in [
        "app/main.py",
        "app/my util.py",
        "tests/test_main.py",
        "tests/conftest.py",
    ] {
        write(d.path(), f, "x = 1\n");
    }
    // Caches, the control folder and dependencies are not the project's code.
    for f in [
        "app/__pycache__/main.py",
        ".l2mac/hook.py",
        ".venv/lib/site.py",
        "node_modules/x.py",
    ] {
        write(d.path(), f, "x = (\n");
    }
    let checks = detect_checks(d.path());
    assert_eq!(
        (&checks[0], &checks[2]),
        (
            &spec(
                "python syntax",
                "python3 -m py_compile app/main.py 'app/my util.py' tests/conftest.py tests/test_main.py"
            ),
            &spec("pytest", "python3 -m pytest -q"),
        )
    );
    // Only importable non-test modules are imported (`my util.py` cannot be).
    assert_eq!(checks[1].name, "python imports");
    assert!(
        checks[1].command.ends_with("' app.main"),
        "{}",
        checks[1].command
    );
    assert_eq!(checks.len(), 3);
}

/// What a user sees from the import check: the modules broken at import, with file and line;
/// a script that reads stdin or loops when imported is not counted against the project.
#[tokio::test]
async fn the_import_check_reports_modules_broken_at_import_only() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "inv/__init__.py", "from .store import Store\n");
    write(
        d.path(),
        "inv/models.py",
        "from dataclasses import dataclass\n\nd@dataclass\nclass Item:\n    name: str\n",
    );
    write(
        d.path(),
        "inv/store.py",
        "from inv.models import Item\n\nclass Store:\n    pass\n",
    );
    write(d.path(), "cli.py", "name = input()\n");
    write(d.path(), "spin.py", "while True:\n    pass\n");
    write(d.path(), "ok.py", "import inv.store\n");
    let checks = detect_checks(d.path());
    let outcomes = l2mac::exec::run_checks(
        d.path(),
        &checks[1..2],
        &l2mac::exec::ExecOptions {
            timeout: std::time::Duration::from_secs(60),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let failed: Vec<&str> = outcomes[0]
        .output
        .lines()
        .filter(|l| l.starts_with("import ") || l.starts_with("  the same"))
        .collect();
    assert_eq!(
        failed,
        vec![
            "import inv failed: NameError: name 'd' is not defined (inv/models.py:3)",
            "  the same error breaks: inv.models, inv.store, ok",
        ]
    );
    assert!(!outcomes[0].passed);

    write(
        d.path(),
        "inv/models.py",
        "from dataclasses import dataclass\n\n@dataclass\nclass Item:\n    name: str\n",
    );
    let outcomes = l2mac::exec::run_checks(d.path(), &checks[1..2], &Default::default())
        .await
        .unwrap();
    assert!(outcomes[0].passed, "{}", outcomes[0].output);
}

#[test]
fn python_without_tests_gets_only_the_syntax_check() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "main.py", "print(1)\n");
    let checks = detect_checks(d.path());
    assert_eq!(
        checks[0],
        spec("python syntax", "python3 -m py_compile main.py")
    );
    assert_eq!(checks[1].name, "python imports");
    assert_eq!(checks.len(), 2);
    write(d.path(), "util_test.py", "def test_x(): pass\n");
    assert_eq!(
        detect_checks(d.path())[2],
        spec("pytest", "python3 -m pytest -q")
    );
}

#[test]
fn rust_and_node_projects() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "Cargo.toml", "[package]\nname = \"x\"\n");
    write(d.path(), "src/main.rs", "fn main() {}\n");
    write(
        d.path(),
        "package.json",
        r#"{"scripts": {"test": "node --test"}}"#,
    );
    assert_eq!(
        detect_checks(d.path()),
        vec![
            spec("cargo test", "cargo test --quiet"),
            spec("npm test", "npm test --silent")
        ]
    );
}

#[test]
fn npm_placeholder_or_missing_test_script_is_not_a_check() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "package.json",
        r#"{"scripts": {"test": "echo \"Error: no test specified\" && exit 1"}}"#,
    );
    assert_eq!(detect_checks(d.path()), vec![]);
    write(d.path(), "package.json", r#"{"name": "x"}"#);
    assert_eq!(detect_checks(d.path()), vec![]);
    write(d.path(), "package.json", "not json");
    assert_eq!(detect_checks(d.path()), vec![]);
}

#[test]
fn empty_or_missing_folder_has_no_checks() {
    let d = tempfile::tempdir().unwrap();
    assert_eq!(detect_checks(d.path()), vec![]);
    assert_eq!(detect_checks(&d.path().join("missing")), vec![]);
}
