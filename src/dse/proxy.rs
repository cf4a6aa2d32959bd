//! A trained proxy model: one compact random forest per metric of an environment, with its held-out
//! accuracy, saved as JSON and loadable as the environment `proxy:FILE`. Training it from a study's
//! trials is the job of `dse::train` (it sits above the study store; this type sits below `env`).

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::error::DseError;
use super::forest::FlatForest;
use super::objective::{MetricInfo, Metrics};
use super::space::{ParamSpace, Point};

pub const FORMAT: &str = "l2mac-dse-proxy/1";

/// Held-out accuracy of one metric's model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MetricFit {
    pub metric: String,
    /// Root-mean-square error on the held-out rows, in the metric's unit.
    pub rmse: f64,
    /// Mean of the metric over the held-out rows.
    pub mean: f64,
    /// `rmse / |mean|` in percent (ArchGym reports 0.61% for its DRAM proxy).
    pub rmse_over_mean_percent: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProxyReport {
    pub train_rows: usize,
    pub test_rows: usize,
    pub trees: usize,
    pub min_leaf: usize,
    pub seed: u64,
    pub fits: Vec<MetricFit>,
}

/// A saved proxy: the space and metrics it models, one forest per metric, and its accuracy.
#[derive(Serialize, Deserialize)]
pub struct ProxyModel {
    pub format: String,
    /// The environment the training trials came from (with its options).
    pub source_env: String,
    pub space: ParamSpace,
    pub metrics: Vec<MetricInfo>,
    /// One forest per metric, in `metrics` order.
    pub models: Vec<FlatForest>,
    /// Per metric: the forest predicts the natural log of the metric.
    #[serde(default)]
    pub log_targets: Vec<bool>,
    pub report: ProxyReport,
}

/// The forest's input row for a point (one feature per parameter, in space order).
pub fn features(space: &ParamSpace, p: &Point) -> Vec<f64> {
    space
        .params
        .iter()
        .zip(&p.0)
        .map(|(param, v)| param.feature(v))
        .collect()
}

impl ProxyModel {
    pub fn save(&self, path: &Path) -> Result<(), DseError> {
        let text = serde_json::to_string(self).map_err(|e| DseError::Proxy(e.to_string()))?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| DseError::io(dir, e))?;
        }
        std::fs::write(path, text).map_err(|e| DseError::io(path, e))
    }

    pub fn load(path: &Path) -> Result<ProxyModel, DseError> {
        let text = std::fs::read_to_string(path).map_err(|e| DseError::io(path, e))?;
        let model: ProxyModel = serde_json::from_str(&text)
            .map_err(|e| DseError::Proxy(format!("{}: {e}", path.display())))?;
        if model.format != FORMAT {
            return Err(DseError::Proxy(format!(
                "{}: format `{}`, expected `{FORMAT}`",
                path.display(),
                model.format
            )));
        }
        if model.models.len() != model.metrics.len() {
            return Err(DseError::Proxy(format!(
                "{}: {} models for {} metrics",
                path.display(),
                model.models.len(),
                model.metrics.len()
            )));
        }
        Ok(model)
    }

    /// Predicts every metric at a point of the model's space.
    pub fn predict(&self, p: &Point) -> Result<Metrics, DseError> {
        self.space.check(p)?;
        let x = features(&self.space, p);
        Ok(self
            .metrics
            .iter()
            .zip(&self.models)
            .enumerate()
            .map(|(i, (m, f))| {
                let y = f.predict(&x);
                let log = self.log_targets.get(i).copied().unwrap_or(false);
                (m.name.clone(), if log { y.exp() } else { y })
            })
            .collect())
    }
}
