//! Guesses which checks fit a project folder from the files in it, so that a step's work is
//! checked even when the task did not name a test command.

use std::path::Path;

use super::CheckSpec;
use crate::store::{is_ignored_dir_name, is_ignored_file_name};

/// npm writes this as the test script of a fresh package.json; running it only ever fails.
const NPM_PLACEHOLDER_TEST: &str = "echo \"Error: no test specified\" && exit 1";

/// Run by the "python imports" check; see the file for what it counts as a failure.
const IMPORT_CHECK_SCRIPT: &str = include_str!("import_check.py");

/// Checks for `dir`: a Python syntax check over every `.py` file, an import of every module that
/// is not a test (a stray name or a circular import compiles but breaks every user), pytest when there are Python test
/// files (`test_*.py`, `*_test.py`, or any `.py` under `tests/`), `cargo test` for a Cargo.toml, `npm test` for a package.json with a real
/// test script. Caches, build output and `.l2mac/` are not looked into; symlinks are not followed.
pub fn detect_checks(dir: &Path) -> Vec<CheckSpec> {
    let mut py_files = Vec::new();
    let mut modules = Vec::new();
    let mut has_py_tests = false;
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter();
    for entry in walker
        .filter_entry(|e| {
            e.depth() == 0
                || !(e.file_type().is_dir()
                    && e.file_name().to_str().is_some_and(is_ignored_dir_name))
        })
        .filter_map(Result::ok)
    {
        if !entry.file_type().is_file() {
            continue;
        }
        let Some(name) = entry.file_name().to_str() else {
            continue;
        };
        if !name.ends_with(".py") || is_ignored_file_name(name) {
            continue;
        }
        let Some(rel) = entry.path().strip_prefix(dir).ok().and_then(|p| p.to_str()) else {
            continue;
        };
        if is_python_test_file(rel) {
            has_py_tests = true;
        } else if let Some(module) = module_name(rel) {
            modules.push(module);
        }
        py_files.push(rel.to_string());
    }

    let mut checks = Vec::new();
    if !py_files.is_empty() {
        let args: Vec<String> = py_files.iter().map(|f| shell_quote(f)).collect();
        checks.push(CheckSpec {
            name: "python syntax".to_string(),
            command: format!("python3 -m py_compile {}", args.join(" ")),
        });
    }
    if !modules.is_empty() {
        // A `src/` layout imports its packages by their own names.
        let src_layout =
            modules.iter().any(|m| m.starts_with("src.")) && !dir.join("src/__init__.py").is_file();
        let modules: Vec<String> = modules
            .into_iter()
            .map(|m| match m.strip_prefix("src.") {
                Some(rest) if src_layout => rest.to_string(),
                _ => m,
            })
            .collect();
        checks.push(CheckSpec {
            name: "python imports".to_string(),
            command: format!(
                "{}python3 -c {} {}",
                if src_layout { "PYTHONPATH=src " } else { "" },
                shell_quote(IMPORT_CHECK_SCRIPT),
                modules.join(" ")
            ),
        });
    }
    if has_py_tests {
        checks.push(CheckSpec {
            name: "pytest".to_string(),
            command: "python3 -m pytest -q".to_string(),
        });
    }
    if dir.join("Cargo.toml").is_file() {
        checks.push(CheckSpec {
            name: "cargo test".to_string(),
            command: "cargo test --quiet".to_string(),
        });
    }
    if has_npm_test_script(&dir.join("package.json")) {
        checks.push(CheckSpec {
            name: "npm test".to_string(),
            command: "npm test --silent".to_string(),
        });
    }
    checks
}

/// Whether a project-relative `.py` path is a test file as pytest finds them (`test_*.py`,
/// `*_test.py`, anything under `tests/`).
pub fn is_python_test_file(rel: &str) -> bool {
    let file = rel.rsplit('/').next().unwrap_or(rel);
    file.starts_with("test_") || file.ends_with("_test.py") || rel.starts_with("tests/")
}

/// The dotted module name of a project-relative `.py` path, or `None` for what is not imported
/// as a module: tests' helpers, `setup.py`, `__main__.py`, names that are not identifiers.
pub fn module_name(rel: &str) -> Option<String> {
    let stem = rel.strip_suffix(".py")?;
    let mut parts: Vec<&str> = stem.split('/').collect();
    if matches!(parts.last(), Some(&"__init__")) {
        parts.pop();
    }
    let last = *parts.last()?;
    if matches!(last, "setup" | "conftest" | "__main__") {
        return None;
    }
    let ident = |p: &&str| {
        p.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    parts.iter().all(ident).then(|| parts.join("."))
}

fn has_npm_test_script(package_json: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(package_json) else {
        return false;
    };
    let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
        return false;
    };
    json.get("scripts")
        .and_then(|s| s.get("test"))
        .and_then(|t| t.as_str())
        .is_some_and(|t| !t.trim().is_empty() && t.trim() != NPM_PLACEHOLDER_TEST)
}

/// Quotes a file name for `sh -c`; names starting with `-` get `./` so no tool reads them as an
/// option.
pub fn shell_quote(arg: &str) -> String {
    let arg = if arg.starts_with('-') {
        format!("./{arg}")
    } else {
        arg.to_string()
    };
    let safe = |c: char| c.is_ascii_alphanumeric() || "_./-+=:,@%".contains(c);
    if !arg.is_empty() && arg.chars().all(safe) {
        arg
    } else {
        format!("'{}'", arg.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_names() {
        let names: Vec<Option<String>> = [
            "main.py",
            "inventory/__init__.py",
            "inventory/models.py",
            "src/pkg/core.py",
            "setup.py",
            "pkg/__main__.py",
            "conftest.py",
            "my util.py",
            "2fast.py",
            "a-b/c.py",
        ]
        .iter()
        .map(|p| module_name(p))
        .collect();
        let want = [
            Some("main"),
            Some("inventory"),
            Some("inventory.models"),
            Some("src.pkg.core"),
            None,
            None,
            None,
            None,
            None,
            None,
        ];
        assert_eq!(names, want.map(|w| w.map(String::from)).to_vec());
    }

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("app/main.py"), "app/main.py");
        assert_eq!(shell_quote("my file.py"), "'my file.py'");
        assert_eq!(shell_quote("it's.py"), "'it'\\''s.py'");
        assert_eq!(shell_quote("-x.py"), "./-x.py");
        assert_eq!(shell_quote("$(rm -rf ~).py"), "'$(rm -rf ~).py'");
    }
}
