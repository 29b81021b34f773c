//! HD-MoE's DynamicPlacement (papers.md §4.3): before a layer runs, predict its per-expert load,
//! find the most loaded node and pre-broadcast its top-priority expert to every node (`k`
//! times), then dispatch each token's broadcast experts to the least-loaded node that already
//! holds one of its experts, so no extra token traffic is created.
//!
//! - [`ExpertShares`]: the static placement of one layer as shares `P_ic` of expert `i` on node
//!   `c` (from any [`PlacementMap`]: TP, EP, NodeBalance, after LinkBalance);
//! - [`priority_detection`]: the `k` experts to broadcast, from a predicted load;
//! - [`dispatch`]: per-node FLOPs and the layer's traffic after broadcasting;
//! - [`broadcast_time_s`]: the alpha-beta optimal chunked broadcast on a `sqrt(D) x sqrt(D)`
//!   mesh;
//! - predictors in [`crate::dynamic_placement_predict`], the trace evaluation in
//!   [`crate::dynamic_placement_eval`].
//!
//! ```toml
//! [dynamic]
//! broadcast = { kind = "fixed", experts = 2 }   # or { kind = "window" }: largest k that fits
//! predictor = { kind = "transition" }           # or { kind = "oracle" }
//! alpha_s = 1e-7
//! ```

use crate::dynamic_placement_predict::PredictorConfig;
use crate::link_balance_traffic::{LayerTraffic, expert_holders};
use crate::map::PlacementMap;
use moesim_core::rng::{rng_from_seed, seed_from_parts};
use moesim_core::{Error, Result};
use moesim_workloads::routing::table::LayerRouting;
use rand::RngExt;
use serde::{Deserialize, Serialize};

/// How many experts are pre-broadcast per layer.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum BroadcastCount {
    /// Exactly `experts` per layer (fewer when the predicted load runs out).
    Fixed { experts: u32 },
    /// The largest `k` whose broadcast time fits in the previous layer's window (the authors'
    /// rule: the attention time of the layer).
    Window,
}

fn alpha() -> f64 {
    1e-7
}

/// The DynamicPlacement policy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DynamicPlacementConfig {
    pub broadcast: BroadcastCount,
    #[serde(default)]
    pub predictor: PredictorConfig,
    /// Per-message start-up time of the alpha-beta broadcast model, in seconds.
    #[serde(default = "alpha")]
    pub alpha_s: f64,
}

impl DynamicPlacementConfig {
    /// `k` experts per layer, the transition predictor, alpha = 0.1 us.
    pub fn fixed(k: u32) -> DynamicPlacementConfig {
        DynamicPlacementConfig {
            broadcast: BroadcastCount::Fixed { experts: k },
            predictor: PredictorConfig::default(),
            alpha_s: alpha(),
        }
    }

    pub fn validate(&self, origin: &str) -> Result<()> {
        if !(self.alpha_s.is_finite() && self.alpha_s >= 0.0) {
            return Err(Error::config(
                origin,
                "dynamic.alpha_s",
                format!("{} is out of range", self.alpha_s),
            )
            .allowed("a time in seconds >= 0"));
        }
        Ok(())
    }

    /// The experts to broadcast per layer: `Fixed` as given; `Window` the largest `k` with
    /// `broadcast_time_s(k) <= window_s` (0 if even one does not fit).
    pub fn experts_per_layer(&self, bcast: &BroadcastModel, window_s: f64) -> u32 {
        match self.broadcast {
            BroadcastCount::Fixed { experts } => experts,
            BroadcastCount::Window => {
                let mut k = 0;
                while k < 1024 && bcast.time_s(k + 1, self.alpha_s) <= window_s {
                    k += 1;
                }
                k
            }
        }
    }
}

/// The physical figures of the broadcast.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BroadcastModel {
    /// Bytes of one expert's weights as broadcast.
    pub expert_bytes: f64,
    /// Nodes of the mesh.
    pub nodes: u32,
    /// Link bandwidth in bytes per second.
    pub link_bytes_per_s: f64,
}

impl BroadcastModel {
    /// The optimal chunk size `c* = sqrt(alpha W / (2 beta k sqrt(D)))` in bytes.
    pub fn chunk_bytes(&self, k: u32, alpha_s: f64) -> f64 {
        let beta = 1.0 / self.link_bytes_per_s;
        let rd = (self.nodes as f64).sqrt();
        (alpha_s * self.expert_bytes / (2.0 * beta * k.max(1) as f64 * rd)).sqrt()
    }

    /// Time to broadcast `k` experts with chunk `c*`: `alpha (2 sqrt(D) + W / c) + beta k (W + 2
    /// c sqrt(D))` (papers.md §4.3), in seconds; 0 for `k = 0`.
    pub fn time_s(&self, k: u32, alpha_s: f64) -> f64 {
        broadcast_time_s(k, self, alpha_s)
    }
}

/// See [`BroadcastModel::time_s`].
pub fn broadcast_time_s(k: u32, m: &BroadcastModel, alpha_s: f64) -> f64 {
    if k == 0 {
        return 0.0;
    }
    let beta = 1.0 / m.link_bytes_per_s;
    let rd = (m.nodes as f64).sqrt();
    let w = m.expert_bytes;
    let c = m.chunk_bytes(k, alpha_s);
    let latency = if c > 0.0 {
        alpha_s * (2.0 * rd + w / c)
    } else {
        alpha_s * 2.0 * rd
    };
    latency + beta * k as f64 * (w + 2.0 * c * rd)
}

/// One layer's static placement as shares: `shares[i]` lists `(node, P_ic)` with `P_ic > 0`.
#[derive(Clone, Debug, PartialEq)]
pub struct ExpertShares {
    pub num_nodes: u32,
    pub shares: Vec<Vec<(u32, f64)>>,
}

impl ExpertShares {
    /// The shares of MoE layer `moe_layer` of `map`: each expert split evenly over the devices
    /// of its first instance.
    pub fn from_map(map: &PlacementMap, moe_layer: u32, num_nodes: u32) -> Result<ExpertShares> {
        let holders = expert_holders(map, moe_layer)?;
        let shares = holders
            .into_iter()
            .map(|h| {
                let f = 1.0 / h.len() as f64;
                h.into_iter().map(|n| (n, f)).collect()
            })
            .collect::<Vec<Vec<(u32, f64)>>>();
        if let Some(&(n, _)) = shares.iter().flatten().find(|(n, _)| *n >= num_nodes) {
            return Err(Error::Check(format!(
                "dynamic placement: device {n} is outside the {num_nodes} nodes"
            )));
        }
        Ok(ExpertShares { num_nodes, shares })
    }

    pub fn num_experts(&self) -> usize {
        self.shares.len()
    }
}

/// The experts to pre-broadcast: up to `k` times, the most loaded node under the predicted
/// load `predicted[i]` (experts already chosen no longer count), and its expert of highest
/// priority `P_ic f_i`. Stops early when no predicted load is left.
pub fn priority_detection(shares: &ExpertShares, predicted: &[f64], k: u32) -> Vec<u32> {
    let mut chosen: Vec<u32> = Vec::new();
    for _ in 0..k {
        let mut load = vec![0.0; shares.num_nodes as usize];
        for (i, sh) in shares.shares.iter().enumerate() {
            if chosen.contains(&(i as u32)) {
                continue;
            }
            let f = predicted.get(i).copied().unwrap_or(0.0);
            for &(c, p) in sh {
                load[c as usize] += p * f;
            }
        }
        let Some(node) = argmax(&load) else { break };
        let mut best: Option<(f64, u32)> = None;
        for (i, sh) in shares.shares.iter().enumerate() {
            if chosen.contains(&(i as u32)) {
                continue;
            }
            let p = sh
                .iter()
                .find(|(c, _)| *c as usize == node)
                .map_or(0.0, |x| x.1);
            let prio = p * predicted.get(i).copied().unwrap_or(0.0);
            if prio > 0.0 && best.is_none_or(|(b, _)| prio > b) {
                best = Some((prio, i as u32));
            }
        }
        match best {
            Some((_, i)) => chosen.push(i),
            None => break,
        }
    }
    chosen
}

/// The index of the largest positive value (first on ties).
fn argmax(v: &[f64]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (i, &x) in v.iter().enumerate() {
        if x > 0.0 && best.is_none_or(|b| x > v[b]) {
            best = Some(i);
        }
    }
    best
}

/// What one layer costs after broadcasting.
#[derive(Clone, Debug, PartialEq)]
pub struct Dispatched {
    /// FLOPs per node.
    pub node_flops: Vec<f64>,
    /// The layer's token traffic (holders to aggregator, per token, merged).
    pub traffic: LayerTraffic,
}

impl Dispatched {
    /// The largest node's FLOPs.
    pub fn max_flops(&self) -> f64 {
        self.node_flops.iter().copied().fold(0.0, f64::max)
    }
}

/// Dispatches the tokens of `routing` (MoE layer `moe_layer`) with `broadcast` experts copied
/// to every node. A non-broadcast expert's work is split by its static shares; a broadcast
/// expert's work goes whole to the least-loaded node (lowest id on ties) among the nodes the
/// static placement already involves in the token (the static holders of any of its experts),
/// so no node is added to the token's traffic; tokens are taken in order, non-broadcast work
/// first. The token's holders are then the non-broadcast experts' holders and the chosen
/// nodes; they send its output to the holder of one of its experts chosen at random (seeded
/// per layer and token).
pub fn dispatch(
    shares: &ExpertShares,
    broadcast: &[u32],
    routing: LayerRouting<'_>,
    flops_per_token_expert: f64,
    moe_layer: u32,
    seed: u64,
) -> Result<Dispatched> {
    let n = shares.num_nodes as usize;
    let mut flops = vec![0.0; n];
    let is_b = |e: u32| broadcast.contains(&e);
    for tok in routing.tokens() {
        for &e in tok {
            let sh = shares.shares.get(e as usize).ok_or_else(|| {
                Error::Check(format!(
                    "dynamic placement: expert {e} of MoE layer {moe_layer} is not in the \
                     placement ({} experts)",
                    shares.num_experts()
                ))
            })?;
            if !is_b(e) {
                for &(c, p) in sh {
                    flops[c as usize] += p * flops_per_token_expert;
                }
            }
        }
    }
    let mut traffic = LayerTraffic::new(moe_layer);
    let mut holders: Vec<u32> = Vec::new();
    let mut cands: Vec<u32> = Vec::new();
    for (t, tok) in routing.tokens().enumerate() {
        holders.clear();
        cands.clear();
        for &e in tok {
            let hs = shares.shares[e as usize].iter().map(|x| x.0);
            if is_b(e) {
                cands.extend(hs);
            } else {
                holders.extend(hs);
            }
        }
        holders.sort_unstable();
        holders.dedup();
        cands.extend_from_slice(&holders);
        cands.sort_unstable();
        cands.dedup();
        let mut agg_of: Vec<u32> = Vec::with_capacity(tok.len());
        for &e in tok {
            if is_b(e) {
                let mut best = cands[0];
                for &c in &cands[1..] {
                    if flops[c as usize] < flops[best as usize] {
                        best = c;
                    }
                }
                flops[best as usize] += flops_per_token_expert;
                agg_of.push(best);
            } else {
                agg_of.push(shares.shares[e as usize][0].0);
            }
        }
        let mut all = holders.clone();
        for (i, &e) in tok.iter().enumerate() {
            if is_b(e) {
                all.push(agg_of[i]);
            }
        }
        let mut rng = rng_from_seed(seed_from_parts(&[seed, moe_layer as u64, t as u64]));
        let aggregator = agg_of[rng.random_range(0..agg_of.len())];
        traffic.add(all, aggregator, 1);
    }
    Ok(Dispatched {
        node_flops: flops,
        traffic,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use moesim_workloads::routing::table::RoutingTable;

    fn two_node_shares() -> ExpertShares {
        // experts 0, 1 on node 0; expert 2 on node 1; expert 3 split over both.
        ExpertShares {
            num_nodes: 2,
            shares: vec![
                vec![(0, 1.0)],
                vec![(0, 1.0)],
                vec![(1, 1.0)],
                vec![(0, 0.5), (1, 0.5)],
            ],
        }
    }

    #[test]
    fn priorities_follow_the_hottest_node() {
        let s = two_node_shares();
        // node 0: 4 + 3 + 1 = 8, node 1: 2 + 1 = 3 -> expert 0 first; then node 0 has 3 + 1 = 4
        // against 3 -> expert 1.
        assert_eq!(priority_detection(&s, &[4.0, 3.0, 2.0, 2.0], 2), vec![0, 1]);
        assert_eq!(priority_detection(&s, &[0.0; 4], 3), Vec::<u32>::new());
        assert_eq!(priority_detection(&s, &[1.0, 0.0, 0.0, 0.0], 3), vec![0]);
    }

    #[test]
    fn broadcast_work_goes_to_the_least_loaded_holder() {
        let s = two_node_shares();
        // 4 tokens {0, 2}, 2 tokens {1, 3}.
        let r = RoutingTable::from_vec(1, 6, 2, vec![0, 2, 0, 2, 0, 2, 0, 2, 1, 3, 1, 3]);
        let st = dispatch(&s, &[], r.layer(0), 1.0, 0, 1).unwrap();
        assert_eq!(st.node_flops, vec![7.0, 5.0]);
        assert!(st.traffic.groups().all(|g| g.holders.len() == 2));
        // Broadcasting expert 0: its tokens may run on node 0 (its static holder) or node 1
        // (expert 2's): node 0 has 3, node 1 has 5, so 2 go to node 0, then one each.
        let d = dispatch(&s, &[0], r.layer(0), 1.0, 0, 1).unwrap();
        assert_eq!(d.node_flops, vec![6.0, 6.0]);
        assert_eq!(d.max_flops(), 6.0);
        // Tokens run on node 1 alone need no transfer.
        assert_eq!(
            d.traffic
                .groups()
                .filter(|g| g.holders == vec![1])
                .map(|g| g.tokens)
                .sum::<u32>(),
            1
        );
        assert_eq!(d.traffic.tokens(), 6);
        let bad = RoutingTable::from_vec(1, 1, 2, vec![0, 4]);
        assert!(dispatch(&s, &[], bad.layer(0), 1.0, 0, 1).is_err());
    }

    #[test]
    fn alpha_beta_broadcast() {
        let m = BroadcastModel {
            expert_bytes: 2.0 * 2048.0 * 1408.0,
            nodes: 32,
            link_bytes_per_s: 50e9,
        };
        let a = 1e-7;
        let k1 = m.time_s(1, a);
        // Bandwidth term W / BW = 115.3 us, plus 2 sqrt(2 sqrt(D) beta alpha W) = 22.8 us of
        // chunking and 1.1 us of start-up.
        assert!((k1 - 139.2e-6).abs() < 0.2e-6, "{k1}");
        // The closed-form lower bound of papers.md §4.3 is met with equality at c*.
        let (w, beta, rd) = (m.expert_bytes, 1.0 / 50e9, 32f64.sqrt());
        for k in 1..6 {
            let lb = w * beta * k as f64
                + 2.0 * a * rd
                + 2.0 * (2.0 * rd * beta * k as f64 * a * w).sqrt();
            assert!((m.time_s(k, a) - lb).abs() < 1e-12, "{k}");
        }
        assert_eq!(m.time_s(0, a), 0.0);
        let cfg = DynamicPlacementConfig {
            broadcast: BroadcastCount::Window,
            ..DynamicPlacementConfig::fixed(0)
        };
        assert_eq!(cfg.experts_per_layer(&m, 3.5 * k1), 3);
        assert_eq!(cfg.experts_per_layer(&m, 0.5 * k1), 0);
        assert!(
            DynamicPlacementConfig {
                alpha_s: -1.0,
                ..cfg
            }
            .validate("e")
            .is_err()
        );
    }
}
