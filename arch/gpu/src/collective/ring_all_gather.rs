//! Ring all-gather: n - 1 pipelined steps moving (n - 1)/n x S bytes per rank (S = the gathered
//! output). Across k domains of g ranks: all-gather of the `S / g` domain shards across domains,
//! then all-gather inside each domain.

use super::{Collective, CollectiveNetwork, Family, share};
use crate::topology::CommGroup;
use moesim_core::Tick;

/// Flat ring inside a domain, two-level across domains.
#[derive(Clone, Copy, Debug, Default)]
pub struct RingAllGather;

/// The ring time of a gather or scatter of `s` bytes per rank: (n - 1) steps of (n - 1)/n x s,
/// hierarchical across domains. Shared with reduce-scatter, which moves the same bytes.
pub(crate) fn gather_like_us(net: &CollectiveNetwork, group: CommGroup, s: f64) -> f64 {
    let (g, k) = (group.ranks_per_domain(), group.domains());
    let intra = if g > 1 {
        net.domain
            .transfer_us(Family::Ring, (g - 1) as u64, share(s, g))
    } else {
        0.0
    };
    let inter = if k > 1 {
        net.scale_out
            .transfer_us(Family::Ring, (k - 1) as u64, share(s / g as f64, k))
    } else {
        0.0
    };
    intra + inter
}

impl Collective for RingAllGather {
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

    #[test]
    fn flat_and_hierarchical() {
        let one = CommGroup::new(8, 8).unwrap();
        // 7 steps + 7/8 x 8e7 / 1e5 = 7 + 700 us.
        assert_eq!(
            RingAllGather.time(&net(), one, 80_000_000),
            Tick::from_us(707.0)
        );
        let two = CommGroup::new(16, 8).unwrap();
        // Across: 1 step x 5 us + 1/2 x 1e7 / 1e4 = 505 us; inside: 7 + 700 us.
        assert_eq!(
            RingAllGather.time(&net(), two, 80_000_000),
            Tick::from_us(1212.0)
        );
    }
}
