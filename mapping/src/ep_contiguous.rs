//! `kind = "ep_contiguous"`: expert parallelism with contiguous expert blocks (Megatron-LM's
//! default, MoETuner's and MoEntwine's baseline). Attention runs in tensor-parallel groups of
//! `attention_tp` consecutive devices (data parallel across groups; on an 8-wide wafer with
//! `attention_tp = 8` a group is a row of dies). Routed experts sit in contiguous blocks over all
//! devices (see [`crate::blocks`]: several experts per device when `E > D`; with `E < D` each
//! expert is split over `D/E` consecutive devices, an error unless `D` is a multiple of `E`).
//! Shared experts are split over each attention group, one instance per group.

use crate::blocks::contiguous_blocks;
use crate::context::PlacementContext;
use crate::devices;
use crate::map::{GroupTable, PlacementMap};
use crate::placement::Placement;
use crate::tp::rename;
use moesim_core::{Error, Result};
use moesim_workloads::Parallelism;
use moesim_workloads::flows::PostAttention;
use serde::{Deserialize, Serialize};

fn eight() -> u32 {
    8
}

/// The contiguous expert-parallel placement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EpContiguous {
    /// Devices per attention tensor-parallel group (consecutive in the device list).
    #[serde(default = "eight")]
    pub attention_tp: u32,
    /// How a group combines its attention outputs (`all_reduce` or `reduce_scatter`).
    #[serde(default)]
    pub post_attention: PostAttention,
    /// The devices to use, in order (default: every live device).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub devices: Option<Vec<u32>>,
}

impl Default for EpContiguous {
    fn default() -> Self {
        EpContiguous {
            attention_tp: eight(),
            post_attention: PostAttention::AllReduce,
            devices: None,
        }
    }
}

impl Placement for EpContiguous {
    fn kind(&self) -> &'static str {
        "ep_contiguous"
    }

    fn place(&self, ctx: &PlacementContext) -> Result<PlacementMap> {
        let devs = devices::select(ctx, self.devices.as_deref())?;
        let d = devs.len() as u32;
        let tp = self.attention_tp;
        if tp == 0 || !d.is_multiple_of(tp) {
            return Err(Error::config(
                &ctx.origin,
                "placement.attention_tp",
                format!("{tp} does not divide the {d} devices"),
            )
            .allowed(format!("a divisor of {d}")));
        }
        let parallelism = Parallelism {
            attention_tp: tp,
            attention_dp: d / tp,
            post_attention: self.post_attention,
        };
        parallelism
            .validate(ctx.model, &ctx.origin)
            .map_err(|e| rename(e, &ctx.origin, "placement.attention_tp", |m| m.to_string()))?;
        let m = ctx.model;
        let mut t = GroupTable::default();
        let experts: Vec<Vec<u32>> =
            contiguous_blocks(m.num_experts(), &devs, &ctx.origin, "placement.kind")?
                .into_iter()
                .map(|g| vec![t.intern(g)])
                .collect();
        let shared: Vec<u32> = if m.has_shared_experts() {
            devs.chunks(tp as usize)
                .map(|c| t.intern(c.to_vec()))
                .collect()
        } else {
            Vec::new()
        };
        Ok(PlacementMap {
            kind: self.kind().into(),
            parallelism,
            attention: devs,
            experts: vec![experts; m.num_moe_layers() as usize],
            shared: vec![shared; m.num_moe_layers() as usize],
            groups: t.into_groups(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tp::tests::ctx;
    use moesim_core::NodeId;
    use moesim_workloads::ModelSpec;

    #[test]
    fn deepseek_on_64_devices() {
        let m = ModelSpec::preset("deepseek-v3").unwrap();
        let map = EpContiguous::default().place(&ctx(&m, 64)).unwrap();
        assert_eq!(map.parallelism.attention_dp, 8);
        assert_eq!(map.group(map.expert(0, 5)[0]), &[NodeId(1)]);
        assert_eq!(map.group(map.expert(57, 255)[0]), &[NodeId(63)]);
        let shared = map.shared(3);
        assert_eq!(shared.len(), 8);
        assert_eq!(
            map.group(shared[1]),
            (8..16).map(NodeId).collect::<Vec<_>>()
        );
    }

    #[test]
    fn bad_group_sizes() {
        let m = ModelSpec::preset("deepseek-v3").unwrap();
        let p = EpContiguous {
            attention_tp: 3,
            ..EpContiguous::default()
        };
        let e = p.place(&ctx(&m, 64)).unwrap_err().to_string();
        assert!(e.contains("key `placement.attention_tp`"), "{e}");
        let mix = ModelSpec::preset("mixtral-8x7b").unwrap();
        let p = EpContiguous {
            attention_tp: 4,
            ..EpContiguous::default()
        };
        let map = p.place(&ctx(&mix, 32)).unwrap();
        assert_eq!(map.group(map.expert(0, 1)[0]).len(), 4);
        let e = p.place(&ctx(&mix, 12)).unwrap_err().to_string();
        assert!(e.contains("key `placement.kind`"), "{e}");
    }
}
