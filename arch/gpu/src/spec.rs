//! A GPU as its datasheet describes it: peak dense compute per datatype, HBM capacity and
//! bandwidth, NVLink bandwidth.

use moesim_core::{Bandwidth, DType, DeviceSpec, Error, FlopRate, Result};
use serde::{Deserialize, Serialize};

/// Datasheet figures of one GPU (dense tensor-core rates, no structured sparsity).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GpuSpec {
    /// Marketing name, e.g. "NVIDIA H200 SXM".
    pub model: String,
    /// Dense BF16 tensor throughput (TFLOPS).
    pub bf16_tflops: f64,
    /// Dense FP8 tensor throughput (TFLOPS).
    pub fp8_tflops: f64,
    /// FP32 (non-tensor) throughput (TFLOPS).
    pub fp32_tflops: f64,
    /// HBM capacity (GB, 1e9 bytes).
    pub hbm_capacity_gb: f64,
    /// HBM peak bandwidth (GB/s).
    pub hbm_gbytes_per_s: f64,
    /// NVLink bandwidth per GPU and per direction (GB/s): half the bidirectional datasheet figure.
    pub nvlink_gbytes_per_s: f64,
    /// Where the figures come from.
    pub source: String,
}

impl GpuSpec {
    pub fn validate(&self, origin: &str, prefix: &str) -> Result<()> {
        let fields = [
            ("bf16_tflops", self.bf16_tflops),
            ("fp8_tflops", self.fp8_tflops),
            ("fp32_tflops", self.fp32_tflops),
            ("hbm_capacity_gb", self.hbm_capacity_gb),
            ("hbm_gbytes_per_s", self.hbm_gbytes_per_s),
            ("nvlink_gbytes_per_s", self.nvlink_gbytes_per_s),
        ];
        for (key, v) in fields {
            if !(v.is_finite() && v > 0.0) {
                return Err(Error::config(
                    origin,
                    format!("{prefix}{key}"),
                    format!("{v} is not a positive number"),
                )
                .allowed("a finite number > 0"));
            }
        }
        Ok(())
    }

    /// Peak dense rate for `dtype`.
    pub fn peak(&self, dtype: DType) -> FlopRate {
        FlopRate::from_tflops(match dtype {
            DType::Bf16 => self.bf16_tflops,
            DType::Fp8 => self.fp8_tflops,
            DType::Fp32 => self.fp32_tflops,
        })
    }
    pub fn hbm_peak(&self) -> Bandwidth {
        Bandwidth::from_gbytes_per_s(self.hbm_gbytes_per_s)
    }
    pub fn nvlink(&self) -> Bandwidth {
        Bandwidth::from_gbytes_per_s(self.nvlink_gbytes_per_s)
    }
    pub fn hbm_capacity_bytes(&self) -> u64 {
        (self.hbm_capacity_gb * 1e9) as u64
    }

    /// The roofline the executor uses for operations other than the calibrated expert FFN.
    pub fn device_spec(&self) -> DeviceSpec {
        DeviceSpec {
            name: self.model.clone(),
            bf16: self.peak(DType::Bf16),
            fp8: self.peak(DType::Fp8),
            fp32: self.peak(DType::Fp32),
            mem_bandwidth: self.hbm_peak(),
            mem_capacity_bytes: self.hbm_capacity_bytes(),
        }
    }
}
