//! The flit tier: messages become packets for the cycle-level router model
//! ([`crate::network::FlitNetwork`]).
//!
//! A message of `B` bytes becomes `ceil(B / flit_bytes)` flits (one flit for an empty message),
//! cut into packets of at most `max_packet_flits`, queued at the first network clock edge at or
//! after its release. The messages a node releases at the same edge are in flight together:
//! their packets are queued round-robin, starting at message `src mod count` (the flow tier
//! shares the node's bandwidth among them the same way). A message finishes at the cycle its
//! last tail flit is ejected. Link bytes count whole flits (`flits x flit_bytes`). A message
//! from a node to itself finishes at its release.

use super::link_load::LinkLoad;
use super::params::NetworkParams;
use super::{Message, Network, NetworkRun};
use crate::config::{RouterConfig, RoutingConfig};
use crate::network::FlitNetwork;
use crate::topology::Topology;
use moesim_core::{Error, Result, Tick};

/// The cycle-level tier.
pub struct FlitTier {
    topo: Topology,
    routing: RoutingConfig,
    router: RouterConfig,
    params: NetworkParams,
    max_cycles: u64,
    origin: String,
    last_cycles: u64,
}

impl FlitTier {
    /// Checks that the router model accepts `routing` on `topo` (errors name `network.tier`).
    pub fn new(
        topo: Topology,
        routing: RoutingConfig,
        router: RouterConfig,
        params: NetworkParams,
        max_cycles: u64,
        origin: &str,
    ) -> Result<FlitTier> {
        let t = FlitTier {
            topo,
            routing,
            router,
            params,
            max_cycles,
            origin: origin.to_string(),
            last_cycles: 0,
        };
        t.network()?;
        Ok(t)
    }

    /// Cycles the last `simulate` call ran.
    pub fn last_cycles(&self) -> u64 {
        self.last_cycles
    }

    fn tier_error(&self, what: &str, e: Error) -> Error {
        Error::config(
            self.origin.clone(),
            "network.tier",
            format!("the flit tier cannot {what} on {}: {e}", self.topo.name),
        )
    }

    fn window_cycles(&self) -> u64 {
        (self.params.window.as_ps() / self.params.clock.period_ps).max(1)
    }

    fn network(&self) -> Result<FlitNetwork> {
        let rf = crate::routing::build_with_vcs(
            &self.routing,
            &self.topo,
            self.router.num_vcs,
            &self.origin,
        )
        .map_err(|e| self.tier_error("route", e))?;
        FlitNetwork::new(&self.topo, rf, &self.router, self.window_cycles(), 0)
            .map_err(|e| self.tier_error("build its routers", e))
    }
}

impl Network for FlitTier {
    fn name(&self) -> &'static str {
        "flit"
    }
    fn topology(&self) -> &Topology {
        &self.topo
    }
    fn params(&self) -> &NetworkParams {
        &self.params
    }

    fn simulate(&mut self, msgs: &[Message]) -> Result<NetworkRun> {
        let n = self.topo.num_nodes();
        for m in msgs {
            for node in [m.src, m.dst] {
                if node.index() >= n {
                    return Err(Error::config(
                        self.origin.clone(),
                        "network.tier",
                        format!(
                            "message {} names node {node}, but {} has {n} nodes",
                            m.id, self.topo.name
                        ),
                    ));
                }
            }
        }
        let mut net = self.network()?;
        let clock = self.params.clock;
        let max_flits = self.params.max_packet_flits.max(1) as u64;
        let mut finish: Vec<Tick> = msgs.iter().map(|m| m.release).collect();
        let mut packets_left = vec![0u32; msgs.len()];
        let mut last_cycle = vec![0u64; msgs.len()];
        let mut order: Vec<usize> = (0..msgs.len())
            .filter(|&i| msgs[i].src != msgs[i].dst)
            .collect();
        order.sort_by_key(|&i| msgs[i].release);
        let start_cycle = order.first().map_or(0, |&i| {
            clock.tick_to_cycle(clock.next_edge(msgs[i].release)).0
        });
        // Align the link windows to absolute multiples of the window, as the other tiers do.
        let w = self.window_cycles();
        net.run_until(start_cycle / w * w)?;
        net.reset_link_stats();
        let collect = |net: &mut FlitNetwork, left: &mut [u32], last: &mut [u64]| {
            for d in net.drain_delivered() {
                let i = d.tag as usize;
                left[i] -= 1;
                last[i] = last[i].max(d.delivered_cycle);
            }
        };
        let mut flits_left: Vec<u64> = msgs
            .iter()
            .map(|m| self.params.flits_for(m.bytes).max(1))
            .collect();
        let mut by_src: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut g = 0;
        while g < order.len() {
            let c = clock
                .tick_to_cycle(clock.next_edge(msgs[order[g]].release))
                .0;
            let mut h = g;
            while h < order.len()
                && clock
                    .tick_to_cycle(clock.next_edge(msgs[order[h]].release))
                    .0
                    == c
            {
                h += 1;
            }
            if c > net.cycle() {
                net.run_until(c)
                    .map_err(|e| Error::Sim(format!("flit tier: {e}")))?;
                collect(&mut net, &mut packets_left, &mut last_cycle);
            }
            for &i in &order[g..h] {
                by_src[msgs[i].src.index()].push(i);
            }
            for (src, list) in by_src.iter_mut().enumerate() {
                if list.is_empty() {
                    continue;
                }
                // The messages a node releases together are in flight together: their packets
                // are queued round-robin, each node starting at a different message so that
                // nodes do not all aim at the same destination at once.
                let len = list.len();
                list.rotate_left(src % len);
                let mut pending = len;
                while pending > 0 {
                    pending = 0;
                    for &i in list.iter() {
                        if flits_left[i] == 0 {
                            continue;
                        }
                        let f = flits_left[i].min(max_flits);
                        net.inject(msgs[i].src, msgs[i].dst, f as u32, i as u64)
                            .map_err(|e| self.tier_error("inject", e))?;
                        packets_left[i] += 1;
                        flits_left[i] -= f;
                        pending += usize::from(flits_left[i] > 0);
                    }
                }
                list.clear();
            }
            g = h;
        }
        net.run_until_idle(self.max_cycles)
            .map_err(|e| Error::Sim(format!("flit tier: {e}")))?;
        collect(&mut net, &mut packets_left, &mut last_cycle);
        self.last_cycles = net.cycle() - start_cycle;
        for &i in &order {
            if packets_left[i] != 0 {
                return Err(Error::Sim(format!(
                    "flit tier: message {} lost {} packets",
                    msgs[i].id, packets_left[i]
                )));
            }
            finish[i] = clock.cycles_to_ticks(last_cycle[i]);
        }
        let stats = net.take_link_stats();
        let fb = self.params.flit_bytes as u64;
        let link_bytes: Vec<u64> = stats.total_flits.iter().map(|&f| f * fb).collect();
        let mut link_load = LinkLoad::new(
            self.topo.links.len(),
            clock.cycles_to_ticks(stats.window_cycles),
            clock.cycles_to_ticks(stats.start_cycle),
        );
        for (w, row) in stats.windows.iter().enumerate() {
            let t = clock.cycles_to_ticks(stats.start_cycle + w as u64 * stats.window_cycles);
            for (l, &f) in row.iter().enumerate() {
                if f > 0 {
                    link_load.add_at(l, t.as_ps() as f64, (f as u64 * fb) as f64);
                }
            }
        }
        Ok(NetworkRun::new(self.name(), finish, link_bytes, link_load))
    }
}
