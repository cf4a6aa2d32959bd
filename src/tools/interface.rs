//! The functions and classes a code task promises by name (`to_roman(n: int) -> str`), so that a
//! step cannot end with the checks green but the promised interface missing: the 1.5B model
//! wrote a `Roman` class with one method for a task asking for three module-level functions, and
//! its own tests passed.

use crate::store::FileStore;

/// A name the task writes as a call in backticks.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Promised {
    pub name: String,
    /// The backticked text it came from, shown to the model.
    pub signature: String,
    /// Must be defined at the top level of a module (the task names no class, so its functions
    /// are module functions).
    pub top_level: bool,
}

/// Python builtins a task may show in backticks without promising them, and a test may call
/// without importing them.
pub(super) const PYTHON_BUILTINS: &[&str] = &[
    "len",
    "str",
    "int",
    "float",
    "bool",
    "list",
    "dict",
    "set",
    "tuple",
    "print",
    "range",
    "open",
    "round",
    "sorted",
    "sum",
    "min",
    "max",
    "abs",
    "isinstance",
    "type",
    "repr",
    "iter",
    "next",
    "super",
    "object",
    "ValueError",
    "KeyError",
    "TypeError",
    "IndexError",
];

/// The names `task` writes as calls at the start of a backticked span (`name(...)`,
/// `Class(...)`), in order of first appearance.
pub fn promised_names(task: &str) -> Vec<Promised> {
    let spans: Vec<&str> = task.split('`').skip(1).step_by(2).collect();
    let mut out: Vec<Promised> = Vec::new();
    for span in &spans {
        let span = span.trim();
        let span = span
            .strip_prefix("def ")
            .or_else(|| span.strip_prefix("class "))
            .unwrap_or(span);
        let name: String = span
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let called = span[name.len()..].starts_with('(');
        let ident = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
        if !called || !ident || PYTHON_BUILTINS.contains(&name.as_str()) {
            continue;
        }
        if !out.iter().any(|p| p.name == name) {
            out.push(Promised {
                signature: span.chars().take(80).collect(),
                name,
                top_level: true,
            });
        }
    }
    // With a class in the task, the other names may be its methods.
    let has_class = out
        .iter()
        .any(|p| p.name.starts_with(|c: char| c.is_ascii_uppercase()));
    if has_class {
        for p in &mut out {
            p.top_level = false;
        }
    }
    out
}

/// The names of `wanted` that no Python file of the store (tests aside) defines as it must.
pub fn missing<'a>(store: &FileStore, wanted: &'a [Promised]) -> Vec<&'a Promised> {
    if wanted.is_empty() {
        return Vec::new();
    }
    let sources: Vec<String> = store
        .list(None)
        .unwrap_or_default()
        .into_iter()
        .filter(|e| e.path.ends_with(".py") && !crate::exec::is_python_test_file(&e.path))
        .filter_map(|e| store.read(&e.path).ok())
        .collect();
    wanted
        .iter()
        .filter(|p| !sources.iter().any(|s| defines(s, &p.name, p.top_level)))
        .collect()
}

/// Whether `source` has `def name`, `async def name`, `class name` or `name = ...` (at the top
/// level when `top_level`).
fn defines(source: &str, name: &str, top_level: bool) -> bool {
    source.lines().any(|line| {
        let body = line.trim_start();
        if top_level && body.len() != line.len() {
            return false;
        }
        let rest = body
            .strip_prefix("async def ")
            .or_else(|| body.strip_prefix("def "))
            .or_else(|| body.strip_prefix("class "))
            .unwrap_or(body);
        let Some(after) = rest.strip_prefix(name) else {
            return false;
        };
        let declared = rest.len() != body.len();
        let next = after.trim_start().chars().next();
        if declared {
            matches!(next, Some('(' | ':'))
        } else {
            // `to_roman = _convert` defines it too; `to_roman == x` does not.
            after.trim_start().starts_with('=') && !after.trim_start().starts_with("==")
        }
    })
}

/// The functions and classes `source` defines at the top level (`def`, `async def`, `class`), in
/// order. Unlike [`defines`], assignments do not count: this is what a rewrite can lose.
pub fn top_level_definitions(source: &str) -> Vec<String> {
    source
        .lines()
        .filter_map(|line| {
            let rest = line
                .strip_prefix("def ")
                .or_else(|| line.strip_prefix("async def "))
                .or_else(|| line.strip_prefix("class "))?;
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            (!name.is_empty()).then_some(name)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROMAN: &str = "- `to_roman(n: int) -> str` for `1 <= n <= 3999`; raise `ValueError`.\n- `from_roman(s: str) -> int`: `from_roman(to_roman(n)) == n`; not `len(x)`.\n- `add_roman(a: str, b: str) -> str`.";

    #[test]
    fn names_the_task_writes_as_calls() {
        let names: Vec<(String, bool)> = promised_names(ROMAN)
            .into_iter()
            .map(|p| (p.name, p.top_level))
            .collect();
        let want = [
            ("to_roman", true),
            ("from_roman", true),
            ("add_roman", true),
        ];
        assert_eq!(names, want.map(|(n, t)| (n.to_string(), t)).to_vec());
        let todo = promised_names(
            "`TodoList(path)` with `add(title, priority=2) -> int` and `TodoList.load(path)`",
        );
        let names: Vec<(&str, bool)> = todo
            .iter()
            .map(|p| (p.name.as_str(), p.top_level))
            .collect();
        assert_eq!(names, vec![("TodoList", false), ("add", false)]);
    }

    #[test]
    fn a_step_owes_the_names_it_mentions_and_the_files_must_define_them() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = FileStore::open(dir.path()).expect("store");
        let promised = promised_names(ROMAN);
        let step =
            crate::domain::promised_in(&promised, "Write roman.py with to_roman and from_roman.");
        assert_eq!(step.len(), 2);
        assert_eq!(
            crate::domain::promised_in(&promised, "Write the tests in test_roman.py"),
            vec![]
        );

        store
            .write(
                "roman.py",
                "class Roman:\n    def to_roman(self):\n        pass\n",
            )
            .expect("write");
        store
            .write("test_roman.py", "def from_roman(s):\n    pass\n")
            .expect("write");
        let names = |m: Vec<&Promised>| m.iter().map(|p| p.name.clone()).collect::<Vec<_>>();
        assert_eq!(
            names(missing(&store, &step)),
            vec!["to_roman", "from_roman"]
        );
        store
            .write(
                "roman.py",
                "async def to_roman(n):\n    pass\n\nfrom_roman = lambda s: 0\n",
            )
            .expect("write");
        assert_eq!(names(missing(&store, &step)), Vec::<String>::new());
    }
}
