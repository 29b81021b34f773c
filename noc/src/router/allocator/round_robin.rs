//! The round-robin order (BookSim's `RoundRobinArbiter`): among the requesting positions, the
//! first at or after the priority pointer wins; after a grant the pointer moves one past the
//! winner. With priorities, the highest priority wins and round-robin breaks ties.

/// Distance of position `x` from pointer `ptr` in round-robin order over `n` positions.
#[inline]
pub fn rr_dist(x: usize, ptr: usize, n: usize) -> usize {
    if x >= ptr { x - ptr } else { x + n - ptr }
}

/// The first set bit of `word` at or after `ptr` (wrapping; `ptr >= 64` wraps to the lowest);
/// `word` must be non-zero.
#[inline]
pub fn rr_pick_word(word: u64, ptr: usize) -> usize {
    debug_assert!(word != 0);
    let hi = if ptr < 64 { word & (!0u64 << ptr) } else { 0 };
    (if hi != 0 { hi } else { word }).trailing_zeros() as usize
}

/// The position after `i` among `n`.
#[inline]
pub fn rr_next(i: usize, n: usize) -> u32 {
    if i + 1 >= n { 0 } else { (i + 1) as u32 }
}

/// The rank of a request (lower wins): high priority first, then round-robin distance.
#[inline]
pub fn rank(high: bool, dist: usize) -> u64 {
    ((!high as u64) << 32) | dist as u64
}

/// Whether a request at `pos1` with priority `pri1` beats one at `pos2` with `pri2` for a
/// round-robin arbiter of `size` positions whose pointer is `ptr` (BookSim's `Supersedes`).
#[inline]
pub fn supersedes(pos1: usize, pri1: i8, pos2: usize, pri2: i8, ptr: usize, size: usize) -> bool {
    pri1 > pri2 || (pri1 == pri2 && rr_dist(pos1, ptr, size) < rr_dist(pos2, ptr, size))
}

/// The winner among the bits of `mask` (outputs `base + b`) for a pointer `ptr` over `n`
/// positions, with its distance: the first set position at or after `ptr`, wrapping.
#[inline]
pub fn pick_in_block(mask: u64, base: usize, ptr: usize, n: usize) -> (usize, usize) {
    debug_assert!(mask != 0);
    let b = if ptr <= base {
        mask.trailing_zeros() as usize
    } else if ptr - base < 64 {
        let hi = mask & (!0u64 << (ptr - base));
        (if hi != 0 { hi } else { mask }).trailing_zeros() as usize
    } else {
        mask.trailing_zeros() as usize
    };
    let pos = base + b;
    (pos, rr_dist(pos, ptr, n))
}

/// A round-robin arbiter's pointer over `size` positions.
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
    #[inline]
    pub fn pointer(&self) -> usize {
        self.ptr as usize
    }
    #[inline]
    pub fn size(&self) -> usize {
        self.size as usize
    }
    /// The round-robin distance of `pos` from the pointer.
    #[inline]
    pub fn dist(&self, pos: usize) -> usize {
        rr_dist(pos, self.ptr as usize, self.size as usize)
    }
    /// Moves the pointer one past the granted position.
    #[inline]
    pub fn granted(&mut self, pos: usize) {
        self.ptr = rr_next(pos, self.size as usize);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_and_picks() {
        assert_eq!(rr_dist(5, 3, 8), 2);
        assert_eq!(rr_dist(1, 3, 8), 6);
        assert_eq!(rr_next(7, 8), 0);
        // Bits 1, 4, 7 of block 0; pointer 5: 7 wins; pointer 8 (past the block): wraps to 1.
        assert_eq!(pick_in_block(0b1001_0010, 0, 5, 10).0, 7);
        assert_eq!(pick_in_block(0b1001_0010, 0, 8, 10), (1, 3));
        // Block at 64, pointer 2: first bit.
        assert_eq!(pick_in_block(0b100, 64, 2, 80), (66, 64));
        assert!(rank(true, 9) < rank(false, 0));
    }

    #[test]
    fn arbiter_rotates() {
        let mut a = RoundRobinArbiter::new(4);
        assert_eq!(a.dist(0), 0);
        a.granted(0);
        assert_eq!(a.pointer(), 1);
        a.granted(3);
        assert_eq!(a.pointer(), 0);
        assert_eq!(a.size(), 4);
    }

    #[test]
    fn supersedes_matches_round_robin_order() {
        assert!(supersedes(2, 0, 3, 0, 2, 4));
        assert!(!supersedes(1, 0, 3, 0, 2, 4));
        assert!(supersedes(1, 1, 3, 0, 2, 4));
        assert!(!supersedes(2, -1, 1, 0, 2, 4));
    }
}
