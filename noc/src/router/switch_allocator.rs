//! Switch allocation (BookSim's switch allocator stage): each input port offers, per output
//! port, one of its VCs that has a flit ready and a credit downstream; an allocator over input
//! ports by output ports picks the crossbar connections of the cycle.
//!
//! As in BookSim's `_SWAllocAddReq`, when several VCs of an input want the same output, the one
//! with the higher priority (non-speculative over speculative) wins, and among equals the one
//! nearest the input's round-robin pointer, which moves one past the VC that last won.

use super::allocator::{self, Allocator, NONE, RequestMatrix, round_robin::supersedes};
use crate::config::AllocatorKind;

const HIGH: i8 = 0;
const LOW: i8 = -1;

/// The switch allocator of one router.
pub struct SwitchAllocator {
    alloc: Box<dyn Allocator>,
    req: RequestMatrix,
    grant: Vec<u32>,
    /// Per (input, output): the VC offered and its priority.
    label: Vec<u8>,
    pri: Vec<i8>,
    rr_offset: Vec<u8>,
    ports: usize,
    vcs: usize,
    used: bool,
}

impl SwitchAllocator {
    pub fn new(kind: AllocatorKind, ports: usize, vcs: usize, iters: u32) -> SwitchAllocator {
        SwitchAllocator {
            alloc: allocator::build(kind, ports, ports, iters),
            req: RequestMatrix::new(ports, ports),
            grant: vec![NONE; ports],
            label: vec![0; ports * ports],
            pri: vec![0; ports * ports],
            rr_offset: vec![0; ports],
            ports,
            vcs,
            used: false,
        }
    }
    /// Starts a round.
    #[inline]
    pub fn begin(&mut self) {
        if self.used {
            self.req.clear();
            self.used = false;
        }
    }
    /// VC `vc` of input `input` asks for output `output` (non-speculative requests are `high`).
    #[inline]
    pub fn request(&mut self, input: usize, output: usize, vc: usize, high: bool) {
        let k = input * self.ports + output;
        let pri = if high { HIGH } else { LOW };
        if self.req.has(input, output)
            && !supersedes(
                vc,
                pri,
                self.label[k] as usize,
                self.pri[k],
                self.rr_offset[input] as usize,
                self.vcs,
            )
        {
            return;
        }
        self.label[k] = vc as u8;
        self.pri[k] = pri;
        self.req.set(input, output, high);
        self.used = true;
    }
    #[inline]
    pub fn allocate(&mut self) {
        if self.used {
            self.alloc.allocate(&self.req, &mut self.grant);
        }
    }
    /// Whether VC `vc` of `input` won `output` this round.
    #[inline]
    pub fn won(&self, input: usize, vc: usize, output: usize) -> bool {
        self.used
            && self.req.has(input, output)
            && self.grant[input] == output as u32
            && self.label[input * self.ports + output] as usize == vc
    }
    /// The output and VC that input `input` won this round, if any.
    #[inline]
    pub fn winner(&self, input: usize) -> Option<(usize, usize)> {
        let g = self.grant[input];
        if !self.used || g == NONE {
            return None;
        }
        let o = g as usize;
        self.req
            .has(input, o)
            .then(|| (o, self.label[input * self.ports + o] as usize))
    }
    /// Records that VC `vc` of `input` got the switch: the input's pointer moves past it.
    #[inline]
    pub fn granted(&mut self, input: usize, vc: usize) {
        self.rr_offset[input] = if vc + 1 == self.vcs { 0 } else { (vc + 1) as u8 };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_vc_per_input_and_output_rotating() {
        let mut s = SwitchAllocator::new(AllocatorKind::Islip, 2, 4, 1);
        let mut winners = Vec::new();
        for _ in 0..3 {
            s.begin();
            s.request(0, 1, 0, true);
            s.request(0, 1, 2, true);
            s.allocate();
            let w = if s.won(0, 0, 1) { 0 } else { 2 };
            assert!(s.won(0, w, 1) && !s.won(0, 2 - w, 1));
            s.granted(0, w);
            winners.push(w);
        }
        assert_eq!(winners, vec![0, 2, 0]);
    }

    #[test]
    fn non_speculative_beats_speculative_at_an_input() {
        let mut s = SwitchAllocator::new(AllocatorKind::Islip, 2, 4, 1);
        s.begin();
        s.request(1, 0, 0, false);
        s.request(1, 0, 3, true);
        s.allocate();
        assert!(s.won(1, 3, 0));
        assert!(!s.won(1, 0, 0));
        assert!(!s.won(0, 0, 0));
    }
}
