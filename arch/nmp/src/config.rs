//! The NMP platform's configuration: a base preset (node memory, link latency, the mesh) plus
//! named compute/link points, so a sweep changes one key (`mesh = "8x8"`,
//! `point = "10tf_25gbps"`) or gives explicit numbers.
//!
//! Resolution: `node.compute_tflops` and `link.bandwidth_gbytes_per_s` win when given; otherwise
//! the selected `point` supplies them. [`NmpConfig::resolve`] checks everything and returns the
//! numbers the platform is built from.

use moesim_core::check::{count, non_negative, positive};
use moesim_core::{Error, MeshShape, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The largest mesh side accepted.
pub const MAX_SIDE: u32 = 256;

/// A whole NMP system.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NmpConfig {
    pub name: String,
    /// Clock of the network tiers (latencies are whole cycles of it, at least one).
    #[serde(default = "default_clock_ghz")]
    pub network_clock_ghz: f64,
    /// `"XxY"`: X nodes along x, Y along y.
    pub mesh: String,
    /// A key of [`points`](Self::points).
    #[serde(default)]
    pub point: Option<String>,
    pub node: NodeConfig,
    pub link: LinkConfig,
    /// Named compute/link configurations.
    #[serde(default)]
    pub points: BTreeMap<String, PointConfig>,
}

/// The default network clock: 1 GHz, so latencies are whole nanoseconds.
pub const DEFAULT_NETWORK_CLOCK_GHZ: f64 = 1.0;

fn default_clock_ghz() -> f64 {
    DEFAULT_NETWORK_CLOCK_GHZ
}

/// One NMP node: logic-die compute and stacked memory.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeConfig {
    /// Logic-die throughput, used for every data type (HD-MoE gives one figure). Overrides the
    /// point's.
    #[serde(default)]
    pub compute_tflops: Option<f64>,
    pub memory: MemoryConfig,
}

/// The DRAM stacked on a node.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemoryConfig {
    /// Independent DRAM vaults (channels) per node.
    pub vaults: u32,
    /// Bandwidth of one vault.
    pub vault_bandwidth_gbytes_per_s: f64,
    /// The vertical (TSV / hybrid-bonding) interface between DRAM and logic: caps the memory
    /// bandwidth the logic die sees.
    pub vertical_bandwidth_gbytes_per_s: f64,
    /// Capacity in GiB (2^30 bytes).
    pub capacity_gib: f64,
    /// The moesim-memory bank-level preset that models these vaults (for the sustained-bandwidth
    /// check); optional.
    #[serde(default)]
    pub dram_preset: Option<String>,
}

/// The NoC links between neighbouring nodes, per direction.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkConfig {
    /// Overrides the point's.
    #[serde(default)]
    pub bandwidth_gbytes_per_s: Option<f64>,
    /// Time of flight plus router traversal of one hop.
    pub latency_ns: f64,
}

/// A named compute/link configuration.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PointConfig {
    pub compute_tflops: f64,
    pub link_bandwidth_gbytes_per_s: f64,
}

/// The numbers a configuration resolves to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Resolved {
    pub mesh: MeshShape,
    pub compute_tflops: f64,
    pub link_bandwidth_gbytes_per_s: f64,
    /// Where the compute and link figures came from: the point's name or "explicit".
    pub point: String,
}

/// Parses `"XxY"` (e.g. `"4x8"`).
pub fn parse_mesh(origin: &str, text: &str) -> Result<MeshShape> {
    let bad = || {
        Error::config(origin, "mesh", format!("`{text}` is not a mesh size")).allowed(format!(
            "\"XxY\" with X and Y in 1..={MAX_SIDE}, e.g. \"4x8\" (HD-MoE: 4x4, 4x8, 8x8)"
        ))
    };
    let (x, y) = text.trim().split_once(['x', 'X']).ok_or_else(bad)?;
    let x: u32 = x.trim().parse().map_err(|_| bad())?;
    let y: u32 = y.trim().parse().map_err(|_| bad())?;
    if !(1..=MAX_SIDE).contains(&x) || !(1..=MAX_SIDE).contains(&y) {
        return Err(bad());
    }
    Ok(MeshShape::new(x, y))
}

impl NmpConfig {
    fn point_names(&self) -> String {
        if self.points.is_empty() {
            "none defined ([points] is empty)".to_string()
        } else {
            self.points.keys().cloned().collect::<Vec<_>>().join(", ")
        }
    }

    /// Checks every value and resolves the mesh, compute and link figures.
    pub fn resolve(&self, origin: &str) -> Result<Resolved> {
        if self.name.trim().is_empty() {
            return Err(Error::config(origin, "name", "empty name").allowed("a non-empty string"));
        }
        if !(self.network_clock_ghz.is_finite()
            && self.network_clock_ghz > 0.0
            && self.network_clock_ghz <= 1000.0)
        {
            return Err(Error::config(
                origin,
                "network_clock_ghz",
                format!("{} is out of range", self.network_clock_ghz),
            )
            .allowed("a number in (0, 1000]"));
        }
        let mesh = parse_mesh(origin, &self.mesh)?;
        for (name, p) in &self.points {
            positive(
                origin,
                &format!("points.{name}.compute_tflops"),
                p.compute_tflops,
            )?;
            positive(
                origin,
                &format!("points.{name}.link_bandwidth_gbytes_per_s"),
                p.link_bandwidth_gbytes_per_s,
            )?;
        }
        let point = match &self.point {
            Some(name) => Some((
                name.clone(),
                *self.points.get(name).ok_or_else(|| {
                    Error::config(origin, "point", format!("unknown point `{name}`"))
                        .allowed(self.point_names())
                })?,
            )),
            None => None,
        };
        let missing = |key: &str| {
            Error::config(origin, key, "not set, and no `point` is selected").allowed(format!(
                "a number > 0, or point = one of: {}",
                self.point_names()
            ))
        };
        let compute = match (self.node.compute_tflops, &point) {
            (Some(v), _) => v,
            (None, Some((_, p))) => p.compute_tflops,
            (None, None) => return Err(missing("node.compute_tflops")),
        };
        let link_bw = match (self.link.bandwidth_gbytes_per_s, &point) {
            (Some(v), _) => v,
            (None, Some((_, p))) => p.link_bandwidth_gbytes_per_s,
            (None, None) => return Err(missing("link.bandwidth_gbytes_per_s")),
        };
        positive(origin, "node.compute_tflops", compute)?;
        positive(origin, "link.bandwidth_gbytes_per_s", link_bw)?;
        non_negative(origin, "link.latency_ns", self.link.latency_ns)?;
        self.node.memory.validate(origin)?;
        let explicit =
            self.node.compute_tflops.is_some() || self.link.bandwidth_gbytes_per_s.is_some();
        let label = match (&point, explicit) {
            (Some((n, _)), false) => n.clone(),
            (Some((n, _)), true) => format!("{n} with explicit overrides"),
            (None, _) => "explicit".to_string(),
        };
        Ok(Resolved {
            mesh,
            compute_tflops: compute,
            link_bandwidth_gbytes_per_s: link_bw,
            point: label,
        })
    }
}

impl MemoryConfig {
    fn validate(&self, origin: &str) -> Result<()> {
        count(origin, "node.memory.vaults", self.vaults, 4096)?;
        positive(
            origin,
            "node.memory.vault_bandwidth_gbytes_per_s",
            self.vault_bandwidth_gbytes_per_s,
        )?;
        positive(
            origin,
            "node.memory.vertical_bandwidth_gbytes_per_s",
            self.vertical_bandwidth_gbytes_per_s,
        )?;
        positive(origin, "node.memory.capacity_gib", self.capacity_gib)?;
        if let Some(name) = &self.dram_preset {
            let names = moesim_memory::dram::presets::preset_names();
            if !names.contains(&name.as_str()) {
                return Err(Error::config(
                    origin,
                    "node.memory.dram_preset",
                    format!("unknown moesim-memory preset `{name}`"),
                )
                .allowed(names.join(", ")));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use moesim_core::config::from_toml_str;

    const BASE: &str = r#"
name = "t"
mesh = "4x8"
[node.memory]
vaults = 4
vault_bandwidth_gbytes_per_s = 10.0
vertical_bandwidth_gbytes_per_s = 30.0
capacity_gib = 1.0
[link]
latency_ns = 1.0
[points.a]
compute_tflops = 1.0
link_bandwidth_gbytes_per_s = 2.0
"#;

    fn resolve(extra_top: &str, tail: &str) -> Result<Resolved> {
        let c: NmpConfig = from_toml_str("n.toml", &format!("{extra_top}{BASE}{tail}"))?;
        c.resolve("n.toml")
    }

    #[test]
    fn mesh_strings() {
        assert_eq!(parse_mesh("f", "4x8").unwrap(), MeshShape::new(4, 8));
        assert_eq!(parse_mesh("f", " 8X8 ").unwrap(), MeshShape::new(8, 8));
        for bad in ["0x4", "4x", "4*8", "x", "-1x4", "300x2", ""] {
            let e = parse_mesh("f.toml", bad).unwrap_err().to_string();
            assert!(
                e.starts_with("f.toml: key `mesh`") && e.contains("4x4, 4x8, 8x8"),
                "{e}"
            );
        }
    }

    #[test]
    fn point_and_explicit_numbers() {
        let r = resolve("point = \"a\"\n", "").unwrap();
        assert_eq!(
            (r.compute_tflops, r.link_bandwidth_gbytes_per_s),
            (1.0, 2.0)
        );
        assert_eq!(r.point, "a");
        let e = resolve("point = \"b\"\n", "").unwrap_err().to_string();
        assert!(e.contains("key `point`") && e.contains("allowed: a"), "{e}");
        let e = resolve("", "").unwrap_err().to_string();
        assert!(
            e.contains("node.compute_tflops") && e.contains("point = one of: a"),
            "{e}"
        );
    }

    #[test]
    fn explicit_numbers_win_over_the_point() {
        let text = format!("point = \"a\"\n{BASE}").replace(
            "[link]\nlatency_ns = 1.0",
            "[link]\nlatency_ns = 1.0\nbandwidth_gbytes_per_s = 7.0",
        );
        let c: NmpConfig = from_toml_str("n.toml", &text).unwrap();
        let r = c.resolve("n.toml").unwrap();
        assert_eq!(
            (r.compute_tflops, r.link_bandwidth_gbytes_per_s),
            (1.0, 7.0)
        );
        assert_eq!(r.point, "a with explicit overrides");
    }

    #[test]
    fn bad_numbers_name_their_keys() {
        let e = resolve("point = \"a\"\n", "")
            .and_then(|_| {
                let text = format!("point = \"a\"\n{BASE}").replace("vaults = 4", "vaults = 0");
                from_toml_str::<NmpConfig>("n.toml", &text)?.resolve("n.toml")
            })
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("node.memory.vaults") && e.contains("1..=4096"),
            "{e}"
        );
        let text = format!("point = \"a\"\n{BASE}").replace(
            "link_bandwidth_gbytes_per_s = 2.0",
            "link_bandwidth_gbytes_per_s = -2.0",
        );
        let e = from_toml_str::<NmpConfig>("n.toml", &text)
            .unwrap()
            .resolve("n.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("points.a.link_bandwidth_gbytes_per_s"), "{e}");
        let text = format!("point = \"a\"\n{BASE}").replace(
            "capacity_gib = 1.0",
            "capacity_gib = 1.0\ndram_preset = \"ddr9\"",
        );
        let e = from_toml_str::<NmpConfig>("n.toml", &text)
            .unwrap()
            .resolve("n.toml")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("node.memory.dram_preset") && e.contains("hybrid_bonded_3d"),
            "{e}"
        );
    }
}
