//! FR-FCFS (Rixner et al., ISCA 2000; Ramulator 2's `FRFCFS`).

use super::{Candidate, Scheduler};

/// Among the requests whose next command is ready, row hits first, then the oldest.
#[derive(Clone, Copy, Debug, Default)]
pub struct FrFcfs;

impl Scheduler for FrFcfs {
    fn pick(&self, candidates: &[Candidate]) -> Option<usize> {
        candidates
            .iter()
            .enumerate()
            .filter(|(_, c)| c.ready)
            .min_by_key(|(_, c)| (!c.row_hit, c.seq))
            .map(|(i, _)| i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(seq: u64, row_hit: bool, ready: bool) -> Candidate {
        Candidate {
            queue_index: seq as usize,
            seq,
            row_hit,
            ready,
        }
    }

    #[test]
    fn ready_hits_before_older_misses() {
        let s = FrFcfs;
        assert_eq!(s.pick(&[c(0, false, true), c(1, true, true)]), Some(1));
        assert_eq!(s.pick(&[c(0, false, true), c(1, true, false)]), Some(0));
        assert_eq!(s.pick(&[c(3, true, true), c(1, true, true)]), Some(1));
        assert_eq!(s.pick(&[c(0, true, false)]), None);
    }
}
