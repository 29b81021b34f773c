//! What every compute device (a wafer die, an NMP logic die, a GPU) tells the executor: its peak
//! compute per data type, and the bandwidth and capacity of the memory it computes out of. The
//! executor times an operation by roofline: `max(flops / compute, bytes / memory bandwidth)`.

use crate::tick::Tick;
use crate::units::{Bandwidth, FlopRate};
use serde::{Deserialize, Serialize};

/// Numeric formats of weights and activations.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DType {
    Fp32,
    #[default]
    Bf16,
    Fp8,
}

impl DType {
    pub const fn bytes(self) -> u64 {
        match self {
            DType::Fp32 => 4,
            DType::Bf16 => 2,
            DType::Fp8 => 1,
        }
    }
    pub const fn name(self) -> &'static str {
        match self {
            DType::Fp32 => "fp32",
            DType::Bf16 => "bf16",
            DType::Fp8 => "fp8",
        }
    }
}

/// A compute device's roofline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeviceSpec {
    pub name: String,
    /// Peak dense throughput for BF16 (and FP32 accumulation).
    pub bf16: FlopRate,
    /// Peak dense throughput for FP8 (equal to `bf16` where the device has no FP8 path).
    pub fp8: FlopRate,
    /// Peak throughput for FP32 operands.
    pub fp32: FlopRate,
    /// Bandwidth of the memory the device computes out of (HBM, stacked DRAM).
    pub mem_bandwidth: Bandwidth,
    pub mem_capacity_bytes: u64,
}

impl DeviceSpec {
    pub fn peak(&self, dtype: DType) -> FlopRate {
        match dtype {
            DType::Fp32 => self.fp32,
            DType::Bf16 => self.bf16,
            DType::Fp8 => self.fp8,
        }
    }
    /// Roofline time of an operation of `flops` in `dtype` that moves `bytes` through memory.
    pub fn roofline_time(&self, dtype: DType, flops: f64, bytes: f64) -> Tick {
        self.peak(dtype)
            .compute_time(flops)
            .max(self.mem_bandwidth.transfer_time(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roofline_takes_the_slower_side() {
        let d = DeviceSpec {
            name: "t".into(),
            bf16: FlopRate::from_tflops(1.0),
            fp8: FlopRate::from_tflops(2.0),
            fp32: FlopRate::from_tflops(0.5),
            mem_bandwidth: Bandwidth::from_gbytes_per_s(1000.0),
            mem_capacity_bytes: 1 << 30,
        };
        // 1 TFLOP at 1 TFLOPS = 1 s; 1 GB at 1 TB/s = 1 ms.
        assert_eq!(d.roofline_time(DType::Bf16, 1e12, 1e9), Tick::from_s(1.0));
        assert_eq!(d.roofline_time(DType::Bf16, 1e6, 1e12), Tick::from_s(1.0));
        assert_eq!(d.roofline_time(DType::Fp8, 1e12, 0.0), Tick::from_s(0.5));
    }
}
