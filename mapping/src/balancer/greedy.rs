//! The replication greedy shared by the balancers (MoEntwine's steps, papers.md §1.4):
//!
//! 1. the load of device `d` is `H_d = sum over the instances on d of l_e / r_e / |group|`,
//!    with `l_e` the expert's predicted load and `r_e` its number of instances;
//! 2. take the hottest device and its experts, most loaded instance first;
//! 3. pick a target among the devices with a free shadow slot that do not hold the expert and
//!    whose load after taking an instance's share, `H_t + l_e / (r_e + 1)`, stays under the
//!    current maximum; the [`TargetRule`] chooses among them (nearest for the NI-Balancer,
//!    least loaded for EPLB);
//! 4. add the replica, update the loads, and repeat until the target ratio is reached, no
//!    move helps, or the shadow slots are full.
//!
//! Ties go to the lower node id and the lower expert id, so the result is deterministic.

use super::context::BalanceContext;
use super::{Replica, max_over_mean};
use moesim_core::NodeId;

/// How a replica's target device is chosen among the feasible ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetRule {
    /// The device nearest to the hottest device (ties: less loaded, then lower id).
    Nearest,
    /// The least loaded device (ties: lower id), wherever it is.
    LeastLoaded,
}

/// The instances of every expert of one MoE layer: device lists.
pub type LayerInstances = Vec<Vec<Vec<NodeId>>>;

/// The base instances of MoE layer `moe_index` plus `replicas` of that layer.
pub fn layer_instances(
    ctx: &BalanceContext,
    moe_index: u32,
    replicas: &[Replica],
) -> LayerInstances {
    let base = &ctx.base;
    let mut inst: LayerInstances = base.experts[moe_index as usize]
        .iter()
        .map(|gs| gs.iter().map(|&g| base.group(g).to_vec()).collect())
        .collect();
    for r in replicas.iter().filter(|r| r.moe_index == moe_index) {
        if let Some(e) = inst.get_mut(r.expert as usize)
            && !e.iter().any(|g| g == &[r.device])
        {
            e.push(vec![r.device]);
        }
    }
    inst
}

/// `H_d` of every node id under `inst` with expert loads `loads`.
pub fn device_loads(loads: &[f64], inst: &LayerInstances, num_nodes: usize) -> Vec<f64> {
    let mut h = vec![0.0; num_nodes];
    for (l, groups) in loads.iter().zip(inst) {
        let r = groups.len().max(1) as f64;
        for g in groups {
            let share = l / r / g.len().max(1) as f64;
            for d in g {
                h[d.index()] += share;
            }
        }
    }
    h
}

/// Max/mean of `H` over the expert devices of `ctx`.
pub fn layer_ratio(ctx: &BalanceContext, h: &[f64]) -> f64 {
    let v: Vec<f64> = ctx.expert_devices.iter().map(|d| h[d.index()]).collect();
    max_over_mean(&v)
}

/// The replicas of MoE layer `moe_index` the greedy places from scratch (base placement,
/// every shadow slot free), stopping once max/mean is at most `target_ratio`.
pub fn greedy_layer(
    ctx: &BalanceContext,
    moe_index: u32,
    loads: &[f64],
    shadow_slots: u32,
    rule: TargetRule,
    target_ratio: f64,
) -> Vec<Replica> {
    let n = ctx.num_nodes();
    let mut inst = layer_instances(ctx, moe_index, &[]);
    let mut h = device_loads(loads, &inst, n);
    let mut used = vec![0u32; n];
    let mut out = Vec::new();
    let devs = &ctx.expert_devices;
    let capacity = shadow_slots as usize * devs.len();
    let holds = |inst: &LayerInstances, e: usize, d: NodeId| inst[e].iter().any(|g| g.contains(&d));
    while out.len() < capacity {
        let Some(&hot) = devs
            .iter()
            .max_by(|a, b| h[a.index()].total_cmp(&h[b.index()]).then(b.cmp(a)))
        else {
            break;
        };
        let hmax = h[hot.index()];
        if layer_ratio(ctx, &h) <= target_ratio || hmax <= 0.0 {
            break;
        }
        let mut on_hot: Vec<(f64, usize)> = (0..inst.len())
            .filter(|&e| holds(&inst, e, hot) && loads[e] > 0.0)
            .map(|e| (loads[e] / inst[e].len().max(1) as f64, e))
            .collect();
        on_hot.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut placed = false;
        for &(_, e) in &on_hot {
            let r = inst[e].len() as f64;
            let share_new = loads[e] / (r + 1.0);
            let feasible = devs.iter().copied().filter(|&t| {
                t != hot
                    && used[t.index()] < shadow_slots
                    && !holds(&inst, e, t)
                    && h[t.index()] + share_new < hmax * (1.0 - 1e-9)
            });
            let target = match rule {
                TargetRule::Nearest => feasible.min_by(|&a, &b| {
                    ctx.distance(hot, a)
                        .cmp(&ctx.distance(hot, b))
                        .then(h[a.index()].total_cmp(&h[b.index()]))
                        .then(a.cmp(&b))
                }),
                TargetRule::LeastLoaded => {
                    feasible.min_by(|&a, &b| h[a.index()].total_cmp(&h[b.index()]).then(a.cmp(&b)))
                }
            };
            let Some(t) = target else { continue };
            for g in &inst[e] {
                let delta = (loads[e] / r - share_new) / g.len().max(1) as f64;
                for d in g {
                    h[d.index()] -= delta;
                }
            }
            h[t.index()] += share_new;
            inst[e].push(vec![t]);
            used[t.index()] += 1;
            out.push(Replica {
                moe_index,
                expert: e as u32,
                device: t,
            });
            placed = true;
            break;
        }
        if !placed {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::PlacementConfig;
    use crate::tp::tests::ctx;
    use moesim_workloads::ModelSpec;

    fn setup() -> BalanceContext {
        let m = ModelSpec::preset("deepseek-v3").unwrap();
        let c = ctx(&m, 64);
        let base = PlacementConfig::default().place(&c).unwrap();
        BalanceContext::new(&base, c.coords.clone(), 1000, "e.toml").unwrap()
    }

    #[test]
    fn hot_expert_is_replicated_next_door() {
        let b = setup();
        // expert 36 (device 9 at 1,1) is hot: 8 x the others
        let mut loads = vec![1.0; 256];
        loads[36] = 8.0;
        let h0 = device_loads(&loads, &layer_instances(&b, 0, &[]), 64);
        assert_eq!(h0[9], 11.0);
        let r = greedy_layer(&b, 0, &loads, 1, TargetRule::Nearest, 1.0);
        assert!(!r.is_empty());
        assert_eq!(r[0].expert, 36);
        assert_eq!(b.distance(NodeId(9), r[0].device), 1);
        let after = device_loads(&loads, &layer_instances(&b, 0, &r), 64);
        assert!(layer_ratio(&b, &after) < layer_ratio(&b, &h0));
        // at most one replica per device per layer with one shadow slot
        let mut devs: Vec<NodeId> = r.iter().map(|x| x.device).collect();
        devs.sort();
        devs.dedup();
        assert_eq!(devs.len(), r.len());
        // the least-loaded rule also helps, wherever its target is
        let r2 = greedy_layer(&b, 0, &loads, 1, TargetRule::LeastLoaded, 1.0);
        assert_eq!(r2[0].expert, 36);
        // balanced loads need nothing
        assert!(greedy_layer(&b, 0, &vec![1.0; 256], 2, TargetRule::Nearest, 1.0).is_empty());
    }
}
