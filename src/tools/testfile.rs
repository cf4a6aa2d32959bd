//! What a Python test file must be to test anything: pytest functions that import the code they
//! test. Asked for `test_temperature.py`, the 1.5B model wrote a copy of `temperature.py` (no
//! tests, so pytest ran nothing) and then rewrote the module for the rest of its turns; shown how
//! a test file starts, it has something to build on.

use super::interface::top_level_definitions;
use crate::exec::{is_python_test_file, module_name};
use crate::profile::EditFormat;
use crate::store::FileStore;

/// The module a test file tests, found by name (`test_temperature.py` -> `temperature.py`).
#[derive(Debug, Clone, PartialEq)]
pub struct UnderTest {
    /// Dotted import path (`inventory.models`).
    pub module: String,
    /// Its file in the store.
    pub path: String,
    /// Its public top-level functions and classes.
    pub names: Vec<String>,
}

/// Whether `path` is a file pytest collects tests from by its name (not a `conftest.py`, an
/// `__init__.py` or a helper under `tests/`).
pub(super) fn collects_tests(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path);
    path.ends_with(".py")
        && is_python_test_file(path)
        && (file.starts_with("test_") || file.ends_with("_test.py"))
}

/// The name of the module a test file's name points to: `test_x.py` and `x_test.py` -> `x`.
fn tested_stem(path: &str) -> Option<&str> {
    let file = path.rsplit('/').next()?.strip_suffix(".py")?;
    let stem = file
        .strip_prefix("test_")
        .or_else(|| file.strip_suffix("_test"))?;
    (!stem.is_empty()).then_some(stem)
}

/// The non-test module of the store whose last dotted component is the test file's stem; the
/// shallowest one if several are.
pub fn under_test(store: &FileStore, test_path: &str) -> Option<UnderTest> {
    let stem = tested_stem(test_path)?;
    let mut found: Vec<(String, String)> = store
        .list(None)
        .ok()?
        .into_iter()
        .filter(|e| e.path.ends_with(".py") && !is_python_test_file(&e.path))
        .filter_map(|e| {
            let module = module_name(&e.path)?;
            (module.rsplit('.').next() == Some(stem)).then_some((module, e.path))
        })
        .collect();
    found.sort_by_key(|(module, _)| module.matches('.').count());
    let (module, path) = found.into_iter().next()?;
    let source = store.read(&path).ok()?;
    let names = top_level_definitions(&source)
        .into_iter()
        .filter(|n| !n.starts_with('_'))
        .collect();
    Some(UnderTest {
        module,
        path,
        names,
    })
}

/// The first lines of a test file for `tested`: the import and one test to copy the shape of.
pub fn starter(tested: &UnderTest) -> String {
    let Some(first) = tested.names.first() else {
        return format!(
            "import {}\n\n\ndef test_something():\n    assert ...",
            tested.module
        );
    };
    format!(
        "from {} import {}\n\n\ndef test_{}():\n    assert {first}(...) == ...",
        tested.module,
        tested.names.join(", "),
        first.to_lowercase(),
    )
}

/// How a test file starts, said to the model: the starter when the tested module is on disk.
fn how_to_start(store: &FileStore, path: &str) -> String {
    match under_test(store, path) {
        Some(tested) => format!(
            "A test file imports the code it tests (from {}) and checks it with assert, one test_ function per behaviour, like:\n```python\n{}\n```",
            tested.path,
            starter(&tested)
        ),
        None => "A test file imports the code it tests and checks it with assert in functions named test_...().".to_string(),
    }
}

/// Why `content` is not a test file worth writing at `path`, or `None` when it is (or `path` is
/// not a test file). Two shapes are refused: no test functions at all, and a file that defines
/// the tested module's functions again (its tests would test the copy).
pub fn refusal(store: &FileStore, path: &str, content: &str) -> Option<String> {
    if !collects_tests(path) {
        return None;
    }
    let has_test = content.lines().any(|line| {
        let body = line.trim_start();
        body.starts_with("def test") || body.starts_with("async def test")
    });
    if !has_test {
        return Some(super::error_text(format!(
            "{path} was not written: it has no test functions (def test_...), so pytest would run nothing. {}",
            how_to_start(store, path)
        )));
    }
    let tested = under_test(store, path)?;
    let copied: Vec<String> = top_level_definitions(content)
        .into_iter()
        .filter(|n| tested.names.contains(n))
        .collect();
    (!copied.is_empty()).then(|| {
        super::error_text(format!(
            "{path} was not written: it defines {} again, so its tests would test that copy, not {}. Import them instead. {}",
            copied.join(", "),
            tested.path,
            how_to_start(store, path)
        ))
    })
}

/// The pytest files among the files a step names (such a step gets `write_tests`).
pub fn test_files_among(files: &[String]) -> Vec<String> {
    files
        .iter()
        .filter(|f| collects_tests(f))
        .cloned()
        .collect()
}

/// For the test files a step names that are not written yet, how to write each (shown with
/// the step, whose tools then include `write_tests`).
pub fn hints_for(store: &FileStore, files: &[String], format: EditFormat) -> String {
    files
        .iter()
        .filter(|f| collects_tests(f) && !store.exists(f))
        .filter_map(|f| {
            let tested = under_test(store, f)?;
            Some(match format {
                EditFormat::Tools => format!(
                    "Write {f} with `write_tests`: one case per behaviour the task states for {} ({}), each a call and the result the task says it gives, or the exception it raises. Choose inputs whose result the task makes plain.\n",
                    tested.path,
                    tested.names.join(", ")
                ),
                EditFormat::Blocks => format!(
                    "Write {f} as a pytest file that starts `from {} import {}`: one test per behaviour the task states, each a call and the result the task says it gives (or `pytest.raises` for the exception it names). Only expect what the task makes plain: a wrong expectation would fail correct code.\n",
                    tested.module,
                    tested.names.join(", ")
                ),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::store_with;

    const MODULE: &str = "def c_to_f(c):\n    return c * 9 / 5 + 32\n\n\ndef _helper():\n    pass\n\n\ndef describe(c):\n    return 'hot'\n";

    #[test]
    fn finds_the_module_a_test_file_is_named_after() {
        let (_d, store) = store_with(&[
            ("temperature.py", MODULE),
            ("inventory/models.py", "class Item:\n    pass\n"),
            ("inventory/__init__.py", ""),
        ]);
        assert_eq!(
            under_test(&store, "test_temperature.py"),
            Some(UnderTest {
                module: "temperature".into(),
                path: "temperature.py".into(),
                names: vec!["c_to_f".into(), "describe".into()],
            })
        );
        assert_eq!(
            under_test(&store, "tests/test_models.py").map(|t| (t.module, t.names)),
            Some(("inventory.models".into(), vec!["Item".into()]))
        );
        assert_eq!(under_test(&store, "test_missing.py"), None);
        assert_eq!(under_test(&store, "conftest.py"), None);
    }

    #[test]
    fn a_copy_of_the_module_or_a_file_without_tests_is_refused_with_a_starter() {
        let (_d, store) = store_with(&[("temperature.py", MODULE)]);
        let starter =
            "from temperature import c_to_f, describe\n\n\ndef test_c_to_f():\n    assert c_to_f(...) == ...";
        let no_tests = refusal(&store, "test_temperature.py", MODULE).expect("refused");
        assert_eq!(
            no_tests,
            format!("ERROR: test_temperature.py was not written: it has no test functions (def test_...), so pytest would run nothing. A test file imports the code it tests (from temperature.py) and checks it with assert, one test_ function per behaviour, like:\n```python\n{starter}\n```")
        );
        let copy = format!("{MODULE}\n\ndef test_hot():\n    assert describe(30) == 'hot'\n");
        let refused = refusal(&store, "test_temperature.py", &copy).expect("refused");
        assert!(
            refused.starts_with("ERROR: test_temperature.py was not written: it defines c_to_f, describe again, so its tests would test that copy, not temperature.py. Import them instead."),
            "{refused}"
        );
        let good = "from temperature import describe\n\n\ndef test_hot():\n    assert describe(30) == 'hot'\n";
        assert_eq!(refusal(&store, "test_temperature.py", good), None);
        let class_tests = "import temperature\n\n\nclass TestDescribe:\n    def test_hot(self):\n        assert temperature.describe(30) == 'hot'\n";
        assert_eq!(refusal(&store, "test_temperature.py", class_tests), None);
        // Not test files by name: helpers, conftest, the module itself.
        assert_eq!(refusal(&store, "tests/conftest.py", MODULE), None);
        assert_eq!(refusal(&store, "tests/helpers.py", MODULE), None);
        assert_eq!(refusal(&store, "temperature.py", MODULE), None);
    }

    #[test]
    fn without_the_module_on_disk_the_refusal_still_says_what_a_test_file_needs() {
        let (_d, store) = store_with(&[]);
        assert_eq!(
            refusal(&store, "test_stats.py", "x = 1\n").as_deref(),
            Some("ERROR: test_stats.py was not written: it has no test functions (def test_...), so pytest would run nothing. A test file imports the code it tests and checks it with assert in functions named test_...().")
        );
    }

    #[test]
    fn a_step_that_names_a_new_test_file_is_shown_how_it_starts() {
        let (_d, store) = store_with(&[("temperature.py", MODULE)]);
        let files = vec![
            "temperature.py".to_string(),
            "test_temperature.py".to_string(),
        ];
        assert_eq!(test_files_among(&files), ["test_temperature.py"]);
        assert!(hints_for(&store, &files, EditFormat::Blocks)
            .starts_with("Write test_temperature.py as a pytest file that starts `from temperature import c_to_f, describe`"));
        assert_eq!(
            hints_for(&store, &files, EditFormat::Tools),
            "Write test_temperature.py with `write_tests`: one case per behaviour the task states for temperature.py (c_to_f, describe), each a call and the result the task says it gives, or the exception it raises. Choose inputs whose result the task makes plain.\n"
        );
        store
            .write("test_temperature.py", "def test_x():\n    assert True\n")
            .expect("write");
        assert_eq!(hints_for(&store, &files, EditFormat::Tools), "");
    }
}
