//! Topology and routing sections of the NoC configuration.

use super::range_err;
use crate::routing::TurnModel;
use crate::topology::faults::{Faults, validate_faults};
use crate::topology::{GridLayout, MAX_CONCENTRATION, MAX_NODES, MAX_ROUTERS};
use moesim_core::{Error, MeshShape, Result};
use serde::{Deserialize, Serialize};

/// The network's shape. Selected by `kind` (`mesh`, `torus`, `mesh_of_dies`).
///
/// Every grid topology accepts `failed_links` (`[[x1, y1, x2, y2], ...]`, grid-adjacent router
/// pairs, both directions fail) and `failed_routers` (`[[x, y], ...]`); `mesh_of_dies` also
/// accepts `failed_dies` (`[[dx, dy], ...]` in die coordinates). Coordinates are global
/// router-grid coordinates. A `kind = "mesh"` section with failures reads into
/// [`TopologyConfig::FaultyMesh`], one without into [`TopologyConfig::Mesh`]; both write back
/// as `kind = "mesh"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(from = "TopologyRepr", into = "TopologyRepr")]
pub enum TopologyConfig {
    /// X x Y mesh (BookSim `topology = mesh`, `k`, `n = 2`, `c`), no failures.
    Mesh {
        x: u32,
        y: u32,
        concentration: u32,
        /// Router-to-router channel latency (BookSim: 1 with `use_noc_latency = 1`).
        link_latency_cycles: u32,
    },
    /// X x Y mesh with failed links or routers (`kind = "mesh"` in TOML).
    FaultyMesh(GridConfig),
    /// X x Y torus: a mesh whose rows and columns wrap around (BookSim `topology = torus`).
    Torus(GridConfig),
    /// Wafers of meshes of dies with distinct die-to-die and wafer-to-wafer links.
    MeshOfDies(MeshOfDiesConfig),
}

/// An X x Y grid of routers (mesh or torus).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridConfig {
    pub x: u32,
    pub y: u32,
    /// Terminals per router (BookSim `c`).
    #[serde(default = "one")]
    pub concentration: u32,
    /// Channel latency, torus wraparound channels included (a folded torus).
    #[serde(default = "one")]
    pub link_latency_cycles: u32,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed_links: Vec<[u32; 4]>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed_routers: Vec<[u32; 2]>,
}

impl Default for GridConfig {
    fn default() -> Self {
        GridConfig {
            x: 8,
            y: 8,
            concentration: 1,
            link_latency_cycles: 1,
            failed_links: Vec::new(),
            failed_routers: Vec::new(),
        }
    }
}

/// `wafers_x` x `wafers_y` wafers, each an `x` x `y` router mesh cut into dies of
/// `die_x` x `die_y` routers. Links inside a die are on-die; links crossing a die boundary are
/// die-to-die (D2D); links crossing a wafer boundary are wafer-to-wafer (W2W). The routers form
/// one global grid of `(x * wafers_x) x (y * wafers_y)`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeshOfDiesConfig {
    /// Routers per wafer along x.
    pub x: u32,
    /// Routers per wafer along y.
    pub y: u32,
    /// Routers per die along x (must divide `x`).
    #[serde(default = "one")]
    pub die_x: u32,
    /// Routers per die along y (must divide `y`).
    #[serde(default = "one")]
    pub die_y: u32,
    #[serde(default = "one")]
    pub wafers_x: u32,
    #[serde(default = "one")]
    pub wafers_y: u32,
    #[serde(default = "one")]
    pub concentration: u32,
    /// Latency of a link inside a die (one flit per cycle wide).
    #[serde(default = "one")]
    pub link_latency_cycles: u32,
    #[serde(default = "one")]
    pub d2d_latency_cycles: u32,
    /// Cycles per flit on a D2D link (2 = half the on-die width).
    #[serde(default = "one")]
    pub d2d_cycles_per_flit: u32,
    #[serde(default = "one")]
    pub w2w_latency_cycles: u32,
    #[serde(default = "one")]
    pub w2w_cycles_per_flit: u32,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed_links: Vec<[u32; 4]>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed_routers: Vec<[u32; 2]>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed_dies: Vec<[u32; 2]>,
}

impl Default for MeshOfDiesConfig {
    fn default() -> Self {
        MeshOfDiesConfig {
            x: 8,
            y: 8,
            die_x: 1,
            die_y: 1,
            wafers_x: 1,
            wafers_y: 1,
            concentration: 1,
            link_latency_cycles: 1,
            d2d_latency_cycles: 1,
            d2d_cycles_per_flit: 1,
            w2w_latency_cycles: 1,
            w2w_cycles_per_flit: 1,
            failed_links: Vec::new(),
            failed_routers: Vec::new(),
            failed_dies: Vec::new(),
        }
    }
}

/// The TOML form of [`TopologyConfig`]: `kind` plus the fields of the kind's struct.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum TopologyRepr {
    Mesh(GridConfig),
    Torus(GridConfig),
    MeshOfDies(MeshOfDiesConfig),
}

const TOPOLOGY_KINDS: &[&str] = &["mesh", "torus", "mesh_of_dies"];

/// Reads `kind`, then the kind's struct from the other keys, naming the offending field in the
/// error (a derived internally tagged enum would lose it).
impl<'de> Deserialize<'de> for TopologyRepr {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        use serde::de::Error as _;
        let mut map = serde_json::Map::<String, serde_json::Value>::deserialize(d)?;
        let kind = map
            .remove("kind")
            .ok_or_else(|| D::Error::missing_field("kind"))?;
        let kind = kind
            .as_str()
            .ok_or_else(|| D::Error::custom("`kind` must be a string"))?
            .to_string();
        let rest = serde_json::Value::Object(map);
        fn fields<T: serde::de::DeserializeOwned, E: serde::de::Error>(
            v: serde_json::Value,
        ) -> std::result::Result<T, E> {
            serde_path_to_error::deserialize(v).map_err(|e| {
                let path = e.path().to_string();
                if path == "." {
                    E::custom(e.into_inner())
                } else {
                    E::custom(format!("field `{path}`: {}", e.into_inner()))
                }
            })
        }
        match kind.as_str() {
            "mesh" => fields(rest).map(TopologyRepr::Mesh),
            "torus" => fields(rest).map(TopologyRepr::Torus),
            "mesh_of_dies" => fields(rest).map(TopologyRepr::MeshOfDies),
            other => Err(D::Error::unknown_variant(other, TOPOLOGY_KINDS)),
        }
    }
}

impl From<TopologyRepr> for TopologyConfig {
    fn from(r: TopologyRepr) -> Self {
        match r {
            TopologyRepr::Mesh(g) if g.failed_links.is_empty() && g.failed_routers.is_empty() => {
                TopologyConfig::Mesh {
                    x: g.x,
                    y: g.y,
                    concentration: g.concentration,
                    link_latency_cycles: g.link_latency_cycles,
                }
            }
            TopologyRepr::Mesh(g) => TopologyConfig::FaultyMesh(g),
            TopologyRepr::Torus(g) => TopologyConfig::Torus(g),
            TopologyRepr::MeshOfDies(m) => TopologyConfig::MeshOfDies(m),
        }
    }
}

impl From<TopologyConfig> for TopologyRepr {
    fn from(c: TopologyConfig) -> Self {
        match c {
            TopologyConfig::Mesh {
                x,
                y,
                concentration,
                link_latency_cycles,
            } => TopologyRepr::Mesh(GridConfig {
                x,
                y,
                concentration,
                link_latency_cycles,
                ..GridConfig::default()
            }),
            TopologyConfig::FaultyMesh(g) => TopologyRepr::Mesh(g),
            TopologyConfig::Torus(g) => TopologyRepr::Torus(g),
            TopologyConfig::MeshOfDies(m) => TopologyRepr::MeshOfDies(m),
        }
    }
}

impl Default for TopologyConfig {
    fn default() -> Self {
        TopologyConfig::mesh(8, 8)
    }
}

/// The routing function. Selected by `kind`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RoutingConfig {
    /// Dimension order, X then Y (BookSim `dor`). Mesh and mesh of dies.
    #[default]
    Dor,
    /// Dimension order, Y then X. Mesh and mesh of dies.
    DorYx,
    /// Minimal dimension order on a torus with dateline VC classes (BookSim `dim_order_torus`);
    /// needs `router.num_vcs >= 2`.
    TorusDor,
    /// Minimal adaptive west-first (Glass and Ni). Mesh and mesh of dies.
    WestFirst,
    /// Minimal adaptive odd-even (Chiu). Mesh and mesh of dies.
    OddEven,
    /// Table routing over the shortest paths that obey `turn_model` and avoid failed links and
    /// routers; all such next hops (`adaptive = true`) or the first in port order.
    FaultTolerant {
        #[serde(default)]
        turn_model: TurnModel,
        #[serde(default)]
        adaptive: bool,
    },
}

impl RoutingConfig {
    /// The `kind` name.
    pub const fn kind_name(&self) -> &'static str {
        match self {
            RoutingConfig::Dor => "dor",
            RoutingConfig::DorYx => "dor_yx",
            RoutingConfig::TorusDor => "torus_dor",
            RoutingConfig::WestFirst => "west_first",
            RoutingConfig::OddEven => "odd_even",
            RoutingConfig::FaultTolerant { .. } => "fault_tolerant",
        }
    }

    /// The fewest VCs per port this routing function needs.
    pub const fn min_vcs(&self) -> u32 {
        match self {
            RoutingConfig::TorusDor => 2,
            _ => 1,
        }
    }

    /// Checks the routing choice against the router's VC count (`router.num_vcs`).
    pub fn validate(&self, origin: &str, num_vcs: u32) -> Result<()> {
        if num_vcs < self.min_vcs() {
            return Err(Error::config(
                origin,
                "router.num_vcs",
                format!(
                    "{num_vcs} VC(s) is too few for routing.kind = \"{}\"",
                    self.kind_name()
                ),
            )
            .allowed(format!(
                "router.num_vcs >= {} (one VC class before and one after the dateline)",
                self.min_vcs()
            )));
        }
        Ok(())
    }
}

fn one() -> u32 {
    1
}

impl TopologyConfig {
    /// An X x Y mesh, one terminal per router, 1-cycle links, no failures.
    pub fn mesh(x: u32, y: u32) -> TopologyConfig {
        TopologyConfig::Mesh {
            x,
            y,
            concentration: 1,
            link_latency_cycles: 1,
        }
    }

    /// An X x Y torus, one terminal per router, 1-cycle links, no failures.
    pub fn torus(x: u32, y: u32) -> TopologyConfig {
        TopologyConfig::Torus(GridConfig {
            x,
            y,
            ..GridConfig::default()
        })
    }

    /// The `kind` name.
    pub const fn kind_name(&self) -> &'static str {
        match self {
            TopologyConfig::Mesh { .. } | TopologyConfig::FaultyMesh(_) => "mesh",
            TopologyConfig::Torus(_) => "torus",
            TopologyConfig::MeshOfDies(_) => "mesh_of_dies",
        }
    }

    /// The global router grid (all wafers together for `mesh_of_dies`). Saturates instead of
    /// overflowing; `validate` rejects such sizes.
    pub fn grid_shape(&self) -> MeshShape {
        match self {
            TopologyConfig::Mesh { x, y, .. } => MeshShape::new(*x, *y),
            TopologyConfig::FaultyMesh(g) | TopologyConfig::Torus(g) => MeshShape::new(g.x, g.y),
            TopologyConfig::MeshOfDies(m) => MeshShape::new(
                m.x.saturating_mul(m.wafers_x),
                m.y.saturating_mul(m.wafers_y),
            ),
        }
    }

    /// Whether grid links wrap around.
    pub const fn wraparound(&self) -> bool {
        matches!(self, TopologyConfig::Torus(_))
    }

    /// Terminals per router.
    pub const fn concentration(&self) -> u32 {
        match self {
            TopologyConfig::Mesh { concentration, .. } => *concentration,
            TopologyConfig::FaultyMesh(g) | TopologyConfig::Torus(g) => g.concentration,
            TopologyConfig::MeshOfDies(m) => m.concentration,
        }
    }

    /// The die and wafer tiling of the grid.
    pub fn layout(&self) -> GridLayout {
        match self {
            TopologyConfig::MeshOfDies(m) => GridLayout {
                die: MeshShape::new(m.die_x, m.die_y),
                wafer: MeshShape::new(m.x, m.y),
            },
            _ => GridLayout::single(self.grid_shape()),
        }
    }

    /// The failed links, routers and dies as configured.
    pub fn faults(&self) -> Faults {
        match self {
            TopologyConfig::Mesh { .. } => Faults::default(),
            TopologyConfig::FaultyMesh(g) | TopologyConfig::Torus(g) => Faults {
                links: g.failed_links.clone(),
                routers: g.failed_routers.clone(),
                dies: Vec::new(),
            },
            TopologyConfig::MeshOfDies(m) => Faults {
                links: m.failed_links.clone(),
                routers: m.failed_routers.clone(),
                dies: m.failed_dies.clone(),
            },
        }
    }

    /// Checks every value after parsing; `origin` names the file the config came from.
    pub fn validate(&self, origin: &str) -> Result<()> {
        let (x, y, concentration, latency) = match self {
            TopologyConfig::Mesh {
                x,
                y,
                concentration,
                link_latency_cycles,
            } => (*x, *y, *concentration, *link_latency_cycles),
            TopologyConfig::FaultyMesh(g) | TopologyConfig::Torus(g) => {
                (g.x, g.y, g.concentration, g.link_latency_cycles)
            }
            TopologyConfig::MeshOfDies(m) => {
                m.validate_links(origin)?;
                (m.x, m.y, m.concentration, m.link_latency_cycles)
            }
        };
        at_least_one(origin, "topology.link_latency_cycles", latency)?;
        if x == 0 || y == 0 {
            return Err(range_err(
                origin,
                "topology.x/y",
                format!("{x}x{y}"),
                "at least 1 router in each dimension",
            ));
        }
        if let TopologyConfig::MeshOfDies(m) = self {
            m.validate_tiles(origin)?;
        }
        if concentration == 0 || concentration > MAX_CONCENTRATION {
            return Err(range_err(
                origin,
                "topology.concentration",
                concentration,
                &format!("an integer in 1..={MAX_CONCENTRATION}"),
            ));
        }
        let routers = self.total_routers();
        if routers > MAX_ROUTERS as u64 {
            return Err(range_err(
                origin,
                "topology.x/y",
                format!("{routers} routers"),
                &format!("at most {MAX_ROUTERS} routers in all"),
            ));
        }
        if routers.saturating_mul(concentration as u64) > MAX_NODES as u64 {
            return Err(range_err(
                origin,
                "topology.concentration",
                format!("{} terminals", routers * concentration as u64),
                &format!("at most {MAX_NODES} terminals in all"),
            ));
        }
        validate_faults(
            &self.faults(),
            self.grid_shape(),
            self.layout(),
            self.wraparound(),
            origin,
        )
    }

    /// Routers in all, computed without overflow.
    fn total_routers(&self) -> u64 {
        let g = |x: u32, y: u32| x as u64 * y as u64;
        match self {
            TopologyConfig::Mesh { x, y, .. } => g(*x, *y),
            TopologyConfig::FaultyMesh(c) | TopologyConfig::Torus(c) => g(c.x, c.y),
            TopologyConfig::MeshOfDies(m) => g(m.x, m.y).saturating_mul(g(m.wafers_x, m.wafers_y)),
        }
    }
}

impl MeshOfDiesConfig {
    fn validate_links(&self, origin: &str) -> Result<()> {
        for (key, v) in [
            ("topology.die_x", self.die_x),
            ("topology.die_y", self.die_y),
            ("topology.wafers_x", self.wafers_x),
            ("topology.wafers_y", self.wafers_y),
            ("topology.d2d_latency_cycles", self.d2d_latency_cycles),
            ("topology.d2d_cycles_per_flit", self.d2d_cycles_per_flit),
            ("topology.w2w_latency_cycles", self.w2w_latency_cycles),
            ("topology.w2w_cycles_per_flit", self.w2w_cycles_per_flit),
        ] {
            at_least_one(origin, key, v)?;
        }
        Ok(())
    }

    fn validate_tiles(&self, origin: &str) -> Result<()> {
        for (key, whole, tile) in [
            ("topology.die_x", self.x, self.die_x),
            ("topology.die_y", self.y, self.die_y),
        ] {
            if whole % tile != 0 {
                return Err(Error::config(
                    origin,
                    key,
                    format!(
                        "{tile} is a die tile that does not divide the mesh \
                         ({whole} routers per wafer in this dimension)"
                    ),
                )
                .allowed(format!("a divisor of {whole}")));
            }
        }
        Ok(())
    }
}

fn at_least_one(origin: &str, key: &str, v: u32) -> Result<()> {
    if v == 0 {
        return Err(range_err(origin, key, v, "an integer >= 1"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use moesim_core::config::from_toml_str;

    fn parse(text: &str) -> Result<TopologyConfig> {
        let c: TopologyConfig = from_toml_str("t.toml", text)?;
        c.validate("t.toml")?;
        Ok(c)
    }

    #[test]
    fn mesh_of_dies_parses_with_defaults() {
        let c =
            parse("kind = \"mesh_of_dies\"\nx = 8\ny = 8\nwafers_x = 2\nwafers_y = 2\n").unwrap();
        assert_eq!(c.grid_shape(), MeshShape::new(16, 16));
        assert_eq!(c.layout().die, MeshShape::new(1, 1));
    }

    #[test]
    fn unknown_key_in_a_variant_is_rejected() {
        let e = parse("kind = \"torus\"\nx = 4\ny = 4\nfailed_link = []\n").unwrap_err();
        let s = e.to_string();
        assert!(
            s.contains("failed_link") && s.contains("failed_links"),
            "{s}"
        );
    }

    #[test]
    fn die_tile_must_divide_the_mesh() {
        let e = parse("kind = \"mesh_of_dies\"\nx = 8\ny = 6\ndie_x = 2\ndie_y = 4\n").unwrap_err();
        let s = e.to_string();
        assert!(
            s.contains("topology.die_y") && s.contains("a die tile that does not divide the mesh"),
            "{s}"
        );
    }

    #[test]
    fn zero_and_huge_shapes_are_errors() {
        for text in [
            "kind = \"mesh\"\nx = 0\ny = 4\n",
            "kind = \"torus\"\nx = 4\ny = 0\n",
            "kind = \"mesh_of_dies\"\nx = 0\ny = 0\n",
            "kind = \"mesh\"\nx = 100000\ny = 100000\n",
            "kind = \"mesh_of_dies\"\nx = 4294967295\ny = 4294967295\nwafers_x = 4294967295\n",
            "kind = \"mesh\"\nx = 4\ny = 4\nconcentration = 0\n",
            "kind = \"mesh_of_dies\"\nx = 4\ny = 4\nd2d_cycles_per_flit = 0\n",
        ] {
            let e = parse(text).unwrap_err();
            assert!(e.to_string().contains("key `topology."), "{e}");
        }
    }

    #[test]
    fn torus_dor_needs_two_vcs() {
        let r: RoutingConfig = from_toml_str("r", "kind = \"torus_dor\"\n").unwrap();
        let e = r.validate("r", 1).unwrap_err().to_string();
        assert!(e.contains("router.num_vcs") && e.contains(">= 2"), "{e}");
        r.validate("r", 2).unwrap();
        let f: RoutingConfig = from_toml_str(
            "r",
            "kind = \"fault_tolerant\"\nturn_model = \"up_down\"\nadaptive = true\n",
        )
        .unwrap();
        assert_eq!(
            f,
            RoutingConfig::FaultTolerant {
                turn_model: TurnModel::UpDown,
                adaptive: true
            }
        );
    }
}
