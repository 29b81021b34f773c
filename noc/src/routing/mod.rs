//! Routing functions, one per file, behind the [`RoutingFunction`] trait. A routing function
//! returns the output ports (and the VC range on each) a packet may take at a router; adaptive
//! functions return several candidates and the router selects among them by downstream credits.

pub mod build;
pub mod dor;

pub use build::build;

use crate::topology::{PortId, Topology};
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
