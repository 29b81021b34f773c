//! Regenerates the synthetic routing presets from the real data in `data/routing`:
//!
//! ```sh
//! cargo run --release -p moesim-workloads --example fit_presets
//! ```
//!
//! writes `src/routing/synthetic/presets/{mixtral-mtbench,olmoe-prefill}.toml` and prints the
//! targets, the fitted parameters and the achieved statistics. An argument `mixtral` or `olmoe`
//! refits only that preset (the OLMoE fit starts from the Mixtral preset on file).

use moesim_workloads::ModelSpec;
use moesim_workloads::routing::RoutingShape;
use moesim_workloads::routing::calibrate::{PerTokenTargets, fit_allenai, fit_per_token};
use moesim_workloads::routing::reference::{
    AllenaiReference, OLMOE_DOMAINS, OLMOE_MODEL, load_mtbench,
};
use moesim_workloads::routing::stats::RoutingStats;
use moesim_workloads::routing::synthetic::{FitPoint, SyntheticPreset};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

const SEED: u64 = 1;
const OLMOE_TOKENS_PER_DOMAIN: u32 = 20_000;

fn main() -> moesim_core::Result<()> {
    let which = std::env::args().nth(1).unwrap_or_else(|| "all".into());
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/routing/synthetic/presets");
    if which != "olmoe" {
        fit_mixtral(&root, &out_dir)?;
    }
    if which != "mixtral" {
        fit_olmoe(&root, &out_dir)?;
    }
    Ok(())
}

fn fit_mixtral(root: &Path, out_dir: &Path) -> moesim_core::Result<()> {
    let t0 = Instant::now();
    let trace = load_mtbench(root)?;
    let real = RoutingStats::of_trace(&trace);
    let targets = PerTokenTargets::of(&real);
    println!(
        "MT-Bench ({} tokens, {} categories), read in {:.2?}",
        trace.table.num_tokens(),
        trace.segments.len(),
        t0.elapsed()
    );
    println!("targets: {targets:?}");

    let mixtral = ModelSpec::preset("mixtral-8x7b")?;
    let shape = RoutingShape::of(&mixtral);
    let sizes: Vec<u32> = trace.segments.iter().map(|s| s.len).collect();
    let start = SyntheticPreset::named("mixtral-mtbench")?.params;
    let t0 = Instant::now();
    let fit = fit_per_token(&targets, &shape, &sizes, &start, SEED, 3)?;
    println!(
        "mixtral fit: {} evaluations in {:.2?}",
        fit.evaluations,
        t0.elapsed()
    );
    println!("params: {:?}", fit.params);
    let a = &fit.achieved;
    let mut points = BTreeMap::new();
    let mut point = |name: &str, target: f64, achieved: Option<f64>| {
        let achieved = achieved.unwrap_or(f64::NAN);
        println!("  {name:28} target {target:.4} achieved {achieved:.4}");
        points.insert(name.to_string(), FitPoint { target, achieved });
    };
    point(
        "max_over_mean",
        targets.max_over_mean,
        Some(a.max_over_mean.mean),
    );
    point(
        "transition_share",
        targets.transition_share,
        a.transition_share,
    );
    point(
        "far_transition_share",
        targets.far_transition_share,
        a.far_transition_share,
    );
    point(
        "coactivation_share",
        targets.coactivation_share,
        a.coactivation_share,
    );
    point(
        "segment_divergence",
        targets.segment_divergence,
        a.segment_divergence,
    );
    let mixtral_preset = SyntheticPreset {
        name: "mixtral-mtbench".into(),
        source:
            "data/routing/hdmoe-mtbench-mixtral: Mixtral-8x7B-Instruct, MT-Bench, 8 categories \
                 (HD-MoE artifact, MIT), every token's top-2 experts in all 32 layers"
                .into(),
        notes: format!(
            "Fitted by examples/fit_presets.rs (seed {SEED}): coordinate-wise bisection of the \
             generator's statistics, one segment per category with the categories' token counts. \
             Targets are the means over categories and layers."
        ),
        num_experts: 8,
        top_k: 2,
        params: fit.params.clone(),
        fit: points,
    };
    std::fs::write(
        out_dir.join("mixtral-mtbench.toml"),
        mixtral_preset.to_toml(),
    )
    .map_err(|e| moesim_core::Error::io(out_dir.join("mixtral-mtbench.toml"), e))?;
    Ok(())
}

fn fit_olmoe(root: &Path, out_dir: &Path) -> moesim_core::Result<()> {
    let mixtral_params =
        moesim_core::config::load_toml::<SyntheticPreset>(out_dir.join("mixtral-mtbench.toml"))?
            .params;

    let olmoe = ModelSpec::preset("olmoe-1b-7b")?;
    let reference = AllenaiReference::load(root, OLMOE_MODEL, 64, 8)?;
    let real = reference.stats();
    println!("OLMoE targets: {real:?}");
    let oshape = RoutingShape::of(&olmoe);
    let t0 = Instant::now();
    let ofit = fit_allenai(
        &real,
        &oshape,
        OLMOE_TOKENS_PER_DOMAIN,
        OLMOE_DOMAINS.len() as u32,
        &mixtral_params,
        SEED,
        3,
    )?;
    println!(
        "olmoe fit: {} evaluations in {:.2?}",
        ofit.evaluations,
        t0.elapsed()
    );
    println!("params: {:?}", ofit.params);
    let a = &ofit.achieved;
    let mut points = BTreeMap::new();
    for (name, target, achieved) in [
        ("max_over_mean", real.max_over_mean, a.max_over_mean),
        ("load_cv", real.load_cv, a.load_cv),
        (
            "aligned_share_0_7_7_15",
            real.aligned_share,
            a.aligned_share,
        ),
        ("domain_divergence", real.divergence, a.divergence),
    ] {
        println!("  {name:28} target {target:.4} achieved {achieved:.4}");
        points.insert(name.to_string(), FitPoint { target, achieved });
    }
    let olmoe_preset = SyntheticPreset {
        name: "olmoe-prefill".into(),
        source: "data/routing/allenai-olmoe: OLMoE-1B-7B-0824, prefill over 5 text domains \
                 (arxiv, book, c4, github, wikipedia), per-expert counts of layers 0, 7, 15 and \
                 rank-aligned pairs 0->7, 7->15 (allenai/OLMoE, Apache-2.0)"
            .into(),
        notes: format!(
            "Fitted by examples/fit_presets.rs (seed {SEED}, {OLMOE_TOKENS_PER_DOMAIN} tokens per \
             domain): popularity concentration, switch and task concentration; per_expert, \
             on_profile and follow are the mixtral-mtbench values (this data has no per-token \
             pairs within a layer nor adjacent layers). load_cv is not fitted, only reported."
        ),
        num_experts: 64,
        top_k: 8,
        params: ofit.params,
        fit: points,
    };
    std::fs::write(out_dir.join("olmoe-prefill.toml"), olmoe_preset.to_toml())
        .map_err(|e| moesim_core::Error::io(out_dir.join("olmoe-prefill.toml"), e))?;
    println!("wrote {}", out_dir.display());
    Ok(())
}
