//! Rates with their units in the type: link and memory bandwidth, compute throughput.

use crate::tick::Tick;
use serde::{Deserialize, Serialize};

/// A bandwidth in bytes per second.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd, Serialize, Deserialize)]
pub struct Bandwidth {
    pub bytes_per_s: f64,
}

impl Bandwidth {
    /// Gigabytes (1e9 bytes) per second, the unit of the papers' link figures ("900 GB/s").
    pub fn from_gbytes_per_s(gb_per_s: f64) -> Bandwidth {
        Bandwidth {
            bytes_per_s: gb_per_s * 1e9,
        }
    }
    /// Gigabits (1e9 bits) per second, the unit of network ports ("400 Gb/s").
    pub fn from_gbits_per_s(gbit_per_s: f64) -> Bandwidth {
        Bandwidth {
            bytes_per_s: gbit_per_s * 1e9 / 8.0,
        }
    }
    pub fn gbytes_per_s(self) -> f64 {
        self.bytes_per_s / 1e9
    }
    /// Time to push `bytes` through this bandwidth.
    pub fn transfer_time(self, bytes: f64) -> Tick {
        if self.bytes_per_s <= 0.0 {
            return Tick::MAX;
        }
        Tick::from_s(bytes / self.bytes_per_s)
    }
}

/// A compute throughput in floating-point operations per second.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd, Serialize, Deserialize)]
pub struct FlopRate {
    pub flops_per_s: f64,
}

impl FlopRate {
    pub fn from_tflops(tflops: f64) -> FlopRate {
        FlopRate {
            flops_per_s: tflops * 1e12,
        }
    }
    pub fn tflops(self) -> f64 {
        self.flops_per_s / 1e12
    }
    pub fn compute_time(self, flops: f64) -> Tick {
        if self.flops_per_s <= 0.0 {
            return Tick::MAX;
        }
        Tick::from_s(flops / self.flops_per_s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bandwidth_units() {
        let bw = Bandwidth::from_gbytes_per_s(50.0);
        // 4*128*2048 bytes at 50 GB/s = 20.97152 us (HD-MoE's TP all-to-all per layer, one way).
        assert_eq!(bw.transfer_time(4.0 * 128.0 * 2048.0).as_ps(), 20_971_520);
        assert!((Bandwidth::from_gbits_per_s(400.0).gbytes_per_s() - 50.0).abs() < 1e-12);
        assert_eq!(Bandwidth { bytes_per_s: 0.0 }.transfer_time(1.0), Tick::MAX);
    }

    #[test]
    fn flop_rate_units() {
        let r = FlopRate::from_tflops(5.0);
        assert_eq!(r.compute_time(5e12).as_ps(), Tick::PS_PER_S);
    }
}
