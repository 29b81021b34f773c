//! Feed-forward operators: routed and shared experts, dense FFNs, the router, the embedding and
//! the LM head.
//!
//! An FFN of inner width `I` on `T` tokens costs `m x 2 T h I` FLOPs with `m` = 3 matrices for
//! SwiGLU (gate, up, down) and 2 for ReLU; its weights are `m h I` elements, read only when at
//! least one token uses it.

use super::Cost;
use crate::dtype::Precision;
use crate::model::FfnAct;

/// One FFN of inner width `intermediate` (or a `1/split` slice of it) on `tokens` tokens.
pub fn ffn_cost(
    tokens: u64,
    hidden: u64,
    intermediate: u64,
    act: FfnAct,
    split: u64,
    p: &Precision,
) -> Cost {
    if tokens == 0 || intermediate == 0 {
        return Cost::default();
    }
    let inner = intermediate / split.max(1);
    let m = act.num_matrices();
    Cost {
        flops: m * 2 * tokens * hidden * inner,
        weight_bytes: m * hidden * inner * p.weight_bytes(),
        act_read_bytes: tokens * hidden * p.act_bytes(),
        act_write_bytes: tokens * hidden * p.act_bytes(),
        ..Cost::default()
    }
}

/// The router (gate) of an MoE layer: a `hidden x experts` product per token.
pub fn router_cost(tokens: u64, hidden: u64, experts: u64, p: &Precision) -> Cost {
    if tokens == 0 {
        return Cost::default();
    }
    Cost {
        flops: 2 * tokens * hidden * experts,
        weight_bytes: hidden * experts * p.weight_bytes(),
        act_read_bytes: tokens * hidden * p.act_bytes(),
        ..Cost::default()
    }
}

/// The embedding lookup: one row of `hidden` weights read per token (vocabulary split over
/// `split` shards: each reads the rows it holds, on average `1/split` of them).
pub fn embedding_cost(tokens: u64, hidden: u64, split: u64, p: &Precision) -> Cost {
    let rows = tokens.div_ceil(split.max(1));
    Cost {
        weight_bytes: rows * hidden * p.weight_bytes(),
        act_write_bytes: tokens * hidden * p.act_bytes(),
        ..Cost::default()
    }
}

/// The LM head on `out_tokens` tokens with `1/split` of the vocabulary.
pub fn lm_head_cost(out_tokens: u64, hidden: u64, vocab: u64, split: u64, p: &Precision) -> Cost {
    let v = vocab.div_ceil(split.max(1));
    Cost {
        flops: 2 * out_tokens * hidden * v,
        weight_bytes: hidden * v * p.weight_bytes(),
        act_read_bytes: out_tokens * hidden * p.act_bytes(),
        act_write_bytes: out_tokens * v * p.act_bytes(),
        ..Cost::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dtype::DType;

    #[test]
    fn swiglu_and_relu() {
        let p = Precision::uniform(DType::Bf16);
        let s = ffn_cost(3, 4096, 14336, FfnAct::Swiglu, 1, &p);
        assert_eq!(s.flops, 3 * 3 * 2 * 4096 * 14336);
        assert_eq!(s.weight_bytes, 3 * 4096 * 14336 * 2);
        let r = ffn_cost(3, 768, 3072, FfnAct::Relu, 1, &p);
        assert_eq!(r.flops, 3 * 2 * 2 * 768 * 3072);
        assert_eq!(ffn_cost(0, 768, 3072, FfnAct::Relu, 1, &p), Cost::default());
        let half = ffn_cost(3, 4096, 14336, FfnAct::Swiglu, 2, &p);
        assert_eq!(half.flops * 2, s.flops);
    }

    #[test]
    fn router_embedding_head() {
        let p = Precision::uniform(DType::Fp32);
        assert_eq!(router_cost(5, 4096, 8, &p).flops, 2 * 5 * 4096 * 8);
        assert_eq!(embedding_cost(5, 4096, 1, &p).weight_bytes, 5 * 4096 * 4);
        assert_eq!(
            lm_head_cost(5, 4096, 32000, 1, &p).flops,
            2 * 5 * 4096 * 32000
        );
    }
}
