//! One DeepSeek-V3 decode step (61 layers, batch 256) on 4 wafers of 8x8 dies (EP = 256) on
//! the flow tier: the executor's speed target (under a second on one core).
//!
//! `cargo bench -p moesim --bench step`
//!
//! `prepare/<name>` times the part before the executor (platform, model, placement, routing
//! and the step's workload), so that `step - prepare` is the executor and its network tier.

use criterion::{Criterion, criterion_group, criterion_main};
use moesim::experiment::moe::{MoeExperiment, PRESETS};
use std::hint::black_box;
use std::time::Duration;

fn experiment(name: &str) -> MoeExperiment {
    let text = PRESETS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
        .expect("embedded preset");
    let table = moesim_core::config::parse_toml_value(name, text).expect("preset parses");
    MoeExperiment::from_table(name, table, &[]).expect("preset is valid")
}

fn step(c: &mut Criterion) {
    let mut g = c.benchmark_group("executor_step");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    for name in ["dsv3_decode_4wafers_ep", "dsv3_decode_wafer8x8_ep"] {
        let e = experiment(name);
        g.bench_function(name, |b| {
            b.iter(|| black_box(e.simulate(name).expect("step runs").summary.step_us))
        });
        g.bench_function(format!("prepare/{name}"), |b| {
            b.iter(|| black_box(e.prepare(name).expect("step builds").workload.layers.len()))
        });
    }
    g.finish();
}

criterion_group!(benches, step);
criterion_main!(benches);
