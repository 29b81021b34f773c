//! Minimal dimension-order routing on a torus with dateline VC classes (BookSim's
//! `dim_order_torus`).
//!
//! X is corrected first, then Y, each the shorter way round (east/north on a tie). The VCs of a
//! port are split into two classes, `[0, n/2)` and `[n/2, n)`. A packet uses class 0 in a
//! dimension until it takes that dimension's wraparound channel (the dateline) and class 1 on
//! the wraparound channel and for the rest of the dimension; turning into the next dimension
//! starts again in class 0. Within a ring, class-0 channels depend only on class-0 channels
//! further along and never across the dateline, class-1 channels only on class-1 channels past
//! it, and a minimal route crosses each dateline at most once; X channels depend on Y channels
//! and never the reverse. The channel dependency graph is therefore acyclic: deadlock-free with
//! at least two VCs.

use super::{RouteCandidate, RoutingFunction, eject, travel_direction};
use crate::topology::{Direction, PortId, Topology};
use moesim_core::{NodeId, RouterId};

/// Dateline dimension-order routing on a torus (X first).
#[derive(Clone, Copy, Debug, Default)]
pub struct TorusDorRouting;

/// The direction to correct `from` towards `to` in a ring of `k`, shorter way first (the
/// positive direction on a tie); `None` if they are equal.
fn ring_step(from: u32, to: u32, k: u32, plus: Direction, minus: Direction) -> Option<Direction> {
    if from == to {
        return None;
    }
    let ahead = (to + k - from) % k;
    Some(if 2 * ahead <= k { plus } else { minus })
}

/// The next direction for minimal X-then-Y routing on a torus.
pub fn torus_direction(topo: &Topology, router: RouterId, dst: NodeId) -> Option<Direction> {
    let c = topo.router(router).coord;
    let d = topo.node_coord(dst);
    ring_step(c.x, d.x, topo.shape.x, Direction::East, Direction::West)
        .or_else(|| ring_step(c.y, d.y, topo.shape.y, Direction::North, Direction::South))
}

impl RoutingFunction for TorusDorRouting {
    fn name(&self) -> &'static str {
        "torus_dor"
    }
    fn is_deterministic(&self) -> bool {
        // The VC class depends on the input VC, not only on (router, destination).
        false
    }
    fn min_vcs(&self) -> u8 {
        2
    }
    fn route(
        &self,
        topo: &Topology,
        router: RouterId,
        in_port: PortId,
        in_vc: u8,
        dst: NodeId,
        num_vcs: u8,
        out: &mut Vec<RouteCandidate>,
    ) {
        let Some(dir) = torus_direction(topo, router, dst) else {
            out.push(eject(topo, dst, num_vcs));
            return;
        };
        let half = num_vcs / 2;
        let top = num_vcs.saturating_sub(1);
        if half == 0 {
            // Too few VCs for classes (rejected by `build_with_vcs`): no class split.
            out.push(RouteCandidate {
                out_port: dir.port(),
                vc_lo: 0,
                vc_hi: top,
            });
            return;
        }
        let crosses = topo
            .link_towards(router, dir)
            .is_some_and(|l| topo.is_wrap_link(l));
        let crossed = travel_direction(in_port) == Some(dir) && in_vc >= half;
        let (vc_lo, vc_hi) = if crosses || crossed {
            (half, top)
        } else {
            (0, half - 1)
        };
        out.push(RouteCandidate {
            out_port: dir.port(),
            vc_lo,
            vc_hi,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::torus::build_torus;
    use moesim_core::{Coord, MeshShape};

    #[test]
    fn shorter_way_round_and_dateline_classes() {
        let t = build_torus(MeshShape::new(8, 8), 1, 1);
        let r = TorusDorRouting;
        let mut v = Vec::new();
        let at = |x, y| t.router_at(Coord::new(x, y));
        let node = |x, y| NodeId(t.router_at(Coord::new(x, y)).0);
        // (6,0) -> (1,0): east across the wraparound, class 1 on it.
        r.route(
            &t,
            at(7, 0),
            Direction::West.port(),
            0,
            node(1, 0),
            4,
            &mut v,
        );
        assert_eq!(v[0].out_port, Direction::East.port());
        assert_eq!((v[0].vc_lo, v[0].vc_hi), (2, 3));
        v.clear();
        // After the wrap it stays in class 1 while it keeps going east.
        r.route(
            &t,
            at(0, 0),
            Direction::West.port(),
            2,
            node(1, 0),
            4,
            &mut v,
        );
        assert_eq!((v[0].vc_lo, v[0].vc_hi), (2, 3));
        v.clear();
        // Turning north resets to class 0.
        r.route(
            &t,
            at(1, 0),
            Direction::West.port(),
            3,
            node(1, 2),
            4,
            &mut v,
        );
        assert_eq!(v[0].out_port, Direction::North.port());
        assert_eq!((v[0].vc_lo, v[0].vc_hi), (0, 1));
        v.clear();
        // (1,0) -> (6,0) goes west across the wraparound.
        r.route(&t, at(1, 0), 4, 0, node(6, 0), 4, &mut v);
        assert_eq!(v[0].out_port, Direction::West.port());
        assert_eq!((v[0].vc_lo, v[0].vc_hi), (0, 1));
    }
}
