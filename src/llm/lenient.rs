//! JSON from a small model's tool call, read leniently where the intent is unambiguous: the 1.5B
//! model sometimes puts a raw line break or tab inside a JSON string (seen in a 2,000-character
//! `write_files` call), which strict JSON rejects and which lost the whole call.

use serde_json::Value;

/// `text` as JSON; if strict parsing fails, again with raw control characters inside strings
/// escaped (`\n`, `\r`, `\t`, others as `\u00XX`). Anything else wrong is still an error.
pub fn parse(text: &str) -> Result<Value, serde_json::Error> {
    match serde_json::from_str(text) {
        Ok(v) => Ok(v),
        Err(strict) => match escape_controls_in_strings(text) {
            Some(fixed) => serde_json::from_str(&fixed),
            None => Err(strict),
        },
    }
}

/// `text` with control characters inside string literals escaped, or `None` when it has none.
fn escape_controls_in_strings(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len() + 16);
    let mut in_string = false;
    let mut escaped = false;
    let mut changed = false;
    for c in text.chars() {
        if in_string && !escaped && c.is_control() {
            changed = true;
            match c {
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                other => out.push_str(&format!("\\u{:04x}", other as u32)),
            }
            continue;
        }
        out.push(c);
        if escaped {
            escaped = false;
        } else if in_string && c == '\\' {
            escaped = true;
        } else if c == '"' {
            in_string = !in_string;
        }
    }
    changed.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn raw_line_breaks_and_tabs_inside_strings_are_read_as_escapes() {
        let raw =
            "{\"files\": [{\"content\": \"def f():\n\treturn \\\"a\\\"\n\", \"path\": \"f.py\"}]}";
        assert!(serde_json::from_str::<Value>(raw).is_err());
        assert_eq!(
            parse(raw).expect("lenient"),
            json!({"files": [{"content": "def f():\n\treturn \"a\"\n", "path": "f.py"}]})
        );
        // Whitespace between tokens was never a problem and stays as it is.
        assert_eq!(parse("{\n\t\"a\": 1\n}").expect("strict"), json!({"a": 1}));
    }

    #[test]
    fn other_errors_stay_errors() {
        assert!(parse("{\"a\": \"cut off").is_err());
        assert!(parse("{\"a\": \"x\ny\"").is_err());
        assert!(parse("[1, 2,]").is_err());
    }
}
