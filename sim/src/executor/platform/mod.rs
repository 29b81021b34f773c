//! `[platform]`: the hardware an experiment runs on, chosen by `kind`, a `preset` of that kind
//! and any keys of its configuration laid over the preset:
//!
//! ```toml
//! [platform]
//! kind = "wafer"          # or "nmp"
//! preset = "b200_8x8"     # configs/hardware/<kind>/<preset>.toml
//! d2d.latency_ns = 30     # any key of the preset, overriding it
//! ```
//!
//! The preset is expanded before parsing, so the resolved configuration holds every key of the
//! platform and no `preset`. Errors name the experiment and the key below `platform.`.
//!
//! GPU systems (`moesim-gpu`) are not a platform kind here: that crate models collectives as
//! calibrated time curves per communicator, without a link-level topology the network tiers
//! could route messages over.

pub mod nmp;
pub mod wafer;

use crate::overrides::merged;
use moesim_core::{Coord, DeviceSpec, Error, Result, StatsTree};
use moesim_nmp::{NmpConfig, NmpPlatform};
use moesim_noc::tier::NetworkParams;
use moesim_noc::topology::Topology;
use moesim_wafer::{WaferConfig, WaferPlatform};
use serde::{Deserialize, Serialize};
use toml::{Table, Value};

/// The platform of an experiment (the `[platform]` table after preset expansion).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PlatformConfig {
    /// A wafer-scale chip: `moesim-wafer` presets `b200_8x8`, `b200_2x2_wafers`.
    Wafer(WaferConfig),
    /// A mesh of 3D near-memory-processing nodes: `moesim-nmp` preset `hdmoe`.
    Nmp(NmpConfig),
}

/// The platform kinds, for error messages.
pub const KINDS: &str = "wafer, nmp";

/// A built platform.
#[derive(Clone, Debug)]
pub enum Platform {
    Wafer(WaferPlatform),
    Nmp(NmpPlatform),
}

/// `e` from a platform crate, re-keyed under `platform.` and attributed to `origin`.
pub(crate) fn under_platform(e: Error, origin: &str) -> Error {
    match e {
        Error::Config {
            key,
            message,
            allowed,
            ..
        } => Error::Config {
            origin: origin.to_string(),
            key: if key.starts_with("platform") {
                key
            } else {
                format!("platform.{key}")
            },
            message,
            allowed,
        },
        other => other,
    }
}

impl PlatformConfig {
    /// Lays the `preset` of the `platform` table of `exp` (if any) under the table and removes
    /// the `preset` key.
    pub fn expand_preset(exp: &mut Table, origin: &str) -> Result<()> {
        let Some(Value::Table(p)) = exp.get_mut("platform") else {
            return Ok(());
        };
        let Some(preset) = p.remove("preset") else {
            return Ok(());
        };
        let name = preset.as_str().ok_or_else(|| {
            Error::config(origin, "platform.preset", "must be a string").allowed("a preset name")
        })?;
        let kind = p.get("kind").and_then(Value::as_str).unwrap_or("");
        let (text, preset_origin) = match kind {
            "wafer" => wafer::preset(name, origin)?,
            "nmp" => nmp::preset(name, origin)?,
            _ => {
                return Err(Error::config(
                    origin,
                    "platform.kind",
                    format!("`{kind}` has no presets"),
                )
                .allowed(KINDS));
            }
        };
        let base = moesim_core::config::parse_toml_value(&preset_origin, text)?;
        let over = std::mem::take(p);
        *p = merged(&base, &over);
        Ok(())
    }

    pub fn kind(&self) -> &'static str {
        match self {
            PlatformConfig::Wafer(_) => moesim_wafer::KIND,
            PlatformConfig::Nmp(_) => moesim_nmp::KIND,
        }
    }

    /// Checks the configuration and builds the platform; errors name `origin` and `platform.*`.
    pub fn build(&self, origin: &str) -> Result<Platform> {
        match self {
            PlatformConfig::Wafer(c) => wafer::build(c, origin).map(Platform::Wafer),
            PlatformConfig::Nmp(c) => nmp::build(c, origin).map(Platform::Nmp),
        }
    }
}

impl Platform {
    pub fn kind(&self) -> &'static str {
        match self {
            Platform::Wafer(p) => p.kind(),
            Platform::Nmp(p) => p.kind(),
        }
    }
    pub fn name(&self) -> &str {
        match self {
            Platform::Wafer(p) => p.name(),
            Platform::Nmp(p) => p.name(),
        }
    }
    /// One roofline per node id.
    pub fn devices(&self) -> Vec<DeviceSpec> {
        match self {
            Platform::Wafer(p) => p.devices(),
            Platform::Nmp(p) => p.devices(),
        }
    }
    pub fn num_devices(&self) -> usize {
        match self {
            Platform::Wafer(p) => p.num_devices(),
            Platform::Nmp(p) => p.num_devices(),
        }
    }
    pub fn topology(&self) -> &Topology {
        match self {
            Platform::Wafer(p) => p.topology(),
            Platform::Nmp(p) => p.topology(),
        }
    }
    pub fn network_params(&self) -> &NetworkParams {
        match self {
            Platform::Wafer(p) => p.network_params(),
            Platform::Nmp(p) => p.network_params(),
        }
    }
    /// Grid position of every node id.
    pub fn coords(&self) -> Vec<Coord> {
        let t = self.topology();
        (0..self.num_devices() as u32)
            .map(|i| t.node_coord(moesim_core::NodeId(i)))
            .collect()
    }
    /// Whether every node id can hold work.
    pub fn live(&self) -> Vec<bool> {
        match self {
            Platform::Wafer(p) => (0..p.num_devices() as u32)
                .map(|i| !p.is_failed(moesim_core::NodeId(i)))
                .collect(),
            Platform::Nmp(p) => vec![true; p.num_devices()],
        }
    }
    /// The experiment key that sets a device's memory capacity.
    pub fn capacity_key(&self) -> &'static str {
        match self {
            Platform::Wafer(_) => "platform.die.hbm_capacity_gb",
            Platform::Nmp(_) => "platform.node.memory.capacity_gib",
        }
    }
    /// The platform's figures.
    pub fn summary(&self) -> StatsTree {
        match self {
            Platform::Wafer(p) => p.summary(),
            Platform::Nmp(p) => p.summary(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<PlatformConfig> {
        let mut t = moesim_core::config::parse_toml_value("e.toml", text)?;
        PlatformConfig::expand_preset(&mut t, "e.toml")?;
        let p = t
            .remove("platform")
            .and_then(|v| v.as_table().cloned())
            .unwrap_or_default();
        moesim_core::config::from_table("e.toml", p)
    }

    #[test]
    fn presets_with_overrides() {
        let c = parse("[platform]\nkind = \"wafer\"\npreset = \"b200_8x8\"\nd2d.latency_ns = 30\n")
            .unwrap();
        let PlatformConfig::Wafer(w) = &c else {
            panic!()
        };
        assert_eq!(w.d2d.latency_ns, 30.0);
        let p = c.build("e.toml").unwrap();
        assert_eq!(p.num_devices(), 64);
        assert_eq!(p.coords()[9], Coord::new(1, 1));
        assert_eq!(p.capacity_key(), "platform.die.hbm_capacity_gb");
        let c = parse("[platform]\nkind = \"nmp\"\npreset = \"hdmoe\"\nmesh = \"8x8\"\n").unwrap();
        let p = c.build("e.toml").unwrap();
        assert_eq!((p.kind(), p.num_devices()), ("nmp", 64));
        assert!(p.live().iter().all(|&l| l));
    }

    #[test]
    fn errors_name_the_platform_keys() {
        let e = parse("[platform]\nkind = \"gpu\"\npreset = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("key `platform.kind`") && e.contains("wafer, nmp"),
            "{e}"
        );
        let e = parse("[platform]\nkind = \"wafer\"\npreset = \"b300\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("e.toml: key `platform.preset`") && e.contains("b200_8x8"),
            "{e}"
        );
        let c = parse("[platform]\nkind = \"wafer\"\npreset = \"b200_8x8\"\nwafer.dies_x = 0\n")
            .unwrap();
        let e = c.build("e.toml").unwrap_err().to_string();
        assert!(e.starts_with("e.toml: key `platform.wafer.dies_x`"), "{e}");
        let e = parse("[platform]\nkind = \"nmp\"\npreset = \"hdmoe\"\nmesh_size = 3\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("mesh_size"), "{e}");
    }
}
