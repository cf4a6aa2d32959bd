//! Replies in the shapes Qwen2.5-Coder-1.5B and similar small models write when asked for files as
//! a path line and a fenced block (headings, bold names, comments inside the block, usage
//! examples, prose between files), and SEARCH/REPLACE replies with their usual slips.

use super::*;

fn whole(path: &str, content: &str) -> Edit {
    Edit::WholeFile {
        path: path.into(),
        content: content.into(),
        closed: true,
    }
}

fn paths(p: &Parsed) -> Vec<&str> {
    p.edits.iter().map(Edit::path).collect()
}

#[test]
fn headings_with_explanation_and_a_usage_example() {
    let reply =
        "Sure! Below is the implementation of the `bank.py` module along with the pytest tests.

### bank.py

```python
class Account:
    def __init__(self, owner: str, balance: int = 0):
        self.owner = owner
        self.balance = balance
```

### tests/test_bank.py

```python
from bank import Account

def test_new_account():
    assert Account(\"ann\").balance == 0
```

### Explanation

1. **Account class**: holds the owner and the balance.

You can use `bank.py` like this:

```python
acct = Account(\"bob\")
print(acct.balance)
```
";
    let p = parse_reply(reply);
    assert_eq!(paths(&p), ["bank.py", "tests/test_bank.py"]);
    assert_eq!(
        p.edits[0],
        whole(
            "bank.py",
            "class Account:\n    def __init__(self, owner: str, balance: int = 0):\n        self.owner = owner\n        self.balance = balance\n"
        )
    );
    // The usage example is reported, not written over bank.py.
    assert_eq!(p.problems.len(), 1, "{:?}", p.problems);
    assert!(matches!(
        &p.problems[0],
        ParseProblem::UnnamedBlock { first_line, .. } if first_line == "acct = Account(\"bob\")"
    ));
}

#[test]
fn bold_names_backticks_and_file_labels() {
    let reply = "**roman.py**\n```python\ndef to_roman(n):\n    return 'I' * n\n```\n\n`test_roman.py`:\n```python\ndef test_one():\n    pass\n```\nFile: notes.txt\n```\nhello\n```\n";
    let p = parse_reply(reply);
    assert_eq!(paths(&p), ["roman.py", "test_roman.py", "notes.txt"]);
    assert!(p.problems.is_empty());
    assert_eq!(p.edits[2], whole("notes.txt", "hello\n"));
}

#[test]
fn path_as_a_comment_on_the_first_line_is_taken_and_dropped() {
    let reply = "Here is the package:\n\n```python\n# inventory/models.py\nfrom dataclasses import dataclass\n```\n\n```python\n# File: inventory/__init__.py\nfrom .models import Item\n```\n";
    let p = parse_reply(reply);
    assert_eq!(
        p.edits,
        vec![
            whole("inventory/models.py", "from dataclasses import dataclass\n"),
            whole("inventory/__init__.py", "from .models import Item\n"),
        ]
    );
}

#[test]
fn a_path_line_and_a_shorter_comment_of_the_same_file() {
    let reply = "inventory/store.py\n```python\n# store.py\nclass Inventory:\n    pass\n```\n";
    let p = parse_reply(reply);
    assert_eq!(
        p.edits,
        vec![whole("inventory/store.py", "class Inventory:\n    pass\n")]
    );
}

#[test]
fn an_ordinary_comment_on_the_first_line_stays() {
    let reply = "todo.py\n```python\n# A small to-do list.\nimport json\n```\n";
    let p = parse_reply(reply);
    assert_eq!(
        p.edits,
        vec![whole("todo.py", "# A small to-do list.\nimport json\n")]
    );
}

#[test]
fn language_and_path_in_the_fence_info_string() {
    let reply = "```python lru.py\nclass LRUCache:\n    pass\n```\n```py:tests/test_lru.py\nimport lru\n```\n";
    let p = parse_reply(reply);
    assert_eq!(paths(&p), ["lru.py", "tests/test_lru.py"]);
}

#[test]
fn a_reply_cut_off_inside_a_block_keeps_what_it_has_and_says_so() {
    let reply = "matrix.py\n```python\ndef identity(n):\n    return [[1 if i == j else 0";
    let p = parse_reply(reply);
    assert_eq!(
        p.edits,
        vec![Edit::WholeFile {
            path: "matrix.py".into(),
            content: "def identity(n):\n    return [[1 if i == j else 0\n".into(),
            closed: false,
        }]
    );
}

#[test]
fn a_block_with_no_name_anywhere_is_a_problem() {
    let reply = "Here is the code:\n\n```python\ndef f():\n    return 1\n```\n";
    let p = parse_reply(reply);
    assert!(p.edits.is_empty());
    assert_eq!(
        p.problems,
        vec![ParseProblem::UnnamedBlock {
            line: 3,
            first_line: "def f():".into()
        }]
    );
    assert!(p.problems[0].to_string().contains("no file path"));
}

#[test]
fn the_same_file_twice_keeps_both_in_order() {
    let reply = "a.py\n```python\nx = 1\n```\nOops, fixed:\n\na.py\n```python\nx = 2\n```\n";
    let p = parse_reply(reply);
    assert_eq!(
        p.edits,
        vec![whole("a.py", "x = 1\n"), whole("a.py", "x = 2\n")]
    );
}

#[test]
fn four_backtick_fences_hold_a_markdown_file_with_a_fence_inside() {
    let reply = "README.md\n````markdown\n# Demo\n\n```sh\npython demo.py\n```\n````\n";
    let p = parse_reply(reply);
    assert_eq!(
        p.edits,
        vec![whole("README.md", "# Demo\n\n```sh\npython demo.py\n```\n")]
    );
}

#[test]
fn aider_style_search_replace_inside_fences() {
    let reply = "I will add validation.

bank.py
```python
<<<<<<< SEARCH
    def deposit(self, amount):
        self.balance += amount
=======
    def deposit(self, amount):
        if amount <= 0:
            raise ValueError(\"amount must be positive\")
        self.balance += amount
>>>>>>> REPLACE
```

```python
<<<<<<< SEARCH
import os
=======
>>>>>>> REPLACE
```
";
    let p = parse_reply(reply);
    assert!(p.problems.is_empty(), "{:?}", p.problems);
    assert_eq!(p.edits.len(), 2);
    assert_eq!(
        p.edits[0],
        Edit::SearchReplace {
            path: "bank.py".into(),
            search: "    def deposit(self, amount):\n        self.balance += amount\n".into(),
            replace: "    def deposit(self, amount):\n        if amount <= 0:\n            raise ValueError(\"amount must be positive\")\n        self.balance += amount\n".into(),
        }
    );
    // The second block names no file: it is for the file of the block before it.
    assert_eq!(
        p.edits[1],
        Edit::SearchReplace {
            path: "bank.py".into(),
            search: "import os\n".into(),
            replace: String::new(),
        }
    );
}

#[test]
fn search_replace_without_fences_with_the_path_inside_and_miscounted_markers() {
    let reply = "```\nroman.py\n<<<<<<<< SEARCH\nreturn 0\n======\nreturn 1\n>>>>>>>REPLACE\n```\n**grades.py**\n<<<<<<< SEARCH\na = 1\n=======\na = 2\n>>>>>>> REPLACE\n";
    let p = parse_reply(reply);
    assert!(p.problems.is_empty(), "{:?}", p.problems);
    assert_eq!(paths(&p), ["roman.py", "grades.py"]);
}

#[test]
fn broken_search_blocks_are_reported() {
    let reply = "<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n\na.py\n<<<<<<< SEARCH\nx = 1\n>>>>>>> REPLACE\n\nb.py\n<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n";
    let p = parse_reply(reply);
    assert!(p.edits.is_empty(), "{:?}", p.edits);
    assert_eq!(
        p.problems,
        vec![
            ParseProblem::SearchWithoutPath { line: 1 },
            ParseProblem::MalformedSearchReplace {
                line: 8,
                path: "a.py".into(),
                missing: "=======",
            },
            ParseProblem::MalformedSearchReplace {
                line: 13,
                path: "b.py".into(),
                missing: ">>>>>>> REPLACE",
            },
        ]
    );
}

#[test]
fn windows_line_endings_and_indented_fences() {
    let reply = "1. `shortener.py`\r\n   ```python\r\n   x = 1\r\n   ```\r\n";
    let p = parse_reply(reply);
    assert_eq!(p.edits, vec![whole("shortener.py", "x = 1\n")]);
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    /// Lines that steer the parser: fences, markers, path lines, comments, prose.
    fn fragment() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("```".to_string()),
            Just("```python".to_string()),
            Just("````".to_string()),
            Just("~~~".to_string()),
            Just("<<<<<<< SEARCH".to_string()),
            Just("=======".to_string()),
            Just(">>>>>>> REPLACE".to_string()),
            Just("bank.py".to_string()),
            Just("**a/b.py**".to_string()),
            Just("# x.py".to_string()),
            Just("Here is `c.py`:".to_string()),
            Just(String::new()),
            "[ -~]{0,20}",
            any::<String>(),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn on_arbitrary_text(s in any::<String>()) {
            let _ = parse_reply(&s);
        }

        #[test]
        fn on_replies_made_of_format_lines(lines in proptest::collection::vec(fragment(), 0..40)) {
            let p = parse_reply(&lines.join("\n"));
            for e in &p.edits {
                prop_assert!(!e.path().is_empty());
            }
        }

        #[test]
        fn replacing_in_arbitrary_files(content in "[ a-c\\n\\t]{0,60}", search in "[ a-c\\n\\t]{0,20}", replace in any::<String>()) {
            let _ = crate::edit::replace_block("f.py", &content, &search, &replace);
        }
    }
}
