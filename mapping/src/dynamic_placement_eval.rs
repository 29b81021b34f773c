//! DynamicPlacement against the static placement on a routing trace (HD-MoE's dynamic study,
//! papers.md §4.4): a batch of tokens sampled from one category's trace runs through every MoE
//! layer twice, once on the static placement and once with `k` experts pre-broadcast per layer
//! (layer 0 has no previous layer to predict from and runs static in both). Per layer the
//! compute time is the busiest node's FLOPs over the node's rate, and the communication time
//! is the [`CommCost`] of the layer's token traffic (dispatch and combine); the broadcast runs
//! during the previous layer, and only the part of it longer than `window_s` is added.

use crate::dynamic_placement::{
    BroadcastModel, DynamicPlacementConfig, ExpertShares, dispatch, priority_detection,
};
use crate::dynamic_placement_predict::LoadPredictor;
use crate::link_balance::identity;
use crate::link_balance_cost::CommCost;
use crate::link_balance_traffic::LayerTraffic;
use crate::map::PlacementMap;
use moesim_core::rng::{rng_from_seed, seed_from_parts};
use moesim_core::{Error, Result};
use moesim_workloads::routing::table::RoutingTable;
use rand::seq::index::sample;
use serde::Serialize;

/// The fixed inputs of a dynamic evaluation.
#[derive(Clone, Debug)]
pub struct DynamicSetup<'a> {
    /// The static placement on physical nodes (after LinkBalance if any).
    pub map: &'a PlacementMap,
    pub num_nodes: u32,
    pub num_experts: u32,
    /// FLOPs of one token on one expert (HD-MoE: `2 h IS`).
    pub flops_per_token_expert: f64,
    /// One node's FLOP rate, in FLOP/s.
    pub node_flops_per_s: f64,
    /// The broadcast's figures, and the time it may hide behind (the previous layer's window).
    pub broadcast: BroadcastModel,
    pub window_s: f64,
    /// Tokens sampled from the trace.
    pub batch: u32,
    pub seed: u64,
}

/// Static against dynamic, summed over the MoE layers.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DynamicTotals {
    pub experts_per_layer: u32,
    pub static_comp_s: f64,
    pub static_comm_s: f64,
    pub dynamic_comp_s: f64,
    pub dynamic_comm_s: f64,
    /// Broadcast time per layer and the part of it not hidden, summed over layers.
    pub broadcast_per_layer_s: f64,
    pub broadcast_exposed_s: f64,
    /// The experts broadcast in each MoE layer.
    pub broadcast: Vec<Vec<u32>>,
}

impl DynamicTotals {
    pub fn static_s(&self) -> f64 {
        self.static_comp_s + self.static_comm_s
    }
    pub fn dynamic_s(&self) -> f64 {
        self.dynamic_comp_s + self.dynamic_comm_s + self.broadcast_exposed_s
    }
    /// Static latency over dynamic latency.
    pub fn speedup(&self) -> f64 {
        self.static_s() / self.dynamic_s()
    }
}

/// `batch` distinct tokens of `table`, drawn with `seed`, in draw order.
pub fn sample_tokens(table: &RoutingTable, batch: u32, seed: u64) -> Result<RoutingTable> {
    let n = table.num_tokens();
    if batch == 0 || batch > n {
        return Err(Error::Check(format!(
            "dynamic placement: a batch of {batch} tokens from a trace of {n}"
        )));
    }
    let mut rng = rng_from_seed(seed);
    let idx = sample(&mut rng, n as usize, batch as usize).into_vec();
    let k = table.top_k();
    let mut ids = Vec::with_capacity(table.num_layers() as usize * batch as usize * k as usize);
    for l in 0..table.num_layers() {
        let layer = table.layer(l);
        for &t in &idx {
            ids.extend_from_slice(layer.token(t));
        }
    }
    Ok(RoutingTable::from_vec(table.num_layers(), batch, k, ids))
}

/// Runs the batch of `setup` from `trace` through every MoE layer, static and dynamic.
pub fn evaluate(
    cfg: &DynamicPlacementConfig,
    predictor: &dyn LoadPredictor,
    setup: &DynamicSetup<'_>,
    trace: &RoutingTable,
    cost: &mut dyn CommCost,
) -> Result<DynamicTotals> {
    cfg.validate("dynamic")?;
    let batch = sample_tokens(trace, setup.batch, setup.seed)?;
    let k = cfg.experts_per_layer(&setup.broadcast, setup.window_s);
    let layers = batch.num_layers();
    let flops = setup.flops_per_token_expert;
    let rate = setup.node_flops_per_s;
    let seed = seed_from_parts(&[setup.seed, 1]);
    let (mut st_comp, mut dy_comp) = (0.0, 0.0);
    let mut st_traffic: Vec<LayerTraffic> = Vec::new();
    let mut dy_traffic: Vec<LayerTraffic> = Vec::new();
    let mut chosen = Vec::new();
    for l in 0..layers {
        let shares = ExpertShares::from_map(setup.map, l, setup.num_nodes)?;
        let st = dispatch(&shares, &[], batch.layer(l), flops, l, seed)?;
        st_comp += st.max_flops() / rate;
        let b = if l == 0 || k == 0 {
            Vec::new()
        } else {
            let pred = predictor.predict(l, batch.layer(l - 1), batch.layer(l), setup.num_experts);
            priority_detection(&shares, &pred, k)
        };
        let dy = if b.is_empty() {
            st.clone()
        } else {
            dispatch(&shares, &b, batch.layer(l), flops, l, seed)?
        };
        dy_comp += dy.max_flops() / rate;
        st_traffic.push(st.traffic);
        dy_traffic.push(dy.traffic);
        chosen.push(b);
    }
    let ident = identity(setup.num_nodes as usize);
    let st_comm = cost.evaluate(&st_traffic, &ident)?.value * 1e-12;
    let dy_comm = cost.evaluate(&dy_traffic, &ident)?.value * 1e-12;
    let bt = setup.broadcast.time_s(k, cfg.alpha_s);
    let broadcasting_layers = chosen.iter().filter(|b| !b.is_empty()).count() as f64;
    Ok(DynamicTotals {
        experts_per_layer: k,
        static_comp_s: st_comp,
        static_comm_s: st_comm,
        dynamic_comp_s: dy_comp,
        dynamic_comm_s: dy_comm,
        broadcast_per_layer_s: bt,
        broadcast_exposed_s: (bt - setup.window_s).max(0.0) * broadcasting_layers,
        broadcast: chosen,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamic_placement_predict::PredictorConfig;
    use crate::ep_contiguous::EpContiguous;
    use crate::link_balance_cost::tests::flow_cost;
    use crate::placement::Placement;
    use crate::tp::tests::ctx;
    use moesim_workloads::ModelSpec;

    #[test]
    fn broadcasting_the_hot_expert_balances_compute() {
        let m = ModelSpec::preset("mixtral-8x7b").unwrap();
        let map = EpContiguous::default().place(&ctx(&m, 32)).unwrap();
        // 3 layers, 64 tokens: expert 0 is on every token, the other expert varies.
        let mut ids = Vec::new();
        for l in 0..3u32 {
            for t in 0..64u32 {
                ids.push(0);
                ids.push(1 + (t + l) % 7);
            }
        }
        let trace = RoutingTable::from_vec(3, 64, 2, ids);
        let setup = DynamicSetup {
            map: &map,
            num_nodes: 32,
            num_experts: 8,
            flops_per_token_expert: 2.0 * 4096.0 * 14336.0,
            node_flops_per_s: 5e12,
            broadcast: BroadcastModel {
                expert_bytes: 2.0 * 4096.0 * 14336.0,
                nodes: 32,
                link_bytes_per_s: 50e9,
            },
            window_s: 1.0,
            batch: 48,
            seed: 3,
        };
        for pred in [PredictorConfig::Oracle, PredictorConfig::Transition] {
            let p = pred.build(&trace, 8).unwrap();
            let cfg = DynamicPlacementConfig {
                predictor: pred,
                ..DynamicPlacementConfig::fixed(1)
            };
            let mut c = flow_cost(4, 8);
            let r = evaluate(&cfg, p.as_ref(), &setup, &trace, &mut c).unwrap();
            assert_eq!(r.broadcast, vec![vec![], vec![0], vec![0]]);
            // Expert 0's 48 tokens sat on 4 nodes (12 token-experts each); spread over the
            // other experts' holders the busiest node carries far less.
            assert!(r.dynamic_comp_s < 0.6 * r.static_comp_s, "{r:?}");
            assert!(r.speedup() > 1.0);
            assert_eq!(r.broadcast_exposed_s, 0.0);
            // Same seed, same result.
            let mut c = flow_cost(4, 8);
            assert_eq!(
                r,
                evaluate(&cfg, p.as_ref(), &setup, &trace, &mut c).unwrap()
            );
        }
        let mut c = flow_cost(4, 8);
        let big = DynamicSetup { batch: 65, ..setup };
        let p = PredictorConfig::Oracle.build(&trace, 8).unwrap();
        assert!(
            evaluate(
                &DynamicPlacementConfig::fixed(1),
                p.as_ref(),
                &big,
                &trace,
                &mut c
            )
            .is_err()
        );
    }
}
