//! Speed of step generation: one decode step of DeepSeek-V3 (61 layers, 58 MoE layers of 256
//! experts, top-8 in 4 of 8 groups), batch 256: routing (synthetic, calibrated preset) plus the
//! step's ops and flows. Target: well under 10 ms.

use criterion::{Criterion, criterion_group, criterion_main};
use moesim_workloads::routing::StepRouting;
use moesim_workloads::{
    Batch, ModelSpec, Parallelism, Precision, RoutingConfig, StepBuilder, build_routing,
};
use std::hint::black_box;

fn deepseek_v3_decode_step(c: &mut Criterion) {
    let model = ModelSpec::preset("deepseek-v3").expect("embedded preset");
    let source = build_routing(&RoutingConfig::default(), &model, 1, "bench").expect("routing");
    let builder = StepBuilder::new(
        &model,
        Precision::default(),
        Parallelism::default(),
        "bench",
    )
    .expect("parallelism");
    let batch = Batch::decode(256, 4096);
    let mut step = 0u64;
    c.bench_function("deepseek_v3_decode_b256_step", |b| {
        b.iter(|| {
            step += 1;
            black_box(builder.build(step, &batch, source.as_ref()).expect("step"))
        })
    });
    let mut routing = StepRouting::default();
    c.bench_function("deepseek_v3_decode_b256_routing_only", |b| {
        b.iter(|| {
            step += 1;
            source
                .route_step(step, &batch, &mut routing)
                .expect("routing");
            black_box(&routing);
        })
    });
}

criterion_group!(benches, deepseek_v3_decode_step);
criterion_main!(benches);
