//! All-reduce as a pipelined reduce along a chain (member 0 -> 1 -> ... -> n-1) followed by a
//! pipelined broadcast back (n-1 -> ... -> 0). In the limit of small chunks every chain link
//! streams the whole tensor `S` in each phase, so the all-reduce takes `2 S / BW` plus the hop
//! latencies of the chain twice, whatever `n`: the TP all-reduce cost of HD-MoE's analytic model
//! (papers.md §4.4). Reduce-scatter and all-gather use the ring.

use super::ring::Ring;
use super::{CollectiveAlgorithm, Send, Step};
use moesim_workloads::flows::CollectiveKind;

/// Pipelined chain reduce, then pipelined chain broadcast.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReduceBroadcast;

impl CollectiveAlgorithm for ReduceBroadcast {
    fn name(&self) -> &'static str {
        "reduce_broadcast"
    }

    fn schedule(&self, kind: CollectiveKind, n: usize, bytes: u64) -> Vec<Step> {
        if kind != CollectiveKind::AllReduce {
            return Ring.schedule(kind, n, bytes);
        }
        if n < 2 || bytes == 0 {
            return Vec::new();
        }
        let reduce = Step {
            sends: (0..n - 1)
                .map(|i| Send {
                    from: i,
                    to: i + 1,
                    bytes,
                })
                .collect(),
            pipelined: true,
        };
        let broadcast = Step {
            sends: (1..n)
                .rev()
                .map(|i| Send {
                    from: i,
                    to: i - 1,
                    bytes,
                })
                .collect(),
            pipelined: true,
        };
        vec![reduce, broadcast]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::executor::collective::bytes_sent_by;

    #[test]
    fn chain_each_way() {
        let s = ReduceBroadcast.schedule(CollectiveKind::AllReduce, 4, 100);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].sends.len(), 3);
        assert_eq!(
            s[1].sends[0],
            Send {
                from: 3,
                to: 2,
                bytes: 100
            }
        );
        // inner members forward the full tensor both ways
        assert_eq!(bytes_sent_by(&s, 1), 200);
        assert_eq!(bytes_sent_by(&s, 0), 100);
        assert_eq!(
            ReduceBroadcast
                .schedule(CollectiveKind::AllGather, 4, 100)
                .len(),
            3
        );
    }
}
