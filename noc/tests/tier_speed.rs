//! Wall-clock figures of the flow tier on large all-to-all phases (ignored by default; run with
//! `cargo test --release -p moesim-noc --test tier_speed -- --ignored --nocapture`).

use moesim_core::{Bandwidth, ClockDomain, Tick};
use moesim_noc::config::{MeshOfDiesConfig, RoutingConfig, TopologyConfig};
use moesim_noc::routing;
use moesim_noc::tier::check::divergence;
use moesim_noc::tier::{FlowNetwork, Message, Network, NetworkParams, NetworkRun, patterns};
use moesim_noc::topology::{self, Topology};
use std::time::Instant;

/// CPU time of this thread in seconds (Linux `schedstat`), so figures hold on a loaded machine;
/// falls back to zero elsewhere.
fn cpu_s() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .next()
                .and_then(|v| v.parse::<f64>().ok())
        })
        .map_or(0.0, |ns| ns * 1e-9)
}

fn params() -> NetworkParams {
    NetworkParams::from_link(
        Bandwidth::from_gbytes_per_s(900.0),
        ClockDomain::from_ghz(1.0),
        Tick::from_ns(1.0),
        1,
    )
    .unwrap()
}

fn four_wafers() -> Topology {
    let cfg = TopologyConfig::MeshOfDies(MeshOfDiesConfig {
        wafers_x: 2,
        wafers_y: 2,
        w2w_cycles_per_flit: 2,
        ..MeshOfDiesConfig::default()
    });
    topology::build(&cfg, "speed").unwrap()
}

fn time_flow(label: &str, topo: &Topology, msgs: &[Message]) {
    let mut reference: Option<NetworkRun> = None;
    for rel in [0.0, 0.05, 0.1, 0.25] {
        let rf = routing::build(&RoutingConfig::Dor, topo, "speed").unwrap();
        let mut net =
            FlowNetwork::with_idle_fraction(topo.clone(), rf, params(), true, rel, "speed");
        // The first call fills the route cache (kept across calls, as across an executor's
        // phases); the second is timed.
        net.simulate(msgs).unwrap();
        let t = Instant::now();
        let c = cpu_s();
        let run = net.simulate(msgs).unwrap();
        let cpu = cpu_s() - c;
        let wall = t.elapsed().as_secs_f64();
        let reference = reference.get_or_insert_with(|| run.clone());
        let d = divergence(msgs, reference, &run);
        let s = net.last_stats();
        println!(
            "{label}, idle_fraction {rel}: {} msgs, {} flows, {} events, {} re-solves, {} rates \
             solved ({} changed), span {:.3} us ({:+.3} % vs exact, mean msg {:.3} %), cpu {:.1} \
             ms, wall {:.1} ms",
            msgs.len(),
            s.flows,
            s.events,
            s.resolves,
            s.flows_resolved,
            s.rates_changed,
            run.makespan.as_us(),
            d.span_rel * 100.0,
            d.mean_abs_rel * 100.0,
            cpu * 1e3,
            wall * 1e3
        );
    }
}

#[test]
#[ignore]
fn flow_tier_speed() {
    let m8 = topology::build(&TopologyConfig::mesh(8, 8), "speed").unwrap();
    time_flow(
        "mesh 8x8 all-to-all",
        &m8,
        &patterns::all_to_all(64, 7168, Tick::ZERO),
    );
    time_flow(
        "mesh 8x8 moe dispatch",
        &m8,
        &patterns::moe_dispatch(64, 256, 8, 7168, 1),
    );
    if std::env::var_os("MOESIM_SPEED_LARGE").is_none() {
        return;
    }
    let w = four_wafers();
    time_flow(
        "4 wafers 16x16 all-to-all",
        &w,
        &patterns::all_to_all(256, 7168, Tick::ZERO),
    );
    time_flow(
        "4 wafers 16x16 moe dispatch",
        &w,
        &patterns::moe_dispatch(256, 128, 8, 7168, 1),
    );
}

#[test]
#[ignore]
fn solver_speed() {
    use moesim_noc::tier::RouteTable;
    use moesim_noc::tier::maxmin::max_min_rates;
    let m8 = topology::build(&TopologyConfig::mesh(16, 16), "speed").unwrap();
    let rf = routing::build(&RoutingConfig::Dor, &m8, "speed").unwrap();
    let mut rt = RouteTable::new(m8.clone(), rf, params(), "speed");
    let msgs = patterns::all_to_all(256, 7168, Tick::ZERO);
    let paths: Vec<Vec<u32>> = msgs
        .iter()
        .map(|m| {
            let r = rt.route(m.src, m.dst).unwrap();
            rt.path(r).to_vec()
        })
        .collect();
    let c = cpu_s();
    let r = max_min_rates(&rt.resources().bytes_per_ps, &paths);
    println!(
        "one max-min solve of {} flows: cpu {:.2} ms (rate 0: {})",
        paths.len(),
        (cpu_s() - c) * 1e3,
        r[0]
    );
}
