//! Minimal adaptive odd-even routing (Chiu, "The odd-even turn model for adaptive routing",
//! IEEE TPDS 2000) on a mesh.
//!
//! Turn rules: in an even column (x even) a packet travelling east may not turn north or
//! south; in an odd column a packet travelling north or south may not turn west. These rules
//! leave the channel dependency graph acyclic with one VC class. The routing function is Chiu's
//! ROUTE, with "the packet is still in its source column" read as "the packet did not arrive
//! travelling east", which is the turn it guards against.

use super::{RouteCandidate, RoutingFunction, any_vc, eject, travel_direction};
use crate::topology::{Direction, PortId, Topology};
use moesim_core::{NodeId, RouterId};

/// Minimal adaptive odd-even routing; any VC may be used.
#[derive(Clone, Copy, Debug, Default)]
pub struct OddEvenRouting;

impl RoutingFunction for OddEvenRouting {
    fn name(&self) -> &'static str {
        "odd_even"
    }
    fn is_deterministic(&self) -> bool {
        false
    }
    fn route(
        &self,
        topo: &Topology,
        router: RouterId,
        in_port: PortId,
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
        let vertical = match d.y.cmp(&c.y) {
            std::cmp::Ordering::Greater => Some(Direction::North),
            std::cmp::Ordering::Less => Some(Direction::South),
            std::cmp::Ordering::Equal => None,
        };
        let odd_column = c.x % 2 == 1;
        if d.x == c.x {
            // Only a vertical move is left (the EN/ES turn here was ruled out upstream).
            if let Some(v) = vertical {
                out.push(any_vc(v, num_vcs));
            }
        } else if d.x > c.x {
            let Some(v) = vertical else {
                out.push(any_vc(Direction::East, num_vcs));
                return;
            };
            if odd_column || travel_direction(in_port) != Some(Direction::East) {
                out.push(any_vc(v, num_vcs));
            }
            if d.x % 2 == 1 || d.x - c.x != 1 {
                out.push(any_vc(Direction::East, num_vcs));
            }
        } else {
            out.push(any_vc(Direction::West, num_vcs));
            if let Some(v) = vertical
                && !odd_column
            {
                out.push(any_vc(v, num_vcs));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::mesh::build_mesh;
    use moesim_core::{Coord, MeshShape};

    fn ports(t: &Topology, from: Coord, in_port: PortId, to: Coord) -> Vec<Direction> {
        let mut v = Vec::new();
        let dst = NodeId(t.router_at(to).0);
        OddEvenRouting.route(t, t.router_at(from), in_port, 0, dst, 2, &mut v);
        v.iter()
            .filter_map(|c| Direction::from_port(c.out_port))
            .collect()
    }

    #[test]
    fn odd_even_turn_rules() {
        use Direction::*;
        let t = build_mesh(MeshShape::new(6, 6), 1, 1);
        // Eastbound in an even column, arrived travelling east: no turn north.
        assert_eq!(
            ports(&t, Coord::new(2, 0), West.port(), Coord::new(5, 3)),
            [East]
        );
        // Same place at injection: both.
        assert_eq!(
            ports(&t, Coord::new(2, 0), 4, Coord::new(5, 3)),
            [North, East]
        );
        // One column short of an even destination column: turn first.
        assert_eq!(
            ports(&t, Coord::new(3, 0), West.port(), Coord::new(4, 3)),
            [North]
        );
        // Westbound in an odd column: west only; in an even column: west or south.
        assert_eq!(ports(&t, Coord::new(3, 3), 4, Coord::new(0, 0)), [West]);
        assert_eq!(
            ports(&t, Coord::new(4, 3), 4, Coord::new(0, 0)),
            [West, South]
        );
    }
}
