//! Recipe-search benchmark behind BENCHMARKS.md's "Logic synthesis (ABC)" table.
//!
//! Training: MCTS on each training circuit (`sim::abc::circuits::TRAIN`) for the budget; the
//! best recipes found fit a policy (per recipe step, how often each pass appears among them).
//! Test: on each test circuit (`TEST`, families unlike the training ones), with the same number
//! of ABC runs each, random search, GA, MCTS, MCTS steered by the policy at alpha = 1, and
//! ABC-RL's retrieval-guided mix: alpha from the cosine between the circuit's MBAT vector (its
//! AIG statistics as JSON) and the nearest training circuit's. resyn2 (one ABC run) is the
//! baseline. Reported: the best ADP relative to the unsynthesised circuit, median over seeds.
//!
//! `cargo run --release --example abc_bench -- --budget 100 --seeds 3`

use clap::Parser;
use l2mac::dse::agents::mcts::Mcts;
use l2mac::dse::agents::{make_agent, Agent, Observation};
use l2mac::dse::env::abc::AbcEnv;
use l2mac::dse::vsa::{Index, Vsa};
use l2mac::dse::{Environment, Score};
use l2mac::sim::abc::{circuits, Pass, Recipe};

#[derive(Parser)]
struct Args {
    /// ABC runs per search.
    #[arg(long, default_value_t = 100)]
    budget: u64,
    #[arg(long, default_value_t = 3)]
    seeds: u64,
    /// Best recipes per training circuit that fit the policy.
    #[arg(long, default_value_t = 8)]
    elite: usize,
    /// Cosine at or below which retrieval gives alpha = 0 (rising linearly to 1 at cosine 1).
    #[arg(long, default_value_t = 0.8)]
    floor: f64,
}

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn env(circuit: &str) -> Res<AbcEnv> {
    Ok(AbcEnv::new(&toml::from_str(&format!(
        "circuit = \"{circuit}\""
    ))?)?)
}

/// Runs an agent until `budget` ABC runs are spent; every evaluated (loss, recipe).
fn search(env: &AbcEnv, agent: &mut dyn Agent, budget: u64) -> Res<Vec<(f64, String)>> {
    env.unsynthesised()?;
    let start = env.abc_calls();
    let mut seen = Vec::new();
    let mut idle = 0;
    while env.abc_calls() - start < budget && idle < 50 {
        let before = env.abc_calls();
        let points = agent.ask(4);
        let mut obs = Vec::new();
        for p in points {
            let score = match env.evaluate(&p) {
                Ok(m) => {
                    let r = env.recipe_of(&p)?.to_string();
                    seen.push((m["ADP_ratio"], r));
                    Score {
                        loss: m["ADP_ratio"],
                        violation: 0.0,
                    }
                }
                Err(e) => {
                    eprintln!("{}: {e}", env.name());
                    Score::FAILED
                }
            };
            obs.push(Observation { point: p, score });
        }
        agent.tell(&obs);
        idle = if env.abc_calls() == before {
            idle + 1
        } else {
            0
        };
    }
    Ok(seen)
}

fn best(seen: &[(f64, String)]) -> f64 {
    seen.iter().map(|s| s.0).fold(f64::INFINITY, f64::min)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The circuit as JSON for retrieval: its AIG before and after resyn2 (the one run every
/// method already makes).
fn features(env: &AbcEnv) -> Res<serde_json::Value> {
    let base = env.unsynthesised()?;
    let r = env.synthesize(&Recipe::resyn2())?;
    let i = base.initial;
    Ok(serde_json::json!({
        "inputs": i.inputs, "outputs": i.outputs, "ands": i.ands, "levels": i.levels,
        "ands_per_input": i.ands as f64 / i.inputs.max(1) as f64,
        "levels_per_and": 100.0 * i.levels as f64 / i.ands.max(1) as f64,
        "resyn2": {"ands": 100.0 * r.aig.ands as f64 / i.ands.max(1) as f64,
                   "levels": 100.0 * r.aig.levels as f64 / i.levels.max(1) as f64},
    }))
}

fn main() -> Res<()> {
    let args = Args::parse();
    let vsa = Vsa::new(1024, 1)?;
    let length = l2mac::dse::env::abc::DEFAULT_LENGTH;
    let mut counts = vec![vec![1.0; Pass::ALL.len()]; length];
    let mut index = Index::new();
    eprintln!("training: MCTS, {} ABC runs per circuit", args.budget);
    for name in circuits::TRAIN {
        let e = env(name)?;
        index.insert(name, vsa.encode(&features(&e)?));
        let mut a = make_agent("mcts", &toml::Table::new(), e.space(), 1)?;
        let mut seen = search(&e, a.as_mut(), args.budget)?;
        seen.sort_by(|x, y| x.0.total_cmp(&y.0));
        seen.dedup_by(|x, y| x.1 == y.1);
        for (_, recipe) in seen.iter().take(args.elite) {
            for (d, p) in Recipe::parse(recipe, name)?.0.iter().enumerate() {
                counts[d][p.index()] += 1.0;
            }
        }
        eprintln!("  {name}: best {:.4}", best(&seen));
    }
    let policy_text: Vec<String> = counts
        .iter()
        .map(|c| {
            let (i, _) = c
                .iter()
                .enumerate()
                .fold((0, 0.0), |b, (i, x)| if *x > b.1 { (i, *x) } else { b });
            Pass::ALL[i].short().to_string()
        })
        .collect();
    println!(
        "policy's most likely pass per step: {}",
        policy_text.join(";")
    );
    println!(
        "| circuit | nearest training circuit (cosine, alpha) | resyn2 | random | GA | MCTS | MCTS+policy | MCTS+retrieval |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let (mut wins, mut total) = ([0usize; 5], 0usize);
    for name in circuits::TEST {
        let e0 = env(name)?;
        let resyn2 = e0.adp_ratio(&e0.synthesize(&Recipe::resyn2())?)?;
        let q = vsa.encode(&features(&e0)?);
        let (near, cos) = index.nearest(&q, 1).into_iter().next().unwrap_or_default();
        let alpha = ((cos - args.floor) / (1.0 - args.floor)).clamp(0.0, 1.0);
        let mut cols: Vec<Vec<f64>> = vec![Vec::new(); 5];
        for seed in 0..args.seeds {
            // a fresh environment per method and seed, so no method profits from another's cache
            let h = toml::Table::new();
            let e = env(name)?;
            cols[0].push(best(&search(
                &e,
                make_agent("random", &h, e.space(), seed)?.as_mut(),
                args.budget,
            )?));
            let e = env(name)?;
            cols[1].push(best(&search(
                &e,
                make_agent("ga", &h, e.space(), seed)?.as_mut(),
                args.budget,
            )?));
            let e = env(name)?;
            cols[2].push(best(&search(
                &e,
                make_agent("mcts", &h, e.space(), seed)?.as_mut(),
                args.budget,
            )?));
            let e = env(name)?;
            let mut m = Mcts::with_prior(e.space(), seed, 0.7, &counts, 1.0)?;
            cols[3].push(best(&search(&e, &mut m, args.budget)?));
            let e = env(name)?;
            let mut m = Mcts::with_prior(e.space(), seed, 0.7, &counts, alpha)?;
            cols[4].push(best(&search(&e, &mut m, args.budget)?));
        }
        let med: Vec<f64> = cols.into_iter().map(median).collect();
        total += 1;
        for (w, m) in wins.iter_mut().zip(&med) {
            if *m < resyn2 - 1e-12 {
                *w += 1;
            }
        }
        println!(
            "| {name} | {near} ({cos:.3}, {alpha:.2}) | {resyn2:.4} | {} |",
            med.iter()
                .map(|m| format!("{m:.4}"))
                .collect::<Vec<_>>()
                .join(" | ")
        );
    }
    println!(
        "beats resyn2 on (of {total}): random {}, GA {}, MCTS {}, MCTS+policy {}, MCTS+retrieval {}",
        wins[0], wins[1], wins[2], wins[3], wins[4]
    );
    Ok(())
}
