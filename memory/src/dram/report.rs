//! What a bank-level run measured.

use crate::dram::channel::{Channel, Completion};
use crate::dram::spec::{DramSpec, TimingCycles};
use moesim_core::{Bandwidth, StatsTree, Tick};

/// Counters and derived figures of one [`crate::dram::MemorySystem::run`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DramReport {
    pub tck_ps: u64,
    pub burst_bytes: u64,
    pub requests: u64,
    pub reads: u64,
    pub writes: u64,
    pub row_hits: u64,
    pub row_misses: u64,
    pub row_conflicts: u64,
    pub activates: u64,
    pub precharges: u64,
    pub refreshes: u64,
    pub first_arrival_cycle: u64,
    pub last_done_cycle: u64,
    pub latency_sum_cycles: u64,
    pub latency_min_cycles: u64,
    pub latency_max_cycles: u64,
}

impl DramReport {
    pub(crate) fn new(spec: &DramSpec, timing: TimingCycles) -> DramReport {
        DramReport {
            tck_ps: timing.tck_ps,
            burst_bytes: spec.organization.burst_bytes as u64,
            latency_min_cycles: u64::MAX,
            ..DramReport::default()
        }
    }

    pub(crate) fn record(&mut self, c: &Completion) {
        crate::dram::system::count_outcome(self, c);
        self.requests += 1;
        let latency = c.done_cycle - c.arrival_cycle;
        self.latency_sum_cycles += latency;
        self.latency_min_cycles = self.latency_min_cycles.min(latency);
        self.latency_max_cycles = self.latency_max_cycles.max(latency);
        self.last_done_cycle = self.last_done_cycle.max(c.done_cycle);
    }

    pub(crate) fn finish(&mut self, channels: &[Channel]) {
        for ch in channels {
            self.activates += ch.counters.activates;
            self.precharges += ch.counters.precharges;
            self.refreshes += ch.counters.refreshes;
        }
        if self.requests == 0 {
            self.latency_min_cycles = 0;
        }
    }

    /// Bytes moved.
    pub fn bytes(&self) -> u64 {
        self.requests * self.burst_bytes
    }
    /// Cycles from the first arrival to the last data beat.
    pub fn elapsed_cycles(&self) -> u64 {
        self.last_done_cycle
            .saturating_sub(self.first_arrival_cycle)
    }
    pub fn elapsed(&self) -> Tick {
        Tick(self.elapsed_cycles() * self.tck_ps)
    }
    /// Bytes moved over the elapsed time.
    pub fn bandwidth(&self) -> Bandwidth {
        let s = self.elapsed().as_s();
        Bandwidth {
            bytes_per_s: if s > 0.0 {
                self.bytes() as f64 / s
            } else {
                0.0
            },
        }
    }
    pub fn mean_latency_cycles(&self) -> f64 {
        if self.requests == 0 {
            0.0
        } else {
            self.latency_sum_cycles as f64 / self.requests as f64
        }
    }
    pub fn mean_latency_ns(&self) -> f64 {
        self.mean_latency_cycles() * self.tck_ps as f64 / 1000.0
    }
    /// Row hits over served requests.
    pub fn row_hit_rate(&self) -> f64 {
        if self.requests == 0 {
            0.0
        } else {
            self.row_hits as f64 / self.requests as f64
        }
    }

    /// The report as a stats tree under `prefix` (e.g. `nmp.node[3].dram`).
    pub fn stats(&self, prefix: &str) -> StatsTree {
        let mut t = StatsTree::new();
        let n = |s: &str| format!("{prefix}.{s}");
        t.add_counter(&n("requests"), "requests served", self.requests);
        t.add_counter(&n("reads"), "read requests served", self.reads);
        t.add_counter(&n("writes"), "write requests served", self.writes);
        t.add_counter(
            &n("row_hits"),
            "requests served from an open row",
            self.row_hits,
        );
        t.add_counter(
            &n("row_misses"),
            "requests that found their bank precharged",
            self.row_misses,
        );
        t.add_counter(
            &n("row_conflicts"),
            "requests that found another row open",
            self.row_conflicts,
        );
        t.add_counter(&n("activates"), "ACT commands", self.activates);
        t.add_counter(
            &n("precharges"),
            "PRE commands (explicit and auto)",
            self.precharges,
        );
        t.add_counter(&n("refreshes"), "all-bank refreshes", self.refreshes);
        t.set_scalar(
            &n("bandwidth_gbps"),
            "bytes moved over elapsed time (GB/s)",
            self.bandwidth().gbytes_per_s(),
        );
        t.set_scalar(
            &n("mean_latency_ns"),
            "arrival to last data beat (ns)",
            self.mean_latency_ns(),
        );
        t.set_scalar(
            &n("row_hit_rate"),
            "row hits / requests",
            self.row_hit_rate(),
        );
        t
    }
}
