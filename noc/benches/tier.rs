//! Speed of the message-level tiers on MoE-style all-to-all phases: every node sends to every
//! other node (uniform sizes) or an MoE dispatch (random top-k routing, sizes vary per pair).
//!
//! `cargo bench -p moesim-noc --bench tier`

use criterion::{Criterion, criterion_group, criterion_main};
use moesim_core::{Bandwidth, ClockDomain, Tick};
use moesim_noc::config::{MeshOfDiesConfig, RoutingConfig, TopologyConfig};
use moesim_noc::tier::{Message, NetworkParams, TierConfig, patterns};
use moesim_noc::topology::{self, Topology};
use std::hint::black_box;

fn params() -> NetworkParams {
    NetworkParams::from_link(
        Bandwidth::from_gbytes_per_s(900.0),
        ClockDomain::from_ghz(1.0),
        Tick::from_ns(1.0),
        1,
    )
    .expect("valid figures")
}

fn mesh(k: u32) -> Topology {
    topology::build(&TopologyConfig::mesh(k, k), "bench").expect("mesh")
}

/// Four wafers of 8x8 single-router dies (16x16 routers), half-width wafer-to-wafer links.
fn four_wafers() -> Topology {
    let cfg = TopologyConfig::MeshOfDies(MeshOfDiesConfig {
        wafers_x: 2,
        wafers_y: 2,
        w2w_cycles_per_flit: 2,
        ..MeshOfDiesConfig::default()
    });
    topology::build(&cfg, "bench").expect("mesh of dies")
}

/// Benchmarks `msgs` on the analytic tier and the flow tier with the given `idle_fraction`s.
fn bench_set(
    c: &mut Criterion,
    name: &str,
    topo: &Topology,
    msgs: &[Message],
    idle_fractions: &[f64],
) {
    let mut g = c.benchmark_group(name);
    g.sample_size(10);
    let flow = |idle_fraction| TierConfig::Flow {
        aggregate_pairs: true,
        idle_fraction,
        link_efficiency: 1.0,
    };
    let mut tiers = vec![("analytic".to_string(), TierConfig::Analytic)];
    for &f in idle_fractions {
        tiers.push((format!("flow_idle_{f}"), flow(f)));
    }
    for (label, tier) in tiers {
        let mut net = tier
            .build(topo, &RoutingConfig::Dor, &params(), "bench")
            .expect("tier");
        g.bench_function(&label, |b| {
            b.iter(|| black_box(net.simulate(black_box(msgs)).expect("run").makespan))
        });
    }
    g.finish();
}

fn tiers(c: &mut Criterion) {
    let m8 = mesh(8);
    let a2a64 = patterns::all_to_all(64, 7168, Tick::ZERO);
    bench_set(c, "mesh8x8_all_to_all_4032", &m8, &a2a64, &[0.0]);
    let moe64 = patterns::moe_dispatch(64, 256, 8, 7168, 1);
    bench_set(c, "mesh8x8_moe_dispatch", &m8, &moe64, &[0.0, 0.1]);
    let w4 = four_wafers();
    let a2a256 = patterns::all_to_all(256, 7168, Tick::ZERO);
    bench_set(c, "wafers2x2_16x16_all_to_all_65280", &w4, &a2a256, &[0.0]);
    // The exact flow tier takes seconds here (see tests/tier_speed.rs): bench the relaxed one.
    let moe256 = patterns::moe_dispatch(256, 128, 8, 7168, 1);
    bench_set(c, "wafers2x2_16x16_moe_dispatch", &w4, &moe256, &[0.25]);
}

criterion_group!(benches, tiers);
criterion_main!(benches);
