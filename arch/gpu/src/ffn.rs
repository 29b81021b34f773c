//! Time of one expert's SwiGLU FFN on one GPU: three GEMMs (gate, up, down) and the elementwise
//! SiLU x up, memory-bound at small token counts and compute-bound at large ones.
//!
//! ```text
//! F      = 3 x 2 x tokens x hidden x inter                       (FLOPs)
//! W      = 3 x hidden x inter x dtype                            (weight bytes)
//! A_gemm = (3 x tokens x hidden + 3 x tokens x inter) x dtype    (GEMM activations in and out)
//! A_elem = passes x tokens x inter x dtype                       (SiLU and product, unfused: 5)
//! t_mem  = (W + A_gemm) / (HBM x mem_bw_fraction)
//! t_comp = F / (peak x compute_efficiency x eff(F)),  eff(F) = F / (F + F_half)
//! t_gemm = (t_mem^p + t_comp^p)^(1/p)                           (p: memory/compute overlap)
//! t_dev  = t_gemm + A_elem / (HBM x mem_bw_fraction)
//! t_meas = (floor^q + t_dev^q)^(1/q)                            (what a host-timed harness sees)
//! ```
//!
//! `floor` is the harness's launch floor for the expert shape (the kernels cuBLAS picks differ
//! by shape, and so does their launch cost): see `calibrate::harness_floors`. `q` blends the
//! host and device pipelines near the crossover; a large `q` is the plain maximum.

use crate::spec::GpuSpec;
use moesim_core::DType;
use moesim_core::{Error, Result, Tick};
use serde::{Deserialize, Serialize};

/// The calibrated parameters of the expert FFN model.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FfnCalibration {
    /// Host launch floor of the measured harness (microseconds) for shapes without a floor of
    /// their own. Not part of device time.
    pub launch_floor_us: f64,
    /// Blend of launch floor and device time in the harness time: `(floor^q + dev^q)^(1/q)`;
    /// 64 is the plain maximum. Not part of device time.
    pub launch_blend_exponent: f64,
    /// Achieved HBM bandwidth of the FFN over the HBM peak.
    pub mem_bw_fraction: f64,
    /// Asymptotic compute efficiency over the dense BF16 peak.
    pub compute_efficiency: f64,
    /// Work (GFLOP) at which the compute efficiency is half its asymptote, at the BF16 peak.
    pub half_saturation_gflop: f64,
    /// Overlap of memory and compute time: 1 adds them, large values take the maximum.
    pub overlap_exponent: f64,
    /// Activation-sized tensor passes of the elementwise stage (5 unfused SiLU then product,
    /// 3 for a fused SwiGLU kernel). Not fitted.
    pub elementwise_passes: f64,
}

impl FfnCalibration {
    pub fn validate(&self, origin: &str, prefix: &str) -> Result<()> {
        let check = |key: &str, v: f64, ok: bool, allowed: &str| -> Result<()> {
            if ok && v.is_finite() {
                Ok(())
            } else {
                Err(Error::config(
                    origin,
                    format!("{prefix}{key}"),
                    format!("{v} is out of range"),
                )
                .allowed(allowed.to_string()))
            }
        };
        let c = self;
        check(
            "launch_floor_us",
            c.launch_floor_us,
            c.launch_floor_us >= 0.0,
            "microseconds >= 0",
        )?;
        check(
            "launch_blend_exponent",
            c.launch_blend_exponent,
            c.launch_blend_exponent >= 1.0 && c.launch_blend_exponent <= 64.0,
            "a number in [1, 64]",
        )?;
        check(
            "mem_bw_fraction",
            c.mem_bw_fraction,
            c.mem_bw_fraction > 0.0 && c.mem_bw_fraction <= 1.0,
            "a fraction in (0, 1]",
        )?;
        check(
            "compute_efficiency",
            c.compute_efficiency,
            c.compute_efficiency > 0.0 && c.compute_efficiency <= 1.0,
            "a fraction in (0, 1]",
        )?;
        check(
            "half_saturation_gflop",
            c.half_saturation_gflop,
            c.half_saturation_gflop >= 0.0,
            "GFLOP >= 0",
        )?;
        check(
            "overlap_exponent",
            c.overlap_exponent,
            c.overlap_exponent >= 1.0 && c.overlap_exponent <= 64.0,
            "a number in [1, 64]",
        )?;
        check(
            "elementwise_passes",
            c.elementwise_passes,
            c.elementwise_passes >= 0.0,
            "a number of passes >= 0",
        )
    }
}

/// One expert's FFN dimensions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ExpertShape {
    pub hidden: u64,
    /// The FFN (intermediate) width of one expert.
    pub inter: u64,
    pub dtype: DType,
}

impl ExpertShape {
    pub fn new(hidden: u64, inter: u64, dtype: DType) -> ExpertShape {
        ExpertShape {
            hidden,
            inter,
            dtype,
        }
    }
    /// 3 GEMMs x 2 FLOPs per multiply-add.
    pub fn flops(&self, tokens: u64) -> f64 {
        6.0 * tokens as f64 * self.hidden as f64 * self.inter as f64
    }
    /// Gate, up and down projection weights.
    pub fn weight_bytes(&self) -> u64 {
        3 * self.hidden * self.inter * self.dtype.bytes()
    }
    /// Activations the GEMMs read and write: the input twice (gate, up), the output, the two
    /// intermediate results and the product read by the down projection.
    pub fn gemm_activation_bytes(&self, tokens: u64) -> u64 {
        (3 * tokens * self.hidden + 3 * tokens * self.inter) * self.dtype.bytes()
    }
    /// Bytes of one activation-sized intermediate tensor (tokens x inter).
    pub fn intermediate_bytes(&self, tokens: u64) -> u64 {
        tokens * self.inter * self.dtype.bytes()
    }
}

/// The expert FFN model of one GPU.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FfnModel {
    cal: FfnCalibration,
    hbm_bytes_per_us: f64,
    bf16_flops_per_us: f64,
    fp8_flops_per_us: f64,
    fp32_flops_per_us: f64,
}

/// The parts of one FFN time, microseconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FfnBreakdown {
    pub memory_us: f64,
    pub compute_us: f64,
    pub elementwise_us: f64,
    pub device_us: f64,
    /// The device time is below the harness launch floor.
    pub launch_bound: bool,
}

impl FfnModel {
    pub fn new(gpu: &GpuSpec, cal: FfnCalibration) -> FfnModel {
        FfnModel {
            cal,
            hbm_bytes_per_us: gpu.hbm_gbytes_per_s * 1e3 * cal.mem_bw_fraction,
            bf16_flops_per_us: gpu.bf16_tflops * 1e6 * cal.compute_efficiency,
            fp8_flops_per_us: gpu.fp8_tflops * 1e6 * cal.compute_efficiency,
            fp32_flops_per_us: gpu.fp32_tflops * 1e6 * cal.compute_efficiency,
        }
    }

    pub fn calibration(&self) -> &FfnCalibration {
        &self.cal
    }

    /// Compute efficiency at `flops` of work for `dtype`, over the dense peak. The
    /// half-saturation work scales with the peak (the fill time of the GPU stays the same).
    pub fn compute_efficiency(&self, dtype: DType, flops: f64) -> f64 {
        let half = self.half_saturation_flops(dtype);
        if flops <= 0.0 {
            return 0.0;
        }
        self.cal.compute_efficiency * flops / (flops + half)
    }

    fn rate(&self, dtype: DType) -> f64 {
        match dtype {
            DType::Bf16 => self.bf16_flops_per_us,
            DType::Fp8 => self.fp8_flops_per_us,
            DType::Fp32 => self.fp32_flops_per_us,
        }
    }

    fn half_saturation_flops(&self, dtype: DType) -> f64 {
        self.cal.half_saturation_gflop * 1e9 * self.rate(dtype) / self.bf16_flops_per_us
    }

    /// Every term of the model for `tokens` tokens.
    pub fn breakdown(&self, shape: &ExpertShape, tokens: u64) -> FfnBreakdown {
        if tokens == 0 {
            return FfnBreakdown {
                memory_us: 0.0,
                compute_us: 0.0,
                elementwise_us: 0.0,
                device_us: 0.0,
                launch_bound: false,
            };
        }
        let flops = shape.flops(tokens);
        let memory_us = (shape.weight_bytes() + shape.gemm_activation_bytes(tokens)) as f64
            / self.hbm_bytes_per_us;
        let compute_us = (flops + self.half_saturation_flops(shape.dtype)) / self.rate(shape.dtype);
        let p = self.cal.overlap_exponent;
        let gemm_us = (memory_us.powf(p) + compute_us.powf(p)).powf(1.0 / p);
        let elementwise_us = self.cal.elementwise_passes * shape.intermediate_bytes(tokens) as f64
            / self.hbm_bytes_per_us;
        let device_us = gemm_us + elementwise_us;
        FfnBreakdown {
            memory_us,
            compute_us,
            elementwise_us,
            device_us,
            launch_bound: device_us < self.cal.launch_floor_us,
        }
    }

    /// GPU time of the expert FFN for `tokens` tokens (0 for no tokens): what an executor
    /// charges when kernels are launched back to back (CUDA graphs, persistent kernels).
    pub fn device_time(&self, shape: &ExpertShape, tokens: u64) -> Tick {
        Tick::from_us(self.breakdown(shape, tokens).device_us)
    }

    /// What a host-timed harness measures with the generic launch floor.
    pub fn harness_time(&self, shape: &ExpertShape, tokens: u64) -> Tick {
        Tick::from_us(self.harness_us(shape, tokens))
    }

    pub fn harness_us(&self, shape: &ExpertShape, tokens: u64) -> f64 {
        self.harness_us_with_floor(shape, tokens, self.cal.launch_floor_us)
    }

    /// What a host-timed harness measures when its launch floor for `shape` is `floor_us`:
    /// `(floor^q + dev^q)^(1/q)`, computed on the larger term so that a large `q` cannot
    /// overflow.
    pub fn harness_us_with_floor(&self, shape: &ExpertShape, tokens: u64, floor_us: f64) -> f64 {
        let dev = self.breakdown(shape, tokens).device_us;
        let hi = dev.max(floor_us);
        if hi <= 0.0 {
            return 0.0;
        }
        let lo = dev.min(floor_us);
        let q = self.cal.launch_blend_exponent;
        hi * (1.0 + (lo / hi).powf(q)).powf(1.0 / q)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gpu() -> GpuSpec {
        GpuSpec {
            model: "test".into(),
            bf16_tflops: 1000.0,
            fp8_tflops: 2000.0,
            fp32_tflops: 60.0,
            hbm_capacity_gb: 100.0,
            hbm_gbytes_per_s: 4000.0,
            nvlink_gbytes_per_s: 450.0,
            source: "test".into(),
        }
    }

    fn cal() -> FfnCalibration {
        FfnCalibration {
            launch_floor_us: 50.0,
            launch_blend_exponent: 64.0,
            mem_bw_fraction: 0.5,
            compute_efficiency: 0.5,
            half_saturation_gflop: 0.0,
            overlap_exponent: 64.0,
            elementwise_passes: 0.0,
        }
    }

    #[test]
    fn shape_arithmetic() {
        let s = ExpertShape::new(4096, 14336, DType::Bf16);
        assert_eq!(s.weight_bytes(), 3 * 4096 * 14336 * 2);
        assert_eq!(s.flops(1), 6.0 * 4096.0 * 14336.0);
        assert_eq!(s.gemm_activation_bytes(2), (6 * 4096 + 6 * 14336) * 2);
    }

    #[test]
    fn memory_bound_then_compute_bound() {
        let m = FfnModel::new(&gpu(), cal());
        let s = ExpertShape::new(4096, 14336, DType::Bf16);
        // One token: ~352 MB of weights at 2 TB/s = 176 us; compute 0.35 GFLOP at 500 TF = 0.7 us.
        let b = m.breakdown(&s, 1);
        assert!(b.memory_us > 100.0 * b.compute_us);
        assert!((b.device_us - b.memory_us).abs() / b.memory_us < 1e-3);
        // 16k tokens: 5.8 TFLOP at 500 TF = 11.5 ms, far above the memory time.
        let b = m.breakdown(&s, 16_384);
        assert!(b.compute_us > 10.0 * b.memory_us);
        assert_eq!(m.device_time(&s, 0), Tick::ZERO);
        assert!(!b.launch_bound);
    }

    #[test]
    fn fp8_halves_bytes_and_doubles_rate() {
        let m = FfnModel::new(&gpu(), cal());
        let bf = m.breakdown(&ExpertShape::new(4096, 4096, DType::Bf16), 100_000);
        let f8 = m.breakdown(&ExpertShape::new(4096, 4096, DType::Fp8), 100_000);
        assert!((bf.compute_us / f8.compute_us - 2.0).abs() < 1e-9);
        assert!((bf.memory_us / f8.memory_us - 2.0).abs() < 1e-9);
    }

    #[test]
    fn harness_time_has_the_launch_floor() {
        let m = FfnModel::new(&gpu(), cal());
        let s = ExpertShape::new(256, 256, DType::Bf16);
        assert!(m.breakdown(&s, 1).launch_bound);
        assert!((m.harness_us(&s, 1) - 50.0).abs() < 1e-9);
        // A soft blend adds to the larger term, most where the two are equal.
        let mut c = cal();
        c.launch_blend_exponent = 2.0;
        let soft = FfnModel::new(&gpu(), c);
        let equal = soft.harness_us_with_floor(&s, 1, 100.0);
        let dev = soft.breakdown(&s, 1).device_us;
        let expect = (100f64.powi(2) + dev.powi(2)).sqrt();
        assert!((equal - expect).abs() < 1e-9);
        assert_eq!(soft.harness_us_with_floor(&s, 0, 0.0), 0.0);
    }

    #[test]
    fn efficiency_curve_is_half_at_half_saturation() {
        let mut c = cal();
        c.half_saturation_gflop = 10.0;
        let m = FfnModel::new(&gpu(), c);
        assert!((m.compute_efficiency(DType::Bf16, 10e9) - 0.25).abs() < 1e-12);
        assert!((m.compute_efficiency(DType::Fp8, 20e9) - 0.25).abs() < 1e-12);
    }
}
