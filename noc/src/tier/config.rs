//! The `[network.tier]` section: which tier moves the messages. The same experiment runs on each
//! tier by changing `kind`.

use super::Network;
use super::analytic::AnalyticNetwork;
use super::flit::FlitTier;
use super::flow::FlowNetwork;
use super::link_scheduler::LinkScheduler;
use super::params::NetworkParams;
use crate::config::{RouterConfig, RoutingConfig};
use crate::topology::Topology;
use moesim_core::{Error, Result};
use serde::{Deserialize, Serialize};

fn yes() -> bool {
    true
}

fn one() -> f64 {
    1.0
}

fn default_max_cycles() -> u64 {
    100_000_000
}

/// The network tier. Selected by `kind`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum TierConfig {
    /// Closed form: path latency + drain time of the most loaded resource.
    Analytic,
    /// Max-min fair bandwidth sharing, event-driven.
    Flow {
        /// Merge messages with the same (src, dst, release) into one flow (fairness per node
        /// pair); `false` gives every message its own share.
        #[serde(default = "yes")]
        aggregate_pairs: bool,
        /// Capacity a finished flow may leave idle on a resource, as a fraction of its
        /// bandwidth, before rates are re-solved (0 = exact max-min at every instant; 0.1 runs
        /// MoE dispatch phases about 5x faster for about 0.3 % on the makespan).
        #[serde(default)]
        idle_fraction: f64,
        /// Fraction of each link's bandwidth flows may use, in (0, 1]: 1 is the ideal max-min
        /// network; the flit routers saturate below it, and
        /// `moesim_noc::tier::calibrate::flit_link_efficiency` measures the fraction that
        /// matches them (0.81 for the default routers on an 8x8 mesh, docs/network_tiers.md).
        #[serde(default = "one")]
        link_efficiency: f64,
    },
    /// The cycle-level router pipeline (VCs, credits, allocators).
    Flit {
        /// The routers (the `[router]` keys of a NoC configuration).
        #[serde(default)]
        router: RouterConfig,
        /// Cycles a call may run before it is reported as not draining.
        #[serde(default = "default_max_cycles")]
        max_cycles: u64,
    },
    /// HD-MoE's discrete-event link scheduler: messages cut into chunks, store and forward,
    /// links as busy intervals.
    LinkScheduler {
        /// Chunks per message (at least 1).
        #[serde(default = "one_chunk")]
        chunks: u32,
    },
}

fn one_chunk() -> u32 {
    1
}

impl Default for TierConfig {
    fn default() -> Self {
        TierConfig::Flow {
            aggregate_pairs: true,
            idle_fraction: 0.0,
            link_efficiency: 1.0,
        }
    }
}

impl TierConfig {
    /// The tier's name, as `kind` spells it.
    pub fn kind(&self) -> &'static str {
        match self {
            TierConfig::Analytic => "analytic",
            TierConfig::Flow { .. } => "flow",
            TierConfig::Flit { .. } => "flit",
            TierConfig::LinkScheduler { .. } => "link_scheduler",
        }
    }

    /// Checks the values after parsing; `origin` names the file.
    pub fn validate(&self, origin: &str) -> Result<()> {
        if let TierConfig::Flow {
            idle_fraction,
            link_efficiency,
            ..
        } = self
        {
            if !(idle_fraction.is_finite() && (0.0..1.0).contains(idle_fraction)) {
                return Err(Error::config(
                    origin,
                    "network.tier.idle_fraction",
                    format!("{idle_fraction} is out of range"),
                )
                .allowed("[0, 1)"));
            }
            if !(link_efficiency.is_finite() && *link_efficiency > 0.0 && *link_efficiency <= 1.0) {
                return Err(Error::config(
                    origin,
                    "network.tier.link_efficiency",
                    format!("{link_efficiency} is out of range"),
                )
                .allowed("(0, 1]"));
            }
        }
        if let TierConfig::Flit { router, max_cycles } = self {
            router.validate(origin)?;
            if *max_cycles == 0 {
                return Err(
                    Error::config(origin, "network.tier.max_cycles", "0 is out of range")
                        .allowed("an integer >= 1"),
                );
            }
        }
        if let TierConfig::LinkScheduler { chunks: 0 } = self {
            return Err(
                Error::config(origin, "network.tier.chunks", "0 is out of range")
                    .allowed("an integer >= 1"),
            );
        }
        Ok(())
    }

    /// Builds the tier over `topo`, routed by `routing`. `origin` names the configuration for
    /// errors, which name the key `network.tier`.
    pub fn build(
        &self,
        topo: &Topology,
        routing: &RoutingConfig,
        params: &NetworkParams,
        origin: &str,
    ) -> Result<Box<dyn Network>> {
        self.validate(origin)?;
        let rf = crate::routing::build(routing, topo, origin)?;
        Ok(match self {
            TierConfig::Analytic => Box::new(AnalyticNetwork::new(
                topo.clone(),
                rf,
                params.clone(),
                origin,
            )),
            TierConfig::Flow {
                aggregate_pairs,
                idle_fraction,
                link_efficiency,
            } => Box::new(
                FlowNetwork::with_idle_fraction(
                    topo.clone(),
                    rf,
                    params.clone(),
                    *aggregate_pairs,
                    *idle_fraction,
                    origin,
                )
                .with_link_efficiency(*link_efficiency),
            ),
            TierConfig::Flit { router, max_cycles } => Box::new(FlitTier::new(
                topo.clone(),
                *routing,
                router.clone(),
                params.clone(),
                *max_cycles,
                origin,
            )?),
            TierConfig::LinkScheduler { chunks } => Box::new(LinkScheduler::new(
                topo.clone(),
                rf,
                params.clone(),
                *chunks,
                origin,
            )),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tier::Message;
    use crate::topology::mesh::build_mesh;
    use moesim_core::{ClockDomain, MeshShape, NodeId, Tick};

    #[test]
    fn one_key_selects_the_tier() {
        let topo = build_mesh(MeshShape::new(3, 3), 1, 1);
        let p = NetworkParams::new(ClockDomain::from_ghz(1.0), 16);
        let msgs = [Message::new(0, NodeId(0), NodeId(8), 1600, Tick::ZERO)];
        for (text, name) in [
            ("kind = \"analytic\"", "analytic"),
            ("kind = \"flow\"", "flow"),
            ("kind = \"flow\"\naggregate_pairs = false", "flow"),
            ("kind = \"flow\"\nidle_fraction = 0.1", "flow"),
            ("kind = \"flow\"\nlink_efficiency = 1.0", "flow"),
        ] {
            let c: TierConfig = moesim_core::config::from_toml_str("x.toml", text).unwrap();
            assert_eq!(c.kind(), name);
            let mut net = c.build(&topo, &RoutingConfig::Dor, &p, "x.toml").unwrap();
            assert_eq!(net.name(), name);
            // 100 ns of serialisation + 4 hops x 2 ns
            assert_eq!(net.simulate(&msgs).unwrap().finish[0], Tick::from_ns(108.0));
        }
        let e = moesim_core::config::from_toml_str::<TierConfig>("x.toml", "kind = \"packet\"")
            .unwrap_err()
            .to_string();
        assert!(e.contains("x.toml"), "{e}");
        let e = moesim_core::config::from_toml_str::<TierConfig>(
            "x.toml",
            "kind = \"flow\"\naggregate = true",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("aggregate"), "{e}");
        let bad: TierConfig =
            moesim_core::config::from_toml_str("x.toml", "kind = \"flow\"\nidle_fraction = 1.5")
                .unwrap();
        let e = bad
            .build(&topo, &RoutingConfig::Dor, &p, "x.toml")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("network.tier.idle_fraction"), "{e}");
        let bad: TierConfig =
            moesim_core::config::from_toml_str("x.toml", "kind = \"flow\"\nlink_efficiency = 0")
                .unwrap();
        let e = bad.validate("x.toml").unwrap_err().to_string();
        assert!(e.contains("network.tier.link_efficiency"), "{e}");
    }
}
