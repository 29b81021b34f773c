//! Every routing function on the topologies it accepts: every active pair reaches its
//! destination over every candidate path, minimal functions take minimal paths, and the channel
//! dependency graph of each deadlock-free function is acyclic.

use moesim_core::{Coord, NodeId, RouterId};
use moesim_noc::config::{MeshOfDiesConfig, RoutingConfig, TopologyConfig};
use moesim_noc::routing::cdg::{dependency_cycle, find_deadlock};
use moesim_noc::routing::torus_dor::TorusDorRouting;
use moesim_noc::routing::walk::walk_all;
use moesim_noc::routing::{self, RouteCandidate, RoutingFunction, TurnModel};
use moesim_noc::topology::{self, Direction, PortId, Topology};

fn ft(turn_model: TurnModel, adaptive: bool) -> RoutingConfig {
    RoutingConfig::FaultTolerant {
        turn_model,
        adaptive,
    }
}

fn torus_distance(t: &Topology, a: Coord, b: Coord) -> u32 {
    let ring = |p: u32, q: u32, k: u32| {
        let d = p.abs_diff(q);
        d.min(k - d)
    };
    ring(a.x, b.x, t.shape.x) + ring(a.y, b.y, t.shape.y)
}

/// Walks all pairs; checks reachability, (optionally) minimality, and an acyclic CDG.
fn check(topo: &Topology, cfg: RoutingConfig, num_vcs: u8, minimal: bool) -> (u32, u32) {
    let rf = routing::build_with_vcs(&cfg, topo, num_vcs as u32, "test").unwrap();
    let walk = walk_all(topo, rf.as_ref(), num_vcs, true)
        .unwrap_or_else(|e| panic!("{} on {}: {e}", rf.name(), topo.name));
    let (mut total_min, mut total_max) = (0, 0);
    for d in topo.active_routers() {
        for s in topo.active_routers() {
            let (lo, hi) = walk.hops[d.id.index()][s.id.index()]
                .unwrap_or_else(|| panic!("{}: no walk {} -> {}", rf.name(), s.coord, d.coord));
            let shortest = if topo.wraparound {
                torus_distance(topo, s.coord, d.coord)
            } else {
                s.coord.manhattan(d.coord)
            };
            assert!(lo >= shortest, "{} shorter than possible", rf.name());
            if minimal {
                assert_eq!(
                    (lo, hi),
                    (shortest, shortest),
                    "{} on {}: {} -> {}",
                    rf.name(),
                    topo.name,
                    s.coord,
                    d.coord
                );
            }
            total_min += lo;
            total_max += hi;
        }
    }
    assert!(topo.num_routers() < 2 || !walk.dependencies.is_empty());
    assert_eq!(
        dependency_cycle(&walk.dependencies),
        None,
        "{} on {} has a cyclic channel dependency graph",
        rf.name(),
        topo.name
    );
    (total_min, total_max)
}

#[test]
fn mesh_functions_are_minimal_and_deadlock_free() {
    let mesh = topology::build(&TopologyConfig::mesh(5, 4), "t").unwrap();
    for cfg in [
        RoutingConfig::Dor,
        RoutingConfig::DorYx,
        RoutingConfig::WestFirst,
        RoutingConfig::OddEven,
        ft(TurnModel::OddEven, true),
        ft(TurnModel::OddEven, false),
        ft(TurnModel::WestFirst, true),
    ] {
        check(&mesh, cfg, 1, true);
    }
    // Up*/down* is deadlock-free but not minimal on a mesh.
    let (lo, hi) = check(&mesh, ft(TurnModel::UpDown, true), 1, false);
    assert!(lo <= hi);
}

#[test]
fn adaptive_functions_offer_more_than_one_path() {
    let mesh = topology::build(&TopologyConfig::mesh(4, 4), "t").unwrap();
    let mut v: Vec<RouteCandidate> = Vec::new();
    let (from, to) = (RouterId(0), NodeId(15));
    for cfg in [
        RoutingConfig::WestFirst,
        RoutingConfig::OddEven,
        ft(TurnModel::OddEven, true),
    ] {
        let rf = routing::build(&cfg, &mesh, "t").unwrap();
        v.clear();
        rf.route(&mesh, from, 4, 0, to, 1, &mut v);
        assert_eq!(v.len(), 2, "{}", rf.name());
    }
    let rf = routing::build(&ft(TurnModel::OddEven, false), &mesh, "t").unwrap();
    v.clear();
    rf.route(&mesh, from, 4, 0, to, 1, &mut v);
    assert_eq!(v.len(), 1);
}

#[test]
fn mesh_of_dies_is_routed_on_the_global_grid() {
    let cfg = TopologyConfig::MeshOfDies(MeshOfDiesConfig {
        x: 4,
        y: 4,
        die_x: 2,
        die_y: 2,
        wafers_x: 2,
        wafers_y: 2,
        d2d_latency_cycles: 2,
        w2w_latency_cycles: 8,
        w2w_cycles_per_flit: 4,
        ..MeshOfDiesConfig::default()
    });
    let topo = topology::build(&cfg, "t").unwrap();
    assert_eq!(topo.num_routers(), 64);
    for r in [RoutingConfig::Dor, RoutingConfig::OddEven] {
        check(&topo, r, 1, true);
    }
}

#[test]
fn torus_dateline_routing_is_minimal_and_deadlock_free() {
    for (x, y) in [(5, 4), (4, 4), (2, 3), (6, 1)] {
        let torus = topology::build(&TopologyConfig::torus(x, y), "t").unwrap();
        for vcs in [2, 3, 4] {
            check(&torus, RoutingConfig::TorusDor, vcs, true);
        }
        check(&torus, ft(TurnModel::UpDown, true), 1, false);
    }
}

#[test]
fn the_cdg_check_finds_real_cycles() {
    // Without VC classes (one VC) dimension-order routing on a torus has cyclic dependencies
    // around every ring.
    let torus = topology::build(&TopologyConfig::torus(4, 4), "t").unwrap();
    let cycle = find_deadlock(&torus, &TorusDorRouting, 1).unwrap();
    assert!(cycle.is_some_and(|c| c.len() >= 4));

    /// Fully adaptive minimal routing: every productive direction, any VC. Deadlock-prone.
    struct FullyAdaptive;
    impl RoutingFunction for FullyAdaptive {
        fn name(&self) -> &'static str {
            "fully_adaptive"
        }
        fn is_deterministic(&self) -> bool {
            false
        }
        fn route(
            &self,
            topo: &Topology,
            router: RouterId,
            _in_port: PortId,
            _in_vc: u8,
            dst: NodeId,
            num_vcs: u8,
            out: &mut Vec<RouteCandidate>,
        ) {
            let (c, d) = (topo.router(router).coord, topo.node_coord(dst));
            if c == d {
                out.push(routing::eject(topo, dst, num_vcs));
                return;
            }
            let dirs = [
                (d.x > c.x, Direction::East),
                (d.x < c.x, Direction::West),
                (d.y > c.y, Direction::North),
                (d.y < c.y, Direction::South),
            ];
            for (ok, dir) in dirs {
                if ok {
                    out.push(routing::any_vc(dir, num_vcs));
                }
            }
        }
    }
    let mesh = topology::build(&TopologyConfig::mesh(3, 3), "t").unwrap();
    assert!(find_deadlock(&mesh, &FullyAdaptive, 1).unwrap().is_some());
}
