//! The crossbar: flits granted by switch allocation traverse it in `st_prepare_delay +
//! st_final_delay` cycles (BookSim's crossbar delay) and then leave on their output channel.

use crate::flit::Flit;
use std::collections::VecDeque;

/// Flits in switch traversal, per output port, with the cycle they leave.
#[derive(Clone, Debug)]
pub struct Crossbar {
    queues: Vec<VecDeque<(u64, Flit)>>,
    pending: usize,
}

impl Crossbar {
    pub fn new(ports: usize, delay_cycles: u64) -> Crossbar {
        Crossbar {
            queues: vec![VecDeque::with_capacity(delay_cycles as usize + 1); ports],
            pending: 0,
        }
    }
    /// Puts `f` on its way to output `port`, leaving in cycle `leave_at`.
    #[inline]
    pub fn push(&mut self, port: usize, leave_at: u64, f: Flit) {
        self.queues[port].push_back((leave_at, f));
        self.pending += 1;
    }
    /// Takes the flit leaving output `port` in cycle `now`, if any.
    #[inline]
    pub fn pop_due(&mut self, port: usize, now: u64) -> Option<Flit> {
        match self.queues[port].front() {
            Some(&(t, f)) if t <= now => {
                debug_assert_eq!(t, now);
                self.queues[port].pop_front();
                self.pending -= 1;
                Some(f)
            }
            _ => None,
        }
    }
    /// Flits in traversal.
    pub fn pending(&self) -> usize {
        self.pending
    }
    /// The flits in traversal to output `port`.
    pub fn flits(&self, port: usize) -> impl Iterator<Item = Flit> + '_ {
        self.queues[port].iter().map(|&(_, f)| f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flits_leave_at_their_cycle() {
        let mut x = Crossbar::new(2, 1);
        x.push(1, 5, Flit::new(3, true, true, 0));
        assert!(x.pop_due(1, 4).is_none());
        assert_eq!(x.pending(), 1);
        assert_eq!(x.pop_due(1, 5).map(|f| f.packet), Some(3));
        assert_eq!(x.pending(), 0);
    }
}
