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
    assert_eq!(
        detect_checks(d.path()),
        vec![
            spec(
                "python syntax",
                "python3 -m py_compile app/main.py 'app/my util.py' tests/conftest.py tests/test_main.py"
            ),
            spec("pytest", "python3 -m pytest -q"),
        ]
    );
}

#[test]
fn python_without_tests_gets_only_the_syntax_check() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "main.py", "print(1)\n");
    assert_eq!(
        detect_checks(d.path()),
        vec![spec("python syntax", "python3 -m py_compile main.py")]
    );
    write(d.path(), "util_test.py", "def test_x(): pass\n");
    assert_eq!(
        detect_checks(d.path())[1],
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
