//! Separable allocation with round-robin arbiters (BookSim's `separable_input_first` and
//! `separable_output_first`, `arb_type = round_robin`).
//!
//! Input-first: every input's arbiter picks one of the outputs it requests; every output's
//! arbiter then picks one of the inputs that picked it. Output-first is the mirror image. An
//! arbiter's pointer moves only when its choice ends in a match. High-priority requests win over
//! low-priority ones in every arbiter; round-robin breaks ties. One pass, as in BookSim.

use super::round_robin::rr_pick_word;
use super::round_robin::{rank, rr_dist};
use super::{Allocator, MaskRequests, NONE, OutputScratch, RequestList, RoundRobinArbiter, groups};

/// Which side arbitrates first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeparableOrder {
    InputFirst,
    OutputFirst,
}

/// A separable allocator: one round-robin arbiter per input and per output.
#[derive(Clone, Debug)]
pub struct Separable {
    order: SeparableOrder,
    in_arb: Vec<RoundRobinArbiter>,
    out_arb: Vec<RoundRobinArbiter>,
    scratch: OutputScratch,
    /// Output-first: whether the request that won each output was high priority.
    won_high: Vec<bool>,
    /// Mask form: second-stage requests per second-stage port (all, high priority).
    offered: Vec<u64>,
    offered_hi: Vec<u64>,
}

impl Separable {
    pub fn new(order: SeparableOrder, inputs: usize, outputs: usize) -> Separable {
        Separable {
            order,
            in_arb: vec![RoundRobinArbiter::new(outputs); inputs],
            out_arb: vec![RoundRobinArbiter::new(inputs); outputs],
            scratch: OutputScratch::new(outputs),
            won_high: vec![false; outputs],
            offered: vec![0; inputs.max(outputs).min(64)],
            offered_hi: vec![0; inputs.max(outputs).min(64)],
        }
    }

    fn input_first(&mut self, req: &RequestList, in_match: &mut [u32]) {
        let reqs = req.requests();
        for (i, range) in groups(reqs) {
            in_match[i] = NONE;
            // The input arbiter: best (priority, round-robin) requested output.
            let mut best = (NONE as usize, u64::MAX, false);
            for r in &reqs[range] {
                let mut m = r.mask;
                while m != 0 {
                    let b = m.trailing_zeros() as usize;
                    m &= m - 1;
                    let o = r.base as usize + b;
                    let high = r.high & (1 << b) != 0;
                    let k = rank(high, self.in_arb[i].dist(o));
                    if k < best.1 {
                        best = (o, k, high);
                    }
                }
            }
            let (o, _, high) = best;
            self.scratch
                .offer(o, i as u32, rank(high, self.out_arb[o].dist(i)));
        }
        for k in 0..self.scratch.touched.len() {
            let o = self.scratch.touched[k] as usize;
            let i = self.scratch.best[o] as usize;
            in_match[i] = o as u32;
            self.in_arb[i].granted(o);
            self.out_arb[o].granted(i);
        }
        self.scratch.reset();
    }

    /// The winner among `all` (preferring `hi`) for a pointer `ptr` (mask form).
    #[inline]
    fn pick(hi: u64, all: u64, ptr: usize) -> usize {
        rr_pick_word(if hi != 0 { hi } else { all }, ptr)
    }

    fn masks(&mut self, req: &MaskRequests, in_match: &mut [u32]) {
        let mut m = req.inputs;
        while m != 0 {
            let i = m.trailing_zeros() as usize;
            m &= m - 1;
            in_match[i] = NONE;
        }
        let mut touched = 0u64;
        match self.order {
            SeparableOrder::InputFirst => {
                let mut m = req.inputs;
                while m != 0 {
                    let i = m.trailing_zeros() as usize;
                    m &= m - 1;
                    let (all, hi) = (req.by_in[i], req.hi_by_in[i]);
                    let o = Self::pick(hi, all, self.in_arb[i].pointer());
                    touched |= 1 << o;
                    self.offered[o] |= 1 << i;
                    if hi & (1 << o) != 0 {
                        self.offered_hi[o] |= 1 << i;
                    }
                }
                while touched != 0 {
                    let o = touched.trailing_zeros() as usize;
                    touched &= touched - 1;
                    let all = std::mem::take(&mut self.offered[o]);
                    let hi = std::mem::take(&mut self.offered_hi[o]);
                    let i = Self::pick(hi, all, self.out_arb[o].pointer());
                    in_match[i] = o as u32;
                    self.in_arb[i].granted(o);
                    self.out_arb[o].granted(i);
                }
            }
            SeparableOrder::OutputFirst => {
                let mut m = req.outputs;
                while m != 0 {
                    let o = m.trailing_zeros() as usize;
                    m &= m - 1;
                    let (all, hi) = (req.by_out[o], req.hi_by_out[o]);
                    let i = Self::pick(hi, all, self.out_arb[o].pointer());
                    touched |= 1 << i;
                    self.offered[i] |= 1 << o;
                    if hi & (1 << i) != 0 {
                        self.offered_hi[i] |= 1 << o;
                    }
                }
                while touched != 0 {
                    let i = touched.trailing_zeros() as usize;
                    touched &= touched - 1;
                    let all = std::mem::take(&mut self.offered[i]);
                    let hi = std::mem::take(&mut self.offered_hi[i]);
                    let o = Self::pick(hi, all, self.in_arb[i].pointer());
                    in_match[i] = o as u32;
                    self.in_arb[i].granted(o);
                    self.out_arb[o].granted(i);
                }
            }
        }
    }

    fn output_first(&mut self, req: &RequestList, in_match: &mut [u32]) {
        let reqs = req.requests();
        // The output arbiters: best (priority, round-robin) requesting input per output.
        for r in reqs {
            let i = r.input as usize;
            in_match[i] = NONE;
            let mut m = r.mask;
            while m != 0 {
                let b = m.trailing_zeros() as usize;
                m &= m - 1;
                let o = r.base as usize + b;
                let high = r.high & (1 << b) != 0;
                let k = rank(
                    high,
                    rr_dist(i, self.out_arb[o].pointer(), self.out_arb[o].size()),
                );
                self.scratch.offer(o, i as u32, k);
                if self.scratch.best[o] == i as u32 {
                    self.won_high[o] = high;
                }
            }
        }
        // The input arbiters: among the outputs that chose them.
        for (i, range) in groups(reqs) {
            let mut best = (NONE as usize, u64::MAX);
            for r in &reqs[range] {
                let mut m = r.mask;
                while m != 0 {
                    let b = m.trailing_zeros() as usize;
                    m &= m - 1;
                    let o = r.base as usize + b;
                    if self.scratch.best[o] != i as u32 {
                        continue;
                    }
                    let k = rank(self.won_high[o], self.in_arb[i].dist(o));
                    if k < best.1 {
                        best = (o, k);
                    }
                }
            }
            if best.1 == u64::MAX {
                continue;
            }
            let o = best.0;
            in_match[i] = o as u32;
            self.in_arb[i].granted(o);
            self.out_arb[o].granted(i);
        }
        self.scratch.reset();
    }
}

impl Allocator for Separable {
    fn name(&self) -> &'static str {
        match self.order {
            SeparableOrder::InputFirst => "separable_input_first",
            SeparableOrder::OutputFirst => "separable_output_first",
        }
    }

    #[inline]
    fn allocate(&mut self, req: &RequestList, in_match: &mut [u32]) {
        match self.order {
            SeparableOrder::InputFirst => self.input_first(req, in_match),
            SeparableOrder::OutputFirst => self.output_first(req, in_match),
        }
    }

    #[inline]
    fn allocate_masks(&mut self, req: &MaskRequests, in_match: &mut [u32]) {
        self.masks(req, in_match)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full(ni: usize, no: usize) -> RequestList {
        let mut m = RequestList::new(ni, no);
        for i in 0..ni {
            for o in 0..no {
                m.push_one(i, o, true);
            }
        }
        m
    }

    #[test]
    fn input_first_conflicts_leave_outputs_idle() {
        // Both inputs' arbiters start at output 0: input-first matches only one pair at first.
        let m = full(2, 2);
        let mut a = Separable::new(SeparableOrder::InputFirst, 2, 2);
        let mut g = vec![NONE; 2];
        a.allocate(&m, &mut g);
        assert_eq!((g[0], g[1]), (0, NONE));
        // Input 0's pointer moved past output 0; input 1's did not: now both differ.
        a.allocate(&m, &mut g);
        assert_eq!((g[0], g[1]), (1, 0));
    }

    #[test]
    fn output_first_mirrors_input_first() {
        let m = full(2, 2);
        let mut a = Separable::new(SeparableOrder::OutputFirst, 2, 2);
        let mut g = vec![NONE; 2];
        a.allocate(&m, &mut g);
        assert_eq!((g[0], g[1]), (0, NONE));
        a.allocate(&m, &mut g);
        assert_eq!((g[0], g[1]), (1, 0));
    }

    #[test]
    fn high_priority_wins_the_output() {
        let mut m = RequestList::new(2, 1);
        m.push_one(0, 0, false);
        m.push_one(1, 0, true);
        for order in [SeparableOrder::InputFirst, SeparableOrder::OutputFirst] {
            let mut g = vec![NONE; 2];
            Separable::new(order, 2, 1).allocate(&m, &mut g);
            assert_eq!((g[0], g[1]), (NONE, 0), "{order:?}");
        }
    }
}
