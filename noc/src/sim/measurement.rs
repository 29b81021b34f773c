//! BookSim's measurement method (`sim_type = latency`, `TrafficManager::_SingleSim` and `Run`).
//!
//! 1. Warm-up: sample periods of `sample_period` cycles; statistics are cleared before every
//!    second warm-up period. With `warmup_periods > 0` warm-up ends after that many periods,
//!    otherwise when latency and accepted throughput change by at most `warmup_thres` /
//!    `acc_warmup_thres` (relative) from one period to the next.
//! 2. Measurement: statistics are cleared once, then accumulate over sample periods; after each
//!    period the *cumulative* average packet latency and accepted rate are compared with their
//!    values after the previous period. A period in which both change by at most
//!    `stopping_thres` / `acc_stopping_thres` counts toward convergence, any other resets the
//!    count; measurement ends after three counting periods in a row, or when `max_samples`
//!    periods (warm-up included) have run.
//! 3. After every period: if the average latency of the measured packets together with every
//!    flit still in flight (aged to now) exceeds `latency_thres`, the run is aborted as unstable.
//! 4. Drain: packets created before the end of measurement are followed to their ejection while
//!    traffic continues (the latency test repeats every 1000 cycles); then sources stop and the
//!    network empties completely. Rates are taken over the measurement interval, latencies over
//!    the measured packets.

use crate::config::SimConfig;
use crate::network::FlitNetwork;
use crate::report::RunStatus;
use crate::sim::recorder::Phase;
use moesim_core::Result;

/// How a measurement ended, with BookSim's figures.
#[derive(Clone, Debug)]
pub struct Measured {
    pub status: RunStatus,
    /// BookSim's "Simulation unstable" (latency threshold exceeded, or warm-up never ended).
    pub saturated: bool,
    pub avg_packet_latency: f64,
    pub avg_network_latency: f64,
    pub avg_hops_routers: f64,
    pub accepted_flits_per_node_cycle: f64,
    pub injected_flits_per_node_cycle: f64,
    pub packets_measured: u64,
    /// First cycle of the measurement (end of warm-up), if it was reached.
    pub measure_start: Option<u64>,
    /// End of the measurement interval (start of the drain, or the abort).
    pub measure_end: u64,
    /// Sample periods run (warm-up included).
    pub sample_periods: u32,
}

/// Relative change from `prev` to `cur` (NaN when `cur` is 0 or NaN, as in BookSim).
fn change(cur: f64, prev: f64) -> f64 {
    ((cur - prev) / cur).abs()
}

fn exceeds(change: f64, thres: f64) -> bool {
    thres >= 0.0 && change > thres
}

/// Runs BookSim's latency measurement on `net` (which must have a synthetic source attached).
pub fn run_latency(net: &mut FlitNetwork, sim: &SimConfig) -> Result<Measured> {
    let nodes = net.num_active_nodes().max(1);
    let now = net.cycle();
    net.recorder.phase = Phase::WarmingUp;
    net.recorder.clear(now);
    let mut converged = 0u32;
    let (mut prev_lat, mut prev_acc) = (0.0, 0.0);
    let mut clear_last = false;
    let mut periods = 0u32;
    let mut measure_start = None;
    let mut aborted = false;
    while periods < sim.max_samples && (net.recorder.phase != Phase::Running || converged < 3) {
        if clear_last || (net.recorder.phase == Phase::WarmingUp && periods.is_multiple_of(2)) {
            clear_last = false;
            let c = net.cycle();
            net.recorder.clear(c);
        }
        let end = net.cycle() + sim.sample_period;
        net.run_until(end)?;
        let now = net.cycle();
        let r = &net.recorder;
        let (cur_lat, cur_acc) = (r.plat.mean(), r.accepted_rate(now, nodes));
        let (lat_chg, acc_chg) = (change(cur_lat, prev_lat), change(cur_acc, prev_acc));
        prev_lat = cur_lat;
        prev_acc = cur_acc;
        let too_slow = sim.latency_thres >= 0.0 && r.latency_with_inflight(now) > sim.latency_thres;
        let warming = r.phase == Phase::WarmingUp;
        let (lat_exc, acc_exc) = if warming {
            (
                exceeds(lat_chg, sim.warmup_thres),
                exceeds(acc_chg, sim.acc_warmup_thres),
            )
        } else {
            (
                exceeds(lat_chg, sim.stopping_thres),
                exceeds(acc_chg, sim.acc_stopping_thres),
            )
        };
        if too_slow {
            aborted = true;
            periods += 1;
            break;
        }
        if warming {
            let done = if sim.warmup_periods > 0 {
                periods + 1 >= sim.warmup_periods
            } else {
                !lat_exc && !acc_exc
            };
            if done {
                clear_last = true;
                net.recorder.phase = Phase::Running;
                net.reset_link_stats();
                net.reset_unit_counters();
                measure_start = Some(now);
            }
        } else if !lat_exc && !acc_exc {
            converged += 1;
        } else {
            converged = 0;
        }
        periods += 1;
    }
    let mut status = if aborted {
        RunStatus::LatencyExceeded
    } else if converged >= 3 {
        RunStatus::Converged
    } else {
        RunStatus::NotConverged
    };
    let mut saturated = aborted || net.recorder.phase != Phase::Running;
    let measure_end = net.cycle();
    let r = &net.recorder;
    let snapshot = (r.plat.mean(), r.nlat.mean(), r.hops.mean(), r.plat.count);
    net.recorder.phase = Phase::Draining;
    net.recorder.drain_time = measure_end;
    if !saturated {
        // Follow the measured packets out, with traffic still running.
        let mut steps = 0u64;
        while net.measured_outstanding(measure_end) {
            net.step()?;
            steps += 1;
            if steps.is_multiple_of(1000)
                && sim.latency_thres >= 0.0
                && net.recorder.latency_with_inflight(net.cycle()) > sim.latency_thres
            {
                status = RunStatus::LatencyExceeded;
                saturated = true;
                break;
            }
        }
    }
    let (lat, nlat, hops, measured) = if saturated {
        snapshot
    } else {
        // Empty the network (BookSim's final drain before "Time taken").
        net.stop_source();
        net.run_until_idle(u64::MAX / 4)?;
        let r = &net.recorder;
        (r.plat.mean(), r.nlat.mean(), r.hops.mean(), r.plat.count)
    };
    let r = &net.recorder;
    Ok(Measured {
        status,
        saturated,
        avg_packet_latency: lat,
        avg_network_latency: nlat,
        avg_hops_routers: hops,
        accepted_flits_per_node_cycle: r.accepted_rate(measure_end, nodes),
        injected_flits_per_node_cycle: r.sent_rate(measure_end, nodes),
        packets_measured: measured,
        measure_start,
        measure_end,
        sample_periods: periods,
    })
}
