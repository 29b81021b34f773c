//! The executor's handle on the network: the configured tier, a route table of the same
//! routing function (hop latencies for pipelined collectives, per-link attribution of calls
//! that mix traffic classes), the link timeline, and counters.

use super::timeline::{LinkTimeline, TrafficClass};
use moesim_core::{Error, NodeId, Result, Tick};
use moesim_noc::config::RoutingConfig;
use moesim_noc::tier::{Message, Network, NetworkParams, NetworkRun, RouteTable, TierConfig};
use moesim_noc::topology::Topology;
use serde::Serialize;

/// Work done on the network.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct NetStats {
    /// Calls to the tier.
    pub calls: u64,
    pub messages: u64,
    /// Bytes handed to the tier per class (local messages included).
    pub bytes: [u64; 3],
}

/// The network tier with routes, timeline and counters.
pub struct NetDriver {
    net: Box<dyn Network>,
    routes: RouteTable,
    pub timeline: LinkTimeline,
    pub stats: NetStats,
    next_id: u64,
}

/// Re-keys a routing error of the noc crate under the experiment's `network.` section.
fn under_network(e: Error) -> Error {
    match e {
        Error::Config {
            origin,
            key,
            message,
            allowed,
        } => Error::Config {
            origin,
            key: if key.starts_with("network.") {
                key
            } else {
                format!("network.{key}")
            },
            message,
            allowed,
        },
        other => other,
    }
}

impl NetDriver {
    /// The tier of `tier` over `topo`, routed by `routing`; errors name `origin` and
    /// `network.tier` or `network.routing.*`.
    pub fn new(
        tier: &TierConfig,
        routing: &RoutingConfig,
        topo: &Topology,
        params: &NetworkParams,
        origin: &str,
    ) -> Result<NetDriver> {
        let net = tier
            .build(topo, routing, params, origin)
            .map_err(under_network)?;
        let rf = moesim_noc::routing::build(routing, topo, origin).map_err(under_network)?;
        let routes = RouteTable::new(topo.clone(), rf, params.clone(), origin);
        Ok(NetDriver {
            timeline: LinkTimeline::new(topo.links.len(), params.window),
            net,
            routes,
            stats: NetStats::default(),
            next_id: 0,
        })
    }

    pub fn tier_name(&self) -> &'static str {
        self.net.name()
    }
    pub fn topology(&self) -> &Topology {
        self.net.topology()
    }
    pub fn params(&self) -> &NetworkParams {
        self.net.params()
    }

    /// Sum of the hop latencies from `a` to `b`.
    pub fn latency(&mut self, a: NodeId, b: NodeId) -> Result<Tick> {
        Ok(self.routes.route(a, b)?.latency)
    }

    /// A fresh message id.
    pub fn message(&mut self, src: NodeId, dst: NodeId, bytes: u64, release: Tick) -> Message {
        let m = Message::new(self.next_id, src, dst, bytes, release);
        self.next_id += 1;
        m
    }

    /// Moves `msgs` (message `i` of class `class_of[i]`) and records the link heat.
    pub fn simulate(&mut self, msgs: &[Message], class_of: &[TrafficClass]) -> Result<NetworkRun> {
        let run = self.net.simulate(msgs)?;
        self.stats.calls += 1;
        self.stats.messages += msgs.len() as u64;
        for (m, c) in msgs.iter().zip(class_of) {
            self.stats.bytes[c.index()] += m.bytes;
        }
        let mixed = class_of.windows(2).any(|w| w[0] != w[1]);
        if mixed {
            let share = self.link_shares(msgs, class_of)?;
            self.timeline.record(msgs, class_of, &run, Some(&share));
        } else {
            self.timeline.record(msgs, class_of, &run, None);
        }
        Ok(run)
    }

    /// Per link, each class's share of the bytes routed over it by `msgs`.
    fn link_shares(
        &mut self,
        msgs: &[Message],
        class_of: &[TrafficClass],
    ) -> Result<Vec<[f64; 3]>> {
        let nl = self.timeline.num_links();
        let mut bytes = vec![[0.0f64; 3]; nl];
        for (m, c) in msgs.iter().zip(class_of) {
            let r = self.routes.route(m.src, m.dst)?;
            for &k in self.routes.path(r) {
                if (k as usize) < nl {
                    bytes[k as usize][c.index()] += m.bytes as f64;
                }
            }
        }
        for b in &mut bytes {
            let s: f64 = b.iter().sum();
            if s > 0.0 {
                b.iter_mut().for_each(|x| *x /= s);
            }
        }
        Ok(bytes)
    }
}
