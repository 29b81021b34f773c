//! FCFS: strict arrival order.

use super::{Candidate, Scheduler};

/// Only the oldest queued request may issue; nothing overtakes it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Fcfs;

impl Scheduler for Fcfs {
    fn pick(&self, candidates: &[Candidate]) -> Option<usize> {
        let (i, oldest) = candidates.iter().enumerate().min_by_key(|(_, c)| c.seq)?;
        oldest.ready.then_some(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_oldest_issues() {
        let c = |seq, ready| Candidate {
            queue_index: 0,
            seq,
            row_hit: false,
            ready,
        };
        assert_eq!(Fcfs.pick(&[c(2, true), c(1, false)]), None);
        assert_eq!(Fcfs.pick(&[c(2, true), c(1, true)]), Some(1));
        assert_eq!(Fcfs.pick(&[]), None);
    }
}
