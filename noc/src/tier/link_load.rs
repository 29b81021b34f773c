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

    /// Adds `rate_bytes_per_ps` on `link` over `[t0_ps, t1_ps)`, split across the windows the
    /// interval covers. Intervals before the first window are clamped into it.
    pub fn add_interval(&mut self, link: usize, t0_ps: f64, t1_ps: f64, rate_bytes_per_ps: f64) {
        if t1_ps <= t0_ps || rate_bytes_per_ps <= 0.0 {
            return;
        }
        let wl = self.window.as_ps() as f64;
        let mut t = t0_ps;
        let mut w = (t0_ps / wl).floor().max(0.0) as u64;
        while t < t1_ps {
            let end = ((w + 1) as f64 * wl).min(t1_ps);
            if end > t {
                self.slot(w)[link] += rate_bytes_per_ps * (end - t);
            }
            t = end;
            w += 1;
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
}
