//! VC allocation (BookSim's VC allocator stage): every input VC whose head flit waits for an
//! output VC requests each free VC of its route's range; an allocator over (input port x VC) by
//! (output port x VC) grants at most one output VC per input VC and one input VC per output VC.

use super::allocator::{self, Allocator, AnyAllocator, MaskRequests, NONE, RequestList};
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
    alloc: AnyAllocator,
    req: RequestList,
    grant: Vec<u32>,
    vcs: usize,
    shift: u32,
    /// Routers of at most 64 VC indices keep the requests as bit masks: per input VC the
    /// output VCs it requests, per output VC the input VCs requesting it, and which input and
    /// output VCs have any. Larger routers use the request list.
    small: bool,
    by_in: Vec<u64>,
    by_out: Vec<u64>,
    inputs: u64,
    outputs: u64,
    /// Input VCs (`port << shift | vc`) evaluated in the current round, in ascending order.
    pub requesters: Vec<u32>,
}

impl VcAllocator {
    pub fn new(kind: AllocatorKind, ports: usize, vcs: usize, iters: u32) -> VcAllocator {
        let shift = vc_shift(vcs);
        let n = ports << shift;
        let small = n <= 64;
        VcAllocator {
            alloc: allocator::build(kind, n, n, iters),
            req: RequestList::new(n, n),
            grant: vec![NONE; n],
            vcs,
            shift,
            small,
            by_in: vec![0; if small { n } else { 0 }],
            by_out: vec![0; if small { n } else { 0 }],
            inputs: 0,
            outputs: 0,
            requesters: Vec::with_capacity(n),
        }
    }
    /// Bits of the VC number in a VC index.
    pub fn shift(&self) -> u32 {
        self.shift
    }
    /// Starts a round.
    #[inline(always)]
    pub fn begin(&mut self) {
        if self.small {
            let mut m = std::mem::take(&mut self.inputs);
            while m != 0 {
                self.by_in[m.trailing_zeros() as usize] = 0;
                m &= m - 1;
            }
            let mut m = std::mem::take(&mut self.outputs);
            while m != 0 {
                self.by_out[m.trailing_zeros() as usize] = 0;
                m &= m - 1;
            }
        } else {
            self.req.clear();
        }
        self.requesters.clear();
    }
    /// Input VC `in_vc` requests the VCs of `out_vcs` (a mask) on output `out_port`. Input VCs
    /// must come in ascending order.
    #[inline(always)]
    pub fn request(&mut self, in_vc: usize, out_port: usize, out_vcs: u64) {
        self.requesters.push(in_vc as u32);
        self.grant[in_vc] = NONE;
        let m = out_vcs & vc_mask(self.vcs);
        if m == 0 {
            return;
        }
        if self.small {
            let outs = m << (out_port << self.shift);
            self.by_in[in_vc] = outs;
            self.inputs |= 1 << in_vc;
            self.outputs |= outs;
            let mut b = outs;
            while b != 0 {
                self.by_out[b.trailing_zeros() as usize] |= 1 << in_vc;
                b &= b - 1;
            }
        } else {
            self.req.push(in_vc, out_port << self.shift, m, m);
        }
    }
    /// Runs the allocator on this round's requests.
    #[inline(always)]
    pub fn allocate(&mut self) {
        if self.small {
            if self.inputs != 0 {
                let req = MaskRequests {
                    by_in: &self.by_in,
                    hi_by_in: &self.by_in,
                    by_out: &self.by_out,
                    hi_by_out: &self.by_out,
                    inputs: self.inputs,
                    outputs: self.outputs,
                };
                self.alloc.allocate_masks(&req, &mut self.grant);
            }
        } else if !self.req.is_empty() {
            self.alloc.allocate(&self.req, &mut self.grant);
        }
    }
    /// The output VC granted to `in_vc` this round, or [`NO_VC`].
    #[inline(always)]
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

    #[test]
    fn mask_and_list_modes_agree() {
        use moesim_core::rng_from_seed;
        use rand::RngExt;
        // 16 ports x 4 VCs = 64 VC indices use masks, 17 ports the list; the same requests on
        // the first 16 ports get the same grants, round after round.
        let mut rng = rng_from_seed(3);
        for kind in [
            AllocatorKind::Islip,
            AllocatorKind::SeparableInputFirst,
            AllocatorKind::SeparableOutputFirst,
        ] {
            for iters in [1, 2] {
                let mut small = VcAllocator::new(kind, 16, 4, iters);
                let mut big = VcAllocator::new(kind, 17, 4, iters);
                assert!(small.small && !big.small);
                for _ in 0..300 {
                    small.begin();
                    big.begin();
                    for i in 0..64 {
                        if rng.random_bool(0.3) {
                            let (o, m) = (rng.random_range(0..16), rng.random_range(0..16u64));
                            small.request(i, o, m);
                            big.request(i, o, m);
                        }
                    }
                    small.allocate();
                    big.allocate();
                    assert_eq!(small.requesters, big.requesters);
                    for &i in &small.requesters {
                        assert_eq!(small.grant(i as usize), big.grant(i as usize), "{kind:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn vc_index_stride_is_a_power_of_two() {
        assert_eq!(vc_shift(1), 0);
        assert_eq!(vc_shift(4), 2);
        assert_eq!(vc_shift(5), 3);
        assert_eq!(vc_shift(64), 6);
    }
}
