//! Allocators: once per cycle, match requesters (inputs) to resources (outputs) so that every
//! input gets at most one output and every output at most one input. The VC allocator matches
//! input VCs to output VCs, the switch allocator input ports to output ports (BookSim's
//! `Allocator`). One trait, one implementation per file:
//!
//! - [`islip`]: iSLIP (BookSim's `islip`, the default for both allocators);
//! - [`separable`]: separable input-first or output-first allocation with round-robin arbiters
//!   (BookSim's `separable_input_first` / `separable_output_first`).
//!
//! Requests live in a [`RequestMatrix`] of bit rows, so building and clearing it costs a few
//! word operations per request and nothing is allocated per cycle.

pub mod islip;
pub mod round_robin;
pub mod separable;

pub use islip::Islip;
pub use round_robin::RoundRobinArbiter;
pub use separable::{Separable, SeparableOrder};

use crate::config::AllocatorKind;

/// "No match" in a grant vector.
pub const NONE: u32 = u32::MAX;

/// A matching allocator.
pub trait Allocator: Send {
    /// The BookSim name (`islip`, `separable_input_first`, ...).
    fn name(&self) -> &'static str;

    /// Matches the requests of `req`: afterwards `in_match[i]` is the output granted to input
    /// `i`, or [`NONE`], for every input that has a request (other entries are not touched).
    /// Updates the allocator's round-robin state.
    fn allocate(&mut self, req: &RequestMatrix, in_match: &mut [u32]);
}

/// The allocator `kind` for `inputs` x `outputs` requesters/resources; `iters` is BookSim's
/// `alloc_iters` (used by iSLIP; the separable allocators run one pass as in BookSim).
pub fn build(kind: AllocatorKind, inputs: usize, outputs: usize, iters: u32) -> Box<dyn Allocator> {
    match kind {
        AllocatorKind::Islip => Box::new(Islip::new(inputs, outputs, iters)),
        AllocatorKind::SeparableInputFirst => Box::new(Separable::new(
            SeparableOrder::InputFirst,
            inputs,
            outputs,
        )),
        AllocatorKind::SeparableOutputFirst => Box::new(Separable::new(
            SeparableOrder::OutputFirst,
            inputs,
            outputs,
        )),
    }
}

/// Words needed for a bit row of `n` bits.
pub const fn words_for(n: usize) -> usize {
    n.div_ceil(64)
}

/// Iterates the set bits of a bit row in ascending order.
pub fn bits(row: &[u64]) -> impl Iterator<Item = usize> + '_ {
    row.iter().enumerate().flat_map(|(w, &word)| {
        let mut m = word;
        std::iter::from_fn(move || {
            if m == 0 {
                return None;
            }
            let b = m.trailing_zeros() as usize;
            m &= m - 1;
            Some(w * 64 + b)
        })
    })
}

/// The requests of one allocation round: which inputs request which outputs, and which of those
/// requests have high priority (BookSim: non-speculative over speculative switch requests).
#[derive(Clone, Debug)]
pub struct RequestMatrix {
    inputs: usize,
    outputs: usize,
    in_words: usize,
    out_words: usize,
    /// Row `i` (out_words wide): the outputs input `i` requests.
    by_in: Vec<u64>,
    hi_by_in: Vec<u64>,
    /// Row `o` (in_words wide): the inputs requesting output `o`.
    by_out: Vec<u64>,
    hi_by_out: Vec<u64>,
    /// Inputs / outputs with at least one request.
    active_in: Vec<u64>,
    active_out: Vec<u64>,
}

impl RequestMatrix {
    pub fn new(inputs: usize, outputs: usize) -> RequestMatrix {
        let (iw, ow) = (words_for(inputs), words_for(outputs));
        RequestMatrix {
            inputs,
            outputs,
            in_words: iw,
            out_words: ow,
            by_in: vec![0; inputs * ow],
            hi_by_in: vec![0; inputs * ow],
            by_out: vec![0; outputs * iw],
            hi_by_out: vec![0; outputs * iw],
            active_in: vec![0; iw],
            active_out: vec![0; ow],
        }
    }
    pub fn inputs(&self) -> usize {
        self.inputs
    }
    pub fn outputs(&self) -> usize {
        self.outputs
    }
    pub fn in_words(&self) -> usize {
        self.in_words
    }
    pub fn out_words(&self) -> usize {
        self.out_words
    }
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.active_in.iter().all(|&w| w == 0)
    }

    /// Whether both sides fit one word (the fast paths of the allocators).
    #[inline]
    pub fn single_word(&self) -> bool {
        self.in_words == 1 && self.out_words == 1
    }
    /// Single-word view: inputs with requests.
    #[inline]
    pub fn active_in_word(&self) -> u64 {
        self.active_in[0]
    }
    /// Single-word view: outputs with requests.
    #[inline]
    pub fn active_out_word(&self) -> u64 {
        self.active_out[0]
    }
    /// Single-word view: the outputs input `i` requests (all, high priority).
    #[inline]
    pub fn outputs_word(&self, i: usize) -> (u64, u64) {
        (self.by_in[i], self.hi_by_in[i])
    }
    /// Single-word view: the inputs requesting output `o` (all, high priority).
    #[inline]
    pub fn inputs_word(&self, o: usize) -> (u64, u64) {
        (self.by_out[o], self.hi_by_out[o])
    }

    /// Removes every request (touches only the rows in use).
    pub fn clear(&mut self) {
        if self.single_word() {
            let mut m = self.active_in[0];
            while m != 0 {
                let i = m.trailing_zeros() as usize;
                m &= m - 1;
                self.by_in[i] = 0;
                self.hi_by_in[i] = 0;
            }
            let mut m = self.active_out[0];
            while m != 0 {
                let o = m.trailing_zeros() as usize;
                m &= m - 1;
                self.by_out[o] = 0;
                self.hi_by_out[o] = 0;
            }
            self.active_in[0] = 0;
            self.active_out[0] = 0;
            return;
        }
        let ow = self.out_words;
        for w in 0..self.in_words {
            let mut m = self.active_in[w];
            while m != 0 {
                let i = w * 64 + m.trailing_zeros() as usize;
                m &= m - 1;
                self.by_in[i * ow..(i + 1) * ow].fill(0);
                self.hi_by_in[i * ow..(i + 1) * ow].fill(0);
            }
            self.active_in[w] = 0;
        }
        let iw = self.in_words;
        for w in 0..self.out_words {
            let mut m = self.active_out[w];
            while m != 0 {
                let o = w * 64 + m.trailing_zeros() as usize;
                m &= m - 1;
                self.by_out[o * iw..(o + 1) * iw].fill(0);
                self.hi_by_out[o * iw..(o + 1) * iw].fill(0);
            }
            self.active_out[w] = 0;
        }
    }

    /// Sets (or replaces) the request of input `i` for output `o`, with high or low priority.
    #[inline]
    pub fn set(&mut self, i: usize, o: usize, high: bool) {
        debug_assert!(i < self.inputs && o < self.outputs);
        let (ow, iw) = (self.out_words, self.in_words);
        let (ib, ob) = (1u64 << (i % 64), 1u64 << (o % 64));
        self.by_in[i * ow + o / 64] |= ob;
        self.by_out[o * iw + i / 64] |= ib;
        if high {
            self.hi_by_in[i * ow + o / 64] |= ob;
            self.hi_by_out[o * iw + i / 64] |= ib;
        } else {
            self.hi_by_in[i * ow + o / 64] &= !ob;
            self.hi_by_out[o * iw + i / 64] &= !ib;
        }
        self.active_in[i / 64] |= ib;
        self.active_out[o / 64] |= ob;
    }

    /// Whether input `i` requests output `o`.
    #[inline]
    pub fn has(&self, i: usize, o: usize) -> bool {
        self.by_in[i * self.out_words + o / 64] & (1 << (o % 64)) != 0
    }
    /// Whether the request of input `i` for output `o` has high priority.
    pub fn is_high(&self, i: usize, o: usize) -> bool {
        self.hi_by_in[i * self.out_words + o / 64] & (1 << (o % 64)) != 0
    }
    /// The outputs requested by input `i` (a bit row).
    pub fn outputs_of(&self, i: usize) -> &[u64] {
        &self.by_in[i * self.out_words..(i + 1) * self.out_words]
    }
    /// The outputs input `i` requests with high priority.
    pub fn high_outputs_of(&self, i: usize) -> &[u64] {
        &self.hi_by_in[i * self.out_words..(i + 1) * self.out_words]
    }
    /// The inputs requesting output `o` (a bit row).
    pub fn inputs_of(&self, o: usize) -> &[u64] {
        &self.by_out[o * self.in_words..(o + 1) * self.in_words]
    }
    /// The inputs requesting output `o` with high priority.
    pub fn high_inputs_of(&self, o: usize) -> &[u64] {
        &self.hi_by_out[o * self.in_words..(o + 1) * self.in_words]
    }
    /// Inputs with at least one request, ascending.
    pub fn active_inputs(&self) -> impl Iterator<Item = usize> + '_ {
        bits(&self.active_in)
    }
    /// Outputs with at least one request, ascending.
    pub fn active_outputs(&self) -> impl Iterator<Item = usize> + '_ {
        bits(&self.active_out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrix_set_clear_and_rows() {
        let mut m = RequestMatrix::new(70, 3);
        m.set(65, 2, true);
        m.set(3, 2, false);
        m.set(3, 0, true);
        assert!(m.has(65, 2) && m.has(3, 0) && !m.has(3, 1));
        assert!(m.is_high(65, 2) && !m.is_high(3, 2));
        assert_eq!(bits(m.inputs_of(2)).collect::<Vec<_>>(), vec![3, 65]);
        assert_eq!(bits(m.high_inputs_of(2)).collect::<Vec<_>>(), vec![65]);
        assert_eq!(m.active_inputs().collect::<Vec<_>>(), vec![3, 65]);
        assert_eq!(m.active_outputs().collect::<Vec<_>>(), vec![0, 2]);
        m.set(3, 2, true); // replacing a request can raise its priority
        assert!(m.is_high(3, 2));
        m.clear();
        assert!(m.is_empty());
        assert_eq!(m.active_outputs().count(), 0);
        assert!(!m.has(65, 2));
    }

    #[test]
    fn builds_every_kind() {
        for (k, n) in [
            (AllocatorKind::Islip, "islip"),
            (AllocatorKind::SeparableInputFirst, "separable_input_first"),
            (AllocatorKind::SeparableOutputFirst, "separable_output_first"),
        ] {
            assert_eq!(build(k, 4, 4, 1).name(), n);
        }
    }

    /// Every allocator returns a matching: no output twice, only requested pairs.
    #[test]
    fn results_are_matchings() {
        use moesim_core::rng_from_seed;
        use rand::RngExt;
        let mut rng = rng_from_seed(5);
        for kind in [
            AllocatorKind::Islip,
            AllocatorKind::SeparableInputFirst,
            AllocatorKind::SeparableOutputFirst,
        ] {
            let (ni, no) = (20, 70);
            let mut a = build(kind, ni, no, 2);
            let mut m = RequestMatrix::new(ni, no);
            let mut g = vec![NONE; ni];
            for _ in 0..200 {
                m.clear();
                for i in 0..ni {
                    for o in 0..no {
                        if rng.random_bool(0.05) {
                            m.set(i, o, rng.random_bool(0.5));
                        }
                    }
                }
                a.allocate(&m, &mut g);
                let mut used = vec![false; no];
                for i in m.active_inputs() {
                    if g[i] != NONE {
                        let o = g[i] as usize;
                        assert!(m.has(i, o));
                        assert!(!used[o]);
                        used[o] = true;
                    }
                }
            }
        }
    }
}
