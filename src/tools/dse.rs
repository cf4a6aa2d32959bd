//! Design-space tools for the agent: list and describe environments, evaluate one point, and run a
//! whole study into the run directory. They call the `dse` library in process; its errors (unknown
//! parameter, bad study file) go back to the model as data.

use serde::Deserialize;
use serde_json::{json, Value};

use super::{parse_args, Tool, ToolContext, ToolError, ToolOutput};
use crate::llm::ToolSpec;

fn spec(name: &str, description: &str, parameters: Value) -> ToolSpec {
    ToolSpec {
        name: name.into(),
        description: description.into(),
        parameters,
    }
}

fn pretty(v: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|e| format!("(unprintable: {e})"))
}

/// Runs blocking simulator work off the async runtime.
/// Runs a simulator call on a blocking thread, isolated: a panic inside it (a simulator bug on an
/// input no check caught) becomes an error the model reads as the tool's answer, instead of
/// aborting the run, and so a pending call replayed on `resume` cannot wedge the run either.
async fn isolated<T: Send + 'static>(
    tool: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ToolOutput> {
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        let why = if e.is_panic() {
            let p = e.into_panic();
            p.downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic".into())
        } else {
            e.to_string()
        };
        ToolOutput::error(format!(
            "{tool} failed inside the simulator ({why}); nothing was changed. Try other values, or another environment."
        ))
    })
}

pub struct DseListEnvs;

#[async_trait::async_trait]
impl Tool for DseListEnvs {
    fn spec(&self) -> ToolSpec {
        spec(
            "dse_list_envs",
            "List the design-space environments (simulators and test functions) you can search.",
            json!({"type": "object", "properties": {}}),
        )
    }
    async fn call(&self, _args: Value, _ctx: &ToolContext) -> Result<ToolOutput, ToolError> {
        Ok(ToolOutput::ok(pretty(&crate::dse::list_envs())))
    }
}

pub struct DseDescribeEnv;

#[derive(Deserialize)]
struct EnvArgs {
    env: String,
}

#[async_trait::async_trait]
impl Tool for DseDescribeEnv {
    fn spec(&self) -> ToolSpec {
        spec(
            "dse_describe_env",
            "Describe an environment: its parameters (the design space), metrics with units, and options (e.g. `dram?trace=cloud-1.stl`).",
            json!({"type": "object", "properties": {"env": {"type": "string"}}, "required": ["env"]}),
        )
    }
    async fn call(&self, args: Value, ctx: &ToolContext) -> Result<ToolOutput, ToolError> {
        let args: EnvArgs = match parse_args("dse_describe_env", args) {
            Ok(a) => a,
            Err(e) => return Ok(e),
        };
        Ok(
            match crate::dse::describe_env_in(&args.env, ctx.store.root()) {
                Ok(d) => ToolOutput::ok(pretty(&d)),
                Err(e) => ToolOutput::error(e.to_string()),
            },
        )
    }
}

pub struct DseEvaluate;

#[derive(Deserialize)]
struct EvalArgs {
    env: String,
    point: Value,
}

#[async_trait::async_trait]
impl Tool for DseEvaluate {
    fn spec(&self) -> ToolSpec {
        spec(
            "dse_evaluate",
            "Evaluate one design point: `point` is an object with a value for every parameter of the environment. Returns the metrics.",
            json!({"type": "object", "properties": {"env": {"type": "string"}, "point": {"type": "object"}}, "required": ["env", "point"]}),
        )
    }
    async fn call(&self, args: Value, ctx: &ToolContext) -> Result<ToolOutput, ToolError> {
        let args: EvalArgs = match parse_args("dse_evaluate", args) {
            Ok(a) => a,
            Err(e) => return Ok(e),
        };
        let root = ctx.store.root().to_path_buf();
        let result = match isolated("dse_evaluate", move || {
            crate::dse::evaluate_in(&args.env, &args.point, &root)
        })
        .await
        {
            Ok(r) => r,
            Err(out) => return Ok(out),
        };
        Ok(match result {
            Ok(m) => ToolOutput::ok(pretty(&m)),
            Err(e) => ToolOutput::error(e.to_string()),
        })
    }
}

pub struct DseRunStudy;

#[derive(Deserialize)]
struct StudyArgs {
    /// The study spec in TOML.
    spec: String,
    /// The folder (inside the project) that receives the study's database, CSV and report.
    #[serde(default)]
    dir: Option<String>,
}

#[async_trait::async_trait]
impl Tool for DseRunStudy {
    fn spec(&self) -> ToolSpec {
        spec(
            "dse_run_study",
            "Run a design-space study written as TOML (env, objective, targets, agent, budget, seed) and get the best points, whether the target was met, and the report path. Results go to `dir` (default studies/<name>).",
            json!({"type": "object", "properties": {"spec": {"type": "string", "description": "the study file in TOML"}, "dir": {"type": "string"}}, "required": ["spec"]}),
        )
    }
    async fn call(&self, args: Value, ctx: &ToolContext) -> Result<ToolOutput, ToolError> {
        let args: StudyArgs = match parse_args("dse_run_study", args) {
            Ok(a) => a,
            Err(e) => return Ok(e),
        };
        let spec = match crate::dse::StudySpec::from_toml_str(&args.spec, "the study spec") {
            Ok(s) => s,
            Err(e) => return Ok(ToolOutput::error(e.to_string())),
        };
        let rel = args.dir.unwrap_or_else(|| {
            format!(
                "studies/{}",
                sanitize(spec.name.as_deref().unwrap_or("study"))
            )
        });
        let dir = match ctx.store.resolve(&rel) {
            Ok(d) => d,
            Err(e) => return Ok(ToolOutput::error(e.to_string())),
        };
        let toml = args.spec.clone();
        let root = ctx.store.root().to_path_buf();
        let study_root = root.clone();
        let result = match isolated("dse_run_study", move || {
            crate::dse::run_study_from_toml_in(&toml, &dir, &study_root)
        })
        .await
        {
            Ok(r) => r,
            Err(out) => return Ok(out),
        };
        Ok(match result {
            Ok(summary) => {
                let rel_path =
                    |p: &std::path::Path| p.strip_prefix(&root).unwrap_or(p).display().to_string();
                ToolOutput::ok(pretty(&json!({
                    "trials": summary.trials,
                    "evaluations": summary.evaluations,
                    "best": summary.best,
                    "target": summary.target,
                    "pareto": summary.pareto,
                    "report": rel_path(&summary.report_path),
                    "csv": rel_path(&summary.csv_path),
                    "seconds": summary.seconds,
                })))
            }
            Err(e) => ToolOutput::error(e.to_string()),
        })
    }
}

fn sanitize(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if s.trim_matches('-').is_empty() {
        "study".into()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::FileStore;

    #[tokio::test]
    async fn a_panic_inside_a_simulator_call_is_a_tool_error_not_the_end_of_the_run() {
        let out = isolated("dse_evaluate", || -> u32 { panic!("index out of bounds") })
            .await
            .expect_err("panicked");
        assert_eq!(
            out,
            ToolOutput::error(
                "dse_evaluate failed inside the simulator (index out of bounds); nothing was changed. Try other values, or another environment."
            )
        );
        assert_eq!(isolated("dse_evaluate", || 7).await.expect("fine"), 7);
    }

    fn ctx(dir: &std::path::Path) -> ToolContext {
        ToolContext::new(FileStore::open(dir).expect("store"))
    }

    #[tokio::test]
    async fn describe_and_evaluate_the_analytic_env() {
        let dir = tempfile::tempdir().expect("tmp");
        let c = ctx(dir.path());
        let out = DseDescribeEnv
            .call(json!({"env": "mixed"}), &c)
            .await
            .expect("describe");
        assert!(
            matches!(&out, ToolOutput { is_error: false, text, .. } if text.contains("\"metrics\"")),
            "{out:?}"
        );
        let out = DseEvaluate
            .call(json!({"env": "mixed", "point": {"nope": 1}}), &c)
            .await
            .expect("evaluate");
        assert!(matches!(&out, ToolOutput { is_error: true, .. }), "{out:?}");
        let out = DseDescribeEnv
            .call(json!({"env": "no-such-env"}), &c)
            .await
            .expect("describe");
        assert!(matches!(&out, ToolOutput { is_error: true, .. }), "{out:?}");
    }

    #[tokio::test]
    async fn a_study_runs_into_the_project_and_reports_relative_paths() {
        let dir = tempfile::tempdir().expect("tmp");
        let c = ctx(dir.path());
        let spec = "name = \"t\"\nseed = 1\nbudget = 40\nbatch = 4\n[env]\nname = \"mixed\"\n[objective]\nminimize = \"f\"\n[agent]\nname = \"random\"\n";
        let out = DseRunStudy
            .call(json!({"spec": spec}), &c)
            .await
            .expect("study");
        let text = match &out {
            ToolOutput {
                text,
                is_error: false,
                ..
            } => text.clone(),
            other => panic!("unexpected {other:?}"),
        };
        let v: Value = serde_json::from_str(&text).expect("json");
        assert_eq!(v["trials"], json!(40));
        let report = v["report"].as_str().expect("report path");
        assert!(report.starts_with("studies/t/"), "{report}");
        assert!(dir.path().join(report).is_file());
        let bad = DseRunStudy
            .call(json!({"spec": spec, "dir": "../outside"}), &c)
            .await
            .expect("study");
        assert!(matches!(&bad, ToolOutput { is_error: true, .. }), "{bad:?}");
    }
}
