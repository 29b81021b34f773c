//! Zero-load latency of single packets against BookSim's pipeline: a packet of P flits crossing
//! H links takes T0 = 5H + 6 + P cycles from creation to tail ejection (data/booksim/README.md,
//! "Zero-load latency"), for every pattern on 8x8 and on a non-square mesh.

use moesim_core::NodeId;
use moesim_noc::FlitNetwork;
use moesim_noc::config::{RouterConfig, TopologyConfig, TrafficConfig, TrafficPattern};
use moesim_noc::routing::dor::DimensionOrderRouting;
use moesim_noc::topology::{self, Topology};
use moesim_noc::traffic::build_pattern;

fn mesh(x: u32, y: u32) -> Topology {
    topology::build(&TopologyConfig::mesh(x, y), "test").unwrap()
}

fn booksim_router() -> RouterConfig {
    RouterConfig {
        num_vcs: 4,
        vc_buf_size: 8,
        ..RouterConfig::default()
    }
}

/// Latency of one packet alone in the network.
fn lone_packet(topo: &Topology, src: u32, dst: u32, flits: u32) -> (u64, u32) {
    let mut net = FlitNetwork::new(
        topo,
        Box::new(DimensionOrderRouting::xy()),
        &booksim_router(),
        1000,
        0,
    )
    .unwrap();
    net.inject(NodeId(src), NodeId(dst), flits, 7).unwrap();
    net.run_until_idle(10_000).unwrap();
    let d: Vec<_> = net.drain_delivered().collect();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].tag, 7);
    (d[0].delivered_cycle - d[0].created_cycle, d[0].hops)
}

fn hops(topo: &Topology, s: u32, d: u32) -> u64 {
    topo.node_coord(NodeId(s))
        .manhattan(topo.node_coord(NodeId(d))) as u64
}

#[test]
fn single_packets_take_5h_plus_6_plus_p() {
    let t = mesh(8, 8);
    for (s, d) in [(0, 0), (0, 1), (0, 63), (9, 54), (63, 0), (7, 56), (27, 36)] {
        for p in [1, 2, 4, 9] {
            let (lat, routers) = lone_packet(&t, s, d, p);
            let h = hops(&t, s, d);
            assert_eq!(lat, 5 * h + 6 + p as u64, "{s}->{d}, {p} flits");
            assert_eq!(routers as u64, h + 1);
        }
    }
}

#[test]
fn every_pattern_at_zero_load_on_8x8_and_non_square() {
    let mut rng = moesim_core::rng_from_seed(3);
    for (x, y) in [(8u32, 8u32), (6, 3)] {
        let t = mesh(x, y);
        let mut patterns = vec![
            TrafficPattern::Uniform,
            TrafficPattern::Tornado,
            TrafficPattern::Neighbor,
            TrafficPattern::Randperm { perm_seed: 5 },
            TrafficPattern::Hotspot {
                nodes: vec![1, 4],
                rates: vec![],
            },
        ];
        if x == y {
            patterns.extend([TrafficPattern::Transpose]);
        }
        if (x * y).is_power_of_two() {
            patterns.extend([
                TrafficPattern::Bitcomp,
                TrafficPattern::Bitrev,
                TrafficPattern::Shuffle,
            ]);
        }
        for pat in patterns {
            let p = build_pattern(&pat, &t, "test").unwrap();
            for s in (0..x * y).step_by(5) {
                let d = p.dest(NodeId(s), &mut rng).0;
                let (lat, _) = lone_packet(&t, s, d, 4);
                assert_eq!(lat, 5 * hops(&t, s, d) + 10, "{pat:?} {x}x{y} {s}->{d}");
            }
        }
        let _ = TrafficConfig::default();
    }
}
