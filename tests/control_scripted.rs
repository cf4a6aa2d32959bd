//! The control unit end to end against a scripted OpenAI-compatible server (real HTTP, real
//! client): planning, steps, checks, context restarts and tool errors.

mod common;

use common::*;
use l2mac::control::{Event, Outcome, RunSettings};
use serde_json::json;

const OPS: &str = "def add(a, b):\n    return a + b\n\n\ndef mul(a, b):\n    return a * b\n";
const TESTS: &str = "from calc.ops import add, mul\n\n\ndef test_add():\n    assert add(2, 3) == 5\n\n\ndef test_mul():\n    assert mul(2, 3) == 6\n";

#[tokio::test]
async fn three_step_plan_builds_a_tested_python_package() {
    let server = ScriptedServer::start(vec![
        expect(
            |req| {
                assert_eq!(
                    req["tool_choice"],
                    json!({"type": "function", "function": {"name": "plan"}})
                );
                assert_eq!(req["tools"].as_array().map(|t| t.len()), Some(1));
            },
            plan(&[
                "1. Write calc/ops.py with add and mul",
                "Write tests in tests/test_ops.py",
                "Run the tests and finish",
            ]),
        ),
        write("calc/__init__.py", ""),
        write("calc/ops.py", OPS),
        complete("calc package with add and mul"),
        expect(
            |req| {
                let user = req["messages"][1]["content"].as_str().unwrap_or_default();
                assert!(
                    user.contains("- Step 1: calc package with add and mul"),
                    "{user}"
                );
                assert!(user.contains("calc/ops.py"), "{user}");
            },
            write("tests/test_ops.py", TESTS),
        ),
        complete("pytest tests for add and mul"),
        call("run_checks", json!({})),
        expect(
            |req| {
                let result = last_message(req)["content"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                assert!(result.contains("PASS"), "{result}");
            },
            complete("all tests pass"),
        ),
    ])
    .await;
    let dir = tempfile::tempdir().expect("tmp");
    let (report, events) = run_task(
        &server,
        dir.path(),
        "Build a calc package",
        python_settings(),
    )
    .await;

    assert_complete(&report);
    assert_eq!(
        (report.steps_total, report.steps_done, report.steps_failed),
        (3, 3, 0)
    );
    assert!(report.checks_passed);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("calc/ops.py")).expect("ops"),
        OPS
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("tests/test_ops.py")).expect("tests"),
        TESTS
    );
    assert_eq!(server.served(), 8);
    assert_eq!(report.prompt_tokens, 800);
    let planned = events.iter().find_map(|e| match e {
        Event::Planned { steps } => Some(steps.clone()),
        _ => None,
    });
    assert_eq!(
        planned,
        Some(vec![
            "Write calc/ops.py with add and mul".to_string(),
            "Write tests in tests/test_ops.py".to_string(),
            "Run the tests and finish".to_string()
        ])
    );
    let control = dir.path().join(".l2mac");
    let diff = std::fs::read_to_string(control.join("steps/01/changes.diff")).expect("diff");
    assert!(
        diff.contains("+++ b/calc/ops.py") && diff.contains("+def add(a, b):"),
        "{diff}"
    );
    let transcript = std::fs::read_to_string(control.join("transcript.jsonl")).expect("transcript");
    assert_eq!(
        transcript
            .lines()
            .filter(|l| l.contains("\"kind\":\"request\""))
            .count(),
        8
    );
    assert!(!transcript.contains("sk-test-secret"));
}

#[tokio::test]
async fn a_failing_check_blocks_step_complete_until_fixed() {
    let buggy = "def add(a, b):\n    return a - b\n";
    let test = "from mathx import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n";
    let server = ScriptedServer::start(vec![
        plan(&["Write mathx.py with add, and its test"]),
        calls(vec![
            ("write_files", json!({"files": [{"path": "mathx.py", "content": buggy}, {"path": "test_mathx.py", "content": test}]})),
        ]),
        complete("add written"),
        expect(
            |req| {
                let result = last_message(req)["content"].as_str().unwrap_or_default().to_string();
                assert!(result.contains("not complete because checks fail"), "{result}");
                assert!(result.contains("assert -1 == 5"), "{result}");
            },
            call("edit_file", json!({"path": "mathx.py", "old": "a - b", "new": "a + b"})),
        ),
        complete("add fixed"),
    ])
    .await;
    let dir = tempfile::tempdir().expect("tmp");
    let (report, _) = run_task(&server, dir.path(), "mathx", python_settings()).await;
    assert_complete(&report);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("mathx.py")).expect("read"),
        "def add(a, b):\n    return a + b\n"
    );
    let state: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join(".l2mac/run.json")).expect("state"),
    )
    .expect("json");
    assert_eq!(state["plan"][0]["summary"], json!("add fixed"));
}

#[tokio::test]
async fn a_full_context_is_summarised_and_the_step_restarts_from_the_summary() {
    let big = "x = 1\n".repeat(2000);
    let server = ScriptedServer::start(vec![
        plan(&["Write big.py and small.py"]),
        write("big.py", &big),
        expect(
            |req| {
                assert!(
                    req.get("tools").is_none(),
                    "summary requests carry no tools"
                );
                let last = last_message(req)["content"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                assert!(last.contains("progress summary"), "{last}");
            },
            text("big.py is written. Next: write small.py."),
        ),
        expect(
            |req| {
                let msgs = req["messages"].as_array().cloned().unwrap_or_default();
                assert_eq!(msgs.len(), 2, "a fresh context");
                let user = msgs[1]["content"].as_str().unwrap_or_default();
                assert!(
                    user.contains("big.py is written. Next: write small.py."),
                    "{user}"
                );
            },
            write("small.py", "y = 2\n"),
        ),
        complete("both written"),
    ])
    .await;
    let dir = tempfile::tempdir().expect("tmp");
    let settings = RunSettings {
        context_window: 3000,
        max_output_tokens: Some(500),
        checks: vec![],
        ..python_settings()
    };
    let (report, events) = run_task(&server, dir.path(), "two files", settings).await;
    assert_complete(&report);
    assert_eq!(report.restarts, 1);
    assert!(events.contains(&Event::ContextRestart {
        step: 0,
        restart: 1
    }));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("small.py")).expect("read"),
        "y = 2\n"
    ); // The call that filled the context still ran before the summary.
    assert_eq!(
        std::fs::read_to_string(dir.path().join("big.py")).expect("read"),
        big
    );
}

#[tokio::test]
async fn malformed_arguments_and_unknown_tools_go_back_to_the_model() {
    let server = ScriptedServer::start(vec![
        plan(&["Write notes.txt"]),
        raw_calls(vec![("write_files".into(), "{\"files\": [{\"path\": \"notes.txt\", ".into())]),
        expect(
            |req| {
                let result = last_message(req);
                assert_eq!(result["role"], json!("tool"));
                assert_eq!(result["tool_call_id"], json!("call_0"));
                let text = result["content"].as_str().unwrap_or_default();
                assert!(text.starts_with("ERROR: the arguments of `write_files` are not valid JSON"), "{text}");
            },
            call("make_coffee", json!({"strength": 3})),
        ),
        expect(
            |req| {
                let text = last_message(req)["content"].as_str().unwrap_or_default().to_string();
                assert_eq!(text, "ERROR: there is no tool named `make_coffee`. The tools are: write_files, edit_file, read_files, run_checks, step_complete, list_files, delete_files.");
            },
            call("write_files", json!({"files": "notes.txt"})),
        ),
        expect(
            |req| {
                let text = last_message(req)["content"].as_str().unwrap_or_default().to_string();
                assert!(text.contains("do not match its schema"), "{text}");
            },
            write("notes.txt", "hello\n"),
        ),
        complete("notes written"),
    ])
    .await;
    let dir = tempfile::tempdir().expect("tmp");
    let (report, events) = run_task(&server, dir.path(), "notes", python_settings()).await;
    assert_eq!(report.outcome, Outcome::Complete);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("notes.txt")).expect("read"),
        "hello\n"
    );
    let errors = events
        .iter()
        .filter(|e| matches!(e, Event::ToolResult { is_error: true, .. }))
        .count();
    assert_eq!(errors, 3);
}

#[tokio::test]
async fn path_escapes_are_refused_and_nothing_is_written_outside() {
    let parent = tempfile::tempdir().expect("tmp");
    let run_dir = parent.path().join("run");
    let outside = parent.path().join("outside");
    std::fs::create_dir_all(&run_dir).expect("mkdir");
    std::fs::create_dir_all(&outside).expect("mkdir");
    std::os::unix::fs::symlink(&outside, run_dir.join("link")).expect("symlink");
    let abs = parent.path().join("abs.txt");
    let abs_str = abs.display().to_string();
    let server = ScriptedServer::start(vec![
        plan(&["Write files"]),
        calls(vec![(
            "write_files",
            json!({"files": [
                {"path": "../escape.txt", "content": "x"},
                {"path": abs_str, "content": "x"},
                {"path": "link/pwned.txt", "content": "x"},
                {"path": ".l2mac/run.json", "content": "{}"},
                {"path": "ok.txt", "content": "fine"}
            ]}),
        )]),
        expect(
            |req| {
                let text = last_message(req)["content"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                assert_eq!(text.matches("was not written").count(), 4, "{text}");
                assert!(text.contains("wrote ok.txt (1 lines)"), "{text}");
            },
            call(
                "read_files",
                json!({"paths": ["../../etc/passwd", "/etc/passwd", "link/x"]}),
            ),
        ),
        expect(
            |req| {
                let text = last_message(req)["content"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                assert!(!text.contains("root:"), "{text}");
                assert_eq!(text.matches("ERROR").count(), 3, "{text}");
            },
            complete("done"),
        ),
    ])
    .await;
    let (report, _) = run_task(&server, &run_dir, "escape", python_settings()).await;
    assert_eq!(report.outcome, Outcome::Complete);
    assert!(!parent.path().join("escape.txt").exists());
    assert!(!abs.exists());
    assert_eq!(std::fs::read_dir(&outside).expect("outside").count(), 0);
    assert_eq!(
        std::fs::read_to_string(run_dir.join("ok.txt")).expect("ok"),
        "fine"
    );
    let state = std::fs::read_to_string(run_dir.join(".l2mac/run.json")).expect("state");
    assert_ne!(state, "{}");
}

#[tokio::test]
async fn rate_limits_and_server_errors_are_retried() {
    let server = ScriptedServer::start(vec![
        status(429, Some("1")),
        status(500, None),
        plan(&["Write a.txt"]),
        write("a.txt", "a"),
        complete("a"),
    ])
    .await;
    let dir = tempfile::tempdir().expect("tmp");
    let started = std::time::Instant::now();
    let (report, _) = run_task(&server, dir.path(), "a", python_settings()).await;
    assert_eq!(report.outcome, Outcome::Complete);
    assert_eq!(server.served(), 5);
    // Retry-After: 1 must be honoured (a lower bound, so not flaky).
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));
    // The retried request is the same request.
    let reqs = server.requests();
    assert_eq!(reqs[0], reqs[2]);
}

#[tokio::test]
async fn a_model_that_ignores_the_plan_tool_is_asked_again() {
    let server = ScriptedServer::start(vec![
        text("I think we should write the code."),
        expect(
            |req| {
                let last = last_message(req)["content"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                assert!(last.contains("you did not call the `plan` tool"), "{last}");
            },
            call("plan", json!({"steps": ["", "  "]})),
        ),
        plan(&["a", "b", "c"]),
        expect(
            |req| {
                let last = last_message(req)["content"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                assert!(last.contains("at most 2 are allowed"), "{last}");
            },
            plan(&["a", "b", "c"]),
        ),
        write("a.txt", "a"),
        complete("a"),
        write("b.txt", "b"),
        complete("b and c"),
    ])
    .await;
    let dir = tempfile::tempdir().expect("tmp");
    let settings = RunSettings {
        max_steps: 2,
        ..python_settings()
    };
    let (report, events) = run_task(&server, dir.path(), "ab", settings).await;
    assert_eq!(report.outcome, Outcome::Complete);
    let planned = events.iter().find_map(|e| match e {
        Event::Planned { steps } => Some(steps.clone()),
        _ => None,
    });
    // The last attempt is still too long: its tail is merged, not dropped.
    assert_eq!(
        planned,
        Some(vec!["a".to_string(), "b Then: c".to_string()])
    );
}

#[tokio::test]
async fn a_step_cannot_end_without_the_files_it_names() {
    let server = ScriptedServer::start(vec![
        plan(&["Write greet.py with greet(name), and test_greet.py with pytest tests for it"]),
        write("greet.py", "def greet(name):\n    return 'Hello, ' + name\n"),
        complete("greet written"),
        expect(
            |req| {
                let text = last_message(req)["content"].as_str().unwrap_or_default().to_string();
                assert_eq!(text, "ERROR: the step is not complete: it asks for test_greet.py, which does not exist yet. Write it with write_files, then call step_complete again.");
            },
            write(
                "test_greet.py",
                "from greet import greet\n\n\ndef test_greet():\n    assert greet('Ann') == 'Hello, Ann'\n",
            ),
        ),
        complete("greet and its test"),
    ])
    .await;
    let dir = tempfile::tempdir().expect("tmp");
    let (report, _) = run_task(&server, dir.path(), "greet", python_settings()).await;
    assert_complete(&report);
    assert!(
        report.checks_summary.contains("PASS"),
        "{}",
        report.checks_summary
    );
}

/// The step ends with its checks green but the task's functions missing (a class with one
/// method instead of three module functions, as the 1.5B model wrote for the Roman numerals
/// task): step_complete names what is missing, and the run completes once they exist.
#[tokio::test]
async fn a_step_cannot_end_without_the_functions_the_task_promises() {
    let task = "Write roman.py with `to_roman(n: int) -> str` and `from_roman(s: str) -> int`.";
    let as_class = "class Roman:\n    def to_roman(self, n):\n        return 'I' * n\n";
    let as_functions =
        "def to_roman(n):\n    return 'I' * n\n\n\ndef from_roman(s):\n    return len(s)\n";
    let server = ScriptedServer::start(vec![
        plan(&["Write roman.py with to_roman and from_roman"]),
        write("roman.py", as_class),
        complete("roman written"),
        expect(
            |req| {
                let text = last_message(req)["content"].as_str().unwrap_or_default().to_string();
                assert_eq!(text, "ERROR: the step is not complete: the task asks for `to_roman(n: int) -> str`, `from_roman(s: str) -> int`, which no Python file defines yet (tests aside). Define each with exactly that name at the top level of a module, not inside a class, as the task writes it, then call step_complete again.");
            },
            write("roman.py", as_functions),
        ),
        complete("roman functions"),
    ])
    .await;
    let dir = tempfile::tempdir().expect("tmp");
    let (report, _) = run_task(&server, dir.path(), task, python_settings()).await;
    assert_complete(&report);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("roman.py")).expect("roman.py"),
        as_functions
    );
}

#[tokio::test]
async fn a_tests_step_writes_its_test_file_from_cases_and_fixes_a_wrong_one() {
    let task = "Write temp.py with `c_to_f(celsius: float) -> float`, and pytest tests for it in test_temp.py.";
    let module = "def c_to_f(celsius):\n    return celsius * 9 / 5 + 32\n";
    let server = ScriptedServer::start(vec![
        plan(&[
            "Write temp.py with c_to_f",
            "Write test_temp.py with tests for c_to_f, and make them pass",
        ]),
        write("temp.py", module),
        complete("temp written"),
        expect(
            |req| {
                let tools = tool_names(req);
                assert_eq!(tools.first(), Some(&"write_tests"), "{tools:?}");
                let prompt = req["messages"][1]["content"].as_str().unwrap_or_default();
                assert!(prompt.ends_with("Write test_temp.py with `write_tests`: one case per behaviour the task states for temp.py (c_to_f), each a call and the result the task says it gives, or the exception it raises. Choose inputs whose result the task makes plain."), "{prompt}");
            },
            // What the 1.5B model did: the module again, as the test file.
            write("test_temp.py", module),
        ),
        expect(
            |req| {
                let text = last_message(req)["content"].as_str().unwrap_or_default().to_string();
                assert!(text.starts_with("ERROR: test_temp.py was not written: it has no test functions (def test_...), so pytest would run nothing."), "{text}");
            },
            call("write_tests", json!({"path": "test_temp.py", "cases": [
                {"call": "c_to_f(100)", "expected": "212"},
                {"call": "c_to_f(0)", "expected": "0"},
            ]})),
        ),
        // The same cases again run the checks as step_complete would.
        call("write_tests", json!({"path": "test_temp.py", "cases": [
            {"call": "c_to_f(100)", "expected": "212"},
            {"call": "c_to_f(0)", "expected": "0"},
        ]})),
        expect(
            |req| {
                let text = last_message(req)["content"].as_str().unwrap_or_default().to_string();
                assert!(text.starts_with("test_temp.py unchanged: these cases are already its tests.\nSo the step was checked as if you had called step_complete: the step is not complete because checks fail."), "{text}");
                assert!(text.contains("test_c_to_f_2"), "{text}");
                assert!(text.contains("assert 32.0 == 0"), "{text}");
            },
            call("write_tests", json!({"path": "test_temp.py", "cases": [
                {"call": "c_to_f(100)", "expected": "212"},
                {"call": "c_to_f(0)", "expected": "32"},
                {"call": "c_to_f(37)", "expected": "98.6"},
            ]})),
        ),
        complete("tests pass"),
    ])
    .await;
    let dir = tempfile::tempdir().expect("tmp");
    let (report, _) = run_task(&server, dir.path(), task, python_settings()).await;
    assert_complete(&report);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("test_temp.py")).expect("test file"),
        "import pytest\n\nfrom temp import c_to_f\n\n\ndef test_c_to_f_1():\n    assert c_to_f(100) == 212\n\n\ndef test_c_to_f_2():\n    assert c_to_f(0) == 32\n\n\ndef test_c_to_f_3():\n    assert c_to_f(37) == pytest.approx(98.6, abs=5e-2)\n"
    );
}
