//! `[network]` and `[executor]` of a MoE experiment.

use super::collective::CollectiveConfig;
use moesim_core::{Error, Result, Tick};
use moesim_noc::config::RoutingConfig;
use moesim_noc::tier::TierConfig;
use serde::{Deserialize, Serialize};

fn yes() -> bool {
    true
}
fn default_window_ns() -> f64 {
    10_000.0
}

/// `[network]`: the tier that moves messages and the routing function.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkConfig {
    /// `analytic`, `flow` or `flit` (see docs/network_tiers.md).
    #[serde(default)]
    pub tier: TierConfig,
    /// The routing function (`dor`, `dor_yx`, `west_first`, `odd_even`, `fault_tolerant`, ...).
    #[serde(default)]
    pub routing: RoutingConfig,
    /// Length of a link-utilisation window.
    #[serde(default = "default_window_ns")]
    pub window_ns: f64,
}

impl Default for NetworkConfig {
    fn default() -> Self {
        NetworkConfig {
            tier: TierConfig::default(),
            routing: RoutingConfig::default(),
            window_ns: default_window_ns(),
        }
    }
}

impl NetworkConfig {
    pub fn validate(&self, origin: &str) -> Result<()> {
        if !(self.window_ns.is_finite() && self.window_ns >= 1.0 && self.window_ns <= 1e9) {
            return Err(Error::config(
                origin,
                "network.window_ns",
                format!("{} is out of range", self.window_ns),
            )
            .allowed("[1, 1e9] ns"));
        }
        self.tier.validate(origin)
    }
    pub fn window(&self) -> Tick {
        Tick::from_ns(self.window_ns)
    }
}

/// `[executor]`: how phases are played.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExecutorConfig {
    /// The algorithm of collectives (`ring` or `reduce_broadcast`).
    #[serde(default)]
    pub collective: CollectiveConfig,
    /// Expert work whose tokens a device already holds (replicated shared experts, tensor-
    /// parallel experts) starts right after the router, overlapping the dispatch.
    #[serde(default = "yes")]
    pub overlap_local_experts: bool,
    /// The order of a collective's members on its ring: `snake` over their grid positions, or
    /// `placement` (the order the placement lists a group's devices: the entwined rings of
    /// `er_mapping` / `her_mapping`).
    #[serde(default)]
    pub ring_order: RingOrder,
    /// Where a device sends its partial expert outputs: the token's `primary` holder (then an
    /// all-gather to the other holders), or the `nearest_holder` (then an all-reduce among the
    /// holders sums the partial outputs: ER-Mapping's combine inside the FTD).
    #[serde(default)]
    pub combine: CombineTarget,
}

/// `[executor] ring_order`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RingOrder {
    #[default]
    Snake,
    Placement,
}

/// `[executor] combine`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CombineTarget {
    #[default]
    Primary,
    NearestHolder,
}

impl Default for ExecutorConfig {
    fn default() -> Self {
        ExecutorConfig {
            collective: CollectiveConfig::default(),
            overlap_local_experts: true,
            ring_order: RingOrder::Snake,
            combine: CombineTarget::Primary,
        }
    }
}
