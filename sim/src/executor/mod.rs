//! The executor: runs a step of an MoE workload with a placement on a platform.
//!
//! - [`platform`]: `[platform]`, the hardware ([`Platform`]: devices, topology, network params);
//! - [`config`]: `[network]` (tier, routing, window) and `[executor]` (collective algorithm,
//!   overlap);
//! - [`step`]: the [`Executor`], phase by phase, layer by layer;
//! - [`moe`]: the dispatch/combine traffic and expert work of a MoE layer (co-located experts
//!   merged, tokens from the nearest holder);
//! - [`collective`]: collective algorithms as steps of sends (ring, reduce-broadcast);
//!   [`collectives`] plays them on the tier;
//! - [`compute`]: roofline timing; [`streams`]: compute / communication / migration streams;
//!   [`migration`]: the migration queue; [`phases`]: phase accounting;
//! - [`net`]: the tier with routes and counters; [`timeline`]: link heat per window and class;
//! - [`report`]: the step report, summaries, link utilisation; [`output`]: files and heatmaps.
//!
//! docs/executor.md describes phases, streams, overlap rules and what is measured.

pub mod collective;
pub mod collectives;
pub mod compute;
pub mod config;
pub mod migration;
pub mod moe;
pub mod net;
pub mod output;
pub mod phases;
pub mod platform;
pub mod report;
pub mod ring_order;
pub mod step;
pub mod streams;
pub mod timeline;

pub use config::{ExecutorConfig, NetworkConfig};
pub use net::NetDriver;
pub use phases::{PhaseKind, PhaseTimes};
pub use platform::{Platform, PlatformConfig};
pub use report::{LinkSummary, StepReport, Summary};
pub use step::Executor;
pub use timeline::{LinkTimeline, TrafficClass};
