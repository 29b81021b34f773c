//! The flit tier against the flow and analytic tiers: zero-load latency of one packet, and an
//! MoE-style all-to-all of large messages on an 8x8 mesh, where the flow tier must be within
//! 10 % of the flit tier on the makespan.

use moesim_core::{ClockDomain, NodeId, Tick};
use moesim_noc::config::{RouterConfig, RoutingConfig, TopologyConfig};
use moesim_noc::tier::check::{divergence, divergence_table};
use moesim_noc::tier::{Message, Network, NetworkParams, TierConfig, patterns};
use moesim_noc::topology::{self, Topology};

fn mesh(k: u32) -> Topology {
    topology::build(&TopologyConfig::mesh(k, k), "t").unwrap()
}

fn tiers(topo: &Topology, p: &NetworkParams) -> Vec<Box<dyn Network>> {
    [
        TierConfig::Analytic,
        TierConfig::Flow {
            aggregate_pairs: true,
            idle_fraction: 0.0,
        },
        TierConfig::Flit {
            router: RouterConfig::default(),
            max_cycles: 10_000_000,
        },
    ]
    .iter()
    .map(|t| t.build(topo, &RoutingConfig::Dor, p, "t").unwrap())
    .collect()
}

#[test]
#[ignore]
fn explore_variants() {
    let topo = mesh(8);
    for (vcs, pkt, flit) in [(16u32, 16u32, 64u32), (4, 4, 64), (16, 64, 64), (16, 8, 900)] {
        let mut p = NetworkParams::new(ClockDomain::from_ghz(1.0), flit);
        let router = RouterConfig { num_vcs: vcs, ..RouterConfig::default() };
        p.router_delay_cycles = NetworkParams::pipeline_cycles(&router);
        p.max_packet_flits = pkt;
        let mut nets: Vec<Box<dyn Network>> = [
            TierConfig::Flow { aggregate_pairs: true, idle_fraction: 0.0 },
            TierConfig::Flit { router: router.clone(), max_cycles: 10_000_000 },
        ]
        .iter()
        .map(|t| t.build(&topo, &RoutingConfig::Dor, &p, "t").unwrap())
        .collect();
        let msgs = patterns::moe_dispatch(64, 64, 8, 7168, 5);
        let runs: Vec<_> = nets.iter_mut().map(|n| n.simulate(&msgs).unwrap()).collect();
        let d = divergence(&msgs, &runs[1], &runs[0]);
        println!("vcs {vcs} pkt {pkt} flit {flit}: flit {} flow {} diff {:+.2} % mean {:.2} %", runs[1].makespan, runs[0].makespan, d.span_rel * 100.0, d.mean_abs_rel * 100.0);
    }
}

#[test]
#[ignore]
fn explore() {
    let topo = mesh(8);
    let mut p = NetworkParams::new(ClockDomain::from_ghz(1.0), 64);
    for rd in [NetworkParams::pipeline_cycles(&RouterConfig::default())] {
        p.router_delay_cycles = rd;
        let mut nets = tiers(&topo, &p);
        for hops in [1u32, 3, 7, 14] {
            let dst = if hops <= 7 { hops } else { 63 };
            let msgs = [Message::new(0, NodeId(0), NodeId(dst), 64, Tick::ZERO)];
            let f: Vec<Tick> = nets.iter_mut().map(|n| n.simulate(&msgs).unwrap().finish[0]).collect();
            println!("rd {rd} hops {hops}: {:?}", f);
        }
        for bytes in [64u64 * 16, 64 * 160] {
            let msgs = [Message::new(0, NodeId(0), NodeId(7), bytes, Tick::ZERO)];
            let f: Vec<Tick> = nets.iter_mut().map(|n| n.simulate(&msgs).unwrap().finish[0]).collect();
            println!("bytes {bytes}: {:?}", f);
        }
        for (label, msgs) in [
            ("a2a 8x8 16 KB", patterns::all_to_all(64, 16 * 1024, Tick::ZERO)),
            ("moe 8x8", patterns::moe_dispatch(64, 64, 8, 7168, 5)),
        ] {
            let t = std::time::Instant::now();
            let runs: Vec<_> = nets.iter_mut().map(|n| n.simulate(&msgs).unwrap()).collect();
            let rows = vec![divergence(&msgs, &runs[2], &runs[0]), divergence(&msgs, &runs[2], &runs[1])];
            println!("{}", divergence_table(label, &rows));
            println!("wall {:.2}s", t.elapsed().as_secs_f64());
        }
    }
}
