//! Separable allocation with round-robin arbiters (BookSim's `separable_input_first` and
//! `separable_output_first`, `arb_type = round_robin`).
//!
//! Input-first: every input's arbiter picks one of the outputs it requests; every output's
//! arbiter then picks one of the inputs that picked it. Output-first is the mirror image. An
//! arbiter's pointer moves only when its choice ends in a match. High-priority requests win over
//! low-priority ones in every arbiter; round-robin breaks ties. One pass, as in BookSim.

use super::{Allocator, NONE, RequestMatrix, RoundRobinArbiter};

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
    /// Second-stage request rows: per second-stage port, the first-stage winners offered to it.
    offered: Vec<u64>,
    offered_hi: Vec<u64>,
    touched: Vec<u32>,
}

impl Separable {
    pub fn new(order: SeparableOrder, inputs: usize, outputs: usize) -> Separable {
        let (iw, ow) = (super::words_for(inputs), super::words_for(outputs));
        let rows = match order {
            SeparableOrder::InputFirst => outputs * iw,
            SeparableOrder::OutputFirst => inputs * ow,
        };
        Separable {
            order,
            in_arb: vec![RoundRobinArbiter::new(outputs); inputs],
            out_arb: vec![RoundRobinArbiter::new(inputs); outputs],
            offered: vec![0; rows],
            offered_hi: vec![0; rows],
            touched: Vec::new(),
        }
    }

    /// Input-first with at most 64 inputs and outputs.
    fn input_first_word(&mut self, req: &RequestMatrix, in_match: &mut [u32]) {
        let mut touched = 0u64;
        let mut m = req.active_in_word();
        while m != 0 {
            let i = m.trailing_zeros() as usize;
            m &= m - 1;
            in_match[i] = NONE;
            let (all, hi) = req.outputs_word(i);
            if let Some(o) = self.in_arb[i].pick_word(hi, all) {
                touched |= 1 << o;
                self.offered[o] |= 1 << i;
                if hi & (1 << o) != 0 {
                    self.offered_hi[o] |= 1 << i;
                }
            }
        }
        while touched != 0 {
            let o = touched.trailing_zeros() as usize;
            touched &= touched - 1;
            let (all, hi) = (
                std::mem::take(&mut self.offered[o]),
                std::mem::take(&mut self.offered_hi[o]),
            );
            if let Some(i) = self.out_arb[o].pick_word(hi, all) {
                in_match[i] = o as u32;
                self.in_arb[i].granted(o);
                self.out_arb[o].granted(i);
            }
        }
    }

    /// Output-first with at most 64 inputs and outputs.
    fn output_first_word(&mut self, req: &RequestMatrix, in_match: &mut [u32]) {
        let mut m = req.active_in_word();
        while m != 0 {
            let i = m.trailing_zeros() as usize;
            m &= m - 1;
            in_match[i] = NONE;
        }
        let mut touched = 0u64;
        let mut m = req.active_out_word();
        while m != 0 {
            let o = m.trailing_zeros() as usize;
            m &= m - 1;
            let (all, hi) = req.inputs_word(o);
            if let Some(i) = self.out_arb[o].pick_word(hi, all) {
                touched |= 1 << i;
                self.offered[i] |= 1 << o;
                if hi & (1 << i) != 0 {
                    self.offered_hi[i] |= 1 << o;
                }
            }
        }
        while touched != 0 {
            let i = touched.trailing_zeros() as usize;
            touched &= touched - 1;
            let (all, hi) = (
                std::mem::take(&mut self.offered[i]),
                std::mem::take(&mut self.offered_hi[i]),
            );
            if let Some(o) = self.in_arb[i].pick_word(hi, all) {
                in_match[i] = o as u32;
                self.in_arb[i].granted(o);
                self.out_arb[o].granted(i);
            }
        }
    }

    fn input_first(&mut self, req: &RequestMatrix, in_match: &mut [u32]) {
        let iw = req.in_words();
        self.touched.clear();
        for i in req.active_inputs() {
            in_match[i] = NONE;
            if let Some(o) = self.in_arb[i].pick(req.high_outputs_of(i), req.outputs_of(i)) {
                let row = o * iw + i / 64;
                if self.offered[o * iw..(o + 1) * iw].iter().all(|&w| w == 0) {
                    self.touched.push(o as u32);
                }
                self.offered[row] |= 1 << (i % 64);
                if req.is_high(i, o) {
                    self.offered_hi[row] |= 1 << (i % 64);
                }
            }
        }
        self.touched.sort_unstable();
        for k in 0..self.touched.len() {
            let o = self.touched[k] as usize;
            let (lo, hi) = (o * iw, (o + 1) * iw);
            if let Some(i) = self.out_arb[o].pick(&self.offered_hi[lo..hi], &self.offered[lo..hi]) {
                in_match[i] = o as u32;
                self.in_arb[i].granted(o);
                self.out_arb[o].granted(i);
            }
            self.offered[lo..hi].fill(0);
            self.offered_hi[lo..hi].fill(0);
        }
    }

    fn output_first(&mut self, req: &RequestMatrix, in_match: &mut [u32]) {
        let ow = req.out_words();
        self.touched.clear();
        for i in req.active_inputs() {
            in_match[i] = NONE;
        }
        for o in req.active_outputs() {
            if let Some(i) = self.out_arb[o].pick(req.high_inputs_of(o), req.inputs_of(o)) {
                let row = i * ow + o / 64;
                if self.offered[i * ow..(i + 1) * ow].iter().all(|&w| w == 0) {
                    self.touched.push(i as u32);
                }
                self.offered[row] |= 1 << (o % 64);
                if req.is_high(i, o) {
                    self.offered_hi[row] |= 1 << (o % 64);
                }
            }
        }
        self.touched.sort_unstable();
        for k in 0..self.touched.len() {
            let i = self.touched[k] as usize;
            let (lo, hi) = (i * ow, (i + 1) * ow);
            if let Some(o) = self.in_arb[i].pick(&self.offered_hi[lo..hi], &self.offered[lo..hi]) {
                in_match[i] = o as u32;
                self.in_arb[i].granted(o);
                self.out_arb[o].granted(i);
            }
            self.offered[lo..hi].fill(0);
            self.offered_hi[lo..hi].fill(0);
        }
    }
}

impl Allocator for Separable {
    fn name(&self) -> &'static str {
        match self.order {
            SeparableOrder::InputFirst => "separable_input_first",
            SeparableOrder::OutputFirst => "separable_output_first",
        }
    }

    fn allocate(&mut self, req: &RequestMatrix, in_match: &mut [u32]) {
        match (self.order, req.single_word()) {
            (SeparableOrder::InputFirst, true) => self.input_first_word(req, in_match),
            (SeparableOrder::InputFirst, false) => self.input_first(req, in_match),
            (SeparableOrder::OutputFirst, true) => self.output_first_word(req, in_match),
            (SeparableOrder::OutputFirst, false) => self.output_first(req, in_match),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full(ni: usize, no: usize) -> RequestMatrix {
        let mut m = RequestMatrix::new(ni, no);
        for i in 0..ni {
            for o in 0..no {
                m.set(i, o, true);
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
        let mut m = RequestMatrix::new(2, 1);
        m.set(0, 0, false);
        m.set(1, 0, true);
        for order in [SeparableOrder::InputFirst, SeparableOrder::OutputFirst] {
            let mut g = vec![NONE; 2];
            Separable::new(order, 2, 1).allocate(&m, &mut g);
            assert_eq!((g[0], g[1]), (NONE, 0), "{order:?}");
        }
    }
}
