//! The synthetic generator against the real routing data of `data/routing`, with the fitted
//! presets and a seed other than the fit's (so sampling noise is not fitted away).
//!
//! Tolerances (absolute unless stated): mean per-layer max/mean load 5% relative; transition and
//! co-activation shares 0.02; segment divergence 0.01; OLMoE max/mean 10% relative, aligned
//! share 0.03, domain divergence 0.03; decode transitions 0.03.

use moesim_workloads::ModelSpec;
use moesim_workloads::routing::RoutingShape;
use moesim_workloads::routing::calibrate::generated_stats;
use moesim_workloads::routing::reference::{
    AllenaiReference, OLMOE_DOMAINS, OLMOE_MODEL, load_mtbench, speculative_decode,
};
use moesim_workloads::routing::stats::RoutingStats;
use moesim_workloads::routing::synthetic::SyntheticPreset;
use moesim_workloads::routing::{
    calibrate::generated_segments, reference::allenai_stats_of_tables,
};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const SEED: u64 = 2;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The MT-Bench statistics and segment sizes, parsed once for all tests of this file.
fn mtbench() -> &'static (RoutingStats, Vec<u32>) {
    static REAL: OnceLock<(RoutingStats, Vec<u32>)> = OnceLock::new();
    REAL.get_or_init(|| {
        let t = load_mtbench(&root()).expect("MT-Bench traces in data/routing");
        (
            RoutingStats::of_trace(&t),
            t.segments.iter().map(|s| s.len).collect(),
        )
    })
}

fn near(what: &str, real: f64, generated: f64, tol: f64) {
    assert!(
        (real - generated).abs() <= tol,
        "{what}: real {real:.4}, generated {generated:.4}, tolerance {tol}"
    );
}

#[test]
fn generator_matches_mixtral_mtbench() {
    let (real, sizes) = mtbench();
    let m = ModelSpec::preset("mixtral-8x7b").unwrap();
    let params = SyntheticPreset::named("mixtral-mtbench").unwrap().params;
    let g = generated_stats(&params, &RoutingShape::of(&m), SEED, sizes).unwrap();
    near(
        "max/mean load",
        real.max_over_mean.mean,
        g.max_over_mean.mean,
        0.05 * real.max_over_mean.mean,
    );
    let pair = |a: Option<f64>, b: Option<f64>| (a.unwrap(), b.unwrap());
    let (r, x) = pair(real.transition_share, g.transition_share);
    near("l->l+1 transition share", r, x, 0.02);
    let (r, x) = pair(real.far_transition_share, g.far_transition_share);
    near("l->l+7 transition share", r, x, 0.02);
    let (r, x) = pair(real.coactivation_share, g.coactivation_share);
    near("co-activation share", r, x, 0.02);
    let (r, x) = pair(real.segment_divergence, g.segment_divergence);
    near("category divergence", r, x, 0.01);
    // the generated routing is far from uniform routing, as the real one is
    assert!(g.transition_share.unwrap() > g.transition_share_uniform + 0.1);
}

#[test]
fn generator_matches_olmoe_domains() {
    let real = AllenaiReference::load(&root(), OLMOE_MODEL, 64, 8)
        .unwrap()
        .stats();
    let m = ModelSpec::preset("olmoe-1b-7b").unwrap();
    let params = SyntheticPreset::named("olmoe-prefill").unwrap().params;
    let tokens = vec![8000; OLMOE_DOMAINS.len()];
    let segs = generated_segments(&params, &RoutingShape::of(&m), SEED, &tokens).unwrap();
    let g = allenai_stats_of_tables(&segs, 64);
    near(
        "max/mean load",
        real.max_over_mean,
        g.max_over_mean,
        0.1 * real.max_over_mean,
    );
    near(
        "aligned 0->7, 7->15 share",
        real.aligned_share,
        g.aligned_share,
        0.03,
    );
    near("domain divergence", real.divergence, g.divergence, 0.03);
}

#[test]
fn mtbench_generator_predicts_decode_transitions() {
    // Out of sample: Mixtral decode on HumanEval / GSM8K (577 tokens), not used by the fit.
    // The generated routing is cut into the same two small samples (333 and 244 tokens), so the
    // small-sample bias of the statistic is shared.
    let real = speculative_decode(&root()).unwrap();
    let m = ModelSpec::preset("mixtral-8x7b").unwrap();
    let params = SyntheticPreset::named("mixtral-mtbench").unwrap().params;
    let g = generated_stats(&params, &RoutingShape::of(&m), SEED, &[333, 244]).unwrap();
    near(
        "decode l->l+1 transition share",
        real.transition_share,
        g.transition_share.unwrap(),
        0.03,
    );
}
