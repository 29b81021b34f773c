//! Mesh of dies on one or more wafers.
//!
//! A wafer is an `x` x `y` router mesh cut into dies of `die_x` x `die_y` routers. Wafers sit
//! side by side in a `wafers_x` x `wafers_y` arrangement and the routers of all wafers form one
//! global grid of `(x * wafers_x) x (y * wafers_y)` routers, numbered in BookSim order over the
//! global grid, so dimension-order routing and heatmaps work unchanged.
//!
//! Every pair of grid-adjacent routers is joined by one channel in each direction:
//! - both routers in the same die: an on-die link (`link_latency_cycles`, one flit per cycle);
//! - same wafer, different dies: a die-to-die (D2D) link (`d2d_latency_cycles`,
//!   `d2d_cycles_per_flit`);
//! - different wafers: a wafer-to-wafer (W2W) link (`w2w_latency_cycles`, `w2w_cycles_per_flit`).
//!   Wafers are joined along their facing edges, router by router: the east-edge router in row
//!   `j` of one wafer connects to the west-edge router in row `j` of the wafer to its east, and
//!   the north-edge router in column `i` to the south-edge router in column `i` of the wafer
//!   above. A wafer-boundary edge of `n` routers therefore carries `n` W2W links each way.

use super::mesh::build_grid;
use super::{GridLayout, LinkKind, Topology};
use moesim_core::MeshShape;

/// The latency and width of one class of link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkClass {
    pub latency_cycles: u32,
    /// Cycles between two flits (1 = full width).
    pub cycles_per_flit: u32,
}

/// The parameters of a mesh of dies (already validated: non-zero, the die divides the wafer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MeshOfDiesSpec {
    /// Routers per wafer.
    pub wafer: MeshShape,
    /// Routers per die.
    pub die: MeshShape,
    /// Wafers in each dimension.
    pub wafers: MeshShape,
    pub concentration: u32,
    pub on_die: LinkClass,
    pub d2d: LinkClass,
    pub w2w: LinkClass,
}

/// Builds the global router grid of all wafers and classifies every link.
pub fn build_mesh_of_dies(spec: &MeshOfDiesSpec) -> Topology {
    let shape = MeshShape::new(spec.wafer.x * spec.wafers.x, spec.wafer.y * spec.wafers.y);
    let mut topo = build_grid(shape, spec.concentration, spec.on_die.latency_cycles, false);
    let layout = GridLayout {
        die: spec.die,
        wafer: spec.wafer,
    };
    for l in &mut topo.links {
        let (a, b) = (
            topo.routers[l.src.index()].coord,
            topo.routers[l.dst.index()].coord,
        );
        l.kind = layout.link_kind(a, b);
        let class = match l.kind {
            LinkKind::OnDie => spec.on_die,
            LinkKind::DieToDie => spec.d2d,
            LinkKind::WaferToWafer => spec.w2w,
        };
        l.latency_cycles = class.latency_cycles;
        l.cycles_per_flit = class.cycles_per_flit;
    }
    topo.layout = layout;
    let c = if spec.concentration == 1 {
        String::new()
    } else {
        format!(" c={}", spec.concentration)
    };
    topo.name = if spec.wafers.len() == 1 {
        format!("mesh_of_dies {shape} (dies {}){c}", spec.die)
    } else {
        format!(
            "mesh_of_dies {shape} ({} wafers of {}, dies {}){c}",
            spec.wafers, spec.wafer, spec.die
        )
    };
    topo
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::Direction;
    use moesim_core::Coord;

    fn spec() -> MeshOfDiesSpec {
        MeshOfDiesSpec {
            wafer: MeshShape::new(4, 4),
            die: MeshShape::new(2, 2),
            wafers: MeshShape::new(2, 1),
            concentration: 1,
            on_die: LinkClass {
                latency_cycles: 1,
                cycles_per_flit: 1,
            },
            d2d: LinkClass {
                latency_cycles: 3,
                cycles_per_flit: 2,
            },
            w2w: LinkClass {
                latency_cycles: 10,
                cycles_per_flit: 4,
            },
        }
    }

    #[test]
    fn links_are_classified_by_die_and_wafer_boundaries() {
        let t = build_mesh_of_dies(&spec());
        assert_eq!(t.shape, MeshShape::new(8, 4));
        let kind = |x, y, d| {
            let l = t.link_towards(t.router_at(Coord::new(x, y)), d).unwrap();
            (l.kind, l.latency_cycles, l.cycles_per_flit)
        };
        assert_eq!(kind(0, 0, Direction::East), (LinkKind::OnDie, 1, 1));
        assert_eq!(kind(1, 0, Direction::East), (LinkKind::DieToDie, 3, 2));
        assert_eq!(kind(2, 0, Direction::West), (LinkKind::DieToDie, 3, 2));
        assert_eq!(kind(3, 2, Direction::East), (LinkKind::WaferToWafer, 10, 4));
        assert_eq!(kind(4, 2, Direction::West), (LinkKind::WaferToWafer, 10, 4));
        assert_eq!(kind(5, 1, Direction::North), (LinkKind::DieToDie, 3, 2));
        // One W2W link each way per row of the facing edge.
        let w2w = t
            .links
            .iter()
            .filter(|l| l.kind == LinkKind::WaferToWafer)
            .count();
        assert_eq!(w2w, 2 * 4);
        assert_eq!(t.name, "mesh_of_dies 8x4 (2x1 wafers of 4x4, dies 2x2)");
    }
}
