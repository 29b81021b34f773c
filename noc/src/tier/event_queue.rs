//! An indexed binary min-heap of (time, item): at most one entry per item, whose time can be
//! moved in place. The flow engine keeps each active flow's finish time here, so re-rating a flow
//! costs O(log active flows) and no stale entries pile up. Ties break on the item id, so the
//! order is deterministic.

const ABSENT: u32 = u32::MAX;

#[derive(Debug, Default)]
pub struct EventQueue {
    heap: Vec<(f64, u32)>,
    pos: Vec<u32>,
}

#[inline]
fn before(a: (f64, u32), b: (f64, u32)) -> bool {
    match a.0.total_cmp(&b.0) {
        std::cmp::Ordering::Less => true,
        std::cmp::Ordering::Greater => false,
        std::cmp::Ordering::Equal => a.1 < b.1,
    }
}

impl EventQueue {
    /// A queue for items `0..n`.
    pub fn new(n: usize) -> EventQueue {
        EventQueue {
            heap: Vec::new(),
            pos: vec![ABSENT; n],
        }
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// The earliest entry.
    pub fn peek(&self) -> Option<(f64, u32)> {
        self.heap.first().copied()
    }

    /// Inserts `item` at `time`, or moves it there.
    pub fn set(&mut self, item: u32, time: f64) {
        let p = self.pos[item as usize];
        if p == ABSENT {
            self.heap.push((time, item));
            let i = self.heap.len() - 1;
            self.pos[item as usize] = i as u32;
            self.sift_up(i);
        } else {
            let i = p as usize;
            let old = self.heap[i].0;
            self.heap[i].0 = time;
            if time < old {
                self.sift_up(i);
            } else {
                self.sift_down(i);
            }
        }
    }

    /// Removes and returns the earliest entry.
    pub fn pop(&mut self) -> Option<(f64, u32)> {
        let top = *self.heap.first()?;
        self.remove_at(0);
        Some(top)
    }

    fn remove_at(&mut self, i: usize) {
        let last = self.heap.len() - 1;
        self.heap.swap(i, last);
        let gone = self.heap.pop().map(|e| e.1);
        if let Some(g) = gone {
            self.pos[g as usize] = ABSENT;
        }
        if i < self.heap.len() {
            self.pos[self.heap[i].1 as usize] = i as u32;
            self.sift_down(i);
            self.sift_up(i);
        }
    }

    fn sift_up(&mut self, mut i: usize) {
        while i > 0 {
            let parent = (i - 1) / 2;
            if !before(self.heap[i], self.heap[parent]) {
                break;
            }
            self.swap(i, parent);
            i = parent;
        }
    }

    fn sift_down(&mut self, mut i: usize) {
        let n = self.heap.len();
        loop {
            let l = 2 * i + 1;
            if l >= n {
                break;
            }
            let r = l + 1;
            let c = if r < n && before(self.heap[r], self.heap[l]) {
                r
            } else {
                l
            };
            if !before(self.heap[c], self.heap[i]) {
                break;
            }
            self.swap(i, c);
            i = c;
        }
    }

    fn swap(&mut self, a: usize, b: usize) {
        self.heap.swap(a, b);
        self.pos[self.heap[a].1 as usize] = a as u32;
        self.pos[self.heap[b].1 as usize] = b as u32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordered_pops_with_moves() {
        let mut q = EventQueue::new(6);
        for (i, t) in [5.0, 1.0, 4.0, 1.0, 9.0, 2.0].iter().enumerate() {
            q.set(i as u32, *t);
        }
        q.set(4, 0.5); // earlier
        q.set(1, 7.0); // later
        let order: Vec<u32> = std::iter::from_fn(|| q.pop().map(|e| e.1)).collect();
        assert_eq!(order, vec![4, 3, 5, 2, 0, 1]);
        assert!(q.is_empty());
        q.set(2, 3.0);
        assert_eq!(q.peek(), Some((3.0, 2)));
        assert_eq!(q.len(), 1);
    }
}
