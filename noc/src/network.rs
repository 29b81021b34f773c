//! The whole flit-level network and its cycle loop: routers ([`crate::router`]), network
//! interfaces ([`crate::network_interface`]) and the channels between them ([`crate::link`]).
//!
//! # A cycle
//!
//! [`FlitNetwork::step`] runs, for cycle `t`:
//! 1. hand over the flits and credits due at `t` (routers queue flits and take credits; network
//!    interfaces eject flits and take credits);
//! 2. every network interface with a packet waiting or a synthetic arrival due: create the
//!    packet, inject at most one flit;
//! 3. every router holding flits, in ascending id order ([`crate::router::Router::step`]);
//! 4. `t += 1`.
//!
//! Units talk only through channels whose deliveries are due at least two cycles after they are
//! sent, so within a cycle every unit reads state written in earlier cycles and writes state read
//! in later ones: the result does not depend on the order units are visited in. Units with
//! nothing to do are not visited at all, and [`FlitNetwork::run_until`] jumps over cycles in which
//! nothing is due.
//!
//! # Driving it
//!
//! Packets come from [`FlitNetwork::inject`] (the message-level tier, tests) or from a
//! [`SyntheticSource`] attached with [`FlitNetwork::attach_source`] (BookSim-style runs, see
//! [`crate::sim`]). Delivered external packets are collected for [`FlitNetwork::drain_delivered`].

use crate::config::RouterConfig;
use crate::flit::Flit;
use crate::flit::{Packet, PacketSlab};
use crate::link::{Channel, Delivery, DeliveryWheel, Endpoint};
use crate::link_stats::LinkStats;
use crate::network_interface::NetworkInterface;
use crate::router::allocator::bits;
use crate::router::out_vc_state::OutVcState;
use crate::router::output_unit::OutputUnit;
use crate::router::routing_unit::RoutingUnit;
use crate::router::{Router, RouterParams, StepCtx};
use crate::routing::RoutingFunction;
use crate::sim::recorder::Recorder;
use crate::topology::{Direction, GRID_NET_PORTS, Topology};
use crate::traffic::SyntheticSource;
use moesim_core::{Coord, Error, NodeId, Result, RouterId, StatsTree};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A packet that reached its destination.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Delivered {
    pub tag: u64,
    pub src: NodeId,
    pub dst: NodeId,
    pub flits: u32,
    pub created_cycle: u64,
    /// The cycle the tail flit was ejected.
    pub delivered_cycle: u64,
    /// Routers traversed (link hops + 1).
    pub hops: u32,
}

/// Default for [`FlitNetwork::set_deadlock_cycles`].
pub const DEFAULT_DEADLOCK_CYCLES: u64 = 10_000;

/// Per-unit counters at the last statistics reset.
#[derive(Clone, Debug, Default)]
struct Baseline {
    traversals: Vec<u64>,
    flits_in: Vec<Vec<u64>>,
    flits_out: Vec<Vec<u64>>,
}

/// A cycle-level network of input-queued VC routers.
pub struct FlitNetwork {
    params: RouterParams,
    routers: Vec<Router>,
    nis: Vec<NetworkInterface>,
    channels: Vec<Channel>,
    packets: PacketSlab,
    routing: RoutingUnit,
    link_stats: LinkStats,
    window_cycles: u64,
    wheel: DeliveryWheel,
    /// Routers to run in the current cycle / the next one (bit per router).
    active: Vec<u64>,
    active_next: Vec<u64>,
    /// NIs with packets waiting (bit per node).
    injecting: Vec<u64>,
    /// Synthetic arrivals of NIs with an empty queue: (cycle, node).
    arrivals: BinaryHeap<Reverse<(u64, u32)>>,
    source: Option<SyntheticSource>,
    generating: bool,
    pub(crate) recorder: Recorder,
    delivered: Vec<Delivered>,
    cycle: u64,
    last_progress: u64,
    deadlock_cycles: u64,
    credits_in_flight: i64,
    seed: u64,
    scratch_n: Vec<u64>,
    active_nodes: usize,
    coords: Vec<Coord>,
    baseline: Baseline,
    /// Steps the routers of a cycle in descending id order (tests of order independence).
    pub(crate) reverse_order: bool,
}

impl FlitNetwork {
    /// A network of `topo` routed by `routing`, with routers configured by `router`. Link
    /// statistics use windows of `window_cycles`. `seed` is the base of the random streams of
    /// an attached synthetic source (the network itself draws no random numbers).
    pub fn new(
        topo: &Topology,
        routing: Box<dyn RoutingFunction>,
        router: &RouterConfig,
        window_cycles: u64,
        seed: u64,
    ) -> Result<FlitNetwork> {
        router.validate("router")?;
        if router.num_vcs < routing.min_vcs() as u32 {
            return Err(Error::config(
                "router",
                "router.num_vcs",
                format!(
                    "{} VCs are too few for routing function `{}`",
                    router.num_vcs,
                    routing.name()
                ),
            )
            .allowed(format!("at least {}", routing.min_vcs())));
        }
        let params = RouterParams::from_config(router);
        let (v, b) = (params.num_vcs, params.vc_buf_size);
        let nr = topo.num_routers();
        let ports: Vec<usize> = topo.routers.iter().map(|r| r.num_ports()).collect();
        let mut in_ch: Vec<Vec<Option<u32>>> = ports.iter().map(|&p| vec![None; p]).collect();
        let mut out_ch = in_ch.clone();
        let mut channels = Vec::new();
        for l in &topo.links {
            if l.failed || topo.router(l.src).failed || topo.router(l.dst).failed {
                continue;
            }
            let id = channels.len() as u32;
            channels.push(Channel::new(
                Endpoint::Router {
                    router: l.src.0,
                    port: l.src_port,
                },
                Endpoint::Router {
                    router: l.dst.0,
                    port: l.dst_port,
                },
                l.latency_cycles,
                l.cycles_per_flit,
                params.credit_delay,
                Some(l.id),
            ));
            out_ch[l.src.index()][l.src_port as usize] = Some(id);
            in_ch[l.dst.index()][l.dst_port as usize] = Some(id);
        }
        let mut nis = Vec::with_capacity(topo.num_nodes());
        for t in &topo.terminals {
            let (r, p) = (t.router.0, t.port);
            let ep = Endpoint::Router { router: r, port: p };
            let inj = channels.len() as u32;
            channels.push(Channel::new(Endpoint::Ni(t.node.0), ep, 1, 1, 0, None));
            let ej = channels.len() as u32;
            channels.push(Channel::new(
                ep,
                Endpoint::Ni(t.node.0),
                1,
                1,
                params.credit_delay,
                None,
            ));
            in_ch[r as usize][p as usize] = Some(inj);
            out_ch[r as usize][p as usize] = Some(ej);
            nis.push(NetworkInterface::new(t.node, inj, ej, v, b));
        }
        let routers: Vec<Router> = topo
            .routers
            .iter()
            .enumerate()
            .map(|(r, node)| {
                let inputs = in_ch[r].clone();
                let outputs = (0..ports[r])
                    .map(|p| {
                        let ch = out_ch[r][p];
                        let (link, cpf) = match ch {
                            Some(c) => (
                                channels[c as usize].link,
                                channels[c as usize].cycles_per_flit,
                            ),
                            None => (None, 1),
                        };
                        OutputUnit::new(ch, link, cpf, OutVcState::new(v, b))
                    })
                    .collect();
                Router::new(node.id, router, inputs, outputs)
            })
            .collect();
        let horizon = channels
            .iter()
            .map(Channel::max_delay_cycles)
            .max()
            .unwrap_or(1)
            + 1;
        let nodes = topo.num_nodes();
        Ok(FlitNetwork {
            params,
            baseline: Baseline {
                traversals: vec![0; nr],
                flits_in: ports.iter().map(|&p| vec![0; p]).collect(),
                flits_out: ports.iter().map(|&p| vec![0; p]).collect(),
            },
            routers,
            nis,
            channels,
            packets: PacketSlab::new(),
            routing: RoutingUnit::new(routing, topo, v as u8),
            link_stats: LinkStats::new(topo.links.len(), window_cycles, 0),
            window_cycles,
            wheel: DeliveryWheel::new(horizon),
            active: vec![0; nr.div_ceil(64).max(1)],
            active_next: vec![0; nr.div_ceil(64).max(1)],
            injecting: vec![0; nodes.div_ceil(64).max(1)],
            arrivals: BinaryHeap::new(),
            source: None,
            generating: false,
            recorder: Recorder::new(nodes),
            delivered: Vec::new(),
            cycle: 0,
            last_progress: 0,
            deadlock_cycles: DEFAULT_DEADLOCK_CYCLES,
            credits_in_flight: 0,
            seed,
            scratch_n: vec![0; nodes.div_ceil(64).max(1)],
            active_nodes: topo.active_nodes().len(),
            coords: topo.routers.iter().map(|r| r.coord).collect(),
            reverse_order: false,
        })
    }

    /// Cycles with flits in flight and none moving before [`Self::step`] reports a deadlock.
    pub fn set_deadlock_cycles(&mut self, cycles: u64) {
        self.deadlock_cycles = cycles.max(1);
    }

    /// Draws packets from `source` from now on (its arrivals are counted from cycle 0).
    pub fn attach_source(&mut self, mut source: SyntheticSource) {
        for n in 0..self.nis.len() {
            let a = source.first_arrival(n);
            let ni = &mut self.nis[n];
            ni.next_arrival = a;
            if a != u64::MAX && !ni.in_arrivals {
                ni.in_arrivals = true;
                self.arrivals.push(Reverse((a.max(self.cycle), n as u32)));
            }
        }
        self.source = Some(source);
        self.generating = true;
    }

    /// Stops creating synthetic packets (queued ones still go out).
    pub fn stop_source(&mut self) {
        self.generating = false;
        self.arrivals.clear();
        for ni in &mut self.nis {
            ni.in_arrivals = false;
        }
    }

    /// The seed given at construction.
    pub fn seed(&self) -> u64 {
        self.seed
    }
    /// The current cycle (the next one [`Self::step`] simulates).
    pub fn cycle(&self) -> u64 {
        self.cycle
    }
    pub fn num_nodes(&self) -> usize {
        self.nis.len()
    }
    /// Nodes whose router has not failed.
    pub fn num_active_nodes(&self) -> usize {
        self.active_nodes
    }
    pub fn num_routers(&self) -> usize {
        self.routers.len()
    }
    /// Packets created and not yet delivered (queued or in the network).
    pub fn packets_in_flight(&self) -> usize {
        self.packets.live()
    }
    /// Flits created and not yet ejected.
    pub fn flits_in_flight(&self) -> u64 {
        self.recorder.inflight_flits
    }
    /// Flits that traversed a router switch since construction.
    pub fn flit_router_traversals(&self) -> u64 {
        self.routers.iter().map(|r| r.traversals).sum()
    }
    /// Whether no packet and no credit is in flight.
    pub fn is_idle(&self) -> bool {
        self.packets.live() == 0 && self.credits_in_flight == 0
    }

    /// Queues a packet of `flits` flits from `src` to `dst`, created at the current cycle.
    pub fn inject(&mut self, src: NodeId, dst: NodeId, flits: u32, tag: u64) -> Result<()> {
        let n = self.nis.len();
        for (key, id) in [("src", src), ("dst", dst)] {
            if id.index() >= n {
                return Err(Error::config(
                    "FlitNetwork::inject",
                    key,
                    format!("node {id} does not exist"),
                )
                .allowed(format!("node ids below {n}")));
            }
            if self.source_inactive(id) {
                return Err(Error::config(
                    "FlitNetwork::inject",
                    key,
                    format!("node {id} is on a failed router"),
                ));
            }
        }
        if flits == 0 {
            return Err(Error::config("FlitNetwork::inject", "flits", "is 0")
                .allowed("at least one flit per packet"));
        }
        let now = self.cycle;
        if self.packets.live() == 0 {
            self.last_progress = now;
        }
        let measured = self.recorder.measures(now);
        let id = self.packets.insert(Packet {
            src,
            dst,
            flits,
            created_cycle: now,
            injected_cycle: now,
            tag,
            hops: 0,
            measured,
            external: true,
        });
        self.recorder.created(flits, now, measured);
        self.nis[src.index()].enqueue(id, flits);
        self.injecting[src.index() / 64] |= 1 << (src.index() % 64);
        Ok(())
    }

    fn source_inactive(&self, n: NodeId) -> bool {
        let r = self.routing.topology().terminal(n).router;
        self.routing.topology().router(r).failed
    }

    /// The packets delivered since the last call, by delivery cycle, then destination, then tag.
    pub fn drain_delivered(&mut self) -> impl Iterator<Item = Delivered> + '_ {
        self.delivered
            .sort_unstable_by_key(|d| (d.delivered_cycle, d.dst, d.tag, d.src));
        self.delivered.drain(..)
    }

    /// Per-link flit counts since the last [`Self::reset_link_stats`] (or construction).
    pub fn link_stats(&self) -> &LinkStats {
        &self.link_stats
    }
    /// Restarts the link statistics at the current cycle (flits already granted the switch but
    /// leaving from now on are counted).
    pub fn reset_link_stats(&mut self) {
        let now = self.cycle;
        self.link_stats =
            LinkStats::new(self.link_stats.total_flits.len(), self.window_cycles, now);
        for (due, d) in self.wheel.iter_due(now) {
            let ch = &self.channels[d.channel as usize];
            if let (false, Some(l)) = (d.credit, ch.link) {
                let sent = ch.flit_sent(due);
                if sent >= now {
                    self.link_stats.record(sent, l);
                }
            }
        }
    }
    /// The link statistics, closed at the current cycle.
    pub fn take_link_stats(&mut self) -> LinkStats {
        let mut s = self.link_stats.clone();
        s.finish(self.cycle);
        s
    }

    /// Simulates one cycle. Errors when the routing function gives no usable route, or when
    /// flits are in flight and none has moved for the deadlock timeout.
    pub fn step(&mut self) -> Result<()> {
        let t = self.cycle;
        if self.packets.live() > 0 && t.saturating_sub(self.last_progress) >= self.deadlock_cycles {
            return Err(self.deadlock_error());
        }
        // 1. Deliveries.
        let due = self.wheel.take(t);
        for d in &due {
            let ch = &self.channels[d.channel as usize];
            if d.credit {
                self.credits_in_flight -= 1;
                match ch.src {
                    Endpoint::Router { router, port } => {
                        let r = &mut self.routers[router as usize];
                        r.accept_credit(&self.params, port as usize, d.flit.vc);
                        if r.buffered_flits() > 0 {
                            self.active[router as usize / 64] |= 1 << (router % 64);
                        }
                    }
                    Endpoint::Ni(n) => self.nis[n as usize]
                        .out
                        .credit(d.flit.vc, self.params.wait_for_tail_credit),
                }
            } else {
                match ch.dst {
                    Endpoint::Router { router, port } => {
                        self.routers[router as usize].accept_flit(
                            &self.params,
                            port as usize,
                            d.flit,
                            t,
                        );
                        self.active[router as usize / 64] |= 1 << (router % 64);
                    }
                    Endpoint::Ni(n) => self.eject(n as usize, d.channel, d.flit, t),
                }
            }
        }
        self.wheel.restore(t, due);
        // 2. Network interfaces.
        let mut todo = std::mem::take(&mut self.scratch_n);
        todo.copy_from_slice(&self.injecting);
        while let Some(&Reverse((at, n))) = self.arrivals.peek() {
            if at > t {
                break;
            }
            self.arrivals.pop();
            self.nis[n as usize].in_arrivals = false;
            todo[n as usize / 64] |= 1 << (n % 64);
        }
        for n in bits(&todo) {
            self.ni_step(n, t);
        }
        self.scratch_n = todo;
        // 3. Routers.
        let mut ctx = StepCtx {
            cycle: t,
            channels: &self.channels,
            wheel: &mut self.wheel,
            packets: &mut self.packets,
            routing: &mut self.routing,
            link_stats: &mut self.link_stats,
            moved: false,
            credits_sent: 0,
            error: None,
        };
        if self.reverse_order {
            for r in (0..self.routers.len()).rev() {
                let (w, b) = (r / 64, 1u64 << (r % 64));
                if self.active[w] & b != 0 {
                    let router = &mut self.routers[r];
                    router.step(&self.params, &mut ctx);
                    if router.has_work() {
                        self.active_next[w] |= b;
                    }
                }
            }
            self.active.iter_mut().for_each(|w| *w = 0);
        }
        for w in 0..self.active.len() {
            let mut m = std::mem::take(&mut self.active[w]);
            while m != 0 {
                let r = w * 64 + m.trailing_zeros() as usize;
                m &= m - 1;
                let router = &mut self.routers[r];
                router.step(&self.params, &mut ctx);
                if router.has_work() {
                    self.active_next[w] |= 1 << (r % 64);
                }
            }
        }
        let (moved, sent, error) = (ctx.moved, ctx.credits_sent, ctx.error);
        std::mem::swap(&mut self.active, &mut self.active_next);
        self.credits_in_flight += sent as i64;
        if moved {
            self.last_progress = t;
        }
        if let Some(e) = error {
            return Err(e);
        }
        self.cycle = t + 1;
        Ok(())
    }

    /// Node `n` receives flit `f` from its ejection channel `ch` in cycle `t`: the credit goes
    /// back at once, and a tail completes its packet.
    fn eject(&mut self, n: usize, ch: u32, f: Flit, t: u64) {
        self.wheel.push(
            self.channels[ch as usize].credit_due(t),
            Delivery {
                channel: ch,
                credit: true,
                flit: Flit::new(0, false, false, f.vc),
            },
        );
        self.credits_in_flight += 1;
        let p = *self.packets.get(f.packet);
        self.recorder.flit_accepted(n, &p, f.is_tail());
        if f.is_tail() {
            self.packets.remove(f.packet);
            self.recorder.packet_done(&p, t);
            if p.external {
                self.delivered.push(Delivered {
                    tag: p.tag,
                    src: p.src,
                    dst: p.dst,
                    flits: p.flits,
                    created_cycle: p.created_cycle,
                    delivered_cycle: t,
                    hops: p.hops,
                });
            }
        }
        self.last_progress = t;
    }

    fn ni_step(&mut self, n: usize, t: u64) {
        let wait = self.params.wait_for_tail_credit;
        if self.generating && self.nis[n].queue.is_empty() && self.nis[n].next_arrival <= t {
            self.generate(n, t);
        }
        if let Some(f) = self.nis[n].next_flit(&self.packets, wait) {
            if f.is_head() {
                self.packets.get_mut(f.packet).injected_cycle = t;
            }
            let inj = self.nis[n].inj_channel;
            self.wheel.push(
                self.channels[inj as usize].flit_due(t),
                Delivery {
                    channel: inj,
                    credit: false,
                    flit: f,
                },
            );
            self.recorder.flit_sent(n, f.is_head());
            self.last_progress = t;
        }
        let ni = &mut self.nis[n];
        let bit = 1u64 << (n % 64);
        if ni.queue.is_empty() {
            self.injecting[n / 64] &= !bit;
            if self.generating && ni.next_arrival != u64::MAX && !ni.in_arrivals {
                ni.in_arrivals = true;
                self.arrivals
                    .push(Reverse((ni.next_arrival.max(t + 1), n as u32)));
            }
        } else {
            self.injecting[n / 64] |= bit;
        }
    }

    /// Creates the synthetic packet due at node `n` (BookSim's `_GeneratePacket`).
    fn generate(&mut self, n: usize, t: u64) {
        let Some(src) = self.source.as_mut() else {
            return;
        };
        let a = self.nis[n].next_arrival;
        let created = if src.include_queuing { a } else { t };
        let dst = src.dest(n);
        let flits = src.packet_flits;
        let gap = src.next_gap(n);
        if self.packets.live() == 0 {
            self.last_progress = t;
        }
        let measured = self.recorder.measures(created);
        let id = self.packets.insert(Packet {
            src: NodeId(n as u32),
            dst,
            flits,
            created_cycle: created,
            injected_cycle: created,
            tag: 0,
            hops: 0,
            measured,
            external: false,
        });
        self.recorder.created(flits, created, measured);
        let ni = &mut self.nis[n];
        ni.enqueue(id, flits);
        ni.next_arrival = a.saturating_add(gap);
    }

    /// The next cycle at or after the current one in which something is due, if any.
    fn next_busy_cycle(&self) -> Option<u64> {
        if self.injecting.iter().chain(&self.active).any(|&w| w != 0) {
            return Some(self.cycle);
        }
        let mut best = self.arrivals.peek().map(|r| r.0.0);
        if self.packets.live() > 0 {
            // Flits in flight but nothing due: routers wait for each other. Come back when the
            // watchdog fires.
            let deadline = self.last_progress.saturating_add(self.deadlock_cycles);
            best = Some(best.map_or(deadline, |b| b.min(deadline)));
        }
        if !self.wheel.is_empty() {
            for d in 0..=self.wheel.horizon() {
                let c = self.cycle + d;
                if best.is_some_and(|b| b <= c) {
                    break;
                }
                if self.wheel.has_due(c) {
                    best = Some(c);
                    break;
                }
            }
        }
        best
    }

    /// Simulates up to (not including) cycle `end`, jumping over cycles with nothing due.
    pub fn run_until(&mut self, end: u64) -> Result<()> {
        while self.cycle < end {
            match self.next_busy_cycle() {
                Some(c) if c > self.cycle => self.cycle = c.min(end),
                None => self.cycle = end,
                _ => self.step()?,
            }
        }
        Ok(())
    }

    /// Simulates until no packet or credit is in flight; returns the cycles simulated. Errors if
    /// that takes more than `max_cycles` (or on a deadlock or routing failure).
    pub fn run_until_idle(&mut self, max_cycles: u64) -> Result<u64> {
        let start = self.cycle;
        let limit = start.saturating_add(max_cycles);
        while !self.is_idle() {
            if self.cycle >= limit {
                return Err(Error::Sim(format!(
                    "network not idle after {max_cycles} cycles (cycle {}, {} packets in flight)",
                    self.cycle,
                    self.packets.live()
                )));
            }
            match self.next_busy_cycle() {
                Some(c) if c > self.cycle => self.cycle = c.min(limit),
                _ => self.step()?,
            }
        }
        Ok(self.cycle - start)
    }

    fn deadlock_error(&self) -> Error {
        let stuck: Vec<String> = self
            .routers
            .iter()
            .filter(|r| r.buffered_flits() > 0)
            .take(8)
            .map(|r| {
                format!(
                    "router {} ({}): {}",
                    r.id,
                    self.coords[r.id.index()],
                    r.describe_buffers().join("; ")
                )
            })
            .collect();
        let n_stuck = self
            .routers
            .iter()
            .filter(|r| r.buffered_flits() > 0)
            .count();
        Error::Sim(format!(
            "deadlock at cycle {}: {} flits in flight and none moved since cycle {} ({} routers \
             hold flits); {}",
            self.cycle,
            self.recorder.inflight_flits,
            self.last_progress,
            n_stuck,
            if stuck.is_empty() {
                "no router holds flits".to_string()
            } else {
                format!("stuck routers: {}", stuck.join(" | "))
            }
        ))
    }

    /// Restarts the per-router and per-port counters (switch traversals, flits in and out).
    pub fn reset_unit_counters(&mut self) {
        for (r, router) in self.routers.iter().enumerate() {
            self.baseline.traversals[r] = router.traversals;
            for (p, &n) in router.inputs.flits_in.iter().enumerate() {
                self.baseline.flits_in[r][p] = n;
            }
            for (p, u) in router.outputs.iter().enumerate() {
                self.baseline.flits_out[r][p] = u.flits_out;
            }
        }
    }

    /// The per-router counters since [`Self::reset_unit_counters`], as a stats tree:
    /// `router[x,y].switch_traversals`, `router[x,y].port_<name>.flits_in` / `.flits_out`.
    pub fn unit_stats(&self) -> StatsTree {
        let mut s = StatsTree::new();
        for (r, router) in self.routers.iter().enumerate() {
            let c = self.coords[r];
            let name = format!("router[{},{}]", c.x, c.y);
            s.add_counter(
                &format!("{name}.switch_traversals"),
                "flits that traversed the switch",
                router.traversals - self.baseline.traversals[r],
            );
            for p in 0..router.inputs.ports() {
                if router.inputs.channel[p].is_none() {
                    continue;
                }
                let port = port_name(p);
                s.add_counter(
                    &format!("{name}.{port}.flits_in"),
                    "flits received on the input port",
                    router.inputs.flits_in[p] - self.baseline.flits_in[r][p],
                );
                let o = &router.outputs[p];
                s.add_counter(
                    &format!("{name}.{port}.flits_out"),
                    "flits sent on the output port",
                    o.flits_out - self.baseline.flits_out[r][p],
                );
            }
        }
        s
    }

    /// Checks credit and flit conservation: for every channel and VC, the sender's outstanding
    /// count equals flits on their way (in the switch or on the wire), flits buffered downstream
    /// and credits on their way back, and no buffer holds more than `vc_buf_size` flits; the flits
    /// in flight equal those queued, buffered and on their way. Costs a walk over all state.
    pub fn check_invariants(&self) -> Result<()> {
        let depth = self.params.vc_buf_size as usize;
        let v = self.params.num_vcs;
        let mut on_way = vec![0usize; self.channels.len() * v];
        let mut back = vec![0usize; self.channels.len() * v];
        for d in self.wheel.iter() {
            let k = d.channel as usize * v + d.flit.vc as usize;
            if d.credit {
                back[k] += 1;
            } else {
                on_way[k] += 1;
            }
        }
        let downstream = |ep: Endpoint, w: usize| -> usize {
            match ep {
                Endpoint::Router { router, port } => {
                    self.routers[router as usize].vc_len(port as usize, w)
                }
                Endpoint::Ni(_) => 0,
            }
        };
        let check = |what: String, occ: usize, c: u32, w: usize| -> Result<()> {
            let k = c as usize * v + w;
            let down = downstream(self.channels[c as usize].dst, w);
            if occ != on_way[k] + back[k] + down || occ > depth || down > depth {
                return Err(Error::Check(format!(
                    "{what} VC {w}: {occ} outstanding != {} on the way + {down} buffered + {} \
                     credits returning (vc_buf_size {depth})",
                    on_way[k], back[k]
                )));
            }
            Ok(())
        };
        let mut located = 0u64;
        for (r, router) in self.routers.iter().enumerate() {
            let mut buffered = 0;
            for p in 0..router.inputs.ports() {
                for w in 0..v {
                    let len = router.vc_len(p, w);
                    if len > depth {
                        return Err(Error::Check(format!(
                            "router {r} input {p} VC {w} holds {len} flits > vc_buf_size {depth}"
                        )));
                    }
                    buffered += len;
                }
            }
            if buffered != router.buffered_flits() as usize {
                return Err(Error::Check(format!("router {r}: buffered count is off")));
            }
            located += buffered as u64;
            for (o, out) in router.outputs.iter().enumerate() {
                let Some(c) = out.channel else { continue };
                for w in 0..v {
                    check(
                        format!("router {r} output {o}"),
                        out.vcs.occupancy(w as u8) as usize,
                        c,
                        w,
                    )?;
                }
            }
        }
        for ni in &self.nis {
            for w in 0..v {
                check(
                    format!("node {} injection", ni.node),
                    ni.out.occupancy(w as u8) as usize,
                    ni.inj_channel,
                    w,
                )?;
            }
            located += ni.queued_flits;
        }
        located += on_way.iter().sum::<usize>() as u64;
        if located != self.recorder.inflight_flits {
            return Err(Error::Check(format!(
                "{} flits in flight but {located} found in queues, buffers and on their way",
                self.recorder.inflight_flits
            )));
        }
        let credits: usize = back.iter().sum();
        if credits as i64 != self.credits_in_flight {
            return Err(Error::Check(format!(
                "{credits} credits on their way but {} counted",
                self.credits_in_flight
            )));
        }
        Ok(())
    }

    /// Whether packets created before `drain_time` are still to be created or delivered.
    pub(crate) fn measured_outstanding(&self, drain_time: u64) -> bool {
        self.recorder.measured_inflight_flits > 0
            || (self.generating && self.nis.iter().any(|ni| ni.next_arrival < drain_time))
    }

    /// The router parameters in use.
    pub fn params(&self) -> &RouterParams {
        &self.params
    }
    /// The router with id `r`.
    pub fn router(&self, r: RouterId) -> &Router {
        &self.routers[r.index()]
    }
}

/// `port_east`, ..., `port_local0` for grid routers.
fn port_name(p: usize) -> String {
    match Direction::from_port(p as u16) {
        Some(d) => format!("port_{}", d.name()),
        None => format!("port_local{}", p.saturating_sub(GRID_NET_PORTS as usize)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{AllocatorKind, TopologyConfig, TrafficConfig, TrafficPattern};
    use crate::routing::RouteCandidate;
    use crate::routing::dor::DimensionOrderRouting;
    use crate::topology::{self, PortId};
    use moesim_core::{MeshShape, rng_from_seed};
    use rand::RngExt;

    fn mesh(x: u32, y: u32) -> Topology {
        topology::build(&TopologyConfig::mesh(x, y), "t").unwrap()
    }

    fn router(vcs: u32, buf: u32) -> RouterConfig {
        RouterConfig {
            num_vcs: vcs,
            vc_buf_size: buf,
            ..RouterConfig::default()
        }
    }

    fn net(topo: &Topology, rc: &RouterConfig) -> FlitNetwork {
        FlitNetwork::new(topo, Box::new(DimensionOrderRouting::xy()), rc, 100, 0).unwrap()
    }

    /// Latency of one packet alone in `net`.
    fn lone(mut n: FlitNetwork, src: u32, dst: u32, flits: u32) -> u64 {
        n.inject(NodeId(src), NodeId(dst), flits, 1).unwrap();
        n.run_until_idle(10_000).unwrap();
        let d: Vec<_> = n.drain_delivered().collect();
        assert_eq!(d.len(), 1);
        d[0].delivered_cycle - d[0].created_cycle
    }

    #[test]
    fn pipeline_knobs_change_zero_load_latency_as_booksim() {
        let t = mesh(4, 4);
        // 0 -> 15: 6 hops, 7 routers.
        let base = router(4, 8);
        assert_eq!(lone(net(&t, &base), 0, 15, 4), 5 * 6 + 6 + 4);
        // Speculative VA+SA: 4 cycles per router and link.
        let spec = RouterConfig {
            speculative: true,
            ..base.clone()
        };
        assert_eq!(lone(net(&t, &spec), 0, 15, 4), 4 * 6 + 5 + 4);
        // Lookahead routing (routing_delay = 0): also 4 per hop.
        let la = RouterConfig {
            routing_delay: 0,
            ..base.clone()
        };
        assert_eq!(lone(net(&t, &la), 0, 15, 4), 4 * 6 + 5 + 4);
        // Both: 3 per hop.
        let both = RouterConfig {
            routing_delay: 0,
            speculative: true,
            ..base.clone()
        };
        assert_eq!(lone(net(&t, &both), 0, 15, 4), 3 * 6 + 4 + 4);
        // Two-cycle VA and SA and a two-cycle crossbar: 8 cycles per router and link; a VC
        // starts its next switch allocation only when the last one finished, so flits follow
        // each other every 2 cycles.
        let slow = RouterConfig {
            vc_alloc_delay: 2,
            sw_alloc_delay: 2,
            st_prepare_delay: 1,
            ..base.clone()
        };
        assert_eq!(lone(net(&t, &slow), 0, 15, 4), 2 + 8 * 7 + 2 * 3);
        // Credit handling does not matter for a lone packet that fits the buffers.
        for rc in [
            RouterConfig {
                wait_for_tail_credit: true,
                ..base.clone()
            },
            RouterConfig {
                credit_delay: 3,
                ..base.clone()
            },
            RouterConfig {
                vc_allocator: AllocatorKind::SeparableInputFirst,
                sw_allocator: AllocatorKind::SeparableOutputFirst,
                ..base.clone()
            },
        ] {
            assert_eq!(lone(net(&t, &rc), 0, 15, 4), 5 * 6 + 6 + 4);
        }
    }

    #[test]
    fn long_and_narrow_links() {
        // 2x1 mesh whose link 0 -> 1 has latency 3 and carries a flit every 2 cycles.
        let mut t = mesh(2, 1);
        for l in &mut t.links {
            l.latency_cycles = 3;
            l.cycles_per_flit = 2;
        }
        // Head: router 0 reads it in 2, leaves the switch in 5, router 1 reads it in
        // 5 + 3 + 2 = 10, leaves in 13, the NI reads it in 15. Flits leave router 0 every
        // 2 cycles (5, 7, 9); the last reaches router 1 in 14, leaves in 15, is read in 17.
        let mut n = net(&t, &router(4, 8));
        n.inject(NodeId(0), NodeId(1), 3, 9).unwrap();
        n.run_until_idle(1000).unwrap();
        let d: Vec<_> = n.drain_delivered().collect();
        assert_eq!(d[0].delivered_cycle - d[0].created_cycle, 17);
        assert_eq!(d[0].hops, 2);
        assert_eq!(n.link_stats().total_flits.iter().sum::<u64>(), 3);
        // A full-width link: 5 cycles per hop.
        let mut t = mesh(2, 1);
        t.links[0].latency_cycles = 1;
        assert_eq!(lone(net(&t, &router(4, 8)), 0, 1, 3), 5 + 6 + 3);
    }

    /// Random traffic on a small mesh: every cycle, credits and flits are conserved and no
    /// buffer overflows; at the end everything is delivered.
    fn churn(rc: &RouterConfig, seed: u64, cycles: u64, check_every: u64) -> (Vec<Delivered>, u64) {
        let t = mesh(3, 3);
        let mut n = net(&t, rc);
        let mut rng = rng_from_seed(seed);
        let mut sent = 0;
        for c in 0..cycles {
            for s in 0..9 {
                if rng.random_bool(0.15) {
                    let flits = rng.random_range(1..6);
                    n.inject(NodeId(s), NodeId(rng.random_range(0..9)), flits, sent)
                        .unwrap();
                    sent += 1;
                }
            }
            n.step().unwrap();
            if c % check_every == 0 {
                n.check_invariants().unwrap();
            }
        }
        n.run_until_idle(100_000).unwrap();
        n.check_invariants().unwrap();
        assert!(n.is_idle());
        let d: Vec<_> = n.drain_delivered().collect();
        assert_eq!(d.len() as u64, sent);
        (d, n.flit_router_traversals())
    }

    #[test]
    fn conservation_under_load() {
        for rc in [
            router(2, 2),
            RouterConfig {
                speculative: true,
                wait_for_tail_credit: true,
                ..router(3, 3)
            },
            RouterConfig {
                vc_alloc_delay: 2,
                sw_alloc_delay: 3,
                routing_delay: 0,
                credit_delay: 2,
                vc_allocator: AllocatorKind::SeparableOutputFirst,
                sw_allocator: AllocatorKind::SeparableInputFirst,
                ..router(2, 4)
            },
        ] {
            let (d, _) = churn(&rc, 1, 600, 1);
            let mut tags: Vec<u64> = d.iter().map(|x| x.tag).collect();
            tags.sort_unstable();
            assert!(tags.windows(2).all(|w| w[0] + 1 == w[1]));
        }
    }

    #[test]
    fn same_seed_same_result_and_order_does_not_matter() {
        let rc = router(2, 4);
        let a = churn(&rc, 7, 400, 50);
        let b = churn(&rc, 7, 400, 50);
        assert_eq!(a, b);
        // Stepping the routers of each cycle in reverse order changes nothing.
        let t = mesh(3, 3);
        let run = |reverse: bool| {
            let mut n = net(
                &t,
                &RouterConfig {
                    speculative: true,
                    ..router(2, 2)
                },
            );
            n.reverse_order = reverse;
            let cfg = TrafficConfig {
                pattern: TrafficPattern::Uniform,
                injection_rate: 0.3,
                packet_size: 3,
                ..TrafficConfig::default()
            };
            n.attach_source(SyntheticSource::new(&cfg, true, 3, &t, "t").unwrap());
            n.run_until(3000).unwrap();
            let r = &n.recorder;
            (
                r.plat.sum,
                r.plat.count,
                r.nlat.sum,
                n.flit_router_traversals(),
                r.accepted_flits.clone(),
            )
        };
        assert_eq!(run(false), run(true));
    }

    /// Always east around a ring: a cyclic channel dependency.
    struct RingEast;
    impl RoutingFunction for RingEast {
        fn name(&self) -> &'static str {
            "ring_east"
        }
        fn is_deterministic(&self) -> bool {
            true
        }
        fn route(
            &self,
            topo: &Topology,
            router: RouterId,
            _in_port: PortId,
            _in_vc: u8,
            dst: NodeId,
            _num_vcs: u8,
            out: &mut Vec<RouteCandidate>,
        ) {
            let port = if topo.terminal(dst).router == router {
                topo.terminal(dst).port
            } else {
                Direction::East.port()
            };
            out.push(RouteCandidate {
                out_port: port,
                vc_lo: 0,
                vc_hi: 0,
            });
        }
    }

    #[test]
    fn a_cyclic_dependency_is_reported_as_a_deadlock() {
        let ring = topology::mesh::build_grid(MeshShape::new(4, 1), 1, 1, true);
        let mut n = FlitNetwork::new(&ring, Box::new(RingEast), &router(1, 2), 100, 0).unwrap();
        n.set_deadlock_cycles(500);
        for k in 0..40 {
            for s in 0..4u32 {
                n.inject(NodeId(s), NodeId((s + 3) % 4), 4, k).unwrap();
            }
        }
        let e = n.run_until_idle(1_000_000).unwrap_err().to_string();
        assert!(
            e.contains("deadlock at cycle") && e.contains("stuck routers"),
            "{e}"
        );
        assert!(n.cycle() < 10_000, "watchdog fired late: {}", n.cycle());
    }

    /// Routes to a port with no link.
    struct Nowhere;
    impl RoutingFunction for Nowhere {
        fn name(&self) -> &'static str {
            "nowhere"
        }
        fn is_deterministic(&self) -> bool {
            false
        }
        fn route(
            &self,
            _t: &Topology,
            _r: RouterId,
            _p: PortId,
            _v: u8,
            _d: NodeId,
            _n: u8,
            out: &mut Vec<RouteCandidate>,
        ) {
            out.push(RouteCandidate {
                out_port: Direction::West.port(),
                vc_lo: 0,
                vc_hi: 0,
            });
        }
    }

    #[test]
    fn unusable_routes_and_bad_injections_are_errors() {
        let t = mesh(2, 2);
        let mut n = FlitNetwork::new(&t, Box::new(Nowhere), &router(2, 2), 100, 0).unwrap();
        n.inject(NodeId(0), NodeId(3), 1, 0).unwrap();
        let e = n.run_until_idle(100).unwrap_err().to_string();
        assert!(
            e.contains("nowhere") && e.contains("no usable output"),
            "{e}"
        );
        let mut n = net(&t, &router(2, 2));
        for (s, d, f, key) in [(4, 0, 1, "src"), (0, 9, 1, "dst"), (0, 1, 0, "flits")] {
            let e = n
                .inject(NodeId(s), NodeId(d), f, 0)
                .unwrap_err()
                .to_string();
            assert!(e.contains(key), "{e}");
        }
        n.inject(NodeId(0), NodeId(3), 8, 0).unwrap();
        let e = n.run_until_idle(3).unwrap_err().to_string();
        assert!(e.contains("not idle after 3 cycles"), "{e}");
        let bad = RouterConfig {
            vc_alloc_delay: 0,
            ..router(2, 2)
        };
        assert!(FlitNetwork::new(&t, Box::new(DimensionOrderRouting::xy()), &bad, 1, 0).is_err());
    }

    #[test]
    fn idle_stretches_are_skipped_and_stats_reset() {
        let t = mesh(4, 4);
        let mut n = net(&t, &router(4, 8));
        n.run_until(1_000_000).unwrap();
        assert_eq!(n.cycle(), 1_000_000);
        n.reset_link_stats();
        n.reset_unit_counters();
        n.inject(NodeId(0), NodeId(5), 2, 3).unwrap();
        n.run_until_idle(100).unwrap();
        let d: Vec<_> = n.drain_delivered().collect();
        assert_eq!(d[0].created_cycle, 1_000_000);
        assert_eq!(d[0].hops, 3);
        // Two links, two flits each.
        assert_eq!(n.link_stats().total_flits.iter().sum::<u64>(), 4);
        let s = n.unit_stats();
        assert_eq!(s.value("router[0,0].switch_traversals"), Some(2.0));
        assert_eq!(s.value("router[1,1].port_local0.flits_out"), Some(2.0));
        assert_eq!(s.value("router[1,0].port_west.flits_in"), Some(2.0));
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        fn kind(k: u8) -> AllocatorKind {
            match k % 3 {
                0 => AllocatorKind::Islip,
                1 => AllocatorKind::SeparableInputFirst,
                _ => AllocatorKind::SeparableOutputFirst,
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(24))]
            /// On random small meshes and router configurations, under random traffic, credits
            /// never go negative, no buffer overflows, flits are conserved every cycle, and
            /// every packet arrives.
            #[test]
            fn random_configs_conserve_and_deliver(
                x in 1u32..4, y in 1u32..4, c in 1u32..3,
                vcs in 1u32..4, buf in 1u32..4,
                rd in 0u32..3, vd in 1u32..3, sd in 1u32..3, xd in 1u32..3,
                credit_delay in 0u32..3, spec: bool, tail_credit: bool,
                va in 0u8..3, sa in 0u8..3, iters in 1u32..3,
                seed: u64, rate in 0.05f64..0.5,
            ) {
                let cfg = TopologyConfig::Mesh { x, y, concentration: c, link_latency_cycles: 1 };
                let t = topology::build(&cfg, "t").unwrap();
                let rc = RouterConfig {
                    num_vcs: vcs,
                    vc_buf_size: buf,
                    routing_delay: rd,
                    vc_alloc_delay: vd,
                    sw_alloc_delay: sd,
                    st_final_delay: xd,
                    credit_delay,
                    speculative: spec,
                    wait_for_tail_credit: tail_credit,
                    vc_allocator: kind(va),
                    sw_allocator: kind(sa),
                    alloc_iters: iters,
                    ..RouterConfig::default()
                };
                let mut n = net(&t, &rc);
                let nodes = t.num_nodes() as u32;
                let mut rng = rng_from_seed(seed);
                let mut sent = 0u64;
                for _ in 0..300 {
                    for s in 0..nodes {
                        if rng.random_bool(rate / 3.0) {
                            let d = rng.random_range(0..nodes);
                            n.inject(NodeId(s), NodeId(d), rng.random_range(1..5), sent).unwrap();
                            sent += 1;
                        }
                    }
                    n.step().unwrap();
                    prop_assert!(n.check_invariants().is_ok(), "{:?}", n.check_invariants());
                }
                n.run_until_idle(200_000).unwrap();
                prop_assert!(n.check_invariants().is_ok());
                prop_assert_eq!(n.drain_delivered().count() as u64, sent);
            }
        }
    }
}
