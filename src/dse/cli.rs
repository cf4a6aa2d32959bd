//! `l2mac dse ...`: the clap subcommands and their plain-text (or JSON) output; `main.rs` only forwards.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::error::DseError;
use super::study::{load_summary, resume_study, run_study, RunOptions, StudySpec, StudySummary};

#[derive(Debug, Clone, clap::Subcommand)]
pub enum DseCommand {
    /// Run a study file (STUDY.toml) into a new run directory.
    Run {
        /// The study file (TOML: [env], [objective], [agent], budget, ...); relative paths in it
        /// are relative to its directory.
        study: PathBuf,
        /// Run directory (default: workspace/dse/<study name>).
        #[arg(long, short)]
        out: Option<PathBuf>,
        /// Start this many local worker processes on the study's storage (overrides the spec's
        /// `workers`).
        #[arg(long)]
        workers: Option<usize>,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Join a study in a shared database and evaluate its trials (any number of workers, on any
    /// machine, may work on one study).
    Worker {
        /// The study's name in the database.
        study_name: String,
        /// The database: sqlite:///FILE or postgresql://USER@HOST:PORT/DB.
        #[arg(long)]
        storage: String,
        /// Stop after this many trials (default: until the study's budget is spent).
        #[arg(long)]
        n_trials: Option<usize>,
        /// A study file for a study that has no l2mac spec yet (one Optuna created): its env,
        /// objective, agent and budget.
        #[arg(long)]
        spec: Option<PathBuf>,
        /// Print what the worker did as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Continue an interrupted study (or extend its budget).
    Resume {
        /// The run directory of the study (holding study.db).
        run_dir: PathBuf,
        /// New total budget (trials); it can only be raised.
        #[arg(long)]
        budget: Option<usize>,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the environments, or describe one (space, metrics, options).
    Envs {
        /// e.g. `mixed`, `dram?trace=random.stl`, `proxy:model.json`
        name: Option<String>,
        /// Print the list or description as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the search agents and their hyperparameters.
    Agents {
        /// Print the list as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Summarise a run: best points, target status, Pareto front.
    Best {
        /// The run directory of the study (holding study.db), or with --storage the study's name.
        run_dir: PathBuf,
        /// Read the study named by the first argument from this database instead.
        #[arg(long)]
        storage: Option<String>,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The past trials most like a design point (cosine of MBAT vectors of their points).
    Similar {
        /// Run directories of studies (each holding study.db).
        #[arg(required = true)]
        runs: Vec<PathBuf>,
        /// The design point as a JSON object, e.g. '{"STEP1": "b", "STEP2": "rw"}'.
        #[arg(long)]
        point: String,
        /// How many neighbours.
        #[arg(long, short, default_value_t = 5)]
        k: usize,
        /// Print the neighbours as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run one agent over the hyperparameter grid in the study's [sweep] table.
    Sweep {
        /// The study file with a [sweep] table of hyperparameter lists (and optional `seeds`).
        study: PathBuf,
        /// Output directory (default: workspace/dse/<study name>-sweep).
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
    /// Train a random-forest proxy model per metric from one or more runs.
    Train {
        /// Run directories of studies on one environment; their distinct successful trials are
        /// the data.
        #[arg(required = true)]
        runs: Vec<PathBuf>,
        /// Where to save the model (JSON); use it as the environment `proxy:FILE`.
        #[arg(long, short)]
        out: PathBuf,
        /// Trees per forest.
        #[arg(long, default_value_t = 50)]
        trees: usize,
        /// Minimum training rows per leaf.
        #[arg(long, default_value_t = 2)]
        min_leaf: usize,
        /// Fit positive metrics in log space.
        #[arg(long)]
        log_target: bool,
        /// Share of the rows held out to measure the RMSE, in (0, 1).
        #[arg(long, default_value_t = 0.2)]
        test_fraction: f64,
        /// Seed of the train/test split and of the forests.
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
}

fn w(out: &mut dyn Write, text: &str) -> Result<(), DseError> {
    out.write_all(text.as_bytes())
        .map_err(|e| DseError::io("<output>", e))
}

fn json(out: &mut dyn Write, v: &impl serde::Serialize) -> Result<(), DseError> {
    let s = serde_json::to_string_pretty(v).map_err(|e| DseError::Report(e.to_string()))?;
    w(out, &format!("{s}\n"))
}

fn read_spec(path: &Path) -> Result<StudySpec, DseError> {
    StudySpec::from_file(path)
}

/// An environment's space, metrics and options as `dse envs NAME` prints them (and a plain-text
/// study step's prompt shows them).
pub fn describe_text(d: &super::EnvDescription) -> String {
    let mut t = format!("{} — {}\nparameters:\n", d.name, d.description);
    for p in &d.space.params {
        t += &format!("  {:<24} {}\n", p.name, p.describe_domain());
    }
    t += "metrics:\n";
    for m in &d.metrics {
        t += &format!("  {:<24} [{}] {}\n", m.name, m.unit, m.description);
    }
    for o in &d.options {
        t += &format!(
            "option {} (default {}): {}\n",
            o.name, o.default, o.description
        );
    }
    t
}

/// A human-readable summary of a study.
pub fn format_summary(s: &StudySummary) -> String {
    let mut t = format!(
        "study {} — env {}, agent {} (seed {})\ntrials {}/{} ({} evaluations, {} cache hits, {} failures) in {:.2} s\n",
        s.name,
        s.env,
        s.agent,
        s.seed,
        s.trials,
        s.budget,
        s.evaluations,
        s.cache_hits,
        s.failures,
        s.seconds
    );
    if !s.target.targets.is_empty() {
        t += &match s.target.met_after_trials {
            Some(n) => format!("target met after {n} trials\n"),
            None => "target not met\n".to_string(),
        };
    }
    for (i, b) in s.best.iter().enumerate() {
        t += &format!(
            "#{} trial {} loss {:.6}: {} -> {}\n",
            i + 1,
            b.trial,
            b.loss,
            b.point,
            serde_json::to_string(&b.metrics).unwrap_or_default()
        );
    }
    if !s.pareto.is_empty() {
        t += &format!(
            "Pareto front over {}: {} points\n",
            s.pareto_metrics.join(", "),
            s.pareto.len()
        );
    }
    t += &format!("report: {}\n", s.report_path.display());
    t
}

/// A proxy tested on a handful of rows, or off by half its mean, is not one to search with; say so
/// (the model is still saved, since a user may want to look at it).
fn train_warnings(r: &super::proxy::ProxyReport) -> String {
    let mut t = String::new();
    if r.test_rows < MIN_TEST_ROWS {
        t += &format!(
            "warning: only {} held-out rows; the RMSE above says little (train on more trials, {} or more held out)\n",
            r.test_rows, MIN_TEST_ROWS
        );
    }
    for f in &r.fits {
        if f.rmse_over_mean_percent.is_nan() || f.rmse_over_mean_percent > 50.0 {
            t += &format!(
                "warning: {} is predicted with RMSE/mean {:.0}%; the proxy is no better than a guess for it\n",
                f.metric, f.rmse_over_mean_percent
            );
        }
    }
    t
}

/// Held-out rows below which `dse train` warns.
const MIN_TEST_ROWS: usize = 20;

fn default_dir(spec: &StudySpec, suffix: &str) -> PathBuf {
    PathBuf::from("workspace")
        .join("dse")
        .join(format!("{}{suffix}", spec.name()))
}

pub fn run(cmd: &DseCommand, out: &mut dyn Write) -> Result<(), DseError> {
    match cmd {
        DseCommand::Similar {
            runs,
            point,
            k,
            json: as_json,
        } => {
            let p: serde_json::Value = serde_json::from_str(point).map_err(|e| {
                DseError::BadObjective(format!("--point `{point}` is not JSON: {e}"))
            })?;
            let n = super::similar::similar_trials(runs, &p, *k)?;
            if *as_json {
                return json(out, &n);
            }
            let mut t = String::new();
            for x in &n {
                t += &format!(
                    "{:.4}  {} trial {}  loss {}  {}\n",
                    x.cosine,
                    x.run.display(),
                    x.trial,
                    x.loss,
                    x.point
                );
            }
            w(out, &t)
        }
        DseCommand::Run {
            study,
            out: dir,
            workers,
            json: as_json,
        } => {
            let spec = read_spec(study)?;
            let dir = dir.clone().unwrap_or_else(|| default_dir(&spec, ""));
            let s = match workers.or(spec.workers) {
                Some(n) => {
                    let mut spec = spec;
                    spec.workers = Some(n);
                    let exe = std::env::current_exe().map_err(|e| DseError::io("l2mac", e))?;
                    super::study::worker::run_with_workers(spec, &dir, n, &exe)?
                }
                None => run_study(spec, &dir, &RunOptions::default())?,
            };
            super::report::write_study_report(&dir, &s)?;
            if *as_json {
                json(out, &s)
            } else {
                w(out, &format_summary(&s))
            }
        }
        DseCommand::Resume {
            run_dir,
            budget,
            json: as_json,
        } => {
            let s = resume_study(run_dir, *budget, &RunOptions::default())?;
            super::report::write_study_report(run_dir, &s)?;
            if *as_json {
                json(out, &s)
            } else {
                w(out, &format_summary(&s))
            }
        }
        DseCommand::Envs {
            name,
            json: as_json,
        } => match name {
            Some(n) => {
                let d = super::describe_env(n)?;
                if *as_json {
                    return json(out, &d);
                }
                w(out, &describe_text(&d))
            }
            None => {
                let envs = super::list_envs();
                if *as_json {
                    return json(out, &envs);
                }
                let mut t = String::new();
                for e in envs {
                    t += &format!("{:<12} {}\n", e.name, e.description);
                    for o in e.options {
                        t += &format!(
                            "{:<12}   option {} (default {}): {}\n",
                            "", o.name, o.default, o.description
                        );
                    }
                }
                w(out, &t)
            }
        },
        DseCommand::Agents { json: as_json } => {
            let agents = super::list_agents();
            if *as_json {
                return json(out, &agents);
            }
            let mut t = String::new();
            for a in agents {
                t += &format!("{:<12} {}\n", a.name, a.description);
                for h in a.hyperparameters {
                    t += &format!(
                        "{:<12}   {} = {}: {}\n",
                        "", h.name, h.default, h.description
                    );
                }
            }
            w(out, &t)
        }
        DseCommand::Worker {
            study_name,
            storage,
            n_trials,
            spec,
            json: as_json,
        } => {
            let opts = super::study::worker::WorkerOptions {
                n_trials: *n_trials,
                spec: spec.as_deref().map(read_spec).transpose()?,
            };
            let r = super::study::worker::run_worker(storage, study_name, &opts)?;
            if *as_json {
                return json(out, &r);
            }
            w(
                out,
                &format!(
                    "worker on {}: {} trials told ({} retries, {} enqueued), {} stale trials failed, {} results dropped, {:.2} s\n",
                    r.study,
                    r.told,
                    r.retries,
                    r.enqueued,
                    r.failed_stale.len(),
                    r.dropped,
                    r.seconds
                ),
            )
        }
        DseCommand::Best {
            run_dir,
            storage,
            json: as_json,
        } => {
            let s = match storage {
                Some(url) => super::study::load_summary_from(url, &run_dir.to_string_lossy())?,
                None => load_summary(run_dir)?,
            };
            if *as_json {
                json(out, &s)
            } else {
                w(out, &format_summary(&s))
            }
        }
        DseCommand::Sweep { study, out: dir } => {
            let spec = read_spec(study)?;
            let dir = dir.clone().unwrap_or_else(|| default_dir(&spec, "-sweep"));
            let rows = super::sweep::run_sweep(&spec, &dir)?;
            let met = rows.iter().filter(|r| r.target_met).count();
            w(
                out,
                &format!(
                    "{} runs, {met} met the target; see {}\n",
                    rows.len(),
                    dir.join("sweep.md").display()
                ),
            )
        }
        DseCommand::Train {
            runs,
            out: path,
            trees,
            min_leaf,
            log_target,
            test_fraction,
            seed,
        } => {
            if !(0.0 < *test_fraction && *test_fraction < 1.0) {
                return Err(DseError::Proxy(format!(
                    "--test-fraction must be in (0, 1), got {test_fraction}"
                )));
            }
            // 0 used to become 1 without a word; say it instead
            for (flag, n) in [("--trees", *trees), ("--min-leaf", *min_leaf)] {
                if n == 0 {
                    return Err(DseError::Proxy(format!("{flag} must be at least 1, got 0")));
                }
            }
            let opts = super::train::TrainOptions {
                trees: *trees,
                min_leaf: *min_leaf,
                log_target: *log_target,
                test_fraction: *test_fraction,
                seed: *seed,
            };
            let model = super::train::train(runs, &opts)?;
            model.save(path)?;
            let r = &model.report;
            let mut t = format!(
                "trained on {} rows, tested on {} ({} trees, min {} rows per leaf); saved {}\n",
                r.train_rows,
                r.test_rows,
                r.trees,
                r.min_leaf,
                path.display()
            );
            for f in &r.fits {
                t += &format!(
                    "  {:<12} RMSE {:.6e}  mean {:.6e}  RMSE/mean {:.3}%\n",
                    f.metric, f.rmse, f.mean, f.rmse_over_mean_percent
                );
            }
            t += &train_warnings(r);
            w(out, &t)
        }
    }
}
