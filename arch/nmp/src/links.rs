//! Physical figures of the NMP mesh links, per direction.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hdmoe_tp_message_times() {
        // HD-MoE's TP all-to-all, one way, per layer: 4 B x B=128 x h=2048 at 50 GB/s.
        let l = LinkPhysical::new(Bandwidth::from_gbytes_per_s(50.0), Tick::from_ns(5.0));
        assert_eq!(
            l.serialization_time(4.0 * 128.0 * 2048.0).as_ps(),
            20_971_520
        );
        assert_eq!(l.hop_time(4.0 * 128.0 * 2048.0).as_ps(), 20_976_520);
    }
}
