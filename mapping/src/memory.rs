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
                    "placement puts {:.1} GB on device {n} (at {}; {:.1} GB weights + {:.1} GB KV \
                     cache), capacity {:.1} GB",
                    gb(total),
                    coords.get(n).copied().unwrap_or_default(),
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
