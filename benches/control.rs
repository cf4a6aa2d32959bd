//! Control-unit overhead per turn, measured without a model: an in-process scripted model answers
//! instantly, so what is timed is planning, context building, token counting, tool dispatch,
//! state saves (run.json after every turn), transcript writes and diffs.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use l2mac::control::{NullSink, RunSettings, RunState, Runner};
use l2mac::llm::scripted::ScriptedModel;
use serde_json::json;

/// A 3-step run of 2 + 2 + 2 turns (plus the plan call): 7 model calls, 6 agent turns.
fn replies() -> Vec<l2mac::llm::ChatResponse> {
    let mut r = vec![ScriptedModel::call(
        "plan",
        json!({"steps": ["a", "b", "c"]}),
    )];
    for name in ["a", "b", "c"] {
        let content = format!("{name} = 1\n").repeat(200);
        r.push(ScriptedModel::call(
            "write_files",
            json!({"files": [{"path": format!("{name}.txt"), "content": content}]}),
        ));
        r.push(ScriptedModel::call(
            "step_complete",
            json!({"summary": name}),
        ));
    }
    r
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let mut group = c.benchmark_group("control");
    group.throughput(Throughput::Elements(6));
    group.sample_size(30);
    group.bench_function("3-step run, per agent turn", |b| {
        b.iter_batched(
            || tempfile::tempdir().expect("tmp"),
            |dir| {
                rt.block_on(async {
                    let model = ScriptedModel::new(replies());
                    // The replies are tool calls, so the run drives the model by tools (the
                    // small profile's default is plain-text steps).
                    let mut settings = RunSettings::default();
                    settings.profile.edit_format = l2mac::profile::EditFormat::Tools;
                    settings.profile.candidates = 1;
                    let state =
                        RunState::new("bench".into(), "scripted".into(), "mem".into(), settings);
                    let mut runner =
                        Runner::create(&model, &NullSink, dir.path(), state).expect("runner");
                    runner.run(false).await.expect("run")
                })
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
