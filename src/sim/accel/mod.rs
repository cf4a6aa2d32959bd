//! DNN-accelerator cost models in process: the semantics of the Timeloop v3 model (a problem, an
//! architecture tree with ERT/ART tables, a mapping -> access counts, energy, area, cycles), so
//! design-space searches evaluate a layer in microseconds instead of a process per call.

pub mod cli;
pub mod error;
pub mod eyeriss;
pub mod maestro;
pub mod maestro_cli;
pub(crate) mod maestro_cluster;
pub mod maestro_config;
pub mod maestro_model;
pub(crate) mod maestro_reuse;
pub mod mapper;
pub mod mapping;
pub mod model;
pub mod nest;
pub mod pointset;
pub mod report;
pub mod spec;

pub use error::AccelError;
pub use mapping::{Loop, Mapping};
pub use model::{evaluate, Stats};
pub use spec::{Arch, Problem, Tables};
