//! Builds a [`Topology`] from its configuration section.

use super::Topology;
use super::faults::apply_faults;
use super::mesh::build_mesh;
use super::mesh_of_dies::{LinkClass, MeshOfDiesSpec, build_mesh_of_dies};
use super::torus::build_torus;
use crate::config::TopologyConfig;
use moesim_core::{MeshShape, Result};

/// Builds the topology described by `cfg` (from `origin`), after validating it; applies the
/// configured failures and errors (naming the key) if they disconnect the surviving routers.
pub fn build(cfg: &TopologyConfig, origin: &str) -> Result<Topology> {
    cfg.validate(origin)?;
    let mut topo = match cfg {
        TopologyConfig::Mesh {
            x,
            y,
            concentration,
            link_latency_cycles,
        } => build_mesh(MeshShape::new(*x, *y), *concentration, *link_latency_cycles),
        TopologyConfig::FaultyMesh(g) => build_mesh(
            MeshShape::new(g.x, g.y),
            g.concentration,
            g.link_latency_cycles,
        ),
        TopologyConfig::Torus(g) => build_torus(
            MeshShape::new(g.x, g.y),
            g.concentration,
            g.link_latency_cycles,
        ),
        TopologyConfig::MeshOfDies(m) => build_mesh_of_dies(&MeshOfDiesSpec {
            wafer: MeshShape::new(m.x, m.y),
            die: MeshShape::new(m.die_x, m.die_y),
            wafers: MeshShape::new(m.wafers_x, m.wafers_y),
            concentration: m.concentration,
            on_die: LinkClass {
                latency_cycles: m.link_latency_cycles,
                cycles_per_flit: 1,
            },
            d2d: LinkClass {
                latency_cycles: m.d2d_latency_cycles,
                cycles_per_flit: m.d2d_cycles_per_flit,
            },
            w2w: LinkClass {
                latency_cycles: m.w2w_latency_cycles,
                cycles_per_flit: m.w2w_cycles_per_flit,
            },
        }),
    };
    let faults = cfg.faults();
    if !faults.is_empty() {
        apply_faults(&mut topo, &faults, origin)?;
    }
    Ok(topo)
}

#[cfg(test)]
mod tests {
    use super::*;
    use moesim_core::config::from_toml_str;

    #[test]
    fn builds_each_kind_from_toml() {
        for (text, routers, links) in [
            ("kind = \"mesh\"\nx = 4\ny = 2\n", 8, 2 * 3 * 2 + 2 * 4),
            ("kind = \"torus\"\nx = 4\ny = 3\n", 12, 4 * 12),
            (
                "kind = \"mesh_of_dies\"\nx = 4\ny = 4\ndie_x = 2\ndie_y = 2\nwafers_x = 2\n",
                32,
                2 * 7 * 4 + 2 * 8 * 3,
            ),
        ] {
            let c: TopologyConfig = from_toml_str("t", text).unwrap();
            let t = build(&c, "t").unwrap();
            assert_eq!((t.num_routers(), t.links.len()), (routers, links), "{text}");
        }
    }

    #[test]
    fn failed_die_fails_its_routers() {
        let c: TopologyConfig = from_toml_str(
            "t",
            "kind = \"mesh_of_dies\"\nx = 4\ny = 4\ndie_x = 2\ndie_y = 2\nfailed_dies = [[1, 1]]\n",
        )
        .unwrap();
        let t = build(&c, "t").unwrap();
        assert_eq!(t.routers.iter().filter(|r| r.failed).count(), 4);
        assert_eq!(t.active_nodes().len(), 12);
        assert!(t.routers[15].failed && !t.routers[0].failed);
    }
}
