//! The round-robin arbiter (BookSim's `RoundRobinArbiter`): among the requesting positions, the
//! first at or after the priority pointer wins; after a grant the pointer moves one past the
//! winner. With priorities, the highest priority wins and round-robin breaks ties.

/// The first set bit of `row` at or after `ptr`, wrapping around; `None` if `row` is empty.
#[inline]
pub fn rr_pick(row: &[u64], ptr: usize) -> Option<usize> {
    let n = row.len();
    if n == 1 {
        // Fast path: one word.
        let w = row[0];
        if w == 0 {
            return None;
        }
        let hi = if ptr < 64 { w & (!0u64 << ptr) } else { 0 };
        let m = if hi != 0 { hi } else { w };
        return Some(m.trailing_zeros() as usize);
    }
    let (w0, b0) = (ptr / 64, ptr % 64);
    if w0 < n {
        let m = row[w0] & (!0u64 << b0);
        if m != 0 {
            return Some(w0 * 64 + m.trailing_zeros() as usize);
        }
        for (w, &word) in row.iter().enumerate().skip(w0 + 1) {
            if word != 0 {
                return Some(w * 64 + word.trailing_zeros() as usize);
            }
        }
    }
    for (w, &word) in row.iter().enumerate().take(w0.min(n - 1) + 1) {
        if word != 0 {
            return Some(w * 64 + word.trailing_zeros() as usize);
        }
    }
    None
}

/// The first set bit of `word` at or after `ptr` (< 64), wrapping; `word` must be non-zero.
#[inline]
pub fn rr_pick_word(word: u64, ptr: usize) -> usize {
    debug_assert!(word != 0 && ptr < 64);
    let hi = word & (!0u64 << ptr);
    (if hi != 0 { hi } else { word }).trailing_zeros() as usize
}

/// Whether a request at `pos1` with priority `pri1` beats one at `pos2` with `pri2` for a
/// round-robin arbiter of `size` positions whose pointer is `ptr` (BookSim's `Supersedes`).
#[inline]
pub fn supersedes(pos1: usize, pri1: i8, pos2: usize, pri2: i8, ptr: usize, size: usize) -> bool {
    let dist = |p: usize| if p >= ptr { p - ptr } else { p + size - ptr };
    pri1 > pri2 || (pri1 == pri2 && dist(pos1) < dist(pos2))
}

/// A round-robin arbiter over `size` positions with two priority levels.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RoundRobinArbiter {
    ptr: u32,
    size: u32,
}

impl RoundRobinArbiter {
    pub fn new(size: usize) -> RoundRobinArbiter {
        RoundRobinArbiter {
            ptr: 0,
            size: size as u32,
        }
    }
    /// The pointer: the position with the highest round-robin priority.
    pub fn pointer(&self) -> usize {
        self.ptr as usize
    }
    /// The winner among `requests`, preferring those in `high` (a subset) if any.
    #[inline]
    pub fn pick(&self, high: &[u64], requests: &[u64]) -> Option<usize> {
        rr_pick(high, self.ptr as usize).or_else(|| rr_pick(requests, self.ptr as usize))
    }
    /// Single-word [`Self::pick`].
    #[inline]
    pub fn pick_word(&self, high: u64, requests: u64) -> Option<usize> {
        let m = if high != 0 { high } else { requests };
        (m != 0).then(|| rr_pick_word(m, self.ptr as usize))
    }
    /// Moves the pointer one past the granted position.
    #[inline]
    pub fn granted(&mut self, pos: usize) {
        self.ptr = if pos + 1 >= self.size as usize { 0 } else { (pos + 1) as u32 };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_first_at_or_after_pointer_with_wrap() {
        let row = [0b1001_0010u64];
        assert_eq!(rr_pick(&row, 0), Some(1));
        assert_eq!(rr_pick(&row, 2), Some(4));
        assert_eq!(rr_pick(&row, 5), Some(7));
        assert_eq!(rr_pick(&row, 8), Some(1));
        assert_eq!(rr_pick(&[0], 3), None);
        let wide = [0u64, 1 << 3, 1];
        assert_eq!(rr_pick(&wide, 0), Some(67));
        assert_eq!(rr_pick(&wide, 68), Some(128));
        assert_eq!(rr_pick(&wide, 129), Some(67));
        assert_eq!(rr_pick(&[1u64 << 5, 0], 70), Some(5));
        assert_eq!(rr_pick_word(0b1001_0010, 5), 7);
        assert_eq!(rr_pick_word(0b1001_0010, 8), 1);
    }

    #[test]
    fn arbiter_rotates_and_prefers_high() {
        let mut a = RoundRobinArbiter::new(4);
        let all = [0b1111u64];
        assert_eq!(a.pick(&[0], &all), Some(0));
        a.granted(0);
        assert_eq!(a.pick(&[0], &all), Some(1));
        a.granted(3);
        assert_eq!(a.pointer(), 0);
        assert_eq!(a.pick(&[0b0100], &all), Some(2));
    }

    #[test]
    fn supersedes_matches_round_robin_order() {
        assert!(supersedes(2, 0, 3, 0, 2, 4));
        assert!(!supersedes(1, 0, 3, 0, 2, 4));
        assert!(supersedes(1, 1, 3, 0, 2, 4));
        assert!(!supersedes(2, -1, 1, 0, 2, 4));
    }
}
