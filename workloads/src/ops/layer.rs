//! Per-layer closed forms of a model for a batch: attention, router, routed experts, shared
//! experts, dense FFN; and the per-token figures the tests check against the literature.

use super::ffn::{ffn_cost, router_cost};
use super::{Cost, TpShare, attention_cost};
use crate::batch::Batch;
use crate::dtype::Precision;
use crate::model::{LayerKind, ModelSpec};
use serde::Serialize;

/// The costs of one layer for one batch, unsharded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LayerCosts {
    pub attention: Cost,
    pub router: Cost,
    /// All routed experts together.
    pub routed_experts: Cost,
    pub shared_experts: Cost,
    pub dense_ffn: Cost,
}

impl LayerCosts {
    /// Costs of model layer `layer` for `batch`. For an MoE layer `expert_tokens[e]` is the
    /// number of tokens routed to expert `e` (ignored for dense layers).
    pub fn compute(
        model: &ModelSpec,
        layer: u32,
        batch: &Batch,
        expert_tokens: &[u32],
        p: &Precision,
    ) -> LayerCosts {
        let h = model.hidden();
        let tokens = batch.num_tokens();
        let mut c = LayerCosts {
            attention: attention_cost(&model.attention, h, batch, TpShare::FULL, p),
            ..LayerCosts::default()
        };
        match model.layer_kind(layer) {
            LayerKind::Dense => {
                c.dense_ffn = ffn_cost(
                    tokens,
                    h,
                    model.moe.dense_intermediate_size,
                    model.ffn_act,
                    1,
                    p,
                );
            }
            LayerKind::Moe { .. } => {
                c.router = router_cost(tokens, h, model.num_experts() as u64, p);
                for &n in expert_tokens {
                    c.routed_experts += model.expert_cost(n as u64, p);
                }
                c.shared_experts = ffn_cost(
                    tokens,
                    h,
                    model.moe.shared_expert_intermediate_size,
                    model.ffn_act,
                    1,
                    p,
                );
            }
        }
        c
    }

    /// Routed plus shared experts.
    pub fn moe(&self) -> Cost {
        self.routed_experts + self.shared_experts
    }

    pub fn total(&self) -> Cost {
        self.attention + self.router + self.routed_experts + self.shared_experts + self.dense_ffn
    }
}

impl ModelSpec {
    /// One routed expert on `tokens` tokens.
    pub fn expert_cost(&self, tokens: u64, p: &Precision) -> Cost {
        ffn_cost(
            tokens,
            self.hidden(),
            self.moe.expert_intermediate_size,
            self.ffn_act,
            1,
            p,
        )
    }

    /// FLOPs of one routed expert for one token (`3 x 2 x hidden x intermediate` for SwiGLU).
    pub fn expert_flops_per_token(&self) -> u64 {
        self.ffn_act.num_matrices() * 2 * self.hidden() * self.moe.expert_intermediate_size
    }

    /// FLOPs of one token through an MoE layer's routed experts (`top_k` experts).
    pub fn routed_flops_per_token(&self) -> u64 {
        self.top_k() as u64 * self.expert_flops_per_token()
    }

    /// Weight bytes of one routed expert.
    pub fn expert_weight_bytes(&self, p: &Precision) -> u64 {
        self.params().expert * p.weight_bytes()
    }

    /// Weight bytes of model layer `layer` (attention, and router + all experts + shared
    /// experts, or the dense FFN).
    pub fn layer_weight_bytes(&self, layer: u32, p: &Precision) -> u64 {
        let c = self.params();
        let ffn = match self.layer_kind(layer) {
            LayerKind::Dense => c.dense_ffn,
            LayerKind::Moe { .. } => {
                c.router + self.num_experts() as u64 * c.expert + c.shared_experts
            }
        };
        (c.attention + ffn) * p.weight_bytes()
    }

    /// The cost of `tokens` tokens' activations (hidden x activation bytes each), the payload of
    /// one MoE dispatch or combine per token and expert.
    pub fn token_bytes(&self, p: &Precision) -> u64 {
        self.hidden() * p.act_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dtype::DType;

    #[test]
    fn dense_and_moe_layers() {
        let m = ModelSpec::preset("deepseek-v3").unwrap();
        let b = Batch::decode(16, 512);
        let p = Precision::default();
        let mut counts = vec![0u32; 256];
        for (i, c) in counts.iter_mut().enumerate().take(128) {
            *c = (i % 2) as u32 + 1;
        }
        let dense = LayerCosts::compute(&m, 0, &b, &counts, &p);
        assert_eq!(dense.router, Cost::default());
        assert_eq!(dense.dense_ffn.flops, 3 * 2 * 16 * 7168 * 18432);
        let moe = LayerCosts::compute(&m, 3, &b, &counts, &p);
        let routed: u64 = counts.iter().map(|&c| c as u64).sum();
        assert_eq!(
            moe.routed_experts.flops,
            routed * m.expert_flops_per_token()
        );
        assert_eq!(
            moe.routed_experts.weight_bytes,
            128 * m.expert_weight_bytes(&p)
        );
        assert_eq!(moe.shared_experts.flops, 3 * 2 * 16 * 7168 * 2048);
        assert_eq!(moe.router.flops, 2 * 16 * 7168 * 256);
        assert_eq!(m.token_bytes(&Precision::uniform(DType::Fp8)), 7168);
    }
}
