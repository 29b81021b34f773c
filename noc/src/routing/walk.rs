//! Follows every candidate a routing function offers, from every active source to every active
//! destination, over (router, input port, input VC) states. It checks that every walk ends at
//! the destination's ejection port without touching a failed or missing link, measures the
//! fewest and most hops over all walks, and collects the channel dependencies (which channel a
//! packet may hold while it requests which) for the deadlock check in [`super::cdg`].

use super::{RouteCandidate, RoutingFunction};
use crate::topology::{PortId, Topology};
use moesim_core::{Coord, LinkId, NodeId, RouterId};
use std::collections::BTreeSet;
use std::fmt;

/// A channel of the dependency graph: a link and a VC on it.
pub type Channel = (LinkId, u8);

/// Why following the candidates failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RouteFault {
    /// No candidate at a router other than the destination's.
    NoCandidate { at: Coord, dst: NodeId },
    /// A candidate leaves on a failed link or into a failed router.
    FailedLink {
        at: Coord,
        link: LinkId,
        dst: NodeId,
    },
    /// A candidate names a port with no link (or ejects at the wrong router).
    NoLink {
        at: Coord,
        port: PortId,
        dst: NodeId,
    },
    /// A candidate's VC range is empty or beyond the VC count.
    BadVc { at: Coord, dst: NodeId },
    /// At the destination's router the candidates are not exactly its ejection port.
    WrongEject { at: Coord, dst: NodeId },
    /// Some walk revisits a state: a packet may circle forever.
    Loop { at: Coord, dst: NodeId },
}

impl fmt::Display for RouteFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RouteFault::NoCandidate { at, dst } => {
                write!(f, "no candidate at router ({at}) for node {dst}")
            }
            RouteFault::FailedLink { at, link, dst } => write!(
                f,
                "router ({at}) sends node {dst}'s packets over failed link {link}"
            ),
            RouteFault::NoLink { at, port, dst } => write!(
                f,
                "router ({at}) sends node {dst}'s packets to port {port}, which has no link"
            ),
            RouteFault::BadVc { at, dst } => {
                write!(f, "router ({at}) offers a bad VC range for node {dst}")
            }
            RouteFault::WrongEject { at, dst } => write!(
                f,
                "router ({at}) does not eject node {dst}'s packets on its terminal port"
            ),
            RouteFault::Loop { at, dst } => {
                write!(f, "packets for node {dst} can circle through router ({at})")
            }
        }
    }
}

/// The result of walking every pair.
#[derive(Clone, Debug, Default)]
pub struct RouteWalk {
    pub num_vcs: u8,
    /// `hops[dst_router][src_router]`: the fewest and most router-to-router hops over every walk
    /// (`None` where either router is failed or has no terminal).
    pub hops: Vec<Vec<Option<(u32, u32)>>>,
    /// Channel dependencies `(held, requested)`, when collected.
    pub dependencies: BTreeSet<(Channel, Channel)>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mark {
    Unseen,
    Active,
    Done(u32, u32),
}

struct Explorer<'a> {
    topo: &'a Topology,
    rf: &'a dyn RoutingFunction,
    num_vcs: u8,
    ports: usize,
    dst: NodeId,
    dst_router: RouterId,
    marks: Vec<Mark>,
    deps: Option<&'a mut BTreeSet<(Channel, Channel)>>,
}

impl Explorer<'_> {
    fn index(&self, r: RouterId, port: PortId, vc: u8) -> usize {
        (r.index() * self.ports + port as usize) * self.num_vcs as usize + vc as usize
    }

    fn visit(&mut self, r: RouterId, in_port: PortId, in_vc: u8) -> Result<(u32, u32), RouteFault> {
        let i = self.index(r, in_port, in_vc);
        let at = self.topo.router(r).coord;
        let dst = self.dst;
        match self.marks[i] {
            Mark::Done(a, b) => return Ok((a, b)),
            Mark::Active => return Err(RouteFault::Loop { at, dst }),
            Mark::Unseen => {}
        }
        let mut cands: Vec<RouteCandidate> = Vec::new();
        self.rf
            .route(self.topo, r, in_port, in_vc, dst, self.num_vcs, &mut cands);
        if r == self.dst_router {
            let port = self.topo.terminal(dst).port;
            if cands.len() != 1 || cands[0].out_port != port {
                return Err(RouteFault::WrongEject { at, dst });
            }
            self.marks[i] = Mark::Done(0, 0);
            return Ok((0, 0));
        }
        if cands.is_empty() {
            return Err(RouteFault::NoCandidate { at, dst });
        }
        self.marks[i] = Mark::Active;
        let held = self
            .topo
            .router(r)
            .in_links
            .get(in_port as usize)
            .copied()
            .flatten();
        let (mut lo, mut hi) = (u32::MAX, 0);
        for c in cands {
            if c.vc_lo > c.vc_hi || c.vc_hi >= self.num_vcs {
                return Err(RouteFault::BadVc { at, dst });
            }
            let Some(l) = self
                .topo
                .router(r)
                .out_links
                .get(c.out_port as usize)
                .copied()
                .flatten()
            else {
                return Err(RouteFault::NoLink {
                    at,
                    port: c.out_port,
                    dst,
                });
            };
            let link = self.topo.link(l);
            if link.failed || self.topo.router(link.dst).failed {
                return Err(RouteFault::FailedLink { at, link: l, dst });
            }
            let (next, next_port) = (link.dst, link.dst_port);
            for vc in c.vc_lo..=c.vc_hi {
                if let (Some(h), Some(deps)) = (held, self.deps.as_deref_mut()) {
                    deps.insert(((h, in_vc), (l, vc)));
                }
                let (a, b) = self.visit(next, next_port, vc)?;
                lo = lo.min(a + 1);
                hi = hi.max(b + 1);
            }
        }
        self.marks[i] = Mark::Done(lo, hi);
        Ok((lo, hi))
    }
}

/// Walks every candidate path from every active source router to the router of `dst`; returns
/// the (fewest, most) hops per source router (`None` for inactive routers) and adds channel
/// dependencies to `deps` if given.
pub fn walk_to(
    topo: &Topology,
    rf: &dyn RoutingFunction,
    num_vcs: u8,
    dst: NodeId,
    deps: Option<&mut BTreeSet<(Channel, Channel)>>,
) -> Result<Vec<Option<(u32, u32)>>, RouteFault> {
    let num_vcs = num_vcs.max(1);
    let ports = topo
        .routers
        .iter()
        .map(|r| r.num_ports())
        .max()
        .unwrap_or(0);
    let mut ex = Explorer {
        topo,
        rf,
        num_vcs,
        ports,
        dst,
        dst_router: topo.terminal(dst).router,
        marks: vec![Mark::Unseen; topo.routers.len() * ports * num_vcs as usize],
        deps,
    };
    let mut hops = vec![None; topo.routers.len()];
    for r in topo.active_routers() {
        let Some(port) = topo.first_terminal_port(r.id) else {
            continue;
        };
        let (mut lo, mut hi) = (u32::MAX, 0);
        for vc in 0..num_vcs {
            let (a, b) = ex.visit(r.id, port, vc)?;
            lo = lo.min(a);
            hi = hi.max(b);
        }
        hops[r.id.index()] = Some((lo, hi));
    }
    Ok(hops)
}

/// Walks every active pair (one destination node per active router); collects the channel
/// dependencies if `with_dependencies`.
pub fn walk_all(
    topo: &Topology,
    rf: &dyn RoutingFunction,
    num_vcs: u8,
    with_dependencies: bool,
) -> Result<RouteWalk, RouteFault> {
    let mut walk = RouteWalk {
        num_vcs,
        hops: vec![Vec::new(); topo.routers.len()],
        dependencies: BTreeSet::new(),
    };
    for r in topo.active_routers() {
        let Some(t) = r.terminals.iter().flatten().next() else {
            continue;
        };
        let deps = with_dependencies.then_some(&mut walk.dependencies);
        walk.hops[r.id.index()] = walk_to(topo, rf, num_vcs, *t, deps)?;
    }
    Ok(walk)
}

/// Walks every active pair and only reports the first fault (no hop table, no dependencies).
pub fn check_routes(
    topo: &Topology,
    rf: &dyn RoutingFunction,
    num_vcs: u8,
) -> Result<(), RouteFault> {
    for r in topo.active_routers() {
        if let Some(t) = r.terminals.iter().flatten().next() {
            walk_to(topo, rf, num_vcs, *t, None)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::dor::DimensionOrderRouting;
    use crate::topology::mesh::build_mesh;
    use moesim_core::MeshShape;

    #[test]
    fn hops_and_failed_links_are_found() {
        let mut t = build_mesh(MeshShape::new(3, 2), 1, 1);
        let walk = walk_all(&t, &DimensionOrderRouting::xy(), 1, true).unwrap();
        // (0,0) -> (2,1): three hops, one path.
        assert_eq!(walk.hops[5][0], Some((3, 3)));
        assert_eq!(walk.hops[0][0], Some((0, 0)));
        assert!(!walk.dependencies.is_empty());
        t.links[0].failed = true;
        let err = check_routes(&t, &DimensionOrderRouting::xy(), 1).unwrap_err();
        assert!(
            matches!(
                err,
                RouteFault::FailedLink {
                    link: LinkId(0),
                    ..
                }
            ),
            "{err}"
        );
    }
}
