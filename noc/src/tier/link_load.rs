//! Bytes carried per link per time window, in simulated time ([`Tick`]) rather than cycles, so
//! every tier reports link heat in the same units. Windows are aligned to absolute multiples of
//! the window length, so the runs of successive phases can be laid side by side.

use moesim_core::{LinkId, Tick};
use serde::{Deserialize, Serialize};

/// Per-link, per-direction (links are unidirectional) bytes over fixed windows.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LinkLoad {
    /// Window length.
    pub window: Tick,
    /// Absolute index of the first window: `bytes[w]` covers
    /// `[(first_window + w) * window, (first_window + w + 1) * window)`.
    pub first_window: u64,
    /// `bytes[w][l]`: bytes link `l` carried in window `w`.
    pub bytes: Vec<Vec<f64>>,
    num_links: usize,
    /// Bytes per full window, as differences between consecutive windows (intervals covering
    /// many windows cost O(1)); folded into `bytes` by [`LinkLoad::finish`].
    #[serde(skip)]
    full: Vec<Vec<f64>>,
}

impl LinkLoad {
    /// An empty record for `num_links` links whose first deposit is at or after `start`.
    pub fn new(num_links: usize, window: Tick, start: Tick) -> LinkLoad {
        let window = Tick(window.as_ps().max(1));
        LinkLoad {
            window,
            first_window: start.as_ps() / window.as_ps(),
            bytes: Vec::new(),
            num_links,
            full: Vec::new(),
        }
    }

    pub fn num_links(&self) -> usize {
        self.num_links
    }

    /// Start of window `w`.
    pub fn window_start(&self, w: usize) -> Tick {
        Tick((self.first_window + w as u64) * self.window.as_ps())
    }

    fn slot(&mut self, abs_window: u64) -> &mut Vec<f64> {
        let w = abs_window.saturating_sub(self.first_window) as usize;
        if w >= self.bytes.len() {
            let n = self.num_links;
            self.bytes.resize_with(w + 1, || vec![0.0; n]);
        }
        &mut self.bytes[w]
    }

    fn full_slot(&mut self, abs_window: u64) -> &mut Vec<f64> {
        let w = abs_window.saturating_sub(self.first_window) as usize;
        if w >= self.full.len() {
            let n = self.num_links;
            self.full.resize_with(w + 1, || vec![0.0; n]);
        }
        &mut self.full[w]
    }

    /// Adds `rate_bytes_per_ps` on `link` over `[t0_ps, t1_ps)`, split across the windows the
    /// interval covers. Intervals before the first window are clamped into it. Call
    /// [`LinkLoad::finish`] before reading `bytes`.
    pub fn add_interval(&mut self, link: usize, t0_ps: f64, t1_ps: f64, rate_bytes_per_ps: f64) {
        self.add_interval_to(std::iter::once(link), t0_ps, t1_ps, rate_bytes_per_ps);
    }

    /// [`LinkLoad::add_interval`] on each of `links`.
    pub fn add_interval_to(
        &mut self,
        links: impl IntoIterator<Item = usize>,
        t0_ps: f64,
        t1_ps: f64,
        rate_bytes_per_ps: f64,
    ) {
        if t1_ps <= t0_ps || rate_bytes_per_ps <= 0.0 {
            return;
        }
        // Times are non-negative: truncation is the floor.
        let wl = self.window.as_ps() as f64;
        let w0 = (t0_ps.max(0.0) / wl) as u64;
        let w1 = (t1_ps / wl) as u64;
        if w0 == w1 {
            let b = rate_bytes_per_ps * (t1_ps - t0_ps);
            let row = self.slot(w0);
            for l in links {
                row[l] += b;
            }
            return;
        }
        let head = rate_bytes_per_ps * ((w0 + 1) as f64 * wl - t0_ps);
        let tail = rate_bytes_per_ps * (t1_ps - w1 as f64 * wl);
        let per_window = rate_bytes_per_ps * wl;
        self.slot(w1);
        if w1 > w0 + 1 {
            self.full_slot(w1);
        }
        let first = self.first_window;
        let (i0, i1) = ((w0 - first.min(w0)) as usize, (w1 - first.min(w1)) as usize);
        for l in links {
            self.bytes[i0][l] += head;
            self.bytes[i1][l] += tail;
            if w1 > w0 + 1 {
                self.full[i0 + 1][l] += per_window;
                self.full[i1][l] -= per_window;
            }
        }
    }

    /// Folds the full-window differences into `bytes`.
    pub fn finish(&mut self) {
        if self.full.is_empty() {
            return;
        }
        let full = std::mem::take(&mut self.full);
        let n = self.num_links;
        let mut run = vec![0.0f64; n];
        let last = full.len().max(self.bytes.len());
        for w in 0..last {
            if let Some(d) = full.get(w) {
                for (r, x) in run.iter_mut().zip(d) {
                    *r += x;
                }
            }
            if run.iter().any(|&r| r > 0.0) {
                let row = self.slot(self.first_window + w as u64);
                for (b, &r) in row.iter_mut().zip(&run) {
                    if r > 0.0 {
                        *b += r;
                    }
                }
            }
        }
    }

    /// Adds `bytes` on `link` at instant `t_ps`.
    pub fn add_at(&mut self, link: usize, t_ps: f64, bytes: f64) {
        let w = (t_ps / self.window.as_ps() as f64).floor().max(0.0) as u64;
        self.slot(w)[link] += bytes;
    }

    /// Bytes `link` carried over all windows.
    pub fn total(&self, link: LinkId) -> f64 {
        self.bytes.iter().map(|w| w[link.index()]).sum()
    }

    /// Fraction of window `w` that `link` was busy, given its bandwidth in bytes per ps.
    pub fn utilisation(&self, w: usize, link: LinkId, bytes_per_ps: f64) -> f64 {
        if bytes_per_ps <= 0.0 {
            return 0.0;
        }
        self.bytes[w][link.index()] / (bytes_per_ps * self.window.as_ps() as f64)
    }

    /// Keeps the first `n` links' columns (drops resources that are not topology links).
    pub fn truncate_links(&mut self, n: usize) {
        self.finish();
        self.num_links = self.num_links.min(n);
        for w in &mut self.bytes {
            w.truncate(n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_split_across_windows() {
        let mut l = LinkLoad::new(2, Tick(100), Tick(250));
        assert_eq!(l.first_window, 2);
        l.add_interval(1, 250.0, 420.0, 2.0);
        l.finish();
        assert_eq!(l.bytes.len(), 3);
        assert!((l.bytes[0][1] - 100.0).abs() < 1e-9);
        assert!((l.bytes[1][1] - 200.0).abs() < 1e-9);
        assert!((l.bytes[2][1] - 40.0).abs() < 1e-9);
        assert!((l.total(LinkId(1)) - 340.0).abs() < 1e-9);
        assert_eq!(l.window_start(1), Tick(300));
        assert!((l.utilisation(1, LinkId(1), 2.0) - 1.0).abs() < 1e-12);
        l.add_at(0, 399.0, 5.0);
        assert_eq!(l.bytes[1][0], 5.0);
    }

    #[test]
    fn long_intervals_fold_into_every_window() {
        let mut l = LinkLoad::new(1, Tick(10), Tick(0));
        l.add_interval(0, 5.0, 95.0, 1.0);
        l.add_interval(0, 20.0, 40.0, 0.5);
        l.finish();
        let want = [5.0, 10.0, 15.0, 15.0, 10.0, 10.0, 10.0, 10.0, 10.0, 5.0];
        assert_eq!(l.bytes.len(), want.len());
        for (w, x) in want.iter().enumerate() {
            assert!(
                (l.bytes[w][0] - x).abs() < 1e-9,
                "window {w}: {}",
                l.bytes[w][0]
            );
        }
        assert!((l.total(LinkId(0)) - 100.0).abs() < 1e-9);
    }
}
