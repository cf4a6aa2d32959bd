//! Unified diffs between two snapshots of the store: what one step of the agent changed.

use super::Snapshot;
use similar::TextDiff;

/// Lines of unchanged context around each change.
const CONTEXT: usize = 3;

/// Unified diffs of every added, changed and deleted file, in path order, each with `---`/`+++`
/// headers (`/dev/null` for the missing side). Empty when nothing changed.
pub fn diff_snapshots(before: &Snapshot, after: &Snapshot) -> String {
    let mut paths: Vec<&String> = before.keys().chain(after.keys()).collect();
    paths.sort();
    paths.dedup();
    let mut out = String::new();
    for path in paths {
        let old = before.get(path);
        let new = after.get(path);
        if old == new {
            continue;
        }
        let a = match old {
            Some(_) => format!("a/{path}"),
            None => "/dev/null".to_string(),
        };
        let b = match new {
            Some(_) => format!("b/{path}"),
            None => "/dev/null".to_string(),
        };
        let old = old.map(String::as_str).unwrap_or("");
        let new = new.map(String::as_str).unwrap_or("");
        let diff = TextDiff::from_lines(old, new);
        let text = diff
            .unified_diff()
            .context_radius(CONTEXT)
            .missing_newline_hint(true)
            .header(&a, &b)
            .to_string();
        if text.is_empty() {
            // `similar` prints nothing when neither side has a line (an empty file added or
            // deleted); the header alone still tells the reader that the file came or went.
            out.push_str(&format!("--- {a}\n+++ {b}\n"));
        } else {
            out.push_str(&text);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(items: &[(&str, &str)]) -> Snapshot {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn added_changed_deleted_and_unchanged() {
        let before = snap(&[
            ("same.txt", "x\n"),
            ("gone.txt", "bye\n"),
            ("m.py", "a = 1\nb = 2\n"),
        ]);
        let after = snap(&[
            ("same.txt", "x\n"),
            ("m.py", "a = 1\nb = 3\n"),
            ("new.py", "print(1)\n"),
        ]);
        let want = "--- a/gone.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-bye\n\
                    --- a/m.py\n+++ b/m.py\n@@ -1,2 +1,2 @@\n a = 1\n-b = 2\n+b = 3\n\
                    --- /dev/null\n+++ b/new.py\n@@ -0,0 +1 @@\n+print(1)\n";
        assert_eq!(diff_snapshots(&before, &after), want);
    }

    #[test]
    fn no_changes_no_output_and_empty_new_file_has_header() {
        let s = snap(&[("a", "1\n")]);
        assert_eq!(diff_snapshots(&s, &s), "");
        let with_empty = snap(&[("a", "1\n"), ("empty.py", "")]);
        assert_eq!(
            diff_snapshots(&s, &with_empty),
            "--- /dev/null\n+++ b/empty.py\n"
        );
    }
}
