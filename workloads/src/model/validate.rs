//! Consistency checks of a parsed [`ModelSpec`]: every error names the file and the key.

use super::{AttentionKind, ModelSpec};
use moesim_core::{Error, Result};

fn err(origin: &str, key: &str, msg: impl Into<String>, allowed: impl Into<String>) -> Error {
    Error::config(origin, key, msg).allowed(allowed)
}

fn positive(origin: &str, key: &str, v: u64) -> Result<()> {
    if v == 0 {
        return Err(err(origin, key, "must not be 0", "a positive integer"));
    }
    Ok(())
}

impl ModelSpec {
    /// Checks the spec; `origin` names the file in errors.
    pub fn validate(&self, origin: &str) -> Result<()> {
        self.validate_arch(origin)?;
        self.validate_attention(origin)?;
        self.validate_moe(origin)
    }

    fn validate_arch(&self, origin: &str) -> Result<()> {
        let a = &self.arch;
        positive(origin, "arch.hidden_size", a.hidden_size)?;
        positive(origin, "arch.num_layers", a.num_layers as u64)?;
        positive(origin, "arch.vocab_size", a.vocab_size)?;
        match (a.num_encoder_layers, a.num_decoder_layers) {
            (None, None) => Ok(()),
            (Some(e), Some(d)) if e + d == a.num_layers => Ok(()),
            (Some(e), Some(d)) => Err(err(
                origin,
                "arch.num_encoder_layers",
                format!(
                    "{e} encoder + {d} decoder layers != num_layers {}",
                    a.num_layers
                ),
                "encoder and decoder layers summing to num_layers",
            )),
            _ => Err(err(
                origin,
                "arch.num_decoder_layers",
                "num_encoder_layers and num_decoder_layers must be given together",
                "both or neither",
            )),
        }
    }

    fn validate_attention(&self, origin: &str) -> Result<()> {
        let at = &self.attention;
        positive(origin, "attention.num_heads", at.num_heads as u64)?;
        positive(origin, "attention.num_kv_heads", at.num_kv_heads as u64)?;
        positive(origin, "attention.head_dim", at.head_dim)?;
        if !at.num_heads.is_multiple_of(at.num_kv_heads) {
            return Err(err(
                origin,
                "attention.num_kv_heads",
                format!(
                    "{} does not divide num_heads {}",
                    at.num_kv_heads, at.num_heads
                ),
                "a divisor of num_heads",
            ));
        }
        if at.kind == AttentionKind::Mha && at.num_kv_heads != at.num_heads {
            return Err(err(
                origin,
                "attention.num_kv_heads",
                format!(
                    "kind = \"mha\" needs num_kv_heads = num_heads ({}), got {}",
                    at.num_heads, at.num_kv_heads
                ),
                format!("{} (or kind = \"gqa\")", at.num_heads),
            ));
        }
        let mla_fields = [
            ("attention.q_lora_rank", at.q_lora_rank),
            ("attention.kv_lora_rank", at.kv_lora_rank),
            ("attention.qk_nope_head_dim", at.qk_nope_head_dim),
            ("attention.qk_rope_head_dim", at.qk_rope_head_dim),
            ("attention.v_head_dim", at.v_head_dim),
        ];
        for (key, v) in mla_fields {
            match (at.kind == AttentionKind::Mla, v) {
                (true, None) => {
                    return Err(err(
                        origin,
                        key,
                        "missing: kind = \"mla\" needs every MLA field",
                        "an integer (q_lora_rank 0 = no query compression)",
                    ));
                }
                (false, Some(_)) => {
                    return Err(err(
                        origin,
                        key,
                        format!("is an MLA field but kind = {:?}", at.kind).to_lowercase(),
                        "MLA fields only with kind = \"mla\"",
                    ));
                }
                _ => {}
            }
        }
        if let Some(d) = at.mla() {
            positive(origin, "attention.kv_lora_rank", d.kv_lora_rank)?;
            positive(origin, "attention.v_head_dim", d.v_head_dim)?;
            if d.qk_nope_head_dim + d.qk_rope_head_dim != at.head_dim {
                return Err(err(
                    origin,
                    "attention.head_dim",
                    format!(
                        "{} != qk_nope_head_dim {} + qk_rope_head_dim {}",
                        at.head_dim, d.qk_nope_head_dim, d.qk_rope_head_dim
                    ),
                    format!("{}", d.qk_nope_head_dim + d.qk_rope_head_dim),
                ));
            }
        }
        Ok(())
    }

    fn validate_moe(&self, origin: &str) -> Result<()> {
        let m = &self.moe;
        let layers = self.arch.num_layers;
        positive(
            origin,
            "moe.num_routed_experts",
            m.num_routed_experts as u64,
        )?;
        positive(
            origin,
            "moe.expert_intermediate_size",
            m.expert_intermediate_size,
        )?;
        positive(origin, "moe.moe_layer_step", m.moe_layer_step as u64)?;
        if m.top_k == 0 || m.top_k > m.num_routed_experts {
            return Err(err(
                origin,
                "moe.top_k",
                format!("{} is out of range", m.top_k),
                format!("1..={} (num_routed_experts)", m.num_routed_experts),
            ));
        }
        if m.first_dense_layers >= layers {
            return Err(err(
                origin,
                "moe.first_dense_layers",
                format!("{} leaves no MoE layer of {layers}", m.first_dense_layers),
                format!("0..{layers}"),
            ));
        }
        let implied = (layers - m.first_dense_layers) / m.moe_layer_step;
        if m.num_moe_layers != implied {
            return Err(err(
                origin,
                "moe.num_moe_layers",
                format!(
                    "is {} but num_layers {layers}, first_dense_layers {} and moe_layer_step {} imply {implied}",
                    m.num_moe_layers, m.first_dense_layers, m.moe_layer_step
                ),
                format!("{implied}"),
            ));
        }
        if implied == 0 {
            return Err(err(
                origin,
                "moe.moe_layer_step",
                "leaves no MoE layer",
                format!("1..={}", layers - m.first_dense_layers),
            ));
        }
        let has_dense = m.first_dense_layers > 0 || m.moe_layer_step > 1;
        if has_dense && m.dense_intermediate_size == 0 {
            return Err(err(
                origin,
                "moe.dense_intermediate_size",
                "is 0 but the model has dense layers (first_dense_layers > 0 or moe_layer_step > 1)",
                "a positive integer",
            ));
        }
        if (m.num_shared_experts > 0) != (m.shared_expert_intermediate_size > 0) {
            return Err(err(
                origin,
                "moe.shared_expert_intermediate_size",
                format!(
                    "is {} with num_shared_experts {}",
                    m.shared_expert_intermediate_size, m.num_shared_experts
                ),
                "0 exactly when num_shared_experts is 0",
            ));
        }
        if m.n_group == 0 || !m.num_routed_experts.is_multiple_of(m.n_group) {
            return Err(err(
                origin,
                "moe.n_group",
                format!(
                    "{} does not divide num_routed_experts {}",
                    m.n_group, m.num_routed_experts
                ),
                "a divisor of num_routed_experts (1 = no groups)",
            ));
        }
        if m.topk_group == 0 || m.topk_group > m.n_group {
            return Err(err(
                origin,
                "moe.topk_group",
                format!("{} is out of range", m.topk_group),
                format!("1..={} (n_group)", m.n_group),
            ));
        }
        let reachable = m.topk_group * (m.num_routed_experts / m.n_group);
        if m.top_k > reachable {
            return Err(err(
                origin,
                "moe.top_k",
                format!(
                    "{} experts cannot be found in {} groups of {}",
                    m.top_k,
                    m.topk_group,
                    m.num_routed_experts / m.n_group
                ),
                format!("1..={reachable}"),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{ModelSpec, preset_text};

    fn with(name: &str, from: &str, to: &str) -> moesim_core::Result<ModelSpec> {
        let text = preset_text(name).unwrap();
        assert!(text.contains(from), "{from}");
        ModelSpec::from_toml_str("m.toml", &text.replacen(from, to, 1))
    }

    fn err_of(name: &str, from: &str, to: &str) -> String {
        with(name, from, to).unwrap_err().to_string()
    }

    #[test]
    fn unknown_key_is_named() {
        let e = err_of("mixtral-8x7b", "top_k = 2", "top_k = 2\ntopk = 2");
        assert!(e.starts_with("m.toml: key `moe"), "{e}");
        assert!(e.contains("topk"), "{e}");
    }

    #[test]
    fn num_moe_layers_must_match_the_layer_structure() {
        let e = err_of("mixtral-8x7b", "num_moe_layers = 32", "num_moe_layers = 31");
        assert!(
            e.contains("key `moe.num_moe_layers`") && e.contains("imply 32"),
            "{e}"
        );
        let e = err_of("deepseek-v3", "num_moe_layers = 58", "num_moe_layers = 61");
        assert!(e.contains("imply 58"), "{e}");
        let e = err_of(
            "llama-4-maverick",
            "moe_layer_step = 2",
            "moe_layer_step = 1",
        );
        assert!(e.contains("imply 48"), "{e}");
    }

    #[test]
    fn top_k_and_groups() {
        let e = err_of("mixtral-8x7b", "top_k = 2", "top_k = 9");
        assert!(e.contains("key `moe.top_k`") && e.contains("1..=8"), "{e}");
        let e = err_of("deepseek-v3", "n_group = 8", "n_group = 7");
        assert!(e.contains("key `moe.n_group`"), "{e}");
        let e = err_of("deepseek-v3", "topk_group = 4", "topk_group = 9");
        assert!(e.contains("key `moe.topk_group`"), "{e}");
        let e = err_of(
            "deepseek-v3",
            "topk_group = 4",
            "topk_group = 1\ntop_k_unused = 0",
        );
        assert!(e.contains("top_k_unused"), "{e}");
    }

    #[test]
    fn mla_fields_iff_mla() {
        let e = err_of("deepseek-v3", "kind = \"mla\"", "kind = \"gqa\"");
        assert!(e.contains("key `attention.q_lora_rank`"), "{e}");
        let e = err_of("deepseek-v3", "kv_lora_rank = 512\n", "");
        assert!(
            e.contains("key `attention.kv_lora_rank`") && e.contains("missing"),
            "{e}"
        );
        let e = err_of("deepseek-v3", "head_dim = 192", "head_dim = 128");
        assert!(e.contains("key `attention.head_dim`"), "{e}");
        let e = err_of("olmoe-1b-7b", "num_kv_heads = 16", "num_kv_heads = 8");
        assert!(e.contains("kind = \\\"mha\\\"") || e.contains("mha"), "{e}");
    }

    #[test]
    fn shared_and_dense_sizes() {
        let e = err_of(
            "deepseek-v3",
            "shared_expert_intermediate_size = 2048",
            "shared_expert_intermediate_size = 0",
        );
        assert!(
            e.contains("key `moe.shared_expert_intermediate_size`"),
            "{e}"
        );
        let e = err_of(
            "deepseek-v3",
            "dense_intermediate_size = 18432",
            "dense_intermediate_size = 0",
        );
        assert!(e.contains("key `moe.dense_intermediate_size`"), "{e}");
        let e = err_of(
            "switch-base-128",
            "num_decoder_layers = 12",
            "num_decoder_layers = 11",
        );
        assert!(e.contains("key `arch.num_encoder_layers`"), "{e}");
    }
}
