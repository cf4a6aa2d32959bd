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
