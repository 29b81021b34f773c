//! `kind = "wafer"`: a wafer-scale system of `moesim-wafer`.

use super::under_platform;
use moesim_core::{Error, Result};
use moesim_wafer::{WaferConfig, WaferPlatform};

/// The text and origin of wafer preset `name`; the error names `platform.preset`.
pub fn preset(name: &str, origin: &str) -> Result<(&'static str, String)> {
    let text = moesim_wafer::preset_text(name).map_err(|_| {
        Error::config(
            origin,
            "platform.preset",
            format!("unknown wafer preset `{name}`"),
        )
        .allowed(moesim_wafer::preset_names().join(", "))
    })?;
    Ok((text, moesim_wafer::presets::preset_origin(name)))
}

/// Checks `cfg` and builds the system.
pub fn build(cfg: &WaferConfig, origin: &str) -> Result<WaferPlatform> {
    WaferPlatform::build(cfg.clone(), origin).map_err(|e| under_platform(e, origin))
}
