//! The event-driven fluid engine of the flow tier. Flows (bytes over a fixed path of resources,
//! released at a tick) share resource capacity max-min fairly; rates are recomputed only when flows
//! start or finish, and between events every flow drains at a constant rate.
//!
//! Incremental re-solve. In progressive filling, removing or adding a flow whose (old or new)
//! rate is `s` leaves every freeze below level `s` unchanged, so flows with a rate below `s` keep
//! their rates. A finishing flow's `s` is its old rate; an arriving flow's rate is at least
//! `min_k cap(k) / n(k)` (`n(k)` = active flows on `k`), which serves as its `s`. The engine keeps
//! the active flows sorted by rate; at each event it re-solves only the suffix at or above the
//! smallest `s`, over the capacity the others leave free. A flow whose rate comes out unchanged
//! keeps its segment (start time and bytes left) untouched.

use super::event_queue::EventQueue;
use super::link_load::LinkLoad;
use super::maxmin::{Filling, FlowSet};
use moesim_core::{Error, Result, Tick};

/// One flow for the engine.
#[derive(Clone, Copy, Debug)]
pub struct FluidFlow {
    /// Start of its path in the engine's path list.
    pub path_start: u32,
    pub path_len: u32,
    pub bytes: f64,
    pub release_ps: u64,
}

/// The engine's result.
#[derive(Debug)]
pub struct FluidResult {
    /// Per flow: when its last byte left the source, in picoseconds.
    pub end_ps: Vec<f64>,
    /// Bytes per resource per window.
    pub load: LinkLoad,
    /// Events processed (a batch of simultaneous starts and finishes is one event).
    pub events: u64,
    /// Events that re-solved rates.
    pub resolves: u64,
    /// Flow rates (re)computed over all events.
    pub flows_resolved: u64,
    /// Re-solved flows whose rate changed.
    pub rates_changed: u64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Pending,
    Active,
    Done,
}

/// Flows finishing within this many picoseconds (plus a relative 1e-15) of the earliest one are
/// processed as one event.
const MERGE_PS: f64 = 1e-3;
/// Flows within this relative margin below the re-solve threshold are re-solved too.
const THRESHOLD_MARGIN: f64 = 1e-9;

/// Runs `flows` (each with a non-empty path and positive bytes) over resources of `capacity`
/// (bytes per ps). `paths` holds the resource lists the flows point into.
///
/// `idle_fraction` trades exactness for speed: a finishing flow's capacity is left idle (the
/// others keep their rates) until, on some resource, the idle capacity exceeds `idle_fraction`
/// of its bandwidth, or a flow arrives; that event re-solves. Zero re-solves at every event
/// (exact max-min at every instant).
pub fn run(
    capacity: &[f64],
    paths: &[u32],
    flows: &[FluidFlow],
    window: Tick,
    idle_fraction: f64,
    filling: &mut Filling,
) -> Result<FluidResult> {
    Engine::new(capacity, paths, flows, window, filling).run(idle_fraction.max(0.0))
}

struct Engine<'a> {
    cap: &'a [f64],
    paths: &'a [u32],
    flows: &'a [FluidFlow],
    filling: &'a mut Filling,
    rate: Vec<f64>,
    seg_start: Vec<f64>,
    seg_left: Vec<f64>,
    state: Vec<State>,
    end: Vec<f64>,
    alloc: Vec<f64>,
    last: Vec<f64>,
    active: Vec<u32>,
    order: Vec<u32>,
    queue: EventQueue,
    load: LinkLoad,
    events: u64,
    resolves: u64,
    resolved: u64,
    changed: u64,
}

impl<'a> Engine<'a> {
    fn new(
        cap: &'a [f64],
        paths: &'a [u32],
        flows: &'a [FluidFlow],
        window: Tick,
        filling: &'a mut Filling,
    ) -> Engine<'a> {
        let n = flows.len();
        let start = flows.iter().map(|f| f.release_ps).min().unwrap_or(0);
        filling.reserve_resources(cap.len());
        Engine {
            cap,
            paths,
            flows,
            filling,
            rate: vec![0.0; n],
            seg_start: vec![0.0; n],
            seg_left: vec![0.0; n],
            state: vec![State::Pending; n],
            end: vec![f64::NAN; n],
            alloc: vec![0.0; cap.len()],
            last: vec![start as f64; cap.len()],
            active: vec![0; cap.len()],
            order: Vec::with_capacity(n),
            queue: EventQueue::new(n),
            load: LinkLoad::new(cap.len(), window, Tick(start)),
            events: 0,
            resolves: 0,
            resolved: 0,
            changed: 0,
        }
    }

    fn path(&self, f: u32) -> &'a [u32] {
        let fl = &self.flows[f as usize];
        &self.paths[fl.path_start as usize..(fl.path_start + fl.path_len) as usize]
    }

    /// Books the bytes resource `k` carried since its last change.
    fn settle(&mut self, k: u32, now: f64) {
        settle(&mut self.load, &mut self.last, &self.alloc, k as usize, now);
    }

    fn finish_time(&self, f: u32) -> f64 {
        let fu = f as usize;
        self.seg_start[fu] + self.seg_left[fu] / self.rate[fu]
    }

    fn run(mut self, idle_fraction: f64) -> Result<FluidResult> {
        let n = self.flows.len();
        let mut pending = f64::INFINITY;
        let mut idle = vec![0.0f64; self.cap.len()];
        let mut idle_touched: Vec<u32> = Vec::new();
        let mut arrivals: Vec<u32> = (0..n as u32).collect();
        arrivals.sort_by_key(|&f| self.flows[f as usize].release_ps);
        let mut next_arrival = 0usize;
        let mut finished: Vec<u32> = Vec::new();
        let mut arrived: Vec<u32> = Vec::new();
        let mut affected: Vec<u32> = Vec::new();
        let mut solved: Vec<(u32, f64)> = Vec::new();
        let mut set = FlowSet::default();
        loop {
            let t_fin = self.queue.peek().map(|e| e.0);
            let t_arr = arrivals
                .get(next_arrival)
                .map(|&f| self.flows[f as usize].release_ps as f64);
            let now = match (t_fin, t_arr) {
                (None, None) => break,
                (Some(a), None) | (None, Some(a)) => a,
                (Some(a), Some(b)) => a.min(b),
            };
            self.events += 1;
            finished.clear();
            arrived.clear();
            let horizon = now + MERGE_PS + now * 1e-15;
            while let Some((t, _)) = self.queue.peek() {
                if t > horizon {
                    break;
                }
                if let Some((_, f)) = self.queue.pop() {
                    finished.push(f);
                }
            }
            while let Some(&f) = arrivals.get(next_arrival) {
                if self.flows[f as usize].release_ps as f64 > now {
                    break;
                }
                arrived.push(f);
                next_arrival += 1;
            }
            // Threshold: nothing below it changes.
            let mut threshold = pending;
            let mut overflow = idle_fraction == 0.0;
            for &f in &finished {
                let fu = f as usize;
                threshold = threshold.min(self.rate[fu]);
                self.end[fu] = self.finish_time(f);
                self.state[fu] = State::Done;
                for &k in self.path(f) {
                    self.settle(k, now);
                    let ku = k as usize;
                    if !overflow {
                        if idle[ku] == 0.0 {
                            idle_touched.push(k);
                        }
                        idle[ku] += self.rate[fu];
                        overflow = idle[ku] > idle_fraction * self.cap[ku];
                    }
                    self.active[ku] -= 1;
                    self.alloc[ku] = if self.active[ku] == 0 {
                        0.0
                    } else {
                        self.alloc[ku] - self.rate[fu]
                    };
                }
            }
            if arrived.is_empty() && !overflow {
                pending = threshold;
                continue;
            }
            pending = f64::INFINITY;
            for k in idle_touched.drain(..) {
                idle[k as usize] = 0.0;
            }
            self.resolves += 1;
            for &g in &arrived {
                self.state[g as usize] = State::Active;
                for &k in self.path(g) {
                    self.active[k as usize] += 1;
                }
            }
            for &g in &arrived {
                let lb = self
                    .path(g)
                    .iter()
                    .map(|&k| self.cap[k as usize] / self.active[k as usize] as f64)
                    .fold(f64::INFINITY, f64::min);
                threshold = threshold.min(lb);
            }
            let cut_rate = threshold * (1.0 - THRESHOLD_MARGIN);
            let cut = self
                .order
                .partition_point(|&f| self.rate[f as usize] < cut_rate);
            affected.clear();
            affected.extend(
                self.order[cut..]
                    .iter()
                    .copied()
                    .filter(|&f| self.state[f as usize] == State::Active),
            );
            affected.extend_from_slice(&arrived);
            self.order.truncate(cut);
            // With no flow left out, every resource's capacity is free: start from it exactly.
            let full = cut == 0;
            solved.clear();
            set.clear();
            for &f in &affected {
                set.push(self.path(f), if full { 0.0 } else { self.rate[f as usize] });
            }
            let (cap, alloc) = (self.cap, &self.alloc);
            let (last, load) = (&mut self.last, &mut self.load);
            self.filling.solve(
                &set,
                |k| {
                    let ku = k as usize;
                    settle(load, last, alloc, ku, now);
                    if full { cap[ku] } else { cap[ku] - alloc[ku] }
                },
                &mut solved,
            );
            for e in solved.iter_mut() {
                e.0 = affected[e.0 as usize];
            }
            for (k, left) in self.filling.touched() {
                self.alloc[k as usize] = self.cap[k as usize] - left;
            }
            // Ties are frozen in one pass; keep the order sorted for the next threshold cut.
            solved.sort_by(|a, b| a.1.total_cmp(&b.1));
            self.resolved += solved.len() as u64;
            for &(f, r) in &solved {
                let fu = f as usize;
                if !(r > 0.0 && r.is_finite()) {
                    return Err(Error::Sim(format!(
                        "flow tier: flow {f} got rate {r} bytes/ps at {now} ps"
                    )));
                }
                self.order.push(f);
                let fresh = self.rate[fu] == 0.0;
                if !fresh && self.rate[fu] == r {
                    continue;
                }
                self.changed += 1;
                if fresh {
                    self.seg_start[fu] = self.flows[fu].release_ps as f64;
                    self.seg_left[fu] = self.flows[fu].bytes;
                } else {
                    let sent = self.rate[fu] * (now - self.seg_start[fu]);
                    self.seg_left[fu] = (self.seg_left[fu] - sent).max(0.0);
                    self.seg_start[fu] = now;
                }
                self.rate[fu] = r;
                let t = self.finish_time(f);
                self.queue.set(f, t);
            }
        }
        self.load.finish();
        Ok(FluidResult {
            end_ps: self.end,
            load: self.load,
            events: self.events,
            resolves: self.resolves,
            flows_resolved: self.resolved,
            rates_changed: self.changed,
        })
    }
}

/// Books the bytes resource `k` carried at rate `alloc[k]` since `last[k]`.
fn settle(load: &mut LinkLoad, last: &mut [f64], alloc: &[f64], k: usize, now: f64) {
    if last[k] < now {
        load.add_interval(k, last[k], now, alloc[k]);
        last[k] = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flows(specs: &[(&[u32], f64, u64)]) -> (Vec<u32>, Vec<FluidFlow>) {
        let mut paths = Vec::new();
        let mut fl = Vec::new();
        for (p, b, r) in specs {
            fl.push(FluidFlow {
                path_start: paths.len() as u32,
                path_len: p.len() as u32,
                bytes: *b,
                release_ps: *r,
            });
            paths.extend_from_slice(p);
        }
        (paths, fl)
    }

    #[test]
    fn two_flows_share_then_one_speeds_up() {
        // One link of 1 B/ps; 100 B and 300 B at t=0: both at 0.5 until 200 ps, then 1.0.
        let (p, f) = flows(&[(&[0], 100.0, 0), (&[0], 300.0, 0)]);
        let mut fill = Filling::new(1);
        let r = run(&[1.0], &p, &f, Tick(1000), 0.0, &mut fill).unwrap();
        assert!((r.end_ps[0] - 200.0).abs() < 1e-9);
        assert!((r.end_ps[1] - 400.0).abs() < 1e-9);
        assert!((r.load.total(moesim_core::LinkId(0)) - 400.0).abs() < 1e-6);
    }

    #[test]
    fn late_arrival_slows_the_first() {
        // 200 B at 0 alone at 1 B/ps until 100 ps (100 B left), then shares with 50 B:
        // both at 0.5 until 200 ps (second done), first has 50 B left at 1.0: done at 250 ps.
        let (p, f) = flows(&[(&[0, 1], 200.0, 0), (&[1], 50.0, 100)]);
        let mut fill = Filling::new(2);
        let r = run(&[2.0, 1.0], &p, &f, Tick(1000), 0.0, &mut fill).unwrap();
        assert!((r.end_ps[1] - 200.0).abs() < 1e-9, "{:?}", r.end_ps);
        assert!((r.end_ps[0] - 250.0).abs() < 1e-9, "{:?}", r.end_ps);
    }

    #[test]
    fn release_gap_leaves_link_idle() {
        let (p, f) = flows(&[(&[0], 10.0, 0), (&[0], 10.0, 1000)]);
        let mut fill = Filling::new(1);
        let r = run(&[1.0], &p, &f, Tick(100), 0.0, &mut fill).unwrap();
        assert_eq!(r.end_ps, vec![10.0, 1010.0]);
        assert!((r.load.bytes[0][0] - 10.0).abs() < 1e-9);
        assert!((r.load.bytes[10][0] - 10.0).abs() < 1e-9);
    }
}
