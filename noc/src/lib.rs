//! moesim-noc: network-on-chip models.
//!
//! - [`topology`]: router graphs (mesh, torus, mesh of dies, failed links), one builder per file;
//! - [`routing`]: routing functions behind one trait, one per file;
//! - [`config`]: the native TOML configuration, one section per file;
//! - [`link_stats`]: per-link, per-direction flit counts over time windows;
//! - [`report`]: the figures of one run, under BookSim's names.

#![cfg_attr(
    test,
    allow(clippy::field_reassign_with_default, clippy::needless_range_loop)
)]

pub mod booksim;
pub mod config;
pub mod credit;
pub mod flit;
pub mod heatmap;
pub mod link;
pub mod link_export;
pub mod link_stats;
pub mod network;
pub mod network_interface;
pub mod report;
pub mod router;
pub mod routing;
pub mod sim;
pub mod tier;
pub mod topology;
pub mod traffic;

pub use config::NocConfig;
pub use link_stats::LinkStats;
pub use network::{Delivered, FlitNetwork};
pub use report::{NocReport, RunStatus};
pub use sim::{BenchResult, bench, reference_kernel, run};
