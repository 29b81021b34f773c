//! iSLIP (McKeown), as BookSim's `iSLIP_Sparse`: each unmatched output grants the first
//! requesting unmatched input at or after its grant pointer; each input accepts the first
//! granting output at or after its accept pointer. Pointers move one past the match only for
//! matches made in the first iteration; `alloc_iters` iterations run. Priorities are ignored.

use super::round_robin::rr_pick_word;
use super::round_robin::{pick_in_block, rr_dist, rr_next};
use super::{Allocator, MaskRequests, NONE, OutputScratch, RequestList, groups};

/// The iSLIP allocator state: grant and accept pointers.
#[derive(Clone, Debug)]
pub struct Islip {
    iters: u32,
    inputs: usize,
    outputs: usize,
    gptr: Vec<u32>,
    aptr: Vec<u32>,
    /// Outputs matched in earlier iterations of this round (by input).
    out_taken: Vec<bool>,
    /// Mask form: per input, the outputs that granted it.
    granted: Vec<u64>,
    grants: OutputScratch,
}

impl Islip {
    pub fn new(inputs: usize, outputs: usize, iters: u32) -> Islip {
        Islip {
            iters: iters.max(1),
            inputs,
            outputs,
            gptr: vec![0; outputs],
            aptr: vec![0; inputs],
            out_taken: vec![false; outputs],
            granted: vec![0; inputs.min(64)],
            grants: OutputScratch::new(outputs),
        }
    }
}

impl Allocator for Islip {
    fn name(&self) -> &'static str {
        "islip"
    }

    #[inline]
    fn allocate(&mut self, req: &RequestList, in_match: &mut [u32]) {
        let reqs = req.requests();
        for r in reqs {
            in_match[r.input as usize] = NONE;
        }
        let (ni, no) = (self.inputs, self.outputs);
        for iter in 0..self.iters {
            // Grant: every free output picks the requesting free input nearest its pointer.
            for r in reqs {
                let i = r.input as usize;
                if in_match[i] != NONE {
                    continue;
                }
                let mut m = r.mask;
                while m != 0 {
                    let o = r.base as usize + m.trailing_zeros() as usize;
                    m &= m - 1;
                    if iter > 0 && self.out_taken[o] {
                        continue;
                    }
                    let d = rr_dist(i, self.gptr[o] as usize, ni);
                    self.grants.offer(o, i as u32, d as u64);
                }
            }
            if self.grants.touched.is_empty() {
                break;
            }
            // Accept: every input takes the granting output nearest its pointer.
            for (i, range) in groups(reqs) {
                if in_match[i] != NONE {
                    continue;
                }
                let mut best = (NONE as usize, usize::MAX);
                for r in &reqs[range] {
                    let mut granted = 0u64;
                    let mut m = r.mask;
                    while m != 0 {
                        let b = m.trailing_zeros() as usize;
                        m &= m - 1;
                        if self.grants.best[r.base as usize + b] == i as u32 {
                            granted |= 1 << b;
                        }
                    }
                    if granted != 0 {
                        let (o, d) =
                            pick_in_block(granted, r.base as usize, self.aptr[i] as usize, no);
                        if d < best.1 {
                            best = (o, d);
                        }
                    }
                }
                if best.1 == usize::MAX {
                    continue;
                }
                let o = best.0;
                in_match[i] = o as u32;
                self.out_taken[o] = true;
                if iter == 0 {
                    self.gptr[o] = rr_next(i, ni);
                    self.aptr[i] = rr_next(o, no);
                }
            }
            self.grants.reset();
        }
        if self.iters > 1 {
            for r in reqs {
                let g = in_match[r.input as usize];
                if g != NONE {
                    self.out_taken[g as usize] = false;
                }
            }
        }
    }

    #[inline]
    fn allocate_masks(&mut self, req: &MaskRequests, in_match: &mut [u32]) {
        self.masks(req, in_match)
    }
}

impl Islip {
    /// iSLIP on masks (at most 64 inputs and outputs).
    #[inline]
    fn masks(&mut self, req: &MaskRequests, in_match: &mut [u32]) {
        let (ni, no) = (self.inputs, self.outputs);
        let mut m = req.inputs;
        while m != 0 {
            let i = m.trailing_zeros() as usize;
            m &= m - 1;
            in_match[i] = NONE;
        }
        let (mut in_matched, mut out_matched) = (0u64, 0u64);
        for iter in 0..self.iters {
            let mut granted_inputs = 0u64;
            let mut m = req.outputs & !out_matched;
            while m != 0 {
                let o = m.trailing_zeros() as usize;
                m &= m - 1;
                let cand = req.by_out[o] & !in_matched;
                if cand != 0 {
                    let i = rr_pick_word(cand, self.gptr[o] as usize);
                    self.granted[i] |= 1 << o;
                    granted_inputs |= 1 << i;
                }
            }
            if granted_inputs == 0 {
                break;
            }
            while granted_inputs != 0 {
                let i = granted_inputs.trailing_zeros() as usize;
                granted_inputs &= granted_inputs - 1;
                let g = std::mem::take(&mut self.granted[i]);
                let o = rr_pick_word(g, self.aptr[i] as usize);
                in_match[i] = o as u32;
                in_matched |= 1 << i;
                out_matched |= 1 << o;
                if iter == 0 {
                    self.gptr[o] = rr_next(i, ni);
                    self.aptr[i] = rr_next(o, no);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::router::allocator::tests::random_list;
    use moesim_core::rng_from_seed;

    #[test]
    fn two_inputs_one_output_alternate() {
        let mut a = Islip::new(2, 1, 1);
        let mut m = RequestList::new(2, 1);
        let mut g = vec![NONE; 2];
        let mut winners = Vec::new();
        for _ in 0..4 {
            m.clear();
            m.push_one(0, 0, true);
            m.push_one(1, 0, true);
            a.allocate(&m, &mut g);
            winners.push(if g[0] == 0 { 0 } else { 1 });
            assert!(g[0] == NONE || g[1] == NONE);
        }
        assert_eq!(winners, vec![0, 1, 0, 1]);
    }

    #[test]
    fn second_iteration_fills_unmatched_pairs() {
        // Both outputs grant input 0 first (pointers at 0); input 0 accepts output 0, so with
        // one iteration input 1 stays unmatched; a second iteration gives it output 1.
        let mut m = RequestList::new(2, 2);
        m.push_one(0, 0, true);
        m.push_one(0, 1, true);
        m.push_one(1, 1, true);
        let mut g = vec![NONE; 2];
        Islip::new(2, 2, 1).allocate(&m, &mut g);
        assert_eq!((g[0], g[1]), (0, NONE));
        Islip::new(2, 2, 2).allocate(&m, &mut g);
        assert_eq!((g[0], g[1]), (0, 1));
    }

    /// Textbook dense iSLIP, to check the sparse implementation against.
    struct Dense {
        gptr: Vec<usize>,
        aptr: Vec<usize>,
        iters: u32,
    }

    impl Dense {
        fn allocate(&mut self, m: &RequestList, ni: usize, no: usize) -> Vec<u32> {
            let mut in_m = vec![NONE; ni];
            let mut out_m = vec![NONE; no];
            for iter in 0..self.iters {
                let mut grant = vec![NONE; no];
                for o in 0..no {
                    if out_m[o] != NONE {
                        continue;
                    }
                    for k in 0..ni {
                        let i = (self.gptr[o] + k) % ni;
                        if in_m[i] == NONE && m.has(i, o) {
                            grant[o] = i as u32;
                            break;
                        }
                    }
                }
                for (i, m) in in_m.iter_mut().enumerate() {
                    if *m != NONE {
                        continue;
                    }
                    for k in 0..no {
                        let o = (self.aptr[i] + k) % no;
                        if grant[o] == i as u32 {
                            *m = o as u32;
                            out_m[o] = i as u32;
                            if iter == 0 {
                                self.gptr[o] = (i + 1) % ni;
                                self.aptr[i] = (o + 1) % no;
                            }
                            break;
                        }
                    }
                }
            }
            in_m
        }
    }

    #[test]
    fn sparse_matches_dense_reference() {
        let mut rng = rng_from_seed(11);
        for (ni, no, iters) in [(5, 5, 1), (20, 20, 1), (80, 80, 1), (12, 130, 3)] {
            let mut a = Islip::new(ni, no, iters);
            let mut d = Dense {
                gptr: vec![0; no],
                aptr: vec![0; ni],
                iters,
            };
            let mut g = vec![NONE; ni];
            for _ in 0..300 {
                let m = random_list(&mut rng, ni, no, 0.08);
                a.allocate(&m, &mut g);
                let want = d.allocate(&m, ni, no);
                for (i, _) in crate::router::allocator::groups(m.requests()) {
                    assert_eq!(g[i], want[i], "{ni}x{no}");
                }
            }
        }
    }
}
