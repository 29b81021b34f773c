//! Per-link, per-direction flit counts over fixed time windows: the raw material of link
//! utilisation tables and heatmaps. The cycle loop calls [`LinkStats::record`] once per flit that
//! leaves on a link; everything else is derived after the run.

use moesim_core::LinkId;
use serde::{Deserialize, Serialize};

/// Flits per link per window.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LinkStats {
    pub window_cycles: u64,
    /// First cycle covered (the start of measurement).
    pub start_cycle: u64,
    /// One cycle past the last cycle covered (set by [`LinkStats::finish`]).
    pub end_cycle: u64,
    /// `windows[w][l]`: flits sent on link `l` in window `w`.
    pub windows: Vec<Vec<u32>>,
    /// Flits per link over the whole covered interval.
    pub total_flits: Vec<u64>,
}

impl LinkStats {
    pub fn new(num_links: usize, window_cycles: u64, start_cycle: u64) -> LinkStats {
        LinkStats {
            window_cycles: window_cycles.max(1),
            start_cycle,
            end_cycle: start_cycle,
            windows: Vec::new(),
            total_flits: vec![0; num_links],
        }
    }

    /// Counts one flit sent on `link` at `cycle` (cycles before `start_cycle` are ignored).
    #[inline]
    pub fn record(&mut self, cycle: u64, link: LinkId) {
        if cycle < self.start_cycle {
            return;
        }
        let w = ((cycle - self.start_cycle) / self.window_cycles) as usize;
        if w >= self.windows.len() {
            let n = self.total_flits.len();
            self.windows.resize_with(w + 1, || vec![0; n]);
        }
        self.windows[w][link.index()] += 1;
        self.total_flits[link.index()] += 1;
        self.end_cycle = self.end_cycle.max(cycle + 1);
    }

    /// Marks the end of the covered interval.
    pub fn finish(&mut self, end_cycle: u64) {
        self.end_cycle = self.end_cycle.max(end_cycle);
        let w =
            (self.end_cycle.saturating_sub(self.start_cycle)).div_ceil(self.window_cycles) as usize;
        let n = self.total_flits.len();
        if self.windows.len() < w {
            self.windows.resize_with(w, || vec![0; n]);
        }
    }

    pub fn covered_cycles(&self) -> u64 {
        self.end_cycle.saturating_sub(self.start_cycle)
    }

    /// Utilisation of `link` over the covered interval: flits / (cycles / cycles_per_flit).
    pub fn utilisation(&self, link: LinkId, cycles_per_flit: u32) -> f64 {
        let c = self.covered_cycles();
        if c == 0 {
            return 0.0;
        }
        self.total_flits[link.index()] as f64 * cycles_per_flit.max(1) as f64 / c as f64
    }

    /// Utilisation of `link` in window `w` (the last window may be partial).
    pub fn window_utilisation(&self, w: usize, link: LinkId, cycles_per_flit: u32) -> f64 {
        let start = self.start_cycle + w as u64 * self.window_cycles;
        let len = self.window_cycles.min(self.end_cycle.saturating_sub(start));
        if len == 0 {
            return 0.0;
        }
        self.windows[w][link.index()] as f64 * cycles_per_flit.max(1) as f64 / len as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_and_utilisation() {
        let mut s = LinkStats::new(2, 10, 100);
        s.record(50, LinkId(0)); // before measurement: ignored
        for c in 100..110 {
            s.record(c, LinkId(0));
        }
        s.record(115, LinkId(1));
        s.finish(120);
        assert_eq!(s.windows.len(), 2);
        assert_eq!(s.total_flits, vec![10, 1]);
        assert!((s.utilisation(LinkId(0), 1) - 0.5).abs() < 1e-12);
        assert!((s.window_utilisation(0, LinkId(0), 1) - 1.0).abs() < 1e-12);
        assert!((s.window_utilisation(1, LinkId(1), 1) - 0.1).abs() < 1e-12);
    }
}
