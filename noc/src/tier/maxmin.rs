//! Max-min fair rates by progressive filling: every unfrozen flow rises at the same level; when a
//! resource's free capacity is used up, the flows crossing it freeze at that level.
//!
//! Each step scans the resources that still carry unfrozen flows for the smallest share
//! `residual / unfrozen count`, then freezes, in one pass, every resource whose current share is
//! within a relative 1e-12 of it (each at its own share, so a flow alone on a resource gets
//! exactly that resource's capacity). Symmetric traffic has few distinct levels, so few steps;
//! the cost is O(steps x resources + sum of path lengths).
//!
//! [`Filling`] keeps its scratch arrays between calls so the flow tier can re-solve a subset of
//! flows at every event without allocating; [`max_min_rates`] is the one-shot form.

use std::cmp::Ordering;

/// Resources whose share is within this relative margin of the smallest freeze in the same step.
const TIE: f64 = 1e-12;

/// An `f64` ordered by `total_cmp` (the solver only stores finite, non-negative values).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OrdF64(pub f64);
impl Eq for OrdF64 {}
impl PartialOrd for OrdF64 {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for OrdF64 {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// The flows of one solve, back to back: flow `i` crosses resources
/// `paths[offsets[i]..offsets[i + 1]]` and holds rate `held[i]` on each of them.
#[derive(Clone, Debug)]
pub struct FlowSet {
    pub paths: Vec<u32>,
    pub offsets: Vec<u32>,
    pub held: Vec<f64>,
}

impl Default for FlowSet {
    fn default() -> Self {
        FlowSet {
            paths: Vec::new(),
            offsets: vec![0],
            held: Vec::new(),
        }
    }
}

impl FlowSet {
    pub fn clear(&mut self) {
        self.paths.clear();
        self.offsets.clear();
        self.offsets.push(0);
        self.held.clear();
    }
    /// Adds a flow over `path` (non-empty) holding `held`.
    pub fn push(&mut self, path: &[u32], held: f64) {
        self.paths.extend_from_slice(path);
        self.offsets.push(self.paths.len() as u32);
        self.held.push(held);
    }
    pub fn len(&self) -> usize {
        self.held.len()
    }
    pub fn is_empty(&self) -> bool {
        self.held.is_empty()
    }
    pub fn path(&self, i: usize) -> &[u32] {
        &self.paths[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }
}

/// Reusable progressive-filling solver over `num_resources` resources.
#[derive(Debug, Default)]
pub struct Filling {
    stamp: Vec<u32>,
    local: Vec<u32>,
    epoch: u32,
    res_ids: Vec<u32>,
    residual: Vec<f64>,
    count: Vec<u32>,
    start: Vec<u32>,
    fill: Vec<u32>,
    members: Vec<u32>,
    frozen: Vec<bool>,
    share: Vec<f64>,
    share_res: Vec<u32>,
    slot: Vec<u32>,
    lpath: Vec<u32>,
}

impl Filling {
    pub fn new(num_resources: usize) -> Filling {
        Filling {
            stamp: vec![0; num_resources],
            local: vec![0; num_resources],
            ..Default::default()
        }
    }

    /// Grows the per-resource arrays to `num_resources`.
    pub fn reserve_resources(&mut self, num_resources: usize) {
        if self.stamp.len() < num_resources {
            self.stamp.resize(num_resources, 0);
            self.local.resize(num_resources, 0);
        }
    }

    fn next_epoch(&mut self) {
        if self.epoch == u32::MAX {
            self.stamp.iter_mut().for_each(|s| *s = 0);
            self.epoch = 0;
        }
        self.epoch += 1;
    }

    /// Max-min fair rates of the flows of `set`. `free(k)` is the capacity of resource `k` not
    /// held by anyone, called once per resource the flows touch, on first touch; the capacity
    /// available to the flows on `k` is `free(k)` plus what they hold there. Appends
    /// `(index in set, rate)` to `out` in freeze order: rates are non-decreasing up to the 1e-12
    /// tie margin. [`Filling::touched`] then gives what each resource has left.
    pub fn solve(
        &mut self,
        set: &FlowSet,
        mut free: impl FnMut(u32) -> f64,
        out: &mut Vec<(u32, f64)>,
    ) {
        self.next_epoch();
        let epoch = self.epoch;
        self.res_ids.clear();
        self.count.clear();
        self.residual.clear();
        self.lpath.clear();
        let nflows = set.len();
        for i in 0..nflows {
            let h = set.held[i];
            for &k in set.path(i) {
                let ku = k as usize;
                if self.stamp[ku] != epoch {
                    self.stamp[ku] = epoch;
                    self.local[ku] = self.res_ids.len() as u32;
                    self.res_ids.push(k);
                    self.count.push(0);
                    self.residual.push(free(k));
                }
                let j = self.local[ku];
                self.count[j as usize] += 1;
                self.residual[j as usize] += h;
                self.lpath.push(j);
            }
        }
        for r in &mut self.residual {
            *r = r.max(0.0);
        }
        let nres = self.res_ids.len();
        self.start.clear();
        self.start.reserve(nres + 1);
        let mut acc = 0u32;
        for &c in &self.count {
            self.start.push(acc);
            acc += c;
        }
        self.start.push(acc);
        self.fill.clear();
        self.fill.extend_from_slice(&self.start[..nres]);
        self.members.clear();
        self.members.resize(acc as usize, 0);
        for i in 0..nflows {
            let (a, b) = (set.offsets[i] as usize, set.offsets[i + 1] as usize);
            for &j in &self.lpath[a..b] {
                let j = j as usize;
                self.members[self.fill[j] as usize] = i as u32;
                self.fill[j] += 1;
            }
        }
        self.frozen.clear();
        self.frozen.resize(nflows, false);
        // Current share per resource (`INFINITY` once no unfrozen flow crosses it), kept in
        // one contiguous array in resource order that each step scans (no division in the
        // scan); `slot` maps a resource to its place there. The array is compacted, in order,
        // when half of it is dead.
        self.share.clear();
        self.share.extend(
            self.residual
                .iter()
                .zip(&self.count)
                .map(|(&r, &c)| r / c as f64),
        );
        self.share_res.clear();
        self.share_res.extend(0..nres as u32);
        self.slot.clear();
        self.slot.extend(0..nres as u32);
        let mut live = nres;
        while live > 0 {
            if 2 * live < self.share.len() {
                let mut w = 0;
                for x in 0..self.share.len() {
                    if self.share[x].is_finite() {
                        let j = self.share_res[x];
                        self.share[w] = self.share[x];
                        self.share_res[w] = j;
                        self.slot[j as usize] = w as u32;
                        w += 1;
                    }
                }
                self.share.truncate(w);
                self.share_res.truncate(w);
            }
            let min = self.share.iter().copied().fold(f64::INFINITY, f64::min);
            if !min.is_finite() {
                break;
            }
            let band = min * (1.0 + TIE);
            for x in 0..self.share.len() {
                let share = self.share[x];
                if share > band {
                    continue;
                }
                let j = self.share_res[x] as usize;
                for m in self.start[j]..self.start[j + 1] {
                    let i = self.members[m as usize] as usize;
                    if self.frozen[i] {
                        continue;
                    }
                    self.frozen[i] = true;
                    out.push((i as u32, share));
                    let (a, b) = (set.offsets[i] as usize, set.offsets[i + 1] as usize);
                    for &jj in &self.lpath[a..b] {
                        let jj = jj as usize;
                        self.residual[jj] -= share;
                        self.count[jj] -= 1;
                        let at = self.slot[jj] as usize;
                        if self.count[jj] == 0 {
                            self.share[at] = f64::INFINITY;
                            live -= 1;
                        } else {
                            self.share[at] = self.residual[jj] / self.count[jj] as f64;
                        }
                    }
                }
            }
        }
    }
}

impl Filling {
    /// After [`Filling::solve`]: every resource the flows touched, with the capacity left on it.
    pub fn touched(&self) -> impl Iterator<Item = (u32, f64)> + '_ {
        self.res_ids
            .iter()
            .zip(&self.residual)
            .map(|(&k, &r)| (k, r.max(0.0)))
    }
}

/// Max-min fair rates for flows crossing `paths` (resource indices) over resources of
/// `capacity`. Flows with an empty path get `f64::INFINITY`.
pub fn max_min_rates(capacity: &[f64], paths: &[Vec<u32>]) -> Vec<f64> {
    let mut rates = vec![f64::INFINITY; paths.len()];
    let mut set = FlowSet::default();
    let mut ids = Vec::new();
    for (f, p) in paths.iter().enumerate() {
        if !p.is_empty() {
            set.push(p, 0.0);
            ids.push(f);
        }
    }
    let mut fill = Filling::new(capacity.len());
    let mut out = Vec::with_capacity(set.len());
    fill.solve(&set, |k| capacity[k as usize], &mut out);
    for (i, r) in out {
        rates[ids[i as usize]] = r;
    }
    rates
}

/// Checks the bottleneck characterisation of max-min fairness: no resource carries more than its
/// capacity (within `rel_tol`), and every flow crosses a saturated resource on which no other
/// flow has a higher rate (so it cannot grow without shrinking a flow of smaller or equal rate).
/// Returns a description of the first violation.
pub fn check_max_min(
    capacity: &[f64],
    paths: &[Vec<u32>],
    rates: &[f64],
    rel_tol: f64,
) -> Result<(), String> {
    let mut load = vec![0.0; capacity.len()];
    let mut top = vec![0.0f64; capacity.len()];
    for (p, &r) in paths.iter().zip(rates) {
        for &k in p {
            load[k as usize] += r;
            top[k as usize] = top[k as usize].max(r);
        }
    }
    for (k, (&l, &c)) in load.iter().zip(capacity).enumerate() {
        if l > c * (1.0 + rel_tol) {
            return Err(format!("resource {k} carries {l} > capacity {c}"));
        }
    }
    for (f, (p, &r)) in paths.iter().zip(rates).enumerate() {
        if p.is_empty() {
            continue;
        }
        let bottleneck = p.iter().any(|&k| {
            let k = k as usize;
            load[k] >= capacity[k] * (1.0 - rel_tol) && r >= top[k] * (1.0 - rel_tol)
        });
        if !bottleneck {
            return Err(format!(
                "flow {f} (rate {r}) has no bottleneck: it could grow without slowing a \
                 smaller flow"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn textbook_example() {
        // Links A (cap 1) and B (cap 2). Flow 0: A; flow 1: A, B; flow 2: B; flow 3: B.
        let caps = [1.0, 2.0];
        let paths = vec![vec![0], vec![0, 1], vec![1], vec![1]];
        let r = max_min_rates(&caps, &paths);
        assert_eq!(r, vec![0.5, 0.5, 0.75, 0.75]);
        check_max_min(&caps, &paths, &r, 1e-12).unwrap();
    }

    #[test]
    fn lone_flow_gets_its_bottleneck_exactly() {
        let caps = [0.9, 0.3, 0.7];
        let r = max_min_rates(&caps, &[vec![0, 1, 2], vec![]]);
        assert_eq!(r[0], 0.3);
        assert!(r[1].is_infinite());
    }

    #[test]
    fn violations_are_reported() {
        let caps = [1.0];
        let paths = vec![vec![0], vec![0]];
        assert!(check_max_min(&caps, &paths, &[0.25, 0.25], 1e-9).is_err());
        assert!(check_max_min(&caps, &paths, &[0.75, 0.5], 1e-9).is_err());
        assert!(check_max_min(&caps, &paths, &[0.5, 0.5], 1e-9).is_ok());
    }
}
