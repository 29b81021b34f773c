//! Attention cost models, one per file behind [`AttentionModel`]: [`gqa`] (MHA and GQA) and
//! [`mla`] (DeepSeek's multi-head latent attention), chosen by the model's `attention.kind`.
//!
//! Tensor parallelism splits the heads: a shard of `tp` holds `num_heads / tp` query heads and
//! `max(1, num_kv_heads / tp)` KV heads (KV heads are replicated when `tp > num_kv_heads`).

pub mod gqa;
pub mod mla;

use super::Cost;
use crate::batch::{Batch, SeqGroup};
use crate::dtype::Precision;
use crate::model::{AttentionKind, AttentionSpec};

/// The share of one tensor-parallel shard: `tp` shards split the heads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TpShare {
    pub tp: u32,
}

impl TpShare {
    /// The whole layer on one shard.
    pub const FULL: TpShare = TpShare { tp: 1 };

    /// Query heads on one shard.
    pub fn heads(self, spec: &AttentionSpec) -> u64 {
        (spec.num_heads / self.tp.max(1)) as u64
    }
    /// KV heads on one shard (replicated when there are fewer KV heads than shards).
    pub fn kv_heads(self, spec: &AttentionSpec) -> u64 {
        (spec.num_kv_heads / self.tp.max(1)).max(1) as u64
    }
}

/// Query-key pairs of a causal attention over `new` tokens after `context` cached ones.
pub const fn causal_pairs(new_tokens: u64, context_tokens: u64) -> u64 {
    new_tokens * context_tokens + new_tokens * (new_tokens + 1) / 2
}

/// The cost model of one attention family.
pub trait AttentionModel: Sync {
    /// Weight elements of one layer's attention held by one shard.
    fn weight_elems(&self, spec: &AttentionSpec, hidden: u64, share: TpShare) -> u64;
    /// KV-cache elements per token per layer held by one shard.
    fn kv_elems_per_token(&self, spec: &AttentionSpec, share: TpShare) -> u64;
    /// FLOPs of one layer's attention (projections, scores, context) for one group of
    /// sequences, on one shard.
    fn group_flops(
        &self,
        spec: &AttentionSpec,
        hidden: u64,
        group: &SeqGroup,
        share: TpShare,
    ) -> u64;
}

/// The cost model of `kind`.
pub fn attention_model(kind: AttentionKind) -> &'static dyn AttentionModel {
    match kind {
        AttentionKind::Mha | AttentionKind::Gqa => &gqa::GqaAttention,
        AttentionKind::Mla => &mla::MlaAttention,
    }
}

/// The cost of one layer's attention for `batch` on one shard: FLOPs of every group, the
/// weights once, the KV cache of every context token read and of every new token written, the
/// hidden states in and out.
pub fn attention_cost(
    spec: &AttentionSpec,
    hidden: u64,
    batch: &Batch,
    share: TpShare,
    precision: &Precision,
) -> Cost {
    let model = attention_model(spec.kind);
    let kv_elems = model.kv_elems_per_token(spec, share);
    let mut cost = Cost {
        weight_bytes: model.weight_elems(spec, hidden, share) * precision.weight_bytes(),
        ..Cost::default()
    };
    for g in batch.groups() {
        let seqs = g.num_seqs as u64;
        cost.flops += model.group_flops(spec, hidden, g, share);
        cost.kv_read_bytes += seqs * g.context_tokens * kv_elems * precision.kv_bytes();
        cost.kv_write_bytes += seqs * g.new_tokens * kv_elems * precision.kv_bytes();
    }
    let tokens = batch.num_tokens();
    cost.act_read_bytes = tokens * hidden * precision.act_bytes();
    cost.act_write_bytes = tokens * hidden * precision.act_bytes();
    cost
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causal_pair_counts() {
        // decode: the new token sees the context and itself
        assert_eq!(causal_pairs(1, 1024), 1025);
        // prefill of 4 tokens: 1 + 2 + 3 + 4
        assert_eq!(causal_pairs(4, 0), 10);
        // chunk of 2 after 3 cached: 2*3 + 1 + 2
        assert_eq!(causal_pairs(2, 3), 9);
    }
}
