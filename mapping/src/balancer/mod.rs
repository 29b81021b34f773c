//! Expert load balancers: replicas of hot experts placed in spare ("shadow") expert slots between
//! steps, from the routed loads observed in earlier steps.
//!
//! - [`Balancer`]: the interface (observe a step's loads, propose a rebalance);
//! - [`config`]: [`BalancerConfig`], the serde-tagged choice (`[balancer] kind = ...`);
//! - [`context`]: what a balancer sees ([`BalanceContext`]: the base placement, coordinates,
//!   expert bytes, Full Token Domains);
//! - [`history`]: the load predictor (mean over a window of past steps);
//! - [`greedy`]: the replication greedy shared by the policies (hottest device, its most
//!   popular expert, a target chosen by the policy);
//! - [`split`]: a replica copy split into local and global pieces;
//! - one policy per file: [`none`], [`ni_balancer`], [`eplb_invasive`].
//!
//! A rebalance always starts from the base placement: replicas live only in shadow slots, and a
//! new plan reassigns every shadow slot; replicas present in the current map and kept by the new
//! plan are not copied again. A replica is one whole copy of an expert on one device (an
//! instance of one device), added after the base instances of its expert.

pub mod config;
pub mod context;
pub mod eplb_invasive;
pub mod greedy;
pub mod history;
pub mod ni_balancer;
pub mod none;
pub mod split;

pub use config::BalancerConfig;
pub use context::BalanceContext;

use crate::map::{GroupId, PlacementMap};
use moesim_core::{NodeId, Result};
use serde::{Deserialize, Serialize};

/// Token-expert pairs per expert of every MoE layer in one step: `[moe_index][expert]`.
pub type ExpertLoads = Vec<Vec<f64>>;

/// One replica: a whole copy of `expert` of MoE layer `moe_index` on `device`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Replica {
    pub moe_index: u32,
    pub expert: u32,
    pub device: NodeId,
}

/// Whether a copy piece stays inside a Full Token Domain or crosses between two.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PieceScope {
    Local,
    Global,
}

/// The phase whose network window carries a copy piece.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CopyPhase {
    /// The tensor-parallel collective after attention.
    Attention,
    /// The MoE dispatch and combine.
    Moe,
}

/// One store-and-forward piece of a replica copy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct CopyPiece {
    pub src: NodeId,
    pub dst: NodeId,
    pub bytes: u64,
    pub scope: PieceScope,
    pub phase: CopyPhase,
}

/// The copy of one new replica: chains of pieces, one chain per source device (a split
/// instance sends one slice from each of its devices); pieces of a chain run in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReplicaCopy {
    pub replica: Replica,
    pub chains: Vec<Vec<CopyPiece>>,
}

impl ReplicaCopy {
    /// Bytes that leave the replica's sources (each chain's payload once).
    pub fn bytes(&self) -> u64 {
        self.chains
            .iter()
            .filter_map(|c| c.first())
            .map(|p| p.bytes)
            .sum()
    }
}

/// How a rebalance's copies run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CopyMode {
    /// On the migration stream, in the network windows of the pieces' phases, while inference
    /// goes on; a replica serves once its copy is delivered.
    Background,
    /// Inference stops until every copy is delivered (direct source-to-target transfers).
    Stall,
}

/// A balancer's decision.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Rebalance {
    /// The step whose observations triggered it.
    pub step: u64,
    /// Every replica of the new plan (kept and new).
    pub replicas: Vec<Replica>,
    /// The copies of the new replicas.
    pub copies: Vec<ReplicaCopy>,
    pub mode: CopyMode,
    /// Predicted max/mean device load (mean over MoE layers) with the current replicas.
    pub predicted_before: f64,
    /// The same with the new plan.
    pub predicted_after: f64,
}

impl Rebalance {
    pub fn copy_bytes(&self) -> u64 {
        self.copies.iter().map(ReplicaCopy::bytes).sum()
    }
}

/// A load balancer: it observes the routed loads of every step and, when its trigger fires,
/// proposes a new set of replicas and the copies that create them.
pub trait Balancer {
    /// The policy's `kind` as written in `[balancer]`.
    fn kind(&self) -> &'static str;
    /// Records the per-expert loads routed in step `step`.
    fn observe(&mut self, step: u64, loads: &ExpertLoads);
    /// After step `step`: a new plan, or `None` to keep `current` (the replicas serving now).
    fn plan(&mut self, step: u64, current: &[Replica]) -> Result<Option<Rebalance>>;
}

/// `base` with `replicas` added: each a one-device instance after its expert's base
/// instances, reusing an existing one-device group when there is one.
pub fn apply_replicas(base: &PlacementMap, replicas: &[Replica]) -> PlacementMap {
    let mut map = base.clone();
    map.kind = format!("{}+replicas", base.kind);
    let mut single: std::collections::HashMap<NodeId, GroupId> = map
        .groups
        .iter()
        .enumerate()
        .filter(|(_, g)| g.len() == 1)
        .map(|(i, g)| (g[0], i as GroupId))
        .collect();
    for r in replicas {
        let g = *single.entry(r.device).or_insert_with(|| {
            map.groups.push(vec![r.device]);
            (map.groups.len() - 1) as GroupId
        });
        if let Some(inst) = map
            .experts
            .get_mut(r.moe_index as usize)
            .and_then(|l| l.get_mut(r.expert as usize))
            && !inst.contains(&g)
        {
            inst.push(g);
        }
    }
    map
}

/// Max over mean of `loads` (1 when all are zero).
pub fn max_over_mean(loads: &[f64]) -> f64 {
    if loads.is_empty() {
        return 1.0;
    }
    let mean = loads.iter().sum::<f64>() / loads.len() as f64;
    let max = loads.iter().copied().fold(0.0, f64::max);
    if mean > 0.0 { max / mean } else { 1.0 }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::config::PlacementConfig;
    use crate::tp::tests::ctx;
    use moesim_workloads::ModelSpec;

    #[test]
    fn replicas_become_instances() {
        let m = ModelSpec::preset("deepseek-v3").unwrap();
        let base = PlacementConfig::default().place(&ctx(&m, 64)).unwrap();
        let r = [
            Replica {
                moe_index: 2,
                expert: 5,
                device: NodeId(9),
            },
            Replica {
                moe_index: 2,
                expert: 6,
                device: NodeId(9),
            },
        ];
        let map = apply_replicas(&base, &r);
        assert_eq!(map.expert(2, 5).len(), 2);
        assert_eq!(map.group(map.expert(2, 5)[1]), &[NodeId(9)]);
        // the one-device group of device 9 (its base experts) is reused
        assert_eq!(map.groups.len(), base.groups.len());
        assert_eq!(map.expert(1, 5).len(), 1);
        assert_eq!(max_over_mean(&[1.0, 3.0]), 1.5);
        assert_eq!(max_over_mean(&[0.0, 0.0]), 1.0);
    }
}
