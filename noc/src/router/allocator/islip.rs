//! iSLIP (McKeown), as BookSim's `iSLIP_Sparse`: each unmatched output grants the first
//! requesting unmatched input at or after its grant pointer; each input accepts the first
//! granting output at or after its accept pointer. Pointers move one past the match only for
//! matches made in the first iteration; `alloc_iters` iterations run. Priorities are ignored.

use super::round_robin::{rr_pick, rr_pick_word};
use super::{Allocator, NONE, RequestMatrix, bits};

/// The iSLIP allocator state: grant and accept pointers.
#[derive(Clone, Debug)]
pub struct Islip {
    iters: u32,
    gptr: Vec<u32>,
    aptr: Vec<u32>,
    grant: Vec<u32>,
    in_matched: Vec<u64>,
    out_matched: Vec<u64>,
    scratch: Vec<u64>,
}

impl Islip {
    pub fn new(inputs: usize, outputs: usize, iters: u32) -> Islip {
        let (iw, ow) = (super::words_for(inputs), super::words_for(outputs));
        Islip {
            iters: iters.max(1),
            gptr: vec![0; outputs],
            aptr: vec![0; inputs],
            grant: vec![NONE; outputs],
            in_matched: vec![0; iw],
            out_matched: vec![0; ow],
            scratch: vec![0; iw.max(ow)],
        }
    }
}

/// The round-robin position after `i` among `n`.
#[inline]
fn next(i: usize, n: usize) -> u32 {
    if i + 1 == n { 0 } else { (i + 1) as u32 }
}

#[inline]
fn test(row: &[u64], i: usize) -> bool {
    row[i / 64] & (1 << (i % 64)) != 0
}

#[inline]
fn set(row: &mut [u64], i: usize) {
    row[i / 64] |= 1 << (i % 64);
}

impl Islip {
    /// iSLIP with at most 64 inputs and outputs: every row is one word.
    fn allocate_word(&mut self, req: &RequestMatrix, in_match: &mut [u32]) {
        let (ni, no) = (req.inputs(), req.outputs());
        let (act_in, act_out) = (req.active_in_word(), req.active_out_word());
        let mut m = act_in;
        while m != 0 {
            let i = m.trailing_zeros() as usize;
            m &= m - 1;
            in_match[i] = NONE;
        }
        // Per input, the outputs that granted it (scratch, one word per input).
        let granted = &mut self.scratch;
        if granted.len() < ni {
            granted.resize(ni, 0);
        }
        let (mut in_matched, mut out_matched) = (0u64, 0u64);
        for iter in 0..self.iters {
            let mut any = false;
            let mut m = act_out & !out_matched;
            while m != 0 {
                let o = m.trailing_zeros() as usize;
                m &= m - 1;
                let cand = req.inputs_word(o).0 & !in_matched;
                if cand != 0 {
                    let i = rr_pick_word(cand, self.gptr[o] as usize);
                    granted[i] |= 1 << o;
                    any = true;
                }
            }
            if !any {
                break;
            }
            let mut m = act_in & !in_matched;
            while m != 0 {
                let i = m.trailing_zeros() as usize;
                m &= m - 1;
                let g = std::mem::take(&mut granted[i]);
                if g == 0 {
                    continue;
                }
                let o = rr_pick_word(g, self.aptr[i] as usize);
                in_match[i] = o as u32;
                in_matched |= 1 << i;
                out_matched |= 1 << o;
                if iter == 0 {
                    self.gptr[o] = next(i, ni);
                    self.aptr[i] = next(o, no);
                }
            }
        }
    }
}

impl Allocator for Islip {
    fn name(&self) -> &'static str {
        "islip"
    }

    fn allocate(&mut self, req: &RequestMatrix, in_match: &mut [u32]) {
        if req.single_word() {
            return self.allocate_word(req, in_match);
        }
        let (ni, no) = (req.inputs(), req.outputs());
        let (iw, ow) = (req.in_words(), req.out_words());
        for i in req.active_inputs() {
            in_match[i] = NONE;
        }
        self.in_matched.fill(0);
        self.out_matched.fill(0);
        for iter in 0..self.iters {
            // Grant phase.
            let mut granted = false;
            for o in req.active_outputs() {
                self.grant[o] = NONE;
                if test(&self.out_matched, o) {
                    continue;
                }
                let cand = &mut self.scratch[..iw];
                for (w, c) in cand.iter_mut().enumerate() {
                    *c = req.inputs_of(o)[w] & !self.in_matched[w];
                }
                if let Some(i) = rr_pick(cand, self.gptr[o] as usize) {
                    self.grant[o] = i as u32;
                    granted = true;
                }
            }
            if !granted {
                break;
            }
            // Accept phase.
            for i in req.active_inputs() {
                if test(&self.in_matched, i) {
                    continue;
                }
                let cand = &mut self.scratch[..ow];
                cand.fill(0);
                let mut any = false;
                for o in bits(req.outputs_of(i)) {
                    if self.grant[o] == i as u32 {
                        set(cand, o);
                        any = true;
                    }
                }
                if !any {
                    continue;
                }
                if let Some(o) = rr_pick(cand, self.aptr[i] as usize) {
                    in_match[i] = o as u32;
                    set(&mut self.in_matched, i);
                    set(&mut self.out_matched, o);
                    if iter == 0 {
                        self.gptr[o] = next(i, ni);
                        self.aptr[i] = next(o, no);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_inputs_one_output_alternate() {
        let mut a = Islip::new(2, 1, 1);
        let mut m = RequestMatrix::new(2, 1);
        let mut g = vec![NONE; 2];
        let mut winners = Vec::new();
        for _ in 0..4 {
            m.clear();
            m.set(0, 0, true);
            m.set(1, 0, true);
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
        let mut m = RequestMatrix::new(2, 2);
        m.set(0, 0, true);
        m.set(0, 1, true);
        m.set(1, 1, true);
        let mut g = vec![NONE; 2];
        Islip::new(2, 2, 1).allocate(&m, &mut g);
        assert_eq!((g[0], g[1]), (0, NONE));
        Islip::new(2, 2, 2).allocate(&m, &mut g);
        assert_eq!((g[0], g[1]), (0, 1));
    }
}
