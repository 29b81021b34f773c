//! Timing the flit-level simulator: runs a configuration several times and reports simulated
//! cycles and flit router traversals per second (the figures BookSim's speed is quoted in).
//! Every repeat must give the same result, bit for bit.
//!
//! Rates are per core: they divide by the CPU time of the thread that ran the simulation (Linux
//! `/proc/thread-self/schedstat`), which other processes queueing for the cores do not inflate
//! the way they inflate wall time; where the OS does not report it, by wall time.
//!
//! Shared machines also slow the core itself (caches and the sibling hyperthread are shared), so
//! [`reference_kernel`] times a fixed piece of work that never changes with the simulator, in the
//! same process: a simulator rate divided by the kernel's rate measured next to it is a figure
//! that holds across machine load, for comparing builds of the simulator.

use super::run_timed;
use crate::config::NocConfig;
use moesim_core::{Error, Result};
use serde::Serialize;
use std::time::Instant;

/// The speed of one configuration.
#[derive(Clone, Debug, Serialize)]
pub struct BenchResult {
    pub injection_rate: f64,
    pub sim_cycles: u64,
    pub flit_router_traversals: u64,
    pub avg_packet_latency: f64,
    /// Fastest wall time over the repeats (whole run: build, simulate, report).
    pub wall_s: f64,
    /// Median wall time over the repeats.
    pub median_wall_s: f64,
    /// Fastest time over the repeats in CPU seconds of the simulating thread (wall seconds when
    /// `cpu_time` is false).
    pub cpu_s: f64,
    /// Whether `cpu_s` and the rates are CPU time.
    pub cpu_time: bool,
    /// Simulated cycles per second of `cpu_s`.
    pub cycles_per_s: f64,
    /// Flit router traversals per second of `cpu_s`.
    pub traversals_per_s: f64,
    /// Fastest time over the repeats of the cycle loop alone (warm-up, measurement, drain), as
    /// BookSim's "Total run time"; CPU seconds when `cpu_time` is true.
    pub loop_cpu_s: f64,
    /// Simulated cycles per second of `loop_cpu_s` (BookSim's cycles/s is computed this way).
    pub loop_cycles_per_s: f64,
    /// Flit router traversals per second of `loop_cpu_s`.
    pub loop_traversals_per_s: f64,
    pub repeats: u32,
}

/// CPU time of the calling thread, in seconds, if the OS reports it.
pub fn thread_cpu_s() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(ns as f64 * 1e-9)
}

/// Times `f` in CPU seconds of this thread (wall seconds if unavailable); returns the time,
/// whether it is CPU time, the wall time and `f`'s value.
pub(crate) fn timed<T>(f: impl FnOnce() -> T) -> (f64, bool, f64, T) {
    let (c0, w0) = (thread_cpu_s(), Instant::now());
    let v = f();
    let wall = w0.elapsed().as_secs_f64();
    match (c0, thread_cpu_s()) {
        (Some(a), Some(b)) if b > a => (b - a, true, wall, v),
        _ => (wall, false, wall, v),
    }
}

/// Runs `cfg` `repeats` times (at least once) and times it.
pub fn bench(cfg: &NocConfig, origin: &str, repeats: u32) -> Result<BenchResult> {
    let mut times = Vec::new();
    let mut walls = Vec::new();
    let mut cpu_time = true;
    let mut loops = Vec::new();
    let mut first = None;
    for _ in 0..repeats.max(1) {
        let (spent, cpu, wall, r) = timed(|| run_timed(cfg, origin));
        let (r, loop_s) = r?;
        loops.push(loop_s);
        cpu_time &= cpu;
        times.push(spent);
        walls.push(wall);
        let key = (
            r.sim_cycles,
            r.flit_router_traversals,
            r.avg_packet_latency.to_bits(),
        );
        match first {
            None => first = Some((key, r)),
            Some((k, _)) if k != key => {
                return Err(Error::Check(
                    "repeated runs of one configuration gave different results".into(),
                ));
            }
            _ => {}
        }
    }
    if !cpu_time {
        times = walls.clone();
    }
    times.sort_by(f64::total_cmp);
    loops.sort_by(f64::total_cmp);
    walls.sort_by(f64::total_cmp);
    let (_, r) = first.ok_or_else(|| Error::Check("no run".into()))?;
    let best = times[0].max(1e-9);
    let best_loop = loops[0].max(1e-9);
    Ok(BenchResult {
        injection_rate: cfg.traffic.injection_rate,
        sim_cycles: r.sim_cycles,
        flit_router_traversals: r.flit_router_traversals,
        avg_packet_latency: r.avg_packet_latency,
        wall_s: walls[0],
        median_wall_s: walls[walls.len() / 2],
        cpu_s: best,
        cpu_time,
        cycles_per_s: r.sim_cycles as f64 / best,
        traversals_per_s: r.flit_router_traversals as f64 / best,
        loop_cpu_s: best_loop,
        loop_cycles_per_s: r.sim_cycles as f64 / best_loop,
        loop_traversals_per_s: r.flit_router_traversals as f64 / best_loop,
        repeats: times.len() as u32,
    })
}

/// Steps of one [`reference_kernel`] pass.
pub const KERNEL_STEPS: u64 = 4_000_000;

/// The speed of the reference kernel: a fixed pointer chase through a 256 KiB table (the size
/// of the 8x8 network's state) with a little arithmetic per step, like the simulator's mix of
/// table look-ups and bit operations. Returns million steps per CPU second (the fastest of
/// `repeats` passes) and whether that is CPU time.
pub fn reference_kernel(repeats: u32) -> (f64, bool) {
    const N: usize = 1 << 16;
    // A single cycle through all N slots: a fixed odd-stride permutation, scrambled by a
    // fixed multiplier so consecutive steps land on unrelated cache lines.
    let mut next = vec![0u32; N];
    let order: Vec<u32> = (0..N as u32)
        .map(|i| (i.wrapping_mul(40_503) ^ (i >> 3)) & (N as u32 - 1))
        .collect();
    let mut seen = vec![false; N];
    let mut perm: Vec<u32> = order
        .into_iter()
        .filter(|&x| !std::mem::replace(&mut seen[x as usize], true))
        .collect();
    perm.extend((0..N as u32).filter(|&x| !seen[x as usize]));
    for k in 0..N {
        next[perm[k] as usize] = perm[(k + 1) % N];
    }
    let mut best = f64::INFINITY;
    let mut cpu = true;
    for _ in 0..repeats.max(1) {
        let (s, c, _, acc) = timed(|| {
            let (mut at, mut acc) = (0u32, 0u64);
            for step in 0..KERNEL_STEPS {
                let v = next[at as usize];
                acc = acc.wrapping_add((v as u64).rotate_left((step & 31) as u32)) ^ (acc >> 7);
                at = v;
            }
            acc
        });
        std::hint::black_box(acc);
        cpu &= c;
        best = best.min(s);
    }
    (KERNEL_STEPS as f64 / best.max(1e-9) / 1e6, cpu)
}
