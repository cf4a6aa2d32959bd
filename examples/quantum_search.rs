//! The quantum-architecture-search result table of BENCHMARKS.md: `qas` studies (the GA and
//! random search over CRLQAS action sequences) on H2 and LiH, noiseless and under the
//! ibmq_mumbai noise, each with the same budget and seed; prints one Markdown row per study
//! (best energy error, its depth and CNOTs, the energy evaluations all trials used).
//!
//!   cargo run --release --example quantum_search -- [BUDGET] [OUT_DIR]

use std::path::PathBuf;

use l2mac::dse::run_study_from_toml;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let budget: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(64);
    let out = PathBuf::from(
        args.get(2)
            .cloned()
            .unwrap_or_else(|| "workspace/dse/qas-table".into()),
    );
    println!("| problem | noise | agent | best error (mHa) | solved (<1.6 mHa) | depth | CNOTs | gates | trials | energy evaluations | seconds |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for (problem, steps) in [("h2_2q", 6), ("h2_4q", 8), ("lih_4q", 8), ("lih_6q", 8)] {
        for noise in ["none", "mumbai"] {
            for agent in ["ga", "random"] {
                let agent_table = if agent == "ga" {
                    "name = \"ga\"\npopulation = 8\nmutation = 0.25".to_string()
                } else {
                    format!("name = \"{agent}\"")
                };
                let text = format!(
                    "name = \"qas-{problem}-{noise}-{agent}\"\nseed = 1\nbudget = {budget}\nbatch = 8\n\n\
                     [env]\nname = \"qas\"\nproblem = \"{problem}\"\nnoise = \"{noise}\"\nsteps = {steps}\n\
                     optimizer = \"cobyla\"\nevals_per_step = 100\n\n\
                     [objective]\nminimize = \"Error\"\npareto = [\"Error\", \"CNOTs\"]\n\n[agent]\n{agent_table}\n"
                );
                let dir = out.join(format!("{problem}-{noise}-{agent}"));
                let _ = std::fs::remove_dir_all(&dir);
                let s = match run_study_from_toml(&text, &dir) {
                    Ok(s) => s,
                    Err(e) => {
                        eprintln!("{problem} {noise} {agent}: {e}");
                        continue;
                    }
                };
                let evals = total(&s.csv_path, "Evaluations");
                let Some(b) = s.best.first() else { continue };
                let m = |k: &str| b.metrics.get(k).copied().unwrap_or(f64::NAN);
                println!(
                    "| {problem} | {noise} | {agent} | {:.3} | {} | {} | {} | {} | {} | {:.0} | {:.1} |",
                    m("Error") * 1e3,
                    if m("Error") < 1.6e-3 { "yes" } else { "no" },
                    m("Depth"),
                    m("CNOTs"),
                    m("Gates"),
                    s.trials,
                    evals,
                    s.seconds
                );
            }
        }
    }
}

/// The sum of a dimensionless metric's column (`NAME_value`) over a study's trial CSV, counting
/// only trials that ran the environment (a cache hit costs no energy evaluation).
fn total(csv: &std::path::Path, metric: &str) -> f64 {
    let Ok(mut r) = csv::Reader::from_path(csv) else {
        return f64::NAN;
    };
    let Ok(headers) = r.headers().cloned() else {
        return f64::NAN;
    };
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (Some(i), Some(cached)) = (col(&format!("{metric}_value")), col("cached")) else {
        return f64::NAN;
    };
    r.records()
        .filter_map(|rec| {
            let rec = rec.ok()?;
            if rec.get(cached)? == "true" {
                return None;
            }
            rec.get(i)?.parse::<f64>().ok()
        })
        .sum()
}
