//! Direct all-to-all: every rank sends its n - 1 blocks of `S / n` bytes to all peers at once.
//! Inside a domain the NVSwitch makes every peer one hop away; across domains the off-domain
//! blocks leave through each GPU's own scale-out NIC while the on-domain blocks use NVLink.

use super::{Collective, CollectiveNetwork, Family};
use crate::topology::CommGroup;
use moesim_core::Tick;

/// One step per level; NVLink and scale-out shares proceed concurrently.
#[derive(Clone, Copy, Debug, Default)]
pub struct DirectAllToAll;

impl Collective for DirectAllToAll {
    fn time(&self, net: &CollectiveNetwork, group: CommGroup, bytes_per_rank: u64) -> Tick {
        let n = group.ranks();
        if n <= 1 || bytes_per_rank == 0 {
            return Tick::ZERO;
        }
        let s = bytes_per_rank as f64;
        let g = group.ranks_per_domain();
        let intra = if g > 1 {
            net.domain
                .transfer_us(Family::AllToAll, 1, s * (g - 1) as f64 / n as f64)
        } else {
            0.0
        };
        let inter = if n > g {
            net.scale_out
                .transfer_us(Family::AllToAll, 1, s * (n - g) as f64 / n as f64)
        } else {
            0.0
        };
        net.with_floor(Family::AllToAll, group, intra.max(inter))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collective::test_net::net;

    #[test]
    fn single_domain_moves_n_minus_one_blocks() {
        let g = CommGroup::new(8, 8).unwrap();
        // 7/8 of 8e7 bytes at 1e5 B/us plus one 1 us step.
        assert_eq!(DirectAllToAll.time(&net(), g, 80_000_000), Tick::from_us(701.0));
        // Small messages sit on the 10 us floor.
        assert_eq!(DirectAllToAll.time(&net(), g, 8_000), Tick::from_us(10.0));
        assert_eq!(DirectAllToAll.time(&net(), CommGroup::new(1, 8).unwrap(), 8), Tick::ZERO);
    }

    #[test]
    fn across_domains_the_slower_share_dominates() {
        let g = CommGroup::new(16, 8).unwrap();
        // Off-domain 8/16 of 1.6e7 = 8e6 bytes at 1e4 B/us + 5 us; on-domain 7e6 at 1e5 + 1 us.
        assert_eq!(DirectAllToAll.time(&net(), g, 16_000_000), Tick::from_us(805.0));
    }
}
