//! A GPU system as configured in `configs/hardware/gpu/*.toml`: the GPU's datasheet figures, the
//! NVSwitch domain and the number of domains, the scale-out network, and the calibrated
//! efficiencies.

use crate::curve::CollectiveCurve;
use crate::ffn::FfnCalibration;
use crate::spec::GpuSpec;
use moesim_core::preset::CheckedConfig;
use moesim_core::{Error, Result};
use serde::{Deserialize, Serialize};

/// NVSwitch domains and how many there are.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemShape {
    /// GPUs in one NVLink/NVSwitch domain (8 for a DGX/HGX node, 72 for an NVL72 rack).
    pub gpus_per_domain: usize,
    /// Domains joined by the scale-out network.
    pub domains: usize,
}

/// The scale-out network between domains.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScaleOut {
    /// NIC bandwidth per GPU and direction (Gb/s): 400 for ConnectX-7, 800 for ConnectX-8.
    pub gbits_per_s_per_gpu: f64,
    /// Cost curve of the all-to-all family across domains.
    pub all_to_all: CollectiveCurve,
    /// Cost curve of the ring family across domains.
    pub ring: CollectiveCurve,
}

/// Calibrated efficiencies of one GPU.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calibration {
    /// Where the values come from (a measurement directory, or "extrapolated from ...").
    pub source: String,
    /// Achieved bandwidth of a large device-to-device copy (read + write) over the HBM peak.
    pub hbm_copy_efficiency: f64,
    pub ffn: FfnCalibration,
    /// All-to-all inside the NVSwitch domain.
    pub all_to_all: CollectiveCurve,
    /// Ring collectives inside the NVSwitch domain.
    pub ring: CollectiveCurve,
}

/// One GPU system preset.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GpuSystemConfig {
    pub name: String,
    pub description: String,
    pub gpu: GpuSpec,
    pub system: SystemShape,
    pub scale_out: ScaleOut,
    pub calibration: Calibration,
}

impl CheckedConfig for GpuSystemConfig {
    fn check_config(&self, origin: &str) -> Result<()> {
        self.validate(origin)
    }
}

impl GpuSystemConfig {
    /// Parses and validates TOML text from `origin`.
    pub fn from_toml_str(origin: &str, text: &str) -> Result<GpuSystemConfig> {
        Self::from_toml_checked(origin, text)
    }

    /// Reads, parses and validates a TOML file.
    pub fn load(path: impl AsRef<std::path::Path>) -> Result<GpuSystemConfig> {
        Self::load_checked(path)
    }

    /// Parses a table (e.g. a preset with `--set` overrides applied) and validates it.
    pub fn from_table(origin: &str, table: toml::Table) -> Result<GpuSystemConfig> {
        Self::from_table_checked(origin, table)
    }

    /// Checks every value; errors name `origin` and the key.
    pub fn validate(&self, origin: &str) -> Result<()> {
        self.gpu.validate(origin, "gpu.")?;
        let s = &self.system;
        if s.gpus_per_domain == 0 || s.gpus_per_domain > 576 {
            return Err(Error::config(
                origin,
                "system.gpus_per_domain",
                format!("{} is out of range", s.gpus_per_domain),
            )
            .allowed("an integer in 1..=576 (8 for DGX, 72 for NVL72)"));
        }
        if s.domains == 0 || s.domains > 100_000 {
            return Err(Error::config(
                origin,
                "system.domains",
                format!("{} is out of range", s.domains),
            )
            .allowed("an integer in 1..=100000"));
        }
        let so = &self.scale_out;
        if !(so.gbits_per_s_per_gpu.is_finite() && so.gbits_per_s_per_gpu > 0.0) {
            return Err(Error::config(
                origin,
                "scale_out.gbits_per_s_per_gpu",
                format!("{} is not a bandwidth", so.gbits_per_s_per_gpu),
            )
            .allowed("Gb/s > 0, e.g. 400 or 800"));
        }
        so.all_to_all.validate(origin, "scale_out.all_to_all.")?;
        so.ring.validate(origin, "scale_out.ring.")?;
        let c = &self.calibration;
        if !(c.hbm_copy_efficiency > 0.0 && c.hbm_copy_efficiency <= 1.0) {
            return Err(Error::config(
                origin,
                "calibration.hbm_copy_efficiency",
                format!("{} is out of range", c.hbm_copy_efficiency),
            )
            .allowed("a fraction in (0, 1]"));
        }
        c.ffn.validate(origin, "calibration.ffn.")?;
        c.all_to_all.validate(origin, "calibration.all_to_all.")?;
        c.ring.validate(origin, "calibration.ring.")?;
        Ok(())
    }

    /// All GPUs of the system.
    pub fn world_size(&self) -> usize {
        self.system.gpus_per_domain * self.system.domains
    }
}
