//! Routing functions, one per file, behind the [`RoutingFunction`] trait. A routing function
//! returns the output ports (and the VC range on each) a packet may take at a router; adaptive
//! functions return several candidates and the router selects among them by downstream credits.

pub mod build;
pub mod cdg;
pub mod dor;
pub mod fault_tolerant;
pub mod odd_even;
pub mod torus_dor;
pub mod turns;
pub mod walk;
pub mod west_first;

pub use build::{build, build_with_vcs};
pub use turns::TurnModel;

use crate::topology::{Direction, PortId, Topology};
use moesim_core::{NodeId, RouterId};

/// One admissible next hop: an output port and the inclusive VC range allowed on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RouteCandidate {
    pub out_port: PortId,
    pub vc_lo: u8,
    pub vc_hi: u8,
}

/// A routing function.
pub trait RoutingFunction: Send + Sync {
    /// The BookSim-style name (`dor`, `xy_yx`, `west_first`, ...).
    fn name(&self) -> &'static str;

    /// True if the result depends only on (router, destination): the router may then cache it
    /// in a table.
    fn is_deterministic(&self) -> bool;

    /// The fewest VCs per port the function needs (2 for dateline VC classes).
    fn min_vcs(&self) -> u8 {
        1
    }

    /// Appends to `out` the candidates for a packet at `router` destined for `dst`, which arrived on
    /// input port `in_port` in VC `in_vc` (`in_port` is a terminal port at injection).
    /// When `router` is the destination's router, the only candidate is the ejection port.
    #[allow(clippy::too_many_arguments)]
    fn route(
        &self,
        topo: &Topology,
        router: RouterId,
        in_port: PortId,
        in_vc: u8,
        dst: NodeId,
        num_vcs: u8,
        out: &mut Vec<RouteCandidate>,
    );
}

/// The direction a packet that arrived on input port `in_port` was travelling in (`None` for a
/// terminal port, i.e. at injection). A packet moving east arrives on the west port.
pub fn travel_direction(in_port: PortId) -> Option<Direction> {
    Direction::from_port(in_port).map(Direction::opposite)
}

/// The ejection candidate at the destination's router: the destination's terminal port.
pub fn eject(topo: &Topology, dst: NodeId, num_vcs: u8) -> RouteCandidate {
    RouteCandidate {
        out_port: topo.terminal(dst).port,
        vc_lo: 0,
        vc_hi: num_vcs.saturating_sub(1),
    }
}

/// A candidate on grid direction `d` with every VC allowed.
pub fn any_vc(d: Direction, num_vcs: u8) -> RouteCandidate {
    RouteCandidate {
        out_port: d.port(),
        vc_lo: 0,
        vc_hi: num_vcs.saturating_sub(1),
    }
}
