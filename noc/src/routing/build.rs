//! Builds the routing function named by the configuration for a topology.
//!
//! Which functions can route which topologies:
//! - `dor`, `dor_yx`, `west_first`, `odd_even`: meshes and meshes of dies (they never use
//!   wraparound channels, so a torus is rejected rather than routed as a mesh);
//! - `torus_dor`: tori only (needs `router.num_vcs >= 2`, see [`build_with_vcs`]);
//! - `fault_tolerant`: any grid; with `turn_model = "odd_even"` or `"west_first"` meshes and
//!   meshes of dies only, with `"up_down"` also tori.
//!
//! With failed links or routers, every function except `fault_tolerant` is accepted only if
//! none of its routes between surviving nodes touches a failure (checked by walking them all);
//! `fault_tolerant` errors if some surviving pair has no legal path. Networks with failures are
//! limited to [`MAX_TABLE_ROUTERS`] routers (the check and the table are quadratic).

use super::RoutingFunction;
use super::dor::DimensionOrderRouting;
use super::fault_tolerant::{FaultTolerantRouting, MAX_TABLE_ROUTERS};
use super::odd_even::OddEvenRouting;
use super::torus_dor::TorusDorRouting;
use super::walk::check_routes;
use super::west_first::WestFirstRouting;
use crate::config::RoutingConfig;
use crate::topology::Topology;
use moesim_core::{Error, Result};

const ON_MESH: &str = "on a mesh or mesh of dies: dor, dor_yx, west_first, odd_even, \
                       fault_tolerant";
const ON_TORUS: &str = "on a torus: torus_dor, or fault_tolerant with turn_model = \"up_down\"";

/// The routing function for `cfg` on `topo`; errors (naming `origin` and the key) when the
/// function cannot route this topology.
pub fn build(
    cfg: &RoutingConfig,
    topo: &Topology,
    origin: &str,
) -> Result<Box<dyn RoutingFunction>> {
    check_shape(cfg, topo, origin)?;
    let rf: Box<dyn RoutingFunction> = match cfg {
        RoutingConfig::Dor => Box::new(DimensionOrderRouting::xy()),
        RoutingConfig::DorYx => Box::new(DimensionOrderRouting::yx()),
        RoutingConfig::TorusDor => Box::new(TorusDorRouting),
        RoutingConfig::WestFirst => Box::new(WestFirstRouting),
        RoutingConfig::OddEven => Box::new(OddEvenRouting),
        RoutingConfig::FaultTolerant {
            turn_model,
            adaptive,
        } => Box::new(FaultTolerantRouting::new(
            topo,
            *turn_model,
            *adaptive,
            origin,
        )?),
    };
    let table = matches!(cfg, RoutingConfig::FaultTolerant { .. });
    if topo.has_faults() && topo.num_routers() > MAX_TABLE_ROUTERS {
        return Err(Error::config(
            origin,
            "routing.kind",
            format!(
                "routes around failures are checked or tabulated for at most {MAX_TABLE_ROUTERS} \
                 routers; {} has {}",
                topo.name,
                topo.num_routers()
            ),
        )
        .allowed(format!(
            "no failures, or at most {MAX_TABLE_ROUTERS} routers with failures"
        )));
    }
    if topo.has_faults() && !table {
        check_routes(topo, rf.as_ref(), rf.min_vcs()).map_err(|fault| {
            Error::config(
                origin,
                "routing.kind",
                format!(
                    "\"{}\" cannot route around the failures of {}: {fault}",
                    cfg.kind_name(),
                    topo.faults.keys()
                ),
            )
            .allowed(if topo.wraparound {
                "fault_tolerant with turn_model = \"up_down\""
            } else {
                "fault_tolerant (turn_model = \"odd_even\", \"west_first\" or \"up_down\")"
            })
        })?;
    }
    Ok(rf)
}

/// [`build`], after checking `cfg` against the router's VC count (`router.num_vcs`).
pub fn build_with_vcs(
    cfg: &RoutingConfig,
    topo: &Topology,
    num_vcs: u32,
    origin: &str,
) -> Result<Box<dyn RoutingFunction>> {
    cfg.validate(origin, num_vcs)?;
    build(cfg, topo, origin)
}

fn check_shape(cfg: &RoutingConfig, topo: &Topology, origin: &str) -> Result<()> {
    let fits = match cfg {
        RoutingConfig::Dor
        | RoutingConfig::DorYx
        | RoutingConfig::WestFirst
        | RoutingConfig::OddEven => !topo.wraparound,
        RoutingConfig::TorusDor => topo.wraparound,
        RoutingConfig::FaultTolerant { turn_model, .. } => {
            !(topo.wraparound && turn_model.needs_mesh())
        }
    };
    if fits {
        return Ok(());
    }
    let what = match cfg {
        RoutingConfig::FaultTolerant { turn_model, .. } => format!(
            "\"fault_tolerant\" with turn_model = \"{}\"",
            turn_model.name()
        ),
        _ => format!("\"{}\"", cfg.kind_name()),
    };
    Err(Error::config(
        origin,
        "routing.kind",
        format!("{what} cannot route {}", topo.name),
    )
    .allowed(if topo.wraparound { ON_TORUS } else { ON_MESH }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{GridConfig, TopologyConfig};
    use crate::routing::TurnModel;
    use crate::topology;

    #[test]
    fn torus_needs_torus_routing_and_mesh_rejects_it() {
        let torus = topology::build(&TopologyConfig::torus(4, 4), "t").unwrap();
        let e = build(&RoutingConfig::Dor, &torus, "t")
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("routing.kind") && e.contains("torus_dor"), "{e}");
        build(&RoutingConfig::TorusDor, &torus, "t").unwrap();
        let mesh = topology::build(&TopologyConfig::mesh(4, 4), "t").unwrap();
        let e = build(&RoutingConfig::TorusDor, &mesh, "t")
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.contains("routing.kind") && e.contains("dor, dor_yx"),
            "{e}"
        );
        let e = build_with_vcs(&RoutingConfig::TorusDor, &torus, 1, "t")
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("router.num_vcs"), "{e}");
        let ft = RoutingConfig::FaultTolerant {
            turn_model: TurnModel::OddEven,
            adaptive: true,
        };
        assert!(build(&ft, &torus, "t").is_err());
    }

    #[test]
    fn dor_through_a_failed_link_is_rejected() {
        let cfg = TopologyConfig::FaultyMesh(GridConfig {
            x: 4,
            y: 4,
            failed_links: vec![[1, 1, 2, 1]],
            ..GridConfig::default()
        });
        let topo = topology::build(&cfg, "t").unwrap();
        let e = build(&RoutingConfig::Dor, &topo, "t")
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.contains("routing.kind")
                && e.contains("topology.failed_links")
                && e.contains("fault_tolerant"),
            "{e}"
        );
        let ft = |turn_model| RoutingConfig::FaultTolerant {
            turn_model,
            adaptive: false,
        };
        build(&ft(TurnModel::UpDown), &topo, "t").unwrap();
        // Without 180-degree turns, odd-even cannot reach (2,1) from the west around this link
        // and west-first cannot go west from (2,1) to (0,0).
        for tm in [TurnModel::OddEven, TurnModel::WestFirst] {
            let e = build(&ft(tm), &topo, "t").err().unwrap().to_string();
            assert!(
                e.contains("key `topology.failed_links`") && e.contains("up_down"),
                "{e}"
            );
        }
    }

    #[test]
    fn dor_is_accepted_when_failures_are_off_every_route() {
        // A failed edge column leaves a rectangular mesh that XY routing never leaves.
        let cfg = TopologyConfig::FaultyMesh(GridConfig {
            x: 4,
            y: 3,
            failed_routers: vec![[3, 0], [3, 1], [3, 2]],
            ..GridConfig::default()
        });
        let topo = topology::build(&cfg, "t").unwrap();
        build(&RoutingConfig::Dor, &topo, "t").unwrap();
    }
}
