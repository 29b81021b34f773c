//! The input-queued virtual-channel router (BookSim's `iq` router), one micro-architectural unit
//! per file as in gem5 Garnet:
//!
//! - [`input_unit`] / [`virtual_channel`]: input ports, their VCs and flit buffers;
//! - [`routing_unit`]: route computation (RC), with a route table for deterministic functions;
//! - [`vc_allocator`]: VC allocation (VA);
//! - [`switch_allocator`]: switch allocation (SA), speculative or not;
//! - [`crossbar`]: switch traversal (ST);
//! - [`output_unit`] / [`out_vc_state`]: output ports and the credit state of the VCs downstream;
//! - [`allocator`]: the iSLIP and separable allocators and the round-robin arbiter.
//!
//! # One cycle
//!
//! Flits and credits due in cycle `t` are handed to the router first ([`Router::accept_flit`],
//! [`Router::accept_credit`]: BookSim's input queuing). [`Router::step`] then runs the rest of
//! BookSim's `_InternalStep`: route computation, VA evaluate, SA evaluate, VA update, SA update
//! (the winning flits leave their buffers, are booked through the crossbar onto their channel,
//! and free a credit upstream). A stage with delay `d` evaluates in cycle `t` and takes effect at
//! the end of `t + d - 1`; the next stage evaluates from `t + d` on. Route computation only reads
//! state that VA and SA evaluation do not change, so it runs first.
//!
//! Routers exchange flits and credits only through channels, whose deliveries are due at least
//! two cycles after sending, so a router's cycle reads only what other units wrote in earlier
//! cycles (evaluate/commit): the order the routers of a cycle are stepped in does not change any
//! result.
//!
//! At zero load a head flit arriving in cycle `t` is routed in `t`, wins VA in `t + 1` and SA in
//! `t + 2`, traverses the crossbar in `t + 3`, the link in `t + 4`, and is read by the next router
//! in `t + 5`: five cycles per hop, as BookSim with its default delays.

pub mod allocator;
pub mod crossbar;
pub mod input_unit;
pub mod out_vc_state;
pub mod output_unit;
pub mod routing_unit;
pub mod switch_allocator;
pub mod vc_allocator;
pub mod virtual_channel;

use crate::config::RouterConfig;
use crate::flit::{Flit, PacketSlab};
use crate::link::{Channel, Delivery, DeliveryWheel};
use crate::link_stats::LinkStats;
use crossbar::Crossbar;
use input_unit::InputUnits;
use moesim_core::{Error, RouterId};
use output_unit::OutputUnit;
use routing_unit::RoutingUnit;
use std::collections::VecDeque;
use switch_allocator::SwitchAllocator;
use vc_allocator::VcAllocator;
use virtual_channel::{NEVER, NO_PORT, NO_VC, PendingAlloc, Route, VcState};

/// The router knobs in the form the cycle loop uses (from [`RouterConfig`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RouterParams {
    pub num_vcs: usize,
    pub vc_buf_size: u16,
    pub routing_delay: u64,
    pub vc_alloc_delay: u64,
    pub sw_alloc_delay: u64,
    /// `st_prepare_delay + st_final_delay`.
    pub crossbar_delay: u64,
    pub credit_delay: u32,
    pub speculative: bool,
    pub wait_for_tail_credit: bool,
}

impl RouterParams {
    /// The parameters of a validated configuration.
    pub fn from_config(c: &RouterConfig) -> RouterParams {
        RouterParams {
            num_vcs: c.num_vcs as usize,
            vc_buf_size: c.vc_buf_size.min(u16::MAX as u32) as u16,
            routing_delay: c.routing_delay as u64,
            vc_alloc_delay: c.vc_alloc_delay.max(1) as u64,
            sw_alloc_delay: c.sw_alloc_delay.max(1) as u64,
            crossbar_delay: (c.st_prepare_delay + c.st_final_delay).max(1) as u64,
            credit_delay: c.credit_delay,
            speculative: c.speculative,
            wait_for_tail_credit: c.wait_for_tail_credit,
        }
    }
}

/// What a router may touch outside itself during its cycle.
pub struct StepCtx<'a> {
    pub cycle: u64,
    pub channels: &'a [Channel],
    pub wheel: &'a mut DeliveryWheel,
    pub packets: &'a mut PacketSlab,
    pub routing: &'a mut RoutingUnit,
    pub link_stats: &'a mut LinkStats,
    /// Set when a flit moved (the deadlock watchdog's heartbeat).
    pub moved: bool,
    /// Credits sent during the cycle.
    pub credits_sent: u64,
    /// The first error met (a routing failure).
    pub error: Option<Error>,
}

/// One router.
pub struct Router {
    pub id: RouterId,
    pub inputs: InputUnits,
    pub outputs: Vec<OutputUnit>,
    vca: VcAllocator,
    swa: SwitchAllocator,
    xbar: Crossbar,
    /// Pending stage completions, in cycle order.
    rc_queue: VecDeque<(u64, u32)>,
    va_queue: VecDeque<(u64, u32)>,
    sa_queue: VecDeque<(u64, u32)>,
    /// Per VC index: multi-cycle allocation results (general path only).
    pending: Vec<PendingAlloc>,
    sa_eval: Vec<(u32, u16)>,
    buffered: u32,
    /// Whether the last step could lead to progress in the next one without a new flit or
    /// credit arriving (a request was made, a VC waits for the next cycle, a route is being
    /// computed, a narrow link was busy).
    awake: bool,
    /// VC index = `port << vshift | vc`.
    vshift: u32,
    vmask: usize,
    /// Flits that traversed the switch since construction.
    pub traversals: u64,
}

impl Router {
    /// A router whose input ports are fed by `in_channels` and whose output ports are
    /// `outputs`.
    pub fn new(
        id: RouterId,
        cfg: &RouterConfig,
        in_channels: Vec<Option<u32>>,
        outputs: Vec<OutputUnit>,
    ) -> Router {
        let p = in_channels.len();
        let vcs = cfg.num_vcs as usize;
        let vshift = vc_allocator::vc_shift(vcs);
        let n = p << vshift;
        let general = cfg.vc_alloc_delay > 1 || cfg.sw_alloc_delay > 1;
        let depth = cfg.vc_buf_size.min(u16::MAX as u32) as u16;
        Router {
            id,
            inputs: InputUnits::new(in_channels, vshift, depth),
            outputs,
            vca: VcAllocator::new(cfg.vc_allocator, p, vcs, cfg.alloc_iters),
            swa: SwitchAllocator::new(cfg.sw_allocator, p, vcs, cfg.alloc_iters),
            xbar: Crossbar::new((cfg.st_prepare_delay + cfg.st_final_delay) as u64),
            rc_queue: VecDeque::with_capacity(n),
            va_queue: VecDeque::with_capacity(if general { n } else { 0 }),
            sa_queue: VecDeque::with_capacity(if general { n } else { 0 }),
            pending: if general {
                vec![PendingAlloc::default(); n]
            } else {
                Vec::new()
            },
            sa_eval: Vec::with_capacity(if general { n } else { 0 }),
            buffered: 0,
            awake: false,
            vshift,
            vmask: (1 << vshift) - 1,
            traversals: 0,
        }
    }

    /// Whether the router must run next cycle even if no flit or credit reaches it: it holds
    /// flits and its last cycle made, or could have made, a request. A router whose flits are
    /// all blocked (no credit downstream, no free output VC) sleeps until a delivery wakes it;
    /// its next cycle would repeat the last one exactly.
    #[inline]
    pub fn has_work(&self) -> bool {
        self.buffered > 0 && self.awake
    }

    /// Flits in the input buffers.
    pub fn buffered_flits(&self) -> u32 {
        self.buffered
    }

    /// Input queuing of flit `f`, due at input `port` in cycle `t`.
    #[inline]
    pub fn accept_flit(&mut self, p: &RouterParams, port: usize, f: Flit, t: u64) {
        self.buffered += 1;
        let v = f.vc as usize;
        let was_empty = self.inputs.push(port, v, f);
        self.inputs.flits_in[port] += 1;
        if self.inputs.state[(port << self.vshift) | v] == VcState::Idle {
            debug_assert!(f.is_head() && was_empty);
            self.start_routing(p, port, v, t);
        }
    }

    /// A credit for VC `vc` of output `port`, due in the current cycle.
    #[inline]
    pub fn accept_credit(&mut self, p: &RouterParams, port: usize, vc: u8) {
        self.outputs[port].vcs.credit(vc, p.wait_for_tail_credit);
    }

    /// The head at the front of VC `v` of `port` starts route computation in cycle `entry`.
    /// With `routing_delay = d >= 1` the route is computed in cycle `entry + d - 1`, after that
    /// cycle's allocations were evaluated, so VA starts in `entry + d`; with `d = 0` (lookahead
    /// routing) it is computed before the allocations of `entry`.
    #[inline]
    fn start_routing(&mut self, p: &RouterParams, port: usize, v: usize, entry: u64) {
        self.inputs.set_state(port, v, VcState::Routing);
        let idx = ((port << self.vshift) | v) as u32;
        let at = (entry + p.routing_delay).saturating_sub(1).max(entry);
        self.rc_queue.push_back((at, idx));
    }

    /// Runs the cycle's pipeline stages (after this cycle's flits and credits were accepted):
    /// BookSim's order, route computation taking effect between the allocators' evaluate and
    /// update halves (before them with lookahead routing).
    pub fn step(&mut self, p: &RouterParams, ctx: &mut StepCtx) {
        let t = ctx.cycle;
        let lookahead = p.routing_delay == 0;
        if lookahead && !self.rc_queue.is_empty() {
            self.rc_update(ctx);
        }
        if p.vc_alloc_delay == 1 && p.sw_alloc_delay == 1 {
            let busy = self.allocate_single_cycle(p, ctx);
            self.awake = busy || !self.rc_queue.is_empty();
        } else {
            self.va_evaluate(p, t);
            self.sa_evaluate(p, t);
            if !lookahead {
                self.rc_update(ctx);
            }
            self.va_update(t);
            self.sa_update(p, ctx);
            self.awake = true;
        }
    }

    /// VA and SA when both take one cycle (BookSim's defaults): the same stages and order as
    /// the general path, without keeping results pending. A VC that fails or does not bid just
    /// stays eligible for the next cycle; only the switch winners, at most one per input port,
    /// are visited after allocation. Returns whether a request was made, or a VC waits for the
    /// next cycle or a busy narrow link (the next cycle may then differ from this one, see
    /// [`Self::has_work`]).
    fn allocate_single_cycle(&mut self, p: &RouterParams, ctx: &mut StepCtx) -> bool {
        let t = ctx.cycle;
        let leave = self.xbar.leave_cycle(t);
        // A narrow link busy this cycle may be free the next: the router must not sleep.
        let mut waiting = false;
        // VA evaluate.
        self.vca.begin();
        for pw in 0..self.inputs.va_ports().len() {
            let mut pm = self.inputs.va_ports()[pw];
            while pm != 0 {
                let port = pw * 64 + pm.trailing_zeros() as usize;
                pm &= pm - 1;
                let mut m = self.inputs.vcalloc[port];
                while m != 0 {
                    let v = m.trailing_zeros() as usize;
                    m &= m - 1;
                    let idx = (port << self.vshift) | v;
                    let r = self.inputs.route[idx];
                    if r.port == NO_PORT {
                        continue;
                    }
                    let free = self.outputs[r.port as usize].vcs.available_mask() & r.vc_mask();
                    if free != 0 {
                        self.vca.request(idx, r.port as usize, free);
                    }
                }
            }
        }
        let va = !self.vca.requesters.is_empty();
        if va {
            self.vca.allocate();
        }
        // SA evaluate.
        self.swa.begin();
        for pw in 0..self.inputs.sa_ports().len() {
            let mut pm = self.inputs.sa_ports()[pw];
            if p.speculative {
                pm |= self.inputs.va_ports()[pw];
            }
            while pm != 0 {
                let port = pw * 64 + pm.trailing_zeros() as usize;
                pm &= pm - 1;
                let mut m = self.inputs.active[port] & self.inputs.nonempty[port];
                while m != 0 {
                    let v = m.trailing_zeros() as usize;
                    m &= m - 1;
                    let idx = (port << self.vshift) | v;
                    let o = self.inputs.out_port[idx] as usize;
                    let out = &self.outputs[o];
                    if out.vcs.is_full(self.inputs.out_vc[idx]) {
                        continue;
                    }
                    if out.can_send(leave) {
                        self.swa.request(port, o, v, true);
                    } else {
                        waiting = true;
                    }
                }
                if !p.speculative {
                    continue;
                }
                // Speculative: bid for the switch while VC allocation is under way, if some VC of
                // the route is free and has a credit (BookSim's spec_check_elig/_cred).
                let mut m = self.inputs.vcalloc[port];
                while m != 0 {
                    let v = m.trailing_zeros() as usize;
                    m &= m - 1;
                    let r = self.inputs.route[(port << self.vshift) | v];
                    if r.port == NO_PORT {
                        continue;
                    }
                    let out = &self.outputs[r.port as usize];
                    let ok = out.vcs.available_mask() & !out.vcs.full_mask() & r.vc_mask();
                    if ok != 0 {
                        if out.can_send(leave) {
                            self.swa.request(port, r.port as usize, v, false);
                        } else {
                            waiting = true;
                        }
                    }
                }
            }
        }
        let bids = !self.swa.bidders().is_empty();
        if bids {
            self.swa.allocate();
        }
        // RC update: heads routed now enter VA next cycle.
        if p.routing_delay > 0 && !self.rc_queue.is_empty() {
            waiting |= self.rc_update(ctx);
        }
        // VA update.
        if va {
            for k in 0..self.vca.requesters.len() {
                let idx = self.vca.requesters[k] as usize;
                let w = self.vca.grant(idx);
                if w == NO_VC {
                    continue;
                }
                self.take_output_vc(idx, w);
            }
        }
        // SA update: the winners, at most one per input port, leave.
        if bids {
            for k in 0..self.swa.bidders().len() {
                let port = self.swa.bidders()[k] as usize;
                self.switch_winner(p, ctx, port);
            }
        }
        va || bids || waiting
    }

    /// Input VC `idx` takes output VC `w` of its route's port and becomes active (it bids for
    /// the switch from the next cycle on).
    #[inline]
    fn take_output_vc(&mut self, idx: usize, w: u8) {
        let (port, v) = (idx >> self.vshift, idx & self.vmask);
        let o = self.inputs.route[idx].port as usize;
        debug_assert!(self.outputs[o].vcs.is_available(w));
        self.outputs[o].vcs.take(w);
        self.inputs.out_port[idx] = o as u16;
        self.inputs.out_vc[idx] = w;
        self.inputs.set_state(port, v, VcState::Active);
    }

    /// The VC of `port` that won the switch this cycle, if any, leaves.
    #[inline]
    fn switch_winner(&mut self, p: &RouterParams, ctx: &mut StepCtx, port: usize) {
        let Some((o, v)) = self.swa.winner(port) else {
            return;
        };
        self.swa.granted(port, v);
        if p.speculative {
            // A speculative winner whose VC allocation failed or went elsewhere is discarded.
            let idx = (port << self.vshift) | v;
            let ok = self.inputs.state[idx] == VcState::Active
                && self.inputs.out_port[idx] as usize == o
                && !self.outputs[o].vcs.is_full(self.inputs.out_vc[idx]);
            if !ok {
                return;
            }
        }
        self.depart(p, ctx, port, v, o);
    }

    /// Routes the heads whose route computation ends this cycle; returns whether any did.
    fn rc_update(&mut self, ctx: &mut StepCtx) -> bool {
        let t = ctx.cycle;
        let mut any = false;
        while let Some(&(at, idx)) = self.rc_queue.front() {
            if at > t {
                break;
            }
            debug_assert_eq!(at, t);
            self.rc_queue.pop_front();
            let idx = idx as usize;
            let (port, v) = (idx >> self.vshift, idx & self.vmask);
            let f = self.inputs.front(idx);
            let dst = ctx.packets.get(f.packet).dst;
            let r = match ctx
                .routing
                .route(self.id.0, port as u16, v as u8, dst, &self.outputs)
            {
                Ok(r) => r,
                Err(e) => {
                    ctx.error.get_or_insert(e);
                    Route::NONE
                }
            };
            self.inputs.route[idx] = r;
            self.inputs.set_state(port, v, VcState::VcAlloc);
            any = true;
        }
        any
    }

    fn va_evaluate(&mut self, p: &RouterParams, t: u64) {
        self.vca.begin();
        for port in 0..self.inputs.ports() {
            let mut m = self.inputs.vcalloc[port];
            while m != 0 {
                let v = m.trailing_zeros() as usize;
                m &= m - 1;
                let idx = (port << self.vshift) | v;
                let r = self.inputs.route[idx];
                if self.pending[idx].va_done != NEVER || r.port == NO_PORT {
                    continue;
                }
                let free = self.outputs[r.port as usize].vcs.available_mask() & r.vc_mask();
                self.vca.request(idx, r.port as usize, free);
            }
        }
        if self.vca.requesters.is_empty() {
            return;
        }
        self.vca.allocate();
        let done = t + p.vc_alloc_delay - 1;
        for k in 0..self.vca.requesters.len() {
            let idx = self.vca.requesters[k] as usize;
            let pa = &mut self.pending[idx];
            pa.va_grant = self.vca.grant(idx);
            pa.va_done = done;
            self.va_queue.push_back((done, idx as u32));
        }
    }

    fn sa_evaluate(&mut self, p: &RouterParams, t: u64) {
        self.swa.begin();
        self.sa_eval.clear();
        let leave = self.xbar.leave_cycle(t + p.sw_alloc_delay - 1);
        for port in 0..self.inputs.ports() {
            let spec = if p.speculative {
                self.inputs.vcalloc[port]
            } else {
                0
            };
            let mut m = (self.inputs.active[port] & self.inputs.nonempty[port]) | spec;
            while m != 0 {
                let v = m.trailing_zeros() as usize;
                m &= m - 1;
                let idx = (port << self.vshift) | v;
                if self.pending[idx].sa_done != NEVER {
                    continue;
                }
                if self.inputs.state[idx] == VcState::Active {
                    let o = self.inputs.out_port[idx];
                    let out = &self.outputs[o as usize];
                    if !out.vcs.is_full(self.inputs.out_vc[idx]) && out.can_send(leave) {
                        self.swa.request(port, o as usize, v, true);
                    }
                    self.sa_eval.push((idx as u32, o));
                } else {
                    let r = self.inputs.route[idx];
                    if r.port == NO_PORT {
                        continue;
                    }
                    let out = &self.outputs[r.port as usize];
                    let ok = out.vcs.available_mask() & !out.vcs.full_mask() & r.vc_mask();
                    if ok != 0 && out.can_send(leave) {
                        self.swa.request(port, r.port as usize, v, false);
                    }
                    self.sa_eval.push((idx as u32, r.port));
                }
            }
        }
        if self.sa_eval.is_empty() {
            return;
        }
        self.swa.allocate();
        let done = t + p.sw_alloc_delay - 1;
        for k in 0..self.sa_eval.len() {
            let (idx, o) = self.sa_eval[k];
            let (port, v) = (idx as usize >> self.vshift, idx as usize & self.vmask);
            let won = self.swa.winner(port) == Some((o as usize, v));
            if won {
                self.swa.granted(port, v);
            }
            let pa = &mut self.pending[idx as usize];
            pa.sa_grant = if won { o } else { NO_PORT };
            pa.sa_done = done;
            self.sa_queue.push_back((done, idx));
        }
    }

    fn va_update(&mut self, t: u64) {
        while let Some(&(at, idx)) = self.va_queue.front() {
            if at > t {
                break;
            }
            self.va_queue.pop_front();
            let idx = idx as usize;
            let pa = &mut self.pending[idx];
            pa.va_done = NEVER;
            let w = pa.va_grant;
            let o = self.inputs.route[idx].port as usize;
            if w != NO_VC && self.outputs[o].vcs.is_available(w) {
                self.take_output_vc(idx, w);
            }
        }
    }

    fn sa_update(&mut self, p: &RouterParams, ctx: &mut StepCtx) {
        let t = ctx.cycle;
        let leave = self.xbar.leave_cycle(t);
        while let Some(&(at, idx)) = self.sa_queue.front() {
            if at > t {
                break;
            }
            self.sa_queue.pop_front();
            let idx = idx as usize;
            let (port, v) = (idx >> self.vshift, idx & self.vmask);
            let pa = &mut self.pending[idx];
            pa.sa_done = NEVER;
            let o = pa.sa_grant;
            // Discard grants that no longer hold: a speculative bid whose VC allocation failed
            // or went elsewhere, or (with multi-cycle allocation) a VC that has run out of
            // credits or a busy narrow link.
            let ok = o != NO_PORT
                && self.inputs.state[idx] == VcState::Active
                && self.inputs.out_port[idx] == o
                && !self.outputs[o as usize]
                    .vcs
                    .is_full(self.inputs.out_vc[idx])
                && self.outputs[o as usize].can_send(leave);
            if !ok {
                continue;
            }
            self.depart(p, ctx, port, v, o as usize);
        }
    }

    /// The front flit of VC `v` of `port` leaves through the switch to output `o`.
    fn depart(&mut self, p: &RouterParams, ctx: &mut StepCtx, port: usize, v: usize, o: usize) {
        let t = ctx.cycle;
        let (f, left) = self.inputs.pop(port, v);
        self.buffered -= 1;
        if f.is_head() {
            ctx.packets.get_mut(f.packet).hops += 1;
        }
        let w = self.inputs.out_vc[(port << self.vshift) | v];
        let leave = self.xbar.leave_cycle(t);
        let out = &mut self.outputs[o];
        out.vcs.sending(w, f.is_tail(), p.wait_for_tail_credit);
        out.reserve(leave);
        out.flits_out += 1;
        if let Some(ch) = out.channel {
            self.xbar.traverse(
                t,
                ch,
                &ctx.channels[ch as usize],
                f.on_vc(w),
                ctx.wheel,
                ctx.link_stats,
            );
        }
        if let Some(ch) = self.inputs.channel[port] {
            ctx.wheel.push(
                ctx.channels[ch as usize].credit_due(t),
                Delivery {
                    channel: ch,
                    credit: true,
                    flit: Flit::new(0, false, false, v as u8),
                },
            );
            ctx.credits_sent += 1;
        }
        self.traversals += 1;
        ctx.moved = true;
        if left == 0 {
            if f.is_tail() {
                self.inputs.set_state(port, v, VcState::Idle);
            }
        } else if f.is_tail() {
            // The next packet's head starts route computation next cycle.
            self.start_routing(p, port, v, t + 1);
        }
    }

    /// One line per non-empty VC: `in <port> vc <v>: <state>, <n> flits[, out <port>/<vc>]`.
    pub fn describe_buffers(&self) -> Vec<String> {
        let mut out = Vec::new();
        for port in 0..self.inputs.ports() {
            for v in 0..=self.vmask {
                let idx = (port << self.vshift) | v;
                let n = self.inputs.len(idx);
                if n == 0 {
                    continue;
                }
                let state = self.inputs.state[idx];
                let mut s = format!("in {port} vc {v}: {state:?}, {n} flits");
                if state == VcState::Active {
                    let (o, w) = (self.inputs.out_port[idx] as usize, self.inputs.out_vc[idx]);
                    s.push_str(&format!(
                        ", holds out {o} vc {w} ({} of {} slots used downstream)",
                        self.outputs[o].vcs.occupancy(w),
                        self.outputs[o].vcs.depth()
                    ));
                } else if self.inputs.route[idx].port != NO_PORT {
                    s.push_str(&format!(", wants out {}", self.inputs.route[idx].port));
                }
                out.push(s);
            }
        }
        out
    }

    /// Flits buffered in VC `v` of input `port`.
    pub fn vc_len(&self, port: usize, v: usize) -> usize {
        self.inputs.len((port << self.vshift) | v)
    }
}
