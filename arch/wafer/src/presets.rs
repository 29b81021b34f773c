//! Embedded presets (the files under `configs/hardware/wafer/`) and loading from a path.

use crate::config::WaferConfig;
use moesim_core::Result;
use moesim_core::preset::{CheckedConfig, PresetSet};
use std::path::Path;

/// Every embedded preset: name and TOML text.
pub const PRESETS: &[(&str, &str)] = &[
    (
        "b200_8x8",
        include_str!("../../../configs/hardware/wafer/b200_8x8.toml"),
    ),
    (
        "b200_2x2_wafers",
        include_str!("../../../configs/hardware/wafer/b200_2x2_wafers.toml"),
    ),
];

/// The embedded presets as a set.
pub const SET: PresetSet = PresetSet {
    family: "wafer",
    dir: "configs/hardware/wafer",
    presets: PRESETS,
};

/// The names of the embedded presets.
pub fn preset_names() -> Vec<&'static str> {
    SET.names()
}

/// The origin string errors use for an embedded preset.
pub fn preset_origin(name: &str) -> String {
    SET.origin(name)
}

/// The TOML text of embedded preset `name`.
pub fn preset_text(name: &str) -> Result<&'static str> {
    SET.text(name)
}

impl CheckedConfig for WaferConfig {
    fn check_config(&self, origin: &str) -> Result<()> {
        self.validate(origin)
    }
}

impl WaferConfig {
    /// Parses and validates a configuration from TOML text read from `origin`.
    pub fn from_toml_str(origin: &str, text: &str) -> Result<WaferConfig> {
        Self::from_toml_checked(origin, text)
    }

    /// Deserialises and validates a configuration from a TOML table (e.g. a preset's table after
    /// `--set` overrides were applied to it).
    pub fn from_table(origin: &str, table: toml::Table) -> Result<WaferConfig> {
        Self::from_table_checked(origin, table)
    }

    /// Reads, parses and validates the file at `path`.
    pub fn load(path: impl AsRef<Path>) -> Result<WaferConfig> {
        Self::load_checked(path)
    }

    /// The embedded preset `name` (see [`preset_names`]).
    pub fn preset(name: &str) -> Result<WaferConfig> {
        SET.load(name)
    }

    /// The embedded preset `name` with `a.b=c` overrides applied before validation.
    pub fn preset_with_overrides(name: &str, overrides: &[String]) -> Result<WaferConfig> {
        SET.load_with_overrides(name, overrides)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_loads() {
        for name in preset_names() {
            let c = WaferConfig::preset(name).unwrap();
            assert!(!c.name.is_empty());
        }
    }

    #[test]
    fn unknown_preset_lists_the_names() {
        let e = WaferConfig::preset("b300").unwrap_err().to_string();
        assert!(
            e.contains("b300") && e.contains("b200_8x8, b200_2x2_wafers"),
            "{e}"
        );
    }

    #[test]
    fn overrides_apply_before_validation() {
        let c =
            WaferConfig::preset_with_overrides("b200_8x8", &["d2d.latency_ns=50".into()]).unwrap();
        assert_eq!(c.d2d.latency_ns, 50.0);
        let e = WaferConfig::preset_with_overrides("b200_8x8", &["wafer.dies_x=0".into()])
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("embedded:configs/hardware/wafer/b200_8x8.toml: key `wafer.dies_x`"),
            "{e}"
        );
    }
}
