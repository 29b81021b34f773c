//! The counters BookSim's traffic manager keeps while a network runs: flits sent and accepted
//! per node, latency and hop statistics of measured packets, and the flits in flight with their
//! creation times (for the `latency_thres` check). The cycle loop updates them; the measurement
//! method ([`super::measurement`]) reads and clears them between sample periods.

use crate::flit::Packet;
use hdrhistogram::Histogram;
use moesim_core::stats::new_histogram;

/// BookSim's simulation state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    WarmingUp,
    Running,
    Draining,
}

/// Sum, count, extremes and distribution of a latency (cycles) or hop count.
#[derive(Clone, Debug)]
pub struct Sampled {
    pub sum: u64,
    pub count: u64,
    pub min: u64,
    pub max: u64,
    pub hist: Option<Histogram<u64>>,
}

impl Sampled {
    pub fn new(with_histogram: bool) -> Sampled {
        Sampled {
            sum: 0,
            count: 0,
            min: u64::MAX,
            max: 0,
            hist: with_histogram.then(new_histogram),
        }
    }
    #[inline]
    pub fn add(&mut self, v: u64) {
        self.sum += v;
        self.count += 1;
        self.min = self.min.min(v);
        self.max = self.max.max(v);
        if let Some(h) = &mut self.hist {
            h.saturating_record(v.max(1));
        }
    }
    /// The mean (NaN without samples, as BookSim's `Stats::Average`).
    pub fn mean(&self) -> f64 {
        self.sum as f64 / self.count as f64
    }
    pub fn clear(&mut self) {
        self.sum = 0;
        self.count = 0;
        self.min = u64::MAX;
        self.max = 0;
        if let Some(h) = &mut self.hist {
            h.reset();
        }
    }
}

/// Traffic-manager statistics of one network.
#[derive(Clone, Debug)]
pub struct Recorder {
    pub phase: Phase,
    /// Cycle the drain started (packets created before it are still measured).
    pub drain_time: u64,
    /// Cycle of the last statistics reset.
    pub reset_time: u64,
    pub sent_flits: Vec<u64>,
    pub accepted_flits: Vec<u64>,
    pub sent_packets: Vec<u64>,
    pub accepted_packets: Vec<u64>,
    /// Packet latency: creation to tail ejection.
    pub plat: Sampled,
    /// Network latency: head injection to tail ejection.
    pub nlat: Sampled,
    /// Routers traversed.
    pub hops: Sampled,
    /// Flits created and not yet ejected, and the sum of their creation cycles.
    pub inflight_flits: u64,
    pub inflight_created_sum: u128,
    /// Of those, the flits of measured packets.
    pub measured_inflight_flits: u64,
}

impl Recorder {
    pub fn new(nodes: usize) -> Recorder {
        Recorder {
            phase: Phase::Running,
            drain_time: u64::MAX,
            reset_time: 0,
            sent_flits: vec![0; nodes],
            accepted_flits: vec![0; nodes],
            sent_packets: vec![0; nodes],
            accepted_packets: vec![0; nodes],
            plat: Sampled::new(true),
            nlat: Sampled::new(true),
            hops: Sampled::new(false),
            inflight_flits: 0,
            inflight_created_sum: 0,
            measured_inflight_flits: 0,
        }
    }

    /// Whether flits sent and accepted are counted now (BookSim: warming up or running).
    #[inline]
    pub fn counting(&self) -> bool {
        self.phase != Phase::Draining
    }

    /// Whether a packet created at `created` is measured (BookSim's `record`).
    #[inline]
    pub fn measures(&self, created: u64) -> bool {
        match self.phase {
            Phase::WarmingUp => false,
            Phase::Running => true,
            Phase::Draining => created < self.drain_time,
        }
    }

    /// A packet of `flits` flits was created at `created`.
    #[inline]
    pub fn created(&mut self, flits: u32, created: u64, measured: bool) {
        self.inflight_flits += flits as u64;
        self.inflight_created_sum += flits as u128 * created as u128;
        if measured {
            self.measured_inflight_flits += flits as u64;
        }
    }

    /// A flit of `node` entered the network.
    #[inline]
    pub fn flit_sent(&mut self, node: usize, head: bool) {
        if self.counting() {
            self.sent_flits[node] += 1;
            if head {
                self.sent_packets[node] += 1;
            }
        }
    }

    /// A flit of packet `p` was ejected at `node`.
    #[inline]
    pub fn flit_accepted(&mut self, node: usize, p: &Packet, tail: bool) {
        if self.counting() {
            self.accepted_flits[node] += 1;
            if tail {
                self.accepted_packets[node] += 1;
            }
        }
        self.inflight_flits -= 1;
        self.inflight_created_sum -= p.created_cycle as u128;
        if p.measured {
            self.measured_inflight_flits -= 1;
        }
    }

    /// The tail of `p` was ejected in cycle `now`.
    #[inline]
    pub fn packet_done(&mut self, p: &Packet, now: u64) {
        if self.phase == Phase::WarmingUp || p.measured {
            self.hops.add(p.hops as u64);
            self.plat.add(now - p.created_cycle);
            self.nlat.add(now - p.injected_cycle);
        }
    }

    /// Clears the statistics (BookSim's `_ClearStats`) at cycle `now`.
    pub fn clear(&mut self, now: u64) {
        self.sent_flits.fill(0);
        self.accepted_flits.fill(0);
        self.sent_packets.fill(0);
        self.accepted_packets.fill(0);
        self.plat.clear();
        self.nlat.clear();
        self.hops.clear();
        self.reset_time = now;
    }

    /// Average packet latency counting the flits still in flight at `now` as if they arrived
    /// now (the `latency_thres` test of BookSim).
    pub fn latency_with_inflight(&self, now: u64) -> f64 {
        let inflight_age = self.inflight_flits as u128 * now as u128 - self.inflight_created_sum;
        (self.plat.sum as f64 + inflight_age as f64)
            / (self.plat.count + self.inflight_flits) as f64
    }

    /// Accepted flits per node per cycle since the last reset, up to `now`, over `nodes`.
    pub fn accepted_rate(&self, now: u64, nodes: usize) -> f64 {
        let n: u64 = self.accepted_flits.iter().sum();
        n as f64 / (now.saturating_sub(self.reset_time)) as f64 / nodes as f64
    }

    /// Injected flits per node per cycle since the last reset, up to `now`, over `nodes`.
    pub fn sent_rate(&self, now: u64, nodes: usize) -> f64 {
        let n: u64 = self.sent_flits.iter().sum();
        n as f64 / (now.saturating_sub(self.reset_time)) as f64 / nodes as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use moesim_core::NodeId;

    #[test]
    fn inflight_latency_and_rates() {
        let mut r = Recorder::new(2);
        let p = Packet {
            src: NodeId(0),
            dst: NodeId(1),
            flits: 2,
            created_cycle: 10,
            injected_cycle: 12,
            tag: 0,
            hops: 3,
            measured: true,
            external: false,
        };
        r.created(2, 10, true);
        assert!((r.latency_with_inflight(20) - 10.0).abs() < 1e-12);
        r.flit_sent(0, true);
        r.flit_accepted(1, &p, false);
        r.flit_accepted(1, &p, true);
        r.packet_done(&p, 30);
        assert_eq!(
            (r.plat.mean(), r.nlat.mean(), r.hops.mean()),
            (20.0, 18.0, 3.0)
        );
        assert_eq!(r.inflight_flits, 0);
        assert_eq!(r.measured_inflight_flits, 0);
        assert!((r.accepted_rate(10, 2) - 0.1).abs() < 1e-12);
        r.phase = Phase::Draining;
        r.drain_time = 50;
        assert!(r.measures(49) && !r.measures(50));
        assert!(!r.counting());
        r.clear(60);
        assert!(r.plat.mean().is_nan());
    }
}
