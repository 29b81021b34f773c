//! Up*/down* (Autonet): a breadth-first spanning tree of the surviving routers orders them by
//! (depth, id); a channel towards a smaller (depth, id) goes up. A legal path takes zero or more
//! up channels, then zero or more down channels: a down-to-up turn is forbidden. Up channels
//! strictly decrease and down channels strictly increase the order, so no cycle of
//! dependencies can form, on any connected topology.

use super::TurnRule;
use crate::topology::{Link, Topology};
use moesim_core::RouterId;
use std::collections::VecDeque;

/// Up*/down* over a BFS tree rooted at the surviving router closest to the grid centre (the
/// smallest id on a tie), which keeps the tree shallow.
#[derive(Clone, Debug)]
pub struct UpDownTurns {
    /// BFS depth of each router (`u32::MAX` for failed or unreachable routers).
    pub depth: Vec<u32>,
    pub root: Option<RouterId>,
}

impl UpDownTurns {
    pub fn new(topo: &Topology) -> UpDownTurns {
        let (w, h) = (topo.shape.x as i64, topo.shape.y as i64);
        let root = topo
            .active_routers()
            .min_by_key(|r| {
                let (x, y) = (r.coord.x as i64, r.coord.y as i64);
                ((2 * x - (w - 1)).abs() + (2 * y - (h - 1)).abs(), r.id)
            })
            .map(|r| r.id);
        let mut depth = vec![u32::MAX; topo.routers.len()];
        if let Some(root) = root {
            depth[root.index()] = 0;
            let mut queue = VecDeque::from([root]);
            while let Some(r) = queue.pop_front() {
                for l in topo.router(r).out_links.iter().flatten() {
                    let l = topo.link(*l);
                    if !l.failed && depth[l.dst.index()] == u32::MAX {
                        depth[l.dst.index()] = depth[r.index()] + 1;
                        queue.push_back(l.dst);
                    }
                }
            }
        }
        UpDownTurns { depth, root }
    }

    /// Whether `l` goes up (towards the root in the (depth, id) order).
    pub fn is_up(&self, l: &Link) -> bool {
        (self.depth[l.dst.index()], l.dst) < (self.depth[l.src.index()], l.src)
    }
}

impl TurnRule for UpDownTurns {
    fn name(&self) -> &'static str {
        "up_down"
    }
    fn allows(&self, _topo: &Topology, in_link: Option<&Link>, out_link: &Link) -> bool {
        !(in_link.is_some_and(|l| !self.is_up(l)) && self.is_up(out_link))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::Direction;
    use crate::topology::mesh::build_mesh;
    use moesim_core::{Coord, MeshShape};

    #[test]
    fn root_is_central_and_down_to_up_is_forbidden() {
        let t = build_mesh(MeshShape::new(3, 3), 1, 1);
        let ud = UpDownTurns::new(&t);
        assert_eq!(ud.root, Some(t.router_at(Coord::new(1, 1))));
        assert_eq!(ud.depth[0], 2);
        let up = t.link_towards(RouterId(1), Direction::North).unwrap(); // (1,0) -> (1,1)
        let down = t.link_towards(RouterId(4), Direction::East).unwrap(); // (1,1) -> (2,1)
        assert!(ud.is_up(up) && !ud.is_up(down));
        assert!(ud.allows(&t, Some(up), down));
        let up2 = t.link_towards(RouterId(5), Direction::West).unwrap(); // (2,1) -> (1,1)
        assert!(!ud.allows(&t, Some(down), up2));
    }
}
