//! Hierarchical collectives over `levels` equal consecutive blocks of members (e.g. the dies of
//! one attention group on each of several wafers, listed wafer by wafer): member `w * m + l` is
//! the `l`-th of block `w`, `m = n / levels`. An all-reduce is a ring reduce-scatter inside every
//! block (`m - 1` steps of `S/m`), a ring all-reduce of each reduced shard among the members at
//! the same position of every block (`2 (levels - 1)` steps of `S/(m levels)`: the exchange
//! between blocks), and a ring all-gather inside every block (`m - 1` steps of `S/m`).
//! Reduce-scatter and all-gather use the first two and the last two stages. When `n` is not a
//! multiple of `levels` (or `levels < 2`) the collective is a plain ring.

use super::{CollectiveAlgorithm, Ring, Send, Step};
use moesim_workloads::flows::CollectiveKind;

/// Hierarchical collectives over `levels` blocks.
#[derive(Clone, Copy, Debug)]
pub struct Hierarchical {
    pub levels: usize,
}

fn inner(n: usize, m: usize, bytes: u64, steps: usize) -> Vec<Step> {
    let step = Step {
        sends: (0..n)
            .map(|i| Send {
                from: i,
                to: (i / m) * m + (i % m + 1) % m,
                bytes,
            })
            .collect(),
        pipelined: false,
    };
    vec![step; steps]
}

fn outer(n: usize, m: usize, bytes: u64, steps: usize) -> Vec<Step> {
    let step = Step {
        sends: (0..n)
            .map(|i| Send {
                from: i,
                to: (i + m) % n,
                bytes,
            })
            .collect(),
        pipelined: false,
    };
    vec![step; steps]
}

impl CollectiveAlgorithm for Hierarchical {
    fn name(&self) -> &'static str {
        "hierarchical"
    }

    fn schedule(&self, kind: CollectiveKind, n: usize, bytes: u64) -> Vec<Step> {
        let l = self.levels;
        if n < 2 || bytes == 0 {
            return Vec::new();
        }
        if l < 2 || !n.is_multiple_of(l) {
            return Ring.schedule(kind, n, bytes);
        }
        let m = n / l;
        let shard = bytes.div_ceil(m as u64);
        let piece = shard.div_ceil(l as u64);
        let mut out = Vec::new();
        match kind {
            CollectiveKind::AllReduce => {
                out.extend(inner(n, m, shard, m - 1));
                out.extend(outer(n, m, piece, 2 * (l - 1)));
                out.extend(inner(n, m, shard, m - 1));
            }
            CollectiveKind::ReduceScatter => {
                out.extend(inner(n, m, shard, m - 1));
                out.extend(outer(n, m, piece, l - 1));
            }
            CollectiveKind::AllGather => {
                out.extend(outer(n, m, piece, l - 1));
                out.extend(inner(n, m, shard, m - 1));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::executor::collective::bytes_sent_by;

    #[test]
    fn stages_and_bytes() {
        let h = Hierarchical { levels: 4 };
        // 16 members: 4 blocks of 4
        let ar = h.schedule(CollectiveKind::AllReduce, 16, 16_000);
        assert_eq!(ar.len(), 3 + 6 + 3);
        assert_eq!(ar[0].sends[3].to, 0);
        assert_eq!(ar[0].sends[5].to, 6);
        assert_eq!(ar[3].sends[13].to, 1);
        // inner 2 (m-1) S/m + outer 2 (L-1) S/(mL)
        assert_eq!(bytes_sent_by(&ar, 5), 6 * 4000 + 6 * 1000);
        assert_eq!(h.schedule(CollectiveKind::AllGather, 16, 16_000).len(), 6);
        assert_eq!(
            h.schedule(CollectiveKind::ReduceScatter, 16, 16_000).len(),
            6
        );
        // one member per block: only the exchange
        assert_eq!(h.schedule(CollectiveKind::AllReduce, 4, 4000).len(), 6);
        // not a multiple: the ring
        assert_eq!(
            h.schedule(CollectiveKind::AllReduce, 6, 600),
            Ring.schedule(CollectiveKind::AllReduce, 6, 600)
        );
    }
}
