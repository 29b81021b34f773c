//! Parameter counts (weight elements) of a model: per component, total, and active per token.
//! Norms and biases are not counted.

use super::{LayerKind, ModelSpec};
use crate::ops::{TpShare, attention_model};
use serde::Serialize;

/// Weight elements of a model's components.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ParamCounts {
    /// One layer's attention.
    pub attention: u64,
    /// One MoE layer's router.
    pub router: u64,
    /// One routed expert.
    pub expert: u64,
    /// All shared experts of one MoE layer.
    pub shared_experts: u64,
    /// One dense layer's FFN.
    pub dense_ffn: u64,
    pub embedding: u64,
    /// 0 when tied to the embedding.
    pub lm_head: u64,
    /// Every weight of the model.
    pub total: u64,
    /// Weights one token uses: all attention, dense FFNs, shared experts, `top_k` experts per
    /// MoE layer, routers, embedding and LM head.
    pub active_per_token: u64,
}

impl ModelSpec {
    /// The parameter counts.
    pub fn params(&self) -> ParamCounts {
        let h = self.hidden();
        let m = self.ffn_act.num_matrices();
        let attention =
            attention_model(self.attention.kind).weight_elems(&self.attention, h, TpShare::FULL);
        let router = h * self.num_experts() as u64;
        let expert = m * h * self.moe.expert_intermediate_size;
        let shared_experts = m * h * self.moe.shared_expert_intermediate_size;
        let dense_ffn = m * h * self.moe.dense_intermediate_size;
        let embedding = self.arch.vocab_size * h;
        let lm_head = if self.arch.tie_word_embeddings {
            0
        } else {
            embedding
        };
        let (mut total, mut active) = (embedding + lm_head, embedding + lm_head);
        for l in 0..self.num_layers() {
            match self.layer_kind(l) {
                LayerKind::Dense => {
                    total += attention + dense_ffn;
                    active += attention + dense_ffn;
                }
                LayerKind::Moe { .. } => {
                    let common = attention + router + shared_experts;
                    total += common + self.num_experts() as u64 * expert;
                    active += common + self.top_k() as u64 * expert;
                }
            }
        }
        ParamCounts {
            attention,
            router,
            expert,
            shared_experts,
            dense_ffn,
            embedding,
            lm_head,
            total,
            active_per_token: active,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(name: &str, got: u64, published_b: f64, tol: f64) {
        let g = got as f64 / 1e9;
        assert!(
            (g - published_b).abs() <= tol * published_b,
            "{name}: {g:.2}B vs published {published_b}B"
        );
    }

    #[test]
    fn totals_match_the_published_sizes() {
        // (model, total B, active B, whether the vendor counts the embedding as active) as
        // published by the vendors (the `notes` of each file). DeepSeek leaves the embedding
        // table out of its activated parameters, Mistral, Qwen, AllenAI and Databricks count it.
        let cases = [
            ("mixtral-8x7b", 46.7, 12.9, true),
            ("deepseek-v3", 671.0, 37.0, false),
            ("deepseek-v2", 236.0, 21.0, false),
            ("deepseek-v2-lite", 15.7, 2.4, false),
            ("qwen3-235b-a22b", 235.0, 22.0, true),
            ("qwen3-30b-a3b", 30.5, 3.3, true),
            ("qwen2-57b-a14b", 57.0, 14.0, true),
            ("olmoe-1b-7b", 6.9, 1.3, true),
            ("dbrx", 132.0, 36.0, true),
        ];
        for (name, total, active, with_embedding) in cases {
            let p = ModelSpec::preset(name).unwrap().params();
            close(name, p.total, total, 0.02);
            let a = p.active_per_token - if with_embedding { 0 } else { p.embedding };
            close(name, a, active, 0.03);
        }
    }
}
