//! Cross-checks between the network tiers (docs/network_tiers.md): the analytic and flow tiers
//! agree to the picosecond when no resource is shared; the flow tier never exceeds a link's
//! bandwidth and carries exactly the routed bytes; the flow tier against the flit tier on an
//! MoE-style all-to-all of large messages on an 8x8 mesh.

use crate::case::{Case, Check, Context, Tolerance};
use moesim_core::{Bandwidth, ClockDomain, LinkId, Result, Tick};
use moesim_noc::config::{MeshOfDiesConfig, RouterConfig, RoutingConfig, TopologyConfig};
use moesim_noc::routing;
use moesim_noc::tier::calibrate::flit_link_efficiency;
use moesim_noc::tier::check::{divergence, expected_link_bytes, peak_window, route_table};
use moesim_noc::tier::{Network, NetworkParams, TierConfig, patterns};
use moesim_noc::topology::{self, Topology};

fn flow() -> TierConfig {
    TierConfig::Flow {
        aggregate_pairs: true,
        idle_fraction: 0.0,
        link_efficiency: 1.0,
    }
}

fn build(t: &TierConfig, topo: &Topology, p: &NetworkParams) -> Result<Box<dyn Network>> {
    t.build(topo, &RoutingConfig::Dor, p, "validation:tiers")
}

/// East-neighbour permutation on a 4x4 mesh of 2x2 dies with 1/3-width, 5-cycle D2D links.
fn disjoint(_: &Context) -> Result<Vec<Check>> {
    let cfg = TopologyConfig::MeshOfDies(MeshOfDiesConfig {
        x: 4,
        y: 4,
        die_x: 2,
        die_y: 2,
        d2d_cycles_per_flit: 3,
        d2d_latency_cycles: 5,
        ..MeshOfDiesConfig::default()
    });
    let topo = topology::build(&cfg, "validation:tiers")?;
    let p = NetworkParams::new(ClockDomain::from_ghz(1.3), 48);
    let mut msgs = patterns::east_shift(&topo, 0);
    for (i, m) in msgs.iter_mut().enumerate() {
        m.bytes = 1 + 12_345 * i as u64;
        m.release = Tick(777 * (i as u64 % 5));
    }
    let a = build(&TierConfig::Analytic, &topo, &p)?.simulate(&msgs)?;
    let f = build(&flow(), &topo, &p)?.simulate(&msgs)?;
    let worst = a
        .finish
        .iter()
        .zip(&f.finish)
        .map(|(x, y)| x.as_ps().abs_diff(y.as_ps()))
        .max()
        .unwrap_or(0);
    Ok(vec![Check::new(
        "max |analytic - flow| finish",
        "ps",
        0.0,
        worst as f64,
        Tolerance::Absolute { abs: 0.0 },
    )])
}

/// MoE dispatch (64 tokens per node, top-8) on an 8x8 mesh of 900 GB/s links, releases staggered
/// over 1 us so arrivals interleave with completions; 100 ns windows.
fn capacity(_: &Context) -> Result<Vec<Check>> {
    let topo = topology::build(&TopologyConfig::mesh(8, 8), "validation:tiers")?;
    let mut p = NetworkParams::from_link(
        Bandwidth::from_gbytes_per_s(900.0),
        ClockDomain::from_ghz(1.0),
        Tick::from_ns(1.0),
        1,
    )?;
    p.window = Tick::from_ns(100.0);
    let mut msgs = patterns::moe_dispatch(64, 64, 8, 7168, 3);
    for (i, m) in msgs.iter_mut().enumerate() {
        m.release = Tick::from_ns((i % 7) as f64 * 150.0);
    }
    let run = build(&flow(), &topo, &p)?.simulate(&msgs)?;
    let peak = peak_window(&topo, &p, &run);
    let mut rt = route_table(
        &topo,
        routing::build(&RoutingConfig::Dor, &topo, "validation:tiers")?,
        &p,
    );
    let expected = expected_link_bytes(&mut rt, &msgs)?;
    let mut byte_err = 0.0f64;
    let mut window_err = 0.0f64;
    for (l, (&e, &got)) in expected.iter().zip(&run.link_bytes).enumerate() {
        let scale = (e as f64).max(1.0);
        byte_err = byte_err.max((got as f64 - e as f64).abs() / scale);
        let w = run.link_load.total(LinkId(l as u32));
        window_err = window_err.max((w - e as f64).abs() / scale);
    }
    Ok(vec![
        Check::new(
            "peak link utilisation in any 100 ns window",
            "fraction",
            1.0,
            peak.utilisation,
            Tolerance::Range {
                lo: 0.0,
                hi: 1.0 + 1e-9,
            },
        ),
        Check::new(
            "max relative error of link bytes against routes",
            "fraction",
            0.0,
            byte_err,
            Tolerance::Absolute { abs: 0.0 },
        ),
        Check::new(
            "max relative error of windowed link bytes",
            "fraction",
            0.0,
            window_err,
            Tolerance::Absolute { abs: 1e-9 },
        ),
    ])
}

/// MoE dispatch (64 tokens per node, top-8 of 64, 7 kB per token) on an 8x8 mesh, DOR, 64-byte
/// flits, 16-flit packets, default routers (16 VCs x 8 flits); the flow tier charges the flit
/// router's 4-cycle pipeline per hop. The flow tier's link efficiency is calibrated on the flit
/// tier with a uniform all-to-all of 7 kB messages (a different pattern from the one checked).
fn flow_vs_flit(_: &Context) -> Result<Vec<Check>> {
    let topo = topology::build(&TopologyConfig::mesh(8, 8), "validation:tiers")?;
    let router = RouterConfig::default();
    let mut p = NetworkParams::new(ClockDomain::from_ghz(1.0), 64);
    p.router_delay_cycles = NetworkParams::pipeline_cycles(&router);
    let cal = flit_link_efficiency(
        &topo,
        &RoutingConfig::Dor,
        &router,
        &p,
        7168,
        "validation:tiers",
    )?;
    let flit = TierConfig::Flit {
        router,
        max_cycles: 100_000_000,
    };
    let calibrated = TierConfig::Flow {
        aggregate_pairs: true,
        idle_fraction: 0.0,
        link_efficiency: cal.link_efficiency,
    };
    let msgs = patterns::moe_dispatch(64, 64, 8, 7168, 5);
    let reference = build(&flit, &topo, &p)?.simulate(&msgs)?;
    let ideal = divergence(
        &msgs,
        &reference,
        &build(&flow(), &topo, &p)?.simulate(&msgs)?,
    );
    let d = divergence(
        &msgs,
        &reference,
        &build(&calibrated, &topo, &p)?.simulate(&msgs)?,
    );
    Ok(vec![
        Check::new(
            "calibrated flow makespan / flit makespan - 1",
            "fraction",
            0.0,
            d.span_rel,
            Tolerance::Absolute { abs: 0.10 },
        ),
        Check::new(
            "ideal flow (link efficiency 1) makespan / flit makespan - 1",
            "fraction",
            0.0,
            ideal.span_rel,
            Tolerance::Range { lo: -0.25, hi: 0.0 },
        ),
        Check::new(
            "calibrated link efficiency vs BookSim2 saturation / channel-load bound",
            "fraction",
            BOOKSIM_SATURATION_FLITS / CHANNEL_LOAD_BOUND_FLITS,
            cal.link_efficiency,
            Tolerance::Relative { frac: 0.10 },
        ),
    ])
}

/// BookSim2's accepted throughput at saturation, 8x8 mesh, uniform traffic, 4-flit packets
/// (data/booksim/case_a_mesh8x8_uniform_p4.csv), in flits per node per cycle.
const BOOKSIM_SATURATION_FLITS: f64 = 0.416;
/// The channel-load bound of an 8x8 mesh under uniform traffic with DOR: 4 / k.
const CHANNEL_LOAD_BOUND_FLITS: f64 = 0.5;

pub fn cases() -> Vec<Case> {
    vec![
        Case {
            id: "tiers.analytic_equals_flow_disjoint",
            source: "docs/network_tiers.md (exactness of the flow tier without sharing)",
            setup: "east-neighbour permutation, 4x4 mesh of 2x2 dies, D2D links 1/3 width and \
                    5 cycles, 48-byte flits at 1.3 GHz, odd sizes and staggered releases",
            run: disjoint,
        },
        Case {
            id: "tiers.flow_capacity_and_conservation",
            source: "docs/network_tiers.md (flow tier invariants)",
            setup: "MoE dispatch, 64 tokens/node top-8, 7 kB tokens, 8x8 mesh of 900 GB/s \
                    links, releases staggered over 1 us, 100 ns windows",
            run: capacity,
        },
        Case {
            id: "tiers.flow_vs_flit_moe_8x8",
            source: "docs/network_tiers.md (flow vs flit); the flit routers saturate below the \
                     max-min ideal (BookSim2 8x8 uniform: 0.416 of 0.5 flits/node/cycle, \
                     data/booksim); the flow tier's link efficiency is calibrated on the flit \
                     tier (noc::tier::calibrate)",
            setup: "MoE dispatch, 64 tokens/node top-8 of 64, 7 kB tokens, 8x8 mesh, DOR, \
                    64-byte flits, 16-flit packets, 16 VCs x 8 flits; link efficiency from a \
                    uniform all-to-all of 7 kB messages on the same flit network",
            run: flow_vs_flit,
        },
    ]
}
