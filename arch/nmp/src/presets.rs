//! Embedded presets (the files under `configs/hardware/nmp/`) and loading from a path.

use crate::config::NmpConfig;
use moesim_core::Result;
use moesim_core::preset::{CheckedConfig, PresetSet};
use std::path::Path;

/// Every embedded preset: name and TOML text.
pub const PRESETS: &[(&str, &str)] = &[(
    "hdmoe",
    include_str!("../../../configs/hardware/nmp/hdmoe.toml"),
)];

/// The embedded presets as a set.
pub const SET: PresetSet = PresetSet {
    family: "nmp",
    dir: "configs/hardware/nmp",
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

impl CheckedConfig for NmpConfig {
    fn check_config(&self, origin: &str) -> Result<()> {
        self.resolve(origin).map(|_| ())
    }
}

impl NmpConfig {
    /// Parses and checks a configuration from TOML text read from `origin`.
    pub fn from_toml_str(origin: &str, text: &str) -> Result<NmpConfig> {
        Self::from_toml_checked(origin, text)
    }

    /// Deserialises and checks a configuration from a TOML table.
    pub fn from_table(origin: &str, table: toml::Table) -> Result<NmpConfig> {
        Self::from_table_checked(origin, table)
    }

    /// Reads, parses and checks the file at `path`.
    pub fn load(path: impl AsRef<Path>) -> Result<NmpConfig> {
        Self::load_checked(path)
    }

    /// The embedded preset `name` (see [`preset_names`]).
    pub fn preset(name: &str) -> Result<NmpConfig> {
        SET.load(name)
    }

    /// The embedded preset `name` with `a.b=c` overrides (`mesh=8x8`, `point=10tf_25gbps`,
    /// `link.latency_ns=20`) applied before the checks.
    pub fn preset_with_overrides(name: &str, overrides: &[String]) -> Result<NmpConfig> {
        SET.load_with_overrides(name, overrides)
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
