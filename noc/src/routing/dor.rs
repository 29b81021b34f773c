//! Dimension-order routing on a mesh: X first then Y (BookSim's `dor`), or Y first then X.

use super::{RouteCandidate, RoutingFunction};
use crate::topology::{Direction, PortId, Topology};
use moesim_core::{NodeId, RouterId};

/// Which dimension goes first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DimensionOrder {
    XFirst,
    YFirst,
}

/// Deterministic, minimal dimension-order routing; any VC may be used.
#[derive(Clone, Copy, Debug)]
pub struct DimensionOrderRouting {
    pub order: DimensionOrder,
}

impl DimensionOrderRouting {
    pub fn xy() -> Self {
        DimensionOrderRouting {
            order: DimensionOrder::XFirst,
        }
    }
    pub fn yx() -> Self {
        DimensionOrderRouting {
            order: DimensionOrder::YFirst,
        }
    }
}

/// The next direction for dimension-order routing on a mesh, `None` at the destination router.
pub fn dor_direction(
    topo: &Topology,
    router: RouterId,
    dst: NodeId,
    order: DimensionOrder,
) -> Option<Direction> {
    let c = topo.router(router).coord;
    let d = topo.node_coord(dst);
    let x_step = match d.x.cmp(&c.x) {
        std::cmp::Ordering::Greater => Some(Direction::East),
        std::cmp::Ordering::Less => Some(Direction::West),
        std::cmp::Ordering::Equal => None,
    };
    let y_step = match d.y.cmp(&c.y) {
        std::cmp::Ordering::Greater => Some(Direction::North),
        std::cmp::Ordering::Less => Some(Direction::South),
        std::cmp::Ordering::Equal => None,
    };
    match order {
        DimensionOrder::XFirst => x_step.or(y_step),
        DimensionOrder::YFirst => y_step.or(x_step),
    }
}

impl RoutingFunction for DimensionOrderRouting {
    fn name(&self) -> &'static str {
        match self.order {
            DimensionOrder::XFirst => "dor",
            DimensionOrder::YFirst => "dor_yx",
        }
    }
    fn is_deterministic(&self) -> bool {
        true
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
        let out_port = match dor_direction(topo, router, dst, self.order) {
            Some(d) => d.port(),
            None => topo.terminal(dst).port,
        };
        out.push(RouteCandidate {
            out_port,
            vc_lo: 0,
            vc_hi: num_vcs.saturating_sub(1),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::mesh::build_mesh;
    use moesim_core::MeshShape;

    #[test]
    fn xy_goes_x_first() {
        let t = build_mesh(MeshShape::new(4, 4), 1, 1);
        let r = DimensionOrderRouting::xy();
        let mut v = Vec::new();
        // from (0,0) to (2,3): east first
        r.route(&t, RouterId(0), 4, 0, NodeId(14), 4, &mut v);
        assert_eq!(v[0].out_port, Direction::East.port());
        v.clear();
        DimensionOrderRouting::yx().route(&t, RouterId(0), 4, 0, NodeId(14), 4, &mut v);
        assert_eq!(v[0].out_port, Direction::North.port());
        v.clear();
        r.route(&t, RouterId(14), 2, 0, NodeId(14), 4, &mut v);
        assert_eq!(v[0].out_port, 4);
    }
}
