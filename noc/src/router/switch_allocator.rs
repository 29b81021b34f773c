//! Switch allocation (BookSim's switch allocator stage): each input port offers, per output
//! port, one of its VCs that has a flit ready and a credit downstream; an allocator over input
//! ports by output ports picks the crossbar connections of the cycle.
//!
//! As in BookSim's `_SWAllocAddReq`, when several VCs of an input want the same output, the one
//! with the higher priority (non-speculative over speculative) wins, and among equals the one
//! nearest the input's round-robin pointer, which moves one past the VC that last won.

use super::allocator::round_robin::supersedes;
use super::allocator::{self, Allocator, AnyAllocator, MaskRequests, NONE, RequestList};
use crate::config::AllocatorKind;

const HIGH: i8 = 0;
const LOW: i8 = -1;

/// The switch allocator of one router.
pub struct SwitchAllocator {
    alloc: AnyAllocator,
    req: RequestList,
    grant: Vec<u32>,
    /// Per (input, output): the VC offered and its priority.
    label: Vec<u8>,
    pri: Vec<i8>,
    /// Per input: the outputs requested (bit rows of `words` words) and the high-priority ones.
    want: Vec<u64>,
    want_hi: Vec<u64>,
    words: usize,
    /// Routers of at most 64 ports: per output, the inputs requesting it, and the outputs
    /// requested by anyone.
    by_out: Vec<u64>,
    hi_by_out: Vec<u64>,
    outputs: u64,
    inputs: u64,
    /// Inputs that bid this round, ascending.
    bidders: Vec<u32>,
    rr_offset: Vec<u8>,
    ports: usize,
    vcs: usize,
}

impl SwitchAllocator {
    pub fn new(kind: AllocatorKind, ports: usize, vcs: usize, iters: u32) -> SwitchAllocator {
        let words = ports.div_ceil(64);
        SwitchAllocator {
            alloc: allocator::build(kind, ports, ports, iters),
            req: RequestList::new(ports, ports),
            grant: vec![NONE; ports],
            label: vec![0; ports * ports],
            pri: vec![0; ports * ports],
            want: vec![0; ports * words],
            want_hi: vec![0; ports * words],
            words,
            by_out: vec![0; if ports <= 64 { ports } else { 0 }],
            hi_by_out: vec![0; if ports <= 64 { ports } else { 0 }],
            outputs: 0,
            inputs: 0,
            bidders: Vec::with_capacity(ports),
            rr_offset: vec![0; ports],
            ports,
            vcs,
        }
    }
    /// Starts a round.
    #[inline(always)]
    pub fn begin(&mut self) {
        for &p in &self.bidders {
            self.grant[p as usize] = NONE;
            let p = p as usize * self.words;
            for w in p..p + self.words {
                self.want[w] = 0;
                self.want_hi[w] = 0;
            }
        }
        self.bidders.clear();
        if self.ports <= 64 {
            let mut m = self.outputs;
            while m != 0 {
                let o = m.trailing_zeros() as usize;
                m &= m - 1;
                self.by_out[o] = 0;
                self.hi_by_out[o] = 0;
            }
            self.outputs = 0;
            self.inputs = 0;
        } else {
            self.req.clear();
        }
    }
    /// VC `vc` of input `input` asks for output `output` (non-speculative requests are `high`).
    /// Inputs must come in ascending order.
    #[inline(always)]
    pub fn request(&mut self, input: usize, output: usize, vc: usize, high: bool) {
        let k = input * self.ports + output;
        let w = input * self.words + output / 64;
        let bit = 1u64 << (output % 64);
        let pri = if high { HIGH } else { LOW };
        if self.want[w] & bit != 0 {
            let (old, old_pri) = (self.label[k] as usize, self.pri[k]);
            if !supersedes(
                vc,
                pri,
                old,
                old_pri,
                self.rr_offset[input] as usize,
                self.vcs,
            ) {
                return;
            }
        } else if self.bidders.last() != Some(&(input as u32)) {
            self.bidders.push(input as u32);
        }
        self.label[k] = vc as u8;
        self.pri[k] = pri;
        self.want[w] |= bit;
        if high {
            self.want_hi[w] |= bit;
        } else {
            self.want_hi[w] &= !bit;
        }
        if self.ports <= 64 {
            let ib = 1u64 << input;
            self.by_out[output] |= ib;
            if high {
                self.hi_by_out[output] |= ib;
            } else {
                self.hi_by_out[output] &= !ib;
            }
            self.outputs |= bit;
            self.inputs |= ib;
        }
    }
    /// Runs the allocator on this round's requests.
    #[inline(always)]
    pub fn allocate(&mut self) {
        if self.ports <= 64 {
            if self.inputs != 0 {
                let req = MaskRequests {
                    by_in: &self.want,
                    hi_by_in: &self.want_hi,
                    by_out: &self.by_out,
                    hi_by_out: &self.hi_by_out,
                    inputs: self.inputs,
                    outputs: self.outputs,
                };
                self.alloc.allocate_masks(&req, &mut self.grant);
            }
            return;
        }
        for &p in &self.bidders {
            let p = p as usize;
            for w in 0..self.words {
                let m = self.want[p * self.words + w];
                if m != 0 {
                    self.req
                        .push(p, w * 64, m, self.want_hi[p * self.words + w]);
                }
            }
        }
        if !self.req.is_empty() {
            self.alloc.allocate(&self.req, &mut self.grant);
        }
    }
    /// The inputs that bid this round, ascending.
    #[inline(always)]
    pub fn bidders(&self) -> &[u32] {
        &self.bidders
    }
    /// The output and VC that `input` won this round, if any.
    #[inline(always)]
    pub fn winner(&self, input: usize) -> Option<(usize, usize)> {
        let g = self.grant[input];
        (g != NONE).then(|| {
            (
                g as usize,
                self.label[input * self.ports + g as usize] as usize,
            )
        })
    }
    /// Records that VC `vc` of `input` got the switch: the input's pointer moves past it.
    #[inline(always)]
    pub fn granted(&mut self, input: usize, vc: usize) {
        self.rr_offset[input] = if vc + 1 == self.vcs {
            0
        } else {
            (vc + 1) as u8
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn won(s: &SwitchAllocator, p: usize, v: usize, o: usize) -> bool {
        s.bidders().contains(&(p as u32)) && s.winner(p) == Some((o, v))
    }

    #[test]
    fn one_vc_per_input_and_output_rotating() {
        let mut s = SwitchAllocator::new(AllocatorKind::Islip, 2, 4, 1);
        let mut winners = Vec::new();
        for _ in 0..3 {
            s.begin();
            s.request(0, 1, 0, true);
            s.request(0, 1, 2, true);
            s.allocate();
            let w = if won(&s, 0, 0, 1) { 0 } else { 2 };
            assert!(won(&s, 0, w, 1) && !won(&s, 0, 2 - w, 1));
            s.granted(0, w);
            winners.push(w);
        }
        assert_eq!(winners, vec![0, 2, 0]);
    }

    #[test]
    fn mask_and_list_modes_agree() {
        use moesim_core::rng_from_seed;
        use rand::RngExt;
        // 70 ports use request lists, 60 ports masks; on the first 60 ports, with the same
        // requests, both must pick the same winners round after round.
        let mut rng = rng_from_seed(4);
        for kind in [AllocatorKind::Islip, AllocatorKind::SeparableOutputFirst] {
            let mut big = SwitchAllocator::new(kind, 70, 4, 1);
            let mut small = SwitchAllocator::new(kind, 60, 4, 1);
            for _ in 0..200 {
                big.begin();
                small.begin();
                for i in 0..60 {
                    for o in 0..60 {
                        if rng.random_bool(0.05) {
                            let (v, h) = (rng.random_range(0..4), rng.random_bool(0.7));
                            big.request(i, o, v, h);
                            small.request(i, o, v, h);
                        }
                    }
                }
                big.allocate();
                small.allocate();
                for i in 0..60 {
                    assert_eq!(big.winner(i), small.winner(i));
                    if let Some((_, v)) = small.winner(i) {
                        big.granted(i, v);
                        small.granted(i, v);
                    }
                }
            }
        }
    }

    #[test]
    fn non_speculative_beats_speculative_at_an_input() {
        let mut s = SwitchAllocator::new(AllocatorKind::Islip, 2, 4, 1);
        s.begin();
        s.request(1, 0, 0, false);
        s.request(1, 0, 3, true);
        s.allocate();
        assert!(won(&s, 1, 3, 0));
        assert!(!won(&s, 1, 0, 0));
        assert_eq!(s.bidders(), &[1]);
    }
}
