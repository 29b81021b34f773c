//! `kind = "dp_attention"`: data-parallel attention with expert parallelism (DeepSeek-V3's
//! decode deployment). Every device holds a whole attention replica and serves its own
//! sequences (`attention_tp = 1`, `attention_dp = D`); routed experts sit in contiguous blocks
//! (see [`crate::blocks`]); the shared experts are replicated on every device, so a token's
//! shared-expert work stays where the token is.

use crate::blocks::contiguous_blocks;
use crate::context::PlacementContext;
use crate::devices;
use crate::map::{GroupTable, PlacementMap};
use crate::placement::Placement;
use moesim_core::Result;
use moesim_workloads::Parallelism;
use moesim_workloads::flows::PostAttention;
use serde::{Deserialize, Serialize};

/// The data-parallel-attention, expert-parallel placement.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DpAttention {
    /// The devices to use, in order (default: every live device).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub devices: Option<Vec<u32>>,
}

impl Placement for DpAttention {
    fn kind(&self) -> &'static str {
        "dp_attention"
    }

    fn place(&self, ctx: &PlacementContext) -> Result<PlacementMap> {
        let devs = devices::select(ctx, self.devices.as_deref())?;
        let parallelism = Parallelism {
            attention_tp: 1,
            attention_dp: devs.len() as u32,
            post_attention: PostAttention::AllReduce,
        };
        let m = ctx.model;
        let mut t = GroupTable::default();
        let experts: Vec<Vec<u32>> =
            contiguous_blocks(m.num_experts(), &devs, &ctx.origin, "placement.kind")?
                .into_iter()
                .map(|g| vec![t.intern(g)])
                .collect();
        let shared: Vec<u32> = if m.has_shared_experts() {
            devs.iter().map(|&d| t.intern(vec![d])).collect()
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
    fn replicated_attention_and_shared_experts() {
        let m = ModelSpec::preset("deepseek-v3").unwrap();
        let map = DpAttention {
            devices: Some((0..16).collect()),
        }
        .place(&ctx(&m, 64))
        .unwrap();
        assert_eq!(map.parallelism.attention_dp, 16);
        assert_eq!(map.attention.len(), 16);
        assert_eq!(map.group(map.expert(2, 17)[0]), &[NodeId(1)]);
        assert_eq!(map.shared(0).len(), 16);
        assert_eq!(map.group(map.shared(0)[15]), &[NodeId(15)]);
    }
}
