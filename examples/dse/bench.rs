//! Agent benchmark behind the "Design-space exploration" table of BENCHMARKS.md.
//!
//! For one environment (and options, e.g. a DRAM trace) it runs every agent for a fixed budget over
//! several seeds, then reports per agent the median best value at the budget, the median number of
//! trials until the value first came within `--within` of the best value any run found (the target,
//! fixed after the fact so that it is the same for every agent), and evaluations per second. It then
//! trains a random-forest proxy on the distinct points all runs evaluated, reports held-out
//! RMSE/mean per metric, and times the simulator against the proxy on the same points in this run.
//!
//! `cargo run --release --example dse_bench -- --env dram --option trace=stream.stl --metric Latency`

use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;
use l2mac::dse::env::make_env;
use l2mac::dse::study::{run_study, RunOptions, Store, StudySpec};
use l2mac::dse::train::{train, TrainOptions};

#[derive(Parser)]
struct Args {
    #[arg(long, default_value = "mixed")]
    env: String,
    /// Environment option as key=value (repeatable).
    #[arg(long)]
    option: Vec<String>,
    /// Metric to minimise.
    #[arg(long, default_value = "f")]
    metric: String,
    #[arg(long, default_value_t = 200)]
    budget: usize,
    #[arg(long, default_value_t = 5)]
    seeds: u64,
    #[arg(long, default_value_t = 4)]
    batch: usize,
    /// Target: within this fraction of the best value found by any run.
    #[arg(long, default_value_t = 0.01)]
    within: f64,
    #[arg(long, default_value = "random,random_walk,ga,aco,bo,rl,marl")]
    agents: String,
    #[arg(long, default_value = "workspace/dse-bench")]
    out: PathBuf,
    /// Points timed through the simulator and the proxy.
    #[arg(long, default_value_t = 100)]
    timing_points: usize,
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn toml_value(v: &str) -> String {
    if v.parse::<f64>().is_ok() || v == "true" || v == "false" {
        v.to_string()
    } else {
        format!("{v:?}")
    }
}

struct RunResult {
    agent: String,
    curve: Vec<f64>,
    evals_per_s: f64,
    dir: PathBuf,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a = Args::parse();
    let options: String = a
        .option
        .iter()
        .filter_map(|o| o.split_once('='))
        .map(|(k, v)| format!("{k} = {}\n", toml_value(v)))
        .collect();
    let label = a
        .option
        .iter()
        .map(|o| o.replace(['=', '/', '.'], "_"))
        .collect::<Vec<_>>()
        .join("-");
    let base = a.out.join(format!("{}-{label}", a.env));
    let mut runs = Vec::new();
    for agent in a.agents.split(',') {
        for seed in 0..a.seeds {
            let text = format!(
                "name = \"{agent}-{seed}\"\nseed = {seed}\nbudget = {}\nbatch = {}\n[env]\nname = \"{}\"\n{options}[objective]\nminimize = \"{}\"\n[agent]\nname = \"{agent}\"\n",
                a.budget, a.batch, a.env, a.metric
            );
            let dir = base.join(format!("{agent}-{seed}"));
            let spec = StudySpec::from_toml_str(&text, "bench")?;
            let s = match run_study(
                spec,
                &dir,
                &RunOptions {
                    no_report: true,
                    ..Default::default()
                },
            ) {
                Ok(s) => s,
                Err(e) if e.to_string().contains("already holds a study") => {
                    l2mac::dse::study::load_summary(&dir)?
                }
                Err(e) => return Err(e.into()),
            };
            let trials = Store::open(&dir)?.trials()?;
            let mut best = f64::INFINITY;
            let curve = trials
                .iter()
                .map(|t| {
                    if let Some(v) = t.metrics.as_ref().and_then(|m| m.get(&a.metric)) {
                        best = best.min(*v);
                    }
                    best
                })
                .collect();
            eprintln!(
                "{agent} seed {seed}: best {best:.6e}, {:.1} evals/s",
                s.evaluations_per_second
            );
            runs.push(RunResult {
                agent: agent.to_string(),
                curve,
                evals_per_s: s.evaluations_per_second,
                dir,
            });
        }
    }
    let best_all = runs
        .iter()
        .filter_map(|r| r.curve.last().copied())
        .fold(f64::INFINITY, f64::min);
    let target = if best_all >= 0.0 {
        best_all * (1.0 + a.within)
    } else {
        best_all * (1.0 - a.within)
    };
    println!(
        "\n{} {} — minimise {}; budget {} trials, batch {}, {} seeds; target: {} <= {:.6e} (within {}% of the best any run found, {:.6e})\n",
        a.env,
        a.option.join(" "),
        a.metric,
        a.budget,
        a.batch,
        a.seeds,
        a.metric,
        target,
        a.within * 100.0,
        best_all
    );
    println!("| agent | runs reaching target | median trials to target | median best at budget | median evals/s |");
    println!("|---|---|---|---|---|");
    for agent in a.agents.split(',') {
        let rs: Vec<&RunResult> = runs.iter().filter(|r| r.agent == agent).collect();
        let hits: Vec<f64> = rs
            .iter()
            .filter_map(|r| {
                r.curve
                    .iter()
                    .position(|v| *v <= target)
                    .map(|i| (i + 1) as f64)
            })
            .collect();
        // a run that never reaches the target counts as "more than the budget" for the median
        let mut all: Vec<f64> = hits.clone();
        all.resize(rs.len(), f64::INFINITY);
        let med = median(all);
        println!(
            "| {agent} | {}/{} | {} | {:.6e} | {:.0} |",
            hits.len(),
            rs.len(),
            if med.is_finite() {
                format!("{med}")
            } else {
                format!("> {}", a.budget)
            },
            median(rs.iter().filter_map(|r| r.curve.last().copied()).collect()),
            median(rs.iter().map(|r| r.evals_per_s).collect()),
        );
    }

    // proxy: trained on every distinct point evaluated above
    let dirs: Vec<PathBuf> = runs.iter().map(|r| r.dir.clone()).collect();
    let model = train(
        &dirs,
        &TrainOptions {
            trees: 50,
            min_leaf: 2,
            log_target: false,
            test_fraction: 0.2,
            seed: 0,
        },
    )?;
    println!(
        "\nproxy: random forest, 50 trees, >= 2 rows per leaf, {} training rows, {} held-out rows",
        model.report.train_rows, model.report.test_rows
    );
    println!("\n| metric | RMSE | mean | RMSE/mean |\n|---|---|---|---|");
    for f in &model.report.fits {
        println!(
            "| {} | {:.4e} | {:.4e} | {:.2}% |",
            f.metric, f.rmse, f.mean, f.rmse_over_mean_percent
        );
    }
    let path = base.join("proxy.json");
    model.save(&path)?;

    // timing on the same points, sequentially, in this run
    let mut opts = toml::Table::new();
    for (k, v) in a.option.iter().filter_map(|o| o.split_once('=')) {
        let val: toml::Value = toml::from_str(&format!("x = {}", toml_value(v)))
            .map(|t: toml::Table| t["x"].clone())?;
        opts.insert(k.to_string(), val);
    }
    let sim = make_env(&a.env, &opts)?;
    let proxy = make_env(&format!("proxy:{}", path.display()), &toml::Table::new())?;
    use rand::SeedableRng;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(99);
    let points: Vec<_> = (0..a.timing_points)
        .map(|_| sim.space().sample(&mut rng))
        .collect();
    let t0 = Instant::now();
    for p in &points {
        sim.evaluate(p)?;
    }
    let t_sim = t0.elapsed().as_secs_f64();
    let t0 = Instant::now();
    for p in &points {
        proxy.evaluate(p)?;
    }
    let t_proxy = t0.elapsed().as_secs_f64();
    println!(
        "\ntiming over {} random points, one thread: simulator {:.3} ms/eval, proxy {:.4} ms/eval, speedup {:.0}x",
        points.len(),
        1e3 * t_sim / points.len() as f64,
        1e3 * t_proxy / points.len() as f64,
        t_sim / t_proxy
    );
    Ok(())
}
