//! A compact, fast copy of a trained smartcore random forest, for saving and for prediction.
//!
//! smartcore's own serialised forest is verbose (hundreds of MB for a DRAM proxy) and its tree walk
//! allocates a linked-list node per level. After training, each tree is copied into flat arrays
//! (read from smartcore's serde form) and checked to predict exactly like the original on the
//! held-out rows, so a change of smartcore's layout is caught at training time, never silently.

use serde::{Deserialize, Serialize};

use super::error::DseError;

const LEAF: u32 = u32::MAX;

/// One regression tree: node `i` sends `x` to `left[i]` when `x[feature[i]] <= threshold[i]`, else
/// to `right[i]`; a leaf (`left[i] == u32::MAX`) predicts `value[i]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlatTree {
    pub feature: Vec<u32>,
    pub threshold: Vec<f64>,
    pub left: Vec<u32>,
    pub right: Vec<u32>,
    pub value: Vec<f64>,
}

/// The mean of its trees.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlatForest {
    pub trees: Vec<FlatTree>,
}

fn layout(msg: &str) -> DseError {
    DseError::Proxy(format!(
        "unexpected smartcore forest layout ({msg}); this smartcore version is not supported"
    ))
}

impl FlatTree {
    fn predict(&self, x: &[f64]) -> f64 {
        let mut i = 0usize;
        // bounded by the node count, so a malformed (cyclic) tree cannot loop forever
        for _ in 0..self.value.len() {
            if self.left[i] == LEAF {
                return self.value[i];
            }
            let f = self.feature[i] as usize;
            i = if x.get(f).copied().unwrap_or(f64::NAN) <= self.threshold[i] {
                self.left[i]
            } else {
                self.right[i]
            } as usize;
            if i >= self.value.len() {
                return f64::NAN;
            }
        }
        f64::NAN
    }
}

impl FlatForest {
    /// Copies a smartcore forest through its serde form.
    pub fn from_serde(forest: &impl Serialize) -> Result<FlatForest, DseError> {
        let v = serde_json::to_value(forest).map_err(|e| DseError::Proxy(e.to_string()))?;
        let trees = v["forest_regressor"]["trees"]
            .as_array()
            .ok_or_else(|| layout("no forest_regressor.trees"))?;
        let mut out = Vec::with_capacity(trees.len());
        for t in trees {
            let nodes = t["nodes"].as_array().ok_or_else(|| layout("no nodes"))?;
            let n = nodes.len();
            let mut ft = FlatTree {
                feature: Vec::with_capacity(n),
                threshold: Vec::with_capacity(n),
                left: Vec::with_capacity(n),
                right: Vec::with_capacity(n),
                value: Vec::with_capacity(n),
            };
            for node in nodes {
                let child = |k: &str| node[k].as_u64().map(|c| c as u32);
                ft.value.push(
                    node["output"]
                        .as_f64()
                        .ok_or_else(|| layout("node output"))?,
                );
                match (child("true_child"), child("false_child")) {
                    (Some(l), Some(r)) => {
                        ft.left.push(l);
                        ft.right.push(r);
                        ft.feature.push(
                            node["split_feature"]
                                .as_u64()
                                .ok_or_else(|| layout("split_feature"))?
                                as u32,
                        );
                        ft.threshold
                            .push(node["split_value"].as_f64().unwrap_or(f64::NAN));
                    }
                    _ => {
                        ft.left.push(LEAF);
                        ft.right.push(LEAF);
                        ft.feature.push(0);
                        ft.threshold.push(0.0);
                    }
                }
            }
            if n == 0 {
                return Err(layout("empty tree"));
            }
            out.push(ft);
        }
        if out.is_empty() {
            return Err(layout("no trees"));
        }
        Ok(FlatForest { trees: out })
    }

    pub fn predict(&self, x: &[f64]) -> f64 {
        self.trees.iter().map(|t| t.predict(x)).sum::<f64>() / self.trees.len() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stump_routes_by_threshold() {
        let t = FlatTree {
            feature: vec![1, 0, 0],
            threshold: vec![0.5, 0.0, 0.0],
            left: vec![1, LEAF, LEAF],
            right: vec![2, LEAF, LEAF],
            value: vec![0.0, 10.0, 20.0],
        };
        let f = FlatForest { trees: vec![t] };
        assert_eq!(f.predict(&[9.0, 0.5]), 10.0);
        assert_eq!(f.predict(&[9.0, 0.6]), 20.0);
        // a missing feature compares as NaN, which is never <= the threshold
        assert_eq!(f.predict(&[9.0]), 20.0);
    }
}
