//! Minimal adaptive west-first routing (Glass and Ni's turn model) on a mesh.
//!
//! A packet whose destination lies to the west goes west first, deterministically; otherwise it
//! may take any productive direction among east, north and south. The two turns into the west
//! (north-to-west, south-to-west) never happen, which breaks both abstract cycles of the mesh,
//! so the channel dependency graph is acyclic and one VC class suffices.

use super::{RouteCandidate, RoutingFunction, any_vc, eject};
use crate::topology::{Direction, PortId, Topology};
use moesim_core::{NodeId, RouterId};

/// Minimal adaptive west-first routing; any VC may be used.
#[derive(Clone, Copy, Debug, Default)]
pub struct WestFirstRouting;

impl RoutingFunction for WestFirstRouting {
    fn name(&self) -> &'static str {
        "west_first"
    }
    fn is_deterministic(&self) -> bool {
        false
    }
    fn route(
        &self,
        topo: &Topology,
        router: RouterId,
        _in_port: PortId,
        _in_vc: u8,
        dst: NodeId,
        num_vcs: u8,
        out: &mut Vec<RouteCandidate>,
    ) {
        let c = topo.router(router).coord;
        let d = topo.node_coord(dst);
        if c == d {
            out.push(eject(topo, dst, num_vcs));
            return;
        }
        if d.x < c.x {
            out.push(any_vc(Direction::West, num_vcs));
            return;
        }
        if d.x > c.x {
            out.push(any_vc(Direction::East, num_vcs));
        }
        if d.y > c.y {
            out.push(any_vc(Direction::North, num_vcs));
        } else if d.y < c.y {
            out.push(any_vc(Direction::South, num_vcs));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::mesh::build_mesh;
    use moesim_core::{Coord, MeshShape};

    fn ports(t: &Topology, from: Coord, to: Coord) -> Vec<PortId> {
        let mut v = Vec::new();
        let dst = NodeId(t.router_at(to).0);
        WestFirstRouting.route(t, t.router_at(from), 4, 0, dst, 2, &mut v);
        v.iter().map(|c| c.out_port).collect()
    }

    #[test]
    fn west_is_deterministic_east_is_adaptive() {
        let t = build_mesh(MeshShape::new(4, 4), 1, 1);
        let p = |d: Direction| d.port();
        assert_eq!(
            ports(&t, Coord::new(2, 1), Coord::new(0, 3)),
            [p(Direction::West)]
        );
        assert_eq!(
            ports(&t, Coord::new(0, 3), Coord::new(2, 1)),
            [p(Direction::East), p(Direction::South)]
        );
        assert_eq!(
            ports(&t, Coord::new(1, 0), Coord::new(1, 2)),
            [p(Direction::North)]
        );
        assert_eq!(ports(&t, Coord::new(1, 2), Coord::new(1, 2)), [4]);
    }
}
