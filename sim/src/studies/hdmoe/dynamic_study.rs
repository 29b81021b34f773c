//! The DynamicPlacement study (papers.md §4.4, §7 row 6): batch 512 sampled from each MT-Bench
//! category other than the profile (`reasoning`), on the static placement (base + LinkBalance
//! built from `reasoning`), static against `k` experts pre-broadcast per layer.
//!
//! The broadcast's weight volume follows the authors' code (`2 h IS` elements at `beta = 1/BW`
//! per element, alpha = 0.1 us); the window it hides behind is the authors' per-layer inference
//! time (papers.md §4.1: attention, FFN and memory terms at `L = 1024`, `BWmem = 625 GB/s`).
//! The speedup is reported as the paper accounts it (the broadcast hidden) and with the part
//! of the broadcast longer than the window added.

use super::link_setup::{LinkSetup, PROFILE_CATEGORY};
use moesim_core::Result;
use moesim_mapping::PlacementMap;
use moesim_mapping::dynamic_placement::{BroadcastCount, BroadcastModel, DynamicPlacementConfig};
use moesim_mapping::dynamic_placement_eval::{DynamicSetup, DynamicTotals, evaluate};
use moesim_mapping::dynamic_placement_predict::PredictorConfig;
use serde::Serialize;

/// Attention context of the authors' window model.
pub const CONTEXT_LEN: f64 = 1024.0;
/// Per-node memory bandwidth of the authors' window model, bytes per second.
pub const MEM_BYTES_PER_S: f64 = 625e9;

/// One category's result.
#[derive(Clone, Debug, Serialize)]
pub struct DynamicRow {
    pub category: String,
    /// With the configured predictor.
    pub totals: DynamicTotals,
    /// With the oracle predictor (the true next-layer load).
    pub oracle: DynamicTotals,
}

impl DynamicRow {
    /// Static over dynamic latency with the broadcast hidden (the paper's accounting).
    pub fn speedup_hidden(t: &DynamicTotals) -> f64 {
        t.static_s() / (t.dynamic_comp_s + t.dynamic_comm_s)
    }
}

/// The authors' per-layer inference time of the model at batch `b` (papers.md §4.1), seconds.
pub fn window_s(setup: &LinkSetup, b: f64) -> f64 {
    let h = setup.hidden();
    let is = setup.model.moe.expert_intermediate_size as f64;
    let e = setup.model.top_k() as f64;
    let ne = setup.model.num_experts() as f64;
    let d = setup.num_nodes() as f64;
    let l = CONTEXT_LEN;
    let comp = (3.0 * b * h * h + 2.0 * b * l * h + b * h * h + 2.0 * e * b * is * h)
        / (d * setup.node_flops_per_s());
    let mem = (2.0 * b * h * l
        + 3.0 * h * (b + h)
        + h * (b + h)
        + 2.0 * ne * is * h
        + b * h * (is / h + 1.0))
        / (d * MEM_BYTES_PER_S);
    comp + mem
}

/// The broadcast figures of the authors' code for `setup`.
pub fn broadcast_model(setup: &LinkSetup) -> BroadcastModel {
    BroadcastModel {
        expert_bytes: 2.0 * setup.hidden() * setup.model.moe.expert_intermediate_size as f64,
        nodes: setup.num_nodes(),
        link_bytes_per_s: setup.link_bytes_per_s(),
    }
}

/// Runs every non-profile category with `broadcast` experts pre-broadcast per layer.
pub fn run(
    setup: &LinkSetup,
    static_map: &PlacementMap,
    broadcast: BroadcastCount,
    batch: u32,
    seed: u64,
) -> Result<Vec<DynamicRow>> {
    let profile = setup.category(PROFILE_CATEGORY)?;
    let ne = setup.model.num_experts();
    let dsetup = DynamicSetup {
        map: static_map,
        num_nodes: setup.num_nodes(),
        num_experts: ne,
        flops_per_token_expert: setup.flops_per_token_expert(),
        node_flops_per_s: setup.node_flops_per_s(),
        broadcast: broadcast_model(setup),
        window_s: window_s(setup, batch as f64),
        batch,
        seed,
    };
    let mut out = Vec::new();
    for cat in setup.categories() {
        if cat == PROFILE_CATEGORY {
            continue;
        }
        let trace = setup.category(&cat)?;
        let run_with = |pred: PredictorConfig| -> Result<DynamicTotals> {
            let cfg = DynamicPlacementConfig {
                predictor: pred,
                broadcast,
                ..DynamicPlacementConfig::fixed(0)
            };
            let p = pred.build(&profile, ne)?;
            let mut cost = setup.cost(setup.token_bytes())?;
            evaluate(&cfg, p.as_ref(), &dsetup, &trace, &mut cost)
        };
        let totals = run_with(PredictorConfig::Transition)?;
        let oracle = run_with(PredictorConfig::Oracle)?;
        out.push(DynamicRow {
            category: cat,
            totals,
            oracle,
        });
    }
    Ok(out)
}

/// The mean of `f` over `rows`.
pub fn mean(rows: &[DynamicRow], f: impl Fn(&DynamicRow) -> f64) -> f64 {
    if rows.is_empty() {
        return 0.0;
    }
    rows.iter().map(f).sum::<f64>() / rows.len() as f64
}
