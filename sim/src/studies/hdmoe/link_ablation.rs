//! The LinkBalance ablation (papers.md §4.4, §7 row 5): the MoE communication time of the base
//! placement alone and after LinkBalance (Bayesian optimisation, and the annealing
//! alternative), on the profile category's traffic, with per-link loads for the heatmaps.

use super::link_plan::LinkDynamicPlan;
use super::link_setup::LinkSetup;
use moesim_core::{NodeId, Result};
use moesim_mapping::PlacementMap;
use moesim_mapping::link_balance::{
    LinkBalanceConfig, LinkBalanceOutcome, identity, link_balance, relabel,
};
use moesim_mapping::link_balance_cost::CommCost;
use serde::Serialize;

/// What the ablation runs.
#[derive(Clone, Debug)]
pub struct AblationPlan {
    /// MoE layers in the objective.
    pub layers: Vec<u32>,
    /// The batch the profile traffic stands for.
    pub batch: u32,
    pub bo: LinkBalanceConfig,
    /// The annealing alternative (`None`: not run).
    pub annealing: Option<LinkBalanceConfig>,
    pub seed: u64,
}

impl AblationPlan {
    /// The plan of `plan` (its LinkBalance and annealing searches, seed and profile batch) over
    /// the MoE layers `layers`; the annealing alternative only when `annealing`.
    pub fn from_plan(plan: &LinkDynamicPlan, layers: Vec<u32>, annealing: bool) -> AblationPlan {
        AblationPlan {
            layers,
            batch: plan.profile_batch,
            bo: plan.link_balance.clone(),
            annealing: if annealing {
                plan.annealing.clone()
            } else {
                None
            },
            seed: plan.seed,
        }
    }
}

/// One ablation point.
#[derive(Clone, Debug, Serialize)]
pub struct AblationResult {
    pub mesh: String,
    pub point: String,
    pub base_kind: String,
    /// Communication time (dispatch + combine, summed over the plan's layers), in us.
    pub base_comm_us: f64,
    pub bo: LinkBalanceOutcome,
    pub annealing: Option<LinkBalanceOutcome>,
    /// Bytes per link (one direction of traffic), before and after BO.
    pub base_link_bytes: Vec<u64>,
    pub bo_link_bytes: Vec<u64>,
    /// Combine time summed over layers, before and after BO, in seconds (heatmap utilisation).
    pub base_combine_s: f64,
    pub bo_combine_s: f64,
}

impl AblationResult {
    pub fn bo_comm_us(&self) -> f64 {
        self.bo.best_value * 1e-6
    }
    /// Base communication over LinkBalance communication.
    pub fn bo_ratio(&self) -> f64 {
        self.bo.improvement()
    }
}

/// Runs the ablation on `base` at `setup`.
pub fn run(setup: &LinkSetup, base: &PlacementMap, plan: &AblationPlan) -> Result<AblationResult> {
    let (traffic, bytes) = setup.profile_traffic(base, &plan.layers, plan.batch, plan.seed)?;
    let start = identity(setup.num_nodes() as usize);
    let mut cost = setup.cost(bytes)?;
    let bo = link_balance(&plan.bo, setup.mesh(), &start, &traffic, &mut cost)?;
    let annealing = match &plan.annealing {
        Some(cfg) => Some(link_balance(
            cfg,
            setup.mesh(),
            &start,
            &traffic,
            &mut cost,
        )?),
        None => None,
    };
    let before = cost.evaluate(&traffic, &start)?;
    let after = cost.evaluate(&traffic, &bo.node_of_slot)?;
    Ok(AblationResult {
        mesh: setup.mesh_name.clone(),
        point: setup.point.clone(),
        base_kind: base.kind.clone(),
        base_comm_us: before.value * 1e-6,
        base_combine_s: before.value * 1e-12 / 2.0,
        bo_combine_s: after.value * 1e-12 / 2.0,
        base_link_bytes: before.link_bytes,
        bo_link_bytes: after.link_bytes,
        bo,
        annealing,
    })
}

/// The base placement moved by LinkBalance's best placement.
pub fn balanced_map(base: &PlacementMap, node_of_slot: &[NodeId]) -> Result<PlacementMap> {
    relabel(base, node_of_slot)
}

/// Per-link utilisation during the combine phases: bytes over (bandwidth x time).
pub fn utilisation(link_bytes: &[u64], link_bytes_per_s: f64, combine_s: f64) -> Vec<f64> {
    let cap = link_bytes_per_s * combine_s;
    link_bytes
        .iter()
        .map(|&b| if cap > 0.0 { b as f64 / cap } else { 0.0 })
        .collect()
}
