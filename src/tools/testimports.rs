//! A test file made to test its module: the 1.5B model writes pytest files that call the
//! module's functions without importing them (every test a `NameError`, bench 05-matrix: six
//! replies in a row) or that paste the module's functions above the tests (bench 02-roman: the
//! tests then test the copy, or nothing). Both are mechanical to repair, and the model's own
//! expectations are kept.

use std::collections::BTreeSet;

use super::interface::top_level_definitions;
use super::pyfix::insertion_line;
use super::testfile::{collects_tests, under_test};
use crate::store::FileStore;

/// `content` for the test file `path` with its copies of the tested module's definitions cut and
/// the module's names it uses imported, and what was done (said to the model as a repair).
/// `None` when nothing needs it: not a test file, its module not in `store`, no test functions
/// (that is a refusal, `testfile::refusal`), or every name it uses already bound.
pub fn import_tested(store: &FileStore, path: &str, content: &str) -> Option<(String, String)> {
    if !collects_tests(path) {
        return None;
    }
    let tested = under_test(store, path)?;
    let copied: Vec<&str> = top_level_definitions(content)
        .into_iter()
        .filter_map(|n| tested.names.iter().find(|t| **t == n).map(String::as_str))
        .collect::<BTreeSet<&str>>()
        .into_iter()
        .collect();
    let text = match copied.is_empty() {
        true => content.to_string(),
        false => without_definitions(content, &copied),
    };
    if !has_test_function(&text) {
        return None;
    }
    let used = used_names(&text);
    let bound = bound_names(&text, &tested.module);
    let missing: Vec<&str> = tested
        .names
        .iter()
        .map(String::as_str)
        .filter(|n| used.contains(*n) && !bound.contains(*n))
        .collect();
    if copied.is_empty() && missing.is_empty() {
        return None;
    }
    let mut repaired = text;
    if !missing.is_empty() {
        repaired = with_line(
            &repaired,
            &format!("from {} import {}", tested.module, missing.join(", ")),
        );
    }
    let said = match (copied.is_empty(), missing.is_empty()) {
        (false, _) => format!(
            "removed `{path}`'s own copies of {} (its tests would have tested those copies, not `{}`){}",
            copied.join(", "),
            tested.path,
            match missing.is_empty() {
                true => String::new(),
                false => format!(" and imported {} from {}", missing.join(", "), tested.module),
            }
        ),
        (true, _) => format!(
            "imported {} from {} at the top of `{path}`: its tests use them without importing them, a NameError in every test",
            missing.join(", "),
            tested.module
        ),
    };
    Some((repaired, said))
}

fn has_test_function(source: &str) -> bool {
    source.lines().any(|line| {
        let body = line.trim_start();
        body.starts_with("def test") || body.starts_with("async def test")
    })
}

/// `source` with `line` inserted where Python allows a first statement (after a docstring and
/// `__future__` imports).
pub(super) fn with_line(source: &str, line: &str) -> String {
    let lines: Vec<&str> = source.lines().collect();
    let at = insertion_line(&lines);
    let mut out: Vec<&str> = Vec::with_capacity(lines.len() + 1);
    out.extend(&lines[..at]);
    out.push(line);
    out.extend(&lines[at..]);
    let mut text = out.join("\n");
    text.push('\n');
    text
}

/// `source` without the top-level functions and classes named in `names` (with their
/// decorators).
pub fn without_definitions(source: &str, names: &[&str]) -> String {
    let lines: Vec<&str> = source.lines().collect();
    let mut keep = vec![true; lines.len()];
    let starts = |l: &str| {
        names.iter().any(|n| {
            l.strip_prefix("def ")
                .or_else(|| l.strip_prefix("async def "))
                .or_else(|| l.strip_prefix("class "))
                .is_some_and(|rest| {
                    rest.strip_prefix(n)
                        .is_some_and(|r| r.starts_with(['(', ':']))
                })
        })
    };
    let mut i = 0;
    while i < lines.len() {
        if !starts(lines[i]) {
            i += 1;
            continue;
        }
        let mut first = i;
        while first > 0 && lines[first - 1].starts_with('@') {
            first -= 1;
        }
        let mut end = i + 1;
        while end < lines.len() {
            let l = lines[end];
            if !l.trim().is_empty() && !l.starts_with([' ', '\t']) && !l.starts_with(')') {
                break;
            }
            end += 1;
        }
        for k in keep.iter_mut().take(end).skip(first) {
            *k = false;
        }
        i = end;
    }
    let mut out: String = lines
        .iter()
        .zip(&keep)
        .filter(|(_, k)| **k)
        .map(|(l, _)| format!("{l}\n"))
        .collect();
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// The names `source` uses bare outside its import lines (an import line names what it binds,
/// `from m import a as b`; that is not a use).
pub(super) fn used_names(source: &str) -> BTreeSet<String> {
    let code: String = source
        .lines()
        .filter(|l| {
            let t = l.trim_start();
            !(t.starts_with("import ") || t.starts_with("from ") && t.contains(" import "))
        })
        .map(|l| format!("{l}\n"))
        .collect();
    bare_names(&code)
}

/// The identifiers `source` uses bare: outside strings and comments, not after a `.`.
fn bare_names(source: &str) -> BTreeSet<String> {
    let chars: Vec<char> = source.chars().collect();
    let mut names = BTreeSet::new();
    let mut i = 0;
    let mut after_dot = false;
    while i < chars.len() {
        let c = chars[i];
        if c == '#' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if c == '"' || c == '\'' {
            i = past_string(&chars, i);
            after_dot = false;
            continue;
        }
        if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            // A string prefix (`f"..."`, `rb'...'`) is part of the string, not a name.
            if i < chars.len() && (chars[i] == '"' || chars[i] == '\'') && i - start <= 2 {
                continue;
            }
            if !after_dot {
                names.insert(chars[start..i].iter().collect());
            }
            after_dot = false;
            continue;
        }
        if !c.is_whitespace() {
            after_dot = c == '.';
        }
        i += 1;
    }
    names
}

/// The index just past the string literal starting at `start` (a quote), triple-quoted or not.
fn past_string(chars: &[char], start: usize) -> usize {
    let q = chars[start];
    let triple = chars.get(start + 1) == Some(&q) && chars.get(start + 2) == Some(&q);
    let mut i = start + if triple { 3 } else { 1 };
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            '\n' if !triple => return i,
            c if c == q => {
                if !triple {
                    return i + 1;
                }
                if chars.get(i + 1) == Some(&q) && chars.get(i + 2) == Some(&q) {
                    return i + 3;
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    chars.len()
}

/// The names `source` binds by definition, top-level assignment or import (anywhere, since an
/// import inside a test binds the name where it is used); a star import of `module` binds all.
pub(super) fn bound_names(source: &str, module: &str) -> BTreeSet<String> {
    let mut bound: BTreeSet<String> = top_level_definitions(source).into_iter().collect();
    let lines: Vec<&str> = source.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_start();
        i += 1;
        if line.len() == lines[i - 1].len() {
            if let Some((target, rest)) = line.split_once('=') {
                let target = target.split(':').next().unwrap_or(target).trim();
                if !rest.starts_with('=') && is_identifier(target) {
                    bound.insert(target.to_string());
                }
            }
        }
        if let Some(rest) = line.strip_prefix("import ") {
            for part in rest.split(',') {
                let part = part.split('#').next().unwrap_or(part).trim();
                let name = match part.split_once(" as ") {
                    Some((_, alias)) => alias.trim(),
                    None => part.split('.').next().unwrap_or(part),
                };
                bound.insert(name.to_string());
            }
        } else if let Some(rest) = line.strip_prefix("from ") {
            let Some((from, names)) = rest.split_once(" import ") else {
                continue;
            };
            let mut names = names.split('#').next().unwrap_or(names).to_string();
            // `from m import (a,\n    b)` spans lines up to its closing parenthesis.
            if names.contains('(') {
                while !names.contains(')') && i < lines.len() {
                    names.push(' ');
                    names.push_str(lines[i].split('#').next().unwrap_or(lines[i]));
                    i += 1;
                }
            }
            let names = names.replace(['(', ')'], " ");
            if names.trim() == "*" {
                if from.trim() == module {
                    bound.insert("*".to_string());
                }
                continue;
            }
            for part in names.split(',') {
                let part = part.trim();
                let name = match part.split_once(" as ") {
                    Some((_, alias)) => alias.trim(),
                    None => part,
                };
                if !name.is_empty() {
                    bound.insert(name.to_string());
                }
            }
        }
    }
    if bound.contains("*") {
        // Every name of the module is in scope already.
        bound.extend(bare_names(source));
    }
    bound
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::store_with;

    const MATRIX: &str = "def shape(m):\n    return len(m), len(m[0])\n\n\ndef identity(n):\n    return [[int(i == j) for j in range(n)] for i in range(n)]\n\n\nclass Matrix:\n    pass\n";

    #[test]
    fn a_test_file_calling_the_module_without_importing_it_gets_the_import() {
        let (_d, store) = store_with(&[("matrix.py", MATRIX)]);
        let tests = "import pytest\n\ndef test_shape():\n    assert shape([[1, 2]]) == (1, 2)\n\ndef test_identity():\n    # identity(2) is the 2x2 unit matrix; Matrix is not used\n    assert identity(1) == [[1]]\n";
        let (fixed, said) = import_tested(&store, "test_matrix.py", tests).expect("repaired");
        assert_eq!(
            fixed,
            format!("from matrix import shape, identity\n{tests}"),
            "the names in the comment are not imported"
        );
        assert_eq!(
            said,
            "imported shape, identity from matrix at the top of `test_matrix.py`: its tests use them without importing them, a NameError in every test"
        );
        // Applying it again changes nothing.
        assert_eq!(import_tested(&store, "test_matrix.py", &fixed), None);
    }

    #[test]
    fn names_already_in_scope_are_left_alone() {
        let (_d, store) = store_with(&[("matrix.py", MATRIX)]);
        for tests in [
            "from matrix import (\n    shape,\n    identity,\n)\n\ndef test_shape():\n    assert shape([[1]]) == (1, 1) and identity(1)\n",
            "from matrix import *\n\ndef test_shape():\n    assert shape([[1]]) == (1, 1)\n",
            "import matrix\n\ndef test_shape():\n    assert matrix.shape([[1]]) == (1, 1)\n",
            "def test_shape():\n    from matrix import shape\n    assert shape([[1]]) == (1, 1)\n",
            "from matrix import shape as s\n\ndef test_shape():\n    assert s([[1]]) == (1, 1)\n    assert 'shape(' in s.__doc__ or True\n",
        ] {
            assert_eq!(import_tested(&store, "test_matrix.py", tests), None, "{tests}");
        }
        // Not a test file, or no module of that name: nothing to do.
        let calls = "def test_shape():\n    assert shape([[1]]) == (1, 1)\n";
        assert_eq!(import_tested(&store, "helpers.py", calls), None);
        assert_eq!(import_tested(&store, "test_other.py", calls), None);
    }

    #[test]
    fn copies_of_the_module_in_a_test_file_are_cut_and_imported() {
        let (_d, store) = store_with(&[("matrix.py", MATRIX)]);
        let tests = "\"\"\"Tests.\"\"\"\nimport pytest\n\ndef shape(m):\n    return (0, 0)\n\n\n@decorated\nclass Matrix:\n    x = 1\n\ndef test_shape():\n    assert shape([[1]]) == (1, 1)\n    assert Matrix\n";
        let (fixed, said) = import_tested(&store, "test_matrix.py", tests).expect("repaired");
        assert_eq!(
            fixed,
            "\"\"\"Tests.\"\"\"\nfrom matrix import shape, Matrix\nimport pytest\n\ndef test_shape():\n    assert shape([[1]]) == (1, 1)\n    assert Matrix\n"
        );
        assert_eq!(
            said,
            "removed `test_matrix.py`'s own copies of Matrix, shape (its tests would have tested those copies, not `matrix.py`) and imported shape, Matrix from matrix"
        );
        // A file that is only a copy has no tests: that is a refusal, not a repair.
        assert_eq!(import_tested(&store, "test_matrix.py", MATRIX), None);
    }

    #[test]
    fn strings_and_attributes_are_not_uses() {
        let names = bare_names("x = obj.shape(1)  # shape\ny = f'{shape}' + \"\"\"\nshape(\n\"\"\" + 'it\\'s shape'\nz = identity\n");
        assert!(!names.contains("shape"), "{names:?}");
        assert!(names.contains("identity") && names.contains("obj"));
    }
}
