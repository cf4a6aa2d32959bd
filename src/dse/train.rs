//! Training a proxy model (`l2mac dse train`): a random-forest regressor per metric (smartcore) fitted
//! on the distinct successful trials of stored studies, with a held-out RMSE report.

use std::path::PathBuf;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use smartcore::ensemble::random_forest_regressor::{
    RandomForestRegressor, RandomForestRegressorParameters,
};
use smartcore::linalg::basic::matrix::DenseMatrix;

use super::error::DseError;
use super::forest::FlatForest;
use super::objective::{MetricInfo, Metrics};
use super::proxy::{features, MetricFit, ProxyModel, ProxyReport, FORMAT};
use super::space::ParamSpace;
use super::study::{Prepared, Store, StudySpec};

type Forest = RandomForestRegressor<f64, f64, DenseMatrix<f64>, Vec<f64>>;

/// Options for `dse train`.
#[derive(Clone, Debug)]
pub struct TrainOptions {
    pub trees: usize,
    /// Minimum training rows per leaf (larger: smaller, smoother trees).
    pub min_leaf: usize,
    /// Fit positive metrics in log space (lower relative error on heavy-tailed metrics, but on the
    /// DRAM data not a lower RMSE, so off by default).
    pub log_target: bool,
    pub test_fraction: f64,
    pub seed: u64,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            trees: 50,
            min_leaf: 2,
            log_target: false,
            test_fraction: 0.2,
            seed: 0,
        }
    }
}

fn matrix(rows: &[Vec<f64>]) -> Result<DenseMatrix<f64>, DseError> {
    DenseMatrix::from_2d_vec(&rows.to_vec()).map_err(|e| DseError::Proxy(e.to_string()))
}

/// Trains on the distinct successful trials of the runs in `dirs` (which must share one environment).
pub fn train(dirs: &[PathBuf], opts: &TrainOptions) -> Result<ProxyModel, DseError> {
    let mut rows: Vec<(Vec<f64>, Metrics)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut env_desc: Option<(String, ParamSpace, Vec<MetricInfo>)> = None;
    for dir in dirs {
        let mut store = Store::open(dir)?;
        let text = store.meta("spec")?.unwrap_or_default();
        let spec = StudySpec::from_toml_str(&text, &dir.display().to_string())?;
        let prep = Prepared::new(spec.clone())?;
        let env_ref = toml::to_string(&spec.env)
            .unwrap_or_default()
            .replace('\n', " ");
        let space = prep.env.space().clone();
        match &env_desc {
            None => env_desc = Some((env_ref, space.clone(), prep.env.metrics().to_vec())),
            Some((e, s, _)) if *s != space || *e != env_ref => {
                return Err(DseError::Proxy(format!(
                    "{} was run on `{env_ref}`, the other runs on `{e}`; train one proxy per environment",
                    dir.display()
                )))
            }
            _ => {}
        }
        for t in store.trials()? {
            if let Some(m) = t.metrics {
                if seen.insert(t.point.to_string()) {
                    let p = space.point_from_json(&t.point)?;
                    rows.push((features(&space, &p), m));
                }
            }
        }
    }
    let (source_env, space, metrics) =
        env_desc.ok_or_else(|| DseError::Proxy("no run directories given".into()))?;
    if rows.len() < 10 {
        return Err(DseError::Proxy(format!(
            "only {} distinct successful trials; need at least 10 to train and test",
            rows.len()
        )));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    rows.shuffle(&mut rng);
    let n_test =
        ((rows.len() as f64 * opts.test_fraction).round() as usize).clamp(1, rows.len() - 2);
    let (test, train) = rows.split_at(n_test);
    let x_train = matrix(&train.iter().map(|r| r.0.clone()).collect::<Vec<_>>())?;
    let x_test = matrix(&test.iter().map(|r| r.0.clone()).collect::<Vec<_>>())?;
    let mut models = Vec::new();
    let mut log_targets = Vec::new();
    let mut fits = Vec::new();
    for m in &metrics {
        let raw: Vec<f64> = train
            .iter()
            .map(|r| r.1.get(&m.name).copied().unwrap_or(0.0))
            .collect();
        // heavy-tailed positive metrics (times, energies) are fitted in log space
        let log = opts.log_target && raw.iter().all(|v| *v > 0.0 && v.is_finite());
        let y: Vec<f64> = if log {
            raw.iter().map(|v| v.ln()).collect()
        } else {
            raw
        };
        let params = RandomForestRegressorParameters::default()
            .with_n_trees(opts.trees)
            .with_min_samples_leaf(opts.min_leaf.max(1))
            .with_seed(opts.seed);
        let forest = Forest::fit(&x_train, &y, params)
            .map_err(|e| DseError::Proxy(format!("{}: {e}", m.name)))?;
        let fitted = forest
            .predict(&x_test)
            .map_err(|e| DseError::Proxy(format!("{}: {e}", m.name)))?;
        let pred: Vec<f64> = if log {
            fitted.iter().map(|v| v.exp()).collect()
        } else {
            fitted.clone()
        };
        let actual: Vec<f64> = test
            .iter()
            .map(|r| r.1.get(&m.name).copied().unwrap_or(0.0))
            .collect();
        let mse = pred
            .iter()
            .zip(&actual)
            .map(|(p, a)| (p - a).powi(2))
            .sum::<f64>()
            / actual.len() as f64;
        let mean = actual.iter().sum::<f64>() / actual.len() as f64;
        let rmse = mse.sqrt();
        fits.push(MetricFit {
            metric: m.name.clone(),
            rmse,
            mean,
            rmse_over_mean_percent: if mean != 0.0 {
                100.0 * rmse / mean.abs()
            } else {
                f64::NAN
            },
        });
        let flat = FlatForest::from_serde(&forest)?;
        for (row, p) in test.iter().zip(&fitted) {
            let q = flat.predict(&row.0);
            if (q - p).abs() > 1e-9 * p.abs().max(1.0) {
                return Err(DseError::Proxy(format!(
                    "{}: the compact forest predicts {q}, smartcore {p}; unsupported smartcore layout",
                    m.name
                )));
            }
        }
        models.push(flat);
        log_targets.push(log);
    }
    Ok(ProxyModel {
        format: FORMAT.into(),
        source_env,
        space,
        metrics,
        models,
        log_targets,
        report: ProxyReport {
            train_rows: train.len(),
            test_rows: test.len(),
            trees: opts.trees,
            min_leaf: opts.min_leaf,
            seed: opts.seed,
            fits,
        },
    })
}
