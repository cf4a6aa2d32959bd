//! `l2mac dse similar`: the past trials most like a design point, over one or more studies,
//! by cosine between MBAT vectors ([`super::vsa`]) of their points, so a new design can start
//! from what was learned on its nearest neighbours.

use std::path::PathBuf;

use serde::Serialize;

use super::error::DseError;
use super::study::Store;
use super::vsa::{Index, Vsa};

/// The vector dimension and codebook seed of the search (fixed, so results are reproducible).
const DIM: usize = 1024;
const SEED: u64 = 0;

/// One neighbour.
#[derive(Clone, Debug, Serialize)]
pub struct Neighbour {
    pub run: PathBuf,
    pub trial: usize,
    pub cosine: f64,
    pub point: serde_json::Value,
    pub loss: f64,
    pub metrics: Option<super::Metrics>,
}

/// The `k` trials of `runs` whose points are most like `point` (a JSON object), most similar first.
pub fn similar_trials(
    runs: &[PathBuf],
    point: &serde_json::Value,
    k: usize,
) -> Result<Vec<Neighbour>, DseError> {
    if !point.is_object() {
        return Err(DseError::BadObjective(format!(
            "similar: the point must be a JSON object of parameters, got {point}"
        )));
    }
    let vsa = Vsa::new(DIM, SEED)?;
    let mut index = Index::new();
    let mut trials = Vec::new();
    for run in runs {
        for t in Store::open(run)?.trials()? {
            index.insert(&trials.len().to_string(), vsa.encode(&t.point));
            trials.push((run.clone(), t));
        }
    }
    let q = vsa.encode(point);
    Ok(index
        .nearest(&q, k)
        .into_iter()
        .filter_map(|(label, cosine)| {
            let (run, t) = trials.get(label.parse::<usize>().ok()?)?;
            Some(Neighbour {
                run: run.clone(),
                trial: t.id,
                cosine,
                point: t.point.clone(),
                loss: t.loss,
                metrics: t.metrics.clone(),
            })
        })
        .collect())
}
