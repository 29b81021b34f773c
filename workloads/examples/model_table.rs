//! Prints the embedded model presets as the markdown table of docs/workloads.md:
//!
//! ```sh
//! cargo run --release -p moesim-workloads --example model_table
//! ```
//!
//! Per model: hidden size, layers (dense + MoE), attention, routed experts, top-k, shared
//! experts, expert width, group limit, parameters (total and active per token), the BF16 bytes
//! of one expert and of one MoE layer, the KV cache per token and layer, and the routed-expert
//! FLOPs of one token in one MoE layer.

use moesim_workloads::model::{AttentionKind, PRESET_NAMES};
use moesim_workloads::ops::{TpShare, attention_model};
use moesim_workloads::{LayerKind, ModelSpec, Precision};

fn main() -> moesim_core::Result<()> {
    let p = Precision::default();
    println!(
        "| model | hidden | layers (dense + MoE) | attention | experts | top-k | shared | expert width | groups | params total / active (B) | expert MB | MoE layer GB | KV B/token/layer | routed GFLOP/token/layer |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for name in PRESET_NAMES {
        let m = ModelSpec::preset(name)?;
        let c = m.params();
        let moe_layer = (0..m.num_layers())
            .find(|&l| matches!(m.layer_kind(l), LayerKind::Moe { .. }))
            .unwrap_or(0);
        let attn = match m.attention.kind {
            AttentionKind::Mha => format!("MHA {}", m.attention.num_heads),
            AttentionKind::Gqa => {
                format!("GQA {}/{}", m.attention.num_heads, m.attention.num_kv_heads)
            }
            AttentionKind::Mla => format!("MLA {}", m.attention.num_heads),
        };
        let kv = attention_model(m.attention.kind).kv_elems_per_token(&m.attention, TpShare::FULL)
            * p.kv_bytes();
        let groups = m
            .group_limit()
            .map_or("-".to_string(), |(g, k)| format!("{k} of {g}"));
        let shared = if m.has_shared_experts() {
            format!(
                "{} ({})",
                m.moe.num_shared_experts, m.moe.shared_expert_intermediate_size
            )
        } else {
            "-".into()
        };
        let dense = m.num_layers() - m.num_moe_layers();
        println!(
            "| {name} | {} | {} ({dense} + {}) | {attn} | {} | {} | {shared} | {} | {groups} | {:.1} / {:.1} | {:.1} | {:.2} | {kv} | {:.3} |",
            m.hidden(),
            m.num_layers(),
            m.num_moe_layers(),
            m.num_experts(),
            m.top_k(),
            m.moe.expert_intermediate_size,
            c.total as f64 / 1e9,
            c.active_per_token as f64 / 1e9,
            m.expert_weight_bytes(&p) as f64 / 1e6,
            m.layer_weight_bytes(moe_layer, &p) as f64 / 1e9,
            m.routed_flops_per_token() as f64 / 1e9,
        );
    }
    Ok(())
}
