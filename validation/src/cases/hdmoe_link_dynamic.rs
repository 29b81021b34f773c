//! HD-MoE's LinkBalance and DynamicPlacement (ICCAD 2025, arXiv 2509.09420; papers.md §4.3,
//! §4.4 and §7 rows 5-6), on Mixtral-8x7B with the real MT-Bench traces on the 4x8 NMP mesh.
//!
//! What runs (nothing of the published numbers is written here), with the settings of
//! `configs/experiments/hdmoe_link_dynamic/study.toml`: the base placement, LinkBalance by
//! Bayesian optimisation over device coordinates with Hungarian projection (70 evaluations, as
//! the authors), the objective being the flow tier's communication time of the `reasoning`
//! traffic; then DynamicPlacement on batches of 512 tokens of every other category, with the
//! cross-layer transition predictor fitted on `reasoning`.
//!
//! Where the model and the paper differ, and why:
//! - The paper's ablation and dynamic numbers are DeepSeek-V2-Lite's (64 experts, top-6) with
//!   NodeBalance as the base; only Mixtral's traces are public (8 experts, top-2), and the
//!   base here is contiguous EP until NodeBalance is in. With 8 experts over 32 nodes each
//!   expert is a group of 4 nodes, so a token touches 8 nodes and LinkBalance can only move
//!   groups closer to the aggregators.
//! - The dynamic speedups are checked as the paper accounts them (the broadcast hidden in the
//!   previous layer's window). A Mixtral expert takes milliseconds to broadcast at these link
//!   speeds, longer than a layer, so the authors' window rule would broadcast none; the study
//!   (docs/studies/hdmoe.md) reports the exposed cost too.
//!
//! The objective covers every fourth MoE layer (8 of 32) to keep each case to seconds; the
//! study runs all 32.

use crate::case::{Case, Check, Context, Tolerance};
use moesim::studies::hdmoe::link_dynamic::dynamic_study::{self, DynamicRow};
use moesim::studies::hdmoe::link_dynamic::link_ablation::{self, AblationPlan, balanced_map};
use moesim::studies::hdmoe::link_dynamic::link_plan::LinkDynamicPlan;
use moesim::studies::hdmoe::link_dynamic::link_setup::LinkSetup;
use moesim::studies::hdmoe::link_dynamic::objective_layers;
use moesim_core::{Error, Result};

const SOURCE: &str = "HD-MoE (ICCAD 2025, arXiv 2509.09420) §V ablation and dynamic study; \
                      papers.md §4.4 and §7 rows 5-6";

/// LinkBalance: base over balanced communication (paper: about 1.2, 1.16-1.19 per point).
const LINK_RANGE: Tolerance = Tolerance::Range { lo: 1.05, hi: 1.5 };
/// DynamicPlacement, 2 experts at 5 TFLOPS / 50 GB/s (paper mean 1.15, per category
/// 1.02-1.22).
const DYN2_RANGE: Tolerance = Tolerance::Range { lo: 1.02, hi: 1.35 };
/// DynamicPlacement, 5 experts at 2.5 TFLOPS / 75 GB/s (paper mean 1.25, per category
/// 1.03-1.37).
const DYN5_RANGE: Tolerance = Tolerance::Range { lo: 1.05, hi: 1.6 };

/// The cases.
pub fn cases() -> Vec<Case> {
    vec![
        Case {
            id: "hdmoe_link_balance_mixtral_4x8_5tf_50gbps",
            source: SOURCE,
            setup: "Mixtral-8x7B, MT-Bench reasoning traffic scaled to batch 128, 4x8 NMP mesh at \
                    5 TFLOPS / 50 GB/s, no hop latency, FP32 payloads, flow tier; base placement \
                    alone against base + LinkBalance (egobox BO, 70 evaluations, Hungarian \
                    projection), communication time of every fourth MoE layer. Paper (ds, \
                    NodeBalance base): 1.16 at this point, about 1.2 on average; accepted \
                    1.05-1.5.",
            run: run_link,
        },
        Case {
            id: "hdmoe_dynamic_mixtral_4x8_5tf_50gbps_2experts",
            source: SOURCE,
            setup: "Static placement base + LinkBalance from reasoning; batches of 512 tokens of \
                    the 7 other MT-Bench categories; 2 experts pre-broadcast per layer \
                    (transition predictor, least-loaded dispatch), broadcast hidden as in the \
                    paper; speedup = static over dynamic MoE latency, mean over categories. \
                    Paper (ds): 1.15; accepted 1.02-1.35.",
            run: run_dynamic_2,
        },
        Case {
            id: "hdmoe_dynamic_mixtral_4x8_2p5tf_75gbps_5experts",
            source: SOURCE,
            setup: "As the 2-expert case at 2.5 TFLOPS / 75 GB/s with 5 experts pre-broadcast \
                    per layer. Paper (ds): 1.25; accepted 1.05-1.6.",
            run: run_dynamic_5,
        },
    ]
}

/// The plan, the setup at `point`, and LinkBalance's result on the base placement.
fn balanced(
    ctx: &Context,
    point: &str,
) -> Result<(LinkDynamicPlan, LinkSetup, link_ablation::AblationResult)> {
    let plan = LinkDynamicPlan::load(&ctx.root)?;
    let setup = LinkSetup::new(&ctx.root, &plan.mesh, point)?;
    let base = setup.place(&plan.placement)?;
    let ab = AblationPlan::from_plan(&plan, objective_layers(&setup, true), false);
    let r = link_ablation::run(&setup, &base, &ab)?;
    Ok((plan, setup, r))
}

fn run_link(ctx: &Context) -> Result<Vec<Check>> {
    let (_, _, r) = balanced(ctx, "5tf_50gbps")?;
    Ok(vec![Check::new(
        "base comm / LinkBalance comm",
        "x",
        1.16,
        r.bo_ratio(),
        LINK_RANGE,
    )])
}

fn dynamic(ctx: &Context, point: &str, paper: f64, tol: Tolerance) -> Result<Vec<Check>> {
    let (plan, setup, r) = balanced(ctx, point)?;
    let dp = plan
        .dynamic
        .iter()
        .find(|d| d.point == point)
        .ok_or_else(|| {
            Error::config(
                "configs/experiments/hdmoe_link_dynamic/study.toml",
                "dynamic",
                format!("no [[dynamic]] entry for point `{point}`"),
            )
            .allowed("an entry per validated point")
        })?;
    let map = balanced_map(&setup.place(&plan.placement)?, &r.bo.node_of_slot)?;
    let rows = dynamic_study::run(&setup, &map, dp.broadcast, plan.dynamic_batch, plan.seed)?;
    let mean = dynamic_study::mean(&rows, |r| DynamicRow::speedup_hidden(&r.totals));
    Ok(vec![Check::new(
        &format!(
            "static / dynamic latency, mean over {} categories",
            rows.len()
        ),
        "x",
        paper,
        mean,
        tol,
    )])
}

fn run_dynamic_2(ctx: &Context) -> Result<Vec<Check>> {
    dynamic(ctx, "5tf_50gbps", 1.15, DYN2_RANGE)
}

fn run_dynamic_5(ctx: &Context) -> Result<Vec<Check>> {
    dynamic(ctx, "2p5tf_75gbps", 1.25, DYN5_RANGE)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Context {
        Context {
            root: std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".."),
        }
    }

    /// The three cases, with their numbers printed (`--ignored --nocapture`; seconds in
    /// release, as `moesim validate` runs them).
    #[test]
    #[ignore]
    fn the_cases_pass() {
        let ctx = ctx();
        for c in cases() {
            let t = std::time::Instant::now();
            for ch in (c.run)(&ctx).unwrap() {
                println!(
                    "{}: {} = {:.4} (paper {}) {} in {:.1} s",
                    c.id,
                    ch.metric,
                    ch.measured,
                    ch.reference,
                    if ch.passed { "pass" } else { "FAIL" },
                    t.elapsed().as_secs_f64()
                );
                assert!(ch.passed, "{ch:?}");
            }
        }
    }

    /// LinkBalance's search times at the case's settings, BO and annealing.
    #[test]
    #[ignore]
    fn link_balance_times() {
        let ctx = ctx();
        let plan = LinkDynamicPlan::load(&ctx.root).unwrap();
        for layers_quick in [true, false] {
            let setup = LinkSetup::new(&ctx.root, &plan.mesh, "5tf_50gbps").unwrap();
            let base = setup.place(&plan.placement).unwrap();
            let ab = AblationPlan::from_plan(&plan, objective_layers(&setup, layers_quick), true);
            let r = link_ablation::run(&setup, &base, &ab).unwrap();
            let sa = r.annealing.as_ref().unwrap();
            println!(
                "layers {}: base {:.1} us; BO {} evals in {:.2} s -> {:.1} us ({:.3}x); \
                 annealing {} evals in {:.2} s -> {:.1} us ({:.3}x)",
                ab.layers.len(),
                r.base_comm_us,
                r.bo.history.len(),
                r.bo.elapsed_s,
                r.bo_comm_us(),
                r.bo_ratio(),
                sa.history.len(),
                sa.elapsed_s,
                sa.best_value * 1e-6,
                sa.improvement()
            );
            assert_eq!(r.bo.history.len(), 70);
        }
    }
}
