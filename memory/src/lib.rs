//! moesim-memory: the memory side of the compute models.
//!
//! - [`bandwidth`]: a memory as peak bandwidth x efficiency plus an unloaded latency (time to
//!   read or write N bytes, concurrent streams sharing the bandwidth): what the roofline
//!   executor uses for `bytes / mem_bw`;
//! - [`dram`]: a bank-level, cycle-driven model of HBM and hybrid-bonded 3D DRAM (Ramulator 2
//!   style) whose measured streaming bandwidth and unloaded latency can parameterise the
//!   bandwidth model ([`BandwidthLatency::from_dram`]).

pub mod bandwidth;
pub mod dram;

pub use bandwidth::BandwidthLatency;
pub use dram::{DramConfig, DramReport, MemorySystem};
