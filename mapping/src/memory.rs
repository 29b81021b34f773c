//! Weight bytes per device under a placement, and the capacity check.
//!
//! Per attention shard (on its device), per layer: `1/tp` of the attention weights, of a dense
//! layer's FFN, and of the embedding and LM head; the router whole. Per routed or shared expert
//! instance: `1/|group|` of the expert's weights on each device of the group. Norms and biases
//! are not counted (as in [`ModelSpec::params`]).

use crate::map::PlacementMap;
use moesim_core::{Coord, Error, Result};
use moesim_workloads::{LayerKind, ModelSpec, Precision};
use serde::Serialize;

/// Bytes resident on every device (indexed by node id).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DeviceBytes {
    pub weights: Vec<u64>,
    /// Other resident data (the KV cache), added by the caller.
    pub other: Vec<u64>,
}

impl DeviceBytes {
    pub fn total(&self, node: usize) -> u64 {
        self.weights[node] + self.other.get(node).copied().unwrap_or(0)
    }
}

/// Weight bytes on each of `num_nodes` devices under `map`.
pub fn weight_bytes_per_device(
    map: &PlacementMap,
    model: &ModelSpec,
    precision: &Precision,
    num_nodes: usize,
) -> DeviceBytes {
    let p = model.params();
    let wb = precision.weight_bytes();
    let tp = u64::from(map.parallelism.attention_tp.max(1));
    let mut w = vec![0u64; num_nodes];
    let mut per_shard = (p.embedding + p.lm_head) / tp;
    for l in 0..model.num_layers() {
        per_shard += p.attention / tp;
        per_shard += match model.layer_kind(l) {
            LayerKind::Dense => p.dense_ffn / tp,
            LayerKind::Moe { .. } => p.router,
        };
    }
    for &d in &map.attention {
        w[d.index()] += per_shard * wb;
    }
    let mut add_instances = |groups: &[u32], elems: u64| {
        for &g in groups {
            let devs = map.group(g);
            let share = elems / devs.len().max(1) as u64;
            for d in devs {
                w[d.index()] += share * wb;
            }
        }
    };
    for (m, experts) in map.experts.iter().enumerate() {
        for inst in experts {
            add_instances(inst, p.expert);
        }
        add_instances(map.shared(m as u32), p.shared_experts);
    }
    DeviceBytes {
        weights: w,
        other: vec![0; num_nodes],
    }
}

/// Checks `bytes` against each device's `capacity` (both indexed by node id). The error names
/// `origin`, the key `placement` and the platform's capacity key.
pub fn check_capacity(
    bytes: &DeviceBytes,
    capacity: &[u64],
    coords: &[Coord],
    origin: &str,
    capacity_key: &str,
) -> Result<()> {
    for (n, &cap) in capacity.iter().enumerate() {
        let total = bytes.total(n);
        if total > cap {
            let gb = |b: u64| b as f64 / 1e9;
            return Err(Error::config(
                origin,
                "placement",
                format!(
                    "placement puts {:.1} GB on device {n}{} ({:.1} GB weights + {:.1} GB KV \
                     cache), capacity {:.1} GB",
                    gb(total),
                    coords
                        .get(n)
                        .map(|c| format!(" at {c}"))
                        .unwrap_or_default(),
                    gb(bytes.weights[n]),
                    gb(bytes.other.get(n).copied().unwrap_or(0)),
                    gb(cap)
                ),
            )
            .allowed(format!(
                "a placement over more devices, smaller weights (precision.weights), a smaller \
                 batch, or {capacity_key} >= {:.1} GB",
                gb(total)
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::PlacementConfig;
    use crate::tp::tests::ctx;

    #[test]
    fn weights_add_up_and_capacity_errors_name_the_device() {
        let m = ModelSpec::preset("deepseek-v3").unwrap();
        let c = ctx(&m, 64);
        let map = PlacementConfig::default().place(&c).unwrap();
        let b = weight_bytes_per_device(&map, &m, &c.precision, 64);
        let p = m.params();
        // tp = 8 groups of 8: every group holds one attention copy and one shared-expert copy.
        let total: u64 = b.weights.iter().sum();
        let per_layer_attn: u64 = (0..m.num_layers())
            .map(|l| match m.layer_kind(l) {
                LayerKind::Dense => p.attention / 8 + p.dense_ffn / 8,
                LayerKind::Moe { .. } => p.attention / 8 + p.router,
            })
            .sum();
        let expect = 2
            * (64 * (per_layer_attn + (p.embedding + p.lm_head) / 8)
                + 58 * (256 * p.expert + 8 * p.shared_experts));
        assert_eq!(total, expect);
        // about 1.3 TB of BF16 weights plus replicas over 64 dies: ~26 GB each
        assert!(
            b.weights
                .iter()
                .all(|&w| w > 20_000_000_000 && w < 40_000_000_000)
        );
        let caps = vec![180_000_000_000u64; 64];
        check_capacity(
            &b,
            &caps,
            &c.coords,
            "e.toml",
            "platform.die.hbm_capacity_gb",
        )
        .unwrap();
        let small = vec![10_000_000_000u64; 64];
        let e = check_capacity(
            &b,
            &small,
            &c.coords,
            "e.toml",
            "platform.die.hbm_capacity_gb",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("e.toml: key `placement`: placement puts")
                && e.contains("on device 0 at 0,0")
                && e.contains("capacity 10.0 GB")
                && e.contains("platform.die.hbm_capacity_gb"),
            "{e}"
        );
    }
}
