//! GPU system presets, kept as data in `configs/hardware/gpu/*.toml` and embedded in the binary.

use crate::config::GpuSystemConfig;
use moesim_core::Result;
use moesim_core::preset::PresetSet;

const PRESETS: &[(&str, &str)] = &[
    (
        "h100_dgx",
        include_str!("../../../configs/hardware/gpu/h100_dgx.toml"),
    ),
    (
        "h200_dgx",
        include_str!("../../../configs/hardware/gpu/h200_dgx.toml"),
    ),
    (
        "h200_2x8_ib800",
        include_str!("../../../configs/hardware/gpu/h200_2x8_ib800.toml"),
    ),
    (
        "h800_dgx",
        include_str!("../../../configs/hardware/gpu/h800_dgx.toml"),
    ),
    (
        "b200_dgx",
        include_str!("../../../configs/hardware/gpu/b200_dgx.toml"),
    ),
    (
        "gb200_nvl72",
        include_str!("../../../configs/hardware/gpu/gb200_nvl72.toml"),
    ),
];

/// The embedded presets as a set.
pub const SET: PresetSet = PresetSet {
    family: "gpu",
    dir: "configs/hardware/gpu",
    presets: PRESETS,
};

/// The names of the embedded presets.
pub fn preset_names() -> Vec<&'static str> {
    SET.names()
}

/// The TOML text of preset `name` (to apply `--set` overrides before parsing).
pub fn preset_text(name: &str) -> Result<&'static str> {
    SET.text(name)
}

/// The embedded preset `name`, parsed and validated.
pub fn preset(name: &str) -> Result<GpuSystemConfig> {
    SET.load(name)
}
