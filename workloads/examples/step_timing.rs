//! Times the generation of DeepSeek-V3 decode steps (batch 256, context 4096) outside criterion,
//! for profiling:
//!
//! ```sh
//! cargo run --release -p moesim-workloads --example step_timing [STEPS]
//! ```

use moesim_workloads::{
    Batch, ModelSpec, Parallelism, Precision, RoutingConfig, StepBuilder, build_routing,
};
use std::hint::black_box;
use std::time::Instant;

fn main() -> moesim_core::Result<()> {
    let steps: u64 = match std::env::args().nth(1) {
        Some(s) => s.parse().map_err(|e| {
            moesim_core::Error::config("command line", "STEPS", format!("`{s}`: {e}"))
                .allowed("a positive integer")
        })?,
        None => 200,
    };
    let model = ModelSpec::preset("deepseek-v3")?;
    let source = build_routing(&RoutingConfig::default(), &model, 1, "step_timing")?;
    let builder = StepBuilder::new(
        &model,
        Precision::default(),
        Parallelism::default(),
        "step_timing",
    )?;
    let batch = Batch::decode(256, 4096);
    let t0 = Instant::now();
    for step in 0..steps.max(1) {
        black_box(builder.build(step, &batch, source.as_ref())?);
    }
    let per_step = t0.elapsed().as_secs_f64() / steps.max(1) as f64;
    println!("{steps} steps, {:.3} ms per step (wall)", per_step * 1e3);
    Ok(())
}
