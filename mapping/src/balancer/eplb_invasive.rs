//! `kind = "eplb_invasive"`: an EPLB-style balancer (DeepSeek's expert-parallel load balancer
//! as MoEntwine's baseline, papers.md §1.4). Every `interval_steps` steps it re-plans every MoE
//! layer's replicas with the plain greedy ([`TargetRule::LeastLoaded`]: the least loaded
//! device with a free shadow slot, wherever it is) from the loads predicted over the last
//! `history_steps` steps, and copies each new replica directly from the nearest instance.
//! Inference stops until the copies are delivered ([`CopyMode::Stall`]).

use super::config::{check_positive, check_slots};
use super::context::BalanceContext;
use super::greedy::{TargetRule, device_loads, greedy_layer, layer_instances, layer_ratio};
use super::history::LoadHistory;
use super::split::replica_copy;
use super::{Balancer, CopyMode, ExpertLoads, Rebalance, Replica};
use moesim_core::Result;
use serde::{Deserialize, Serialize};

fn one() -> u32 {
    1
}
fn eight() -> u32 {
    8
}
fn ten() -> u32 {
    10
}

/// The invasive balancer's parameters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EplbInvasiveConfig {
    /// Spare expert slots per device and MoE layer.
    #[serde(default = "one")]
    pub shadow_slots: u32,
    /// Expert slots per device and MoE layer besides the shadow slots (default: the most any
    /// device holds under the placement).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slots_per_device: Option<u32>,
    /// Steps in the load-prediction window.
    #[serde(default = "eight")]
    pub history_steps: u32,
    /// Steps between rebalances (MoEntwine's notes: about every 10 iterations).
    #[serde(default = "ten")]
    pub interval_steps: u32,
}

impl Default for EplbInvasiveConfig {
    fn default() -> Self {
        EplbInvasiveConfig {
            shadow_slots: one(),
            slots_per_device: None,
            history_steps: eight(),
            interval_steps: ten(),
        }
    }
}

/// The running invasive balancer.
pub struct EplbInvasive {
    cfg: EplbInvasiveConfig,
    ctx: BalanceContext,
    history: LoadHistory,
}

impl EplbInvasive {
    pub fn new(cfg: EplbInvasiveConfig, ctx: BalanceContext) -> Result<EplbInvasive> {
        check_slots(&ctx, cfg.slots_per_device, cfg.shadow_slots)?;
        check_positive(&ctx, "balancer.history_steps", cfg.history_steps, "steps")?;
        check_positive(&ctx, "balancer.interval_steps", cfg.interval_steps, "steps")?;
        Ok(EplbInvasive {
            history: LoadHistory::new(cfg.history_steps as usize),
            cfg,
            ctx,
        })
    }
}

impl Balancer for EplbInvasive {
    fn kind(&self) -> &'static str {
        "eplb_invasive"
    }

    fn observe(&mut self, _step: u64, loads: &ExpertLoads) {
        self.history.push(loads);
    }

    fn plan(&mut self, step: u64, current: &[Replica]) -> Result<Option<Rebalance>> {
        if !(step + 1).is_multiple_of(u64::from(self.cfg.interval_steps)) {
            return Ok(None);
        }
        let Some(pred) = self.history.predict() else {
            return Ok(None);
        };
        let ctx = &self.ctx;
        let n = ctx.num_nodes();
        let mut replicas = Vec::new();
        let (mut before, mut after) = (0.0, 0.0);
        for (m, loads) in pred.iter().enumerate() {
            let m = m as u32;
            before += layer_ratio(
                ctx,
                &device_loads(loads, &layer_instances(ctx, m, current), n),
            );
            let fresh = greedy_layer(
                ctx,
                m,
                loads,
                self.cfg.shadow_slots,
                TargetRule::LeastLoaded,
                1.0,
            );
            after += layer_ratio(
                ctx,
                &device_loads(loads, &layer_instances(ctx, m, &fresh), n),
            );
            replicas.extend(fresh);
        }
        replicas.sort();
        let mut cur = current.to_vec();
        cur.sort();
        if replicas == cur {
            return Ok(None);
        }
        let layers = pred.len().max(1) as f64;
        let copies = replicas
            .iter()
            .filter(|r| !current.contains(r))
            .map(|&r| {
                let inst = layer_instances(ctx, r.moe_index, current);
                replica_copy(ctx, r, &inst[r.expert as usize], None)
            })
            .collect();
        Ok(Some(Rebalance {
            step,
            replicas,
            copies,
            mode: CopyMode::Stall,
            predicted_before: before / layers,
            predicted_after: after / layers,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::PlacementConfig;
    use crate::tp::tests::ctx;
    use moesim_workloads::ModelSpec;

    #[test]
    fn periodic_and_stalling() {
        let m = ModelSpec::preset("deepseek-v3").unwrap();
        let c = ctx(&m, 64);
        let base = PlacementConfig::default().place(&c).unwrap();
        let b = BalanceContext::new(&base, c.coords.clone(), 1000, "e.toml").unwrap();
        let cfg = EplbInvasiveConfig {
            interval_steps: 2,
            ..EplbInvasiveConfig::default()
        };
        let mut eb = EplbInvasive::new(cfg, b).unwrap();
        let mut hot: ExpertLoads = vec![vec![1.0; 256]; 58];
        hot[0][0] = 30.0;
        eb.observe(0, &hot);
        assert!(eb.plan(0, &[]).unwrap().is_none(), "not a rebalance step");
        eb.observe(1, &hot);
        let p = eb.plan(1, &[]).unwrap().unwrap();
        assert_eq!(p.mode, CopyMode::Stall);
        assert!(p.predicted_after < p.predicted_before);
        // direct copies: one piece per chain
        assert!(
            p.copies
                .iter()
                .all(|c| c.chains.iter().all(|ch| ch.len() == 1))
        );
        eb.observe(2, &hot);
        eb.observe(3, &hot);
        assert!(
            eb.plan(3, &p.replicas).unwrap().is_none(),
            "same plan, nothing to do"
        );
    }
}
