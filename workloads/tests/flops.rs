//! Closed-form FLOP and byte counts against the published model configurations.

use moesim_workloads::ops::{TpShare, attention_cost};
use moesim_workloads::routing::RoutingShape;
use moesim_workloads::routing::uniform::UniformRouting;
use moesim_workloads::{
    Batch, DType, LayerKind, ModelSpec, Parallelism, Precision, RoutingConfig, StepBuilder,
    StepRouting, build_routing,
};

#[test]
fn mixtral_moe_flops_per_token() {
    // top_k x 3 matrices x 2 FLOPs x hidden x expert_intermediate
    let m = ModelSpec::preset("mixtral-8x7b").unwrap();
    let per_token: u64 = 2 * 3 * 2 * 4096 * 14336;
    assert_eq!(per_token, 704_643_072);
    assert_eq!(m.routed_flops_per_token(), per_token);
    // and through a whole step: 37 tokens, every MoE layer
    let b = StepBuilder::new(&m, Precision::default(), Parallelism::default(), "t").unwrap();
    let src = build_routing(&RoutingConfig::default(), &m, 3, "t").unwrap();
    let w = b.build(0, &Batch::decode(37, 100), src.as_ref()).unwrap();
    for l in &w.layers {
        assert_eq!(l.summary.moe_flops, 37 * per_token, "layer {}", l.layer);
    }
    assert_eq!(w.totals.moe_flops, 32 * 37 * per_token);
}

#[test]
fn deepseek_v3_mla_decode_kv_bytes() {
    // KV cache per token per layer = kv_lora_rank + qk_rope_head_dim values (512 + 64)
    let m = ModelSpec::preset("deepseek-v3").unwrap();
    let d = m.attention.mla().unwrap();
    let (batch, context) = (32u64, 4096u64);
    for dtype in [DType::Bf16, DType::Fp8] {
        let p = Precision::uniform(dtype);
        let c = attention_cost(
            &m.attention,
            m.hidden(),
            &Batch::decode(batch as u32, context),
            TpShare::FULL,
            &p,
        );
        let per_layer = batch * context * (d.kv_lora_rank + d.qk_rope_head_dim) * dtype.bytes();
        assert_eq!(c.kv_read_bytes, per_layer);
        assert_eq!(per_layer, batch * context * 576 * dtype.bytes());
        assert_eq!(c.kv_write_bytes, batch * 576 * dtype.bytes());
    }
    // the same through a step: every one of the 61 layers reads its cache
    let b = StepBuilder::new(&m, Precision::default(), Parallelism::default(), "t").unwrap();
    let src = UniformRouting::new(RoutingShape::of(&m), 1);
    let w = b.build(0, &Batch::decode(32, 4096), &src).unwrap();
    let kv: u64 = w
        .layers
        .iter()
        .flat_map(|l| &l.ops)
        .map(|o| o.cost.kv_read_bytes)
        .sum();
    assert_eq!(kv, 61 * 32 * 4096 * 576 * 2);
}

#[test]
fn gqa_kv_bytes_and_prefill_quadratic_term() {
    let m = ModelSpec::preset("qwen3-235b-a22b").unwrap();
    let p = Precision::default();
    let dec = attention_cost(
        &m.attention,
        4096,
        &Batch::decode(1, 1000),
        TpShare::FULL,
        &p,
    );
    assert_eq!(dec.kv_read_bytes, 1000 * 2 * 4 * 128 * 2);
    // scores and context grow with the square of the prompt
    let f = |s| attention_cost(&m.attention, 4096, &Batch::prefill(1, s), TpShare::FULL, &p).flops;
    let (a, b) = (f(1024), f(2048));
    let lin = |s: u64| 2 * s * 4096 * (64 + 8) * 128 + 2 * s * 64 * 128 * 4096;
    assert_eq!(b - lin(2048), 4 * 64 * 128 * (2048 * 2049 / 2));
    assert_eq!(a - lin(1024), 4 * 64 * 128 * (1024 * 1025 / 2));
}

#[test]
fn every_token_gets_top_k_distinct_experts() {
    for name in moesim_workloads::model::PRESET_NAMES {
        let m = ModelSpec::preset(name).unwrap();
        for cfg in [
            RoutingConfig::default(),
            RoutingConfig::Uniform(Default::default()),
        ] {
            let src = build_routing(&cfg, &m, 9, "t").unwrap();
            let mut r = StepRouting::default();
            src.route_step(2, &Batch::mixed(24, 50, 2, 20), &mut r)
                .unwrap();
            assert_eq!(r.num_layers(), m.num_moe_layers());
            assert_eq!(r.num_tokens(), 64);
            let k = m.top_k() as usize;
            for l in 0..r.num_layers() {
                for set in r.layer(l).tokens() {
                    let mut s = set.to_vec();
                    s.sort_unstable();
                    s.dedup();
                    assert_eq!(s.len(), k, "{name} {set:?}");
                    assert!(s.iter().all(|&e| e < m.num_experts()), "{name}");
                }
            }
        }
    }
}

#[test]
fn deepseek_v3_group_limited_routing() {
    // top-4 of 8 groups of 32 experts, then top-8 experts within them
    let m = ModelSpec::preset("deepseek-v3").unwrap();
    let src = build_routing(&RoutingConfig::default(), &m, 4, "t").unwrap();
    let mut r = StepRouting::default();
    src.route_step(0, &Batch::decode(256, 10), &mut r).unwrap();
    let g = src.shape().groups.unwrap();
    let mut used = [0usize; 9];
    for l in 0..r.num_layers() {
        for set in r.layer(l).tokens() {
            used[g.groups_used(set)] += 1;
        }
    }
    assert_eq!(used[5..].iter().sum::<usize>(), 0, "{used:?}");
    assert!(used[4] > 0, "the limit binds: {used:?}");
}

#[test]
fn dense_layers_are_costed_as_dense() {
    let m = ModelSpec::preset("llama-4-maverick").unwrap();
    let b = StepBuilder::new(&m, Precision::default(), Parallelism::default(), "t").unwrap();
    let src = build_routing(&RoutingConfig::default(), &m, 1, "t").unwrap();
    let w = b.build(0, &Batch::decode(8, 64), src.as_ref()).unwrap();
    for l in &w.layers {
        match l.kind {
            LayerKind::Dense => {
                assert_eq!(l.summary.dense_ffn_flops, 3 * 2 * 8 * 5120 * 16384);
                assert_eq!(l.summary.dispatch_bytes, 0);
            }
            LayerKind::Moe { .. } => {
                // one routed and one shared expert of 8192
                assert_eq!(l.summary.moe_flops, 2 * 3 * 2 * 8 * 5120 * 8192);
            }
        }
    }
}

#[test]
fn same_seed_same_step_bit_for_bit() {
    let m = ModelSpec::preset("qwen3-30b-a3b").unwrap();
    let b = StepBuilder::new(&m, Precision::default(), Parallelism::default(), "t").unwrap();
    let batch = Batch::decode(64, 512);
    let run = |seed| {
        let src = build_routing(&RoutingConfig::default(), &m, seed, "t").unwrap();
        b.build(7, &batch, src.as_ref()).unwrap()
    };
    let (a, c, d) = (run(5), run(5), run(6));
    assert_eq!(a.routing, c.routing);
    assert_eq!(a.layers, c.layers);
    assert_ne!(a.routing, d.routing);
}
