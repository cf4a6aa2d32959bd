//! l2mac: an LLM automatic computer that turns a task into files on disk through a managed agent loop.
//!
//! The crate is one library with a thin binary (`src/main.rs`) on top; see ARCHITECTURE.md for the
//! module map. Arrows point down: `control` uses `llm`, `tools`, `store`, `exec`; `dse` uses `sim`.

pub mod config;
pub mod control;
pub mod domain;
pub mod dse;
pub mod edit;
pub mod exec;
pub mod integrity;
pub mod llm;
pub mod lockfile;
pub mod profile;
pub mod prompts;
pub mod rate;
pub mod secrets;
pub mod sim;
pub mod store;
pub mod text;
pub mod tools;
