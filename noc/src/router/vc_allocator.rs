//! VC allocation (BookSim's VC allocator stage): every input VC whose head flit waits for an
//! output VC requests each free VC of its route's range; an allocator over (input port x VC) by
//! (output port x VC) grants at most one output VC per input VC and one input VC per output VC.

use super::allocator::{self, Allocator, NONE, RequestMatrix};
use super::virtual_channel::NO_VC;
use crate::config::AllocatorKind;

/// The mask of VCs `0..vcs`.
#[inline]
fn vc_mask(vcs: usize) -> u64 {
    if vcs >= 64 { !0 } else { (1u64 << vcs) - 1 }
}

/// Bits of the VC number in a VC index `port << shift | vc` (the stride is a power of two so
/// indices split without division; unused positions never request, so round-robin order is
/// BookSim's `port * vcs + vc` order).
pub fn vc_shift(vcs: usize) -> u32 {
    vcs.next_power_of_two().trailing_zeros()
}

/// The VC allocator of one router.
pub struct VcAllocator {
    alloc: Box<dyn Allocator>,
    req: RequestMatrix,
    grant: Vec<u32>,
    vcs: usize,
    shift: u32,
    /// Input VCs (`port << shift | vc`) evaluated in the current round, in ascending order.
    pub requesters: Vec<u32>,
}

impl VcAllocator {
    pub fn new(kind: AllocatorKind, ports: usize, vcs: usize, iters: u32) -> VcAllocator {
        let shift = vc_shift(vcs);
        let n = ports << shift;
        VcAllocator {
            alloc: allocator::build(kind, n, n, iters),
            req: RequestMatrix::new(n, n),
            grant: vec![NONE; n],
            vcs,
            shift,
            requesters: Vec::with_capacity(n),
        }
    }
    /// Starts a round.
    #[inline]
    pub fn begin(&mut self) {
        if !self.requesters.is_empty() {
            self.req.clear();
            self.requesters.clear();
        }
    }
    /// Bits of the VC number in a VC index.
    pub fn shift(&self) -> u32 {
        self.shift
    }
    /// Input VC `in_vc` requests the VCs of `out_vcs` (a mask) on output `out_port`.
    #[inline]
    pub fn request(&mut self, in_vc: usize, out_port: usize, out_vcs: u64) {
        self.requesters.push(in_vc as u32);
        self.grant[in_vc] = NONE;
        let mut m = out_vcs & vc_mask(self.vcs);
        while m != 0 {
            let w = m.trailing_zeros() as usize;
            m &= m - 1;
            self.req.set(in_vc, (out_port << self.shift) | w, true);
        }
    }
    /// Runs the allocator on this round's requests.
    #[inline]
    pub fn allocate(&mut self) {
        if !self.req.is_empty() {
            self.alloc.allocate(&self.req, &mut self.grant);
        }
    }
    /// The output VC granted to `in_vc` this round, or [`NO_VC`].
    #[inline]
    pub fn grant(&self, in_vc: usize) -> u8 {
        match self.grant[in_vc] {
            NONE => NO_VC,
            g => (g as usize & ((1 << self.shift) - 1)) as u8,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_heads_get_different_output_vcs() {
        // One iSLIP iteration: both free output VCs grant input VC 0 (pointers start aligned),
        // which accepts VC 0; a second iteration matches input VC 2 with VC 1.
        for (iters, expect_second) in [(1, NO_VC), (2, 1)] {
            let mut a = VcAllocator::new(AllocatorKind::Islip, 2, 2, iters);
            a.begin();
            a.request(0, 1, 0b11);
            a.request(2, 1, 0b11);
            a.request(3, 1, 0); // nothing free for this one
            a.allocate();
            assert_eq!((a.grant(0), a.grant(2)), (0, expect_second));
            assert_eq!(a.grant(3), NO_VC);
            assert_eq!(a.requesters, vec![0, 2, 3]);
        }
    }
}
