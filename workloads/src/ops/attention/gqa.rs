//! Multi-head and grouped-query attention.
//!
//! Per layer, for a shard with `hq` query heads and `hkv` KV heads of width `d`, `T` new tokens
//! and `P` causal query-key pairs:
//! - QKV projection: `2 T h (hq + 2 hkv) d`;
//! - scores `Q K^T` and context `P V`: `2 P hq d` each;
//! - output projection: `2 T hq d h`;
//! - weights: `h (hq + 2 hkv) d + hq d h` elements; KV cache: `2 hkv d` elements per token.

use super::{AttentionModel, TpShare, causal_pairs};
use crate::batch::SeqGroup;
use crate::model::AttentionSpec;

/// MHA / GQA.
pub struct GqaAttention;

impl AttentionModel for GqaAttention {
    fn weight_elems(&self, spec: &AttentionSpec, hidden: u64, share: TpShare) -> u64 {
        let (hq, hkv, d) = (share.heads(spec), share.kv_heads(spec), spec.head_dim);
        hidden * (hq + 2 * hkv) * d + hq * d * hidden
    }

    fn kv_elems_per_token(&self, spec: &AttentionSpec, share: TpShare) -> u64 {
        2 * share.kv_heads(spec) * spec.head_dim
    }

    fn group_flops(
        &self,
        spec: &AttentionSpec,
        hidden: u64,
        group: &SeqGroup,
        share: TpShare,
    ) -> u64 {
        let (hq, hkv, d) = (share.heads(spec), share.kv_heads(spec), spec.head_dim);
        let seqs = group.num_seqs as u64;
        let tokens = seqs * group.new_tokens;
        let pairs = seqs * causal_pairs(group.new_tokens, group.context_tokens);
        let qkv = 2 * tokens * hidden * (hq + 2 * hkv) * d;
        let scores = 2 * pairs * hq * d;
        let context = 2 * pairs * hq * d;
        let out = 2 * tokens * hq * d * hidden;
        qkv + scores + context + out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::Batch;
    use crate::dtype::{DType, Precision};
    use crate::model::ModelSpec;
    use crate::ops::attention_cost;

    #[test]
    fn mixtral_decode_by_hand() {
        let m = ModelSpec::preset("mixtral-8x7b").unwrap();
        let (h, d) = (4096u64, 128u64);
        let b = Batch::decode(4, 1000);
        let c = attention_cost(&m.attention, h, &b, TpShare::FULL, &Precision::default());
        let pairs = 4 * 1001;
        let expect = 2 * 4 * h * (32 + 16) * d + 4 * pairs * 32 * d + 2 * 4 * 32 * d * h;
        assert_eq!(c.flops, expect);
        assert_eq!(c.kv_read_bytes, 4 * 1000 * 2 * 8 * 128 * 2);
        assert_eq!(c.kv_write_bytes, 4 * 2 * 8 * 128 * 2);
        assert_eq!(c.weight_bytes, (h * 48 * d + 32 * d * h) * 2);
    }

    #[test]
    fn tp_splits_heads_and_replicates_kv() {
        let m = ModelSpec::preset("mixtral-8x7b").unwrap();
        let b = Batch::prefill(2, 64);
        let p = Precision::uniform(DType::Fp32);
        let full = attention_cost(&m.attention, 4096, &b, TpShare::FULL, &p);
        let half = attention_cost(&m.attention, 4096, &b, TpShare { tp: 2 }, &p);
        assert_eq!(half.flops * 2, full.flops);
        assert_eq!(half.kv_write_bytes * 2, full.kv_write_bytes);
        // 16 shards of 8 KV heads: each shard keeps one KV head
        let s16 = GqaAttention.kv_elems_per_token(&m.attention, TpShare { tp: 16 });
        assert_eq!(s16, 2 * 128);
    }
}
