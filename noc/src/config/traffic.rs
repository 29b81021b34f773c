//! Traffic section of the NoC configuration.

use super::range_err;
use moesim_core::Result;
use serde::{Deserialize, Serialize};

/// Synthetic traffic patterns (BookSim `traffic`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum TrafficPattern {
    /// Destination uniform over all nodes, the source included (as BookSim).
    #[default]
    Uniform,
    Transpose,
    Bitcomp,
    Bitrev,
    Shuffle,
    Tornado,
    Neighbor,
    /// A fixed random permutation drawn from `perm_seed`.
    Randperm {
        #[serde(default)]
        perm_seed: u64,
    },
    /// Uniform over the listed hot nodes, weighted by `rates` (all 1 if empty).
    Hotspot {
        nodes: Vec<u32>,
        #[serde(default)]
        rates: Vec<u32>,
    },
}

/// Injection processes (BookSim `injection_process`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InjectionProcess {
    #[default]
    Bernoulli,
}

/// Offered traffic.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrafficConfig {
    pub pattern: TrafficPattern,
    pub injection_process: InjectionProcess,
    /// Offered load per node per cycle, in (0, 1]; packets unless `injection_rate_uses_flits`.
    pub injection_rate: f64,
    pub injection_rate_uses_flits: bool,
    /// Flits per packet (BookSim default 1).
    pub packet_size: u32,
}

impl Default for TrafficConfig {
    fn default() -> Self {
        TrafficConfig {
            pattern: TrafficPattern::Uniform,
            injection_process: InjectionProcess::Bernoulli,
            injection_rate: 0.1,
            injection_rate_uses_flits: false,
            packet_size: 1,
        }
    }
}

impl TrafficConfig {
    pub fn validate(&self, origin: &str) -> Result<()> {
        let t = self;
        if !(t.injection_rate > 0.0 && t.injection_rate <= 1.0) {
            return Err(range_err(
                origin,
                "traffic.injection_rate",
                t.injection_rate,
                "a number in (0, 1]",
            ));
        }
        if t.packet_size == 0 {
            return Err(range_err(
                origin,
                "traffic.packet_size",
                t.packet_size,
                "an integer >= 1",
            ));
        }
        Ok(())
    }
}
