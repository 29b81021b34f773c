//! Conservation of dispatched bytes and tokens, for random models, batches, types and shardings.

use moesim_workloads::dtype::ALL_DTYPES;
use moesim_workloads::flows::{FlowKind, PostAttention};
use moesim_workloads::model::PRESET_NAMES;
use moesim_workloads::{
    Batch, ModelSpec, Parallelism, Precision, RoutingConfig, StepBuilder, build_routing,
};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn dispatch_bytes_are_tokens_times_top_k_times_hidden_times_dtype(
        model_i in 0..PRESET_NAMES.len(),
        decode in 1u32..48,
        prefill in 0u32..3,
        seq in 1u64..24,
        dtype_i in 0..ALL_DTYPES.len(),
        tp_pow in 0u32..3,
        dp in 1u32..4,
        rs in any::<bool>(),
        seed in any::<u64>(),
        uniform in any::<bool>(),
    ) {
        let m = ModelSpec::preset(PRESET_NAMES[model_i]).unwrap();
        let dtype = ALL_DTYPES[dtype_i];
        let tp = 1u32 << tp_pow;
        prop_assume!(m.attention.num_heads.is_multiple_of(tp));
        let par = Parallelism {
            attention_tp: tp,
            attention_dp: dp,
            post_attention: if rs { PostAttention::ReduceScatter } else { PostAttention::AllReduce },
        };
        prop_assume!(par.validate(&m, "p").is_ok());
        let batch = Batch::mixed(decode, 100, prefill, seq);
        let tokens = batch.num_tokens();
        let cfg = if uniform { RoutingConfig::Uniform(Default::default()) } else { RoutingConfig::default() };
        let src = build_routing(&cfg, &m, seed, "p").unwrap();
        let b = StepBuilder::new(&m, Precision::uniform(dtype), par, "p").unwrap();
        let w = b.build(seed % 1000, &batch, src.as_ref()).unwrap();
        let token_bytes = m.hidden() * dtype.bytes();
        let per_layer = tokens * m.top_k() as u64 * token_bytes;
        for l in w.layers.iter().filter(|l| l.summary.kind == "moe") {
            prop_assert_eq!(l.summary.dispatch_bytes, per_layer);
            prop_assert_eq!(l.summary.combine_bytes, per_layer);
            let routed: u64 = l.summary.expert_tokens.iter().map(|&t| t as u64).sum();
            prop_assert_eq!(routed, tokens * m.top_k() as u64);
            let flow_tokens: u64 = l.flows.iter()
                .filter(|f| f.kind == FlowKind::Dispatch)
                .map(|f| f.tokens as u64)
                .sum();
            prop_assert_eq!(flow_tokens, routed);
            let shared = if m.has_shared_experts() { 2 * tokens * token_bytes } else { 0 };
            prop_assert_eq!(l.summary.shared_bytes, shared);
            // every attention shard of the step is a dispatch source of its own tokens only
            for f in l.flows.iter().filter(|f| f.kind == FlowKind::Dispatch) {
                let moesim_workloads::Endpoint::AttentionShard(s) = f.src else {
                    return Err(TestCaseError::fail("dispatch from a non-attention endpoint"));
                };
                prop_assert!(s < par.num_shards());
            }
        }
        prop_assert_eq!(w.totals.dispatch_bytes, per_layer * m.num_moe_layers() as u64);
        // attention work is split evenly across the shards of a group
        let attn_tokens: u64 = w.layers[0].ops.iter()
            .filter(|o| o.kind == moesim_workloads::flows::OpKind::Attention)
            .map(|o| o.tokens)
            .sum();
        prop_assert_eq!(attn_tokens, tokens * tp as u64);
    }
}
