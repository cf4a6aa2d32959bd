//! Logic synthesis through the real ABC (`yosys-abc`, Debian package `yosys`): a circuit and a
//! recipe of ABC-RL's seven AIG passes in, the AIG size and the area and delay after mapping to a
//! shipped cell library out. The recipe-search environment (`dse::env::abc`) is built on it.

pub mod circuits;
pub mod cli;
pub mod error;
pub mod gen;
pub mod gen_arith;
pub mod gen_sbox;
pub mod parse;
pub mod recipe;
pub mod run;

pub use error::AbcError;
pub use parse::{AigStats, MappedStats};
pub use recipe::{Pass, Recipe, RESYN2};
pub use run::{synthesize, Abc, AbcConfig, Circuit, Format, SynthStats, CELLS_GENLIB};
