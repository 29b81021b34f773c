//! Closed-form figures of a device, the references the bank-level model is checked against
//! (as Ramulator 2's `tests/latency_throughput` and `tests/device_timings` check theirs).

use crate::dram::spec::{DramSpec, TimingCycles};
use moesim_core::Bandwidth;

fn per_channel(spec: &DramSpec, cycles_per_burst: f64) -> Bandwidth {
    let o = &spec.organization;
    Bandwidth {
        bytes_per_s: o.channels as f64 * o.burst_bytes as f64
            / (cycles_per_burst * spec.timing.tck_ps as f64 * 1e-12),
    }
}

/// Peak bandwidth: every channel moves one burst per tBURST.
pub fn peak_bandwidth(spec: &DramSpec) -> Bandwidth {
    per_channel(spec, spec.timing.burst_cycles as f64)
}

/// The row-miss bound: when every access opens a row, a channel serves at most one burst per
/// max(tBURST, tRC / banks, tRRD), with tRC = max(tRAS, tRCD + tRTP) + tRP.
pub fn row_miss_bound(spec: &DramSpec) -> Bandwidth {
    let t = spec.cycles();
    let banks = spec.organization.banks_per_channel as f64;
    let cycles = (t.burst as f64)
        .max(t.row_cycle() as f64 / banks)
        .max(t.rrd as f64);
    per_channel(spec, cycles)
}

/// The fraction of time all-bank refresh blocks a channel: tRFC / tREFI.
pub fn refresh_fraction(t: &TimingCycles) -> f64 {
    t.rfc as f64 / t.refi as f64
}

/// Unloaded read latency to a precharged bank (closed page): tRCD + tCL + tBURST cycles.
pub fn read_latency_closed_cycles(t: &TimingCycles) -> u64 {
    t.rcd + t.cl + t.burst
}

/// Unloaded read latency on a row hit: tCL + tBURST cycles.
pub fn read_latency_hit_cycles(t: &TimingCycles) -> u64 {
    t.cl + t.burst
}

/// Unloaded read latency on a row conflict: tRP + tRCD + tCL + tBURST cycles.
pub fn read_latency_conflict_cycles(t: &TimingCycles) -> u64 {
    t.rp + t.rcd + t.cl + t.burst
}
