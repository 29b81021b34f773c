//! Cross-checks between the analytic and flow tiers: exact agreement when no link is shared,
//! capacity and byte conservation of the flow tier, and the analytic contention bound.

use moesim_core::{Bandwidth, ClockDomain, NodeId, Tick};
use moesim_noc::config::{MeshOfDiesConfig, RoutingConfig, TopologyConfig};
use moesim_noc::routing;
use moesim_noc::tier::check::{
    check_capacity, check_conservation, check_identical, divergence, divergence_report,
    expected_link_bytes, route_table,
};
use moesim_noc::tier::{EndpointBandwidth, Message, Network, NetworkParams, TierConfig, patterns};
use moesim_noc::topology::{self, Topology};

fn d2d_params() -> NetworkParams {
    NetworkParams::from_link(
        Bandwidth::from_gbytes_per_s(900.0),
        ClockDomain::from_ghz(1.0),
        Tick::from_ns(1.0),
        1,
    )
    .unwrap()
}

fn mesh(k: u32) -> Topology {
    topology::build(&TopologyConfig::mesh(k, k), "t").unwrap()
}

fn tiers(topo: &Topology, p: &NetworkParams) -> Vec<Box<dyn Network>> {
    [
        TierConfig::Analytic,
        TierConfig::Flow {
            aggregate_pairs: true,
            idle_fraction: 0.0,
            link_efficiency: 1.0,
        },
    ]
    .iter()
    .map(|t| t.build(topo, &RoutingConfig::Dor, p, "t").unwrap())
    .collect()
}

#[test]
fn analytic_equals_flow_exactly_on_disjoint_paths() {
    // Mixed link widths and both endpoint models; odd sizes so rounding matters.
    let cfg = TopologyConfig::MeshOfDies(MeshOfDiesConfig {
        x: 4,
        y: 4,
        die_x: 2,
        die_y: 2,
        d2d_cycles_per_flit: 3,
        d2d_latency_cycles: 5,
        ..MeshOfDiesConfig::default()
    });
    let topo = topology::build(&cfg, "t").unwrap();
    for endpoint in [EndpointBandwidth::default(), EndpointBandwidth::Unlimited] {
        let mut p = NetworkParams::new(ClockDomain::from_ghz(1.3), 48);
        p.endpoint = endpoint;
        let mut msgs = patterns::east_shift(&topo, 0);
        for (i, m) in msgs.iter_mut().enumerate() {
            m.bytes = 1 + 12_345 * i as u64;
            m.release = Tick(777 * (i as u64 % 5));
        }
        let mut nets = tiers(&topo, &p);
        let a = nets[0].simulate(&msgs).unwrap();
        let f = nets[1].simulate(&msgs).unwrap();
        check_identical(&a, &f).unwrap();
        assert_eq!(a.link_bytes, f.link_bytes);
    }
}

#[test]
fn flow_respects_capacity_and_conserves_bytes() {
    let topo = mesh(8);
    let p = d2d_params();
    let mut msgs = patterns::moe_dispatch(64, 64, 8, 7168, 3);
    // Stagger releases over a few windows so arrivals interleave with completions.
    for (i, m) in msgs.iter_mut().enumerate() {
        m.release = Tick::from_ns((i % 7) as f64 * 150.0);
    }
    let mut p_small_window = p.clone();
    p_small_window.window = Tick::from_ns(100.0);
    let mut nets = tiers(&topo, &p_small_window);
    let mut rt = route_table(
        &topo,
        routing::build(&RoutingConfig::Dor, &topo, "t").unwrap(),
        &p_small_window,
    );
    let expected = expected_link_bytes(&mut rt, &msgs).unwrap();
    let flow = nets[1].simulate(&msgs).unwrap();
    check_capacity(&topo, &p_small_window, &flow, 1e-9).unwrap();
    check_conservation(&expected, &flow, 0.0, 1e-9).unwrap();
    let analytic = nets[0].simulate(&msgs).unwrap();
    check_conservation(&expected, &analytic, 0.0, 1e-9).unwrap();
    // Every message finishes after its release plus its path latency.
    for (m, &t) in msgs.iter().zip(&flow.finish) {
        assert!(t > m.release, "{m:?}");
    }
}

#[test]
fn analytic_makespan_bounds_flow_from_below_on_all_to_all() {
    // With every message released together, no schedule can drain the hottest resource faster
    // than the analytic contention term; the flow tier is a feasible schedule.
    let topo = mesh(4);
    let p = d2d_params();
    let msgs = patterns::all_to_all(16, 100_000, Tick::ZERO);
    let mut nets = tiers(&topo, &p);
    let a = nets[0].simulate(&msgs).unwrap();
    let f = nets[1].simulate(&msgs).unwrap();
    assert!(a.makespan <= f.makespan, "{} > {}", a.makespan, f.makespan);
    let d = divergence(&msgs, &a, &f);
    assert!(d.span_rel >= 0.0);
    let report = divergence_report("a2a 4x4", &mut nets, &msgs).unwrap();
    assert!(
        report.contains("| a2a 4x4 | analytic | flow | 240 |"),
        "{report}"
    );
}

#[test]
fn endpoint_bandwidth_limits_a_hot_sender() {
    // One node sends to its four neighbours' directions: unlimited endpoints let it use all
    // outgoing links at once; a one-flit endpoint serialises it.
    let topo = mesh(3);
    let centre = NodeId(4);
    let msgs: Vec<Message> = [1u32, 3, 5, 7]
        .iter()
        .enumerate()
        .map(|(i, &d)| Message::new(i as u64, centre, NodeId(d), 90_000, Tick::ZERO))
        .collect();
    let mut limited = d2d_params();
    limited.endpoint = EndpointBandwidth::FlitsPerCycle { flits_per_cycle: 1 };
    let mut unlimited = limited.clone();
    unlimited.endpoint = EndpointBandwidth::Unlimited;
    let flow = TierConfig::Flow {
        aggregate_pairs: true,
        idle_fraction: 0.0,
        link_efficiency: 1.0,
    };
    let l = flow
        .build(&topo, &RoutingConfig::Dor, &limited, "t")
        .unwrap()
        .simulate(&msgs)
        .unwrap();
    let u = flow
        .build(&topo, &RoutingConfig::Dor, &unlimited, "t")
        .unwrap()
        .simulate(&msgs)
        .unwrap();
    // 4 x 90 kB at 900 B/ns = 400 ns vs 100 ns, plus one 1 ns hop.
    assert_eq!(l.makespan, Tick::from_ns(401.0));
    assert_eq!(u.makespan, Tick::from_ns(101.0));
}

#[test]
fn unsupported_topology_names_network_tier() {
    let cfg = TopologyConfig::MeshOfDies(MeshOfDiesConfig {
        x: 4,
        y: 4,
        failed_routers: vec![[1, 1]],
        ..MeshOfDiesConfig::default()
    });
    let topo = topology::build(&cfg, "t").unwrap();
    let p = d2d_params();
    let ft = RoutingConfig::FaultTolerant {
        turn_model: routing::TurnModel::UpDown,
        adaptive: false,
    };
    let mut net = TierConfig::Analytic
        .build(&topo, &ft, &p, "exp.toml")
        .unwrap();
    // Node 5 sits on the failed router: a message to it cannot be routed.
    let e = net
        .simulate(&[Message::new(9, NodeId(0), NodeId(5), 64, Tick::ZERO)])
        .unwrap_err()
        .to_string();
    assert!(e.contains("exp.toml") && e.contains("network.tier"), "{e}");
}
