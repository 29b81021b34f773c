//! moesim-gpu: GPU nodes, NVSwitch domains (DGX 8-GPU, NVL72) and scale-out networks, with cost
//! models calibrated on real measurements.
//!
//! - [`spec`]: a GPU's datasheet figures; [`config`]: a system preset
//!   (`configs/hardware/gpu/*.toml`) with its calibrated efficiencies; [`presets`]: the embedded
//!   presets;
//! - [`collective`]: direct and ring all-to-all, ring all-reduce, all-gather and reduce-scatter
//!   as functions of bytes, communicator and network level, each on a [`curve`] with a latency
//!   floor and a size-dependent bandwidth efficiency;
//! - [`ffn`]: the expert SwiGLU FFN time, memory-bound to compute-bound;
//! - [`calibrate`](mod@calibrate): least-squares fit of those models to a directory of
//!   measurements (`data/calibration/h200`);
//! - [`system`]: [`GpuSystem`], the object the executor and the GPU-cluster baselines call.

pub mod calibrate;
pub mod collective;
pub mod config;
pub mod curve;
pub mod ffn;
pub mod presets;
pub mod spec;
pub mod system;
pub mod topology;

pub use calibrate::{CalibrationReport, calibrate};
pub use collective::{Collective, CollectiveKind, CollectiveNetwork};
pub use config::{Calibration, GpuSystemConfig};
pub use curve::CollectiveCurve;
pub use ffn::{ExpertShape, FfnCalibration, FfnModel};
pub use moesim_core::DType;
pub use spec::GpuSpec;
pub use system::GpuSystem;
pub use topology::{CommGroup, Level};
