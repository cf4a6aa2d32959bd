//! `write_tests`: a pytest file written by l2mac from cases the model gives as data (a call and
//! the result the task states). Asked to write a test file, the 1.5B model copied the module it
//! was to test, or a shown starter down to its comment; short strings in a JSON array are what it
//! fills well, as `write_chapter` showed for text.

use serde::Deserialize;
use serde_json::{json, Value};

use super::interface::{top_level_definitions, PYTHON_BUILTINS};
use super::{parse_args, testfile, Tool, ToolContext, ToolError, ToolOutput};
use crate::exec::{is_python_test_file, module_name};
use crate::llm::ToolSpec;

pub struct WriteTests;

#[derive(Deserialize)]
struct Args {
    path: String,
    cases: Vec<Case>,
    #[serde(default)]
    setup: Option<String>,
}

#[derive(Deserialize)]
struct Case {
    /// The task's words this case checks. Listed first in the schema (serde_json orders keys
    /// alphabetically and the grammar fills them in order), so the model restates the rule
    /// before it writes the call and its result: a small model's chain of thought.
    #[serde(default, rename = "because_the_task_says")]
    because: Option<String>,
    call: String,
    #[serde(default)]
    expected: Option<Value>,
    #[serde(default)]
    raises: Option<String>,
}

/// What one case asserts.
#[derive(Debug, PartialEq)]
enum Outcome {
    Equals(String),
    Raises(String),
}

#[async_trait::async_trait]
impl Tool for WriteTests {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: "write_tests".into(),
            description: "Write a pytest test file from cases: each case is a call of the project's code and the result the task says it gives (or the exception it raises). Choose inputs whose result the task makes plain: well inside a range it states, not on its edge. l2mac writes the imports and one test function per case; the file is replaced as a whole, so give all cases each time.".into(),
            parameters: json!({"type": "object", "properties": {
                "cases": {"type": "array", "items": {"type": "object", "properties": {
                    "because_the_task_says": {"type": "string"},
                    "call": {"type": "string", "description": "a Python expression calling the code, e.g. area(2, 3)"},
                    "expected": {"type": "string", "description": "the Python value the task says the call returns, e.g. 6"},
                    "raises": {"type": "string", "description": "instead of expected: the exception the task says the call raises, e.g. ValueError"}},
                    "required": ["because_the_task_says", "call"]}},
                "path": {"type": "string", "description": "the test file, e.g. test_shapes.py"},
                "setup": {"type": "string", "description": "optional Python lines run at the start of every test, e.g. s = Stack() (tmp_path is a fresh folder)"}},
                "required": ["cases", "path"]}),
        }
    }

    async fn call(&self, args: Value, ctx: &ToolContext) -> Result<ToolOutput, ToolError> {
        let args: Args = match parse_args("write_tests", args) {
            Ok(a) => a,
            Err(e) => return Ok(e),
        };
        let path = args.path.trim();
        let file = path.rsplit('/').next().unwrap_or(path);
        if !testfile::collects_tests(path) {
            return Ok(ToolOutput::error(format!(
                "`path` {path:?} is not a pytest file name: use test_<module>.py (e.g. test_{}).",
                file.trim_start_matches("test_")
            )));
        }
        if args.cases.is_empty() {
            return Ok(ToolOutput::error(
                "`cases` is empty: give one case per behaviour the task states.",
            ));
        }
        let setup = args.setup.as_deref().map(str::trim).unwrap_or_default();
        if let Some(line) = setup.lines().map(str::trim).find(|l| {
            ["def ", "class ", "import ", "from ", "async def "]
                .iter()
                .any(|k| l.starts_with(k))
        }) {
            return Ok(ToolOutput::error(format!(
                "`setup` has `{line}`: setup only prepares values for the cases (e.g. s = Stack()). The tests import the code from the project; l2mac writes the imports. Nothing was written."
            )));
        }
        let mut cases = Vec::new();
        for (i, case) in args.cases.iter().enumerate() {
            match outcome(case) {
                Ok((outcome, quoted)) => cases.push(Rendered {
                    because: case
                        .because
                        .as_deref()
                        .unwrap_or_default()
                        .trim()
                        .to_string(),
                    call: bare_call(&case.call).0,
                    outcome,
                    quoted,
                }),
                Err(why) => {
                    return Ok(ToolOutput::error(format!(
                        "case {} (`{}`): {why} Nothing was written.",
                        i + 1,
                        case.call
                    )))
                }
            }
        }
        // The model adds cases the task never asked for ("raises ValueError above 35"), then
        // cannot make them pass: an exception is only tested when the task names it.
        if !ctx.task.is_empty() {
            let unasked: Vec<&str> = cases
                .iter()
                .filter_map(|c| match &c.outcome {
                    Outcome::Raises(e) if !ctx.task.contains(e.rsplit('.').next().unwrap_or(e)) => {
                        Some(c.call.as_str())
                    }
                    _ => None,
                })
                .collect();
            if !unasked.is_empty() {
                return Ok(ToolOutput::error(format!(
                    "the task never names the exception that {} would raise, so it asks for no such test. Leave those cases out and give the others again; nothing was written.",
                    unasked.join(", ")
                )));
            }
        }
        let used: String = cases
            .iter()
            .map(|c| c.call.as_str())
            .chain([setup])
            .collect::<Vec<_>>()
            .join("\n");
        let imports = match imports_for(ctx, path, &used) {
            Ok(i) => i,
            Err(missing) => {
                return Ok(ToolOutput::error(format!(
                    "{} defined in no module of the project (tests aside), so the tests could not import {}. Call the functions and classes the code defines{}; nothing was written.",
                    missing.join(", "),
                    if missing.len() == 1 { "it" } else { "them" },
                    defined_names_hint(ctx, path)
                )))
            }
        };
        let source = render(&imports, setup, &cases);
        let quoted: Vec<String> = cases
            .iter()
            .filter(|c| c.quoted)
            .filter_map(|c| match &c.outcome {
                Outcome::Equals(e) => Some(e.clone()),
                Outcome::Raises(_) => None,
            })
            .collect();
        let note = match quoted.is_empty() {
            true => String::new(),
            false => format!(
                " Bare words in `expected` were taken as strings: {}.",
                quoted.join(", ")
            ),
        };
        if ctx.store.read(path).ok().as_deref() == Some(source.as_str()) {
            let line = format!("{path} unchanged: these cases are already its tests.{note}");
            return Ok(
                ToolOutput::text(line, true).with_effect(super::Effect::NoChange {
                    paths: vec![path.to_string()],
                }),
            );
        }
        if let Err(e) = ctx.store.write(path, &source) {
            return Ok(ToolOutput::error(format!("{path} was not written: {e}")));
        }
        Ok(ToolOutput::ok(format!(
            "wrote {path} ({} tests from your cases).{note} Call step_complete to run them; a failing test names its case.",
            cases.len()
        )))
    }
}

/// A case as it goes into the file.
struct Rendered {
    because: String,
    call: String,
    outcome: Outcome,
    /// `expected` was bare words, taken as a string.
    quoted: bool,
}

/// The call without a comparison the model wrote into it (`describe(15) == 'mild'`, with the
/// same value in `expected`), which would assert a chained comparison.
fn bare_call(call: &str) -> (String, Option<String>) {
    let call = call.trim();
    match call.split_once(" == ") {
        Some((left, right)) if !left.contains(['\'', '"']) => {
            (left.trim().to_string(), Some(right.trim().to_string()))
        }
        _ => (call.to_string(), None),
    }
}

/// What a case asserts, or why it asserts nothing.
fn outcome(case: &Case) -> Result<(Outcome, bool), String> {
    if case.call.trim().is_empty() {
        return Err("`call` is empty: write the call, e.g. area(2, 3).".into());
    }
    if case.call.contains('\n') {
        return Err("`call` must be one expression on one line.".into());
    }
    let raises = case.raises.as_deref().map(str::trim).unwrap_or_default();
    if !raises.is_empty() {
        let name_ok = raises
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
        return match name_ok {
            true => Ok((Outcome::Raises(raises.to_string()), false)),
            false => Err(format!(
                "`raises` must name an exception class (e.g. ValueError), not {raises:?}."
            )),
        };
    }
    // The grammar may hand over a number or boolean where the schema says string.
    let expected = match &case.expected {
        Some(Value::String(s)) => s.trim().to_string(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    // `describe(15) == 'mild'` as the call says what it expects.
    let expected = match (expected.is_empty(), bare_call(&case.call).1) {
        (true, Some(right)) => right,
        _ => expected,
    };
    if expected.is_empty() {
        return Err(
            "give `expected` (the value the task says it returns) or `raises` (the exception)."
                .into(),
        );
    }
    if expected.contains('\n') {
        return Err("`expected` must be one Python value on one line.".into());
    }
    let value = as_python_value(&expected);
    let quoted = value != expected;
    Ok((Outcome::Equals(value), quoted))
}

/// The model writes string results bare (`"expected": "freezing"`), which Python reads as an
/// undefined name. Words (letters, digits, `_`, spaces) that are not Python's constants are taken
/// as the string they spell; an expression (`CONST`, `Item(1)`) is left alone when it has
/// anything else or is one upper-case name (a constant the code may define).
fn as_python_value(expected: &str) -> String {
    let words = expected
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ' ')
        && expected.starts_with(|c: char| c.is_ascii_alphabetic());
    let constant = matches!(expected, "True" | "False" | "None")
        || (expected
            .chars()
            .all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit()));
    match words && !constant {
        true => format!("'{expected}'"),
        false => expected.to_string(),
    }
}

/// `from module import a, b` lines for the names the cases use, from the project's non-test
/// modules (the one the test file is named after first). `Err` lists called names that no
/// module defines.
fn imports_for(ctx: &ToolContext, path: &str, code: &str) -> Result<Vec<String>, Vec<String>> {
    let mut modules: Vec<(String, Vec<String>)> = Vec::new();
    if let Some(t) = testfile::under_test(&ctx.store, path) {
        modules.push((t.module, t.names));
    }
    for entry in ctx.store.list(None).unwrap_or_default() {
        if !entry.path.ends_with(".py") || is_python_test_file(&entry.path) {
            continue;
        }
        let Some(module) = module_name(&entry.path) else {
            continue;
        };
        if modules.iter().any(|(m, _)| *m == module) {
            continue;
        }
        if let Ok(source) = ctx.store.read(&entry.path) {
            modules.push((module, top_level_definitions(&source)));
        }
    }
    let mut lines: Vec<(String, Vec<String>)> = Vec::new();
    let mut missing = Vec::new();
    for name in called_names(code) {
        match modules.iter().find(|(_, names)| names.contains(&name)) {
            Some((module, _)) => match lines.iter_mut().find(|(m, _)| m == module) {
                Some((_, names)) => names.push(name),
                None => lines.push((module.clone(), vec![name])),
            },
            None if PYTHON_BUILTINS.contains(&name.as_str()) => {}
            None => missing.push(name),
        }
    }
    match missing.is_empty() {
        true => Ok(lines
            .into_iter()
            .map(|(m, names)| format!("from {m} import {}", names.join(", ")))
            .collect()),
        false => Err(missing),
    }
}

/// Names called at the top of an expression (`f(`, `Cls(`), not methods (`t.add(`), in order
/// of first use.
fn called_names(code: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let chars: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' || c == '"' {
            // Skip string literals: words inside them are not calls.
            i += 1;
            while i < chars.len() && chars[i] != c {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let after_dot = start > 0 && chars[start - 1] == '.';
            if !after_dot && chars.get(i) == Some(&'(') && !out.contains(&word) {
                out.push(word);
            }
            continue;
        }
        i += 1;
    }
    out
}

/// The names the project's modules define, said when a case calls something else.
fn defined_names_hint(ctx: &ToolContext, path: &str) -> String {
    match testfile::under_test(&ctx.store, path) {
        Some(t) if !t.names.is_empty() => format!(" ({} defines {})", t.path, t.names.join(", ")),
        _ => String::new(),
    }
}

/// Python test function name for a call: the last name called before the first `(`.
fn test_name(call: &str) -> String {
    let head = call.split('(').next().unwrap_or(call);
    let last = head.rsplit('.').next().unwrap_or(head);
    let name: String = last
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect::<String>()
        .to_ascii_lowercase();
    if name.is_empty() {
        "case".into()
    } else {
        name
    }
}

/// `expected` as pytest should compare it: a decimal number equals what the call returns to the
/// decimals written (`98.6` for `98.60000000000001`), anything else exactly.
fn comparison(expected: &str) -> String {
    let decimals = expected
        .trim_start_matches('-')
        .split_once('.')
        .filter(|(int, frac)| {
            !frac.is_empty()
                && int.chars().all(|c| c.is_ascii_digit())
                && frac.chars().all(|c| c.is_ascii_digit())
        })
        .map(|(_, frac)| frac.len());
    match decimals {
        Some(d) if d < 6 => format!("pytest.approx({expected}, abs=5e-{})", d + 1),
        Some(_) => format!("pytest.approx({expected})"),
        None => expected.to_string(),
    }
}

fn render(imports: &[String], setup: &str, cases: &[Rendered]) -> String {
    let mut out = String::from("import pytest\n\n");
    for line in imports {
        out.push_str(line);
        out.push('\n');
    }
    let fixture = if setup.contains("tmp_path") {
        "tmp_path"
    } else {
        ""
    };
    let mut seen: Vec<String> = Vec::new();
    for Rendered {
        because,
        call,
        outcome,
        ..
    } in cases
    {
        let base = test_name(call);
        let n = seen.iter().filter(|s| **s == base).count() + 1;
        seen.push(base.clone());
        out.push_str(&format!("\n\ndef test_{base}_{n}({fixture}):\n"));
        if !because.is_empty() {
            out.push_str(&format!("    # {}\n", because.replace('\n', " ")));
        }
        for line in setup.lines().filter(|l| !l.trim().is_empty()) {
            out.push_str(&format!("    {}\n", line.trim()));
        }
        match outcome {
            Outcome::Equals(expected) => {
                out.push_str(&format!("    assert {call} == {}\n", comparison(expected)))
            }
            Outcome::Raises(exc) => {
                out.push_str(&format!("    with pytest.raises({exc}):\n        {call}\n"))
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::FileStore;

    fn ctx_with(files: &[(&str, &str)]) -> (tempfile::TempDir, ToolContext) {
        let dir = tempfile::tempdir().expect("tmp");
        let ctx = ToolContext::new(FileStore::open(dir.path()).expect("store"));
        for (p, c) in files {
            ctx.store.write(p, c).expect("write");
        }
        (dir, ctx)
    }

    const TEMPERATURE: &str = "def c_to_f(c):\n    return c * 9 / 5 + 32\n\n\ndef describe(c):\n    return 'hot' if c >= 25 else 'cold'\n";

    #[tokio::test]
    async fn cases_become_one_test_function_each() {
        let (_d, ctx) = ctx_with(&[("temperature.py", TEMPERATURE)]);
        let out = WriteTests
            .call(
                json!({"path": "test_temperature.py", "cases": [
                    {"call": "c_to_f(100)", "expected": "212"},
                    {"call": "c_to_f(37)", "expected": 98.6},
                    {"call": "describe(30)", "expected": "'hot'", "raises": ""},
                    {"because_the_task_says": "\"freezing\" below 0", "call": "describe(-5)", "expected": "freezing"},
                    {"call": "describe(15) == 'mild'"},
                    {"call": "c_to_f('x')", "raises": "TypeError"},
                ]}),
                &ctx,
            )
            .await
            .expect("call");
        assert_eq!(out, ToolOutput::ok("wrote test_temperature.py (6 tests from your cases). Bare words in `expected` were taken as strings: 'freezing'. Call step_complete to run them; a failing test names its case."));
        assert_eq!(
            ctx.store.read("test_temperature.py").expect("read"),
            "import pytest\n\nfrom temperature import c_to_f, describe\n\n\ndef test_c_to_f_1():\n    assert c_to_f(100) == 212\n\n\ndef test_c_to_f_2():\n    assert c_to_f(37) == pytest.approx(98.6, abs=5e-2)\n\n\ndef test_describe_1():\n    assert describe(30) == 'hot'\n\n\ndef test_describe_2():\n    # \"freezing\" below 0\n    assert describe(-5) == 'freezing'\n\n\ndef test_describe_3():\n    assert describe(15) == 'mild'\n\n\ndef test_c_to_f_3():\n    with pytest.raises(TypeError):\n        c_to_f('x')\n"
        );
    }

    #[tokio::test]
    async fn setup_lines_open_every_test_and_get_tmp_path() {
        let (_d, ctx) = ctx_with(&[(
            "todo/store.py",
            "class TodoList:\n    def add(self, title):\n        return 1\n",
        )]);
        WriteTests
            .call(
                json!({"path": "tests/test_todo.py", "setup": "t = TodoList(str(tmp_path / 'todo.json'))",
                       "cases": [{"call": "t.add('milk')", "expected": "1"}]}),
                &ctx,
            )
            .await
            .expect("call");
        assert_eq!(
            ctx.store.read("tests/test_todo.py").expect("read"),
            "import pytest\n\nfrom todo.store import TodoList\n\n\ndef test_add_1(tmp_path):\n    t = TodoList(str(tmp_path / 'todo.json'))\n    assert t.add('milk') == 1\n"
        );
    }

    #[tokio::test]
    async fn unusable_cases_are_refused_and_nothing_written() {
        let (_d, ctx) = ctx_with(&[("temperature.py", TEMPERATURE)]);
        let mut ctx = ctx;
        ctx.task = "Write temperature.py with `c_to_f(c)`; raise TypeError for text.".into();
        let cases: [(Value, &str); 6] = [
            (json!({"path": "test_temperature.py", "cases": [{"call": "c_to_f('a')", "raises": "TypeError"}, {"call": "c_to_f(99)", "raises": "ValueError"}, {"call": "c_to_f(-999)", "raises": "builtins.ValueError"}]}),
             "ERROR: the task never names the exception that c_to_f(99), c_to_f(-999) would raise, so it asks for no such test. Leave those cases out and give the others again; nothing was written."),
            (json!({"path": "test_temperature.py", "setup": "def c_to_f(c):\n    return 0", "cases": [{"call": "c_to_f(1)", "expected": "33.8"}]}),
             "ERROR: `setup` has `def c_to_f(c):`: setup only prepares values for the cases (e.g. s = Stack()). The tests import the code from the project; l2mac writes the imports. Nothing was written."),
            (json!({"path": "temperature.py", "cases": [{"call": "c_to_f(1)", "expected": "33.8"}]}),
             "ERROR: `path` \"temperature.py\" is not a pytest file name: use test_<module>.py (e.g. test_temperature.py)."),
            (json!({"path": "test_temperature.py", "cases": [{"call": "c_to_f(1)"}]}),
             "ERROR: case 1 (`c_to_f(1)`): give `expected` (the value the task says it returns) or `raises` (the exception). Nothing was written."),
            (json!({"path": "test_temperature.py", "cases": [{"call": "f_to_c(212)", "expected": "100"}]}),
             "ERROR: f_to_c defined in no module of the project (tests aside), so the tests could not import it. Call the functions and classes the code defines (temperature.py defines c_to_f, describe); nothing was written."),
            (json!({"path": "test_temperature.py", "cases": []}),
             "ERROR: `cases` is empty: give one case per behaviour the task states."),
        ];
        for (args, want) in cases {
            assert_eq!(
                WriteTests.call(args, &ctx).await.expect("call"),
                ToolOutput::error(want.trim_start_matches("ERROR: "))
            );
        }
        assert!(!ctx.store.exists("test_temperature.py"));
    }

    #[test]
    fn names_called_outside_strings_and_methods() {
        assert_eq!(
            called_names("describe(len('f(x)')) + t.add(str(Item(1)))"),
            vec!["describe", "len", "str", "Item"]
        );
        assert_eq!(comparison("-1.25"), "pytest.approx(-1.25, abs=5e-3)");
        assert_eq!(
            comparison("37.77777777777778"),
            "pytest.approx(37.77777777777778)"
        );
        assert_eq!(comparison("'1.5'"), "'1.5'");
        assert_eq!(comparison("[1.5]"), "[1.5]");
        assert_eq!(as_python_value("mild"), "'mild'");
        assert_eq!(as_python_value("very hot"), "'very hot'");
        for kept in [
            "True", "None", "MAX_SIZE", "'mild'", "12", "[1, 2]", "Item(1)", "x.y",
        ] {
            assert_eq!(as_python_value(kept), kept);
        }
    }
}
