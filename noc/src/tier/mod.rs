//! Message-level network tiers behind one [`Network`] trait (ASTRA-sim's single network API).
//!
//! The executor hands a tier a set of [`Message`]s (bytes from one node to another, released at a
//! [`Tick`]) and gets back a [`NetworkRun`]: when each message's last byte arrived, and the bytes
//! each link carried per time window. Dependencies between messages are the executor's: it calls
//! [`Network::simulate`] once per phase, or once with release times.
//!
//! Tiers, one per file, chosen by [`TierConfig`] (`kind = "analytic" | "flow" | "flit"`):
//! - [`analytic`]: closed form (path latency + drain time of the most loaded resource);
//! - [`flow`]: max-min fair bandwidth sharing, event-driven ([`fluid`] holds the engine,
//!   [`maxmin`] the progressive-filling solver, [`event_queue`] the finish times);
//! - [`flit`]: packets on the cycle-level router model ([`crate::network::FlitNetwork`]);
//! - [`link_scheduler`]: HD-MoE's chunked store-and-forward link scheduler (links as busy
//!   intervals), with its linear surrogate and fitted slope in [`link_scheduler_fit`].
//!
//! [`routes`] computes and caches paths, [`params`] turns physical figures into flit widths and
//! clocks, [`link_load`] records link heat in Tick windows, [`check`] holds the cross-checks
//! between tiers that tests and `moesim validate` run, [`calibrate`] the flow tier's link
//! efficiency measured on the flit tier, and [`patterns`] synthetic message sets.
//!
//! The formulas are in docs/network_tiers.md.

pub mod analytic;
pub mod calibrate;
pub mod check;
pub mod config;
pub mod event_queue;
pub mod flit;
pub mod flow;
pub mod fluid;
pub mod link_load;
pub mod link_scheduler;
pub mod link_scheduler_fit;
pub mod maxmin;
pub mod params;
pub mod patterns;
pub mod routes;

pub use analytic::AnalyticNetwork;
pub use config::TierConfig;
pub use flit::FlitTier;
pub use flow::FlowNetwork;
pub use link_load::LinkLoad;
pub use link_scheduler::LinkScheduler;
pub use params::{EndpointBandwidth, NetworkParams, NetworkParamsConfig};
pub use routes::{RouteRef, RouteTable};

use crate::topology::Topology;
use moesim_core::{NodeId, Result, Tick};
use serde::{Deserialize, Serialize};

/// A message: `bytes` from `src` to `dst`, which may start at `release`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// The caller's id (echoed in errors).
    pub id: u64,
    pub src: NodeId,
    pub dst: NodeId,
    pub bytes: u64,
    pub release: Tick,
    /// The caller's label (phase, collective step).
    pub tag: u32,
}

impl Message {
    pub fn new(id: u64, src: NodeId, dst: NodeId, bytes: u64, release: Tick) -> Message {
        Message {
            id,
            src,
            dst,
            bytes,
            release,
            tag: 0,
        }
    }
}

/// What one [`Network::simulate`] call measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetworkRun {
    /// The tier that produced it.
    pub tier: String,
    /// Per message (input order): when its last byte reached the destination.
    pub finish: Vec<Tick>,
    /// The latest finish (zero when there are no messages).
    pub makespan: Tick,
    /// Per topology link (`LinkId` order): bytes carried.
    pub link_bytes: Vec<u64>,
    /// Per topology link, per window: bytes carried.
    pub link_load: LinkLoad,
}

impl NetworkRun {
    /// The run of `tier`: its finish times, link bytes and windowed link load; the makespan is
    /// the latest finish.
    pub fn new(
        tier: &str,
        finish: Vec<Tick>,
        link_bytes: Vec<u64>,
        link_load: LinkLoad,
    ) -> NetworkRun {
        NetworkRun {
            tier: tier.to_string(),
            makespan: makespan(&finish),
            finish,
            link_bytes,
            link_load,
        }
    }

    /// Time from release to finish of message `i` of `msgs`.
    pub fn duration(&self, msgs: &[Message], i: usize) -> Tick {
        self.finish[i].saturating_sub(msgs[i].release)
    }
}

/// A network tier: moves messages over a topology.
pub trait Network: Send {
    /// The tier's name (`analytic`, `flow`, `flit`).
    fn name(&self) -> &'static str;
    fn topology(&self) -> &Topology;
    fn params(&self) -> &NetworkParams;
    /// Moves `msgs` and reports when each finished and what the links carried. Errors name
    /// `network.tier` when the tier cannot run this topology or message set.
    fn simulate(&mut self, msgs: &[Message]) -> Result<NetworkRun>;
}

/// The latest of `finish` (zero if empty).
pub(crate) fn makespan(finish: &[Tick]) -> Tick {
    finish.iter().copied().max().unwrap_or(Tick::ZERO)
}

/// Rounds a time in picoseconds to a [`Tick`].
pub(crate) fn tick_of_ps(ps: f64) -> Tick {
    if ps.is_nan() || ps <= 0.0 {
        Tick::ZERO
    } else if ps >= u64::MAX as f64 {
        Tick::MAX
    } else {
        Tick(ps.round() as u64)
    }
}
