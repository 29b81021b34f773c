//! Prints the real routing statistics of `data/routing` beside those of the fitted synthetic
//! presets (the figures and tolerances of `tests/calibration.rs`, for docs/workloads.md):
//!
//! ```sh
//! cargo run --release -p moesim-workloads --example calibration_report [SEED]
//! ```
//!
//! The seed (default 2, the test's) differs from the fit's (1), so sampling noise is not fitted
//! away.

use moesim_workloads::ModelSpec;
use moesim_workloads::routing::RoutingShape;
use moesim_workloads::routing::calibrate::{generated_segments, generated_stats};
use moesim_workloads::routing::reference::{
    AllenaiReference, OLMOE_DOMAINS, OLMOE_MODEL, allenai_stats_of_tables, load_mtbench,
    speculative_decode,
};
use moesim_workloads::routing::stats::RoutingStats;
use moesim_workloads::routing::synthetic::SyntheticPreset;
use std::path::Path;

fn row(what: &str, real: f64, generated: f64, tolerance: &str) {
    println!(
        "| {what} | {real:.4} | {generated:.4} | {:+.4} | {tolerance} |",
        generated - real
    );
}

fn main() -> moesim_core::Result<()> {
    let seed: u64 = match std::env::args().nth(1) {
        Some(s) => s.parse().map_err(|e| {
            moesim_core::Error::config("command line", "SEED", format!("`{s}`: {e}"))
                .allowed("an unsigned integer")
        })?,
        None => 2,
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let header = "| statistic | real | generated | difference | tolerance |\n|---|---|---|---|---|";

    let trace = load_mtbench(&root)?;
    let real = RoutingStats::of_trace(&trace);
    let sizes: Vec<u32> = trace.segments.iter().map(|s| s.len).collect();
    let mixtral = ModelSpec::preset("mixtral-8x7b")?;
    let params = SyntheticPreset::named("mixtral-mtbench")?.params;
    let g = generated_stats(&params, &RoutingShape::of(&mixtral), seed, &sizes)?;
    println!(
        "Mixtral-8x7B, MT-Bench ({} tokens in {} categories) vs preset mixtral-mtbench, seed {seed}\n",
        real.num_tokens, real.num_segments
    );
    println!("{header}");
    let tol = format!("±{:.4} (5%)", 0.05 * real.max_over_mean.mean);
    row(
        "max/mean load per layer (mean)",
        real.max_over_mean.mean,
        g.max_over_mean.mean,
        &tol,
    );
    let pairs = [
        (
            "l -> l+1 transition share",
            real.transition_share,
            g.transition_share,
            "±0.02",
        ),
        (
            "l -> l+7 transition share",
            real.far_transition_share,
            g.far_transition_share,
            "±0.02",
        ),
        (
            "co-activation share",
            real.coactivation_share,
            g.coactivation_share,
            "±0.02",
        ),
        (
            "category divergence (TV)",
            real.segment_divergence,
            g.segment_divergence,
            "±0.01",
        ),
    ];
    for (what, r, x, tol) in pairs {
        if let (Some(r), Some(x)) = (r, x) {
            row(what, r, x, tol);
        }
    }
    row(
        "load CV (not fitted)",
        real.load_cv,
        g.load_cv,
        "reported only",
    );
    row(
        "batch skew, windows of 128 tokens (not fitted)",
        real.window_max_over_mean,
        g.window_max_over_mean,
        "reported only",
    );
    println!(
        "\nindependent uniform routing: transition share {:.4}, generated {:.4}",
        g.transition_share_uniform,
        g.transition_share.unwrap_or(0.0)
    );

    let olmoe_real = AllenaiReference::load(&root, OLMOE_MODEL, 64, 8)?.stats();
    let olmoe = ModelSpec::preset("olmoe-1b-7b")?;
    let params = SyntheticPreset::named("olmoe-prefill")?.params;
    let tokens = vec![8000; OLMOE_DOMAINS.len()];
    let segs = generated_segments(&params, &RoutingShape::of(&olmoe), seed, &tokens)?;
    let og = allenai_stats_of_tables(&segs, 64);
    println!(
        "\nOLMoE-1B-7B, 5 domains, layers 0/7/15 vs preset olmoe-prefill (8000 tokens per domain), seed {seed}\n"
    );
    println!("{header}");
    let tol = format!("±{:.4} (10%)", 0.1 * olmoe_real.max_over_mean);
    row(
        "max/mean load",
        olmoe_real.max_over_mean,
        og.max_over_mean,
        &tol,
    );
    row(
        "rank-aligned 0->7, 7->15 share",
        olmoe_real.aligned_share,
        og.aligned_share,
        "±0.03",
    );
    row(
        "domain divergence (TV)",
        olmoe_real.divergence,
        og.divergence,
        "±0.03",
    );
    row(
        "load CV (not fitted)",
        olmoe_real.load_cv,
        og.load_cv,
        "reported only",
    );

    let dec = speculative_decode(&root)?;
    let params = SyntheticPreset::named("mixtral-mtbench")?.params;
    let g = generated_stats(&params, &RoutingShape::of(&mixtral), seed, &[333, 244])?;
    println!(
        "\nOut of sample: Mixtral-8x7B decode on HumanEval / GSM8K ({} tokens) vs mixtral-mtbench cut into 333 + 244 tokens, seed {seed}\n",
        dec.tokens
    );
    println!("{header}");
    row(
        "l -> l+1 transition share",
        dec.transition_share,
        g.transition_share.unwrap_or(0.0),
        "±0.03",
    );
    Ok(())
}
