//! Running a NoC experiment the way BookSim does: build the topology, routing and synthetic
//! traffic from a [`NocConfig`], simulate with [`FlitNetwork`], measure with BookSim's method
//! ([`measurement`]) and report BookSim's figures ([`NocReport`]).
//!
//! - [`run`]: one configuration, one report;
//! - [`bench`]: the same, timed, for `moesim noc --bench`.

pub mod bench;
pub mod measurement;
pub mod recorder;

pub use bench::{BenchResult, bench};
pub use measurement::{Measured, run_latency};

use crate::config::NocConfig;
use crate::network::FlitNetwork;
use crate::report::NocReport;
use crate::traffic::SyntheticSource;
use crate::{routing, topology};
use moesim_core::{Result, StatsTree};
use std::time::Instant;

/// Validates `cfg` (read from `origin`), builds the network and runs BookSim's latency
/// measurement on it.
pub fn run(cfg: &NocConfig, origin: &str) -> Result<NocReport> {
    let start = Instant::now();
    cfg.validate(origin)?;
    let topo = topology::build(&cfg.topology, origin)?;
    let rf = routing::build_with_vcs(&cfg.routing, &topo, cfg.router.num_vcs, origin)?;
    let source = SyntheticSource::new(
        &cfg.traffic,
        cfg.sim.include_queuing,
        cfg.sim.seed,
        &topo,
        origin,
    )?;
    let mut net = FlitNetwork::new(
        &topo,
        rf,
        &cfg.router,
        cfg.stats.window_cycles,
        cfg.sim.seed,
    )?;
    net.set_deadlock_cycles(cfg.sim.deadlock_cycles);
    net.attach_source(source);
    let m = run_latency(&mut net, &cfg.sim)?;
    let sim_cycles = net.cycle();
    let mut link_stats = net.take_link_stats();
    if m.measure_start.is_none() {
        // Measurement never started: no link statistics.
        link_stats = crate::LinkStats::new(topo.links.len(), cfg.stats.window_cycles, sim_cycles);
        link_stats.finish(sim_cycles);
    }
    let stats = stats_tree(&net, &m, sim_cycles);
    Ok(NocReport {
        avg_packet_latency: m.avg_packet_latency,
        avg_network_latency: m.avg_network_latency,
        accepted_flits_per_node_cycle: m.accepted_flits_per_node_cycle,
        injected_flits_per_node_cycle: m.injected_flits_per_node_cycle,
        avg_hops_routers: m.avg_hops_routers,
        sim_cycles,
        saturated: m.saturated,
        status: m.status,
        flit_router_traversals: net.flit_router_traversals(),
        packets_measured: m.packets_measured,
        link_stats,
        stats,
        wall_s: start.elapsed().as_secs_f64(),
    })
}

fn stats_tree(net: &FlitNetwork, m: &Measured, sim_cycles: u64) -> StatsTree {
    let mut s = StatsTree::new();
    let r = &net.recorder;
    s.add_counter(
        "sim_cycles",
        "cycles simulated (warm-up, measurement, drain)",
        sim_cycles,
    );
    s.add_counter(
        "sample_periods",
        "sample periods run, warm-up included",
        m.sample_periods as u64,
    );
    if let Some(c) = m.measure_start {
        s.add_counter("measure_start_cycle", "first cycle of the measurement", c);
    }
    s.add_counter(
        "measure_end_cycle",
        "end of the measurement interval",
        m.measure_end,
    );
    s.set_scalar(
        "avg_packet_latency",
        "cycles from creation to tail ejection, measured packets",
        m.avg_packet_latency,
    );
    s.set_scalar(
        "avg_network_latency",
        "cycles from head injection to tail ejection, measured packets",
        m.avg_network_latency,
    );
    s.set_scalar(
        "avg_hops_routers",
        "routers traversed per packet",
        m.avg_hops_routers,
    );
    s.set_scalar(
        "accepted_flits_per_node_cycle",
        "ejected flits per node per cycle over the measurement",
        m.accepted_flits_per_node_cycle,
    );
    s.set_scalar(
        "injected_flits_per_node_cycle",
        "injected flits per node per cycle over the measurement",
        m.injected_flits_per_node_cycle,
    );
    s.add_counter(
        "packets_measured",
        "measured packets delivered",
        m.packets_measured,
    );
    s.add_counter(
        "flit_router_traversals",
        "flits through a router switch, whole run",
        net.flit_router_traversals(),
    );
    if let Some(h) = &r.plat.hist {
        s.set_histogram("packet_latency", "packet latency (cycles)", h.clone());
    }
    if let Some(h) = &r.nlat.hist {
        s.set_histogram("network_latency", "network latency (cycles)", h.clone());
    }
    s.merge("", net.unit_stats());
    s
}
