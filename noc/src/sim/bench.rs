//! Timing the flit-level simulator: runs a configuration several times and reports simulated
//! cycles and flit router traversals per second of wall time (the figures BookSim's speed is
//! quoted in). Every repeat must give the same result, bit for bit.

use super::run;
use crate::config::NocConfig;
use moesim_core::{Error, Result};
use serde::Serialize;

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
    pub cycles_per_s: f64,
    pub traversals_per_s: f64,
    pub repeats: u32,
}

/// Runs `cfg` `repeats` times (at least once) and times it.
pub fn bench(cfg: &NocConfig, origin: &str, repeats: u32) -> Result<BenchResult> {
    let mut walls = Vec::new();
    let mut first = None;
    for _ in 0..repeats.max(1) {
        let r = run(cfg, origin)?;
        walls.push(r.wall_s);
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
    walls.sort_by(f64::total_cmp);
    let (_, r) = first.ok_or_else(|| Error::Check("no run".into()))?;
    let best = walls[0].max(1e-9);
    Ok(BenchResult {
        injection_rate: cfg.traffic.injection_rate,
        sim_cycles: r.sim_cycles,
        flit_router_traversals: r.flit_router_traversals,
        avg_packet_latency: r.avg_packet_latency,
        wall_s: best,
        median_wall_s: walls[walls.len() / 2],
        cycles_per_s: r.sim_cycles as f64 / best,
        traversals_per_s: r.flit_router_traversals as f64 / best,
        repeats: walls.len() as u32,
    })
}
