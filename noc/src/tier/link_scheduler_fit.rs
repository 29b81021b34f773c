//! HD-MoE's linear surrogate of the link scheduler and its fitted slope (papers.md section 4.1).
//!
//! The surrogate of a communication phase is the busiest node's injected bytes over the link
//! bandwidth, `t_hat = max_c bytes_c / BW`; the scheduler's result is modelled as
//! `t_comm = gamma * t_hat`. [`fit_gamma`] fits `gamma` by least squares through the origin on
//! pairs `(t_hat, t_scheduler)` and reports the coefficient of determination of the fit.

use serde::Serialize;

/// A fitted slope.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct GammaFit {
    /// `t_comm / t_hat`, least squares through the origin.
    pub gamma: f64,
    /// `1 - SS_res / SS_tot` of `t_comm` against `gamma * t_hat` (1 for a perfect fit; can be
    /// negative when the line through the origin is worse than the mean).
    pub r_squared: f64,
    /// Number of pairs fitted.
    pub samples: usize,
}

/// The surrogate time in picoseconds: the busiest of `node_bytes` at `bytes_per_ps`.
pub fn surrogate_ps(node_bytes: &[f64], bytes_per_ps: f64) -> f64 {
    node_bytes.iter().copied().fold(0.0, f64::max) / bytes_per_ps
}

/// Fits `gamma` on `(surrogate, scheduled)` pairs; `None` when every surrogate is zero.
pub fn fit_gamma(points: &[(f64, f64)]) -> Option<GammaFit> {
    let sxx: f64 = points.iter().map(|(x, _)| x * x).sum();
    if sxx <= 0.0 {
        return None;
    }
    let sxy: f64 = points.iter().map(|(x, y)| x * y).sum();
    let gamma = sxy / sxx;
    let n = points.len() as f64;
    let mean = points.iter().map(|(_, y)| y).sum::<f64>() / n;
    let ss_tot: f64 = points.iter().map(|(_, y)| (y - mean).powi(2)).sum();
    let ss_res: f64 = points.iter().map(|(x, y)| (y - gamma * x).powi(2)).sum();
    let r_squared = if ss_tot > 0.0 {
        1.0 - ss_res / ss_tot
    } else if ss_res <= 1e-12 * sxx {
        1.0
    } else {
        0.0
    };
    Some(GammaFit {
        gamma,
        r_squared,
        samples: points.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_line_and_noisy_line() {
        let f = fit_gamma(&[(1.0, 2.0), (2.0, 4.0), (4.0, 8.0)]).unwrap();
        assert!((f.gamma - 2.0).abs() < 1e-12 && (f.r_squared - 1.0).abs() < 1e-12);
        let f = fit_gamma(&[(1.0, 2.5), (2.0, 3.5), (4.0, 8.5)]).unwrap();
        assert!(f.gamma > 1.9 && f.gamma < 2.3 && f.r_squared < 1.0 && f.r_squared > 0.8);
        assert!(fit_gamma(&[(0.0, 1.0)]).is_none());
        assert_eq!(surrogate_ps(&[3.0, 9.0, 1.0], 3.0), 3.0);
    }
}
