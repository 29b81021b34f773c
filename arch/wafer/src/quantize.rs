//! Turns physical link figures (GB/s, ns per hop) into the network tiers' units: a flit width, a
//! whole number of cycles per flit for each link class, latencies in whole cycles.
//!
//! At clock period `T`, a link of `cycles_per_flit = c` carries `flit_bytes / (c T)`. The fastest
//! class gets `c = m` and `flit_bytes = m b_max T`; the others `c_i = flit_bytes / (b_i T)`. The
//! smallest `m` in `1..=MAX_MULTIPLIER` that makes every number whole reproduces every bandwidth
//! exactly (900 and 225 GB/s at 1 GHz: `m = 1`, 900-byte flits, `c = 1` and `4`); otherwise the
//! `m` with the smallest worst relative error is taken and the caller checks that error. An
//! endpoint (injection) bandwidth must be a whole number `k >= 1` of flits per cycle.

/// Largest multiplier tried.
pub const MAX_MULTIPLIER: u32 = 64;

/// Flit width and cycles per flit of each class.
#[derive(Clone, Debug, PartialEq)]
pub struct Quantized {
    pub flit_bytes: u32,
    /// One entry per input class, in input order.
    pub cycles_per_flit: Vec<u32>,
    /// Relative bandwidth error of each class.
    pub rel_errors: Vec<f64>,
    /// Endpoint bandwidth in flits per cycle, when an endpoint bandwidth was given.
    pub endpoint_flits_per_cycle: Option<u32>,
    /// Relative error of the endpoint bandwidth (0 when none was given).
    pub endpoint_rel_error: f64,
}

impl Quantized {
    /// The worst relative error over the link classes and the endpoint.
    pub fn max_rel_error(&self) -> f64 {
        self.rel_errors
            .iter()
            .copied()
            .fold(self.endpoint_rel_error, f64::max)
    }
}

/// Quantises link classes of `bytes_per_cycle` (each finite and > 0) and an optional endpoint
/// bandwidth (a whole number of flits per cycle, at least one) into one flit width.
pub fn quantize(bytes_per_cycle: &[f64], endpoint_bytes_per_cycle: Option<f64>) -> Quantized {
    let b_max = bytes_per_cycle.iter().copied().fold(0.0_f64, f64::max);
    let mut best: Option<Quantized> = None;
    for m in 1..=MAX_MULTIPLIER {
        let flit = (f64::from(m) * b_max)
            .round()
            .clamp(1.0, f64::from(u32::MAX));
        let cpf: Vec<u32> = bytes_per_cycle
            .iter()
            .map(|&b| (flit / b).round().clamp(1.0, f64::from(u32::MAX)) as u32)
            .collect();
        let rel_errors: Vec<f64> = bytes_per_cycle
            .iter()
            .zip(&cpf)
            .map(|(&b, &c)| ((flit / f64::from(c)) - b).abs() / b)
            .collect();
        let (endpoint, endpoint_err) = match endpoint_bytes_per_cycle {
            Some(e) => {
                let k = (e / flit).round().clamp(1.0, f64::from(u32::MAX));
                (Some(k as u32), (k * flit - e).abs() / e)
            }
            None => (None, 0.0),
        };
        let q = Quantized {
            flit_bytes: flit as u32,
            cycles_per_flit: cpf,
            rel_errors,
            endpoint_flits_per_cycle: endpoint,
            endpoint_rel_error: endpoint_err,
        };
        if q.max_rel_error() < 1e-9 {
            return q;
        }
        if best
            .as_ref()
            .is_none_or(|b| q.max_rel_error() < b.max_rel_error())
        {
            best = Some(q);
        }
    }
    best.unwrap_or(Quantized {
        flit_bytes: 1,
        cycles_per_flit: vec![1; bytes_per_cycle.len()],
        rel_errors: vec![f64::INFINITY; bytes_per_cycle.len()],
        endpoint_flits_per_cycle: endpoint_bytes_per_cycle.map(|_| 1),
        endpoint_rel_error: f64::INFINITY,
    })
}

/// A latency in whole cycles of `period_ps`, at least one.
pub fn latency_cycles(latency_ps: u64, period_ps: u64) -> u32 {
    let c = (latency_ps as f64 / period_ps.max(1) as f64).round();
    c.clamp(1.0, f64::from(u32::MAX)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_ratios_are_reproduced() {
        let q = quantize(&[900.0, 225.0], Some(3600.0));
        assert_eq!((q.flit_bytes, q.cycles_per_flit.clone()), (900, vec![1, 4]));
        assert_eq!(q.endpoint_flits_per_cycle, Some(4));
        assert_eq!(q.max_rel_error(), 0.0);
        let q = quantize(&[900.0, 400.0], None);
        assert_eq!(
            (q.flit_bytes, q.cycles_per_flit.clone()),
            (3600, vec![4, 9])
        );
        let q = quantize(&[3.125], None);
        assert_eq!((q.flit_bytes, q.cycles_per_flit.clone()), (25, vec![8]));
    }

    #[test]
    fn inexact_ratios_are_close_or_reported() {
        let q = quantize(&[900.0, 900.0 / std::f64::consts::PI], None);
        assert!(q.max_rel_error() > 0.0 && q.max_rel_error() < 1e-3, "{q:?}");
        // An endpoint slower than the fastest link cannot be a whole number of flits per cycle.
        let q = quantize(&[900.0], Some(450.0));
        assert_eq!(q.endpoint_flits_per_cycle, Some(1));
        assert!((q.endpoint_rel_error - 1.0).abs() < 1e-12, "{q:?}");
    }

    #[test]
    fn latency_rounds_to_whole_cycles() {
        assert_eq!(latency_cycles(20_000, 1_000), 20);
        assert_eq!(latency_cycles(0, 1_000), 1);
        assert_eq!(latency_cycles(1_400, 1_000), 1);
        assert_eq!(latency_cycles(1_600, 1_000), 2);
    }
}
