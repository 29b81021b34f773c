//! Device presets, kept as data in `memory/presets/*.toml` and embedded in the binary.

use crate::dram::config::DramConfig;
use moesim_core::Result;
use moesim_core::preset::PresetSet;

const PRESETS: &[(&str, &str)] = &[
    ("hbm3_stack", include_str!("../../presets/hbm3_stack.toml")),
    (
        "hybrid_bonded_3d",
        include_str!("../../presets/hybrid_bonded_3d.toml"),
    ),
];

/// The embedded presets as a set.
pub const SET: PresetSet = PresetSet {
    family: "memory",
    dir: "memory/presets",
    presets: PRESETS,
};

/// The names of the embedded presets.
pub fn preset_names() -> Vec<&'static str> {
    SET.names()
}

/// The embedded preset `name`, parsed and validated.
pub fn preset(name: &str) -> Result<DramConfig> {
    SET.load(name)
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
