//! MoE model specifications: the TOML schema of `configs/models/*.toml` (the same schema as
//! `data/models/README.md`), loading with checks, the embedded presets, and the layer structure
//! (dense prefix, interleaved MoE layers).

mod layers;
mod params;
mod presets;
mod validate;

pub use layers::LayerKind;
pub use params::ParamCounts;
pub use presets::{PRESET_NAMES, preset_text};

use moesim_core::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Feed-forward activation of experts and dense FFNs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FfnAct {
    /// Gated (SwiGLU): three matrices, gate, up (hidden x intermediate) and down.
    #[default]
    Swiglu,
    /// Ungated ReLU (T5 / Switch): two matrices, in and out.
    Relu,
}

impl FfnAct {
    /// Number of hidden x intermediate matrices of one FFN.
    pub const fn num_matrices(self) -> u64 {
        match self {
            FfnAct::Swiglu => 3,
            FfnAct::Relu => 2,
        }
    }
}

/// Attention family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttentionKind {
    /// Multi-head attention (one KV head per query head).
    Mha,
    /// Grouped-query attention.
    Gqa,
    /// Multi-head latent attention (DeepSeek-V2/V3): a compressed KV cache.
    Mla,
}

/// Router score function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RouterScore {
    Softmax,
    Sigmoid,
}

/// `[arch]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchSpec {
    pub hidden_size: u64,
    pub num_layers: u32,
    pub vocab_size: u64,
    /// 0 when the model has no fixed limit (relative position buckets).
    pub max_position_embeddings: u64,
    pub tie_word_embeddings: bool,
    /// Encoder-decoder models only: the blocks of each stack (they sum to `num_layers`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_encoder_layers: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_decoder_layers: Option<u32>,
}

/// `[attention]`. The MLA fields are present exactly when `kind = "mla"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttentionSpec {
    pub kind: AttentionKind,
    pub num_heads: u32,
    pub num_kv_heads: u32,
    /// Per-head query/key width (for MLA: qk_nope_head_dim + qk_rope_head_dim).
    pub head_dim: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q_lora_rank: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kv_lora_rank: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qk_nope_head_dim: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qk_rope_head_dim: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub v_head_dim: Option<u64>,
}

/// The MLA dimensions of a checked spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MlaDims {
    /// 0 = no query compression.
    pub q_lora_rank: u64,
    pub kv_lora_rank: u64,
    pub qk_nope_head_dim: u64,
    pub qk_rope_head_dim: u64,
    pub v_head_dim: u64,
}

impl MlaDims {
    /// Values cached per token per layer: the latent plus the shared RoPE key.
    pub const fn kv_cache_elems_per_token(&self) -> u64 {
        self.kv_lora_rank + self.qk_rope_head_dim
    }
}

impl AttentionSpec {
    /// The MLA dimensions, when `kind = "mla"` (always present after the checks).
    pub fn mla(&self) -> Option<MlaDims> {
        if self.kind != AttentionKind::Mla {
            return None;
        }
        Some(MlaDims {
            q_lora_rank: self.q_lora_rank?,
            kv_lora_rank: self.kv_lora_rank?,
            qk_nope_head_dim: self.qk_nope_head_dim?,
            qk_rope_head_dim: self.qk_rope_head_dim?,
            v_head_dim: self.v_head_dim?,
        })
    }
}

/// `[moe]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MoeSpec {
    pub num_routed_experts: u32,
    pub num_shared_experts: u32,
    pub top_k: u32,
    /// Inner width of one routed expert.
    pub expert_intermediate_size: u64,
    /// Inner width of all shared experts together (0 if none).
    pub shared_expert_intermediate_size: u64,
    /// Inner width of the FFN of dense (non-MoE) layers (0 if the model has none).
    pub dense_intermediate_size: u64,
    pub first_dense_layers: u32,
    /// 1 = every layer after the dense prefix is MoE; 2 = every other layer (layers
    /// first_dense + 1, first_dense + 3, ...).
    pub moe_layer_step: u32,
    pub num_moe_layers: u32,
    pub router_score: RouterScore,
    pub norm_topk_prob: bool,
    /// Group-limited routing: experts form `n_group` equal groups, a token uses at most
    /// `topk_group` of them (1/1 = unused).
    pub n_group: u32,
    pub topk_group: u32,
}

/// A checked MoE model specification.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    pub name: String,
    pub hf_id: String,
    pub source: String,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub ffn_act: FfnAct,
    pub arch: ArchSpec,
    pub attention: AttentionSpec,
    pub moe: MoeSpec,
}

impl ModelSpec {
    /// Parses and checks a spec from TOML text; `origin` names the file in errors.
    pub fn from_toml_str(origin: &str, text: &str) -> Result<ModelSpec> {
        let spec: ModelSpec = moesim_core::config::from_toml_str(origin, text)?;
        spec.validate(origin)?;
        Ok(spec)
    }

    /// Loads and checks the spec file at `path`.
    pub fn load(path: impl AsRef<Path>) -> Result<ModelSpec> {
        let path = path.as_ref();
        let text = moesim_core::error::read_to_string(path)?;
        ModelSpec::from_toml_str(&path.display().to_string(), &text)
    }

    /// The embedded preset `name` (a file stem of `configs/models/`, e.g. `mixtral-8x7b`).
    pub fn preset(name: &str) -> Result<ModelSpec> {
        let text = preset_text(name).ok_or_else(|| {
            Error::config(
                "--model",
                "model",
                format!("no embedded model named `{name}`"),
            )
            .allowed(PRESET_NAMES.join(", "))
        })?;
        ModelSpec::from_toml_str(&format!("embedded:configs/models/{name}.toml"), text)
    }

    /// A preset name, or else a path to a spec file.
    pub fn resolve(name_or_path: &str) -> Result<ModelSpec> {
        if preset_text(name_or_path).is_some() {
            return ModelSpec::preset(name_or_path);
        }
        let path = Path::new(name_or_path);
        if path.exists() {
            return ModelSpec::load(path);
        }
        Err(Error::config(
            "--model",
            "model",
            format!("`{name_or_path}` is neither an embedded model nor an existing file"),
        )
        .allowed(format!(
            "a path to a model TOML, or one of {}",
            PRESET_NAMES.join(", ")
        )))
    }

    pub fn hidden(&self) -> u64 {
        self.arch.hidden_size
    }
    pub fn num_experts(&self) -> u32 {
        self.moe.num_routed_experts
    }
    pub fn top_k(&self) -> u32 {
        self.moe.top_k
    }
    pub fn num_layers(&self) -> u32 {
        self.arch.num_layers
    }
    pub fn num_moe_layers(&self) -> u32 {
        self.moe.num_moe_layers
    }
    pub fn has_shared_experts(&self) -> bool {
        self.moe.shared_expert_intermediate_size > 0
    }
    /// `(n_group, topk_group)` when the model uses group-limited routing.
    pub fn group_limit(&self) -> Option<(u32, u32)> {
        (self.moe.n_group > 1).then_some((self.moe.n_group, self.moe.topk_group))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_loads() {
        for name in PRESET_NAMES {
            let m = ModelSpec::preset(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(m.num_moe_layers() > 0, "{name}");
        }
    }

    #[test]
    fn unknown_preset_lists_the_allowed_names() {
        let e = ModelSpec::preset("mixtral-8x8b").unwrap_err().to_string();
        assert!(
            e.contains("mixtral-8x7b") && e.contains("deepseek-v3"),
            "{e}"
        );
        let e = ModelSpec::resolve("/no/such/model.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("neither an embedded model"), "{e}");
    }

    #[test]
    fn mla_dims_only_for_mla() {
        let v3 = ModelSpec::preset("deepseek-v3").unwrap();
        let d = v3.attention.mla().unwrap();
        assert_eq!(d.kv_cache_elems_per_token(), 576);
        assert!(
            ModelSpec::preset("mixtral-8x7b")
                .unwrap()
                .attention
                .mla()
                .is_none()
        );
        assert_eq!(v3.group_limit(), Some((8, 4)));
    }
}
