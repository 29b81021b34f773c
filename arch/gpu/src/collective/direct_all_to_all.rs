//! Direct all-to-all: every rank sends its n - 1 blocks of `S / n` bytes to all peers at once.
//! Inside a domain the NVSwitch makes every peer one hop away; across domains the off-domain
//! blocks leave through each GPU's own scale-out NIC while the on-domain blocks use NVLink.

use super::{Collective, CollectiveNetwork, Family};
use crate::topology::CommGroup;
use moesim_core::{Error, Result, Tick};

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

/// Per-rank times of a direct all-to-all with uneven blocks (`all_to_allv`): `send[r][d]` bytes
/// from rank r to rank d (ranks placed contiguously, `group.ranks_per_domain()` per domain). Each
/// rank is busy for the larger of what it sends and receives on each level, the levels overlap, and
/// the call ends when the slowest rank ends (the tail MoETuner's ILP minimises).
pub fn all_to_allv_times(
    net: &CollectiveNetwork,
    group: CommGroup,
    send: &[Vec<u64>],
) -> Result<Vec<Tick>> {
    let n = group.ranks();
    if send.len() != n || send.iter().any(|row| row.len() != n) {
        return Err(Error::config(
            "all_to_allv",
            "send",
            format!("expected a {n} x {n} byte matrix"),
        )
        .allowed(format!(
            "{n} rows of {n} entries (one per rank of the communicator)"
        )));
    }
    let g = group.ranks_per_domain();
    let domain = |r: usize| r / g;
    let mut intra_out = vec![0u64; n];
    let mut intra_in = vec![0u64; n];
    let mut inter_out = vec![0u64; n];
    let mut inter_in = vec![0u64; n];
    for (s, row) in send.iter().enumerate() {
        for (d, &bytes) in row.iter().enumerate() {
            if s == d {
                continue;
            }
            if domain(s) == domain(d) {
                intra_out[s] += bytes;
                intra_in[d] += bytes;
            } else {
                inter_out[s] += bytes;
                inter_in[d] += bytes;
            }
        }
    }
    Ok((0..n)
        .map(|r| {
            let intra = intra_out[r].max(intra_in[r]);
            let inter = inter_out[r].max(inter_in[r]);
            if intra == 0 && inter == 0 {
                return Tick::ZERO;
            }
            let t_intra = if intra > 0 {
                net.domain.transfer_us(Family::AllToAll, 1, intra as f64)
            } else {
                0.0
            };
            let t_inter = if inter > 0 {
                net.scale_out.transfer_us(Family::AllToAll, 1, inter as f64)
            } else {
                0.0
            };
            net.with_floor(Family::AllToAll, group, t_intra.max(t_inter))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collective::test_net::net;

    #[test]
    fn single_domain_moves_n_minus_one_blocks() {
        let g = CommGroup::new(8, 8).unwrap();
        // 7/8 of 8e7 bytes at 1e5 B/us plus one 1 us step.
        assert_eq!(
            DirectAllToAll.time(&net(), g, 80_000_000),
            Tick::from_us(701.0)
        );
        // Small messages sit on the 10 us floor.
        assert_eq!(DirectAllToAll.time(&net(), g, 8_000), Tick::from_us(10.0));
        assert_eq!(
            DirectAllToAll.time(&net(), CommGroup::new(1, 8).unwrap(), 8),
            Tick::ZERO
        );
    }

    #[test]
    fn uneven_blocks_time_each_rank_and_uniform_blocks_match() {
        let g = CommGroup::new(16, 8).unwrap();
        let block = 1_000_000u64;
        let uniform = vec![vec![block; 16]; 16];
        let t = all_to_allv_times(&net(), g, &uniform).unwrap();
        let whole = DirectAllToAll.time(&net(), g, 16 * block);
        assert!(t.iter().all(|&x| x == whole));
        // Rank 0 receives 8x more from rank 9 (another domain): only the ranks touching that
        // block slow down.
        let mut skewed = uniform.clone();
        skewed[9][0] = 8 * block;
        let t = all_to_allv_times(&net(), g, &skewed).unwrap();
        assert!(t[0] > whole && t[9] > whole);
        assert_eq!(t[3], whole);
        assert!(all_to_allv_times(&net(), g, &uniform[1..]).is_err());
    }

    #[test]
    fn across_domains_the_slower_share_dominates() {
        let g = CommGroup::new(16, 8).unwrap();
        // Off-domain 8/16 of 1.6e7 = 8e6 bytes at 1e4 B/us + 5 us; on-domain 7e6 at 1e5 + 1 us.
        assert_eq!(
            DirectAllToAll.time(&net(), g, 16_000_000),
            Tick::from_us(805.0)
        );
    }
}
