//! Failed links, routers and dies on grid topologies.
//!
//! A failed link (`failed_links = [[x1, y1, x2, y2], ...]`) fails every channel between the two
//! grid-adjacent routers, both directions. A failed router (`failed_routers = [[x, y], ...]`)
//! fails with all its channels; a failed die (`failed_dies = [[dx, dy], ...]`, mesh of dies only,
//! die coordinates) fails all its routers. Failed elements stay in the graph with
//! `failed = true`, so link and node ids do not move; the terminals of failed routers are not
//! active (see [`Topology::active_nodes`]). The surviving routers must stay connected.

use super::mesh::neighbour;
use super::{Direction, GridLayout, Topology};
use moesim_core::{Coord, Error, MeshShape, Result, RouterId};
use petgraph::graph::DiGraph;
use petgraph::visit::Bfs;
use serde::{Deserialize, Serialize};

/// The failures as configured, in global router (or die) coordinates.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Faults {
    /// `[x1, y1, x2, y2]`: the channels between two grid-adjacent routers.
    pub links: Vec<[u32; 4]>,
    /// `[x, y]`: a router.
    pub routers: Vec<[u32; 2]>,
    /// `[dx, dy]`: a die, in die coordinates.
    pub dies: Vec<[u32; 2]>,
}

impl Faults {
    pub fn is_empty(&self) -> bool {
        self.links.is_empty() && self.routers.is_empty() && self.dies.is_empty()
    }
    /// The configuration keys that list failures, e.g. `topology.failed_links`, joined by " and ".
    pub fn keys(&self) -> String {
        let mut k = Vec::new();
        if !self.links.is_empty() {
            k.push("topology.failed_links");
        }
        if !self.routers.is_empty() {
            k.push("topology.failed_routers");
        }
        if !self.dies.is_empty() {
            k.push("topology.failed_dies");
        }
        if k.is_empty() {
            "topology".to_string()
        } else {
            k.join(" and ")
        }
    }
}

/// Checks that every listed failure names an existing element of the grid.
pub fn validate_faults(
    faults: &Faults,
    shape: MeshShape,
    layout: GridLayout,
    wraparound: bool,
    origin: &str,
) -> Result<()> {
    for (i, l) in faults.links.iter().enumerate() {
        let (a, b) = (Coord::new(l[0], l[1]), Coord::new(l[2], l[3]));
        let adjacent = shape.contains(a)
            && shape.contains(b)
            && Direction::ALL
                .iter()
                .any(|&d| neighbour(shape, a, d, wraparound) == Some(b));
        if !adjacent {
            return Err(Error::config(
                origin,
                format!("topology.failed_links[{i}]"),
                format!(
                    "[{}, {}, {}, {}] does not name two neighbouring routers",
                    l[0], l[1], l[2], l[3]
                ),
            )
            .allowed(format!(
                "[x1, y1, x2, y2] with both routers inside the {shape} grid and one hop apart{}",
                if wraparound {
                    " (wraparound included)"
                } else {
                    ""
                }
            )));
        }
    }
    for (i, r) in faults.routers.iter().enumerate() {
        if !shape.contains(Coord::new(r[0], r[1])) {
            return Err(Error::config(
                origin,
                format!("topology.failed_routers[{i}]"),
                format!("[{}, {}] is outside the grid", r[0], r[1]),
            )
            .allowed(format!("[x, y] with x < {} and y < {}", shape.x, shape.y)));
        }
    }
    let dies = MeshShape::new(shape.x / layout.die.x.max(1), shape.y / layout.die.y.max(1));
    for (i, d) in faults.dies.iter().enumerate() {
        if !dies.contains(Coord::new(d[0], d[1])) {
            return Err(Error::config(
                origin,
                format!("topology.failed_dies[{i}]"),
                format!("[{}, {}] is outside the die grid", d[0], d[1]),
            )
            .allowed(format!(
                "[dx, dy] with dx < {} and dy < {} (die coordinates)",
                dies.x, dies.y
            )));
        }
    }
    Ok(())
}

/// Marks the failures of `faults` (already validated) in `topo`, records them in
/// `topo.faults`, and checks that the surviving routers are still connected.
pub fn apply_faults(topo: &mut Topology, faults: &Faults, origin: &str) -> Result<()> {
    for l in &faults.links {
        let (a, b) = (
            topo.router_at(Coord::new(l[0], l[1])),
            topo.router_at(Coord::new(l[2], l[3])),
        );
        for link in &mut topo.links {
            if (link.src == a && link.dst == b) || (link.src == b && link.dst == a) {
                link.failed = true;
            }
        }
    }
    let mut dead: Vec<RouterId> = faults
        .routers
        .iter()
        .map(|r| topo.router_at(Coord::new(r[0], r[1])))
        .collect();
    for d in &faults.dies {
        let (w, h) = (topo.layout.die.x, topo.layout.die.y);
        for y in d[1] * h..(d[1] + 1) * h {
            for x in d[0] * w..(d[0] + 1) * w {
                dead.push(topo.router_at(Coord::new(x, y)));
            }
        }
    }
    for r in dead {
        topo.routers[r.index()].failed = true;
    }
    for link in &mut topo.links {
        if topo.routers[link.src.index()].failed || topo.routers[link.dst.index()].failed {
            link.failed = true;
        }
    }
    topo.faults = faults.clone();
    check_connected(topo, origin)
}

/// Errors unless every surviving router can reach every other over surviving links.
pub fn check_connected(topo: &Topology, origin: &str) -> Result<()> {
    let Some(first) = topo.active_routers().next().map(|r| r.id) else {
        return Err(
            Error::config(origin, topo.faults.keys(), "every router has failed")
                .allowed("a fault set that leaves at least one router"),
        );
    };
    let mut g = DiGraph::<(), ()>::with_capacity(topo.routers.len(), topo.links.len());
    for _ in &topo.routers {
        g.add_node(());
    }
    for l in topo.links.iter().filter(|l| !l.failed) {
        g.add_edge(l.src.0.into(), l.dst.0.into(), ());
    }
    let mut seen = vec![false; topo.routers.len()];
    let mut bfs = Bfs::new(&g, first.0.into());
    while let Some(n) = bfs.next(&g) {
        seen[n.index()] = true;
    }
    if let Some(r) = topo.active_routers().find(|r| !seen[r.id.index()]) {
        return Err(Error::config(
            origin,
            topo.faults.keys(),
            format!(
                "the failed set disconnects the surviving routers: ({}) cannot reach ({})",
                topo.router(first).coord,
                r.coord
            ),
        )
        .allowed("failures that leave the surviving routers connected"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::mesh::build_mesh;

    #[test]
    fn failed_router_takes_its_links_and_terminals_down() {
        let mut t = build_mesh(MeshShape::new(3, 3), 2, 1);
        let f = Faults {
            routers: vec![[1, 1]],
            ..Faults::default()
        };
        apply_faults(&mut t, &f, "x").unwrap();
        assert_eq!(t.links.iter().filter(|l| l.failed).count(), 8);
        assert_eq!(t.active_nodes().len(), 16);
        assert!(!t.is_node_active(moesim_core::NodeId(8)));
        assert!(t.has_faults());
    }

    #[test]
    fn disconnecting_set_is_an_error_naming_the_key() {
        let mut t = build_mesh(MeshShape::new(3, 3), 1, 1);
        let f = Faults {
            links: vec![[0, 0, 1, 0], [0, 0, 0, 1]],
            ..Faults::default()
        };
        let e = apply_faults(&mut t, &f, "x").unwrap_err().to_string();
        assert!(
            e.contains("topology.failed_links") && e.contains("disconnects"),
            "{e}"
        );
    }

    #[test]
    fn non_adjacent_link_is_rejected() {
        let s = MeshShape::new(4, 4);
        let f = Faults {
            links: vec![[0, 0, 1, 0], [0, 0, 2, 0]],
            ..Faults::default()
        };
        let e = validate_faults(&f, s, GridLayout::single(s), false, "x")
            .unwrap_err()
            .to_string();
        assert!(e.contains("topology.failed_links[1]"), "{e}");
        // On a torus, the wraparound pair is adjacent.
        let f = Faults {
            links: vec![[0, 0, 3, 0]],
            ..Faults::default()
        };
        validate_faults(&f, s, GridLayout::single(s), true, "x").unwrap();
        assert!(validate_faults(&f, s, GridLayout::single(s), false, "x").is_err());
    }
}
