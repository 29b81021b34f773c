//! Ring reduce-scatter: n - 1 pipelined steps moving (n - 1)/n x S bytes per rank (S = the input
//! buffer). Across k domains of g ranks: reduce-scatter inside each domain, then across domains
//! on the `S / g` shards. It moves the same bytes as all-gather, in the opposite order.

use super::ring_all_gather::gather_like_us;
use super::{Collective, CollectiveNetwork, Family};
use crate::topology::CommGroup;
use moesim_core::Tick;

/// Flat ring inside a domain, two-level across domains.
#[derive(Clone, Copy, Debug, Default)]
pub struct RingReduceScatter;

impl Collective for RingReduceScatter {
    fn time(&self, net: &CollectiveNetwork, group: CommGroup, bytes_per_rank: u64) -> Tick {
        if group.ranks() <= 1 || bytes_per_rank == 0 {
            return Tick::ZERO;
        }
        let t = gather_like_us(net, group, bytes_per_rank as f64);
        net.with_floor(Family::Ring, group, t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collective::test_net::net;
    use crate::collective::{RingAllGather, RingAllReduce};

    #[test]
    fn reduce_scatter_plus_all_gather_is_all_reduce_in_one_domain_without_latency() {
        let mut n = net();
        n.domain.ring.step_latency_us = 0.0;
        n.domain.ring.floor_us = 0.0;
        let g = CommGroup::new(8, 8).unwrap();
        let s = 64_000_000;
        let rs = RingReduceScatter.time(&n, g, s);
        let ag = RingAllGather.time(&n, g, s);
        assert_eq!(rs + ag, RingAllReduce.time(&n, g, s));
    }
}
