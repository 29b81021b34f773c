//! Multi-head latent attention (DeepSeek-V2/V3).
//!
//! Dimensions: query compression rank `rq` (0 = none), KV latent rank `rkv`, per-head widths
//! `dn` (no RoPE), `dr` (RoPE), `dv` (value); `hq` heads on the shard; `T` new tokens; `P` causal
//! query-key pairs; `L` = context + new tokens of a sequence.
//!
//! - Query: `2 T h rq + 2 T rq hq (dn+dr)` (or `2 T h hq (dn+dr)` when `rq = 0`).
//! - KV down-projection to the latent and the shared RoPE key: `2 T h (rkv + dr)`.
//! - Prefill (the usual "naive" form): the latent of all `L` tokens is expanded to keys and
//!   values, `2 L rkv hq (dn + dv)`; scores `2 P hq (dn+dr)`; context `2 P hq dv`.
//! - Decode (the "absorbed" form): the query is moved into latent space, `2 T hq dn rkv`; scores
//!   over the latent and RoPE key, `2 P hq (rkv+dr)`; context in latent space `2 P hq rkv`; value
//!   expansion `2 T hq rkv dv`.
//! - Output projection: `2 T hq dv h`.
//! - KV cache: `rkv + dr` elements per token per layer (576 for DeepSeek-V2/V3), the same on
//!   every tensor-parallel shard (the latent is shared by all heads, so TP replicates it).
//! - Under TP the down-projections (`W_dq`, `W_dkv`) are replicated, the head-wise parts split.

use super::{AttentionModel, TpShare, causal_pairs};
use crate::batch::{SeqGroup, SeqPhase};
use crate::model::{AttentionSpec, MlaDims};

/// MLA.
pub struct MlaAttention;

fn dims(spec: &AttentionSpec) -> MlaDims {
    // The checks guarantee the MLA fields for kind = "mla"; a spec built by hand without them
    // is costed as if the latent had no width.
    spec.mla().unwrap_or(MlaDims {
        q_lora_rank: 0,
        kv_lora_rank: 0,
        qk_nope_head_dim: spec.head_dim,
        qk_rope_head_dim: 0,
        v_head_dim: spec.head_dim,
    })
}

fn query_elems(d: &MlaDims, hidden: u64, hq: u64) -> u64 {
    let qk = d.qk_nope_head_dim + d.qk_rope_head_dim;
    if d.q_lora_rank == 0 {
        hidden * hq * qk
    } else {
        hidden * d.q_lora_rank + d.q_lora_rank * hq * qk
    }
}

impl AttentionModel for MlaAttention {
    fn weight_elems(&self, spec: &AttentionSpec, hidden: u64, share: TpShare) -> u64 {
        let d = dims(spec);
        let hq = share.heads(spec);
        query_elems(&d, hidden, hq)
            + hidden * (d.kv_lora_rank + d.qk_rope_head_dim)
            + d.kv_lora_rank * hq * (d.qk_nope_head_dim + d.v_head_dim)
            + hq * d.v_head_dim * hidden
    }

    fn kv_elems_per_token(&self, spec: &AttentionSpec, _share: TpShare) -> u64 {
        dims(spec).kv_cache_elems_per_token()
    }

    fn group_flops(
        &self,
        spec: &AttentionSpec,
        hidden: u64,
        group: &SeqGroup,
        share: TpShare,
    ) -> u64 {
        let d = dims(spec);
        let hq = share.heads(spec);
        let seqs = group.num_seqs as u64;
        let tokens = seqs * group.new_tokens;
        let pairs = seqs * causal_pairs(group.new_tokens, group.context_tokens);
        let q = 2 * tokens * query_elems(&d, hidden, hq);
        let kv_down = 2 * tokens * hidden * (d.kv_lora_rank + d.qk_rope_head_dim);
        let out = 2 * tokens * hq * d.v_head_dim * hidden;
        let core = match group.phase {
            SeqPhase::Prefill => {
                let all = seqs * (group.context_tokens + group.new_tokens);
                let expand = 2 * all * d.kv_lora_rank * hq * (d.qk_nope_head_dim + d.v_head_dim);
                let scores = 2 * pairs * hq * (d.qk_nope_head_dim + d.qk_rope_head_dim);
                let context = 2 * pairs * hq * d.v_head_dim;
                expand + scores + context
            }
            SeqPhase::Decode => {
                let absorb_q = 2 * tokens * hq * d.qk_nope_head_dim * d.kv_lora_rank;
                let scores = 2 * pairs * hq * (d.kv_lora_rank + d.qk_rope_head_dim);
                let context = 2 * pairs * hq * d.kv_lora_rank;
                let expand_v = 2 * tokens * hq * d.kv_lora_rank * d.v_head_dim;
                absorb_q + scores + context + expand_v
            }
        };
        q + kv_down + core + out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::Batch;
    use crate::dtype::Precision;
    use crate::model::ModelSpec;
    use crate::ops::attention_cost;

    #[test]
    fn deepseek_v3_attention_weights_per_layer() {
        // W_dq 7168x1536, W_uq 1536x128x192, W_dkv 7168x576, W_uk/W_uv 512x128x128, W_o 16384x7168
        let m = ModelSpec::preset("deepseek-v3").unwrap();
        let w = MlaAttention.weight_elems(&m.attention, 7168, TpShare::FULL);
        let expect =
            7168 * 1536 + 1536 * 128 * 192 + 7168 * 576 + 2 * 512 * 128 * 128 + 128 * 128 * 7168;
        assert_eq!(w, expect);
    }

    #[test]
    fn lite_has_no_query_compression() {
        let m = ModelSpec::preset("deepseek-v2-lite").unwrap();
        let w = MlaAttention.weight_elems(&m.attention, 2048, TpShare::FULL);
        let expect = 2048 * 16 * 192 + 2048 * 576 + 512 * 16 * (128 + 128) + 16 * 128 * 2048;
        assert_eq!(w, expect);
    }

    #[test]
    fn tp_replicates_the_latent_cache() {
        let m = ModelSpec::preset("deepseek-v3").unwrap();
        let b = Batch::decode(8, 4096);
        let p = Precision::default();
        let one = attention_cost(&m.attention, 7168, &b, TpShare::FULL, &p);
        let of8 = attention_cost(&m.attention, 7168, &b, TpShare { tp: 8 }, &p);
        assert_eq!(one.kv_read_bytes, of8.kv_read_bytes);
        assert!(of8.flops * 8 > one.flops, "replicated down-projections");
    }
}
