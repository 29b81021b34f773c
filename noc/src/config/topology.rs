//! Topology and routing sections of the NoC configuration.

use super::range_err;
use moesim_core::Result;
use serde::{Deserialize, Serialize};

/// The network's shape. Selected by `kind`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum TopologyConfig {
    /// X x Y mesh (BookSim `topology = mesh`, `k`, `n = 2`, `c`).
    Mesh {
        x: u32,
        y: u32,
        #[serde(default = "one")]
        concentration: u32,
        /// Router-to-router channel latency (BookSim: 1 with `use_noc_latency = 1`).
        #[serde(default = "one")]
        link_latency_cycles: u32,
    },
}

impl Default for TopologyConfig {
    fn default() -> Self {
        TopologyConfig::Mesh {
            x: 8,
            y: 8,
            concentration: 1,
            link_latency_cycles: 1,
        }
    }
}

/// The routing function. Selected by `kind`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RoutingConfig {
    /// Dimension order, X then Y (BookSim `dor`).
    #[default]
    Dor,
    /// Dimension order, Y then X.
    DorYx,
}

fn one() -> u32 {
    1
}

impl TopologyConfig {
    pub fn validate(&self, origin: &str) -> Result<()> {
        match self {
            TopologyConfig::Mesh {
                x,
                y,
                concentration,
                link_latency_cycles,
            } => {
                if *x == 0 || *y == 0 {
                    return Err(range_err(
                        origin,
                        "topology.x/y",
                        format!("{x}x{y}"),
                        "at least 1 router in each dimension",
                    ));
                }
                if *concentration == 0 {
                    return Err(range_err(
                        origin,
                        "topology.concentration",
                        concentration,
                        "an integer >= 1",
                    ));
                }
                if *link_latency_cycles == 0 {
                    return Err(range_err(
                        origin,
                        "topology.link_latency_cycles",
                        link_latency_cycles,
                        "an integer >= 1",
                    ));
                }
            }
        }
        Ok(())
    }
}
