//! Imports between the project's own modules, added where a file uses a name another module
//! defines and forgot the import. The 1.5B model splits a package across modules and then
//! writes each as if the others' names were global: bench 09-library-package spent 8 replies on
//! `NameError: name 'Catalog' is not defined (library/loans.py:4)` without once adding
//! `from .catalog import Catalog`. When exactly one project module defines the name, the import
//! is the only reading of the code, so the control unit adds it and says so.

use std::collections::{BTreeMap, BTreeSet};

use super::interface::{top_level_definitions, PYTHON_BUILTINS};
use super::testimports::{bound_names, used_names, with_line};
use crate::exec::{is_python_test_file, module_name};
use crate::store::FileStore;

/// `content` for the Python file `path` with an import added for each name it uses unbound that
/// exactly one other (non-test) module of `store` defines at its top level, and what was done.
/// Skipped: files with a star import (their names cannot be known), names two modules define,
/// and modules that import `path`'s module themselves (the import would be circular).
pub fn missing_imports(store: &FileStore, path: &str, content: &str) -> Option<(String, String)> {
    if !path.ends_with(".py") || content.contains("import *") {
        return None;
    }
    let me = module_name(path)?;
    let used = used_names(content);
    let bound = bound_names(content, &me);
    let wanted: BTreeSet<&str> = used
        .iter()
        .map(String::as_str)
        .filter(|n| !bound.contains(*n) && !PYTHON_BUILTINS.contains(n))
        .filter(|n| !defined_anywhere(content, n))
        .collect();
    if wanted.is_empty() {
        return None;
    }
    // name -> the modules defining it: (module, file path, imports `me`)
    let mut providers: BTreeMap<&str, Vec<(String, String, bool)>> = BTreeMap::new();
    for entry in store.list(None).ok()? {
        let other = entry.path;
        if other == path || !other.ends_with(".py") || is_python_test_file(&other) {
            continue;
        }
        let Some(module) = module_name(&other) else {
            continue;
        };
        let Ok(source) = store.read(&other) else {
            continue;
        };
        let circular = imports_module(&source, &me);
        for name in top_level_definitions(&source) {
            if let Some(n) = wanted.get(name.as_str()) {
                providers
                    .entry(n)
                    .or_default()
                    .push((module.clone(), other.clone(), circular));
            }
        }
    }
    // module -> (its file, the names taken from it)
    let mut imports: BTreeMap<String, (String, Vec<&str>)> = BTreeMap::new();
    for (name, defs) in &providers {
        if let [(module, file, false)] = defs.as_slice() {
            imports
                .entry(module.clone())
                .or_insert_with(|| (file.clone(), Vec::new()))
                .1
                .push(name);
        }
    }
    if imports.is_empty() {
        return None;
    }
    let mut lines = Vec::new();
    let mut said = Vec::new();
    for (module, (file, names)) in &imports {
        let line = format!(
            "from {} import {}",
            import_path(store, path, &me, module),
            names.join(", ")
        );
        said.push(format!(
            "added `{line}` to `{path}`: it uses {}, which `{file}` defines, without importing it (a NameError when that line runs)",
            names.join(", ")
        ));
        lines.push(line);
    }
    Some((with_line(content, &lines.join("\n")), said.join("; ")))
}

/// Whether `source` defines `name` at any level (a method, a nested function or class): a bare
/// use of it may well mean that one.
fn defined_anywhere(source: &str, name: &str) -> bool {
    source.lines().any(|line| {
        let t = line.trim_start();
        t.strip_prefix("def ")
            .or_else(|| t.strip_prefix("async def "))
            .or_else(|| t.strip_prefix("class "))
            .and_then(|rest| rest.strip_prefix(name))
            .is_some_and(|r| r.starts_with(['(', ':']))
    })
}

/// Whether an import line of `source` names `module` (by its last component, relative or not).
fn imports_module(source: &str, module: &str) -> bool {
    let last = module.rsplit('.').next().unwrap_or(module);
    source.lines().any(|line| {
        let t = line.trim_start();
        (t.starts_with("import ") || t.starts_with("from "))
            && t.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .any(|word| word == last)
    })
}

/// How `path` (module `me`) imports `module`: relatively (`.catalog`) when both sit in the
/// same package (a folder with `__init__.py`), as the model's own package code does; by its
/// full dotted name otherwise.
fn import_path(store: &FileStore, path: &str, me: &str, module: &str) -> String {
    let package = |m: &str| m.rsplit_once('.').map(|(p, _)| p.to_string());
    let dir = path.rsplit_once('/').map(|(d, _)| d);
    let in_package = dir.is_some_and(|d| store.exists(&format!("{d}/__init__.py")));
    match (package(me), package(module)) {
        (Some(a), Some(b)) if a == b && in_package && !path.ends_with("__init__.py") => {
            format!(".{}", module.rsplit('.').next().unwrap_or(module))
        }
        _ => module.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::store_with;

    const ERRORS: &str = "class LibraryError(Exception):\n    pass\n\n\nclass UnknownBook(LibraryError):\n    pass\n";
    const CATALOG: &str = "from .models import Book\n\n\nclass Catalog:\n    def get(self, isbn):\n        raise UnknownBook(isbn)\n";

    #[test]
    fn a_package_module_using_a_sibling_s_name_gets_a_relative_import() {
        let (_d, store) = store_with(&[
            ("library/__init__.py", ""),
            ("library/errors.py", ERRORS),
            ("library/models.py", "class Book:\n    pass\n"),
        ]);
        let (fixed, said) =
            missing_imports(&store, "library/catalog.py", CATALOG).expect("repaired");
        assert_eq!(fixed, format!("from .errors import UnknownBook\n{CATALOG}"));
        assert_eq!(
            said,
            "added `from .errors import UnknownBook` to `library/catalog.py`: it uses UnknownBook, which `library/errors.py` defines, without importing it (a NameError when that line runs)"
        );
        assert_eq!(missing_imports(&store, "library/catalog.py", &fixed), None);
    }

    #[test]
    fn top_level_modules_and_tests_import_by_name_and_unclear_cases_are_left() {
        let (_d, store) = store_with(&[
            (
                "catalog.py",
                "class Catalog:\n    pass\n\n\ndef helper():\n    pass\n",
            ),
            ("shelf.py", "def helper():\n    pass\n"),
            (
                "loans.py",
                "from catalog import Catalog\n\n\nclass Library:\n    pass\n",
            ),
        ]);
        let tests = "def test_new():\n    assert Catalog() and Library() and helper()\n";
        let (fixed, _) = missing_imports(&store, "test_loans.py", tests).expect("repaired");
        // `helper` is defined twice: ambiguous, left for the checks to report.
        assert_eq!(
            fixed,
            format!("from catalog import Catalog\nfrom loans import Library\n{tests}")
        );
        // catalog.py using Library would have to import loans, which imports catalog: left alone.
        let uses = "class Catalog:\n    def lib(self):\n        return Library()\n";
        assert_eq!(missing_imports(&store, "catalog.py", uses), None);
        // A name the file binds itself, a method of its own, or a star import: nothing to add.
        for own in [
            "Catalog = None\nprint(Catalog)\n",
            "class X:\n    def Catalog(self):\n        return Catalog\n",
            "from shelf import *\nprint(Catalog)\n",
        ] {
            assert_eq!(missing_imports(&store, "other.py", own), None, "{own}");
        }
    }
}
