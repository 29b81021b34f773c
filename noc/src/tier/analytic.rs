//! The analytic tier: a closed form per message.
//!
//! For message `m` (bytes `B`, release `r`, resource path `P`, link latency sum `lat`), with
//! `load(k)` the bytes of all messages crossing resource `k` and `t0(k)` their earliest release:
//!
//! ```text
//! finish_m = round( max( r + B / min_{k in P} bw(k),
//!                        max_{k in P} ( t0(k) + load(k) / bw(k) ) ) ) + lat
//! ```
//!
//! Serialisation at the bottleneck bandwidth, or the drain time of the most loaded resource on
//! the path, whichever is later, plus the hop latencies.

use super::link_load::LinkLoad;
use super::params::NetworkParams;
use super::routes::{RouteRef, RouteTable};
use super::{Message, Network, NetworkRun, tick_of_ps};
use crate::routing::RoutingFunction;
use crate::topology::Topology;
use moesim_core::{Result, Tick};

/// The closed-form tier.
pub struct AnalyticNetwork {
    routes: RouteTable,
}

impl AnalyticNetwork {
    pub fn new(
        topo: Topology,
        routing: Box<dyn RoutingFunction>,
        params: NetworkParams,
        origin: &str,
    ) -> AnalyticNetwork {
        AnalyticNetwork {
            routes: RouteTable::new(topo, routing, params, origin),
        }
    }
}

impl Network for AnalyticNetwork {
    fn name(&self) -> &'static str {
        "analytic"
    }
    fn topology(&self) -> &Topology {
        self.routes.topology()
    }
    fn params(&self) -> &NetworkParams {
        self.routes.params()
    }

    fn simulate(&mut self, msgs: &[Message]) -> Result<NetworkRun> {
        let nres = self.routes.resources().len();
        let nlinks = self.routes.resources().num_links;
        let mut load = vec![0u64; nres];
        let mut t0 = vec![u64::MAX; nres];
        let mut routes: Vec<RouteRef> = Vec::with_capacity(msgs.len());
        for m in msgs {
            self.routes.check_node(m.src, m.id)?;
            self.routes.check_node(m.dst, m.id)?;
            let r = self.routes.route(m.src, m.dst)?;
            routes.push(r);
            if m.bytes == 0 {
                continue;
            }
            for &k in self.routes.path(r) {
                load[k as usize] += m.bytes;
                t0[k as usize] = t0[k as usize].min(m.release.as_ps());
            }
        }
        let cap = &self.routes.resources().bytes_per_ps;
        let start = msgs.iter().map(|m| m.release).min().unwrap_or(Tick::ZERO);
        let mut link_load = LinkLoad::new(nlinks, self.routes.params().window, start);
        let mut link_bytes = vec![0u64; nlinks];
        let mut finish = Vec::with_capacity(msgs.len());
        for (m, &r) in msgs.iter().zip(&routes) {
            let path = self.routes.path(r);
            if path.is_empty() || m.bytes == 0 {
                finish.push(if path.is_empty() {
                    m.release
                } else {
                    m.release + r.latency
                });
                continue;
            }
            let release = m.release.as_ps() as f64;
            let bytes = m.bytes as f64;
            let bw_min = path
                .iter()
                .map(|&k| cap[k as usize])
                .fold(f64::INFINITY, f64::min);
            let serial = release + bytes / bw_min;
            let drain = path
                .iter()
                .map(|&k| t0[k as usize] as f64 + load[k as usize] as f64 / cap[k as usize])
                .fold(f64::NEG_INFINITY, f64::max);
            let end = serial.max(drain);
            finish.push(tick_of_ps(end) + r.latency);
            let rate = bytes / (end - release);
            let links = path.iter().map(|&k| k as usize).filter(|&k| k < nlinks);
            for k in links.clone() {
                link_bytes[k] += m.bytes;
            }
            link_load.add_interval_to(links, release, end, rate);
        }
        link_load.finish();
        Ok(NetworkRun::new(self.name(), finish, link_bytes, link_load))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::dor::DimensionOrderRouting;
    use crate::topology::mesh::build_mesh;
    use moesim_core::{ClockDomain, MeshShape, NodeId};

    fn net() -> AnalyticNetwork {
        let topo = build_mesh(MeshShape::new(4, 1), 1, 1);
        // 1 GHz, 10-byte flits: 10 B/ns links and endpoints; hop = 2 ns.
        let p = NetworkParams::new(ClockDomain::from_ghz(1.0), 10);
        AnalyticNetwork::new(topo, Box::new(DimensionOrderRouting::xy()), p, "t")
    }

    #[test]
    fn lone_message_is_latency_plus_serialisation() {
        let mut n = net();
        let m = Message::new(0, NodeId(0), NodeId(3), 1000, Tick::from_ns(5.0));
        let run = n.simulate(&[m]).unwrap();
        // 5 ns + 1000 B / 10 B/ns + 3 hops x 2 ns
        assert_eq!(run.finish[0], Tick::from_ns(5.0 + 100.0 + 6.0));
        assert_eq!(run.link_bytes.iter().sum::<u64>(), 3000);
    }

    #[test]
    fn shared_link_adds_contention() {
        let mut n = net();
        let a = Message::new(0, NodeId(0), NodeId(2), 1000, Tick::ZERO);
        let b = Message::new(1, NodeId(1), NodeId(3), 500, Tick::ZERO);
        let run = n.simulate(&[a, b]).unwrap();
        // link 1->2 carries 1500 B: 150 ns drain, plus 2 hops x 2 ns
        assert_eq!(run.finish[0], Tick::from_ns(154.0));
        assert_eq!(run.finish[1], Tick::from_ns(154.0));
        assert_eq!(run.makespan, Tick::from_ns(154.0));
        let local = Message::new(2, NodeId(1), NodeId(1), 500, Tick::from_ns(3.0));
        assert_eq!(n.simulate(&[local]).unwrap().finish[0], Tick::from_ns(3.0));
        let bad = Message::new(3, NodeId(1), NodeId(9), 1, Tick::ZERO);
        let e = n.simulate(&[bad]).unwrap_err().to_string();
        assert!(e.contains("network.tier") && e.contains("message 3"), "{e}");
    }
}
