//! A fractional expert placement: `P_ic`, the share of expert `i`'s weights on logical node `c`
//! (papers.md section 4.3). The HD-MoE policies produce one matrix per MoE layer; a node holds an
//! expert when its share exceeds [`HOLD_EPS`].
//!
//! [`to_placement_map`] turns the matrices into a [`PlacementMap`] for the executor: each
//! expert's instance is the group of its holders. A group splits an expert evenly over its
//! devices, so unequal shares are rounded to equal slices there; the shares themselves are what
//! the HD-MoE evaluation uses.

use crate::context::PlacementContext;
use crate::map::{GroupTable, PlacementMap};
use crate::tp::rename;
use moesim_core::{NodeId, Result};
use moesim_workloads::Parallelism;
use moesim_workloads::flows::PostAttention;
use serde::Serialize;

/// Shares below this count as zero.
pub const HOLD_EPS: f64 = 1e-6;

/// `P_ic` for `num_experts` experts on `num_nodes` logical nodes (row-major, expert by node).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Shares {
    pub num_experts: usize,
    pub num_nodes: usize,
    p: Vec<f64>,
}

impl Shares {
    /// All zero.
    pub fn zeros(num_experts: usize, num_nodes: usize) -> Shares {
        Shares {
            num_experts,
            num_nodes,
            p: vec![0.0; num_experts * num_nodes],
        }
    }

    /// Every expert split evenly over every node (TP).
    pub fn tensor_parallel(num_experts: usize, num_nodes: usize) -> Shares {
        Shares {
            num_experts,
            num_nodes,
            p: vec![1.0 / num_nodes as f64; num_experts * num_nodes],
        }
    }

    pub fn get(&self, expert: usize, node: usize) -> f64 {
        self.p[expert * self.num_nodes + node]
    }

    pub fn set(&mut self, expert: usize, node: usize, share: f64) {
        self.p[expert * self.num_nodes + node] = share;
    }

    pub fn holds(&self, expert: usize, node: usize) -> bool {
        self.get(expert, node) > HOLD_EPS
    }

    /// The nodes holding part of `expert`, ascending.
    pub fn holders(&self, expert: usize) -> Vec<usize> {
        (0..self.num_nodes)
            .filter(|&c| self.holds(expert, c))
            .collect()
    }

    /// `sum_i P_ic f_i` per node: the activations per token each node computes.
    pub fn node_load(&self, freq: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; self.num_nodes];
        for (i, f) in freq.iter().enumerate().take(self.num_experts) {
            for (c, o) in out.iter_mut().enumerate() {
                *o += self.get(i, c) * f;
            }
        }
        out
    }

    /// The largest deviation of an expert's shares from summing to one.
    pub fn max_sum_error(&self) -> f64 {
        (0..self.num_experts)
            .map(|i| ((0..self.num_nodes).map(|c| self.get(i, c)).sum::<f64>() - 1.0).abs())
            .fold(0.0, f64::max)
    }
}

/// The placement map of per-layer shares on `devices` (logical node `c` is `devices[c]`):
/// attention split over every device (as HD-MoE's attention term assumes), each routed expert on
/// the group of its holders, shared experts split over every device.
pub fn to_placement_map(
    kind: &str,
    ctx: &PlacementContext,
    devices: &[NodeId],
    layers: &[Shares],
) -> Result<PlacementMap> {
    let d = devices.len() as u32;
    let parallelism = Parallelism {
        attention_tp: d,
        attention_dp: 1,
        post_attention: PostAttention::AllReduce,
    };
    parallelism.validate(ctx.model, &ctx.origin).map_err(|e| {
        rename(e, &ctx.origin, "placement.devices", |m| {
            format!("{kind} splits attention over all {d} devices: {m}")
        })
    })?;
    let mut t = GroupTable::default();
    let all = t.intern(devices.to_vec());
    let m = ctx.model;
    let experts = layers
        .iter()
        .map(|s| {
            (0..s.num_experts)
                .map(|i| {
                    let g: Vec<NodeId> = s.holders(i).into_iter().map(|c| devices[c]).collect();
                    vec![t.intern(g)]
                })
                .collect()
        })
        .collect();
    let shared = if m.has_shared_experts() {
        vec![all]
    } else {
        Vec::new()
    };
    Ok(PlacementMap {
        kind: kind.into(),
        parallelism,
        attention: devices.to_vec(),
        experts,
        shared: vec![shared; m.num_moe_layers() as usize],
        groups: t.into_groups(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_loads_and_holders() {
        let mut s = Shares::zeros(2, 3);
        s.set(0, 0, 0.5);
        s.set(0, 2, 0.5);
        s.set(1, 1, 1.0);
        assert_eq!(s.holders(0), vec![0, 2]);
        assert_eq!(s.node_load(&[1.0, 0.5]), vec![0.5, 0.5, 0.5]);
        assert!(s.max_sum_error() < 1e-12);
        let tp = Shares::tensor_parallel(4, 4);
        assert_eq!(tp.holders(3).len(), 4);
    }
}
