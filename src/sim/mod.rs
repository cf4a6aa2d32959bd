//! Native simulator backends: plain libraries with a config struct in and a stats struct out.
pub mod abc;
pub mod accel;
pub mod dram;
pub mod quantum;
