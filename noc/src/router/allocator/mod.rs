//! Allocators: once per cycle, match requesters (inputs) to resources (outputs) so that every
//! input gets at most one output and every output at most one input. The VC allocator matches
//! input VCs to output VCs, the switch allocator input ports to output ports (BookSim's
//! `Allocator`). One trait, one implementation per file:
//!
//! - [`islip`]: iSLIP (BookSim's `islip`, the default for both allocators);
//! - [`separable`]: separable input-first or output-first allocation with round-robin arbiters
//!   (BookSim's `separable_input_first` / `separable_output_first`);
//! - [`round_robin`]: the round-robin order both use.
//!
//! Requests are sparse ([`RequestList`]): a list of requesters in ascending input order, each
//! with a 64-bit mask of the outputs it wants within one 64-output block. Allocation costs time
//! in proportion to the requests, not to the size of the router, and allocates nothing.

pub mod islip;
pub mod round_robin;
pub mod separable;

pub use islip::Islip;
pub use round_robin::RoundRobinArbiter;
pub use separable::{Separable, SeparableOrder};

use crate::config::AllocatorKind;

/// "No match" in a grant vector.
pub const NONE: u32 = u32::MAX;

/// The requests of one input within one block of 64 outputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    pub input: u32,
    /// First output of the block (a multiple of 64, or any base with `mask` inside the range).
    pub base: u32,
    /// Outputs `base + b` for every set bit `b`.
    pub mask: u64,
    /// The high-priority subset of `mask` (BookSim: non-speculative switch requests).
    pub high: u64,
}

/// The requests of one allocation round.
#[derive(Clone, Debug)]
pub struct RequestList {
    inputs: usize,
    outputs: usize,
    reqs: Vec<Request>,
}

impl RequestList {
    pub fn new(inputs: usize, outputs: usize) -> RequestList {
        RequestList {
            inputs,
            outputs,
            reqs: Vec::new(),
        }
    }
    pub fn inputs(&self) -> usize {
        self.inputs
    }
    pub fn outputs(&self) -> usize {
        self.outputs
    }
    #[inline]
    pub fn clear(&mut self) {
        self.reqs.clear();
    }
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.reqs.is_empty()
    }
    /// The requests, inputs ascending.
    #[inline]
    pub fn requests(&self) -> &[Request] {
        &self.reqs
    }
    /// Adds the requests of `input` for outputs `base + b`, `b` in `mask`, `high` the
    /// high-priority ones. Inputs must come in ascending order; an input may add several blocks.
    #[inline]
    pub fn push(&mut self, input: usize, base: usize, mask: u64, high: u64) {
        debug_assert!(self.reqs.last().is_none_or(|r| r.input as usize <= input));
        debug_assert!(mask != 0 && high & !mask == 0);
        debug_assert!(base + 64 - mask.leading_zeros() as usize <= self.outputs);
        self.reqs.push(Request {
            input: input as u32,
            base: base as u32,
            mask,
            high,
        });
    }
    /// Adds one request of `input` for `output`.
    pub fn push_one(&mut self, input: usize, output: usize, high: bool) {
        let base = output & !63;
        let bit = 1u64 << (output - base);
        match self.reqs.last_mut() {
            Some(r) if r.input as usize == input && r.base as usize == base => {
                r.mask |= bit;
                if high {
                    r.high |= bit;
                }
            }
            _ => self.push(input, base, bit, if high { bit } else { 0 }),
        }
    }
    /// Whether input `i` requests output `o`.
    pub fn has(&self, i: usize, o: usize) -> bool {
        self.reqs.iter().any(|r| {
            r.input as usize == i && o >= r.base as usize && o < r.base as usize + 64 && {
                r.mask & (1 << (o - r.base as usize)) != 0
            }
        })
    }
}

/// Per-output scratch shared by the allocators: the best input found so far for each output and
/// its rank, reset after every round through the list of outputs touched.
#[derive(Clone, Debug)]
pub(crate) struct OutputScratch {
    pub best: Vec<u32>,
    pub rank: Vec<u64>,
    pub touched: Vec<u32>,
}

impl OutputScratch {
    pub fn new(outputs: usize) -> OutputScratch {
        OutputScratch {
            best: vec![NONE; outputs],
            rank: vec![0; outputs],
            touched: Vec::new(),
        }
    }
    /// Offers input `i` with `rank` (lower wins) for output `o`.
    #[inline]
    pub fn offer(&mut self, o: usize, i: u32, rank: u64) {
        if self.best[o] == NONE {
            self.best[o] = i;
            self.rank[o] = rank;
            self.touched.push(o as u32);
        } else if rank < self.rank[o] {
            self.best[o] = i;
            self.rank[o] = rank;
        }
    }
    #[inline]
    pub fn reset(&mut self) {
        for &o in &self.touched {
            self.best[o as usize] = NONE;
        }
        self.touched.clear();
    }
}

/// The requests of a round with at most 64 inputs and 64 outputs, as bit masks (the switch
/// allocator of a router with up to 64 ports): row `i` of `by_in` holds the outputs input `i`
/// wants, row `o` of `by_out` the inputs that want output `o`; `hi_*` the high-priority subset.
#[derive(Clone, Copy, Debug)]
pub struct MaskRequests<'a> {
    pub by_in: &'a [u64],
    pub hi_by_in: &'a [u64],
    pub by_out: &'a [u64],
    pub hi_by_out: &'a [u64],
    /// Inputs / outputs with at least one request.
    pub inputs: u64,
    pub outputs: u64,
}

/// A matching allocator.
pub trait Allocator: Send {
    /// The BookSim name (`islip`, `separable_input_first`, ...).
    fn name(&self) -> &'static str;

    /// Matches `req`: afterwards `in_match[i]` is the output granted to input `i`, or [`NONE`],
    /// for every input with a request (other entries are not touched). Updates the allocator's
    /// round-robin state.
    fn allocate(&mut self, req: &RequestList, in_match: &mut [u32]);

    /// The same matching for requests given as masks (at most 64 inputs and outputs).
    fn allocate_masks(&mut self, req: &MaskRequests, in_match: &mut [u32]);
}

/// The allocator chosen by [`AllocatorKind`], dispatched statically (the cycle loop calls it
/// twice per router per cycle).
#[derive(Clone, Debug)]
pub enum AnyAllocator {
    Islip(Islip),
    Separable(Separable),
}

impl Allocator for AnyAllocator {
    fn name(&self) -> &'static str {
        match self {
            AnyAllocator::Islip(a) => a.name(),
            AnyAllocator::Separable(a) => a.name(),
        }
    }
    #[inline]
    fn allocate(&mut self, req: &RequestList, in_match: &mut [u32]) {
        match self {
            AnyAllocator::Islip(a) => a.allocate(req, in_match),
            AnyAllocator::Separable(a) => a.allocate(req, in_match),
        }
    }
    #[inline]
    fn allocate_masks(&mut self, req: &MaskRequests, in_match: &mut [u32]) {
        match self {
            AnyAllocator::Islip(a) => a.allocate_masks(req, in_match),
            AnyAllocator::Separable(a) => a.allocate_masks(req, in_match),
        }
    }
}

/// The allocator `kind` for `inputs` x `outputs` requesters/resources; `iters` is BookSim's
/// `alloc_iters` (used by iSLIP; the separable allocators run one pass as in BookSim).
pub fn build(kind: AllocatorKind, inputs: usize, outputs: usize, iters: u32) -> AnyAllocator {
    match kind {
        AllocatorKind::Islip => AnyAllocator::Islip(Islip::new(inputs, outputs, iters)),
        AllocatorKind::SeparableInputFirst => {
            AnyAllocator::Separable(Separable::new(SeparableOrder::InputFirst, inputs, outputs))
        }
        AllocatorKind::SeparableOutputFirst => {
            AnyAllocator::Separable(Separable::new(SeparableOrder::OutputFirst, inputs, outputs))
        }
    }
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

/// The requests of `req` grouped by input: (input, range of request indices).
pub(crate) fn groups(
    req: &[Request],
) -> impl Iterator<Item = (usize, std::ops::Range<usize>)> + '_ {
    let mut k = 0;
    std::iter::from_fn(move || {
        if k >= req.len() {
            return None;
        }
        let i = req[k].input;
        let start = k;
        while k < req.len() && req[k].input == i {
            k += 1;
        }
        Some((i as usize, start..k))
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use moesim_core::rng_from_seed;
    use rand::RngExt;

    #[test]
    fn list_push_merges_blocks() {
        let mut l = RequestList::new(3, 130);
        l.push_one(0, 3, true);
        l.push_one(0, 5, false);
        l.push_one(0, 70, true);
        l.push_one(2, 129, false);
        assert_eq!(l.requests().len(), 3);
        assert_eq!(l.requests()[0].mask, 0b101000);
        assert_eq!(l.requests()[0].high, 0b1000);
        assert!(l.has(0, 70) && l.has(2, 129) && !l.has(1, 3));
        let g: Vec<_> = groups(l.requests()).collect();
        assert_eq!(g, vec![(0, 0..2), (2, 2..3)]);
        l.clear();
        assert!(l.is_empty());
    }

    #[test]
    fn builds_every_kind() {
        for (k, n) in [
            (AllocatorKind::Islip, "islip"),
            (AllocatorKind::SeparableInputFirst, "separable_input_first"),
            (
                AllocatorKind::SeparableOutputFirst,
                "separable_output_first",
            ),
        ] {
            assert_eq!(build(k, 4, 4, 1).name(), n);
        }
    }

    /// A random request list over `ni` x `no`.
    pub fn random_list(rng: &mut moesim_core::SimRng, ni: usize, no: usize, p: f64) -> RequestList {
        let mut m = RequestList::new(ni, no);
        for i in 0..ni {
            for o in 0..no {
                if rng.random_bool(p) {
                    m.push_one(i, o, rng.random_bool(0.5));
                }
            }
        }
        m
    }

    /// The mask form of a request list (at most 64 x 64).
    pub fn to_masks(l: &RequestList) -> [Vec<u64>; 4] {
        let (ni, no) = (l.inputs(), l.outputs());
        let mut m = [
            vec![0u64; ni],
            vec![0u64; ni],
            vec![0u64; no],
            vec![0u64; no],
        ];
        for r in l.requests() {
            let i = r.input as usize;
            m[0][i] |= r.mask << r.base;
            m[1][i] |= r.high << r.base;
            for b in bits(&[r.mask]) {
                m[2][r.base as usize + b] |= 1 << i;
                if r.high & (1 << b) != 0 {
                    m[3][r.base as usize + b] |= 1 << i;
                }
            }
        }
        m
    }

    /// Both request forms give the same matchings, round after round.
    #[test]
    fn mask_and_list_forms_agree() {
        let mut rng = rng_from_seed(9);
        for kind in [
            AllocatorKind::Islip,
            AllocatorKind::SeparableInputFirst,
            AllocatorKind::SeparableOutputFirst,
        ] {
            for (n, iters) in [(5, 1), (20, 1), (64, 2)] {
                let (mut a, mut b) = (build(kind, n, n, iters), build(kind, n, n, iters));
                let (mut ga, mut gb) = (vec![NONE; n], vec![NONE; n]);
                for _ in 0..300 {
                    let l = random_list(&mut rng, n, n, 0.1);
                    let m = to_masks(&l);
                    let or = |v: &Vec<u64>| {
                        v.iter()
                            .enumerate()
                            .filter(|x| *x.1 != 0)
                            .fold(0u64, |a, (k, _)| a | 1 << k)
                    };
                    let req = MaskRequests {
                        by_in: &m[0],
                        hi_by_in: &m[1],
                        by_out: &m[2],
                        hi_by_out: &m[3],
                        inputs: or(&m[0]),
                        outputs: or(&m[2]),
                    };
                    a.allocate(&l, &mut ga);
                    b.allocate_masks(&req, &mut gb);
                    for (i, _) in groups(l.requests()) {
                        assert_eq!(ga[i], gb[i], "{kind:?} {n}");
                    }
                }
            }
        }
    }

    /// Every allocator returns a matching: no output twice, only requested pairs.
    #[test]
    fn results_are_matchings() {
        let mut rng = rng_from_seed(5);
        for kind in [
            AllocatorKind::Islip,
            AllocatorKind::SeparableInputFirst,
            AllocatorKind::SeparableOutputFirst,
        ] {
            let (ni, no) = (20, 70);
            let mut a = build(kind, ni, no, 2);
            let mut g = vec![NONE; ni];
            for _ in 0..200 {
                let m = random_list(&mut rng, ni, no, 0.05);
                a.allocate(&m, &mut g);
                let mut used = vec![false; no];
                for (i, _) in groups(m.requests()) {
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
