//! `kind = "nmp"`: a mesh of 3D near-memory-processing nodes of `moesim-nmp`.

use super::under_platform;
use moesim_core::{Error, Result};
use moesim_nmp::{NmpConfig, NmpPlatform};

/// The text and origin of NMP preset `name`; the error names `platform.preset`.
pub fn preset(name: &str, origin: &str) -> Result<(&'static str, String)> {
    let text = moesim_nmp::preset_text(name).map_err(|_| {
        Error::config(
            origin,
            "platform.preset",
            format!("unknown NMP preset `{name}`"),
        )
        .allowed(moesim_nmp::preset_names().join(", "))
    })?;
    Ok((text, moesim_nmp::presets::preset_origin(name)))
}

/// Checks `cfg` and builds the system.
pub fn build(cfg: &NmpConfig, origin: &str) -> Result<NmpPlatform> {
    NmpPlatform::build(cfg.clone(), origin).map_err(|e| under_platform(e, origin))
}
