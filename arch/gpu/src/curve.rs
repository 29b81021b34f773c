//! The cost curve of one collective family on one network level: a latency floor, a per-step
//! latency, and a bandwidth whose efficiency grows with the bytes moved.
//!
//! For `steps` algorithm steps moving `D` bytes per rank over a link of peak `B`:
//!
//! ```text
//! eff(D)  = 1 / (1 + (D_half / D)^gamma)          (1/2 at D = D_half)
//! t_xfer  = steps * step_latency + D / (B * bw_fraction * eff(D))
//! t       = max(floor, t_xfer)
//! ```

use moesim_core::{Error, Result, Tick};
use serde::{Deserialize, Serialize};

/// Parameters of a collective cost curve.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollectiveCurve {
    /// The shortest time of any call (launch, synchronisation), microseconds.
    pub floor_us: f64,
    /// Achieved bandwidth at large sizes over the link's peak, in (0, 1].
    pub bw_fraction: f64,
    /// Bytes per rank at which the bandwidth efficiency is one half.
    pub half_saturation_bytes: f64,
    /// Steepness of the efficiency ramp (1: hyperbolic; < 1: slower).
    pub ramp_exponent: f64,
    /// Latency added per algorithm step (microseconds); not fitted (see docs/gpu.md).
    pub step_latency_us: f64,
}

impl CollectiveCurve {
    pub fn validate(&self, origin: &str, prefix: &str) -> Result<()> {
        let bad = |key: &str, v: f64, allowed: &str| {
            Err(Error::config(
                origin,
                format!("{prefix}{key}"),
                format!("{v} is out of range"),
            )
            .allowed(allowed.to_string()))
        };
        if !(self.floor_us.is_finite() && self.floor_us >= 0.0) {
            return bad("floor_us", self.floor_us, "microseconds >= 0");
        }
        if !(self.bw_fraction > 0.0 && self.bw_fraction <= 1.0) {
            return bad("bw_fraction", self.bw_fraction, "a fraction in (0, 1]");
        }
        if !(self.half_saturation_bytes.is_finite() && self.half_saturation_bytes >= 0.0) {
            return bad(
                "half_saturation_bytes",
                self.half_saturation_bytes,
                "bytes >= 0",
            );
        }
        if !(self.ramp_exponent > 0.0 && self.ramp_exponent <= 8.0) {
            return bad("ramp_exponent", self.ramp_exponent, "a number in (0, 8]");
        }
        if !(self.step_latency_us.is_finite() && self.step_latency_us >= 0.0) {
            return bad("step_latency_us", self.step_latency_us, "microseconds >= 0");
        }
        Ok(())
    }

    /// Bandwidth efficiency at `bytes` per rank.
    pub fn efficiency(&self, bytes: f64) -> f64 {
        if bytes <= 0.0 {
            return 0.0;
        }
        1.0 / (1.0 + (self.half_saturation_bytes / bytes).powf(self.ramp_exponent))
    }

    /// Microseconds for `steps` steps moving `bytes` per rank over a link of
    /// `link_gbytes_per_s` (no floor).
    pub fn transfer_us(&self, steps: u64, bytes: f64, link_gbytes_per_s: f64) -> f64 {
        let latency = steps as f64 * self.step_latency_us;
        if bytes <= 0.0 {
            return latency;
        }
        let bw = link_gbytes_per_s * 1e3 * self.bw_fraction; // bytes per microsecond
        let ramp = 1.0 + (self.half_saturation_bytes / bytes).powf(self.ramp_exponent);
        latency + bytes / bw * ramp
    }

    /// The whole call: `max(floor, transfer)`, microseconds.
    pub fn time_us(&self, steps: u64, bytes: f64, link_gbytes_per_s: f64) -> f64 {
        self.floor_us
            .max(self.transfer_us(steps, bytes, link_gbytes_per_s))
    }

    pub fn time(&self, steps: u64, bytes: f64, link_gbytes_per_s: f64) -> Tick {
        Tick::from_us(self.time_us(steps, bytes, link_gbytes_per_s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn curve() -> CollectiveCurve {
        CollectiveCurve {
            floor_us: 30.0,
            bw_fraction: 0.5,
            half_saturation_bytes: 1e6,
            ramp_exponent: 1.0,
            step_latency_us: 2.0,
        }
    }

    #[test]
    fn efficiency_is_half_at_half_saturation() {
        let c = curve();
        assert!((c.efficiency(1e6) - 0.5).abs() < 1e-12);
        assert!(c.efficiency(1e12) > 0.999);
        assert_eq!(c.efficiency(0.0), 0.0);
    }

    #[test]
    fn time_is_floor_or_latency_plus_ramped_bandwidth() {
        let c = curve();
        // 100 GB/s link at 50 %: 50 bytes per ns = 5e4 bytes per us.
        // 1e8 bytes: 2 steps x 2 us + 1e8 / 5e4 us x (1 + 0.01) = 4 + 2020 us.
        assert!((c.time_us(2, 1e8, 100.0) - 2024.0).abs() < 1e-9);
        assert_eq!(c.time_us(1, 10.0, 100.0), 30.0);
        assert_eq!(c.transfer_us(3, 0.0, 100.0), 6.0);
    }
}
