//! `proxy:FILE`: an environment answered by a saved proxy model instead of the simulator.

use std::path::Path;

use super::{EnvInfo, Environment, MetricInfo, Metrics};
use crate::dse::error::DseError;
use crate::dse::proxy::ProxyModel;
use crate::dse::space::{ParamSpace, Point};

pub struct ProxyEnv {
    name: String,
    model: ProxyModel,
}

impl ProxyEnv {
    pub fn load(path: &Path) -> Result<ProxyEnv, DseError> {
        Ok(ProxyEnv {
            name: format!("proxy:{}", path.display()),
            model: ProxyModel::load(path)?,
        })
    }

    pub fn model(&self) -> &ProxyModel {
        &self.model
    }
}

impl Environment for ProxyEnv {
    fn name(&self) -> &str {
        &self.name
    }
    fn space(&self) -> &ParamSpace {
        &self.model.space
    }
    fn metrics(&self) -> &[MetricInfo] {
        &self.model.metrics
    }
    fn evaluate(&self, point: &Point) -> Result<Metrics, DseError> {
        self.model.predict(point)
    }
}

pub fn info() -> EnvInfo {
    EnvInfo {
        name: "proxy:FILE".into(),
        description:
            "random-forest proxy model trained with `l2mac dse train` (FILE is its JSON); \
                      same space and metrics as the environment it was trained on"
                .into(),
        options: Vec::new(),
    }
}
