//! Repairs the commonest small-model escaping slip in Python sent through JSON: `'\n'` in the
//! code arrives as a real line break inside a one-line string literal (the model wrote `\n` in
//! JSON where `\\n` was needed). The model believes its code is right, so it rewrites the same
//! broken file forever; turning the break back into the two characters `\n` is exactly the code
//! it meant.

/// The repaired source and the 1-based lines whose string literals were closed up, or None when
/// nothing needed repair.
pub fn repair_broken_strings(src: &str) -> Option<(String, Vec<usize>)> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len() + 8);
    let mut repaired = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '#' => {
                while i < chars.len() && chars[i] != '\n' {
                    out.push(chars[i]);
                    i += 1;
                }
                continue;
            }
            '\'' | '"' => {
                let triple = chars.get(i + 1) == Some(&c) && chars.get(i + 2) == Some(&c);
                if triple {
                    out.extend([c, c, c]);
                    i += 3;
                    // Skip to the closing triple quote; line breaks are legal here.
                    while i < chars.len() {
                        if chars[i] == '\\' && i + 1 < chars.len() {
                            line += usize::from(chars[i + 1] == '\n');
                            out.push(chars[i]);
                            out.push(chars[i + 1]);
                            i += 2;
                            continue;
                        }
                        if chars[i] == c
                            && chars.get(i + 1) == Some(&c)
                            && chars.get(i + 2) == Some(&c)
                        {
                            out.extend([c, c, c]);
                            i += 3;
                            break;
                        }
                        line += usize::from(chars[i] == '\n');
                        out.push(chars[i]);
                        i += 1;
                    }
                    continue;
                }
                out.push(c);
                i += 1;
                let mut breaks = 0;
                let mut closed = false;
                while i < chars.len() {
                    let d = chars[i];
                    if d == '\\' && i + 1 < chars.len() {
                        // An escaped character, or a backslash-newline continuation.
                        line += usize::from(chars[i + 1] == '\n');
                        out.push(d);
                        out.push(chars[i + 1]);
                        i += 2;
                        continue;
                    }
                    i += 1;
                    if d == c {
                        out.push(d);
                        closed = true;
                        break;
                    }
                    if d == '\n' {
                        // One break, closed on the next line, is the slip; anything longer is a
                        // quote the model really left open, and guessing would garble the file.
                        breaks += 1;
                        if breaks > 1 {
                            return None;
                        }
                        repaired.push(line);
                        line += 1;
                        out.push_str("\\n");
                        continue;
                    }
                    out.push(d);
                }
                if !closed {
                    return None;
                }
                continue;
            }
            '\n' => line += 1,
            _ => {}
        }
        out.push(c);
        i += 1;
    }
    (!repaired.is_empty()).then_some((out, repaired))
}

/// The second commonest slip, in plain text too: a method annotated with its own class
/// (`def load(cls, path) -> TodoList:` inside `class TodoList`), which fails at import with
/// `NameError` because annotations are evaluated while the class body runs. The model repeats it
/// on every repair. `from __future__ import annotations` makes every annotation a string without
/// changing what the code does; it is added (after the docstring and any other `__future__`
/// import) when a signature names a class the same file defines and the import is not there.
pub fn postpone_annotations(src: &str) -> Option<String> {
    if src.contains("from __future__ import annotations") {
        return None;
    }
    let classes: Vec<&str> = src
        .lines()
        .filter_map(|l| l.strip_prefix("class "))
        .filter_map(|rest| {
            let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_'))?;
            (end > 0).then(|| &rest[..end])
        })
        .collect();
    let names_a_class = |sig: &str| {
        sig.split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .any(|word| classes.contains(&word))
    };
    let needs = src.lines().any(|l| {
        let t = l.trim_start();
        let sig = t
            .strip_prefix("def ")
            .or_else(|| t.strip_prefix("async def "))
            .and_then(|rest| rest.split_once('(').map(|(_, args)| args));
        sig.is_some_and(names_a_class)
    });
    if !needs {
        return None;
    }
    let lines: Vec<&str> = src.lines().collect();
    let at = insertion_line(&lines);
    let mut out: Vec<&str> = Vec::with_capacity(lines.len() + 1);
    out.extend(&lines[..at]);
    out.push("from __future__ import annotations");
    out.extend(&lines[at..]);
    let mut text = out.join("\n");
    if src.ends_with('\n') {
        text.push('\n');
    }
    Some(text)
}

/// The first line after a shebang/encoding comment, the module docstring and other `__future__`
/// imports: where Python allows another `__future__` import.
pub(crate) fn insertion_line(lines: &[&str]) -> usize {
    let mut i = 0;
    while i < lines.len() && lines[i].starts_with('#') {
        i += 1;
    }
    let first = lines.get(i).map(|l| l.trim_start()).unwrap_or("");
    for quote in ["\"\"\"", "'''"] {
        if let Some(rest) = first.strip_prefix(quote) {
            let mut end = i;
            if !rest.contains(quote) {
                end += 1;
                while end < lines.len() && !lines[end].contains(quote) {
                    end += 1;
                }
            }
            i = (end + 1).min(lines.len());
            break;
        }
    }
    while i < lines.len() && lines[i].starts_with("from __future__ import") {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_newline_inside_a_one_line_string_becomes_the_escape() {
        let broken = "def f(t):\n    return t.split('\n')\n\nx = \"a\nb\" + 'c'\n";
        assert_eq!(
            repair_broken_strings(broken),
            Some((
                "def f(t):\n    return t.split('\\n')\n\nx = \"a\\nb\" + 'c'\n".to_string(),
                vec![2, 5]
            ))
        );
    }

    #[test]
    fn a_signature_naming_its_own_class_gets_postponed_annotations() {
        let src = "\"\"\"To-do list.\n\nKept in memory.\"\"\"\nimport json\n\n\nclass TodoList:\n    @classmethod\n    def load(cls, path: str) -> TodoList:\n        return cls()\n";
        let fixed = postpone_annotations(src).expect("fixed");
        assert_eq!(
            fixed,
            "\"\"\"To-do list.\n\nKept in memory.\"\"\"\nfrom __future__ import annotations\nimport json\n\n\nclass TodoList:\n    @classmethod\n    def load(cls, path: str) -> TodoList:\n        return cls()\n"
        );
        let no_docstring = "class Node:\n    def link(self, other: Node) -> None:\n        pass\n";
        assert!(postpone_annotations(no_docstring)
            .is_some_and(|f| f.starts_with("from __future__ import annotations\nclass Node:")));
        // Nothing to postpone, or already postponed.
        assert_eq!(
            postpone_annotations("class A:\n    def f(self, x: int) -> int:\n        return x\n"),
            None
        );
        assert_eq!(postpone_annotations(&fixed), None);
    }

    #[test]
    fn valid_python_is_left_alone() {
        for ok in [
            "s = 'it\\'s'\nt = \"say \\\"hi\\\"\"\n",
            "doc = \"\"\"two\nlines\"\"\"\nu = '''a\nb'''\n",
            "# don't panic: a quote in a comment\nv = 1\n",
            "w = 'a\\\nb'\n",
            "p = r'\\d+\\n'\nq = f\"{p!r}\"\n",
            "",
        ] {
            assert_eq!(repair_broken_strings(ok), None, "{ok}");
        }
    }

    #[test]
    fn a_quote_really_left_open_is_not_guessed_at() {
        assert_eq!(repair_broken_strings("print('hello)\nx = 1\ny = 2\n"), None);
        assert_eq!(repair_broken_strings("s = 'abc"), None);
    }

    #[test]
    fn line_numbers_count_lines_inside_triple_quoted_strings() {
        let src = "\"\"\"doc\nstring\"\"\"\nsep = '\n'\n";
        assert_eq!(
            repair_broken_strings(src).map(|(_, lines)| lines),
            Some(vec![3])
        );
    }
}
