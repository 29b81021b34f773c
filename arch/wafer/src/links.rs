//! Physical figures of the wafer's links, per direction: what the network tiers turn into their
//! own units (cycles, flits).

use crate::config::LinkConfig;
use moesim_core::{Bandwidth, Tick};
use serde::{Deserialize, Serialize};

/// One class of links: bandwidth and per-hop latency, per direction.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinkPhysical {
    pub bandwidth: Bandwidth,
    /// Time of flight plus router traversal of one hop.
    pub latency: Tick,
}

impl LinkPhysical {
    pub fn new(bandwidth: Bandwidth, latency: Tick) -> LinkPhysical {
        LinkPhysical { bandwidth, latency }
    }
    /// Time to serialise `bytes` onto the link.
    pub fn serialization_time(&self, bytes: f64) -> Tick {
        self.bandwidth.transfer_time(bytes)
    }
    /// Time for a message of `bytes` to cross one hop alone: latency plus serialisation.
    pub fn hop_time(&self, bytes: f64) -> Tick {
        self.latency.saturating_add(self.serialization_time(bytes))
    }
}

impl From<&LinkConfig> for LinkPhysical {
    fn from(c: &LinkConfig) -> LinkPhysical {
        LinkPhysical {
            bandwidth: Bandwidth::from_gbytes_per_s(c.bandwidth_gbytes_per_s),
            latency: Tick::from_ns(c.latency_ns),
        }
    }
}

/// Every link class of a wafer-scale system.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct WaferLinks {
    /// Die-to-die links inside a wafer.
    pub d2d: LinkPhysical,
    /// Wafer-to-wafer links (`None` for a single wafer).
    pub w2w: Option<LinkPhysical>,
    /// A die's network interface to its router (injection and ejection), latency 0.
    pub nic: LinkPhysical,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn d2d_900_gbytes_per_s_moves_one_mib_in_1_165_us() {
        let l = LinkPhysical::from(&LinkConfig {
            bandwidth_gbytes_per_s: 900.0,
            latency_ns: 0.0,
        });
        // 1048576 B / 900e9 B/s = 1.165084 us.
        assert_eq!(l.serialization_time(1048576.0).as_ps(), 1_165_084);
        let l = LinkPhysical::from(&LinkConfig {
            bandwidth_gbytes_per_s: 900.0,
            latency_ns: 20.0,
        });
        assert_eq!(l.hop_time(1048576.0).as_ps(), 1_185_084);
    }
}
