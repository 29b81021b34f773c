//! Embedded configuration presets and checked configurations.
//!
//! A [`PresetSet`] is a family of TOML files compiled into the binary (the wafer platforms
//! under `configs/hardware/wafer/`, the GPU systems, the DRAM devices, ...). A
//! [`CheckedConfig`] is a configuration struct that is checked after parsing; it gets loading
//! from text, a table, a file or a preset with `--set` overrides, every error naming its origin.

use crate::config::{apply_overrides, from_table, parse_toml_value};
use crate::error::{Error, Result};
use serde::de::DeserializeOwned;
use std::path::Path;

/// A family of embedded TOML presets.
#[derive(Clone, Copy, Debug)]
pub struct PresetSet {
    /// What the presets configure, for errors (`"wafer"`, `"gpu"`).
    pub family: &'static str,
    /// The repository directory the files come from (`"configs/hardware/wafer"`).
    pub dir: &'static str,
    /// Name and TOML text of every preset.
    pub presets: &'static [(&'static str, &'static str)],
}

impl PresetSet {
    /// The preset names, in declaration order.
    pub fn names(&self) -> Vec<&'static str> {
        self.presets.iter().map(|(n, _)| *n).collect()
    }

    /// The origin errors use for preset `name`: `embedded:<dir>/<name>.toml`.
    pub fn origin(&self, name: &str) -> String {
        format!("embedded:{}/{name}.toml", self.dir)
    }

    /// The TOML text of preset `name`; an unknown name lists the known ones.
    pub fn text(&self, name: &str) -> Result<&'static str> {
        self.presets
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| *t)
            .ok_or_else(|| {
                Error::config(
                    format!("{} presets", self.family),
                    "preset",
                    format!("unknown preset `{name}`"),
                )
                .allowed(self.names().join(", "))
            })
    }

    /// Preset `name` parsed and checked as `T`.
    pub fn load<T: CheckedConfig>(&self, name: &str) -> Result<T> {
        self.load_with_overrides(name, &[])
    }

    /// Preset `name` with `a.b=c` overrides applied before parsing and checking.
    pub fn load_with_overrides<T: CheckedConfig>(
        &self,
        name: &str,
        overrides: &[String],
    ) -> Result<T> {
        let origin = self.origin(name);
        let mut table = parse_toml_value(&origin, self.text(name)?)?;
        apply_overrides(&mut table, overrides)?;
        T::from_table_checked(&origin, table)
    }
}

/// A configuration that is checked after deserialisation.
pub trait CheckedConfig: DeserializeOwned {
    /// Checks every field; errors name `origin` and the key.
    fn check_config(&self, origin: &str) -> Result<()>;

    /// Deserialises and checks a TOML table read from `origin`.
    fn from_table_checked(origin: &str, table: toml::Table) -> Result<Self> {
        let cfg: Self = from_table(origin, table)?;
        cfg.check_config(origin)?;
        Ok(cfg)
    }

    /// Parses and checks TOML text read from `origin`.
    fn from_toml_checked(origin: &str, text: &str) -> Result<Self> {
        Self::from_table_checked(origin, parse_toml_value(origin, text)?)
    }

    /// Reads, parses and checks the file at `path`.
    fn load_checked(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = crate::error::read_to_string(path)?;
        Self::from_toml_checked(&path.display().to_string(), &text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Knob {
        width: u32,
    }

    impl CheckedConfig for Knob {
        fn check_config(&self, origin: &str) -> Result<()> {
            if self.width == 0 {
                return Err(Error::config(origin, "width", "must be positive").allowed(">= 1"));
            }
            Ok(())
        }
    }

    const SET: PresetSet = PresetSet {
        family: "knob",
        dir: "configs/knobs",
        presets: &[("narrow", "width = 1"), ("wide", "width = 8")],
    };

    #[test]
    fn presets_load_with_overrides_and_checks() {
        assert_eq!(SET.names(), vec!["narrow", "wide"]);
        assert_eq!(SET.load::<Knob>("wide").unwrap().width, 8);
        let k: Knob = SET
            .load_with_overrides("narrow", &["width=4".into()])
            .unwrap();
        assert_eq!(k.width, 4);
        let e = SET
            .load_with_overrides::<Knob>("narrow", &["width=0".into()])
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("embedded:configs/knobs/narrow.toml") && e.contains("width"),
            "{e}"
        );
        let e = SET.text("medium").unwrap_err().to_string();
        assert!(
            e.contains("narrow, wide") && e.contains("knob presets"),
            "{e}"
        );
        let e = Knob::from_toml_checked("k.toml", "width = 2\ndepth = 1")
            .unwrap_err()
            .to_string();
        assert!(e.contains("k.toml") && e.contains("depth"), "{e}");
    }
}
