//! Ring collectives: member `i` sends to member `i+1 mod n` in every step, `ceil(S/n)` bytes.

use super::{CollectiveAlgorithm, Send, Step};
use moesim_workloads::flows::CollectiveKind;

/// The ring algorithms.
#[derive(Clone, Copy, Debug, Default)]
pub struct Ring;

impl CollectiveAlgorithm for Ring {
    fn name(&self) -> &'static str {
        "ring"
    }

    fn schedule(&self, kind: CollectiveKind, n: usize, bytes: u64) -> Vec<Step> {
        if n < 2 || bytes == 0 {
            return Vec::new();
        }
        let steps = match kind {
            CollectiveKind::AllReduce => 2 * (n - 1),
            CollectiveKind::ReduceScatter | CollectiveKind::AllGather => n - 1,
        };
        let chunk = bytes.div_ceil(n as u64);
        let step = Step {
            sends: (0..n)
                .map(|i| Send {
                    from: i,
                    to: (i + 1) % n,
                    bytes: chunk,
                })
                .collect(),
            pipelined: false,
        };
        vec![step; steps]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::executor::collective::bytes_sent_by;

    #[test]
    fn step_counts_and_bytes() {
        let ar = Ring.schedule(CollectiveKind::AllReduce, 8, 8000);
        assert_eq!(ar.len(), 14);
        // 2 (n-1)/n S per member
        assert_eq!(bytes_sent_by(&ar, 3), 14 * 1000);
        assert_eq!(ar[0].sends[7].to, 0);
        assert_eq!(Ring.schedule(CollectiveKind::AllGather, 8, 8000).len(), 7);
        assert_eq!(Ring.schedule(CollectiveKind::ReduceScatter, 4, 10).len(), 3);
        assert!(Ring.schedule(CollectiveKind::AllReduce, 1, 10).is_empty());
    }
}
