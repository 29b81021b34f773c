//! Route computation for every router of a network: calls the configured
//! [`RoutingFunction`], caches its answer per (router, destination) when the function is
//! deterministic, and for adaptive functions picks the candidate whose downstream VCs have the
//! most free slots (ties go to the function's first preference).

use super::output_unit::OutputUnit;
use super::virtual_channel::Route;
use crate::routing::{RouteCandidate, RoutingFunction};
use crate::topology::Topology;
use moesim_core::{Error, NodeId, Result, RouterId};

const EMPTY: u32 = u32::MAX;
/// The largest route table kept (entries of 4 bytes).
const MAX_TABLE: usize = 1 << 22;

fn pack(r: Route) -> u32 {
    (r.port as u32) << 16 | (r.vc_lo as u32) << 8 | r.vc_hi as u32
}

fn unpack(x: u32) -> Route {
    Route {
        port: (x >> 16) as u16,
        vc_lo: (x >> 8) as u8,
        vc_hi: x as u8,
    }
}

/// The routing unit shared by the routers of one network.
pub struct RoutingUnit {
    rf: Box<dyn RoutingFunction>,
    topo: Topology,
    num_vcs: u8,
    nodes: usize,
    table: Vec<u32>,
    scratch: Vec<RouteCandidate>,
}

impl RoutingUnit {
    pub fn new(rf: Box<dyn RoutingFunction>, topo: &Topology, num_vcs: u8) -> RoutingUnit {
        let nodes = topo.num_nodes();
        let n = topo.num_routers() * nodes;
        let table = if rf.is_deterministic() && n <= MAX_TABLE {
            vec![EMPTY; n]
        } else {
            Vec::new()
        };
        RoutingUnit {
            rf,
            topo: topo.clone(),
            num_vcs,
            nodes,
            table,
            scratch: Vec::new(),
        }
    }

    pub fn function_name(&self) -> &'static str {
        self.rf.name()
    }

    pub fn topology(&self) -> &Topology {
        &self.topo
    }

    /// The route for a packet to `dst` whose head is at input `in_port`, VC `in_vc` of
    /// `router`, whose output units are `outputs`.
    #[inline]
    pub fn route(
        &mut self,
        router: u32,
        in_port: u16,
        in_vc: u8,
        dst: NodeId,
        outputs: &[OutputUnit],
    ) -> Result<Route> {
        if !self.table.is_empty() {
            let k = router as usize * self.nodes + dst.index();
            let x = self.table[k];
            if x != EMPTY {
                return Ok(unpack(x));
            }
            let r = self.compute(router, in_port, in_vc, dst, outputs)?;
            self.table[k] = pack(r);
            return Ok(r);
        }
        self.compute(router, in_port, in_vc, dst, outputs)
    }

    fn compute(
        &mut self,
        router: u32,
        in_port: u16,
        in_vc: u8,
        dst: NodeId,
        outputs: &[OutputUnit],
    ) -> Result<Route> {
        self.scratch.clear();
        self.rf.route(
            &self.topo,
            RouterId(router),
            in_port,
            in_vc,
            dst,
            self.num_vcs,
            &mut self.scratch,
        );
        let mut best: Option<(Route, u32)> = None;
        for c in &self.scratch {
            let port = c.out_port as usize;
            let usable = port < outputs.len()
                && outputs[port].channel.is_some()
                && c.vc_lo <= c.vc_hi
                && c.vc_hi < self.num_vcs;
            if !usable {
                continue;
            }
            let r = Route {
                port: c.out_port,
                vc_lo: c.vc_lo,
                vc_hi: c.vc_hi,
            };
            if self.scratch.len() == 1 {
                return Ok(r);
            }
            let free = outputs[port].vcs.free_slots(r.vc_mask());
            if best.is_none_or(|(_, f)| free > f) {
                best = Some((r, free));
            }
        }
        best.map(|(r, _)| r).ok_or_else(|| {
            let c = self.topo.routers[router as usize].coord;
            Error::Sim(format!(
                "routing function `{}` gave no usable output at router ({c}) for a packet to node \
                 {dst} (candidates {:?}; a usable candidate names a connected port and VCs below \
                 num_vcs = {})",
                self.rf.name(),
                self.scratch,
                self.num_vcs
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pack_round_trip() {
        let r = Route {
            port: 300,
            vc_lo: 2,
            vc_hi: 63,
        };
        assert_eq!(unpack(pack(r)), r);
    }
}
