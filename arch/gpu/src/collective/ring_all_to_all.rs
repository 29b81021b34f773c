//! Ring (shift) all-to-all: n - 1 sequential steps; in step j every rank sends its block of
//! `S / n` bytes to rank + j. Across domains every step has a pair crossing the scale-out
//! network, so every step runs at the scale-out level's pace.

use super::{Collective, CollectiveNetwork, Family};
use crate::topology::{CommGroup, Level};
use moesim_core::Tick;

/// n - 1 steps of one block each.
#[derive(Clone, Copy, Debug, Default)]
pub struct RingAllToAll;

impl Collective for RingAllToAll {
    fn time(&self, net: &CollectiveNetwork, group: CommGroup, bytes_per_rank: u64) -> Tick {
        let n = group.ranks();
        if n <= 1 || bytes_per_rank == 0 {
            return Tick::ZERO;
        }
        let level = if group.is_single_domain() {
            Level::Domain
        } else {
            Level::ScaleOut
        };
        let block = bytes_per_rank as f64 / n as f64;
        let step = net.level(level).transfer_us(Family::AllToAll, 1, block);
        net.with_floor(Family::AllToAll, group, (n - 1) as f64 * step)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collective::DirectAllToAll;
    use crate::collective::test_net::net;

    #[test]
    fn pays_one_latency_per_peer() {
        let g = CommGroup::new(8, 8).unwrap();
        // 7 steps of (1 us + 1e7 / 1e5 us).
        assert_eq!(
            RingAllToAll.time(&net(), g, 80_000_000),
            Tick::from_us(707.0)
        );
    }

    #[test]
    fn equals_direct_for_two_ranks() {
        let g = CommGroup::new(2, 8).unwrap();
        for bytes in [1u64 << 10, 1 << 20, 1 << 30] {
            assert_eq!(
                RingAllToAll.time(&net(), g, bytes),
                DirectAllToAll.time(&net(), g, bytes)
            );
        }
    }
}
