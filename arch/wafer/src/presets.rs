//! Embedded presets (the files under `configs/hardware/wafer/`) and loading from a path.

use crate::config::WaferConfig;
use moesim_core::config::{from_table, parse_toml_value};
use moesim_core::{Error, Result};
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

/// The names of the embedded presets.
pub fn preset_names() -> Vec<&'static str> {
    PRESETS.iter().map(|(n, _)| *n).collect()
}

/// The origin string errors use for an embedded preset.
pub fn preset_origin(name: &str) -> String {
    format!("embedded:configs/hardware/wafer/{name}.toml")
}

/// The TOML text of embedded preset `name`.
pub fn preset_text(name: &str) -> Result<&'static str> {
    PRESETS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
        .ok_or_else(|| {
            Error::config(
                "wafer presets",
                "preset",
                format!("unknown preset `{name}`"),
            )
            .allowed(preset_names().join(", "))
        })
}

impl WaferConfig {
    /// Parses and validates a configuration from TOML text read from `origin`.
    pub fn from_toml_str(origin: &str, text: &str) -> Result<WaferConfig> {
        WaferConfig::from_table(origin, parse_toml_value(origin, text)?)
    }

    /// Deserialises and validates a configuration from a TOML table (e.g. a preset's table after
    /// `--set` overrides were applied to it).
    pub fn from_table(origin: &str, table: toml::Table) -> Result<WaferConfig> {
        let cfg: WaferConfig = from_table(origin, table)?;
        cfg.validate(origin)?;
        Ok(cfg)
    }

    /// Reads, parses and validates the file at `path`.
    pub fn load(path: impl AsRef<Path>) -> Result<WaferConfig> {
        let path = path.as_ref();
        let text = moesim_core::error::read_to_string(path)?;
        WaferConfig::from_toml_str(&path.display().to_string(), &text)
    }

    /// The embedded preset `name` (see [`preset_names`]).
    pub fn preset(name: &str) -> Result<WaferConfig> {
        WaferConfig::from_toml_str(&preset_origin(name), preset_text(name)?)
    }

    /// The embedded preset `name` with `a.b=c` overrides applied before validation.
    pub fn preset_with_overrides(name: &str, overrides: &[String]) -> Result<WaferConfig> {
        let origin = preset_origin(name);
        let mut table = parse_toml_value(&origin, preset_text(name)?)?;
        moesim_core::config::apply_overrides(&mut table, overrides)?;
        WaferConfig::from_table(&origin, table)
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
