//! Table-based fault-tolerant routing: for every destination router, the shortest paths that
//! obey a turn model ([`TurnModel`]) and avoid failed links and routers, found by a
//! breadth-first search backwards from the destination over (router, arrival port) states.
//!
//! The table keeps, for each (destination router, router, arrival port), the set of output
//! ports that start a shortest legal path. With `adaptive = true` all of them are candidates;
//! otherwise only the lowest-numbered port (east, west, north, south), so X moves are preferred.
//! Every path the table can produce obeys the turn model, whose channel dependency graph is
//! acyclic on any subset of the channels: the routing is deadlock-free with one VC class.
//! Memory is `routers^2 * 5` bytes, so tables are limited to [`MAX_TABLE_ROUTERS`] routers.

use super::turns::{TurnModel, TurnRule, turn_allowed};
use super::{RouteCandidate, RoutingFunction, eject};
use crate::topology::{GRID_NET_PORTS, Link, PortId, Topology};
use moesim_core::{Error, NodeId, Result, RouterId};
use std::collections::VecDeque;

/// The largest network the table routing is built for.
pub const MAX_TABLE_ROUTERS: usize = 4096;

/// Arrival slots per router: the four grid ports plus injection.
const SLOTS: usize = GRID_NET_PORTS as usize + 1;
const INJECT: usize = GRID_NET_PORTS as usize;
const UNREACHED: u16 = u16::MAX;

/// Shortest legal paths under a turn model, as a next-hop table.
#[derive(Clone, Debug)]
pub struct FaultTolerantRouting {
    pub turn_model: TurnModel,
    pub adaptive: bool,
    num_routers: usize,
    /// `masks[(dst * R + router) * SLOTS + slot]`: bit `p` set if output port `p` starts a
    /// shortest legal path.
    masks: Vec<u8>,
}

fn slot_of(in_port: PortId) -> usize {
    if in_port < GRID_NET_PORTS {
        in_port as usize
    } else {
        INJECT
    }
}

/// The link a packet in arrival `slot` of `r` came in on (`None` at injection or if the port has
/// no working link).
fn arrival(topo: &Topology, r: RouterId, slot: usize) -> Option<Option<&Link>> {
    if slot == INJECT {
        return Some(None);
    }
    let l = topo.router(r).in_links.get(slot).copied().flatten()?;
    let l = topo.link(l);
    (!l.failed).then_some(Some(l))
}

impl FaultTolerantRouting {
    /// Builds the table for `topo`; `origin` names the configuration for errors.
    pub fn new(
        topo: &Topology,
        turn_model: TurnModel,
        adaptive: bool,
        origin: &str,
    ) -> Result<FaultTolerantRouting> {
        let n = topo.num_routers();
        if n > MAX_TABLE_ROUTERS {
            return Err(Error::config(
                origin,
                "routing.kind",
                format!("fault_tolerant routing tables for {n} routers are too large"),
            )
            .allowed(format!("at most {MAX_TABLE_ROUTERS} routers")));
        }
        let rule = turn_model.rule(topo);
        let mut masks = vec![0u8; n * n * SLOTS];
        let mut dist = vec![UNREACHED; n * SLOTS];
        for d in topo.active_routers().map(|r| r.id) {
            distances_to(topo, rule.as_ref(), d, &mut dist);
            for r in topo.active_routers().filter(|r| r.id != d) {
                if dist[r.id.index() * SLOTS + INJECT] == UNREACHED {
                    return Err(Error::config(
                        origin,
                        topo.faults.keys(),
                        format!(
                            "routing.kind = \"fault_tolerant\" with turn_model = \"{}\" has no \
                             legal path from router ({}) to router ({}) around the failures",
                            turn_model.name(),
                            r.coord,
                            topo.router(d).coord
                        ),
                    )
                    .allowed(
                        "failures that leave a legal path between every pair of surviving \
                         routers, or routing.turn_model = \"up_down\"",
                    ));
                }
                for slot in 0..SLOTS {
                    let here = dist[r.id.index() * SLOTS + slot];
                    let Some(in_link) = arrival(topo, r.id, slot) else {
                        continue;
                    };
                    if here == UNREACHED || here == 0 {
                        continue;
                    }
                    let mut m = 0u8;
                    for l in r.out_links.iter().flatten().map(|l| topo.link(*l)) {
                        if l.failed || !turn_allowed(rule.as_ref(), topo, in_link, l) {
                            continue;
                        }
                        if dist[l.dst.index() * SLOTS + slot_of(l.dst_port)] == here - 1 {
                            m |= 1 << l.src_port;
                        }
                    }
                    if !adaptive {
                        m &= m.wrapping_neg();
                    }
                    masks[(d.index() * n + r.id.index()) * SLOTS + slot] = m;
                }
            }
        }
        Ok(FaultTolerantRouting {
            turn_model,
            adaptive,
            num_routers: n,
            masks,
        })
    }

    /// The output-port bit mask for a packet at `router` that arrived on `in_port`, bound for
    /// router `dst` (0 at the destination router and for states no legal path reaches).
    pub fn mask(&self, dst: RouterId, router: RouterId, in_port: PortId) -> u8 {
        self.masks
            .get((dst.index() * self.num_routers + router.index()) * SLOTS + slot_of(in_port))
            .copied()
            .unwrap_or(0)
    }
}

/// Fills `dist` (indexed `router * SLOTS + slot`) with the number of hops of the shortest legal
/// path from each (router, arrival slot) state to router `d`.
fn distances_to(topo: &Topology, rule: &dyn TurnRule, d: RouterId, dist: &mut [u16]) {
    dist.fill(UNREACHED);
    let mut queue = VecDeque::new();
    for slot in 0..SLOTS {
        dist[d.index() * SLOTS + slot] = 0;
        queue.push_back((d, slot));
    }
    while let Some((v, slot)) = queue.pop_front() {
        // Predecessors of "at v, arrived on link l": states of l's source that may take l.
        let Some(Some(l)) = arrival(topo, v, slot) else {
            continue;
        };
        let u = l.src;
        if topo.router(u).failed {
            continue;
        }
        let next = dist[v.index() * SLOTS + slot].saturating_add(1);
        for s in 0..SLOTS {
            let i = u.index() * SLOTS + s;
            if dist[i] != UNREACHED {
                continue;
            }
            let Some(in_link) = arrival(topo, u, s) else {
                continue;
            };
            if turn_allowed(rule, topo, in_link, l) {
                dist[i] = next;
                queue.push_back((u, s));
            }
        }
    }
}

impl RoutingFunction for FaultTolerantRouting {
    fn name(&self) -> &'static str {
        "fault_tolerant"
    }
    fn is_deterministic(&self) -> bool {
        // The table depends on the arrival port as well as on (router, destination).
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
        let d = topo.terminal(dst).router;
        if d == router {
            out.push(eject(topo, dst, num_vcs));
            return;
        }
        let m = self.mask(d, router, in_port);
        for p in 0..GRID_NET_PORTS {
            if m & (1 << p) != 0 {
                out.push(RouteCandidate {
                    out_port: p,
                    vc_lo: 0,
                    vc_hi: num_vcs.saturating_sub(1),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::Direction;
    use crate::topology::faults::{Faults, apply_faults};
    use crate::topology::mesh::build_mesh;
    use moesim_core::{Coord, MeshShape};

    #[test]
    fn table_detours_around_a_failed_link() {
        let mut t = build_mesh(MeshShape::new(3, 3), 1, 1);
        let f = Faults {
            links: vec![[0, 1, 1, 1]],
            ..Faults::default()
        };
        apply_faults(&mut t, &f, "t").unwrap();
        let r = FaultTolerantRouting::new(&t, TurnModel::UpDown, true, "t").unwrap();
        let (from, to) = (t.router_at(Coord::new(0, 1)), t.router_at(Coord::new(1, 1)));
        let m = r.mask(to, from, INJECT as PortId);
        // East is gone; the detour goes north or south first.
        assert_eq!(m & (1 << Direction::East.port()), 0);
        assert_ne!(m, 0);
        let det = FaultTolerantRouting::new(&t, TurnModel::UpDown, false, "t").unwrap();
        assert_eq!(det.mask(to, from, INJECT as PortId).count_ones(), 1);
    }

    #[test]
    fn odd_even_table_is_minimal_on_a_fault_free_mesh() {
        let t = build_mesh(MeshShape::new(4, 4), 1, 1);
        let r = FaultTolerantRouting::new(&t, TurnModel::OddEven, true, "t").unwrap();
        // (0,0) -> (3,3): both east and north start a minimal legal path.
        let m = r.mask(RouterId(15), RouterId(0), INJECT as PortId);
        assert_eq!(
            m,
            (1 << Direction::East.port()) | (1 << Direction::North.port())
        );
    }
}
