//! Failed links, routers and dies: random fault sets on meshes, tori and meshes of dies. A set
//! that disconnects the survivors is rejected naming the key; otherwise fault-tolerant routing
//! (up*/down*) always builds, reaches every surviving pair around the failures and keeps an
//! acyclic channel dependency graph; the turn-model tables either do the same or refuse with an
//! error naming the failure key.

use moesim_core::Coord;
use moesim_core::config::from_toml_str;
use moesim_noc::config::{GridConfig, MeshOfDiesConfig, RoutingConfig, TopologyConfig};
use moesim_noc::routing::cdg::dependency_cycle;
use moesim_noc::routing::walk::walk_all;
use moesim_noc::routing::{self, TurnModel};
use moesim_noc::topology::{self, Topology};
use proptest::prelude::*;

fn ft(turn_model: TurnModel, adaptive: bool) -> RoutingConfig {
    RoutingConfig::FaultTolerant {
        turn_model,
        adaptive,
    }
}

/// Builds `cfg` on `topo`; if it builds, every surviving pair must be reached without a failed
/// link and the CDG must be acyclic. Returns whether it built.
fn routes_safely(topo: &Topology, cfg: RoutingConfig) -> bool {
    let rf = match routing::build(&cfg, topo, "t") {
        Ok(rf) => rf,
        Err(e) => {
            let s = e.to_string();
            assert!(s.contains("topology.failed_"), "{s}");
            return false;
        }
    };
    let walk = walk_all(topo, rf.as_ref(), 1, true)
        .unwrap_or_else(|e| panic!("{} on {}: {e}", rf.name(), topo.name));
    for d in topo.active_routers() {
        for s in topo.active_routers() {
            let hops = walk.hops[d.id.index()][s.id.index()];
            let (lo, _) = hops.expect("every surviving pair is reached");
            assert!(lo >= s.coord.manhattan(d.coord) || topo.wraparound);
        }
    }
    assert_eq!(dependency_cycle(&walk.dependencies), None, "{}", rf.name());
    true
}

fn link_strategy(x: u32, y: u32) -> impl Strategy<Value = [u32; 4]> {
    (0..x, 0..y, any::<bool>()).prop_map(move |(a, b, horizontal)| {
        if horizontal {
            let a = a.min(x - 2);
            [a, b, a + 1, b]
        } else {
            let b = b.min(y - 2);
            [a, b, a, b + 1]
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn random_mesh_faults(
        links in prop::collection::vec(link_strategy(6, 5), 0..8),
        routers in prop::collection::vec((0u32..6, 0u32..5).prop_map(|(a, b)| [a, b]), 0..3),
    ) {
        let cfg = TopologyConfig::FaultyMesh(GridConfig {
            x: 6,
            y: 5,
            failed_links: links,
            failed_routers: routers,
            ..GridConfig::default()
        });
        let topo = match topology::build(&cfg, "t") {
            Ok(t) => t,
            Err(e) => {
                let s = e.to_string();
                prop_assert!(s.contains("disconnects") || s.contains("every router"), "{}", s);
                return Ok(());
            }
        };
        prop_assert!(routes_safely(&topo, ft(TurnModel::UpDown, true)));
        routes_safely(&topo, ft(TurnModel::UpDown, false));
        routes_safely(&topo, ft(TurnModel::OddEven, true));
        routes_safely(&topo, ft(TurnModel::WestFirst, true));
        // Plain functions are accepted only if none of their routes touches a failure.
        routes_safely(&topo, RoutingConfig::Dor);
        routes_safely(&topo, RoutingConfig::OddEven);
    }

    #[test]
    fn random_torus_faults(links in prop::collection::vec(link_strategy(5, 4), 1..6)) {
        let cfg = TopologyConfig::Torus(GridConfig {
            x: 5,
            y: 4,
            failed_links: links,
            ..GridConfig::default()
        });
        if let Ok(topo) = topology::build(&cfg, "t") {
            prop_assert!(routes_safely(&topo, ft(TurnModel::UpDown, true)));
        }
    }
}

#[test]
fn failed_dies_on_a_two_by_two_wafer_system() {
    let cfg = TopologyConfig::MeshOfDies(MeshOfDiesConfig {
        x: 4,
        y: 4,
        die_x: 2,
        die_y: 2,
        wafers_x: 2,
        wafers_y: 2,
        failed_dies: vec![[1, 1], [2, 2]],
        failed_links: vec![[3, 0, 4, 0]],
        ..MeshOfDiesConfig::default()
    });
    let topo = topology::build(&cfg, "t").unwrap();
    assert_eq!(topo.routers.iter().filter(|r| r.failed).count(), 8);
    assert_eq!(topo.active_nodes().len(), 56);
    assert!(routes_safely(&topo, ft(TurnModel::UpDown, true)));
    // The dies sit in the middle of XY routes: plain dor must be refused.
    let e = routing::build(&RoutingConfig::Dor, &topo, "t")
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("routing.kind") && e.contains("topology.failed_links and topology.failed_dies"),
        "{e}"
    );
}

#[test]
fn disconnecting_failures_are_errors_not_panics() {
    for text in [
        // A corner cut off by two links.
        "kind = \"mesh\"\nx = 4\ny = 4\nfailed_links = [[0, 0, 1, 0], [0, 0, 0, 1]]\n",
        // A column of routers splits the mesh.
        "kind = \"mesh\"\nx = 3\ny = 2\nfailed_routers = [[1, 0], [1, 1]]\n",
        // Everything failed.
        "kind = \"mesh\"\nx = 1\ny = 1\nfailed_routers = [[0, 0]]\n",
        // A failed die row across a single wafer.
        "kind = \"mesh_of_dies\"\nx = 4\ny = 6\ndie_x = 2\ndie_y = 2\nfailed_dies = [[0, 1], [1, 1]]\n",
    ] {
        let cfg: TopologyConfig = from_toml_str("f.toml", text).unwrap();
        let e = topology::build(&cfg, "f.toml").err().unwrap().to_string();
        assert!(e.starts_with("f.toml: key `topology.failed_"), "{e}");
    }
    for text in [
        "kind = \"mesh\"\nx = 4\ny = 4\nfailed_links = [[0, 0, 2, 0]]\n",
        "kind = \"mesh\"\nx = 4\ny = 4\nfailed_links = [[3, 0, 4, 0]]\n",
        "kind = \"torus\"\nx = 4\ny = 4\nfailed_routers = [[4, 0]]\n",
        "kind = \"mesh_of_dies\"\nx = 4\ny = 4\ndie_x = 2\ndie_y = 2\nfailed_dies = [[2, 0]]\n",
    ] {
        let cfg: TopologyConfig = from_toml_str("f.toml", text).unwrap();
        let e = topology::build(&cfg, "f.toml").err().unwrap().to_string();
        assert!(
            e.contains("key `topology.failed_") && e.contains("allowed"),
            "{e}"
        );
    }
}

#[test]
fn turn_model_tables_detour_around_a_failed_vertical_link() {
    let cfg = TopologyConfig::FaultyMesh(GridConfig {
        x: 6,
        y: 6,
        failed_links: vec![[2, 2, 2, 3]],
        ..GridConfig::default()
    });
    let topo = topology::build(&cfg, "t").unwrap();
    for tm in [TurnModel::OddEven, TurnModel::WestFirst, TurnModel::UpDown] {
        assert!(routes_safely(&topo, ft(tm, true)), "{tm:?}");
        let rf = routing::build(&ft(tm, true), &topo, "t").unwrap();
        let walk = walk_all(&topo, rf.as_ref(), 1, false).unwrap();
        let (a, b) = (
            topo.router_at(Coord::new(2, 2)),
            topo.router_at(Coord::new(2, 3)),
        );
        // The direct neighbour is now three hops away (around the failed link).
        assert_eq!(walk.hops[b.index()][a.index()], Some((3, 3)), "{tm:?}");
    }
}
