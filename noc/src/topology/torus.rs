//! k-ary 2-cube (X x Y torus): the mesh plus one wraparound channel in each direction per row
//! and per column. A dimension of size 1 has no channels; a dimension of size 2 has two
//! channels per direction between the same pair of routers (one of them the wraparound).

use super::Topology;
use super::mesh::build_grid;
use moesim_core::MeshShape;

/// Builds an X x Y torus of routers with `concentration` terminals each; every channel (the
/// wraparound ones included, as in a folded torus) is `latency_cycles` long and one flit per
/// cycle wide. Callers validate `shape` and `concentration` first.
pub fn build_torus(shape: MeshShape, concentration: u32, latency_cycles: u32) -> Topology {
    build_grid(shape, concentration, latency_cycles, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::Direction;
    use moesim_core::RouterId;

    #[test]
    fn torus_wraps_and_every_router_has_four_links() {
        let t = build_torus(MeshShape::new(4, 3), 1, 1);
        assert_eq!(t.links.len(), 4 * 12);
        let l = t.link_towards(RouterId(3), Direction::East).unwrap();
        assert_eq!(l.dst, RouterId(0));
        assert!(t.is_wrap_link(l));
        let l = t.link_towards(RouterId(0), Direction::South).unwrap();
        assert_eq!(l.dst, RouterId(8));
        assert!(t.is_wrap_link(l));
        assert!(!t.is_wrap_link(t.link_towards(RouterId(0), Direction::East).unwrap()));
        assert_eq!(t.name, "torus 4x3");
    }

    #[test]
    fn size_one_dimension_has_no_links() {
        let t = build_torus(MeshShape::new(5, 1), 1, 1);
        assert_eq!(t.links.len(), 2 * 5);
        assert!(t.link_towards(RouterId(0), Direction::North).is_none());
    }
}
