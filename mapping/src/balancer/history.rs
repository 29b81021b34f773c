//! Load prediction from a history window: the predicted load of an expert is its mean load over
//! the last `window` observed steps (MoEntwine relies on temporal locality: loads settle after
//! warm-up in a fixed task and drift slowly under a changing task mix).

use super::ExpertLoads;
use std::collections::VecDeque;

/// The last `window` steps' loads.
#[derive(Clone, Debug, Default)]
pub struct LoadHistory {
    window: usize,
    past: VecDeque<ExpertLoads>,
}

impl LoadHistory {
    pub fn new(window: usize) -> LoadHistory {
        LoadHistory {
            window: window.max(1),
            past: VecDeque::new(),
        }
    }

    /// Adds a step's loads, forgetting the oldest beyond the window.
    pub fn push(&mut self, loads: &ExpertLoads) {
        if self.past.len() == self.window {
            self.past.pop_front();
        }
        self.past.push_back(loads.clone());
    }

    /// Steps held (at most the window).
    pub fn len(&self) -> usize {
        self.past.len()
    }

    pub fn is_empty(&self) -> bool {
        self.past.is_empty()
    }

    /// The mean loads over the window (`None` before the first observation).
    pub fn predict(&self) -> Option<ExpertLoads> {
        let first = self.past.front()?;
        let mut out: ExpertLoads = first.iter().map(|l| vec![0.0; l.len()]).collect();
        for step in &self.past {
            for (o, l) in out.iter_mut().zip(step) {
                for (a, b) in o.iter_mut().zip(l) {
                    *a += b;
                }
            }
        }
        let n = self.past.len() as f64;
        out.iter_mut().flatten().for_each(|x| *x /= n);
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_over_the_window() {
        let mut h = LoadHistory::new(2);
        assert!(h.predict().is_none());
        h.push(&vec![vec![4.0, 0.0]]);
        h.push(&vec![vec![2.0, 2.0]]);
        h.push(&vec![vec![0.0, 6.0]]);
        assert_eq!(h.len(), 2);
        assert_eq!(h.predict().unwrap(), vec![vec![1.0, 4.0]]);
    }
}
