//! A bank-level DRAM configuration: the device and its controller, as read from TOML.

use crate::dram::addr_mapper::AddressMapping;
use crate::dram::refresh::RefreshKind;
use crate::dram::row_policy::RowPolicyKind;
use crate::dram::scheduler::SchedulerKind;
use crate::dram::spec::DramSpec;
use moesim_core::preset::CheckedConfig;
use moesim_core::{Error, Result};
use serde::{Deserialize, Serialize};

/// The memory controller of every channel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControllerConfig {
    /// Request-queue entries per channel.
    pub queue_depth: usize,
    pub scheduler: SchedulerKind,
    pub row_policy: RowPolicyKind,
    pub refresh: RefreshKind,
    pub address_mapping: AddressMapping,
}

/// A device plus its controller, with a name and where its numbers come from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DramConfig {
    pub name: String,
    /// Where the numbers come from, and which are assumptions.
    pub source: String,
    pub device: DramSpec,
    pub controller: ControllerConfig,
}

impl CheckedConfig for DramConfig {
    fn check_config(&self, origin: &str) -> Result<()> {
        self.validate(origin)
    }
}

impl DramConfig {
    /// Parses and validates TOML text from `origin`.
    pub fn from_toml_str(origin: &str, text: &str) -> Result<DramConfig> {
        Self::from_toml_checked(origin, text)
    }

    /// Checks every field; errors name `origin` and the key.
    pub fn validate(&self, origin: &str) -> Result<()> {
        self.device.validate(origin, "device.")?;
        if self.controller.queue_depth == 0 || self.controller.queue_depth > 4096 {
            return Err(Error::config(
                origin,
                "controller.queue_depth",
                format!("{} is out of range", self.controller.queue_depth),
            )
            .allowed("an integer in 1..=4096"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = include_str!("../../presets/hbm3_stack.toml");

    #[test]
    fn unknown_kind_and_key_are_named() {
        let bad = TEXT.replace("kind = \"frfcfs\"", "kind = \"fifo\"");
        let e = DramConfig::from_toml_str("x.toml", &bad)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("x.toml") && e.contains("controller.scheduler"),
            "{e}"
        );
        assert!(e.contains("frfcfs") && e.contains("fcfs"), "{e}");
        let bad = TEXT.replace("t_rcd_ns", "t_rcd");
        let e = DramConfig::from_toml_str("x.toml", &bad)
            .unwrap_err()
            .to_string();
        assert!(e.contains("device.timing"), "{e}");
    }

    #[test]
    fn out_of_range_values_are_named() {
        let bad = TEXT.replace("queue_depth = 32", "queue_depth = 0");
        let e = DramConfig::from_toml_str("x.toml", &bad)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("controller.queue_depth") && e.contains("1..=4096"),
            "{e}"
        );
        let bad = TEXT.replace("row_bytes = 1024", "row_bytes = 1000");
        let e = DramConfig::from_toml_str("x.toml", &bad)
            .unwrap_err()
            .to_string();
        assert!(e.contains("device.organization.row_bytes"), "{e}");
        let bad = TEXT.replace("t_rfc_ns = 350.0", "t_rfc_ns = 5000.0");
        let e = DramConfig::from_toml_str("x.toml", &bad)
            .unwrap_err()
            .to_string();
        assert!(e.contains("device.timing.t_rfc_ns"), "{e}");
    }
}
