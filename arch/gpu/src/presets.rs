//! GPU system presets, kept as data in `configs/hardware/gpu/*.toml` and embedded in the binary.

use crate::config::GpuSystemConfig;
use moesim_core::{Error, Result};

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

/// The names of the embedded presets.
pub fn preset_names() -> Vec<&'static str> {
    PRESETS.iter().map(|(n, _)| *n).collect()
}

/// The TOML text of preset `name` (to apply `--set` overrides before parsing).
pub fn preset_text(name: &str) -> Result<&'static str> {
    PRESETS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
        .ok_or_else(|| {
            Error::config(
                "gpu presets",
                "name",
                format!("unknown GPU system `{name}`"),
            )
            .allowed(preset_names().join(", "))
        })
}

/// The embedded preset `name`, parsed and validated.
pub fn preset(name: &str) -> Result<GpuSystemConfig> {
    GpuSystemConfig::from_toml_str(&format!("embedded:{name}"), preset_text(name)?)
}
