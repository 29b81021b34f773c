//! Ring all-reduce: a reduce-scatter and an all-gather around the ring, 2(n - 1) pipelined steps
//! moving 2(n - 1)/n x S bytes per rank. Across k domains of g ranks it is hierarchical:
//! reduce-scatter inside each domain, all-reduce of the `S / g` shards across domains (one ring
//! per local rank, each on its GPU's NIC), all-gather inside each domain.

use super::{Collective, CollectiveNetwork, Family, share};
use crate::topology::CommGroup;
use moesim_core::Tick;

/// Flat ring inside a domain, two-level across domains.
#[derive(Clone, Copy, Debug, Default)]
pub struct RingAllReduce;

impl Collective for RingAllReduce {
    fn time(&self, net: &CollectiveNetwork, group: CommGroup, bytes_per_rank: u64) -> Tick {
        let n = group.ranks();
        if n <= 1 || bytes_per_rank == 0 {
            return Tick::ZERO;
        }
        let s = bytes_per_rank as f64;
        let (g, k) = (group.ranks_per_domain(), group.domains());
        let intra_half = if g > 1 {
            net.domain
                .transfer_us(Family::Ring, (g - 1) as u64, share(s, g))
        } else {
            0.0
        };
        let transfer = if k == 1 {
            net.domain
                .transfer_us(Family::Ring, 2 * (n - 1) as u64, 2.0 * share(s, n))
        } else {
            let inter = net.scale_out.transfer_us(
                Family::Ring,
                2 * (k - 1) as u64,
                2.0 * share(s / g as f64, k),
            );
            2.0 * intra_half + inter
        };
        net.with_floor(Family::Ring, group, transfer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collective::test_net::net;

    #[test]
    fn flat_ring_moves_twice_the_share() {
        let g = CommGroup::new(4, 8).unwrap();
        // 6 steps x 1 us + 2 x 3/4 x 4e7 bytes / 1e5 B/us = 6 + 600 us.
        assert_eq!(
            RingAllReduce.time(&net(), g, 40_000_000),
            Tick::from_us(606.0)
        );
    }

    #[test]
    fn hierarchical_across_domains() {
        let g = CommGroup::new(16, 8).unwrap();
        // RS and AG in the domain: 7 steps + 7/8 x 1.6e7 / 1e5 = 7 + 140 us each;
        // across 2 domains: 2 steps x 5 us + 2 x 1/2 x 2e6 / 1e4 = 10 + 200 us.
        assert_eq!(
            RingAllReduce.time(&net(), g, 16_000_000),
            Tick::from_us(504.0)
        );
    }
}
