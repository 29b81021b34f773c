//! The flow tier's link efficiency calibrated on the flit tier: the calibration reproduces the
//! flit tier's drain time on its own all-to-all, and carries over to an MoE dispatch (a different
//! traffic pattern) better than the ideal flow tier.

use moesim_core::{ClockDomain, Tick};
use moesim_noc::config::{RouterConfig, RoutingConfig, TopologyConfig};
use moesim_noc::tier::calibrate::flit_link_efficiency;
use moesim_noc::tier::check::divergence;
use moesim_noc::tier::{Network, NetworkParams, TierConfig, patterns};
use moesim_noc::topology;

fn params() -> NetworkParams {
    let mut p = NetworkParams::new(ClockDomain::from_ghz(1.0), 64);
    p.router_delay_cycles = NetworkParams::pipeline_cycles(&RouterConfig::default());
    p
}

fn flow(efficiency: f64) -> TierConfig {
    TierConfig::Flow {
        aggregate_pairs: true,
        idle_fraction: 0.0,
        link_efficiency: efficiency,
    }
}

#[test]
fn calibrated_flow_tracks_the_flit_tier() {
    let topo = topology::build(&TopologyConfig::mesh(6, 6), "t").unwrap();
    let p = params();
    let router = RouterConfig::default();
    let cal = flit_link_efficiency(&topo, &RoutingConfig::Dor, &router, &p, 2048, "t").unwrap();
    let e = cal.link_efficiency;
    println!("{cal:?}");
    assert!(e > 0.5 && e < 1.0, "{cal:?}");
    let build = |t: &TierConfig| -> Box<dyn Network> {
        t.build(&topo, &RoutingConfig::Dor, &p, "t").unwrap()
    };
    // On the calibration phase itself the derated flow tier drains like the flit tier.
    let a2a = patterns::all_to_all(36, 2048, Tick::ZERO);
    let derated = build(&flow(e)).simulate(&a2a).unwrap();
    let rel = derated.makespan.as_ps() as f64 / cal.flit_span.as_ps() as f64 - 1.0;
    assert!(rel.abs() < 0.03, "calibration phase: {rel}");
    // On an MoE dispatch it is within 10 % of the flit tier, closer than the ideal flow tier.
    let moe = patterns::moe_dispatch(36, 32, 4, 2048, 7);
    let flit = build(&TierConfig::Flit {
        router,
        max_cycles: 10_000_000,
    })
    .simulate(&moe)
    .unwrap();
    let ideal = divergence(&moe, &flit, &build(&flow(1.0)).simulate(&moe).unwrap());
    let cal_d = divergence(&moe, &flit, &build(&flow(e)).simulate(&moe).unwrap());
    println!(
        "ideal {:+.4}, calibrated {:+.4}",
        ideal.span_rel, cal_d.span_rel
    );
    assert!(cal_d.span_rel.abs() < 0.10, "{cal_d:?}");
    assert!(
        cal_d.span_rel.abs() < ideal.span_rel.abs(),
        "{cal_d:?} {ideal:?}"
    );
}

#[test]
fn too_small_messages_are_refused() {
    let topo = topology::build(&TopologyConfig::mesh(3, 3), "t").unwrap();
    let e = flit_link_efficiency(
        &topo,
        &RoutingConfig::Dor,
        &RouterConfig::default(),
        &params(),
        64,
        "cal.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("cal.toml") && e.contains("network.tier"), "{e}");
}
