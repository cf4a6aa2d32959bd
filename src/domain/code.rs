//! The code domain: a planner-made plan of steps that write and test a codebase, each gated by
//! the project's checks, the files it names and the names the task promises.

use std::sync::Arc;

use super::{deliverables_scope, Domain, DomainError, DomainKind, NewStep, PromptParts, StepKind};
use crate::profile::{EditFormat, ModelProfile};
use crate::store::{FileStore, StoreError};
use crate::tools::interface::Promised;
use crate::tools::{
    interface, step_tool_list, testfile, StepScope, Tool, ToolRegistry, WriteTests,
};

pub struct CodeDomain;

#[async_trait::async_trait]
impl Domain for CodeDomain {
    fn kind(&self) -> DomainKind {
        DomainKind::Code
    }

    fn steps_from_planner(&self, texts: Vec<String>, task: &str) -> Vec<NewStep> {
        planned_steps(texts, task, |deliverables, promised| StepKind::Code {
            tests: testfile::test_files_among(&deliverables),
            deliverables,
            promised,
            draft: false,
        })
    }

    fn shape_plan(&self, steps: Vec<NewStep>, profile: &ModelProfile) -> Vec<NewStep> {
        // Agreement ranks plain-text candidates only: the tool path keeps the planner's steps.
        let blocks = profile.edit_format == EditFormat::Blocks;
        let steps = match profile.tests_with_code && blocks {
            true => tests_with_their_code(steps),
            false => steps,
        };
        match profile.draft_first && blocks {
            true => with_draft(steps),
            false => steps,
        }
    }

    /// Code steps take the profile's format: a small model's files come as plain-text blocks.
    fn edit_format(&self, kind: &StepKind, profile: &ModelProfile) -> EditFormat {
        match kind {
            StepKind::Code { .. } => profile.edit_format,
            _ => EditFormat::Tools,
        }
    }

    fn tools(&self, kind: &StepKind, profile: &ModelProfile) -> ToolRegistry {
        let writes_tests = matches!(kind, StepKind::Code { tests, .. } if !tests.is_empty());
        let mut tools: Vec<Arc<dyn Tool>> = Vec::new();
        // Small models lean towards the first tool listed: a test step's is `write_tests`.
        if writes_tests && profile.write_tests_tool {
            tools.push(Arc::new(WriteTests));
        }
        tools.extend(step_tool_list());
        ToolRegistry::of(tools)
    }

    fn scope(&self, kind: &StepKind, _max_steps: usize) -> StepScope {
        deliverables_scope(kind)
    }

    fn scores_end_states(&self) -> bool {
        true
    }

    fn prompt_parts(
        &self,
        _task: &str,
        kind: &StepKind,
        store: &FileStore,
        profile: &ModelProfile,
        context_window: usize,
    ) -> Result<PromptParts, DomainError> {
        let deliverables = match kind {
            StepKind::Code { deliverables, .. } => deliverables.as_slice(),
            _ => &[],
        };
        let format = self.edit_format(kind, profile);
        Ok(PromptParts {
            system_template: match format {
                EditFormat::Blocks => "step_system_blocks.md",
                EditFormat::Tools => "step_system.md",
            },
            // A quarter of the window (about 3 characters a token) for the files themselves.
            contents: match profile.inline_files {
                true => file_contents(store, context_window * 3 / 4)?,
                false => String::new(),
            },
            test_hints: match profile.test_hints {
                true => testfile::hints_for(store, deliverables, format),
                false => String::new(),
            },
            example_path: deliverables
                .iter()
                .find(|f| !crate::exec::is_python_test_file(f))
                .or(deliverables.first())
                .cloned()
                .unwrap_or_else(|| "module.py".to_string()),
            ..PromptParts::default()
        })
    }
}

/// The planner's step texts as steps whose kind `make` builds from the files each names and the
/// promised names it mentions: the one place a step's text is read, when the step is made.
pub(super) fn planned_steps(
    texts: Vec<String>,
    task: &str,
    make: impl Fn(Vec<String>, Vec<Promised>) -> StepKind,
) -> Vec<NewStep> {
    let promised = interface::promised_names(task);
    texts
        .into_iter()
        .map(|text| NewStep {
            kind: make(files_named_in(&text), promised_in(&promised, &text)),
            text,
        })
        .collect()
}

/// Appends the items of `more` that `list` lacks, keeping both orders.
fn extend_new<T: PartialEq + Clone>(list: &mut Vec<T>, more: &[T]) {
    for item in more {
        if !list.contains(item) {
            list.push(item.clone());
        }
    }
}

/// The plan with a draft step in front: every file and promised name of the planned steps, in
/// their order, written in one reply. A plan that names no file gets no draft.
pub fn with_draft(steps: Vec<NewStep>) -> Vec<NewStep> {
    let mut deliverables: Vec<String> = Vec::new();
    let mut promised: Vec<Promised> = Vec::new();
    for step in &steps {
        if let StepKind::Code {
            deliverables: files,
            promised: names,
            ..
        } = &step.kind
        {
            extend_new(&mut deliverables, files);
            extend_new(&mut promised, names);
        }
    }
    if deliverables.is_empty() {
        return steps;
    }
    let draft = NewStep {
        text: format!(
            "Write the whole project now, in one reply: {}. Every file complete and working, exactly as the task describes; the steps after this one check it and fix what fails.",
            deliverables.join(", ")
        ),
        kind: StepKind::Code {
            tests: testfile::test_files_among(&deliverables),
            deliverables,
            promised,
            draft: true,
        },
    };
    std::iter::once(draft).chain(steps).collect()
}

/// Folds each step that only writes `test_X.py` files into the step just before it when that
/// step writes every `X.py` they test: the pair becomes one step whose files are the module and
/// its tests, in the planner's words.
pub fn tests_with_their_code(steps: Vec<NewStep>) -> Vec<NewStep> {
    let mut out: Vec<NewStep> = Vec::with_capacity(steps.len());
    for step in steps {
        let folded = match (out.last_mut(), &step.kind) {
            (
                Some(NewStep {
                    text,
                    kind:
                        StepKind::Code {
                            deliverables,
                            tests,
                            promised,
                            ..
                        },
                }),
                StepKind::Code {
                    deliverables: new_files,
                    tests: new_tests,
                    promised: new_promised,
                    ..
                },
            ) if tests_only_for(new_files, new_tests, deliverables) => {
                if !text.trim_end().ends_with('.') {
                    text.push('.');
                }
                text.push_str(" Then, in this same step: ");
                text.push_str(&step.text);
                extend_new(deliverables, new_files);
                extend_new(tests, new_files);
                extend_new(promised, new_promised);
                true
            }
            _ => false,
        };
        if !folded {
            out.push(step);
        }
    }
    out
}

/// Whether `files` are all tests (at least one) and each `test_X.py` tests an `X.py` among
/// `modules`.
fn tests_only_for(files: &[String], tests: &[String], modules: &[String]) -> bool {
    let stem = |path: &str| {
        let name = path.rsplit('/').next().unwrap_or(path);
        name.strip_suffix(".py").unwrap_or(name).to_string()
    };
    let module_stems: Vec<String> = modules
        .iter()
        .filter(|m| !tests.contains(m) && !crate::exec::is_python_test_file(m))
        .map(|m| stem(m))
        .collect();
    !files.is_empty()
        && files.iter().all(|f| {
            tests.contains(f)
                && stem(f)
                    .strip_prefix("test_")
                    .is_some_and(|tested| module_stems.iter().any(|m| m == tested))
        })
}

/// Files named (not shown) at most in a step's prompt.
const MAX_NAMED: usize = 50;

/// The project's current files, shown in full at the start of a code step while they fit in
/// `max_chars`, so a fresh agent builds on what is there instead of rewriting it from memory
/// (small models rarely call `read_files` first). Files that do not fit are named, not shown.
pub fn file_contents(store: &FileStore, max_chars: usize) -> Result<String, StoreError> {
    file_contents_where(store, max_chars, |_| true)
}

/// `file_contents` of the files `keep` accepts.
pub fn file_contents_where(
    store: &FileStore,
    max_chars: usize,
    keep: impl Fn(&str) -> bool,
) -> Result<String, StoreError> {
    let mut shown = String::new();
    let mut left_out = Vec::new();
    for entry in store.list(None)? {
        if !keep(&entry.path) {
            continue;
        }
        let Ok(text) = store.read(&entry.path) else {
            continue;
        };
        let block = format!("## {}\n```\n{}\n```\n\n", entry.path, text.trim_end());
        if shown.len() + block.len() <= max_chars {
            shown.push_str(&block);
        } else {
            left_out.push(entry.path);
        }
    }
    if !left_out.is_empty() {
        // named up to a point: a check that made thousands of files must not fill the prompt
        let more = left_out.len().saturating_sub(MAX_NAMED);
        left_out.truncate(MAX_NAMED);
        shown.push_str(&format!(
            "(not shown to save room; read them with read_files: {}{})\n",
            left_out.join(", "),
            if more > 0 {
                format!(" and {more} more (see list_files)")
            } else {
                String::new()
            }
        ));
    }
    Ok(shown)
}

/// The promised names a step's text mentions as words: what the step is about to deliver.
pub fn promised_in(promised: &[Promised], step: &str) -> Vec<Promised> {
    let words: Vec<&str> = step
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .collect();
    promised
        .iter()
        .filter(|p| words.contains(&p.name.as_str()))
        .cloned()
        .collect()
}

/// File extensions that count as a deliverable when a step names a file.
const DELIVERABLE_EXTENSIONS: &[&str] = &[
    "py", "rs", "js", "ts", "go", "java", "c", "h", "cpp", "md", "txt", "toml", "json", "yaml",
    "yml", "csv", "html", "css", "sh",
];

/// The files a step names (`shapes.py`, `tests/test_shapes.py`), which must exist when it ends.
/// Steps that delete, remove, rename or move files name files that should not exist, so they
/// expect nothing.
pub fn files_named_in(step: &str) -> Vec<String> {
    // A step that starts by deleting, renaming or moving leaves no new file; one that merely
    // mentions such a word ("with add, complete, remove ... methods") does.
    let first = step
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if ["delete", "remove", "rename", "move"].contains(&first.as_str()) {
        return Vec::new();
    }
    let mut files: Vec<String> = Vec::new();
    for token in step.split(|c: char| c.is_whitespace() || ",;()[]{}\"'`<>".contains(c)) {
        let t = token.trim_end_matches(['.', ':', '!', '?']);
        if t.is_empty()
            || t.contains("://")
            || t.starts_with('/')
            || t.contains("..")
            || t.contains('*')
        {
            continue;
        }
        let Some((stem, ext)) = t.rsplit_once('.') else {
            continue;
        };
        let name_ok = !stem.is_empty()
            && !stem.ends_with('/')
            && stem
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-/.".contains(c));
        if name_ok && DELIVERABLE_EXTENSIONS.contains(&ext) && !files.iter().any(|f| f == t) {
            files.push(t.to_string());
        }
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn finds_the_files_a_step_names() {
        assert_eq!(
            files_named_in(
                "Write test_shapes.py with pytest tests for `shapes.py` (area, perimeter)."
            ),
            v(&["test_shapes.py", "shapes.py"])
        );
        assert_eq!(
            files_named_in(
                "Create inventory/models.py and inventory/__init__.py; see https://x.io/a.py"
            ),
            v(&["inventory/models.py", "inventory/__init__.py"])
        );
        assert_eq!(
            files_named_in("Write c_to_f(celsius: float) -> float"),
            Vec::<String>::new()
        );
        assert_eq!(
            files_named_in("Delete old.py and write new.py"),
            Vec::<String>::new()
        );
        // A method called `remove` is not a step that removes files (03-todo-list's plan).
        assert_eq!(
            files_named_in("Write todo.py with TodoList class, add, complete, remove and get"),
            v(&["todo.py"])
        );
        assert_eq!(
            files_named_in("Use version 1.5 of the API, e.g. obj.method"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn thousands_of_files_are_counted_not_all_named() {
        let dir = tempfile::tempdir().expect("tmp");
        for i in 0..3000 {
            std::fs::write(dir.path().join(format!("f{i:04}.txt")), "data").expect("write");
        }
        let store = FileStore::open(dir.path()).expect("store");
        let text = file_contents(&store, 200).expect("contents");
        assert!(text.len() < 2000, "{} bytes", text.len());
        assert!(text.contains(" more (see list_files)"), "{text}");
        assert!(text.matches(", ").count() < 60, "{text}");
    }

    #[test]
    fn file_contents_shows_what_fits_and_names_the_rest() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = FileStore::open(dir.path()).expect("store");
        store.write("a.py", "x = 1\n").expect("write");
        store.write("b.py", &"y = 2\n".repeat(50)).expect("write");
        store.write("c/d.py", "z = 3\n").expect("write");
        assert_eq!(
            file_contents(&store, 60).expect("view"),
            "## a.py\n```\nx = 1\n```\n\n## c/d.py\n```\nz = 3\n```\n\n(not shown to save room; read them with read_files: b.py)\n"
        );
        assert_eq!(file_contents(&store, 0).expect("view").lines().count(), 1);
    }

    #[test]
    fn a_step_that_tests_the_module_before_it_is_folded_into_that_step() {
        let task = "Write `roman.py` with `to_roman(n)` and `from_roman(s)`, and `util.py`.";
        let steps = CodeDomain.steps_from_planner(
            v(&[
                "Write roman.py with to_roman and from_roman",
                "Write test_roman.py with pytest tests for to_roman and from_roman",
                "Write test_util.py with tests for util",
                "Run the tests",
            ]),
            task,
        );
        let no_draft = ModelProfile {
            draft_first: false,
            ..ModelProfile::small()
        };
        let shaped = CodeDomain.shape_plan(steps.clone(), &no_draft);
        assert_eq!(shaped.len(), 3, "{shaped:?}");
        assert_eq!(
            shaped[0].text,
            "Write roman.py with to_roman and from_roman. Then, in this same step: Write test_roman.py with pytest tests for to_roman and from_roman"
        );
        let StepKind::Code {
            deliverables,
            tests,
            ..
        } = &shaped[0].kind
        else {
            panic!("not a code step: {:?}", shaped[0].kind);
        };
        assert_eq!(deliverables, &v(&["roman.py", "test_roman.py"]));
        assert_eq!(tests, &v(&["test_roman.py"]));
        // test_util.py tests a module no step before it wrote: it stays a step of its own.
        assert_eq!(shaped[1].text, "Write test_util.py with tests for util");
        // A strong model's plan is kept as the planner made it.
        assert_eq!(
            CodeDomain.shape_plan(steps.clone(), &ModelProfile::standard()),
            steps
        );
    }

    #[test]
    fn the_small_profile_drafts_every_planned_file_in_a_first_step() {
        let task = "Write `roman.py` with `to_roman(n)` and `from_roman(s)`, and `util.py`.";
        let steps = CodeDomain.steps_from_planner(
            v(&[
                "Write roman.py with to_roman and from_roman",
                "Write test_roman.py with pytest tests for to_roman and from_roman",
                "Write util.py",
            ]),
            task,
        );
        let shaped = CodeDomain.shape_plan(steps, &ModelProfile::small());
        assert_eq!(shaped.len(), 3, "{shaped:?}");
        assert!(shaped[0].kind.is_draft() && !shaped[1].kind.is_draft());
        assert!(shaped[0].text.contains("roman.py, test_roman.py, util.py"));
        let StepKind::Code {
            deliverables,
            tests,
            promised,
            ..
        } = &shaped[0].kind
        else {
            panic!("not a code step: {:?}", shaped[0].kind);
        };
        assert_eq!(deliverables, &v(&["roman.py", "test_roman.py", "util.py"]));
        assert_eq!(tests, &v(&["test_roman.py"]));
        let names: Vec<&str> = promised.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["to_roman", "from_roman"]);
        // A plan that names no file has nothing to draft.
        let none = CodeDomain.steps_from_planner(v(&["Run the tests"]), task);
        assert_eq!(
            CodeDomain.shape_plan(none.clone(), &ModelProfile::small()),
            none
        );
    }

    #[test]
    fn a_planned_step_knows_its_files_tests_and_promised_names() {
        let task = "Write temp.py with `c_to_f(celsius: float) -> float` and `f_to_c(f)`.";
        let steps = CodeDomain.steps_from_planner(
            v(&[
                "Write temp.py with c_to_f",
                "Write test_temp.py for c_to_f and f_to_c",
            ]),
            task,
        );
        match &steps[1].kind {
            StepKind::Code {
                deliverables,
                tests,
                promised,
                ..
            } => {
                assert_eq!(deliverables, &v(&["test_temp.py"]));
                assert_eq!(tests, &v(&["test_temp.py"]));
                let names: Vec<&str> = promised.iter().map(|p| p.name.as_str()).collect();
                assert_eq!(names, ["c_to_f", "f_to_c"]);
            }
            other => panic!("unexpected {other:?}"),
        }
        let small = CodeDomain.tools(&steps[1].kind, &ModelProfile::small());
        assert_eq!(small.names()[..2], ["write_tests", "write_files"]);
        let standard = CodeDomain.tools(&steps[1].kind, &ModelProfile::standard());
        assert_eq!(standard.names()[0], "write_files");
        assert_eq!(
            CodeDomain
                .tools(&steps[0].kind, &ModelProfile::small())
                .names()
                .len(),
            7
        );
    }
}
