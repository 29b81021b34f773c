//! Embedded presets (the files under `configs/hardware/nmp/`) and loading from a path.

use crate::config::NmpConfig;
use moesim_core::config::{apply_overrides, from_table, parse_toml_value};
use moesim_core::{Error, Result};
use std::path::Path;

/// Every embedded preset: name and TOML text.
pub const PRESETS: &[(&str, &str)] = &[(
    "hdmoe",
    include_str!("../../../configs/hardware/nmp/hdmoe.toml"),
)];

/// The names of the embedded presets.
pub fn preset_names() -> Vec<&'static str> {
    PRESETS.iter().map(|(n, _)| *n).collect()
}

/// The origin string errors use for an embedded preset.
pub fn preset_origin(name: &str) -> String {
    format!("embedded:configs/hardware/nmp/{name}.toml")
}

/// The TOML text of embedded preset `name`.
pub fn preset_text(name: &str) -> Result<&'static str> {
    PRESETS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
        .ok_or_else(|| {
            Error::config("nmp presets", "preset", format!("unknown preset `{name}`"))
                .allowed(preset_names().join(", "))
        })
}

impl NmpConfig {
    /// Parses and checks a configuration from TOML text read from `origin`.
    pub fn from_toml_str(origin: &str, text: &str) -> Result<NmpConfig> {
        NmpConfig::from_table(origin, parse_toml_value(origin, text)?)
    }

    /// Deserialises and checks a configuration from a TOML table.
    pub fn from_table(origin: &str, table: toml::Table) -> Result<NmpConfig> {
        let cfg: NmpConfig = from_table(origin, table)?;
        cfg.resolve(origin)?;
        Ok(cfg)
    }

    /// Reads, parses and checks the file at `path`.
    pub fn load(path: impl AsRef<Path>) -> Result<NmpConfig> {
        let path = path.as_ref();
        let text = moesim_core::error::read_to_string(path)?;
        NmpConfig::from_toml_str(&path.display().to_string(), &text)
    }

    /// The embedded preset `name` (see [`preset_names`]).
    pub fn preset(name: &str) -> Result<NmpConfig> {
        NmpConfig::from_toml_str(&preset_origin(name), preset_text(name)?)
    }

    /// The embedded preset `name` with `a.b=c` overrides (`mesh=8x8`, `point=10tf_25gbps`,
    /// `link.latency_ns=20`) applied before the checks.
    pub fn preset_with_overrides(name: &str, overrides: &[String]) -> Result<NmpConfig> {
        let origin = preset_origin(name);
        let mut table = parse_toml_value(&origin, preset_text(name)?)?;
        apply_overrides(&mut table, overrides)?;
        NmpConfig::from_table(&origin, table)
    }

    /// HD-MoE's platform on `mesh` (`"4x4"`, `"4x8"`, `"8x8"`) at `point` (`"2p5tf_75gbps"`,
    /// `"5tf_50gbps"`, `"10tf_25gbps"`).
    pub fn hdmoe(mesh: &str, point: &str) -> Result<NmpConfig> {
        NmpConfig::preset_with_overrides(
            "hdmoe",
            &[format!("mesh=\"{mesh}\""), format!("point=\"{point}\"")],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_preset_and_its_sweep_keys() {
        let c = NmpConfig::preset("hdmoe").unwrap();
        let r = c.resolve("x").unwrap();
        assert_eq!((r.mesh.x, r.mesh.y), (4, 8));
        let c = NmpConfig::hdmoe("8x8", "10tf_25gbps").unwrap();
        let r = c.resolve("x").unwrap();
        assert_eq!((r.mesh.x, r.mesh.y, r.compute_tflops), (8, 8, 10.0));
        let c = NmpConfig::preset_with_overrides("hdmoe", &["mesh=4x4".into()]).unwrap();
        assert_eq!(c.mesh, "4x4");
    }

    #[test]
    fn errors_name_the_embedded_file() {
        let e = NmpConfig::hdmoe("4x8", "7tf").unwrap_err().to_string();
        assert!(
            e.starts_with("embedded:configs/hardware/nmp/hdmoe.toml: key `point`")
                && e.contains("10tf_25gbps, 2p5tf_75gbps, 5tf_50gbps"),
            "{e}"
        );
        let e = NmpConfig::preset("nope").unwrap_err().to_string();
        assert!(e.contains("hdmoe"), "{e}");
    }
}
