//! The result of one NoC run, with BookSim's output figures under BookSim's names.

use crate::link_stats::LinkStats;
use moesim_core::StatsTree;
use serde::Serialize;

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Latency and throughput converged and every measured packet drained.
    Converged,
    /// Average latency (counting flits in flight) exceeded `latency_thres`.
    LatencyExceeded,
    /// `max_samples` sample periods ran without convergence.
    NotConverged,
}

/// The figures of one run. Rates are per node per cycle; latencies in cycles.
#[derive(Clone, Debug, Serialize)]
pub struct NocReport {
    pub avg_packet_latency: f64,
    pub avg_network_latency: f64,
    pub accepted_flits_per_node_cycle: f64,
    pub injected_flits_per_node_cycle: f64,
    /// Routers traversed per packet (link hops + 1), as BookSim's "Hops average".
    pub avg_hops_routers: f64,
    pub sim_cycles: u64,
    pub saturated: bool,
    pub status: RunStatus,
    /// Flits that traversed a router's switch, over the whole run (the work done).
    pub flit_router_traversals: u64,
    pub packets_measured: u64,
    /// Per-link flit counts over windows, from the start of measurement.
    #[serde(skip)]
    pub link_stats: LinkStats,
    /// Everything else, as a stats tree (router, port and link counters, latency histograms).
    #[serde(skip)]
    pub stats: StatsTree,
    pub wall_s: f64,
}
