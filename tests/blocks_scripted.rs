//! Plain-text code steps end to end against a scripted OpenAI-compatible server: the model sends
//! files as path lines and fenced blocks (or SEARCH/REPLACE blocks), with no tool schema in the
//! request; the control unit applies them, runs the checks, answers in plain text, ends the step
//! when the checks pass, and keeps the best of a step's first replies.

mod common;

use common::*;
use l2mac::control::Event;
use serde_json::Value;

const TASK: &str =
    "Write `calc.py` with `add(a, b)`: `add(2, 3)` is `5`. Test it in `test_calc.py`.";
const RIGHT: &str = "def add(a, b):\n    return a + b\n";
const TESTS: &str = "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n";

fn block(path: &str, code: &str) -> String {
    format!("Here is the file.\n\n{path}\n```python\n{code}```\n")
}

fn user_text(req: &Value) -> String {
    last_message(req)["content"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn no_tools(req: &Value) {
    assert!(
        req.get("tools").is_none(),
        "a plain-text step offered tools: {req}"
    );
    assert!(req.get("tool_choice").is_none(), "{req}");
}

#[tokio::test]
async fn the_best_of_three_first_replies_is_kept_and_a_perfect_one_stops_sampling() {
    let server = ScriptedServer::start(vec![
        plan(&["Write calc.py with add", "Write the tests in test_calc.py"]),
        // Step 1: a syntax error, a wrong answer to the stated example, then the right module.
        expect(
            |req| {
                no_tools(req);
                let system = req["messages"][0]["content"].as_str().unwrap_or_default();
                assert!(system.contains("<<<<<<< SEARCH"), "{system}");
                assert!(!system.contains("write_files"), "{system}");
            },
            text(&block("calc.py", "def add(a, b)\n    return a + b\n")),
        ),
        expect(
            no_tools,
            text(&block("calc.py", "def add(a, b):\n    return a - b\n")),
        ),
        text(&block("calc.py", RIGHT)),
        // Step 2: the first candidate already passes everything, so it is the only one asked.
        text(&block("test_calc.py", TESTS)),
    ])
    .await;
    let dir = tempfile::tempdir().expect("tmp");
    let (report, events) = run_task(&server, dir.path(), TASK, blocks_settings(3)).await;

    assert_complete(&report);
    assert_eq!((report.steps_done, report.model_calls), (2, 5));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("calc.py")).expect("calc"),
        RIGHT
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("test_calc.py")).expect("t"),
        TESTS
    );
    let temperatures: Vec<f64> = server.requests()[1..4]
        .iter()
        .map(|r| r["temperature"].as_f64().unwrap_or(-1.0))
        .collect();
    assert_eq!(temperatures.len(), 3);
    assert!(
        temperatures[0] < temperatures[1] && temperatures[1] < temperatures[2],
        "{temperatures:?}"
    );
    let scored: Vec<(usize, usize)> = events
        .iter()
        .filter_map(|e| match e {
            Event::CandidatesScored { scores, kept, .. } => Some((scores.len(), *kept)),
            _ => None,
        })
        .collect();
    assert_eq!(scored, vec![(3, 2), (1, 0)]);
    let first = events.iter().find_map(|e| match e {
        Event::CandidatesScored { scores, .. } => Some(scores[1].clone()),
        _ => None,
    });
    assert!(
        first
            .as_deref()
            .is_some_and(|s| s.contains("0/1 stated examples")),
        "{first:?}"
    );
}

#[tokio::test]
async fn failing_checks_are_answered_in_plain_text_until_a_search_replace_fixes_them() {
    let server = ScriptedServer::start(vec![
        plan(&["Write calc.py with add and its tests in test_calc.py"]),
        text("I will write calc.py and test_calc.py now."),
        expect(
            |req| {
                no_tools(req);
                let said = user_text(req);
                assert!(said.starts_with("Your reply had no file in it"), "{said}");
                assert!(said.contains("calc.py, test_calc.py, which do not exist yet"), "{said}");
            },
            text(&format!(
                "{}\n{}",
                block("calc.py", "def add(a, b):\n    return a - b\n"),
                block("test_calc.py", TESTS)
            )),
        ),
        expect(
            |req| {
                let said = user_text(req);
                assert!(said.contains("- wrote `calc.py` (2 lines)"), "{said}");
                assert!(said.contains("checks fail"), "{said}");
                assert!(said.contains("assert -1 == 5") || said.contains("test_add"), "{said}");
            },
            text("calc.py\n<<<<<<< SEARCH\n    return a * b\n=======\n    return a + b\n>>>>>>> REPLACE\n"),
        ),
        expect(
            |req| {
                let said = user_text(req);
                assert!(
                    said.contains("FAILED: `calc.py`: the SEARCH text is not in the file"),
                    "{said}"
                );
            },
            text("calc.py\n<<<<<<< SEARCH\n    return a - b\n=======\n    return a + b\n>>>>>>> REPLACE\n"),
        ),
    ])
    .await;
    let dir = tempfile::tempdir().expect("tmp");
    let (report, events) = run_task(&server, dir.path(), TASK, blocks_settings(1)).await;

    assert_complete(&report);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("calc.py")).expect("calc"),
        RIGHT
    );
    let applied = events
        .iter()
        .filter(|e| matches!(e, Event::EditsApplied { .. }))
        .count();
    assert_eq!(applied, 4);
    assert!(events
        .iter()
        .any(|e| matches!(e, Event::StepFinished { completed: true, summary, .. } if summary.contains("edited `calc.py`"))));
}

#[tokio::test]
async fn a_tests_step_whose_tests_stay_wrong_keeps_the_module_and_only_the_tests_that_agree() {
    let wrong_tests = "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n\n\ndef test_add_more():\n    assert add(2, 3) == 6\n";
    let server = ScriptedServer::start(vec![
        plan(&["Write calc.py with add", "Write the tests in test_calc.py"]),
        text(&block("calc.py", RIGHT)),
        text(&block("test_calc.py", wrong_tests)),
        expect(
            |req| {
                let said = user_text(req);
                assert!(
                    said.contains("This step writes tests only. `calc.py` was written and checked"),
                    "{said}"
                );
            },
            // The model tries to bend the module to its test instead.
            text(&format!(
                "{}\n{}",
                block("calc.py", "def add(a, b):\n    return a + b + 1\n"),
                block("test_calc.py", wrong_tests)
            )),
        ),
    ])
    .await;
    let dir = tempfile::tempdir().expect("tmp");
    let (report, events) = run_task(&server, dir.path(), TASK, blocks_settings(1)).await;

    // One repair, then the failing test is dropped and the step ends with the checks green.
    assert_complete(&report);
    assert_eq!((report.steps_done, report.model_calls), (2, 4));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("calc.py")).expect("calc"),
        RIGHT
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("test_calc.py")).expect("tests"),
        TESTS
    );
    assert!(events.iter().any(|e| matches!(e,
        Event::StepFinished { completed: true, summary, .. } if summary.contains("dropped 1 that contradicted it after the repairs: test_calc.py::test_add_more"))));
}

#[tokio::test]
async fn a_step_with_nothing_to_write_and_green_checks_asks_the_model_nothing() {
    let server = ScriptedServer::start(vec![
        plan(&[
            "Write calc.py with add and test_calc.py",
            "Run the tests and finish",
        ]),
        text(&format!(
            "{}\n{}",
            block("calc.py", RIGHT),
            block("test_calc.py", TESTS)
        )),
    ])
    .await;
    let dir = tempfile::tempdir().expect("tmp");
    let (report, events) = run_task(&server, dir.path(), TASK, blocks_settings(3)).await;
    assert_complete(&report);
    assert_eq!((report.steps_done, report.model_calls), (2, 2));
    assert!(events.iter().any(|e| matches!(e,
        Event::StepFinished { index: 1, completed: true, summary } if summary.starts_with("nothing to write"))));
}

const TASK_SUB: &str = "Write `calc.py` with `add(a, b)` (the sum) and `sub(a, b)` (a minus b), with pytest tests in `test_calc.py`.";

fn candidate(sub: &str, tests: &[(&str, &str)]) -> String {
    let code = format!("def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return {sub}\n");
    let mut test_file = String::from("from calc import add, sub\n");
    for (name, assertion) in tests {
        test_file.push_str(&format!("\n\ndef test_{name}():\n    assert {assertion}\n"));
    }
    format!(
        "{}\n{}",
        block("calc.py", &code),
        block("test_calc.py", &test_file)
    )
}

#[tokio::test]
async fn a_module_with_its_tests_is_kept_by_what_every_candidate_s_tests_agree_on() {
    let server = ScriptedServer::start(vec![
        plan(&[
            "Write calc.py with add and sub",
            "Write test_calc.py with pytest tests for add and sub",
        ]),
        // The first candidate's code is wrong and its own tests agree with it: alone, every
        // check passes. The other two agree with each other (one of their tests is wrong too).
        text(&candidate(
            "b - a",
            &[("add", "add(2, 3) == 5"), ("sub", "sub(5, 3) == -2")],
        )),
        text(&candidate(
            "a - b",
            &[("add", "add(2, 3) == 5"), ("sub", "sub(5, 3) == 2")],
        )),
        text(&candidate(
            "a - b",
            &[("sub", "sub(10, 4) == 6"), ("add", "add(1, 1) == 3")],
        )),
    ])
    .await;
    let dir = tempfile::tempdir().expect("tmp");
    let (report, events) = run_task(&server, dir.path(), TASK_SUB, folded_settings(3)).await;

    assert_complete(&report);
    // The tests-only step was folded into the module's step: one step, three candidates.
    assert_eq!((report.steps_done, report.model_calls), (1, 4));
    let calc = std::fs::read_to_string(dir.path().join("calc.py")).expect("calc");
    assert!(calc.contains("return a - b"), "{calc}");
    let tests = std::fs::read_to_string(dir.path().join("test_calc.py")).expect("tests");
    assert!(tests.contains("sub(5, 3) == 2"), "{tests}");
    let scored = events.iter().find_map(|e| match e {
        Event::CandidatesScored { scores, kept, .. } => Some((scores.clone(), *kept)),
        _ => None,
    });
    let Some((scores, kept)) = scored else {
        panic!("no candidates scored: {events:?}");
    };
    assert_eq!(kept, 1, "{scores:#?}");
    assert!(
        scores[0].contains(", 3 test case(s) of all candidates pass"),
        "{scores:#?}"
    );
    assert!(
        scores[1].contains(", 4 test case(s) of all candidates pass"),
        "{scores:#?}"
    );
}

#[tokio::test]
async fn a_test_the_agreed_module_fails_is_dropped_without_a_repair() {
    let wrong = candidate(
        "a - b",
        &[("add", "add(2, 3) == 5"), ("sub", "sub(5, 3) == 3")],
    );
    let server = ScriptedServer::start(vec![
        plan(&["Write calc.py with add and sub, and test_calc.py with pytest tests for both"]),
        text(&wrong),
    ])
    .await;
    let dir = tempfile::tempdir().expect("tmp");
    let (report, events) = run_task(&server, dir.path(), TASK_SUB, folded_settings(1)).await;

    assert_complete(&report);
    assert_eq!(report.model_calls, 2);
    let tests = std::fs::read_to_string(dir.path().join("test_calc.py")).expect("tests");
    assert!(tests.contains("def test_add"), "{tests}");
    assert!(!tests.contains("def test_sub"), "{tests}");
    assert!(events.iter().any(|e| matches!(e,
        Event::Warning { message } if message.contains("test_calc.py::test_sub"))));
}

#[tokio::test]
async fn dropping_tests_never_ends_a_step_whose_module_lost_a_promised_name() {
    // Every test fails and the module lacks `sub`: nothing may be dropped, the model is asked
    // for the missing name and the step ends once the module has it.
    let lost = format!(
        "{}\n{}",
        block("calc.py", "def add(a, b):\n    return a - b\n"),
        block(
            "test_calc.py",
            "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"
        )
    );
    let server = ScriptedServer::start(vec![
        plan(&["Write calc.py with add and sub, and test_calc.py with pytest tests for both"]),
        text(&lost),
        text(&candidate(
            "a - b",
            &[("add", "add(2, 3) == 5"), ("sub", "sub(5, 3) == 2")],
        )),
    ])
    .await;
    let dir = tempfile::tempdir().expect("tmp");
    let (report, _) = run_task(&server, dir.path(), TASK_SUB, folded_settings(1)).await;
    assert_complete(&report);
    assert_eq!(report.model_calls, 3);
    let calc = std::fs::read_to_string(dir.path().join("calc.py")).expect("calc");
    assert!(calc.contains("def sub"), "{calc}");
}

const TASK_DRAFT: &str = "Write `calc.py` with `add(a, b)` and `sub(a, b)`: `add(2, 3)` is `5` and `sub(5, 3)` is `2`. Test them in `test_calc.py`.";
const CALC: &str = "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n";

fn draft_reply(calc: &str, tests: &str) -> String {
    format!(
        "{}\n{}",
        block("calc.py", calc),
        block("test_calc.py", tests)
    )
}

#[tokio::test]
async fn a_draft_that_passes_its_checks_leaves_the_planned_steps_nothing_to_do() {
    let tests = "from calc import add, sub\n\n\ndef test_add():\n    assert add(2, 3) == 5\n\n\ndef test_sub():\n    assert sub(5, 3) == 2\n";
    let server = ScriptedServer::start(vec![
        plan(&["Write calc.py with add and sub", "Write test_calc.py"]),
        // The draft step: the whole project in one reply, with a larger output cap.
        expect(
            |req| {
                no_tools(req);
                assert_eq!(req["max_tokens"].as_u64(), Some(4096), "{req}");
                let step = user_text(req);
                assert!(step.contains("calc.py, test_calc.py"), "{step}");
            },
            text(&draft_reply(CALC, tests)),
        ),
    ])
    .await;
    let dir = tempfile::tempdir().expect("tmp");
    let (report, events) = run_task(&server, dir.path(), TASK_DRAFT, draft_settings(1)).await;

    assert_complete(&report);
    // The folded planned step found its files, names and green checks: no model call.
    assert_eq!(
        (report.steps_total, report.steps_done, report.model_calls),
        (2, 2, 2)
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("calc.py")).expect("calc"),
        CALC
    );
    let skipped = events.iter().any(|e| {
        matches!(e, Event::StepFinished { index: 1, summary, .. } if summary.starts_with("nothing to fix"))
    });
    assert!(skipped, "{events:#?}");
}

#[tokio::test]
async fn a_repair_that_breaks_a_stated_example_is_undone_at_the_end() {
    // The draft's code is right; one of its tests is wrong (5 - 3 is not 3).
    let wrong_test = "from calc import add, sub\n\n\ndef test_add():\n    assert add(2, 3) == 5\n\n\ndef test_sub():\n    assert sub(5, 3) == 3\n";
    let bent = |sub: &str| {
        format!("def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return {sub}\n")
    };
    let server = ScriptedServer::start(vec![
        plan(&["Write calc.py with add and sub", "Write test_calc.py"]),
        text(&draft_reply(CALC, wrong_test)),
        // The planned step sees the failing test and bends the code to it, twice; the step's
        // check of the stated example refuses both and the step runs out of turns.
        expect(
            |req| {
                let step = user_text(req);
                assert!(step.contains("sub(5, 3) == 3"), "{step}");
            },
            text(&draft_reply(&bent("a - b + 1"), wrong_test)),
        ),
        text(&draft_reply(&bent("1 + a - b"), wrong_test)),
    ])
    .await;
    let dir = tempfile::tempdir().expect("tmp");
    let mut settings = draft_settings(1);
    settings.max_turns_per_step = 2;
    let (report, events) = run_task(&server, dir.path(), TASK_DRAFT, settings).await;

    assert_eq!(
        (report.model_calls, report.steps_failed),
        (4, 1),
        "{events:#?}"
    );
    // sub(5, 3) is 2, as the task states: the draft's module is back.
    assert_eq!(
        std::fs::read_to_string(dir.path().join("calc.py")).expect("calc"),
        CALC
    );
    let warned = events.iter().find_map(|e| match e {
        Event::Warning { message } if message.contains("put back as step 1 left it") => {
            Some(message.clone())
        }
        _ => None,
    });
    let Some(message) = warned else {
        panic!("no restore warning: {events:#?}");
    };
    assert!(message.contains("2 stated example(s)"), "{message}");
    assert!(
        message.contains("the last state had 1 stated example(s)"),
        "{message}"
    );
    // Its wrong test still fails, and the run says so rather than claiming success.
    assert_ne!(report.outcome, l2mac::control::Outcome::Complete);
}
