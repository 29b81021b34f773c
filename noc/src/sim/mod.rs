//! Running a NoC experiment the way BookSim does: build the topology, routing and synthetic
//! traffic from a [`NocConfig`], simulate with [`FlitNetwork`], measure with BookSim's method
//! ([`measurement`]) and report BookSim's figures ([`NocReport`]).
//!
//! - [`run`]: one configuration, one report;
//! - [`bench`]: the same, timed, for `moesim noc --bench`.

pub mod bench;
pub mod measurement;
pub mod recorder;

pub use bench::{BenchResult, bench, reference_kernel};

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
    run_timed(cfg, origin).map(|(r, _)| r)
}

/// [`run`], also returning the time spent in the cycle loop alone (warm-up, measurement and
/// drain; not building the network or the report), in CPU seconds of this thread (wall seconds
/// where the OS does not report CPU time): what BookSim's "Total run time" covers.
pub fn run_timed(cfg: &NocConfig, origin: &str) -> Result<(NocReport, f64)> {
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
    let (loop_s, _, _, m) = bench::timed(|| run_latency(&mut net, &cfg.sim));
    let m = m?;
    let sim_cycles = net.cycle();
    let mut link_stats = net.take_link_stats();
    if m.measure_start.is_none() {
        // Measurement never started: no link statistics.
        link_stats = crate::LinkStats::new(topo.links.len(), cfg.stats.window_cycles, sim_cycles);
        link_stats.finish(sim_cycles);
    }
    let stats = stats_tree(&net, &m, sim_cycles);
    let report = NocReport {
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
    };
    Ok((report, loop_s))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RunStatus;
    use crate::config::{TopologyConfig, TrafficPattern};

    fn small(rate: f64) -> NocConfig {
        let mut c = NocConfig {
            topology: TopologyConfig::mesh(4, 4),
            ..NocConfig::default()
        };
        c.router.num_vcs = 4;
        c.router.vc_buf_size = 8;
        c.traffic.packet_size = 4;
        c.traffic.injection_rate_uses_flits = true;
        c.traffic.injection_rate = rate;
        c
    }

    #[test]
    fn converged_run_reports_booksim_figures() {
        let r = run(&small(0.1), "t").unwrap();
        assert_eq!(r.status, RunStatus::Converged);
        assert!(!r.saturated);
        // 4x4 uniform, self traffic included: E[H] = 2 (k^2 - 1) / 3k = 2.5, T0 = 5H + 10.
        assert!(
            (r.avg_hops_routers - 3.5).abs() < 0.15,
            "{}",
            r.avg_hops_routers
        );
        assert!(r.avg_packet_latency > 22.0 && r.avg_packet_latency < 27.0);
        assert!(r.avg_network_latency <= r.avg_packet_latency);
        assert!((r.accepted_flits_per_node_cycle - 0.1).abs() < 0.01);
        assert!((r.injected_flits_per_node_cycle - 0.1).abs() < 0.01);
        assert!(r.packets_measured > 500);
        assert!(r.flit_router_traversals > r.packets_measured * 4);
        let start = r.stats.value("measure_start_cycle").unwrap() as u64;
        assert_eq!(start, 3000);
        assert_eq!(r.link_stats.start_cycle, start);
        assert_eq!(r.link_stats.end_cycle, r.sim_cycles);
        assert!(r.link_stats.total_flits.iter().sum::<u64>() > 0);
        let h = r.stats.value("packet_latency").unwrap();
        assert!((h - r.avg_packet_latency).abs() < 0.5);
        assert!(r.stats.value("router[1,2].port_north.flits_out").is_some());
        assert!(
            r.stats
                .dump_text()
                .contains("router[3,3].switch_traversals")
        );
    }

    #[test]
    fn same_seed_same_report_other_seed_other_report() {
        let key = |r: &NocReport| {
            (
                r.sim_cycles,
                r.flit_router_traversals,
                r.avg_packet_latency.to_bits(),
                r.link_stats.total_flits.clone(),
            )
        };
        let a = run(&small(0.2), "t").unwrap();
        let b = run(&small(0.2), "t").unwrap();
        assert_eq!(key(&a), key(&b));
        let mut c = small(0.2);
        c.sim.seed = 1;
        assert_ne!(key(&a), key(&run(&c, "t").unwrap()));
    }

    #[test]
    fn overload_is_unstable() {
        let mut c = small(0.9);
        c.traffic.pattern = TrafficPattern::Transpose;
        let r = run(&c, "t").unwrap();
        assert_eq!(r.status, RunStatus::LatencyExceeded);
        assert!(r.saturated);
        // Off-diagonal flows are capped by the channel load; the offered 0.9 is not accepted.
        assert!(
            r.accepted_flits_per_node_cycle < 0.8,
            "{}",
            r.accepted_flits_per_node_cycle
        );
    }

    #[test]
    fn sample_limits_and_convergence_warm_up() {
        let mut c = small(0.1);
        c.sim.max_samples = 4; // 3 warm-up periods + 1: never 3 converging periods
        let r = run(&c, "t").unwrap();
        assert_eq!(r.status, RunStatus::NotConverged);
        assert!(!r.saturated);
        let mut c = small(0.1);
        c.sim.warmup_periods = 0; // warm up until latency and throughput settle
        c.sim.sample_period = 500;
        let r = run(&c, "t").unwrap();
        assert_eq!(r.status, RunStatus::Converged);
    }

    #[test]
    fn configuration_errors_name_the_key() {
        let mut c = small(0.1);
        c.topology = TopologyConfig::mesh(6, 6);
        c.traffic.pattern = TrafficPattern::Bitrev;
        let e = run(&c, "f.toml").unwrap_err().to_string();
        assert!(e.contains("f.toml") && e.contains("traffic.pattern"), "{e}");
        let mut c = small(0.1);
        c.router.sw_alloc_delay = 0;
        let e = run(&c, "f.toml").unwrap_err().to_string();
        assert!(e.contains("router.sw_alloc_delay"), "{e}");
        let mut c = small(0.1);
        c.sim.deadlock_cycles = 0;
        let e = run(&c, "f.toml").unwrap_err().to_string();
        assert!(e.contains("sim.deadlock_cycles"), "{e}");
    }

    #[test]
    fn bench_times_identical_repeats() {
        let b = bench(&small(0.05), "t", 2).unwrap();
        assert_eq!(b.repeats, 2);
        assert!(b.traversals_per_s > 0.0 && b.cycles_per_s > 0.0);
        assert!(b.wall_s <= b.median_wall_s);
        assert!(b.cpu_s > 0.0 && b.cpu_s <= b.median_wall_s * 1.5 + 0.01);
        assert!(b.loop_cpu_s > 0.0 && b.loop_cpu_s <= b.cpu_s);
        assert!(b.loop_traversals_per_s >= b.traversals_per_s);
        let (k, _) = reference_kernel(1);
        assert!(k > 0.0 && k.is_finite());
    }
}
