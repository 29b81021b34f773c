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
