//! Message paths for the message-level tiers: the topology links a message crosses (found by
//! walking the routing function from the source router, first candidate at each router), plus
//! the injection and ejection channels of its endpoints when their bandwidth is limited. Paths
//! are cached per (src, dst) as integer resource indices.
//!
//! Resource numbering: `0..L` are the topology links (`LinkId` order), `L..L+N` the injection
//! channels of nodes `0..N`, `L+N..L+2N` their ejection channels.

use super::params::NetworkParams;
use crate::routing::{RouteCandidate, RoutingFunction};
use crate::topology::Topology;
use moesim_core::{Error, NodeId, Result, Tick};
use std::collections::HashMap;

/// Node counts up to this use a dense (src, dst) table; larger networks a hash map.
const DENSE_MAX_NODES: usize = 2048;
const UNKNOWN: u32 = u32::MAX;

/// A cached path: a slice of the table's resource list, with its hop count and latency.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RouteRef {
    start: u32,
    len: u32,
    /// Topology links crossed.
    pub hops: u32,
    /// Sum of the hop latencies (router pipeline + wire) along the path.
    pub latency: Tick,
}

impl RouteRef {
    pub fn len(&self) -> usize {
        self.len as usize
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// Where the path sits in [`RouteTable::all_paths`].
    pub fn range(&self) -> std::ops::Range<usize> {
        self.start as usize..(self.start + self.len) as usize
    }
}

/// Capacities of every resource a path may cross.
#[derive(Clone, Debug)]
pub struct Resources {
    pub num_links: usize,
    pub num_nodes: usize,
    /// Bytes per picosecond, indexed by resource.
    pub bytes_per_ps: Vec<f64>,
    /// Whether endpoint channels exist (their bandwidth is limited).
    pub endpoints: bool,
}

impl Resources {
    pub fn new(topo: &Topology, params: &NetworkParams) -> Resources {
        let mut bytes_per_ps: Vec<f64> = topo
            .links
            .iter()
            .map(|l| params.link_bytes_per_ps(l))
            .collect();
        let endpoint = params.endpoint_bytes_per_ps();
        if let Some(bw) = endpoint {
            bytes_per_ps.extend(std::iter::repeat_n(bw, 2 * topo.num_nodes()));
        }
        Resources {
            num_links: topo.links.len(),
            num_nodes: topo.num_nodes(),
            bytes_per_ps,
            endpoints: endpoint.is_some(),
        }
    }
    pub fn len(&self) -> usize {
        self.bytes_per_ps.len()
    }
    pub fn is_empty(&self) -> bool {
        self.bytes_per_ps.is_empty()
    }
    pub fn injection(&self, n: NodeId) -> u32 {
        (self.num_links + n.index()) as u32
    }
    pub fn ejection(&self, n: NodeId) -> u32 {
        (self.num_links + self.num_nodes + n.index()) as u32
    }
}

enum Index {
    Dense(Vec<u32>),
    Sparse(HashMap<(u32, u32), u32>),
}

/// Paths of a topology under one routing function, computed on demand and cached.
pub struct RouteTable {
    topo: Topology,
    routing: Box<dyn RoutingFunction>,
    params: NetworkParams,
    resources: Resources,
    origin: String,
    flat: Vec<u32>,
    refs: Vec<RouteRef>,
    index: Index,
    scratch: Vec<RouteCandidate>,
}

impl RouteTable {
    /// `origin` names the configuration the tier came from, for error messages.
    pub fn new(
        topo: Topology,
        routing: Box<dyn RoutingFunction>,
        params: NetworkParams,
        origin: &str,
    ) -> RouteTable {
        let n = topo.num_nodes();
        let index = if n <= DENSE_MAX_NODES {
            Index::Dense(vec![UNKNOWN; n * n])
        } else {
            Index::Sparse(HashMap::new())
        };
        RouteTable {
            resources: Resources::new(&topo, &params),
            topo,
            routing,
            params,
            origin: origin.to_string(),
            flat: Vec::new(),
            refs: Vec::new(),
            index,
            scratch: Vec::new(),
        }
    }

    pub fn topology(&self) -> &Topology {
        &self.topo
    }
    pub fn params(&self) -> &NetworkParams {
        &self.params
    }
    pub fn resources(&self) -> &Resources {
        &self.resources
    }
    pub fn origin(&self) -> &str {
        &self.origin
    }
    pub fn routing_name(&self) -> &'static str {
        self.routing.name()
    }

    /// The resources of a cached path.
    pub fn path(&self, r: RouteRef) -> &[u32] {
        &self.flat[r.range()]
    }

    /// Every cached path, back to back ([`RouteRef::range`] indexes it).
    pub fn all_paths(&self) -> &[u32] {
        &self.flat
    }

    /// An error about the message set or topology this tier cannot handle.
    pub fn tier_error(&self, message: String) -> Error {
        Error::config(self.origin.clone(), "network.tier", message)
    }

    /// Checks that `n` is a node of the topology.
    pub fn check_node(&self, n: NodeId, msg_id: u64) -> Result<()> {
        if n.index() >= self.topo.num_nodes() {
            return Err(self.tier_error(format!(
                "message {msg_id} names node {n}, but {} has {} nodes",
                self.topo.name,
                self.topo.num_nodes()
            )));
        }
        Ok(())
    }

    /// The path from `src` to `dst` (both must exist; see [`RouteTable::check_node`]).
    pub fn route(&mut self, src: NodeId, dst: NodeId) -> Result<RouteRef> {
        let n = self.topo.num_nodes();
        let cached = match &self.index {
            Index::Dense(v) => v[src.index() * n + dst.index()],
            Index::Sparse(m) => m.get(&(src.0, dst.0)).copied().unwrap_or(UNKNOWN),
        };
        if cached != UNKNOWN {
            return Ok(self.refs[cached as usize]);
        }
        let r = self.walk(src, dst)?;
        let id = self.refs.len() as u32;
        self.refs.push(r);
        match &mut self.index {
            Index::Dense(v) => v[src.index() * n + dst.index()] = id,
            Index::Sparse(m) => {
                m.insert((src.0, dst.0), id);
            }
        }
        Ok(r)
    }

    fn walk(&mut self, src: NodeId, dst: NodeId) -> Result<RouteRef> {
        let start = self.flat.len() as u32;
        if src == dst {
            return Ok(RouteRef {
                start,
                len: 0,
                hops: 0,
                latency: Tick::ZERO,
            });
        }
        let ts = self.topo.terminal(src);
        let td = self.topo.terminal(dst);
        if self.resources.endpoints {
            let inj = self.resources.injection(src);
            self.flat.push(inj);
        }
        let num_vcs = self.routing.min_vcs().max(1);
        let mut router = ts.router;
        let mut in_port = ts.port;
        let mut in_vc = 0u8;
        let mut hops = 0u32;
        let mut latency = Tick::ZERO;
        loop {
            let rn = self.topo.router(router);
            if rn.failed {
                self.flat.truncate(start as usize);
                return Err(self.tier_error(format!(
                    "routing `{}` sends node {src} -> node {dst} through failed router {router}",
                    self.routing.name()
                )));
            }
            self.scratch.clear();
            self.routing.route(
                &self.topo,
                router,
                in_port,
                in_vc,
                dst,
                num_vcs,
                &mut self.scratch,
            );
            let Some(c) = self.scratch.first().copied() else {
                self.flat.truncate(start as usize);
                return Err(self.tier_error(format!(
                    "routing `{}` gives no output port at router {router} for node {src} -> \
                     node {dst} on {}",
                    self.routing.name(),
                    self.topo.name
                )));
            };
            if router == td.router && c.out_port == td.port {
                break;
            }
            let link = rn.out_links.get(c.out_port as usize).copied().flatten();
            let Some(lid) = link else {
                self.flat.truncate(start as usize);
                return Err(self.tier_error(format!(
                    "routing `{}` sends node {src} -> node {dst} out of port {} of router \
                     {router}, which has no link on {}",
                    self.routing.name(),
                    c.out_port,
                    self.topo.name
                )));
            };
            let l = self.topo.link(lid);
            if l.failed {
                self.flat.truncate(start as usize);
                return Err(self.tier_error(format!(
                    "routing `{}` sends node {src} -> node {dst} over failed link {lid}; \
                     choose a routing function that avoids failed links",
                    self.routing.name()
                )));
            }
            hops += 1;
            if hops as usize > self.topo.links.len() {
                self.flat.truncate(start as usize);
                return Err(self.tier_error(format!(
                    "routing `{}` loops on node {src} -> node {dst} on {}",
                    self.routing.name(),
                    self.topo.name
                )));
            }
            latency += self.params.hop_latency(l);
            self.flat.push(lid.0);
            router = l.dst;
            in_port = l.dst_port;
            in_vc = c.vc_lo;
        }
        if self.resources.endpoints {
            let ej = self.resources.ejection(dst);
            self.flat.push(ej);
        }
        Ok(RouteRef {
            start,
            len: self.flat.len() as u32 - start,
            hops,
            latency,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::dor::DimensionOrderRouting;
    use crate::topology::mesh::build_mesh;
    use moesim_core::{ClockDomain, MeshShape};

    fn table(endpoint: bool) -> RouteTable {
        let topo = build_mesh(MeshShape::new(4, 4), 1, 1);
        let mut p = NetworkParams::new(ClockDomain::from_ghz(1.0), 16);
        if !endpoint {
            p.endpoint = super::super::params::EndpointBandwidth::Unlimited;
        }
        RouteTable::new(topo, Box::new(DimensionOrderRouting::xy()), p, "t.toml")
    }

    #[test]
    fn xy_path_with_endpoints_and_latency() {
        let mut t = table(true);
        // (0,0) -> (2,1): east, east, north.
        let r = t.route(NodeId(0), NodeId(6)).unwrap();
        assert_eq!(r.hops, 3);
        assert_eq!(r.latency, Tick::from_ns(6.0)); // (1 router + 1 wire) cycles x 3 at 1 GHz
        let p = t.path(r).to_vec();
        assert_eq!(p.len(), 5);
        assert_eq!(p[0], t.resources().injection(NodeId(0)));
        assert_eq!(p[4], t.resources().ejection(NodeId(6)));
        let topo = t.topology();
        assert_eq!(topo.link(moesim_core::LinkId(p[1])).dst.0, 1);
        assert_eq!(topo.link(moesim_core::LinkId(p[3])).dst.0, 6);
        // cached
        assert_eq!(t.route(NodeId(0), NodeId(6)).unwrap(), r);
        let local = t.route(NodeId(5), NodeId(5)).unwrap();
        assert!(local.is_empty());
    }

    #[test]
    fn failed_link_is_a_tier_error() {
        let mut t = table(false);
        let lid = t.topology().router(moesim_core::RouterId(0)).out_links[0].unwrap();
        t.topo.links[lid.index()].failed = true;
        let e = t.route(NodeId(0), NodeId(1)).unwrap_err().to_string();
        assert!(
            e.contains("t.toml") && e.contains("network.tier") && e.contains("failed"),
            "{e}"
        );
        assert!(t.check_node(NodeId(16), 7).is_err());
        assert!(t.route(NodeId(0), NodeId(4)).is_ok());
    }
}
