//! The study report: `report.md` with the summary, best points and Pareto front, and SVG plots of the
//! best score against evaluations and of the Pareto front.

use std::fmt::Write as _;
use std::path::Path;

use plotters::prelude::*;

use super::error::DseError;
use super::study::spec::Prepared;
use super::study::summary::{best_so_far, distinct_ok, pareto_metrics, StudySummary};
use super::study::Trial;

pub use super::study::summary::REPORT_FILE;
pub const BEST_PLOT: &str = "best_so_far.svg";
pub const PARETO_PLOT: &str = "pareto.svg";

fn plot_err(e: impl std::fmt::Display) -> DseError {
    DseError::Report(e.to_string())
}

fn range(v: impl Iterator<Item = f64> + Clone) -> (f64, f64) {
    let lo = v.clone().fold(f64::INFINITY, f64::min);
    let hi = v.fold(f64::NEG_INFINITY, f64::max);
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    let pad = if hi > lo {
        (hi - lo) * 0.05
    } else {
        lo.abs().max(1.0) * 0.05
    };
    (lo - pad, hi + pad)
}

/// Plots the best feasible loss after each trial.
pub fn plot_best_so_far(trials: &[Trial], path: &Path) -> Result<(), DseError> {
    let pts: Vec<(f64, f64)> = best_so_far(trials)
        .iter()
        .enumerate()
        .filter(|(_, s)| s.feasible() && s.loss.is_finite())
        .map(|(i, s)| ((i + 1) as f64, s.loss))
        .collect();
    let root = SVGBackend::new(path, (800, 480)).into_drawing_area();
    root.fill(&WHITE).map_err(plot_err)?;
    let (y0, y1) = range(pts.iter().map(|p| p.1));
    let mut chart = ChartBuilder::on(&root)
        .caption("Best loss so far", ("sans-serif", 22))
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(80)
        .build_cartesian_2d(1f64..(trials.len().max(2) as f64), y0..y1)
        .map_err(plot_err)?;
    chart
        .configure_mesh()
        .x_desc("evaluations (trials)")
        .y_desc("best loss (lower is better)")
        .draw()
        .map_err(plot_err)?;
    chart
        .draw_series(LineSeries::new(pts, BLUE.stroke_width(2)))
        .map_err(plot_err)?;
    root.present().map_err(plot_err)
}

/// Plots the feasible points and the Pareto front over two metrics.
pub fn plot_pareto(
    prep: &Prepared,
    trials: &[Trial],
    summary: &StudySummary,
    path: &Path,
) -> Result<bool, DseError> {
    let pm = pareto_metrics(prep);
    if pm.len() < 2 {
        return Ok(false);
    }
    let (mx, my) = (&pm[0].0, &pm[1].0);
    let get = |m: &crate::dse::env::Metrics, k: &str| m.get(k).copied().unwrap_or(f64::NAN);
    let all: Vec<(f64, f64)> = distinct_ok(trials)
        .iter()
        .filter(|t| t.violation == 0.0)
        .filter_map(|t| t.metrics.as_ref())
        .map(|m| (get(m, mx), get(m, my)))
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect();
    let front: Vec<(f64, f64)> = summary
        .pareto
        .iter()
        .map(|b| (get(&b.metrics, mx), get(&b.metrics, my)))
        .collect();
    let unit = |k: &str| {
        prep.env
            .metrics()
            .iter()
            .find(|m| m.name == k)
            .map(|m| m.unit.clone())
            .unwrap_or_default()
    };
    let root = SVGBackend::new(path, (800, 600)).into_drawing_area();
    root.fill(&WHITE).map_err(plot_err)?;
    let (x0, x1) = range(all.iter().map(|p| p.0));
    let (y0, y1) = range(all.iter().map(|p| p.1));
    let mut chart = ChartBuilder::on(&root)
        .caption(format!("Pareto front: {mx} vs {my}"), ("sans-serif", 22))
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(80)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(plot_err)?;
    chart
        .configure_mesh()
        .x_desc(format!("{mx} ({})", unit(mx)))
        .y_desc(format!("{my} ({})", unit(my)))
        .draw()
        .map_err(plot_err)?;
    chart
        .draw_series(
            all.iter()
                .map(|p| Circle::new(*p, 3, BLACK.mix(0.3).filled())),
        )
        .map_err(plot_err)?;
    chart
        .draw_series(LineSeries::new(front.clone(), RED.stroke_width(2)))
        .map_err(plot_err)?;
    chart
        .draw_series(front.iter().map(|p| Circle::new(*p, 5, RED.filled())))
        .map_err(plot_err)?;
    root.present().map_err(plot_err)?;
    Ok(true)
}

fn fmt_metrics(m: &crate::dse::env::Metrics, prep: &Prepared) -> String {
    prep.env
        .metrics()
        .iter()
        .filter_map(|i| {
            m.get(&i.name)
                .map(|v| format!("{} = {:.6} {}", i.name, v, i.unit))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Writes the report of the study stored in `dir` (whose summary is `s`, as the run returned it).
/// Running a study does not write its report: the caller does (the CLI and the tool facade always,
/// a sweep never), which keeps the study below the report.
pub fn write_study_report(dir: &Path, s: &StudySummary) -> Result<(), DseError> {
    let (prep, trials) = super::study::load(dir)?;
    write_report(&prep, &trials, s, dir)
}

/// Writes `report.md` and the plots into the run directory.
pub fn write_report(
    prep: &Prepared,
    trials: &[Trial],
    s: &StudySummary,
    dir: &Path,
) -> Result<(), DseError> {
    plot_best_so_far(trials, &dir.join(BEST_PLOT))?;
    let has_pareto = plot_pareto(prep, trials, s, &dir.join(PARETO_PLOT))?;
    let mut md = String::new();
    let _ = writeln!(md, "# Study `{}`\n", s.name);
    let _ = writeln!(md, "| | |\n|---|---|");
    let _ = writeln!(md, "| environment | `{}` |", s.env);
    let _ = writeln!(
        md,
        "| agent | `{}` (seed {}, batch {}) |",
        s.agent, s.seed, s.batch
    );
    let _ = writeln!(
        md,
        "| trials | {} of budget {} ({} evaluations, {} cache hits, {} failures) |",
        s.trials, s.budget, s.evaluations, s.cache_hits, s.failures
    );
    let _ = writeln!(
        md,
        "| wall time | {:.3} s ({:.1} evaluations/s) |",
        s.seconds, s.evaluations_per_second
    );
    let target = if s.target.targets.is_empty() {
        "no target".to_string()
    } else {
        let t: Vec<String> = s
            .target
            .targets
            .iter()
            .map(|b| {
                format!(
                    "{} {} {}",
                    b.metric,
                    serde_json::to_value(b.op)
                        .map(|v| v.as_str().unwrap_or("?").to_string())
                        .unwrap_or_default(),
                    b.value
                )
            })
            .collect();
        match s.target.met_after_trials {
            Some(n) => format!("{}: **met** after {n} trials", t.join(" and ")),
            None => format!("{}: not met", t.join(" and ")),
        }
    };
    let _ = writeln!(md, "| target | {target} |\n");
    let _ = writeln!(md, "## Best points\n");
    let _ = writeln!(
        md,
        "| rank | trial | loss | point | metrics |\n|---|---|---|---|---|"
    );
    for (i, b) in s.best.iter().enumerate() {
        let _ = writeln!(
            md,
            "| {} | {} | {:.6} | `{}` | {} |",
            i + 1,
            b.trial,
            b.loss,
            b.point,
            fmt_metrics(&b.metrics, prep)
        );
    }
    let _ = writeln!(
        md,
        "\n## Best loss against evaluations\n\n![best so far]({BEST_PLOT})\n"
    );
    if has_pareto {
        let _ = writeln!(
            md,
            "## Pareto front ({})\n\n![Pareto front]({PARETO_PLOT})\n",
            s.pareto_metrics.join(", ")
        );
        let _ = writeln!(md, "| trial | point | metrics |\n|---|---|---|");
        for b in &s.pareto {
            let _ = writeln!(
                md,
                "| {} | `{}` | {} |",
                b.trial,
                b.point,
                fmt_metrics(&b.metrics, prep)
            );
        }
    }
    let _ = writeln!(
        md,
        "\nAll trials: `{}` (ArchGym proxy-dataset columns first), store: `{}`.",
        super::study::export::CSV_FILE,
        super::study::store::DB_FILE
    );
    let path = dir.join(REPORT_FILE);
    std::fs::write(&path, md).map_err(|e| DseError::io(&path, e))
}
