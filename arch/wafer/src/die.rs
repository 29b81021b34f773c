//! A die's roofline: the [`DeviceSpec`] the executor times operations with.

use crate::config::DieConfig;
use moesim_core::{Bandwidth, DeviceSpec, FlopRate};

/// Bytes in one `_gb` unit of the configuration.
pub const BYTES_PER_GB: f64 = 1e9;
/// Bytes in one `_mb` unit of the configuration.
pub const BYTES_PER_MB: f64 = 1e6;

impl DieConfig {
    /// HBM capacity in bytes (rounded down).
    pub fn hbm_capacity_bytes(&self) -> u64 {
        (self.hbm_capacity_gb * BYTES_PER_GB) as u64
    }
    /// SRAM capacity in bytes (rounded down).
    pub fn sram_capacity_bytes(&self) -> u64 {
        (self.sram_capacity_mb * BYTES_PER_MB) as u64
    }
    pub fn hbm_bandwidth(&self) -> Bandwidth {
        Bandwidth::from_gbytes_per_s(self.hbm_bandwidth_gbytes_per_s)
    }
    pub fn nic_bandwidth(&self) -> Bandwidth {
        Bandwidth::from_gbytes_per_s(self.nic_bandwidth_gbytes_per_s)
    }

    /// The roofline of a working die called `name`.
    pub fn device_spec(&self, name: String) -> DeviceSpec {
        DeviceSpec {
            name,
            bf16: FlopRate::from_tflops(self.bf16_tflops),
            fp8: FlopRate::from_tflops(self.fp8_tflops),
            fp32: FlopRate::from_tflops(self.fp32_tflops),
            mem_bandwidth: self.hbm_bandwidth(),
            mem_capacity_bytes: self.hbm_capacity_bytes(),
        }
    }
}

/// The roofline of a failed die: no compute, no memory. Anything placed on it fails the capacity
/// check and takes forever to run, so a mapping that ignores failures cannot go unnoticed.
pub fn failed_device_spec(name: String) -> DeviceSpec {
    DeviceSpec {
        name,
        bf16: FlopRate { flops_per_s: 0.0 },
        fp8: FlopRate { flops_per_s: 0.0 },
        fp32: FlopRate { flops_per_s: 0.0 },
        mem_bandwidth: Bandwidth { bytes_per_s: 0.0 },
        mem_capacity_bytes: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use moesim_core::{DType, Tick};

    #[test]
    fn b200_class_die_roofline() {
        let d = DieConfig {
            bf16_tflops: 2250.0,
            fp8_tflops: 4500.0,
            fp32_tflops: 75.0,
            hbm_capacity_gb: 180.0,
            hbm_bandwidth_gbytes_per_s: 8000.0,
            sram_capacity_mb: 126.0,
            nic_bandwidth_gbytes_per_s: 3600.0,
        };
        let s = d.device_spec("die".into());
        assert_eq!(s.mem_capacity_bytes, 180_000_000_000);
        assert_eq!(d.sram_capacity_bytes(), 126_000_000);
        // 2.25e15 BF16 FLOP take 1 s; 8e12 bytes of HBM take 1 s.
        assert_eq!(
            s.roofline_time(DType::Bf16, 2.25e15, 0.0),
            Tick::from_s(1.0)
        );
        assert_eq!(s.roofline_time(DType::Fp8, 4.5e15, 0.0), Tick::from_s(1.0));
        assert_eq!(s.roofline_time(DType::Bf16, 0.0, 8e12), Tick::from_s(1.0));
        let f = failed_device_spec("x".into());
        assert_eq!(f.roofline_time(DType::Bf16, 1.0, 0.0), Tick::MAX);
    }
}
