//! The checks of an architecture-search run (issue 13, item 6): the control unit runs every study
//! spec saved under `studies/` and checks that a report quotes what the studies found. With them
//! a small model writes a study as a TOML block and its report as Markdown, and never has to put a
//! simulator call inside JSON; a report with invented numbers fails, naming the real ones.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::dse::{self, EnvDescription, StudySpec, StudySummary};
use crate::exec::CheckOutcome;
use crate::store::FileStore;

/// Where study specs live; `studies/NAME.toml` runs into `studies/NAME/`.
pub const STUDY_DIR: &str = "studies";
/// The copy of the spec a study ran from, beside its results: a spec changed since is run again.
const RAN_FROM: &str = "spec.source.toml";
/// A relative difference a quoted figure may have (rounding in prose).
const QUOTE_TOLERANCE: f64 = 0.01;

/// One study spec and what running it gave.
#[derive(Debug, Clone)]
pub struct StudyRun {
    /// The spec's path in the project (`studies/cloud1.toml`).
    pub spec_path: String,
    pub outcome: Result<StudyResult, String>,
}

#[derive(Debug, Clone)]
pub struct StudyResult {
    pub summary: StudySummary,
    /// The metrics the objective names (minimised/maximised, weighted, targets, constraints).
    pub objective_metrics: Vec<String>,
    /// `metric -> unit` from the environment's description.
    pub units: Vec<(String, String)>,
    /// The spec as it ran and its environment's description, to hold it to the task.
    pub spec: Option<StudySpec>,
    pub env: Option<EnvDescription>,
}

/// The study specs of the project: `studies/*.toml` (not the results folders' own files).
pub fn spec_files(store: &FileStore) -> Vec<String> {
    let Ok(entries) = store.list(Some(STUDY_DIR)) else {
        return Vec::new();
    };
    let mut specs: Vec<String> = entries
        .into_iter()
        .map(|e| e.path)
        .filter(|p| {
            p.strip_prefix("studies/")
                .is_some_and(|rest| !rest.contains('/') && rest.ends_with(".toml"))
        })
        .collect();
    specs.sort();
    specs
}

/// The folder a spec's results go to: `studies/cloud1.toml` -> `studies/cloud1`.
fn results_dir(spec_path: &str) -> String {
    spec_path
        .strip_suffix(".toml")
        .unwrap_or(spec_path)
        .to_string()
}

/// Runs (or, when its results are from the same text, reloads) every study spec of the project.
pub async fn run_all(store: &FileStore) -> Vec<StudyRun> {
    let mut runs = Vec::new();
    for spec_path in spec_files(store) {
        let outcome = match store.read(&spec_path) {
            Ok(text) => run_one(store, &spec_path, text).await,
            Err(e) => Err(e.to_string()),
        };
        runs.push(StudyRun { spec_path, outcome });
    }
    runs
}

async fn run_one(store: &FileStore, spec_path: &str, text: String) -> Result<StudyResult, String> {
    let spec = StudySpec::from_toml_str(&text, spec_path).map_err(|e| e.to_string())?;
    let rel = results_dir(spec_path);
    let dir = store.resolve(&rel).map_err(|e| e.to_string())?;
    let root = store.root().to_path_buf();
    let summary = match reusable(&dir, &text) {
        Some(s) => s,
        None => {
            clear_results(&dir, &rel)?;
            let run_dir = dir.clone();
            let toml = text.clone();
            let joined = tokio::task::spawn_blocking(move || {
                dse::run_study_from_toml_in(&toml, &run_dir, &root)
            })
            .await;
            let summary = match joined {
                Ok(r) => r.map_err(|e| e.to_string())?,
                Err(e) => {
                    return Err(format!(
                        "the study stopped inside the simulator ({e}); try other settings"
                    ))
                }
            };
            std::fs::write(dir.join(RAN_FROM), &text)
                .map_err(|e| format!("cannot write {rel}/{RAN_FROM}: {e}"))?;
            summary
        }
    };
    Ok(result_of(Some(&spec), summary, store.root()))
}

fn result_of(spec: Option<&StudySpec>, summary: StudySummary, root: &Path) -> StudyResult {
    let env = dse::describe_env_in(&summary.env, root).ok();
    let units = env
        .iter()
        .flat_map(|d| d.metrics.iter())
        .map(|m| (m.name.clone(), m.unit.clone()))
        .collect();
    StudyResult {
        objective_metrics: spec.map(objective_metrics).unwrap_or_default(),
        summary,
        units,
        spec: spec.cloned(),
        env,
    }
}

/// The saved results of `dir` when they were run from exactly `text`.
fn reusable(dir: &Path, text: &str) -> Option<StudySummary> {
    let ran_from = std::fs::read_to_string(dir.join(RAN_FROM)).ok()?;
    if ran_from != text {
        return None;
    }
    dse::study::load_summary(dir).ok()
}

/// Removes the results of an older version of the spec; a folder that holds something else is
/// left alone and said.
fn clear_results(dir: &PathBuf, rel: &str) -> Result<(), String> {
    if !dir.exists() {
        return Ok(());
    }
    if !dir.join(RAN_FROM).exists() && dse::study::load_summary(dir).is_err() {
        return Err(format!(
            "{rel}/ exists and holds no study results; the results of {rel}.toml go there, so move that folder or rename the spec"
        ));
    }
    std::fs::remove_dir_all(dir)
        .map_err(|e| format!("cannot replace the old results in {rel}/: {e}"))
}

pub(crate) fn objective_metrics(spec: &StudySpec) -> Vec<String> {
    let o = &spec.objective;
    let mut names: Vec<String> = Vec::new();
    let mut add = |n: &str| {
        if !names.iter().any(|m| m == n) {
            names.push(n.to_string());
        }
    };
    o.minimize
        .iter()
        .chain(o.maximize.iter())
        .for_each(|n| add(n));
    if let Some(w) = &o.weights {
        w.keys().for_each(|n| add(n));
    }
    o.target
        .iter()
        .chain(o.constraint.iter())
        .for_each(|b| add(&b.metric));
    names
}

/// A study's result as the model reads it: the best point as `name = value` lines and the
/// objective's metrics with their units.
pub fn describe(run: &StudyRun) -> String {
    let r = match &run.outcome {
        Ok(r) => r,
        Err(e) => return format!("{}: the study did not run: {e}\n", run.spec_path),
    };
    let s = &r.summary;
    let mut t = format!(
        "{}: {} trials of env `{}` with agent `{}` (seed {}); results in {}/\n",
        run.spec_path,
        s.trials,
        s.env,
        s.agent,
        s.seed,
        results_dir(&run.spec_path)
    );
    if !s.target.targets.is_empty() {
        t += match s.target.met {
            true => "targets and constraints: met\n",
            false => "targets and constraints: NOT met by any trial\n",
        };
    }
    let Some(best) = s.best.first() else {
        return t + "no trial finished\n";
    };
    t += &format!(
        "best point (trial {}{}):\n",
        best.trial,
        if best.violation > 0.0 {
            ", violates a constraint"
        } else {
            ""
        }
    );
    if let Some(point) = best.point.as_object() {
        for (name, value) in point {
            t += &format!("  {name} = {}\n", plain(value));
        }
    }
    t += "its metrics:\n";
    for (name, value) in &best.metrics {
        let unit = r
            .units
            .iter()
            .find(|(m, _)| m == name)
            .map(|(_, u)| format!(" {u}"))
            .unwrap_or_default();
        t += &format!("  {name} = {value}{unit}\n");
    }
    t
}

fn plain(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The check outcome of one study run; with `task`, a study that ran but searches something
/// else than the task asks for fails, saying what differs.
pub fn outcome_of(run: &StudyRun, duration_ms: u64, task: Option<&str>) -> CheckOutcome {
    let misses = match (&run.outcome, task) {
        (
            Ok(StudyResult {
                spec: Some(spec),
                env: Some(env),
                ..
            }),
            Some(task),
        ) => super::study_task::task_misses(spec, env, task),
        _ => Vec::new(),
    };
    let mut output = describe(run);
    if !misses.is_empty() {
        output += &format!(
            "{} does not answer the task:\n{}Change the spec so that it searches what the task asks for.\n",
            run.spec_path,
            misses.iter().map(|m| format!("- {m}\n")).collect::<String>()
        );
    }
    CheckOutcome {
        duration_ms,
        ..CheckOutcome::in_process(
            "study",
            format!("run {}", run.spec_path),
            run.outcome.is_ok() && misses.is_empty(),
            output,
        )
    }
}

/// The study whose best point `report` quotes: every objective metric's figure (within 1%,
/// in its unit or a thousand times larger or smaller) and every parameter's value on a line that
/// names it. Otherwise what is missing, for the study that misses least.
pub fn quoted_study<'a>(report: &str, runs: &'a [StudyRun]) -> Result<&'a StudyRun, String> {
    let numbers = numbers_in(report);
    let mut best_miss: Option<(usize, String)> = None;
    for run in runs {
        let Ok(r) = &run.outcome else { continue };
        let Some(best) = r.summary.best.first() else {
            continue;
        };
        let mut missing: Vec<String> = Vec::new();
        for metric in &r.objective_metrics {
            let Some(&value) = best.metrics.get(metric) else {
                continue;
            };
            if !numbers.iter().any(|&n| quotes(n, value)) {
                missing.push(format!("{metric} = {value}"));
            }
        }
        if let Some(point) = best.point.as_object() {
            for (name, value) in point {
                let value = plain(value);
                let on_a_line = report.lines().any(|l| {
                    l.match_indices(name.as_str()).any(|(i, _)| {
                        l[i + name.len()..]
                            .split(|c: char| !c.is_ascii_alphanumeric() && c != '.' && c != '-')
                            .any(|w| same_value(w, &value))
                    })
                });
                if !on_a_line {
                    missing.push(format!("{name} = {value}"));
                }
            }
        }
        if missing.is_empty() {
            return Ok(run);
        }
        let text = format!(
            "{} of the best point of {}: {}",
            missing.len(),
            run.spec_path,
            missing.join("; ")
        );
        if best_miss.as_ref().is_none_or(|(n, _)| missing.len() < *n) {
            best_miss = Some((missing.len(), text));
        }
    }
    Err(match best_miss {
        Some((_, text)) => format!("it does not quote {text}. Give each value as the study found it (a parameter's name and value on one line)."),
        None => "no study has results yet: write a study spec as `studies/NAME.toml` first; the control unit runs it".into(),
    })
}

/// A parameter's value as written: the same word, or the same number within rounding.
fn same_value(word: &str, value: &str) -> bool {
    if word == value {
        return true;
    }
    match (word.parse::<f64>(), value.parse::<f64>()) {
        (Ok(w), Ok(v)) => (w - v).abs() <= QUOTE_TOLERANCE * v.abs().max(1e-9),
        _ => false,
    }
}

fn quotes(n: f64, value: f64) -> bool {
    [1.0, 1e3, 1e-3, 1e6, 1e-6].iter().any(|scale| {
        let v = value * scale;
        (n - v).abs() <= QUOTE_TOLERANCE * v.abs().max(f64::MIN_POSITIVE)
    })
}

/// Every number written in `text` (`1,234.5`, `1.2e-3`, `950`).
pub(crate) fn numbers_in(text: &str) -> Vec<f64> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_digit()
                    || (chars[i] == ',' && chars.get(i + 1).is_some_and(|c| c.is_ascii_digit()))
                    || (chars[i] == '.' && chars.get(i + 1).is_some_and(|c| c.is_ascii_digit())))
            {
                i += 1;
            }
            if i + 1 < chars.len() && (chars[i] == 'e' || chars[i] == 'E') {
                let mut j = i + 1;
                if chars[j] == '-' || chars[j] == '+' {
                    j += 1;
                }
                if chars.get(j).is_some_and(|c| c.is_ascii_digit()) {
                    i = j;
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        i += 1;
                    }
                }
            }
            let s: String = chars[start..i].iter().filter(|c| **c != ',').collect();
            if let Ok(n) = s.parse::<f64>() {
                out.push(n);
            }
        } else {
            i += 1;
        }
    }
    out
}

/// The study checks of a context: one outcome per spec, then one per report the step names (or,
/// at the end of the run, per top-level Markdown file but README.md) that must quote them.
///
/// When the step (or the task) names its own study specs, a report must quote one of those: a
/// report of another study in the project does not answer the task (a local-model run quoted the
/// prompt example's study).
pub async fn study_outcomes(
    store: &FileStore,
    reports: &[String],
    expected_files: &[String],
    task: &str,
) -> Vec<CheckOutcome> {
    let started = Instant::now();
    let runs = run_all(store).await;
    let ms = started.elapsed().as_millis() as u64;
    let named = |r: &StudyRun| expected_files.contains(&r.spec_path);
    let any_named = runs.iter().any(named);
    // The specs the step names answer the task; another study in the project may be a side
    // question, so only those are held to it (all of them when the step names none).
    let mut outcomes: Vec<CheckOutcome> = runs
        .iter()
        .map(|r| outcome_of(r, ms, (named(r) || !any_named).then_some(task)))
        .collect();
    let own: Vec<StudyRun> = runs.iter().filter(|r| named(r)).cloned().collect();
    let runs = if own.is_empty() { runs } else { own };
    for report in reports {
        let Ok(text) = store.read(report) else {
            continue;
        };
        let miss = quoted_study(&text, &runs)
            .and_then(|run| {
                let violation = match &run.outcome {
                    Ok(r) => r.summary.best.first().map_or(0.0, |b| b.violation),
                    Err(_) => 0.0,
                };
                match super::study_task::unmet_unsaid(&text, &run.spec_path, violation) {
                    Some(m) => Err(m),
                    None => Ok(()),
                }
            })
            .err();
        outcomes.push(CheckOutcome::in_process(
            "report",
            format!("{report} quotes the studies' results"),
            miss.is_none(),
            match miss {
                None => format!("{report} quotes the best point of a study.\n"),
                Some(m) => format!("{report}: {m}\n"),
            },
        ));
    }
    outcomes
}

/// The reports a step's checks read: its own Markdown files outside `studies/`, or, for the
/// run's final checks (a step with no files), every top-level Markdown file but README.md.
pub fn reports_of(store: &FileStore, expected_files: &[String]) -> Vec<String> {
    let is_report = |p: &str| p.ends_with(".md") && !p.starts_with("studies/");
    if !expected_files.is_empty() {
        return expected_files
            .iter()
            .filter(|p| is_report(p))
            .cloned()
            .collect();
    }
    store
        .list(None)
        .map(|entries| {
            entries
                .into_iter()
                .map(|e| e.path)
                .filter(|p| is_report(p) && !p.contains('/') && p != "README.md")
                .collect()
        })
        .unwrap_or_default()
}

/// The studies' results for a step's prompt, as the last checks left them (nothing is run here:
/// a spec changed since is said to be waiting for the checks).
pub fn results_for_prompt(store: &FileStore) -> String {
    let mut parts = Vec::new();
    for spec_path in spec_files(store) {
        let rel = results_dir(&spec_path);
        let loaded = match (store.read(&spec_path), store.resolve(&rel)) {
            (Ok(text), Ok(dir)) => reusable(&dir, &text).map(|summary| {
                let spec = StudySpec::from_toml_str(&text, &spec_path).ok();
                result_of(spec.as_ref(), summary, store.root())
            }),
            _ => None,
        };
        parts.push(match loaded {
            Some(r) => describe(&StudyRun {
                spec_path,
                outcome: Ok(r),
            }),
            None => format!("{spec_path}: not run yet (the checks run it after your reply)\n"),
        });
    }
    parts.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(seed: u64) -> String {
        format!("seed = {seed}\nbudget = 12\n[env]\nname = \"mixed\"\n[objective]\nminimize = \"f\"\n[agent]\nname = \"random\"\n")
    }

    #[tokio::test]
    async fn a_report_must_quote_the_study_its_step_names_not_another_one() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = FileStore::open(dir.path()).expect("store");
        store.write("studies/own.toml", &spec(3)).expect("write");
        store.write("studies/other.toml", &spec(11)).expect("write");
        let runs = run_all(&store).await;
        let other = runs
            .iter()
            .find(|r| r.spec_path == "studies/other.toml")
            .expect("other");
        // A report that copies the other study's result, as the model reads it.
        store.write("report.md", &describe(other)).expect("write");
        let reports = vec!["report.md".to_string()];
        let passed = |outcomes: &[CheckOutcome]| {
            outcomes
                .iter()
                .find(|o| o.name == "report")
                .map(|o| (o.passed, o.output.clone()))
                .expect("a report check")
        };
        let any = study_outcomes(&store, &reports, &reports, "").await;
        assert!(passed(&any).0, "{:?}", passed(&any).1);
        let named = ["studies/own.toml".to_string(), "report.md".to_string()];
        let own = study_outcomes(&store, &reports, &named, "").await;
        let (ok, output) = passed(&own);
        assert!(!ok, "{output}");
        assert!(output.contains("studies/own.toml"), "{output}");
        assert_eq!(
            own.iter().filter(|o| o.name == "study" && o.passed).count(),
            2
        );
    }

    #[test]
    fn numbers_are_read_as_written() {
        assert_eq!(
            numbers_in("Latency 1,234.5 ns, power 9.5e-1 W at 800MHz; 3."),
            vec![1234.5, 0.95, 800.0, 3.0]
        );
    }

    #[test]
    fn a_figure_in_another_unit_or_rounded_counts() {
        assert!(quotes(0.95, 950.0));
        assert!(quotes(1234.0, 1234.5));
        assert!(!quotes(1300.0, 1234.5));
    }
}
