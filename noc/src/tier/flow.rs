//! The flow tier: messages share link bandwidth max-min fairly, with rates recomputed when a flow
//! starts or finishes ([`super::fluid`]), plus the path's hop latencies.
//!
//! Messages with the same (src, dst, release) form one flow when `aggregate_pairs` is set (the
//! default): fairness is then per node pair, and the messages of a flow finish together. A
//! message finishes at `round(t_end) + lat`, where `t_end` is when its flow's last byte leaves the
//! source and `lat` the sum of hop latencies on its path.

use super::fluid::{self, FluidFlow};
use super::maxmin::Filling;
use super::params::NetworkParams;
use super::routes::{RouteRef, RouteTable};
use super::{Message, Network, NetworkRun, tick_of_ps};
use crate::routing::RoutingFunction;
use crate::topology::Topology;
use moesim_core::{Result, Tick};
use std::collections::HashMap;

const NONE: u32 = u32::MAX;
/// Node counts up to this aggregate through a dense (src, dst) table.
const DENSE_MAX_NODES: usize = 2048;

/// Work done by the last [`FlowNetwork::simulate`] call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FlowStats {
    /// Flows after aggregation.
    pub flows: u64,
    /// Events (a batch of simultaneous starts and finishes is one event).
    pub events: u64,
    /// Events that re-solved rates.
    pub resolves: u64,
    /// Flow rates computed over all events.
    pub flows_resolved: u64,
    /// Re-solved flows whose rate changed (arrivals included).
    pub rates_changed: u64,
}

/// The max-min fair flow tier.
pub struct FlowNetwork {
    routes: RouteTable,
    aggregate_pairs: bool,
    idle_fraction: f64,
    link_efficiency: f64,
    /// Resource capacities in bytes per ps: links scaled by `link_efficiency`, endpoints not.
    capacity: Vec<f64>,
    filling: Filling,
    pair_slot: Vec<u32>,
    stats: FlowStats,
}

impl FlowNetwork {
    pub fn new(
        topo: Topology,
        routing: Box<dyn RoutingFunction>,
        params: NetworkParams,
        aggregate_pairs: bool,
        origin: &str,
    ) -> FlowNetwork {
        FlowNetwork::with_idle_fraction(topo, routing, params, aggregate_pairs, 0.0, origin)
    }

    /// A flow tier that leaves up to `idle_fraction` of a resource's bandwidth idle after flows
    /// finish before it re-solves rates (see [`fluid::run`]); `0.0` is exact.
    pub fn with_idle_fraction(
        topo: Topology,
        routing: Box<dyn RoutingFunction>,
        params: NetworkParams,
        aggregate_pairs: bool,
        idle_fraction: f64,
        origin: &str,
    ) -> FlowNetwork {
        let routes = RouteTable::new(topo, routing, params, origin);
        let n = routes.resources().num_nodes;
        FlowNetwork {
            capacity: routes.resources().bytes_per_ps.clone(),
            link_efficiency: 1.0,
            filling: Filling::new(routes.resources().len()),
            pair_slot: if n <= DENSE_MAX_NODES {
                vec![NONE; n * n]
            } else {
                Vec::new()
            },
            routes,
            aggregate_pairs,
            idle_fraction,
            stats: FlowStats::default(),
        }
    }

    /// Lets flows use only `efficiency` (in (0, 1]) of every link's bandwidth; endpoint channels
    /// keep theirs. 1 is the ideal max-min network; [`super::calibrate`] derives the value that
    /// matches the flit routers' saturation throughput (docs/network_tiers.md).
    pub fn with_link_efficiency(mut self, efficiency: f64) -> FlowNetwork {
        let r = self.routes.resources();
        self.link_efficiency = efficiency;
        self.capacity = r
            .bytes_per_ps
            .iter()
            .enumerate()
            .map(|(k, &bw)| if k < r.num_links { bw * efficiency } else { bw })
            .collect();
        self
    }

    /// The fraction of each link's bandwidth flows may use.
    pub fn link_efficiency(&self) -> f64 {
        self.link_efficiency
    }

    /// Work done by the last call to `simulate`.
    pub fn last_stats(&self) -> FlowStats {
        self.stats
    }
}

/// Messages grouped into flows: per message its flow (or `NONE` when it loads no resource).
struct Flows {
    specs: Vec<FluidFlow>,
    routes: Vec<RouteRef>,
    bytes: Vec<u64>,
    of_msg: Vec<u32>,
}

impl FlowNetwork {
    fn build_flows(&mut self, msgs: &[Message]) -> Result<Flows> {
        let n = self.routes.resources().num_nodes;
        let mut f = Flows {
            specs: Vec::new(),
            routes: Vec::new(),
            bytes: Vec::new(),
            of_msg: vec![NONE; msgs.len()],
        };
        let mut idx: Vec<u32> = (0..msgs.len() as u32).collect();
        idx.sort_by_key(|&i| msgs[i as usize].release);
        let mut sparse: HashMap<(u32, u32), u32> = HashMap::new();
        let mut touched: Vec<usize> = Vec::new();
        let mut g = 0;
        while g < idx.len() {
            let release = msgs[idx[g] as usize].release;
            let mut h = g;
            while h < idx.len() && msgs[idx[h] as usize].release == release {
                let i = idx[h] as usize;
                h += 1;
                let m = &msgs[i];
                self.routes.check_node(m.src, m.id)?;
                self.routes.check_node(m.dst, m.id)?;
                if m.bytes == 0 {
                    continue;
                }
                let key = m.src.index() * n + m.dst.index();
                let existing = if !self.aggregate_pairs {
                    NONE
                } else if self.pair_slot.is_empty() {
                    sparse.get(&(m.src.0, m.dst.0)).copied().unwrap_or(NONE)
                } else {
                    self.pair_slot[key]
                };
                if existing != NONE {
                    f.bytes[existing as usize] += m.bytes;
                    f.of_msg[i] = existing;
                    continue;
                }
                let r = self.routes.route(m.src, m.dst)?;
                if r.is_empty() {
                    continue;
                }
                let id = f.specs.len() as u32;
                f.specs.push(FluidFlow {
                    path_start: r.range().start as u32,
                    path_len: r.len() as u32,
                    bytes: 0.0,
                    release_ps: release.as_ps(),
                });
                f.routes.push(r);
                f.bytes.push(m.bytes);
                f.of_msg[i] = id;
                if self.aggregate_pairs {
                    if self.pair_slot.is_empty() {
                        sparse.insert((m.src.0, m.dst.0), id);
                    } else {
                        self.pair_slot[key] = id;
                        touched.push(key);
                    }
                }
            }
            for k in touched.drain(..) {
                self.pair_slot[k] = NONE;
            }
            sparse.clear();
            g = h;
        }
        for (s, &b) in f.specs.iter_mut().zip(&f.bytes) {
            s.bytes = b as f64;
        }
        Ok(f)
    }
}

impl Network for FlowNetwork {
    fn name(&self) -> &'static str {
        "flow"
    }
    fn topology(&self) -> &Topology {
        self.routes.topology()
    }
    fn params(&self) -> &NetworkParams {
        self.routes.params()
    }

    fn simulate(&mut self, msgs: &[Message]) -> Result<NetworkRun> {
        let flows = self.build_flows(msgs)?;
        let nlinks = self.routes.resources().num_links;
        let res = fluid::run(
            &self.capacity,
            self.routes.all_paths(),
            &flows.specs,
            self.routes.params().window,
            self.idle_fraction,
            &mut self.filling,
        )?;
        self.stats = FlowStats {
            flows: flows.specs.len() as u64,
            events: res.events,
            resolves: res.resolves,
            flows_resolved: res.flows_resolved,
            rates_changed: res.rates_changed,
        };
        let mut finish = Vec::with_capacity(msgs.len());
        for (m, &fi) in msgs.iter().zip(&flows.of_msg) {
            if fi == NONE {
                let lat = if m.bytes == 0 && m.src != m.dst {
                    self.routes.route(m.src, m.dst)?.latency
                } else {
                    Tick::ZERO
                };
                finish.push(m.release + lat);
            } else {
                let fi = fi as usize;
                finish.push(tick_of_ps(res.end_ps[fi]) + flows.routes[fi].latency);
            }
        }
        let mut link_bytes = vec![0u64; nlinks];
        for (r, &b) in flows.routes.iter().zip(&flows.bytes) {
            for &k in self.routes.path(*r) {
                if (k as usize) < nlinks {
                    link_bytes[k as usize] += b;
                }
            }
        }
        let mut link_load = res.load;
        link_load.truncate_links(nlinks);
        Ok(NetworkRun::new(self.name(), finish, link_bytes, link_load))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::dor::DimensionOrderRouting;
    use crate::topology::mesh::build_mesh;
    use moesim_core::{ClockDomain, MeshShape, NodeId};

    fn net(aggregate: bool) -> FlowNetwork {
        let topo = build_mesh(MeshShape::new(4, 1), 1, 1);
        let p = NetworkParams::new(ClockDomain::from_ghz(1.0), 10);
        FlowNetwork::new(
            topo,
            Box::new(DimensionOrderRouting::xy()),
            p,
            aggregate,
            "t",
        )
    }

    #[test]
    fn shared_link_is_split_fairly() {
        let mut n = net(true);
        let a = Message::new(0, NodeId(0), NodeId(2), 1000, Tick::ZERO);
        let b = Message::new(1, NodeId(1), NodeId(3), 500, Tick::ZERO);
        let run = n.simulate(&[a, b]).unwrap();
        // Link 1->2 shared: both at 5 B/ns until b's 500 B are done at 100 ns; a then has 500 B
        // left at 10 B/ns: 150 ns. Plus 2 hops x 2 ns.
        assert_eq!(run.finish[1], Tick::from_ns(104.0));
        assert_eq!(run.finish[0], Tick::from_ns(154.0));
        assert_eq!(run.link_bytes.iter().sum::<u64>(), 2 * 1000 + 2 * 500);
    }

    #[test]
    fn aggregation_merges_same_pair_and_release() {
        let msgs = [
            Message::new(0, NodeId(0), NodeId(1), 300, Tick::ZERO),
            Message::new(1, NodeId(0), NodeId(1), 700, Tick::ZERO),
            Message::new(2, NodeId(2), NodeId(3), 100, Tick::ZERO),
        ];
        let mut agg = net(true);
        let run = agg.simulate(&msgs).unwrap();
        assert_eq!(agg.last_stats().flows, 2);
        assert_eq!(run.finish[0], run.finish[1]);
        assert_eq!(run.finish[1], Tick::from_ns(100.0 + 2.0));
        let mut per_msg = net(false);
        let run = per_msg.simulate(&msgs).unwrap();
        assert_eq!(per_msg.last_stats().flows, 3);
        // 300 B at half rate: 60 ns; then 400 B left of 700 at full rate: 100 ns total.
        assert_eq!(run.finish[0], Tick::from_ns(62.0));
        assert_eq!(run.finish[1], Tick::from_ns(102.0));
    }

    #[test]
    fn link_efficiency_scales_links_not_endpoints() {
        let m = [Message::new(0, NodeId(0), NodeId(2), 1000, Tick::ZERO)];
        // Links at 8 B/ns, endpoints at 10 B/ns: 125 ns + 2 hops x 2 ns.
        let mut n = net(true).with_link_efficiency(0.8);
        assert_eq!(n.simulate(&m).unwrap().finish[0], Tick::from_ns(129.0));
        // Node 1 sends to both neighbours: its injection channel (10 B/ns, not derated) is
        // shared, 5 B/ns each, below the derated links' 9 B/ns: 200 ns + 1 hop.
        let both = [
            Message::new(0, NodeId(1), NodeId(0), 1000, Tick::ZERO),
            Message::new(1, NodeId(1), NodeId(2), 1000, Tick::ZERO),
        ];
        let mut n = net(true).with_link_efficiency(0.9);
        assert_eq!(n.simulate(&both).unwrap().makespan, Tick::from_ns(202.0));
    }

    #[test]
    fn zero_bytes_and_local_messages() {
        let mut n = net(true);
        let msgs = [
            Message::new(0, NodeId(0), NodeId(3), 0, Tick::from_ns(1.0)),
            Message::new(1, NodeId(2), NodeId(2), 64, Tick::from_ns(1.0)),
        ];
        let run = n.simulate(&msgs).unwrap();
        assert_eq!(run.finish, vec![Tick::from_ns(7.0), Tick::from_ns(1.0)]);
        assert_eq!(n.simulate(&[]).unwrap().makespan, Tick::ZERO);
    }
}
