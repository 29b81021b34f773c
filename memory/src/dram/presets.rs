//! Device presets, kept as data in `memory/presets/*.toml` and embedded in the binary.

use crate::dram::config::DramConfig;
use moesim_core::{Error, Result};

const PRESETS: &[(&str, &str)] = &[
    ("hbm3_stack", include_str!("../../presets/hbm3_stack.toml")),
    (
        "hybrid_bonded_3d",
        include_str!("../../presets/hybrid_bonded_3d.toml"),
    ),
];

/// The names of the embedded presets.
pub fn preset_names() -> Vec<&'static str> {
    PRESETS.iter().map(|(n, _)| *n).collect()
}

/// The embedded preset `name`, parsed and validated.
pub fn preset(name: &str) -> Result<DramConfig> {
    let (_, text) = PRESETS.iter().find(|(n, _)| *n == name).ok_or_else(|| {
        Error::config("memory presets", "name", format!("unknown preset `{name}`"))
            .allowed(preset_names().join(", "))
    })?;
    DramConfig::from_toml_str(&format!("embedded:{name}"), text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_parses() {
        for name in preset_names() {
            let cfg = preset(name).unwrap();
            assert_eq!(cfg.name, name);
        }
        assert!(
            preset("ddr9")
                .unwrap_err()
                .to_string()
                .contains("hbm3_stack")
        );
    }
}
